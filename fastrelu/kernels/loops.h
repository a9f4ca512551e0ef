/* fastrelu: the active kernel table and the numpy ufunc inner loops.
 *
 * Included once, by _ufuncs.pyx.  The table maps accuracy x op x dtype to a
 * registry row; _dispatch.py fills it at import (the ISA ladder, or tuned
 * wisdom) and refills it for use_isa(); backend() points a thread at another
 * table.  A call reads a thread-local table index and accuracy and one slot:
 * no other dispatch happens per call.
 *
 * The inner loops send contiguous data straight to the kernel, cut into
 * chunks that fastrelu's own pool (pool.h) runs above a size threshold;
 * strided data goes through a stack buffer in blocks (copy in, kernel, copy
 * out); float16 is computed in a wider type and rounded once.
 */
#ifndef FASTRELU_LOOPS_H
#define FASTRELU_LOOPS_H

#include <Python.h>
#include <string.h>
#include "numpy/ndarraytypes.h"
#include "numpy/halffloat.h"
#include "kernels.h"
#include "scalar.h"
#include "pool.h"
#include "strided.h"

/* Floating-point flags: intermediate over/underflow inside the kernels is an
 * implementation detail, so every loop restores the caller's flags and numpy
 * reports no warning (np.maximum(nan, 0) does not warn either). */
#include <fenv.h>
/* every flag, x87 included: npymath's float16 conversions raise through it */
typedef fexcept_t fr_fpstate_all;
static fr_fpstate_all fr_fp_save_all(void) { fexcept_t f; fegetexceptflag(&f, FE_ALL_EXCEPT); return f; }
static void fr_fp_restore_all(fr_fpstate_all s) { fesetexceptflag(&s, FE_ALL_EXCEPT); }
/* the kernels themselves only touch SSE/AVX state: MXCSR is enough, and cheap */
#if defined(__SSE2__) || defined(_M_X64)
#include <xmmintrin.h>
typedef unsigned int fr_fpstate;
static fr_fpstate fr_fp_save(void) { return _mm_getcsr(); }
static void fr_fp_restore(fr_fpstate s) { _mm_setcsr(s); }
#else
typedef fr_fpstate_all fr_fpstate;
#define fr_fp_save fr_fp_save_all
#define fr_fp_restore fr_fp_restore_all
#endif

#if defined(_MSC_VER)
#define FR_TLS __declspec(thread)
#else
#define FR_TLS _Thread_local
#endif

#define FR_BLOCK 1024            /* elements per block of the 16-bit (narrow) loops */
/* Strided operands: elements per copy-in/copy-out block, at most, and at most
 * FR_BLOCK_LINES bytes of the cache lines they lie in (a step of a line or
 * more: a line each), so the lines a block gathers are in L1 when it scatters
 * and its pages in the TLB.  relu_ of 65536 float32 in place, 1 thread, against
 * 1024 elements a block: x[::2] 36 -> 14 us (numpy 21; with strided.h's
 * vector copies), x[::16] 193 -> 146-157 (numpy 143). */
#define FR_STRIDED_BLOCK 256
#define FR_BLOCK_LINES 8192

/* The compiled ISA levels, best first: the ladder _dispatch.py walks. */
typedef struct {
    const char *name;
    const char *features;            /* all must be present, comma separated */
    const fr_kernel_row *rows;
} fr_isa_entry;

static const fr_isa_entry fr_isas[] = {
#ifdef FR_HAVE_AVX512F
    {"avx512f", "AVX512F,AVX2,FMA", fr_kernels__avx512f},
#endif
#ifdef FR_HAVE_AVX2
    {"avx2", "AVX2,FMA", fr_kernels__avx2},
#endif
    {"baseline", "", fr_kernels__baseline},
    {0, 0, 0},
};

/* Rows registered at run time (Numba cfuncs, numpy-formula callbacks). */
#define FR_MAX_RUNTIME_ROWS 128
static fr_kernel_row fr_runtime_rows[FR_MAX_RUNTIME_ROWS];
static int fr_n_runtime_rows = 0;

/* Table 0 is "auto" (the ladder, or tuned wisdom); the others hold one
 * backend each, for backend() overrides, which are per thread. */
enum { FR_TABLE_AUTO, FR_TABLE_CYTHON, FR_TABLE_NUMBA, FR_TABLE_NUMPY, FR_NTABLES };
static const fr_kernel_row *fr_tables[FR_NTABLES][FR_NACCURACY][FR_NOPS][FR_NDTYPES];
static FR_TLS int fr_thread_table = FR_TABLE_AUTO;
static int fr_default_accuracy = FR_FAST;
static FR_TLS int fr_thread_accuracy = -1;        /* -1: use the default */
#define FR_MAX_THREADS 256
static int fr_num_threads = 1;
/* Threads pay from these sizes (elements): kernels.h's op list; tuned
 * wisdom overrides them. */
#define FR_OP_THRESHOLD_(ID, name, kind, threshold, ...) [FR_##ID] = threshold,
static fr_intp fr_parallel_min[FR_NOPS] = { FR_OPS(FR_OP_THRESHOLD_) };
static int fr_serial_only = 0;                    /* set in a forked child */

/* Exported (not static) so threadpoolctl can see and limit the pool through
 * ctypes (fastrelu/_threadpool.py). */
#if defined(_WIN32)
#define FR_EXPORT __declspec(dllexport)
#else
#define FR_EXPORT __attribute__((visibility("default")))
#endif
FR_EXPORT int fastrelu_get_num_threads(void) { return fr_num_threads; }
FR_EXPORT void fastrelu_set_num_threads(int n) {
    fr_num_threads = !fr_have_threads() || n < 1 ? 1 : n > FR_MAX_THREADS ? FR_MAX_THREADS : n;
}

static int fr_current_accuracy(void) {
    return fr_thread_accuracy >= 0 ? fr_thread_accuracy : fr_default_accuracy;
}

static const fr_kernel_row *fr_kernel_for(int accuracy, int op, int dtype) {
    return fr_tables[fr_thread_table][accuracy][op][dtype];
}

