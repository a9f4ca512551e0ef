/* The kernels of one ISA level.  setup.py compiles this file once per level
 * (-DFR_ISA=baseline, -DFR_ISA=avx2 -mavx2 -mfma, ...) with
 * -O3 -fno-trapping-math -ffp-contract=off (kernels/build_flags.py); gcc
 * vectorizes each loop body: tools/check_vectorized.py checks it in the
 * disassembly, FASTRELU_VEC_REPORT=1 shows gcc's -fopt-info-vec report. */
#include <string.h>
#include "kernels.h"
#include "scalar.h"

#ifndef FR_ISA
#error "compile with -DFR_ISA=<isa name>"
#endif

#define FR_CAT_(a, b) a##b
#define FR_CAT(a, b) FR_CAT_(a, b)
#define FR_STR_(a) #a
#define FR_STR(a) FR_STR_(a)
#define FR_K(name) FR_CAT(name, FR_CAT(__, FR_ISA))

/* The elements before out's first 64-byte boundary (none where out is not
 * aligned to its element, or in calls below FR_HEAD_MIN elements): the
 * kernels below run them first, through the same loop, so the vector body
 * stores whole cache lines.  numpy's buffers are 16-byte aligned; a vector
 * store split over two lines made an L2-resident relu 1.3-1.4x slower
 * (65536 float32 out of place, 7.9 against 5.6 us).  In a small call of a
 * compute-bound kernel the head's scalar iterations cost more (float64 gelu
 * of 200: 1.76 -> 1.91 us). */
#define FR_HEAD_MIN 4096
static inline fr_intp fr_head_to_line(const void *out, size_t size, fr_intp n) {
    uintptr_t a = (uintptr_t)out;
    return n < FR_HEAD_MIN || a % size ? 0 : (fr_intp)((-a & 63) / size);
}
/* The binary and ternary kernels run their loop over the head to out's line
 * (above), then over blocks of FR_PF_BLOCK bytes of the first operand, each
 * after prefetching the lines of the block two ahead.  gcc reads that operand
 * (grad) with masked loads where the op selects it (vblendmpd (mem){k},
 * vmovupd (mem){k} in relu_backward and leaky_relu_backward), which Zen 5's
 * hardware prefetcher does not follow: relu_backward of 1M float64 (from
 * DRAM) on 1 thread took 510-885 us where numpy's add of the same arrays
 * took 280-410 (a C copy of the loop: 570-610 us, blocked 300-320; now
 * 287).  Only those rows (pf: BINARY_PF, TERNARY, TERNARY_ALPHA), and only
 * past L2: blocks cost ~10% in L2 (65536 float32: 4.8 -> 5.4 us), and the
 * other binary ops load whole vectors.  CALL runs the loop over elements
 * [lo_, lo_ + m_). */
#define FR_PF_BLOCK 4096
#define FR_PF_MIN (1 << 20)                 /* bytes: L2-resident calls run whole */
#define FR_BLOCKED(T, out, first, n, pf, CALL)                                 \
    do {                                                                      \
        fr_intp blk_ = FR_PF_BLOCK / sizeof(T), lo_ = 0;                      \
        fr_intp m_ = fr_head_to_line(out, sizeof(T), n);                      \
        if (!(pf) || n < FR_PF_MIN / (fr_intp)sizeof(T))                      \
            blk_ = n;                                                         \
        CALL;                                                                 \
        for (lo_ = m_; lo_ < n; lo_ += blk_) {                                \
            m_ = n - lo_ < blk_ ? n - lo_ : blk_;                             \
            if (n - lo_ > 3 * blk_)                                           \
                for (fr_intp k_ = 0; k_ < blk_; k_ += 64 / (fr_intp)sizeof(T)) \
                    __builtin_prefetch((first) + lo_ + 2 * blk_ + k_);         \
            CALL;                                                             \
        }                                                                     \
    } while (0)
