/* fastrelu kernel ABI and registry rows.
 *
 * Every kernel is serial and contiguous, one signature per arity:
 *   void k(const T *in, T *out, intptr_t n)                   unary (relu, sigmoid, silu, ...)
 *   void k(const T *a, const T *b, T *out, intptr_t n)        binary (backward ops, leaky_relu)
 *   void k(const T *a, const T *b, const T *c, T *out, intptr_t n)   ternary (leaky_relu_backward)
 *   void k(const T *x, const T *bias, T *out, int64_t *count, double eps,
 *          intptr_t rows, intptr_t cols)
 *        fused (bias_*), over C-contiguous rows x cols blocks x and out:
 *        out[r][j] = act(x[r][j] + bias[j]); bias may be NULL (act(x)); where
 *        count is not NULL, count[j] += 1 for each row where out[r][j] is
 *        zero (relu) or saturated, out (1 - out) < eps (sigmoid).
 * `out` may be identical to an input (in place) but must not partly overlap it.
 * Kernels are declared with void pointers so one table holds every dtype; the
 * ABI is the same as the typed form above.
 */
#ifndef FASTRELU_KERNELS_H
#define FASTRELU_KERNELS_H

#include <stdint.h>

typedef intptr_t fr_intp;
typedef void (*fr_unary_fn)(const void *in, void *out, fr_intp n);
typedef void (*fr_binary_fn)(const void *g, const void *y, void *out, fr_intp n);
typedef void (*fr_ternary_fn)(const void *a, const void *b, const void *c, void *out, fr_intp n);
typedef void (*fr_fused_fn)(const void *x, const void *bias, void *out, int64_t *count,
                            double eps, fr_intp rows, fr_intp cols);
typedef void (*fr_strided_fn)(const char *in, fr_intp in_step, char *out, fr_intp out_step,
                              fr_intp n);
/* in[0..nin-2] contiguous arrays, in[nin-1] one element (a scalar alpha) */
typedef void (*fr_last_scalar_fn)(char *const *in, char *out, fr_intp n);

/* The op list: one line per op, everything per-op on the C side (the enum,
 * the kind and thread-threshold tables, the names Python reads, the numpy
 * backend's rows, the kernels of the regular ops) is generated from it.
 *   X(ID, name, kind, threads from n >= this many elements, kernels, half_tie, of)
 * kernels: LISTED, the op's kernels are rows of kernels.c's FR_KERNEL_LIST
 * (the older, irregular ops); FLOAT_MODES, float32/float64 x fast/exact,
 * scalar.h's fr_<name>_<mode>_<f32|f64>, generated (kernels.c);
 * FLOAT_MODES_SIMD, the same but all four are the SIMD levels'
 * fr_v_<f32|f64>_<name>_<fast|exact> (sigmoid_simd_body.h);
 * FLOAT_MODES_SIMD_CR, the same but float32 exact is a rounding test and
 * a slow path (scalar.h's fr_<name>_exact_f32_try and _slow, kernels.c's
 * BINARY_CR).
 * half_tie: op(x) = x/2 + c x^2 (c > 0) near 0, so a float64 result can sit
 * on a float16/bfloat16 midpoint; the narrow loops break the tie (loops.h).
 * of: the op a fused op applies to x + b (itself for the others).
 * Thresholds, measured on the 2-core dev VM with fastrelu's pool (back-to-back
 * calls, float32): the memory-bound ops gain from a second thread only past
 * 2^18 elements (relu_ 65536: 3.3 us alone, 5.1 us on two); sigmoid and the
 * other transcendental ops from 2^13-2^14, sigmoid_backward from 2^15.
 * A call counts its bytes / 4 against them (loops.h: fr_f32_weight).
 * `python -m fastrelu tune` measures them again; its wisdom overrides these. */