static const fr_kernel_row *fr_current_kernel(int op, int dtype) {
    return fr_kernel_for(fr_current_accuracy(), op, dtype);
}

/* A threaded call is cut into about FR_CHUNKS_PER_THREAD chunks per
 * participant, so one that starts late or is preempted (a BLAS thread on its
 * core) leaves its share to the others; chunks are whole multiples of 16
 * elements (a vector at every ISA level) and not tiny: each finished chunk
 * bumps a counter on a line the participants share, and a stolen one takes
 * another's line (~150 ns each), so a chunk is at least 16384 elements
 * (~4 us of sigmoid); with 2048, when every claim was on one shared line,
 * sigmoid_ of 65536 float32 on 2 threads took 13.1-13.9 us, with 16384
 * 10.8-11.1 us.  A call of at most 16384 elements is one chunk: one
 * thread (fr_threads_for).  A call of at most two such chunks per
 * participant is cut into one chunk each (pool.h: each participant owns a
 * run of chunks; with two each, a late worker's run went to the caller
 * whole and the halves changed cores from call to call; sigmoid_ of
 * float32, 2 threads: 65536 9.9 -> 9.5 us, 50000 9.6 -> 7.6; 20000, which
 * was split 16384 + 3616, 6.2 -> 4.2, one thread 4.9). */
#define FR_CHUNKS_PER_THREAD 8
#define FR_MIN_CHUNK 16384
/* Parked workers are woken for calls FR_WAKE_FACTOR times the threshold;
 * for calls FR_STREAM_WAKE_FACTOR times it, in a stream of calls (the last
 * job ended within 1 ms, pool.h); below, only back to back (within 10 us of
 * the last job), else the call runs on the caller alone.  Such a call ends
 * before a woken worker (~50 us on a VM) arrives, which then spins into
 * what the program does next: in a numpy loop of a matmul (0.6 ms) and
 * relu_ of 131072 float64, waking it cost 4-6% of the loop's time. */
#define FR_WAKE_FACTOR 16
#define FR_STREAM_WAKE_FACTOR 4
/* and from this weight on only: a shorter call (sigmoid_ of 131072 float32
 * takes ~40 us) gains less from a woken worker than the wake costs a BLAS
 * call around it (the worker takes a core from OpenBLAS's threads); a numpy
 * loop of a 0.5 ms matmul and sigmoid_ of its 131072 outputs took 1.054x
 * the time it takes on one thread when each call woke the worker */
#define FR_WAKE_MIN ((fr_intp)1 << 20)
/* The thresholds count float32 elements (tune measures float32): a call
 * weighs its bytes / 4, so float64 threads from half as many elements.  For
 * the memory-bound ops bytes are what a second core's L2 and bandwidth buy:
 * float64 relu_backward of 131072 (three 1 MiB streams, more than one core's
 * L2) took 87 us on one thread, 19 on two. */
static const int fr_dtype_bytes[FR_NDTYPES] = {
    [FR_F32] = 4, [FR_F64] = 8, [FR_I8] = 1, [FR_I16] = 2, [FR_I32] = 4, [FR_I64] = 8};
static fr_intp fr_f32_weight(const fr_kernel_row *row, fr_intp n) {
    return n / 4 * fr_dtype_bytes[row->dtype] + n % 4 * fr_dtype_bytes[row->dtype] / 4;
}
static int fr_wake_for(const fr_kernel_row *row, fr_intp n) {
    fr_intp w = fr_f32_weight(row, n), min = fr_parallel_min[row->op];
    if (w < FR_WAKE_MIN)
        return FR_WAKE_BACK_TO_BACK;
    return w / FR_WAKE_FACTOR >= min ? FR_WAKE_ALWAYS
         : w / FR_STREAM_WAKE_FACTOR >= min ? FR_WAKE_IN_STREAM : FR_WAKE_BACK_TO_BACK;
}

static int fr_threads_for(const fr_kernel_row *row, fr_intp n) {
    if (fr_serial_only || row->serial || fr_num_threads <= 1
            || fr_f32_weight(row, n) < fr_parallel_min[row->op]
            || n <= FR_MIN_CHUNK)                                   /* one chunk */
        return 1;
    return fr_num_threads;
}

static fr_intp fr_chunk_size(fr_intp n, int nt) {
    if (n <= 2 * (fr_intp)nt * FR_MIN_CHUNK)
        return ((n + nt - 1) / nt + 15) & ~(fr_intp)15;
    fr_intp per = ((n / ((fr_intp)nt * FR_CHUNKS_PER_THREAD)) + 15) & ~(fr_intp)15;
    return per < FR_MIN_CHUNK ? FR_MIN_CHUNK : per;
}

/* Rows per band of a threaded call over rows of cols elements (n in all):
 * about fr_chunk_size's elements, at least one row. */
static fr_intp fr_band_rows(fr_intp n, int nt, fr_intp cols) {
    fr_intp per = fr_chunk_size(n, nt) / cols;
    return per < 1 ? 1 : per;
}

/* A row's kernel on contiguous operands in[0..nin-1] -> out. */
static void fr_call(const fr_kernel_row *row, char *const *in, char *out, fr_intp n) {
    switch (fr_op_kind[row->op]) {
    case FR_KIND_UNARY: row->unary(in[0], out, n); break;
    case FR_KIND_BINARY: row->binary(in[0], in[1], out, n); break;
    case FR_KIND_TERNARY: row->ternary(in[0], in[1], in[2], out, n); break;
    default: row->fused(in[0], in[1], out, NULL, 0.0, 1, n);
    }
}

static int fr_nin(const fr_kernel_row *row) { return fr_kind_nin[fr_op_kind[row->op]]; }

/* One threaded elementwise call: chunk c covers [c * per, (c + 1) * per). */
typedef struct {
    const fr_kernel_row *row;
    char **args;
    npy_intp const *steps;       /* NULL: every operand contiguous */
    fr_intp n, per;
    size_t es;
    int last_scalar;             /* steps NULL but the last input one number: row->last_scalar */
} fr_elementwise_job;

static void fr_run_blocks(const fr_kernel_row *row, char **args, npy_intp const *steps,
                          fr_intp lo, fr_intp hi, size_t es);

