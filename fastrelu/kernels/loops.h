/* fastrelu: the active kernel table and the numpy ufunc inner loops.
 *
 * Included once, by _ufuncs.pyx.  The table maps accuracy x op x dtype to a
 * registry row; _dispatch.py fills it at import (the ISA ladder, or tuned
 * wisdom) and refills it for use_isa(); backend() points a thread at another
 * table.  A call reads a thread-local table index and accuracy and one slot:
 * no other dispatch happens per call.
 *
 * The inner loops send contiguous data straight to the kernel, split into
 * per-thread chunks above a size threshold; strided data goes through a
 * stack buffer in blocks (copy in, kernel, copy out); float16 is computed
 * in a wider type and rounded once.
 */
#ifndef FASTRELU_LOOPS_H
#define FASTRELU_LOOPS_H

#include <Python.h>
#include <string.h>
#include "numpy/ndarraytypes.h"
#include "numpy/halffloat.h"
#include "kernels.h"
#include "scalar.h"
#ifdef _OPENMP
#include <omp.h>
#endif

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

#define FR_BLOCK 1024            /* elements per copy-in/copy-out block */

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
static int fr_num_threads = 1;
/* Threads pay from these sizes (elements; `python -m fastrelu tune` on the
 * 2-core dev VM found relu 65536, sigmoid 4096, relu_backward 16384,
 * sigmoid_backward 65536; sigmoid and relu_backward are rounded up as a margin
 * for a busy second core).  Tuned wisdom overrides them. */
static fr_intp fr_parallel_min[FR_NOPS] = {1 << 16, 1 << 13, 1 << 15, 1 << 16};
static int fr_serial_only = 0;                    /* set in a forked child */

/* Exported (not static) so threadpoolctl can see and limit the pool through
 * ctypes (fastrelu/_threadpool.py); fastrelu never touches OpenMP's global
 * state, every parallel region has its own num_threads clause. */