#define FR_OPS(X)                                                              \
    X(RELU,             relu,                UNARY,   1 << 18, LISTED, 0, RELU) \
    X(SIGMOID,          sigmoid,             UNARY,   1 << 13, LISTED, 0, SIGMOID) \
    X(RELU_BWD,         relu_backward,       BINARY,  1 << 18, LISTED, 0, RELU_BWD) \
    X(SIGMOID_BWD,      sigmoid_backward,    BINARY,  1 << 15, LISTED, 0, SIGMOID_BWD) \
    X(LEAKY_RELU,       leaky_relu,          BINARY,  1 << 18, LISTED, 0, LEAKY_RELU) \
    X(LEAKY_RELU_BWD,   leaky_relu_backward, TERNARY, 1 << 18, LISTED, 0, LEAKY_RELU_BWD) \
    X(SILU,             silu,                UNARY,   1 << 13, LISTED, 1, SILU) \
    X(SILU_BWD,         silu_backward,       BINARY,  1 << 13, LISTED, 0, SILU_BWD) \
    X(SOFTPLUS,         softplus,            UNARY,   1 << 12, LISTED, 0, SOFTPLUS) \
    X(LOG_SIGMOID,      log_sigmoid,         UNARY,   1 << 12, LISTED, 0, LOG_SIGMOID) \
    X(BIAS_RELU,        bias_relu,           FUSED,   1 << 18, LISTED, 0, RELU) \
    X(BIAS_SIGMOID,     bias_sigmoid,        FUSED,   1 << 13, LISTED, 0, SIGMOID) \
    X(BIAS_SILU,        bias_silu,           FUSED,   1 << 13, LISTED, 1, SILU) \
    X(GELU,             gelu,                UNARY,   1 << 12, FLOAT_MODES_SIMD, 1, GELU) \
    X(GELU_BWD,         gelu_backward,       BINARY,  1 << 12, FLOAT_MODES_SIMD_CR, 0, GELU_BWD)

#define FR_OP_ENUM_(ID, name, kind, threshold, ...) FR_##ID,
enum fr_op { FR_OPS(FR_OP_ENUM_) FR_NOPS };
/* how an op's kernel is called */
enum fr_kind { FR_KIND_UNARY, FR_KIND_BINARY, FR_KIND_TERNARY, FR_KIND_FUSED };
#define FR_OP_KIND_(ID, name, kind, threshold, ...) [FR_##ID] = FR_KIND_##kind,
static const int fr_op_kind[FR_NOPS] = { FR_OPS(FR_OP_KIND_) };
#define FR_OP_NAME_(ID, name, kind, threshold, ...) [FR_##ID] = #name,
static const char *const fr_op_names[FR_NOPS] = { FR_OPS(FR_OP_NAME_) };
#define FR_OP_HALF_TIE_(ID, name, kind, threshold, kernels, half_tie, ...) [FR_##ID] = half_tie,
static const int fr_op_half_tie[FR_NOPS] = { FR_OPS(FR_OP_HALF_TIE_) };
#define FR_OP_OF_(ID, name, kind, threshold, kernels, half_tie, of) [FR_##ID] = FR_##of,
static const int fr_op_of[FR_NOPS] = { FR_OPS(FR_OP_OF_) };
static const int fr_kind_nin[4] = {1, 2, 3, 2};
enum fr_dtype { FR_F32, FR_F64, FR_I8, FR_I16, FR_I32, FR_I64, FR_NDTYPES };
enum fr_accuracy { FR_FAST, FR_EXACT, FR_NACCURACY, FR_ANY_ACCURACY = -1 };

typedef struct {
    const char *name;       /* XNNPACK-style: f32_sigmoid_fast__avx2 */
    int op, dtype, accuracy; /* accuracy FR_ANY_ACCURACY: exact in both modes */
    fr_unary_fn unary;       /* exactly one of the four pointers is set, */
    fr_binary_fn binary;     /* the one of the op's kind */
    int serial;              /* needs the GIL (numpy backend): never threaded */
    fr_ternary_fn ternary;
    fr_fused_fn fused;
    /* a unary row exact in both modes (relu): the op over byte-strided in and
     * out in one pass, for strided outputs (loops.h's fr_run_blocks); NULL
     * elsewhere */
    fr_strided_fn strided;
    /* a binary or ternary row whose last operand is often one number
     * (leaky_relu's alpha): the op with that operand read once, for calls
     * where it is broadcast (step 0) and the rest contiguous; NULL elsewhere */
    fr_last_scalar_fn last_scalar;
} fr_kernel_row;

/* One registry per compiled ISA level, terminated by a row with name NULL. */
extern const fr_kernel_row fr_kernels__baseline[];
#ifdef FR_HAVE_AVX2
extern const fr_kernel_row fr_kernels__avx2[];
#endif
#ifdef FR_HAVE_AVX512F
extern const fr_kernel_row fr_kernels__avx512f[];
#endif

#endif