/* The row's kernel over n contiguous elements at p[0..nin] (p[nin] the
 * output); last_scalar: p[nin - 1] is one number, row->last_scalar runs. */
static void fr_call_contig(const fr_kernel_row *row, char *const *p, fr_intp n, int last_scalar) {
    int nin = fr_nin(row);
    if (last_scalar)
        row->last_scalar(p, p[nin], n);
    else
        fr_call(row, p, p[nin], n);
}

static void fr_elementwise_task(void *ctx, fr_intp c, int slot) {
    const fr_elementwise_job *j = (const fr_elementwise_job *)ctx;
    fr_intp lo = c * j->per, hi = lo + j->per < j->n ? lo + j->per : j->n;
    (void)slot;
    if (j->steps) {
        fr_run_blocks(j->row, j->args, j->steps, lo, hi, j->es);
        return;
    }
    int nin = fr_nin(j->row);
    char *p[4];
    for (int i = 0; i <= nin; i++)
        p[i] = j->args[i] + (j->last_scalar && i == nin - 1 ? 0 : lo * (fr_intp)j->es);
    fr_call_contig(j->row, p, hi - lo, j->last_scalar);
}

/* The bytes of cache line an element brings along: its operands' widest
 * step, at least es, at most a line. */
static fr_intp fr_line_bytes(int nin, npy_intp const *steps, size_t es) {
    fr_intp widest = (fr_intp)es;
    for (int a = 0; a <= nin; a++) {
        fr_intp st = steps[a] < 0 ? -steps[a] : steps[a];
        widest = st > widest ? st : widest;
    }
    return widest < 64 ? widest : 64;
}

/* weight: n, or more for a strided call (fr_strided_weight) */
static void fr_run_threaded(const fr_kernel_row *row, char **args, npy_intp const *steps,
                            fr_intp n, size_t es, int nt, fr_intp weight, int last_scalar) {
    fr_elementwise_job j = {row, args, steps, n, fr_chunk_size(n, nt), es, last_scalar};
    fr_parallel(nt, (n + j.per - 1) / j.per, fr_elementwise_task, &j, fr_wake_for(row, weight));
}

/* What a strided call of n elements weighs against the thresholds, which
 * were measured on contiguous data: each element of an operand with a step
 * of s bytes brings min(s, 64) bytes of its cache line through the copies,
 * against es.  relu_ of 65536 float32 in place took 3.3 us contiguous, 14
 * through x[::2], 146 through x[::16] (2 min(s, 64) / es: 4, 32); torch ran
 * the strided ones on 2 threads, 2-3.5x faster. */
static fr_intp fr_strided_weight(int nin, npy_intp const *steps, fr_intp n, size_t es) {
    return n > INTPTR_MAX / 256 ? n : n * 2 * fr_line_bytes(nin, steps, es) / (fr_intp)es;
}
/* a strided call's participants: by its weight, but one chunk stays one thread */
static int fr_threads_strided(const fr_kernel_row *row, fr_intp n, fr_intp weight) {
    return n > FR_MIN_CHUNK ? fr_threads_for(row, weight) : 1;
}

/* The plan a call of n elements gets on this thread: kernel, participants,
 * chunk size (explain() reports this rather than re-deriving it); step: the
 * inputs' step in bytes, 0 for contiguous ones. */
static const fr_kernel_row *fr_plan(int op, int dtype, fr_intp n, fr_intp step, int *threads,
                                    fr_intp *chunk) {
    const fr_kernel_row *row = fr_current_kernel(op, dtype);
    if (step && step != fr_dtype_bytes[dtype]) {    /* strided inputs, a new contiguous out */
        int nin = fr_nin(row);
        npy_intp steps[4] = {step, step, step, step};
        steps[nin] = fr_dtype_bytes[dtype];
        fr_intp weight = fr_strided_weight(nin, steps, n, (size_t)fr_dtype_bytes[dtype]);
        *threads = fr_threads_strided(row, n, weight);
    } else
        *threads = fr_threads_for(row, n);
    *chunk = *threads > 1 ? fr_chunk_size(n, *threads) : n;
    return row;
}

/* args[0..nin-1] inputs, args[nin] output, all contiguous; last_scalar:
 * args[nin - 1] is one number (a broadcast alpha, row->last_scalar). */
static void fr_run_contig(const fr_kernel_row *row, char **args, fr_intp n, size_t es,
                          int last_scalar) {
    int nt = fr_threads_for(row, n);
    if (nt <= 1) { fr_call_contig(row, args, n, last_scalar); return; }
    fr_run_threaded(row, args, NULL, n, es, nt, n, last_scalar);
}

/* The in-place forms' fast path (_ufuncs.inplace): contiguous operands,
 * the floating-point state kept as the ufunc loops keep it. */
static void fr_run_contig_fp(const fr_kernel_row *row, char **args, fr_intp n, size_t es,
                             int last_scalar) {
    fr_fpstate fp = fr_fp_save();
    fr_run_contig(row, args, n, es, last_scalar);
    fr_fp_restore(fp);
}

/* An output step of this many bytes or more takes the row's one-pass strided
 * loop where it has one (relu): copying the block out to the view would cost
 * a second strided pass.  relu_ in place, 65536 elements, 1 thread, us (numpy
 * alongside): float32 x[::8] 66 -> 53 (48), x[::16] 145 -> 139 (139); float64
 * x[::3] 53 -> 40 (32), x[::4] 71 -> 51 (49), x[::8] 147 -> 139 (139).  Below
 * it the blocks' vector copies win (float32 x[::4]: 27 against 37 us). */
#define FR_ONE_PASS_STEP 24
/* Elements [lo, hi) of a non-contiguous call, in blocks: contiguous operands
 * are used in place, broadcast ones (step 0, a scalar alpha) are expanded
 * once, strided ones are copied in (and the output out). */
