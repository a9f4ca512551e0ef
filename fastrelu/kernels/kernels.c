/* The kernels of one ISA level.  setup.py compiles this file once per level
 * (-DFR_ISA=baseline, -DFR_ISA=avx2 -mavx2 -mfma, ...) with
 * -O3 -fno-trapping-math -ffp-contract=off (kernels/build_flags.py); gcc
 * vectorizes each loop body: tools/check_vectorized.py checks it in the
 * disassembly, FASTRELU_VEC_REPORT=1 shows gcc's -fopt-info-vec report. */
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

#define FR_UNARY(name, T, f)                                                  \
    static void FR_K(name)(const void *in_, void *out_, fr_intp n) {          \
        const T *in = (const T *)in_;                                         \
        T *out = (T *)out_;                                                   \
        for (fr_intp i = 0; i < n; i++) out[i] = f(in[i]);                    \
    }
#define FR_BINARY(name, T, f)                                                 \
    static void FR_K(name)(const void *g_, const void *y_, void *out_, fr_intp n) { \
        const T *g = (const T *)g_, *y = (const T *)y_;                       \
        T *out = (T *)out_;                                                   \
        for (fr_intp i = 0; i < n; i++) out[i] = f(g[i], y[i]);               \
    }

#define FR_TERNARY(name, T, f)                                                \
    static void FR_K(name)(const void *a_, const void *b_, const void *c_, void *out_, fr_intp n) { \
        const T *a = (const T *)a_, *b = (const T *)b_, *c = (const T *)c_;    \
        T *out = (T *)out_;                                                   \
        for (fr_intp i = 0; i < n; i++) out[i] = f(a[i], b[i], c[i]);         \
    }
/* The fused kernels take a C-contiguous (rows x cols) block: one call per
 * block, not per row.  One loop per case, so each vectorizes without a branch
 * inside; with counts, four rows per pass share one update of the counters
 * (ivdep: out is x itself or apart from it, never partly overlapping). */
#define FR_BIAS_ADD(v, j) ((v) + b[j])
#define FR_BIAS_NONE(v, j) (v)
#define FR_FUSED_PASS(T, f, ADD)                                              \
    for (fr_intp r = 0; r < rows; r++) {                                      \
        const T *xr = x + r * cols;                                           \
        T *yr = out + r * cols;                                               \
        _Pragma("GCC ivdep")                                                  \
        for (fr_intp j = 0; j < cols; j++) yr[j] = f(ADD(xr[j], j));          \
    }