#if defined(_WIN32)
#define FR_EXPORT __declspec(dllexport)
#else
#define FR_EXPORT __attribute__((visibility("default")))
#endif
FR_EXPORT int fastrelu_get_num_threads(void) { return fr_num_threads; }
FR_EXPORT void fastrelu_set_num_threads(int n) {
#ifdef _OPENMP
    fr_num_threads = n < 1 ? 1 : n;
#else
    (void)n;
#endif
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

static int fr_threads_for(const fr_kernel_row *row, fr_intp n) {
    if (fr_serial_only || row->serial || fr_num_threads <= 1 || n < fr_parallel_min[row->op])
        return 1;
    return fr_num_threads;
}

/* Chunk t of T over n elements; boundaries on multiples of 16 elements (a
 * whole vector at every ISA level), the last chunk takes the remainder. */
static void fr_chunk(fr_intp n, int t, int T, fr_intp *lo, fr_intp *hi) {
    fr_intp per = ((n / T) + 15) & ~(fr_intp)15;
    *lo = per * t < n ? per * t : n;
    *hi = per * (t + 1) < n ? per * (t + 1) : n;
    if (t == T - 1) *hi = n;
}

static void fr_run_unary_contig(const fr_kernel_row *row, char *in, char *out,
                                fr_intp n, size_t es) {
    fr_unary_fn k = row->unary;
    int nt = fr_threads_for(row, n);
    if (nt <= 1) { k(in, out, n); return; }
#ifdef _OPENMP
    #pragma omp parallel num_threads(nt)
    {
        fr_intp lo, hi;
        fr_chunk(n, omp_get_thread_num(), omp_get_num_threads(), &lo, &hi);
        if (hi > lo) k(in + lo * es, out + lo * es, hi - lo);
    }
#else
    k(in, out, n);
#endif
}

static void fr_run_binary_contig(const fr_kernel_row *row, char *g, char *y,
                                 char *out, fr_intp n, size_t es) {
    fr_binary_fn k = row->binary;
    int nt = fr_threads_for(row, n);
    if (nt <= 1) { k(g, y, out, n); return; }
#ifdef _OPENMP
    #pragma omp parallel num_threads(nt)
    {
        fr_intp lo, hi;
        fr_chunk(n, omp_get_thread_num(), omp_get_num_threads(), &lo, &hi);
        if (hi > lo) k(g + lo * es, y + lo * es, out + lo * es, hi - lo);
    }
#else
    k(g, y, out, n);
#endif
}

/* Strided <-> contiguous copies for one block. */
static void fr_gather(char *dst, const char *src, fr_intp step, fr_intp m, size_t es) {
    for (fr_intp i = 0; i < m; i++) memcpy(dst + i * es, src + i * step, es);
}
static void fr_scatter(char *dst, fr_intp step, const char *src, fr_intp m, size_t es) {
    for (fr_intp i = 0; i < m; i++) memcpy(dst + i * step, src + i * es, es);
}

static void fr_run_unary(int op, int dtype, size_t es, char **args,
                         npy_intp const *dims, npy_intp const *steps) {
    const fr_kernel_row *row = fr_current_kernel(op, dtype);
    fr_unary_fn k = row->unary;
    char *in = args[0], *out = args[1];
    fr_intp n = dims[0];
    if (steps[0] == (npy_intp)es && steps[1] == (npy_intp)es) {
        fr_run_unary_contig(row, in, out, n, es);
        return;
    }
    double buf[FR_BLOCK];   /* double: aligned for every dtype */
    for (fr_intp i = 0; i < n; i += FR_BLOCK) {
        fr_intp m = n - i < FR_BLOCK ? n - i : FR_BLOCK;
        fr_gather((char *)buf, in + i * steps[0], steps[0], m, es);
        k(buf, buf, m);
        fr_scatter(out + i * steps[1], steps[1], (char *)buf, m, es);
    }
}

static void fr_run_binary(int op, int dtype, size_t es, char **args,
                          npy_intp const *dims, npy_intp const *steps) {
    const fr_kernel_row *row = fr_current_kernel(op, dtype);
    fr_binary_fn k = row->binary;
    char *g = args[0], *y = args[1], *out = args[2];
    fr_intp n = dims[0];
    if (steps[0] == (npy_intp)es && steps[1] == (npy_intp)es && steps[2] == (npy_intp)es) {
        fr_run_binary_contig(row, g, y, out, n, es);
        return;
    }
    double gbuf[FR_BLOCK], ybuf[FR_BLOCK];
    for (fr_intp i = 0; i < n; i += FR_BLOCK) {
        fr_intp m = n - i < FR_BLOCK ? n - i : FR_BLOCK;
        fr_gather((char *)gbuf, g + i * steps[0], steps[0], m, es);
        fr_gather((char *)ybuf, y + i * steps[1], steps[1], m, es);
        k(gbuf, ybuf, gbuf, m);
        fr_scatter(out + i * steps[2], steps[2], (char *)gbuf, m, es);
    }
}

/* float16: widen a block, run a wider kernel, round once.  Unary ops go
 * through float64 (sigmoid through the exact float64 kernel, whose result
 * rounds to the correctly rounded float16: rounding via a correctly rounded
 * float32 would double-round, e.g. at x = 0.01074); the backward ops through
 * float32 (DESIGN: grad * y * (1 - y) in float32, rounded once). */
static void fr_half_to_float_block(float *dst, const char *src, fr_intp step, fr_intp m) {
    for (fr_intp i = 0; i < m; i++) dst[i] = npy_half_to_float(*(const npy_half *)(src + i * step));
}
static void fr_float_to_half_block(char *dst, fr_intp step, const float *src, fr_intp m) {
    for (fr_intp i = 0; i < m; i++) *(npy_half *)(dst + i * step) = npy_float_to_half(src[i]);
}

static void fr_loop_unary_f16(char **args, npy_intp const *dims, npy_intp const *steps, void *data) {
    int op = (int)(intptr_t)data;
    int acc = op == FR_SIGMOID ? FR_EXACT : fr_current_accuracy();
    fr_unary_fn k = fr_kernel_for(acc, op, FR_F64)->unary;
    double buf[FR_BLOCK];
    fr_fpstate_all fp = fr_fp_save_all();
    for (fr_intp i = 0; i < dims[0]; i += FR_BLOCK) {
        fr_intp m = dims[0] - i < FR_BLOCK ? dims[0] - i : FR_BLOCK;
        for (fr_intp j = 0; j < m; j++)
            buf[j] = npy_half_to_double(*(const npy_half *)(args[0] + (i + j) * steps[0]));
        k(buf, buf, m);
        for (fr_intp j = 0; j < m; j++)
            *(npy_half *)(args[1] + (i + j) * steps[1]) = npy_double_to_half(buf[j]);
    }
    fr_fp_restore_all(fp);
}

static void fr_loop_binary_f16(char **args, npy_intp const *dims, npy_intp const *steps, void *data) {
    int op = (int)(intptr_t)data;
    fr_binary_fn k = fr_current_kernel(op, FR_F32)->binary;
    float gbuf[FR_BLOCK], ybuf[FR_BLOCK];
    fr_fpstate_all fp = fr_fp_save_all();
    for (fr_intp i = 0; i < dims[0]; i += FR_BLOCK) {
        fr_intp m = dims[0] - i < FR_BLOCK ? dims[0] - i : FR_BLOCK;
        fr_half_to_float_block(gbuf, args[0] + i * steps[0], steps[0], m);
        fr_half_to_float_block(ybuf, args[1] + i * steps[1], steps[1], m);
        k(gbuf, ybuf, gbuf, m);
        fr_float_to_half_block(args[2] + i * steps[2], steps[2], gbuf, m);
    }
    fr_fp_restore_all(fp);
}

/* One inner loop per (arity, dtype); the ufunc's data slot carries the op. */
#define FR_LOOP(name, run, dtype, T)                                          \
    static void name(char **args, npy_intp const *dims, npy_intp const *steps, void *data) { \
        fr_fpstate fp = fr_fp_save();                                         \
        run((int)(intptr_t)data, dtype, sizeof(T), args, dims, steps);        \
        fr_fp_restore(fp);                                                    \
    }
FR_LOOP(fr_loop_unary_f32, fr_run_unary, FR_F32, float)
FR_LOOP(fr_loop_unary_f64, fr_run_unary, FR_F64, double)
FR_LOOP(fr_loop_unary_i8, fr_run_unary, FR_I8, int8_t)
FR_LOOP(fr_loop_unary_i16, fr_run_unary, FR_I16, int16_t)
FR_LOOP(fr_loop_unary_i32, fr_run_unary, FR_I32, int32_t)
FR_LOOP(fr_loop_unary_i64, fr_run_unary, FR_I64, int64_t)
FR_LOOP(fr_loop_binary_f32, fr_run_binary, FR_F32, float)
FR_LOOP(fr_loop_binary_f64, fr_run_binary, FR_F64, double)

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
    {"f32_roofline", FR_RELU, FR_F32, FR_ANY_ACCURACY, fr_roofline_f32, 0, 0},
    {"f64_roofline", FR_RELU, FR_F64, FR_ANY_ACCURACY, fr_roofline_f64, 0, 0},
    {"f32_roofline3", FR_RELU_BWD, FR_F32, FR_ANY_ACCURACY, 0, fr_roofline3_f32, 0},
    {"f64_roofline3", FR_RELU_BWD, FR_F64, FR_ANY_ACCURACY, 0, fr_roofline3_f64, 0},
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

static int fr_have_openmp(void) {
#ifdef _OPENMP
    return 1;
#else
    return 0;
#endif
}

#endif /* FASTRELU_LOOPS_H */