static void fr_run_blocks(const fr_kernel_row *row, char **args, npy_intp const *steps,
                          fr_intp lo, fr_intp hi, size_t es) {
    int nin = fr_nin(row), filled[3] = {0, 0, 0};
    if (row->strided && (steps[nin] >= FR_ONE_PASS_STEP || steps[nin] <= -FR_ONE_PASS_STEP)) {
        row->strided(args[0] + lo * steps[0], steps[0], args[nin] + lo * steps[nin], steps[nin],
                     hi - lo);                 /* a unary row's: nin is 1 */
        return;
    }
    double buf[4][FR_STRIDED_BLOCK];   /* double: aligned for every dtype */
    char *p[3];
    fr_intp line = fr_line_bytes(nin, steps, es), block = FR_STRIDED_BLOCK;
    if (line * FR_STRIDED_BLOCK > FR_BLOCK_LINES)
        block = FR_BLOCK_LINES / line / 16 * 16;
    for (fr_intp i = lo; i < hi; i += block) {
        fr_intp m = hi - i < block ? hi - i : block;
        for (int a = 0; a < nin; a++) {
            if (steps[a] == (npy_intp)es) {
                p[a] = args[a] + i * es;
                continue;
            }
            p[a] = (char *)buf[a];
            if (steps[a] != 0)
                fr_gather(p[a], args[a] + i * steps[a], steps[a], m, es);
            else if (!filled[a]) {
                fr_gather(p[a], args[a], 0, FR_STRIDED_BLOCK, es);
                filled[a] = 1;
            }
        }
        int direct = steps[nin] == (npy_intp)es;
        char *o = direct ? args[nin] + i * es : (char *)buf[nin];
        fr_call(row, p, o, m);
        if (!direct) fr_scatter(args[nin] + i * steps[nin], steps[nin], o, m, es);
    }
}

/* A call over rows: the in-place forms on an N-D view whose last axis is
 * contiguous but whose rows are not back to back (x[:, :k], x[::2, :, :k]),
 * which numpy's ufunc would run one row per loop call, each too short to
 * thread and each paying the call.  Row r is the multi-index of r over the
 * nd leading axes (shape[]); operand a's row starts at args[a] + the sum of
 * index k times step[a][k]; its cols elements are contiguous.  Threaded over
 * bands of rows. */
#define FR_GRID_MAXD 8
typedef struct {
    const fr_kernel_row *row;
    char **args;
    int nd;
    npy_intp shape[FR_GRID_MAXD], step[4][FR_GRID_MAXD];
    fr_intp rows, cols, per;
} fr_grid_job;

static void fr_grid_rows(const fr_grid_job *j, fr_intp r0, fr_intp r1) {
    int nin = fr_nin(j->row);
    char *p[4];
    fr_intp idx[FR_GRID_MAXD], q = r0;
    for (int a = 0; a <= nin; a++) p[a] = j->args[a];
    for (int k = j->nd - 1; k >= 0; k--) {        /* r0's multi-index */
        idx[k] = q % j->shape[k];
        q /= j->shape[k];
        for (int a = 0; a <= nin; a++) p[a] += idx[k] * j->step[a][k];
    }
    for (fr_intp r = r0; r < r1; r++) {
        fr_call(j->row, p, p[nin], j->cols);
        if (r + 1 == r1) break;                   /* no pointer past the last row */
        for (int k = j->nd - 1; k >= 0; k--) {    /* the next row, odometer-wise */
            for (int a = 0; a <= nin; a++) p[a] += j->step[a][k];
            if (++idx[k] < j->shape[k]) break;
            for (int a = 0; a <= nin; a++) p[a] -= j->shape[k] * j->step[a][k];
            idx[k] = 0;
        }
    }
}

static void fr_grid_task(void *ctx, fr_intp c, int slot) {
    const fr_grid_job *j = (const fr_grid_job *)ctx;
    fr_intp r0 = c * j->per;
    (void)slot;
    fr_grid_rows(j, r0, r0 + j->per < j->rows ? r0 + j->per : j->rows);
}

/* j: row, args, nd, shape and step filled in; rows and cols set */
static void fr_run_grid_fp(fr_grid_job *j) {
    fr_fpstate fp = fr_fp_save();
    fr_intp n = j->rows * j->cols;
    int nt = n > 0 ? fr_threads_for(j->row, n) : 1;
    if (nt <= 1) {
        fr_grid_rows(j, 0, j->rows);
    } else {
        j->per = fr_band_rows(n, nt, j->cols);
        fr_parallel(nt, (j->rows + j->per - 1) / j->per, fr_grid_task, j, fr_wake_for(j->row, n));
    }
    fr_fp_restore(fp);
}

/* An input that overlaps the output without being it, element for element:
 * numpy passes such operands only to reduce (in1 is the accumulator, stride
 * 0) and accumulate (in1 is out one element back), whose results depend on
 * the order of evaluation. */
static int fr_chained(int nin, char **args, npy_intp const *steps, fr_intp n) {
    if (n < 2) return 0;
    if (steps[nin] == 0) return 1;                    /* reduce: every step updates one element */
    char *o0 = args[nin], *o1 = args[nin] + (n - 1) * steps[nin];
    char *olo = o0 < o1 ? o0 : o1, *ohi = o0 < o1 ? o1 : o0;
    for (int i = 0; i < nin; i++) {
        if (args[i] == args[nin] && steps[i] == steps[nin]) continue;
        char *a0 = args[i], *a1 = args[i] + (n - 1) * steps[i];
        char *lo = a0 < a1 ? a0 : a1, *hi = a0 < a1 ? a1 : a0;
        if (lo <= ohi && olo <= hi) return 1;
    }
    return 0;
}

static void fr_run(int op, int dtype, size_t es, char **args, npy_intp const *dims,
                   npy_intp const *steps) {
    const fr_kernel_row *row = fr_current_kernel(op, dtype);
    int nin = fr_nin(row), contig = 1;
    int last_scalar = row->last_scalar && steps[nin - 1] == 0;   /* a broadcast alpha */
    fr_intp n = dims[0];
    if (fr_chained(nin, args, steps, n)) {            /* in order, one element at a time */
        char *p[4];
        for (fr_intp k = 0; k < n; k++) {
            for (int i = 0; i <= nin; i++) p[i] = args[i] + k * steps[i];
            fr_call(row, p, p[nin], 1);
        }
        return;
    }
    for (int i = 0; i <= nin; i++)
        contig &= steps[i] == (npy_intp)es || (last_scalar && i == nin - 1);
    if (contig) {
        fr_run_contig(row, args, n, es, last_scalar);
        return;
    }
    fr_intp weight = fr_strided_weight(nin, steps, n, es);
    int nt = fr_threads_strided(row, n, weight);
    if (nt <= 1) { fr_run_blocks(row, args, steps, 0, n, es); return; }
    fr_run_threaded(row, args, steps, n, es, nt, weight, 0);
}

