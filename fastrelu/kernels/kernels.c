/* The kernels of one ISA level.  setup.py compiles this file once per level
 * (-DFR_ISA=baseline, -DFR_ISA=avx2 -mavx2 -mfma, ...) with
 * -O3 -fno-trapping-math -ffp-contract=off; gcc vectorizes each loop body
 * (check with -fopt-info-vec, see setup.py --vec-report). */
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

#define FR_ROW1(name, op, dt, acc) {FR_STR(FR_K(name)), op, dt, acc, FR_K(name), 0, 0}
#define FR_ROW2(name, op, dt, acc) {FR_STR(FR_K(name)), op, dt, acc, 0, FR_K(name), 0}

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
    {0, 0, 0, 0, 0, 0, 0},
};