#define FR_FUSED_COUNT_PASS(T, f, ADD, counted)                               \
    fr_intp r = 0;                                                            \
    for (; r + 4 <= rows; r += 4) {                                           \
        const T *x0 = x + r * cols, *x1 = x0 + cols, *x2 = x1 + cols, *x3 = x2 + cols; \
        T *y0 = out + r * cols, *y1 = y0 + cols, *y2 = y1 + cols, *y3 = y2 + cols; \
        _Pragma("GCC ivdep")                                                  \
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
        _Pragma("GCC ivdep")                                                  \
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

FR_UNARY(f32_relu, float, fr_relu_f32)
FR_UNARY(f64_relu, double, fr_relu_f64)
FR_UNARY(i8_relu, int8_t, FR_RELU)
FR_UNARY(i16_relu, int16_t, FR_RELU)
FR_UNARY(i32_relu, int32_t, FR_RELU)
FR_UNARY(i64_relu, int64_t, FR_RELU)
FR_UNARY(f32_sigmoid_fast, float, fr_sigmoid_fast_f32)
FR_UNARY(f32_sigmoid_exact, float, fr_sigmoid_exact_f32)
FR_UNARY(f64_sigmoid_fast, double, fr_sigmoid_fast_f64)
FR_UNARY(f64_sigmoid_exact, double, fr_sigmoid_exact_f64)
FR_BINARY(f32_relu_bwd, float, fr_relu_bwd_f32)
FR_BINARY(f64_relu_bwd, double, fr_relu_bwd_f64)
FR_BINARY(f32_sigmoid_bwd, float, fr_sigmoid_bwd_f32)
FR_BINARY(f64_sigmoid_bwd, double, fr_sigmoid_bwd_f64)
FR_BINARY(f32_leaky_relu, float, fr_leaky_relu_f32)
FR_BINARY(f64_leaky_relu, double, fr_leaky_relu_f64)
FR_TERNARY(f32_leaky_relu_bwd, float, fr_leaky_relu_bwd_f32)
FR_TERNARY(f64_leaky_relu_bwd, double, fr_leaky_relu_bwd_f64)
FR_UNARY(f32_silu_fast, float, fr_silu_fast_f32)
FR_UNARY(f32_silu_exact, float, fr_silu_exact_f32)
FR_UNARY(f64_silu_fast, double, fr_silu_fast_f64)
FR_UNARY(f64_silu_exact, double, fr_silu_exact_f64)
FR_BINARY(f32_silu_bwd, float, fr_silu_bwd_f32)
FR_BINARY(f64_silu_bwd_fast, double, fr_silu_bwd_fast_f64)
FR_BINARY(f64_silu_bwd_exact, double, fr_silu_bwd_exact_f64)
FR_UNARY(f32_softplus_fast, float, fr_softplus_fast_f32)
FR_UNARY(f32_softplus_exact, float, fr_softplus_exact_f32)
FR_UNARY(f64_softplus_fast, double, fr_softplus_fast_f64)
FR_UNARY(f64_softplus_exact, double, fr_softplus_exact_f64)
FR_UNARY(f32_log_sigmoid_fast, float, fr_log_sigmoid_fast_f32)
FR_UNARY(f32_log_sigmoid_exact, float, fr_log_sigmoid_exact_f32)
FR_UNARY(f64_log_sigmoid_fast, double, fr_log_sigmoid_fast_f64)
FR_UNARY(f64_log_sigmoid_exact, double, fr_log_sigmoid_exact_f64)
FR_FUSED(f32_bias_relu, float, fr_relu_f32, FR_COUNT_ZERO)
FR_FUSED(f64_bias_relu, double, fr_relu_f64, FR_COUNT_ZERO)
FR_FUSED(f32_bias_sigmoid_fast, float, fr_sigmoid_fast_f32, FR_COUNT_SATURATED)
FR_FUSED(f32_bias_sigmoid_exact, float, fr_sigmoid_exact_f32, FR_COUNT_SATURATED)
FR_FUSED(f64_bias_sigmoid_fast, double, fr_sigmoid_fast_f64, FR_COUNT_SATURATED)
FR_FUSED(f64_bias_sigmoid_exact, double, fr_sigmoid_exact_f64, FR_COUNT_SATURATED)
FR_FUSED(f32_bias_silu_fast, float, fr_silu_fast_f32, FR_COUNT_NONE)
FR_FUSED(f32_bias_silu_exact, float, fr_silu_exact_f32, FR_COUNT_NONE)
FR_FUSED(f64_bias_silu_fast, double, fr_silu_fast_f64, FR_COUNT_NONE)
FR_FUSED(f64_bias_silu_exact, double, fr_silu_exact_f64, FR_COUNT_NONE)

#define FR_ROW1(name, op, dt, acc) {FR_STR(FR_K(name)), op, dt, acc, FR_K(name), 0, 0}
#define FR_ROW2(name, op, dt, acc) {FR_STR(FR_K(name)), op, dt, acc, 0, FR_K(name), 0}
#define FR_ROW3(name, op, dt, acc) {FR_STR(FR_K(name)), op, dt, acc, 0, 0, 0, FR_K(name), 0}
#define FR_ROWF(name, op, dt, acc) {FR_STR(FR_K(name)), op, dt, acc, 0, 0, 0, 0, FR_K(name)}
/* float32 and float64 rows of one op: exact in both modes, or fast + exact */
#define FR_ROWS_ANY(R, name, op) R(f32_##name, op, FR_F32, FR_ANY_ACCURACY), \
                                 R(f64_##name, op, FR_F64, FR_ANY_ACCURACY)
#define FR_ROWS_ACC(R, name, op) R(f32_##name##_fast, op, FR_F32, FR_FAST),  \
                                 R(f32_##name##_exact, op, FR_F32, FR_EXACT), \
                                 R(f64_##name##_fast, op, FR_F64, FR_FAST),   \
                                 R(f64_##name##_exact, op, FR_F64, FR_EXACT)

const fr_kernel_row FR_CAT(fr_kernels__, FR_ISA)[] = {
    FR_ROW1(f32_relu, FR_RELU, FR_F32, FR_ANY_ACCURACY),
    FR_ROW1(f64_relu, FR_RELU, FR_F64, FR_ANY_ACCURACY),
    FR_ROW1(i8_relu, FR_RELU, FR_I8, FR_ANY_ACCURACY),
    FR_ROW1(i16_relu, FR_RELU, FR_I16, FR_ANY_ACCURACY),
    FR_ROW1(i32_relu, FR_RELU, FR_I32, FR_ANY_ACCURACY),
    FR_ROW1(i64_relu, FR_RELU, FR_I64, FR_ANY_ACCURACY),
    FR_ROW1(f32_sigmoid_fast, FR_SIGMOID, FR_F32, FR_FAST),
    FR_ROW1(f32_sigmoid_exact, FR_SIGMOID, FR_F32, FR_EXACT),
    FR_ROW1(f64_sigmoid_fast, FR_SIGMOID, FR_F64, FR_FAST),
    FR_ROW1(f64_sigmoid_exact, FR_SIGMOID, FR_F64, FR_EXACT),
    FR_ROW2(f32_relu_bwd, FR_RELU_BWD, FR_F32, FR_ANY_ACCURACY),
    FR_ROW2(f64_relu_bwd, FR_RELU_BWD, FR_F64, FR_ANY_ACCURACY),
    FR_ROW2(f32_sigmoid_bwd, FR_SIGMOID_BWD, FR_F32, FR_ANY_ACCURACY),
    FR_ROW2(f64_sigmoid_bwd, FR_SIGMOID_BWD, FR_F64, FR_ANY_ACCURACY),
    FR_ROWS_ANY(FR_ROW2, leaky_relu, FR_LEAKY_RELU),
    FR_ROWS_ANY(FR_ROW3, leaky_relu_bwd, FR_LEAKY_RELU_BWD),
    FR_ROWS_ACC(FR_ROW1, silu, FR_SILU),
    FR_ROW2(f32_silu_bwd, FR_SILU_BWD, FR_F32, FR_ANY_ACCURACY),
    FR_ROW2(f64_silu_bwd_fast, FR_SILU_BWD, FR_F64, FR_FAST),
    FR_ROW2(f64_silu_bwd_exact, FR_SILU_BWD, FR_F64, FR_EXACT),
    FR_ROWS_ACC(FR_ROW1, softplus, FR_SOFTPLUS),
    FR_ROWS_ACC(FR_ROW1, log_sigmoid, FR_LOG_SIGMOID),
    FR_ROWS_ANY(FR_ROWF, bias_relu, FR_BIAS_RELU),
    FR_ROWS_ACC(FR_ROWF, bias_sigmoid, FR_BIAS_SIGMOID),
    FR_ROWS_ACC(FR_ROWF, bias_silu, FR_BIAS_SILU),
    {0, 0, 0, 0, 0, 0, 0, 0, 0},
};