/* The fused bias kernels over a C-contiguous (rows x cols) array, bias of
 * length cols (or NULL), counts of length cols (or NULL).  Threaded, chunks
 * are bands of rows (each participant counting into its own zeroed copy,
 * summed after) or, with fewer rows than threads, bands of columns. */
typedef struct {
    fr_fused_fn k;
    char *x, *out;
    const char *bias;
    int64_t *counts, *priv;      /* priv: one row of counts per slot */
    double eps;
    fr_intp rows, cols, per;
    size_t es;
    int by_rows;
} fr_rows_job;

static void fr_rows_task(void *ctx, fr_intp c, int slot) {
    const fr_rows_job *j = (const fr_rows_job *)ctx;
    fr_intp lo = c * j->per;
    if (j->by_rows) {
        fr_intp hi = lo + j->per < j->rows ? lo + j->per : j->rows;
        int64_t *cnt = j->priv ? j->priv + (fr_intp)slot * j->cols : NULL;
        j->k(j->x + lo * j->cols * j->es, j->bias, j->out + lo * j->cols * j->es, cnt, j->eps,
             hi - lo, j->cols);
        return;
    }
    fr_intp hi = lo + j->per < j->cols ? lo + j->per : j->cols;
    for (fr_intp r = 0; r < j->rows; r++)
        j->k(j->x + (r * j->cols + lo) * j->es, j->bias ? j->bias + lo * j->es : NULL,
             j->out + (r * j->cols + lo) * j->es, j->counts ? j->counts + lo : NULL, j->eps,
             1, hi - lo);
}

/* Returns -1 if memory ran out (nothing written then). */
static int fr_run_rows(int op, int dtype, size_t es, char *x, const char *bias, char *out,
                       int64_t *counts, double eps, fr_intp rows, fr_intp cols) {
    const fr_kernel_row *row = fr_current_kernel(op, dtype);
    int nt = rows > 0 && cols > 0 ? fr_threads_for(row, rows * cols) : 1;
    fr_fpstate fp = fr_fp_save();
    if (nt <= 1) {
        if (rows > 0 && cols > 0) row->fused(x, bias, out, counts, eps, rows, cols);
        fr_fp_restore(fp);
        return 0;
    }
    fr_rows_job j = {row->fused, x, out, bias, counts, NULL, eps, rows, cols, 0, es, rows >= nt};
    fr_intp units = j.by_rows ? rows : cols;
    if (j.by_rows) {
        j.per = fr_band_rows(rows * cols, nt, cols);
        if (counts) {
            j.priv = (int64_t *)calloc((size_t)nt * (size_t)cols, sizeof(int64_t));
            if (!j.priv) { fr_fp_restore(fp); return -1; }
        }
    } else {
        j.per = (cols + nt - 1) / nt;
        j.per = (j.per + 15) & ~(fr_intp)15;
    }
    int slots = fr_parallel(nt, (units + j.per - 1) / j.per, fr_rows_task, &j,
                            fr_wake_for(row, rows * cols));
    if (j.priv) {
        for (int t = 0; t < slots; t++)
            for (fr_intp c = 0; c < cols; c++) counts[c] += j.priv[(fr_intp)t * cols + c];
        free(j.priv);
    }
    fr_fp_restore(fp);
    return 0;
}

/* float16 and bfloat16 ("narrow" floats): widen a block, run a wider kernel,
 * round once.  Unary ops go through the exact float64 kernel, whose result
 * rounds to the correctly rounded narrow value (rounding via a correctly
 * rounded float32 would double-round, e.g. sigmoid at x = 0.01074 in
 * float16); the other ops through float32 (DESIGN: grad * y * (1 - y) in
 * float32, rounded once); the bias ops add in float32 and round, as numpy
 * does, then apply the activation through float64. */
#include "narrow.h"

static double fr_narrow_load(int fmt, const char *p) {
    uint16_t h;
    memcpy(&h, p, 2);
    return fmt == FR_FMT_HALF ? npy_half_to_double(h) : (double)fr_bf16_to_f32(h);
}
static void fr_narrow_store64(int fmt, char *p, double v) {
    uint16_t h = fmt == FR_FMT_HALF ? npy_double_to_half(v) : fr_f64_to_bf16(v);
    memcpy(p, &h, 2);
}
static void fr_narrow_store32(int fmt, char *p, float v) {
    uint16_t h = fr_narrow_round32(fmt, v);
    memcpy(p, &h, 2);
}

/* The block path: widen each block, run row (the wider kernel), round once. */
static void fr_narrow_blocks(const fr_kernel_row *row, int op, int fmt, char **args,
                             fr_intp n, npy_intp const *steps) {
    int kind = fr_op_kind[op], nin = fr_kind_nin[kind];
    int wide = kind == FR_KIND_UNARY || kind == FR_KIND_FUSED;
    double buf[3][FR_BLOCK];
    char *p[3] = {(char *)buf[0], (char *)buf[1], (char *)buf[2]};
    const fr_narrow_converter *cv = fr_narrow_converter_for(row);
    for (fr_intp i = 0; i < n; i += FR_BLOCK) {
        fr_intp m = n - i < FR_BLOCK ? n - i : FR_BLOCK;
        for (int a = 0; a < nin; a++) {
            const char *src = args[a] + i * steps[a];
            if (wide)
                for (fr_intp j = 0; j < m; j++) buf[a][j] = fr_narrow_load(fmt, src + j * steps[a]);
            else
                cv->widen(fmt, src, steps[a], (float *)buf[a], m);
        }
        char *dst = args[nin] + i * steps[nin];
        int tie = fr_op_half_tie[op];         /* op(x) ~ x/2 near 0 (kernels.h) */
        if (kind == FR_KIND_FUSED) {
            char tmp[2];
            for (fr_intp j = 0; j < m; j++) {   /* x + b in float32, rounded like numpy */
                fr_narrow_store32(fmt, tmp, (float)buf[0][j] + (float)buf[1][j]);
                buf[0][j] = fr_narrow_load(fmt, tmp);
            }
        }
        if (tie) memcpy(buf[2], buf[0], (size_t)m * sizeof(double));
        if (kind == FR_KIND_FUSED)
            row->fused(buf[0], NULL, buf[0], NULL, 0.0, 1, m);
        else
            fr_call(row, p, p[0], m);
        for (fr_intp j = 0; tie && j < m; j++)         /* the x/2 tie of tiny x */
            buf[0][j] = fr_half_tie_f64(buf[2][j], buf[0][j]);
        if (wide)
            for (fr_intp j = 0; j < m; j++) fr_narrow_store64(fmt, dst + j * steps[nin], buf[0][j]);
        else
            cv->round(fmt, (const float *)buf[0], dst, steps[nin], m);
    }
}