/* the same for a row of cols elements in a call of total */
static inline fr_intp fr_row_head_to_line(const void *row, size_t size, fr_intp cols, fr_intp total) {
    fr_intp h = fr_head_to_line(row, size, total);
    return h < cols ? h : cols;
}
/* ivdep: out is an input itself or apart from them (never partly
 * overlapping), so no iteration depends on another; without it gcc gives up
 * on loops that gather from a table (its dependence analysis of the gather
 * against the store fails). */
#define FR_UNARY(name, T, f)                                                  \
    FR_INLINE void FR_K(name##_loop)(const T *in, T *out, fr_intp n) {    \
        FR_IVDEP                                                              \
        for (fr_intp i = 0; i < n; i++) out[i] = f(in[i]);                    \
    }                                                                         \
    static void FR_K(name)(const void *in_, void *out_, fr_intp n) {          \
        const T *in = (const T *)in_;                                         \
        T *out = (T *)out_;                                                   \
        fr_intp h = fr_head_to_line(out, sizeof(T), n);                       \
        FR_K(name##_loop)(in, out, h);                                        \
        FR_K(name##_loop)(in + h, out + h, n - h);                            \
    }
/* UNARY_STRIDED rows (relu: exact in both modes, so any loop gives its
 * bits): FR_UNARY and the op over byte-strided operands in one pass, which
 * loops.h runs for a strided output (x[::3] in place: one strided pass where
 * copying out to the view would be a second) */
#define FR_UNARY_STRIDED(name, T, f)                                          \
    FR_UNARY(name, T, f)                                                      \
    static void FR_K(name##_strided)(const char *in, fr_intp is, char *out, fr_intp os, \
                                     fr_intp n) {                             \
        for (fr_intp i = 0; i < n; i++)                                       \
            *(T *)(out + i * os) = f(*(const T *)(in + i * is));              \
    }
#define FR_BINARY(name, T, f) FR_BINARY_(name, T, f, 0)
#define FR_BINARY_PF(name, T, f) FR_BINARY_(name, T, f, 1)
#define FR_BINARY_(name, T, f, pf)                                            \
    FR_INLINE void FR_K(name##_loop)(const T *g, const T *y, T *out, fr_intp n) { \
        FR_IVDEP                                                              \
        for (fr_intp i = 0; i < n; i++) out[i] = f(g[i], y[i]);               \
    }                                                                         \
    static void FR_K(name)(const void *g_, const void *y_, void *out_, fr_intp n) { \
        const T *g = (const T *)g_, *y = (const T *)y_;                       \
        T *out = (T *)out_;                                                   \
        FR_BLOCKED(T, out, g, n, pf, FR_K(name##_loop)(g + lo_, y + lo_, out + lo_, m_)); \
    }

#define FR_TERNARY(name, T, f)                                                \
    FR_INLINE void FR_K(name##_loop)(const T *a, const T *b, const T *c, T *out, fr_intp n) { \
        FR_IVDEP                                                              \
        for (fr_intp i = 0; i < n; i++) out[i] = f(a[i], b[i], c[i]);         \
    }                                                                         \
    static void FR_K(name)(const void *a_, const void *b_, const void *c_, void *out_, fr_intp n) { \
        const T *a = (const T *)a_, *b = (const T *)b_, *c = (const T *)c_;    \
        T *out = (T *)out_;                                                   \
        FR_BLOCKED(T, out, a, n, 1, FR_K(name##_loop)(a + lo_, b + lo_, c + lo_, out + lo_, m_)); \
    }
/* BINARY_ALPHA / TERNARY_ALPHA rows (the leaky ops): FR_BINARY / FR_TERNARY
 * and the same op with the last operand, alpha, one number (loops.h runs it
 * where numpy broadcasts a scalar alpha: through the blocks, a 256-element
 * buffer of alpha per kernel call, leaky_relu of 1M float32 ran at 0.75x
 * torch) */
#define FR_BINARY_ALPHA(name, T, f)                                           \
    FR_BINARY(name, T, f)                                                     \
    FR_INLINE void FR_K(name##_alpha_loop)(const T *x, T a, T *out, fr_intp n) { \
        FR_IVDEP                                                              \
        for (fr_intp i = 0; i < n; i++) out[i] = f(x[i], a);                  \
    }                                                                         \
    static void FR_K(name##_alpha)(char *const *in, char *out_, fr_intp n) {  \
        const T *x = (const T *)in[0];                                        \
        T a = *(const T *)in[1], *out = (T *)out_;                            \
        FR_BLOCKED(T, out, x, n, 0, FR_K(name##_alpha_loop)(x + lo_, a, out + lo_, m_)); \
    }
#define FR_TERNARY_ALPHA(name, T, f)                                          \
    FR_TERNARY(name, T, f)                                                    \
    FR_INLINE void FR_K(name##_alpha_loop)(const T *g, const T *x, T a, T *out, fr_intp n) { \
        FR_IVDEP                                                              \
        for (fr_intp i = 0; i < n; i++) out[i] = f(g[i], x[i], a);            \
    }                                                                         \
    static void FR_K(name##_alpha)(char *const *in, char *out_, fr_intp n) {  \
        const T *g = (const T *)in[0], *x = (const T *)in[1];                 \
        T a = *(const T *)in[2], *out = (T *)out_;                            \
        FR_BLOCKED(T, out, g, n, 1, FR_K(name##_alpha_loop)(g + lo_, x + lo_, a, out + lo_, m_)); \
    }
/* UNARY_SIMD rows: a whole-array kernel fr_v_<name> from the level's SIMD
 * header where it has one (intrinsics, masked tails), else the scalar loop. */
#if defined(__AVX512F__)
#include "sigmoid_avx512f.h"
#elif defined(__AVX2__) && defined(__FMA__)
#include "sigmoid_avx2.h"
#endif
#ifdef FR_SIMD_UNARY
#define FR_UNARY_SIMD(name, T, f)                                             \
    static void FR_K(name)(const void *in, void *out, fr_intp n) {            \
        FR_CAT(fr_v_, name)((const T *)in, (T *)out, n);                      \
    }
#define FR_BINARY_SIMD(name, T, f)                                            \
    static void FR_K(name)(const void *a, const void *b, void *out, fr_intp n) { \
        FR_CAT(fr_v_, name)((const T *)a, (const T *)b, (T *)out, n);         \
    }
/* FUSED_SIMD rows: the level's whole-array kernel row by row, x + b added
 * (rounded to T) as each vector is loaded, so bias_op(x, b) is op(x + b)
 * bit for bit in one pass */
#define FR_FUSED_SIMD(name, T, f, counted)                                    \
    static void FR_K(name)(const void *x_, const void *b_, void *out_,        \
                           int64_t *cnt, double eps_, fr_intp rows, fr_intp cols) { \
        const T *x = (const T *)x_, *b = (const T *)b_;                       \
        T *out = (T *)out_, eps = (T)eps_;                                    \
        (void)eps;                                                            \
        for (fr_intp r = 0; r < rows; r++) {                                  \
            T *yr = out + r * cols;                                           \
            FR_CAT(fr_v_bias_of_, f)(x + r * cols, b, yr, cols, (rows - r) * cols); \
            if (cnt)                                                          \
                for (fr_intp j = 0; j < cols; j++) cnt[j] += counted(yr[j], eps); \
        }                                                                     \
    }
#else
#define FR_UNARY_SIMD FR_UNARY
#define FR_BINARY_SIMD FR_BINARY
#define FR_FUSED_SIMD FR_FUSED
#endif

/* The fused kernels take a C-contiguous (rows x cols) block: one call per
 * block, not per row.  One loop per case, so each vectorizes without a branch
 * inside; with counts, four rows per pass share one update of the counters
 * (ivdep: out is x itself or apart from it, never partly overlapping). */
/* gcc: no runtime alias checks (clang checks at run time; its forcing
 * pragma warns where it cannot vectorize) */
#if defined(__GNUC__) && !defined(__clang__)
#define FR_IVDEP _Pragma("GCC ivdep")
#else
#define FR_IVDEP
#endif
#define FR_BIAS_ADD(v, j) ((v) + b[j])
#define FR_BIAS_NONE(v, j) (v)
/* each row's stores from a cache line's start on (fr_head_to_line): numpy
 * aligns arrays to 16 bytes, and a vector split across two lines costs both
 * (Zen 5, bias_relu_ of 1024 x 1024 float32 in place: 70 -> 63 us, relu_ 49) */
#define FR_FUSED_PASS(T, f, ADD)                                              \
    for (fr_intp r = 0; r < rows; r++) {                                      \
        const T *xr = x + r * cols;                                           \
        T *yr = out + r * cols;                                               \
        fr_intp h = fr_row_head_to_line(yr, sizeof(T), cols, rows * cols);    \
        for (fr_intp j = 0; j < h; j++) yr[j] = f(ADD(xr[j], j));             \
        FR_IVDEP                                                              \
        for (fr_intp j = h; j < cols; j++) yr[j] = f(ADD(xr[j], j));          \
    }
#define FR_FUSED_COUNT_PASS(T, f, ADD, counted)                               \
    fr_intp r = 0;                                                            \
    for (; r + 4 <= rows; r += 4) {                                           \
        const T *x0 = x + r * cols, *x1 = x0 + cols, *x2 = x1 + cols, *x3 = x2 + cols; \
        T *y0 = out + r * cols, *y1 = y0 + cols, *y2 = y1 + cols, *y3 = y2 + cols; \
        FR_IVDEP                                                              \
        for (fr_intp j = 0; j < cols; j++) {                                  \
            T v0 = f(ADD(x0[j], j)), v1 = f(ADD(x1[j], j));                   \
            T v2 = f(ADD(x2[j], j)), v3 = f(ADD(x3[j], j));                   \
            y0[j] = v0; y1[j] = v1; y2[j] = v2; y3[j] = v3;                   \
            cnt[j] += (int64_t)(counted(v0, eps) + counted(v1, eps)           \
                                + counted(v2, eps) + counted(v3, eps));       \
        }                                                                     \
    }                                                                         \
    for (; r < rows; r++) {                                                   \
        const T *xr = x + r * cols;                                           \
        T *yr = out + r * cols;                                               \
        FR_IVDEP                                                              \
        for (fr_intp j = 0; j < cols; j++) {                                  \
            T v = f(ADD(xr[j], j));                                           \
            yr[j] = v;                                                        \
            cnt[j] += counted(v, eps);                                        \
        }                                                                     \
    }
#define FR_FUSED(name, T, f, counted)                                         \
    static void FR_K(name)(const void *x_, const void *b_, void *out_,        \
                           int64_t *cnt, double eps_, fr_intp rows, fr_intp cols) { \
        const T *x = (const T *)x_, *b = (const T *)b_;                       \
        T *out = (T *)out_, eps = (T)eps_;                                    \
        (void)eps;                                                            \
        if (b && cnt) { FR_FUSED_COUNT_PASS(T, f, FR_BIAS_ADD, counted) }     \
        else if (b) { FR_FUSED_PASS(T, f, FR_BIAS_ADD) }                      \
        else if (cnt) { FR_FUSED_COUNT_PASS(T, f, FR_BIAS_NONE, counted) }    \
        else { FR_FUSED_PASS(T, f, FR_BIAS_NONE) }                            \
    }

/* Correctly rounded float32 (exact mode; scalar.h's fr_<op>_exact_try_f32
 * and _slow_f32): per block, a vector pass keeps the guesses in a buffer and
 * flags the lanes the rounding test leaves open; a scalar pass (rare) redoes
 * those; then the block is stored (in may be out).  Levels with a SIMD
 * header run its fr_v_f32_<op>_exact instead (the same bits: both are
 * correctly rounded), below. */
#define FR_CR_BLOCK 256
#define FR_CR_BLOCK_FN(name, f)                                               \
    FR_INLINE void name(const float *in, float *out, fr_intp m) {             \
        float buf[FR_CR_BLOCK];                                               \
        int open[FR_CR_BLOCK], any = 0;   /* an array: gcc vectorizes the */  \
        for (fr_intp i = 0; i < m; i++)   /* pass then, not with a reduction */ \
            buf[i] = f##_try_f32(in[i], &open[i]);                            \
        for (fr_intp i = 0; i < m; i++) any |= open[i];                       \
        if (any)                                                              \
            for (fr_intp i = 0; i < m; i++)                                   \
                if (open[i]) buf[i] = f##_slow_f32(in[i]);                    \
        memcpy(out, buf, (size_t)m * sizeof(float));                          \
    }
#define FR_UNARY_CR_BLOCK(name, T, f)                                         \
    FR_CR_BLOCK_FN(FR_K(name##_block), f)                                     \
    static void FR_K(name)(const void *in_, void *out_, fr_intp n) {          \
        const float *in = (const float *)in_;                                 \
        float *out = (float *)out_;                                           \
        for (fr_intp b = 0; b < n; b += FR_CR_BLOCK)                          \
            FR_K(name##_block)(in + b, out + b, n - b < FR_CR_BLOCK ? n - b : FR_CR_BLOCK); \
    }
/* bias + a correctly rounded activation: x + b into a block, then as above */
#define FR_FUSED_CR_BLOCK(name, T, f, counted)                                \
    FR_CR_BLOCK_FN(FR_K(name##_block), f)                                     \
    static void FR_K(name)(const void *x_, const void *b_, void *out_,        \
                           int64_t *cnt, double eps_, fr_intp rows, fr_intp cols) { \
        const float *x = (const float *)x_, *b = (const float *)b_;           \
        float *out = (float *)out_, eps = (float)eps_, t[FR_CR_BLOCK];        \
        (void)eps;                                                            \
        for (fr_intp r = 0; r < rows; r++)                                    \
            for (fr_intp j = 0; j < cols; j += FR_CR_BLOCK) {                 \
                fr_intp m = cols - j < FR_CR_BLOCK ? cols - j : FR_CR_BLOCK;  \
                const float *xr = x + r * cols + j;                           \
                float *yr = out + r * cols + j;                               \
                if (b) for (fr_intp i = 0; i < m; i++) t[i] = xr[i] + b[j + i]; \
                else memcpy(t, xr, (size_t)m * sizeof(float));                \
                FR_K(name##_block)(t, yr, m);                                 \
                if (cnt) for (fr_intp i = 0; i < m; i++) cnt[j + i] += counted(yr[i], eps); \
            }                                                                 \
    }
/* the same for a binary op of float32 g, x (the backward ops: f##_try,
 * f##_slow); out may be g or x (read until the block is stored) */
#define FR_BINARY_CR(name, T, f)                                              \
    FR_INLINE void FR_K(name##_block)(const float *g, const float *x, float *out, fr_intp m) { \
        float buf[FR_CR_BLOCK];                                               \
        int open[FR_CR_BLOCK], any = 0;                                       \
        for (fr_intp i = 0; i < m; i++)                                       \
            buf[i] = f##_try(g[i], x[i], &open[i]);                           \
        for (fr_intp i = 0; i < m; i++) any |= open[i];                       \
        if (any)                                                              \
            for (fr_intp i = 0; i < m; i++)                                   \
                if (open[i]) buf[i] = f##_slow(g[i], x[i]);                   \
        memcpy(out, buf, (size_t)m * sizeof(float));                          \
    }                                                                         \
    static void FR_K(name)(const void *g_, const void *x_, void *out_, fr_intp n) { \
        const float *g = (const float *)g_, *x = (const float *)x_;           \
        float *out = (float *)out_;                                           \
        for (fr_intp b = 0; b < n; b += FR_CR_BLOCK)                          \
            FR_K(name##_block)(g + b, x + b, out + b, n - b < FR_CR_BLOCK ? n - b : FR_CR_BLOCK); \
    }
#ifdef FR_SIMD_UNARY
#define FR_UNARY_CR FR_UNARY_SIMD
#define FR_FUSED_CR FR_FUSED_SIMD
#else
#define FR_UNARY_CR FR_UNARY_CR_BLOCK
#define FR_FUSED_CR FR_FUSED_CR_BLOCK
#endif

/* Every kernel of this level, once: the list emits both the functions and
 * the registry rows.  A row's scalar function is its math: fr_relu_f32 and
 * the exact kernels are in scalar.h, the fast sigmoid family
 * (fr_sigmoid_fast_f32 = FR_FN(fr_sigmoid_fast) for f32) in exp_family.h;
 * this list for the ops marked LISTED in kernels.h's
 * FR_OPS, the FLOAT_MODES ops' four kernels from FR_OPS itself (below).
 *   K(kind, name, op, dtype, accuracy, scalar function[, counted])
 * name is dtype_op[_mode]; the ISA suffix is appended (f32_relu__avx2);
 * accuracy ANY: exact in both modes (one kernel serves both). */
#define FR_KERNEL_LIST(K)                                                        \
    K(UNARY_STRIDED, f32_relu, RELU, F32, ANY, fr_relu_f32)                      \
    K(UNARY_STRIDED, f64_relu, RELU, F64, ANY, fr_relu_f64)                      \
    K(UNARY_STRIDED, i8_relu, RELU, I8, ANY, FR_RELU)                            \
    K(UNARY_STRIDED, i16_relu, RELU, I16, ANY, FR_RELU)                          \
    K(UNARY_STRIDED, i32_relu, RELU, I32, ANY, FR_RELU)                          \
    K(UNARY_STRIDED, i64_relu, RELU, I64, ANY, FR_RELU)                          \
    K(UNARY_SIMD, f32_sigmoid_fast, SIGMOID, F32, FAST, fr_sigmoid_fast_f32)     \
    K(UNARY_CR, f32_sigmoid_exact, SIGMOID, F32, EXACT, fr_sigmoid_exact)       \
    K(UNARY_SIMD, f64_sigmoid_fast, SIGMOID, F64, FAST, fr_sigmoid_fast_f64)     \
    K(UNARY, f64_sigmoid_exact, SIGMOID, F64, EXACT, fr_sigmoid_exact_f64)       \
    K(BINARY_PF, f32_relu_bwd, RELU_BWD, F32, ANY, fr_relu_bwd_f32)              \
    K(BINARY_PF, f64_relu_bwd, RELU_BWD, F64, ANY, fr_relu_bwd_f64)              \
    K(BINARY, f32_sigmoid_bwd, SIGMOID_BWD, F32, ANY, fr_sigmoid_bwd_f32)        \
    K(BINARY, f64_sigmoid_bwd, SIGMOID_BWD, F64, ANY, fr_sigmoid_bwd_f64)        \
    K(BINARY_ALPHA, f32_leaky_relu, LEAKY_RELU, F32, ANY, fr_leaky_relu_f32)     \
    K(BINARY_ALPHA, f64_leaky_relu, LEAKY_RELU, F64, ANY, fr_leaky_relu_f64)     \
    K(TERNARY_ALPHA, f32_leaky_relu_bwd, LEAKY_RELU_BWD, F32, ANY, fr_leaky_relu_bwd_f32) \
    K(TERNARY_ALPHA, f64_leaky_relu_bwd, LEAKY_RELU_BWD, F64, ANY, fr_leaky_relu_bwd_f64) \
    K(UNARY_SIMD, f32_silu_fast, SILU, F32, FAST, fr_silu_fast_f32)              \
    K(UNARY_CR, f32_silu_exact, SILU, F32, EXACT, fr_silu_exact)                \
    K(UNARY_SIMD, f64_silu_fast, SILU, F64, FAST, fr_silu_fast_f64)              \
    K(UNARY, f64_silu_exact, SILU, F64, EXACT, fr_silu_exact_f64)                \
    K(BINARY_SIMD, f32_silu_bwd_fast, SILU_BWD, F32, FAST, fr_silu_bwd_f32)      \
    K(BINARY_CR, f32_silu_bwd_exact, SILU_BWD, F32, EXACT, fr_silu_bwd_exact_f32) \
    K(BINARY_SIMD, f64_silu_bwd_fast, SILU_BWD, F64, FAST, fr_silu_bwd_fast_f64)      \
    K(BINARY, f64_silu_bwd_exact, SILU_BWD, F64, EXACT, fr_silu_bwd_exact_f64)   \
    K(UNARY_SIMD, f32_softplus_fast, SOFTPLUS, F32, FAST, fr_softplus_fast_f32) \
    K(UNARY_CR, f32_softplus_exact, SOFTPLUS, F32, EXACT, fr_softplus_exact)    \
    K(UNARY_SIMD, f64_softplus_fast, SOFTPLUS, F64, FAST, fr_softplus_fast_f64) \
    K(UNARY, f64_softplus_exact, SOFTPLUS, F64, EXACT, fr_softplus_exact_f64)    \
    K(UNARY_SIMD, f32_log_sigmoid_fast, LOG_SIGMOID, F32, FAST, fr_log_sigmoid_fast_f32) \
    K(UNARY_CR, f32_log_sigmoid_exact, LOG_SIGMOID, F32, EXACT, fr_log_sigmoid_exact) \
    K(UNARY_SIMD, f64_log_sigmoid_fast, LOG_SIGMOID, F64, FAST, fr_log_sigmoid_fast_f64) \
    K(UNARY, f64_log_sigmoid_exact, LOG_SIGMOID, F64, EXACT, fr_log_sigmoid_exact_f64) \
    K(FUSED, f32_bias_relu, BIAS_RELU, F32, ANY, fr_relu_f32, FR_COUNT_ZERO)     \
    K(FUSED, f64_bias_relu, BIAS_RELU, F64, ANY, fr_relu_f64, FR_COUNT_ZERO)     \
    K(FUSED_SIMD, f32_bias_sigmoid_fast, BIAS_SIGMOID, F32, FAST, fr_sigmoid_fast_f32, FR_COUNT_SATURATED) \
    K(FUSED_CR, f32_bias_sigmoid_exact, BIAS_SIGMOID, F32, EXACT, fr_sigmoid_exact, FR_COUNT_SATURATED) \
    K(FUSED_SIMD, f64_bias_sigmoid_fast, BIAS_SIGMOID, F64, FAST, fr_sigmoid_fast_f64, FR_COUNT_SATURATED) \
    K(FUSED, f64_bias_sigmoid_exact, BIAS_SIGMOID, F64, EXACT, fr_sigmoid_exact_f64, FR_COUNT_SATURATED) \
    K(FUSED_SIMD, f32_bias_silu_fast, BIAS_SILU, F32, FAST, fr_silu_fast_f32, FR_COUNT_NONE) \
    K(FUSED_CR, f32_bias_silu_exact, BIAS_SILU, F32, EXACT, fr_silu_exact, FR_COUNT_NONE) \
    K(FUSED_SIMD, f64_bias_silu_fast, BIAS_SILU, F64, FAST, fr_silu_fast_f64, FR_COUNT_NONE) \
    K(FUSED, f64_bias_silu_exact, BIAS_SILU, F64, EXACT, fr_silu_exact_f64, FR_COUNT_NONE)

#define FR_CTYPE_F32 float
#define FR_CTYPE_F64 double
#define FR_CTYPE_I8 int8_t
#define FR_CTYPE_I16 int16_t
#define FR_CTYPE_I32 int32_t
#define FR_CTYPE_I64 int64_t
#define FR_ACC_ANY FR_ANY_ACCURACY
#define FR_ACC_FAST FR_FAST
#define FR_ACC_EXACT FR_EXACT
#define FR_FIELD_UNARY(k) .unary = FR_K(k)
#define FR_FIELD_UNARY_STRIDED(k) .unary = FR_K(k), .strided = FR_K(k##_strided)
#define FR_FIELD_UNARY_CR(k) .unary = FR_K(k)
#define FR_FIELD_FUSED_CR(k) .fused = FR_K(k)
#define FR_FIELD_UNARY_SIMD(k) .unary = FR_K(k)
#define FR_FIELD_FUSED_SIMD(k) .fused = FR_K(k)
#define FR_FIELD_BINARY_SIMD(k) .binary = FR_K(k)
#define FR_FIELD_BINARY(k) .binary = FR_K(k)
#define FR_FIELD_BINARY_PF(k) .binary = FR_K(k)
#define FR_FIELD_BINARY_CR(k) .binary = FR_K(k)
#define FR_FIELD_TERNARY(k) .ternary = FR_K(k)
#define FR_FIELD_BINARY_ALPHA(k) .binary = FR_K(k), .last_scalar = FR_K(k##_alpha)
#define FR_FIELD_TERNARY_ALPHA(k) .ternary = FR_K(k), .last_scalar = FR_K(k##_alpha)
#define FR_FIELD_FUSED(k) .fused = FR_K(k)

/* (parameters are not called name/op: .name and .op are field names) */
#define FR_EMIT_KERNEL(kind, kname, opid, dt, acc, ...) FR_##kind(kname, FR_CTYPE_##dt, __VA_ARGS__)
#define FR_EMIT_ROW(kind, kname, opid, dt, acc, ...)                             \
    {.name = FR_STR(FR_K(kname)), .op = FR_##opid, .dtype = FR_##dt,             \
     .accuracy = FR_ACC_##acc, FR_FIELD_##kind(kname)},

/* The kernel list of a FR_OPS line, by its kernels column: LISTED ops are in
 * FR_KERNEL_LIST; FLOAT_MODES ops get f32/f64 x fast/exact, named
 * f32_<name>_fast (scalar function fr_<name>_fast_f32), ...; FLOAT_MODES_SIMD
 * ops' kernels (FLOAT_MODES_SIMD_CR: but float32 exact) are UNARY_SIMD /
 * BINARY_SIMD rows. */
#define FR_OP_KERNELS_LISTED(K, ID, opname, kind)
#define FR_OP_KERNELS_FLOAT_MODES_(K, ID, opname, kind, fast32, exact32, fast64, exact64) \
    K(fast32, f32_##opname##_fast, ID, F32, FAST, fr_##opname##_fast_f32)       \
    K(exact32, f32_##opname##_exact, ID, F32, EXACT, fr_##opname##_exact_f32)   \
    K(fast64, f64_##opname##_fast, ID, F64, FAST, fr_##opname##_fast_f64)       \
    K(exact64, f64_##opname##_exact, ID, F64, EXACT, fr_##opname##_exact_f64)
#define FR_OP_KERNELS_FLOAT_MODES(K, ID, opname, kind)                           \
    FR_OP_KERNELS_FLOAT_MODES_(K, ID, opname, kind, kind, kind, kind, kind)
/* kind_SIMD (the scalar loop at baseline): every row (_SIMD), or all but
 * float32 exact, kind_CR (_SIMD_CR) */
#define FR_OP_KERNELS_FLOAT_MODES_SIMD_CR(K, ID, opname, kind)                   \
    FR_OP_KERNELS_FLOAT_MODES_(K, ID, opname, kind, kind##_SIMD, kind##_CR, kind##_SIMD,       \
                               kind##_SIMD)
#define FR_OP_KERNELS_FLOAT_MODES_SIMD(K, ID, opname, kind)                      \
    FR_OP_KERNELS_FLOAT_MODES_(K, ID, opname, kind, kind##_SIMD, kind##_SIMD, kind##_SIMD,     \
                               kind##_SIMD)
#define FR_OP_EMIT_KERNELS_(ID, opname, kind, threshold, kernels, ...)           \
    FR_OP_KERNELS_##kernels(FR_EMIT_KERNEL, ID, opname, kind)
#define FR_OP_EMIT_ROWS_(ID, opname, kind, threshold, kernels, ...)              \
    FR_OP_KERNELS_##kernels(FR_EMIT_ROW, ID, opname, kind)

FR_KERNEL_LIST(FR_EMIT_KERNEL)
FR_OPS(FR_OP_EMIT_KERNELS_)

const fr_kernel_row FR_CAT(fr_kernels__, FR_ISA)[] = {
    FR_KERNEL_LIST(FR_EMIT_ROW)
    FR_OPS(FR_OP_EMIT_ROWS_)
    {0},
};