/* A unary op has 65536 narrow inputs: on first use each (op, format) gets a
 * table of all its results, made by the block path with the C exact kernel
 * (the bits of every backend but numpy's, whose rows keep the block path),
 * and then a call is a lookup per element: relu and sigmoid of 1M float16
 * on 2 threads took 7.1 ms each, now 0.05 and 0.12 (numpy's formulas 6.0
 * and 7.4, torch 0.07 and 0.21).
 * 128 KiB a table, kept for the process; racing first calls each build one
 * and all but the first published free theirs. */
#define FR_NARROW_PATTERNS 65536
#ifdef FR_HAVE_THREADS
static _Atomic(uint16_t *) fr_narrow_tabs[FR_NOPS][2];
static uint16_t *fr_narrow_tab_get(int op, int fmt) {
    return atomic_load_explicit(&fr_narrow_tabs[op][fmt], memory_order_acquire);
}
static uint16_t *fr_narrow_tab_publish(int op, int fmt, uint16_t *t) {
    uint16_t *old = NULL;
    if (atomic_compare_exchange_strong(&fr_narrow_tabs[op][fmt], &old, t)) return t;
    free(t);
    return old;
}
#else
static uint16_t *fr_narrow_tabs[FR_NOPS][2];
static uint16_t *fr_narrow_tab_get(int op, int fmt) { return fr_narrow_tabs[op][fmt]; }
static uint16_t *fr_narrow_tab_publish(int op, int fmt, uint16_t *t) {
    return fr_narrow_tabs[op][fmt] = t;
}
#endif

static int fr_narrow_lookups = 1;       /* 0: the block path (tests compare the two) */

/* NULL if memory ran out (the caller takes the block path) */
static const uint16_t *fr_narrow_table(int op, int fmt) {
    uint16_t *t = fr_narrow_tab_get(op, fmt);
    if (t) return t;
    t = (uint16_t *)malloc(2 * FR_NARROW_PATTERNS * sizeof(uint16_t));
    if (!t) return NULL;
    uint16_t *pat = t + FR_NARROW_PATTERNS;
    for (int i = 0; i < FR_NARROW_PATTERNS; i++) pat[i] = (uint16_t)i;
    char *args[2] = {(char *)pat, (char *)t};
    npy_intp steps[2] = {2, 2};
    fr_narrow_blocks(fr_tables[FR_TABLE_CYTHON][FR_EXACT][op][FR_F64], op, fmt, args,
                     FR_NARROW_PATTERNS, steps);
    return fr_narrow_tab_publish(op, fmt, t);
}

static void fr_lookup(const uint16_t *tab, const char *in, npy_intp sin, char *out,
                      npy_intp sout, fr_intp n) {
    uint16_t h;
    if (sin == 2 && sout == 2) {   /* unit steps: 1M float16 on 2 threads, 0.156 -> 0.122 ms */
        for (fr_intp j = 0; j < n; j++) {
            memcpy(&h, in + 2 * j, 2);
            memcpy(out + 2 * j, tab + h, 2);
        }
        return;
    }
    for (fr_intp j = 0; j < n; j++) {
        memcpy(&h, in + j * sin, 2);
        memcpy(out + j * sout, tab + h, 2);
    }
}

/* relu of a narrow float by its bits: h if h > 0, +0 if h <= 0, a NaN as the
 * block path rounds it (float16 keeps the pattern, bfloat16 becomes the
 * quiet NaN of its sign): the table's bits, in lanes gcc vectorizes */
FR_INLINE uint16_t fr_relu_bits1(uint16_t h, int fmt) {
    uint16_t inf = fmt == FR_FMT_HALF ? 0x7c00 : 0x7f80;
    uint16_t nan = fmt == FR_FMT_HALF ? h : (uint16_t)((h & 0x8000) | 0x7fc0);
    return (uint16_t)(h & 0x7fff) > inf ? nan : (int16_t)h > 0 ? h : 0;
}
static void fr_relu_bits(int fmt, const char *in, npy_intp sin, char *out, npy_intp sout,
                         fr_intp n) {
    uint16_t h;
    if (sin == 2 && sout == 2) {
        for (fr_intp j = 0; j < n; j++) {
            memcpy(&h, in + 2 * j, 2);
            h = fmt == FR_FMT_HALF ? fr_relu_bits1(h, FR_FMT_HALF) : fr_relu_bits1(h, FR_FMT_BF16);
            memcpy(out + 2 * j, &h, 2);
        }
        return;
    }
    for (fr_intp j = 0; j < n; j++) {
        memcpy(&h, in + j * sin, 2);
        h = fr_relu_bits1(h, fmt);
        memcpy(out + j * sout, &h, 2);
    }
}

/* A narrow call: the block path (row), or for a one-argument op its table or
 * relu's bits, and for a fused op those of its activation at x + b rounded
 * (bias_op(x, b) = op(x + b), the sum in float32 and rounded, as the block
 * path does it).  Threaded from FR_NARROW_PARALLEL_MIN elements but on the
 * numpy backend's rows (serial: they take the GIL). */
enum { FR_NARROW_BLOCKS, FR_NARROW_TABLE, FR_NARROW_RELU_BITS };
#define FR_NARROW_PARALLEL_MIN (1 << 16)     /* lookups: ~0.2 ns each on one core */
typedef struct {
    int op, fmt, how;
    const fr_kernel_row *row;
    const uint16_t *tab;
    char *const *args;
    npy_intp const *steps;
    fr_intp n, per;
} fr_narrow_job;

static void fr_narrow_lookups_of(const fr_narrow_job *j, const char *in, npy_intp sin, char *out,
                                 npy_intp sout, fr_intp m) {
    if (j->how == FR_NARROW_TABLE)
        fr_lookup(j->tab, in, sin, out, sout, m);
    else
        fr_relu_bits(j->fmt, in, sin, out, sout, m);
}

static void fr_narrow_task(void *ctx, fr_intp c, int slot) {
    const fr_narrow_job *j = (const fr_narrow_job *)ctx;
    fr_intp lo = c * j->per, m = j->n - lo < j->per ? j->n - lo : j->per;
    int kind = fr_op_kind[j->op], nin = fr_kind_nin[kind];
    char *a[4];
    (void)slot;
    for (int k = 0; k <= nin; k++) a[k] = j->args[k] + lo * j->steps[k];
    if (j->how == FR_NARROW_BLOCKS) {
        fr_narrow_blocks(j->row, j->op, j->fmt, a, m, j->steps);
    } else if (kind != FR_KIND_FUSED) {
        fr_narrow_lookups_of(j, a[0], j->steps[0], a[1], j->steps[1], m);
    } else {
        float x[FR_BLOCK], b[FR_BLOCK];
        uint16_t h[FR_BLOCK];
        const fr_narrow_converter *cv = fr_narrow_converter_for(j->row);
        for (fr_intp i = 0; i < m; i += FR_BLOCK) {
            fr_intp mb = m - i < FR_BLOCK ? m - i : FR_BLOCK;
            cv->widen(j->fmt, a[0] + i * j->steps[0], j->steps[0], x, mb);
            cv->widen(j->fmt, a[1] + i * j->steps[1], j->steps[1], b, mb);
            for (fr_intp k = 0; k < mb; k++) x[k] += b[k];
            cv->round(j->fmt, x, (char *)h, 2, mb);
            fr_narrow_lookups_of(j, (const char *)h, 2, a[2] + i * j->steps[2], j->steps[2], mb);
        }
    }
}

/* data: op * 2 + format */
static void fr_loop_narrow(char **args, npy_intp const *dims, npy_intp const *steps, void *data) {
    int op = (int)(intptr_t)data >> 1, fmt = (int)(intptr_t)data & 1, kind = fr_op_kind[op];
    fr_narrow_job j = {op, fmt, FR_NARROW_BLOCKS, NULL, NULL, args, steps, dims[0], dims[0]};
    if (j.n <= 0) return;
    fr_fpstate_all fp = fr_fp_save_all();
    j.row = kind == FR_KIND_UNARY || kind == FR_KIND_FUSED ? fr_kernel_for(FR_EXACT, op, FR_F64)
                                                           : fr_current_kernel(op, FR_F32);
    if (fr_narrow_lookups && !j.row->serial && (kind == FR_KIND_UNARY || kind == FR_KIND_FUSED)) {
        int of = fr_op_of[op];
        j.tab = of == FR_RELU ? NULL : fr_narrow_table(of, fmt);
        if (of == FR_RELU || j.tab)
            j.how = of == FR_RELU ? FR_NARROW_RELU_BITS : FR_NARROW_TABLE;
    }
    int nt = fr_serial_only || j.row->serial || fr_num_threads <= 1
                 || j.n < FR_NARROW_PARALLEL_MIN ? 1 : fr_num_threads;
    if (nt > 1) {
        j.per = fr_chunk_size(j.n, nt);
        int wake = j.n / 2 < FR_WAKE_MIN ? FR_WAKE_BACK_TO_BACK        /* 2-byte elements */
                 : j.n / FR_WAKE_FACTOR >= FR_NARROW_PARALLEL_MIN ? FR_WAKE_ALWAYS : FR_WAKE_IN_STREAM;
        fr_parallel(nt, (j.n + j.per - 1) / j.per, fr_narrow_task, &j, wake);
    } else {
        fr_narrow_task(&j, 0, 0);
    }
    fr_fp_restore_all(fp);
}

/* One inner loop per dtype; the ufunc's data slot carries the op. */
#define FR_LOOP(name, dtype, T)                                               \
    static void name(char **args, npy_intp const *dims, npy_intp const *steps, void *data) { \
        fr_fpstate fp = fr_fp_save();                                         \
        fr_run((int)(intptr_t)data, dtype, sizeof(T), args, dims, steps);     \
        fr_fp_restore(fp);                                                    \
    }
FR_LOOP(fr_loop_f32, FR_F32, float)
FR_LOOP(fr_loop_f64, FR_F64, double)
FR_LOOP(fr_loop_i8, FR_I8, int8_t)
FR_LOOP(fr_loop_i16, FR_I16, int16_t)
FR_LOOP(fr_loop_i32, FR_I32, int32_t)
FR_LOOP(fr_loop_i64, FR_I64, int64_t)

/* np.longdouble: plain C long double, serial, one loop for every op */
#include "longdouble.h"

/* The numpy backend: kernels with the registry's signatures that hand the
 * arrays to numpy formulas (_ufuncs.pyx sets the hook; it takes the GIL). */
typedef void (*fr_np_hook_fn)(int op, int dtype, const void *a, const void *b, const void *c,
                              void *out, int64_t *count, double eps, fr_intp rows, fr_intp cols);
static fr_np_hook_fn fr_np_hook = NULL;
#define FR_NP_DEF_UNARY(name, op, dt) static void fr_np_##name##_##dt(const void *a, void *o, \
    fr_intp n) { fr_np_hook(op, dt, a, NULL, NULL, o, NULL, 0.0, 1, n); }
#define FR_NP_DEF_BINARY(name, op, dt) static void fr_np_##name##_##dt(const void *a, const void *b, \
    void *o, fr_intp n) { fr_np_hook(op, dt, a, b, NULL, o, NULL, 0.0, 1, n); }
#define FR_NP_DEF_TERNARY(name, op, dt) static void fr_np_##name##_##dt(const void *a, const void *b, \
    const void *c, void *o, fr_intp n) { fr_np_hook(op, dt, a, b, c, o, NULL, 0.0, 1, n); }
#define FR_NP_DEF_FUSED(name, op, dt) static void fr_np_##name##_##dt(const void *a, const void *b, \
    void *o, int64_t *cnt, double eps, fr_intp rows, fr_intp cols) \
    { fr_np_hook(op, dt, a, b, NULL, o, cnt, eps, rows, cols); }
#define FR_NP_FIELD_UNARY .unary
#define FR_NP_FIELD_BINARY .binary
#define FR_NP_FIELD_TERNARY .ternary
#define FR_NP_FIELD_FUSED .fused
#define FR_NP_DEF_F32_(ID, name, kind, threshold, ...) FR_NP_DEF_##kind(name, FR_##ID, FR_F32)
#define FR_NP_DEF_F64_(ID, name, kind, threshold, ...) FR_NP_DEF_##kind(name, FR_##ID, FR_F64)
/* (no parameter is called name/op: .name and .op are field names) */
#define FR_NP_ROW_(ID, opname, kind, dt, sfx) {.name = #sfx "_" #opname "__numpy", \
    .op = FR_##ID, .dtype = dt, .accuracy = FR_ANY_ACCURACY, .serial = 1,        \
    FR_NP_FIELD_##kind = fr_np_##opname##_##dt},
#define FR_NP_ROW_F32_(ID, opname, kind, threshold, ...) FR_NP_ROW_(ID, opname, kind, FR_F32, f32)
#define FR_NP_ROW_F64_(ID, opname, kind, threshold, ...) FR_NP_ROW_(ID, opname, kind, FR_F64, f64)
FR_OPS(FR_NP_DEF_F32_)
FR_OPS(FR_NP_DEF_F64_)
static const fr_kernel_row fr_numpy_rows[] = {
    FR_OPS(FR_NP_ROW_F32_)
    FR_OPS(FR_NP_ROW_F64_)
    {0},
};

/* relu of an unsigned integer is the identity. */
static void fr_loop_copy(char **args, npy_intp const *dims, npy_intp const *steps, void *data) {
    size_t es = (size_t)(intptr_t)data;
    if (steps[0] == (npy_intp)es && steps[1] == (npy_intp)es) {
        if (args[0] != args[1]) memmove(args[1], args[0], dims[0] * es);
        return;
    }
    for (fr_intp i = 0; i < dims[0]; i++)
        memmove(args[1] + i * steps[1], args[0] + i * steps[0], es);
}

/* The C roofline the benchmarks compare against: the plainest in-place loops
 * over the same bytes, threaded like the kernels.  (+0 keeps the store.) */
static void fr_roofline_f32(const void *in_, void *out_, fr_intp n) {
    const float *in = (const float *)in_; float *out = (float *)out_;
    for (fr_intp i = 0; i < n; i++) out[i] = in[i] + 0.0f;
}
static void fr_roofline_f64(const void *in_, void *out_, fr_intp n) {
    const double *in = (const double *)in_; double *out = (double *)out_;
    for (fr_intp i = 0; i < n; i++) out[i] = in[i] + 0.0;
}
static void fr_roofline3_f32(const void *a_, const void *b_, void *out_, fr_intp n) {
    const float *a = (const float *)a_, *b = (const float *)b_; float *out = (float *)out_;
    for (fr_intp i = 0; i < n; i++) out[i] = a[i] + b[i];
}
static void fr_roofline3_f64(const void *a_, const void *b_, void *out_, fr_intp n) {
    const double *a = (const double *)a_, *b = (const double *)b_; double *out = (double *)out_;
    for (fr_intp i = 0; i < n; i++) out[i] = a[i] + b[i];
}
/* threaded from relu's threshold, like the memory-bound kernels */
static const fr_kernel_row fr_roofline_rows[4] = {
    {.name = "f32_roofline", .op = FR_RELU, .dtype = FR_F32, .accuracy = FR_ANY_ACCURACY,
     .unary = fr_roofline_f32},
    {.name = "f64_roofline", .op = FR_RELU, .dtype = FR_F64, .accuracy = FR_ANY_ACCURACY,
     .unary = fr_roofline_f64},
    {.name = "f32_roofline3", .op = FR_RELU_BWD, .dtype = FR_F32, .accuracy = FR_ANY_ACCURACY,
     .binary = fr_roofline3_f32},
    {.name = "f64_roofline3", .op = FR_RELU_BWD, .dtype = FR_F64, .accuracy = FR_ANY_ACCURACY,
     .binary = fr_roofline3_f64},
};

/* CPU features the ladder asks about. */
static int fr_cpu_has(const char *feature) {
#if (defined(__x86_64__) || defined(__i386__)) && defined(__GNUC__)
    __builtin_cpu_init();
    if (!strcmp(feature, "AVX2")) return __builtin_cpu_supports("avx2");
    if (!strcmp(feature, "FMA")) return __builtin_cpu_supports("fma");
    if (!strcmp(feature, "AVX512F")) return __builtin_cpu_supports("avx512f");
    if (!strcmp(feature, "SSE2")) return __builtin_cpu_supports("sse2");
#endif
    (void)feature;
    return 0;
}

#ifndef FR_BUILD_FLAGS
#define FR_BUILD_FLAGS "unknown"
#endif
#if defined(__clang__)
#define FR_COMPILER "clang " __clang_version__
#elif defined(__GNUC__)
#define FR_COMPILER "gcc " __VERSION__
#elif defined(_MSC_VER)
#define FR_COMPILER "msvc"
#else
#define FR_COMPILER "unknown"
#endif
static const char *fr_build_compiler = FR_COMPILER;
static const char *fr_build_flags = FR_BUILD_FLAGS;


#endif /* FASTRELU_LOOPS_H */
