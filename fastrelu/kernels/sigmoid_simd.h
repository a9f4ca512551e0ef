/* fastrelu: the sigmoid family's fast kernels over one level's vector
 * layer.  The level's header (sigmoid_avx2.h, sigmoid_avx512f.h) defines
 * the layer and includes this file; the math is sigmoid_simd_body.h,
 * included here once per dtype, as scalar.h includes exp_family.h.
 *
 * Whole-array kernels with the ABI of kernels.h, named fr_v_<row name>
 * (kernels.c's UNARY_SIMD rows call them).  scalar.h stays the readable
 * reference and the baseline level; these compute the same functions in a
 * form that suits SIMD, so their bits may differ from the other levels'
 * (fast mode promises <= 2 ulp, not identical bits across levels).
 */
#ifndef FASTRELU_SIGMOID_SIMD_H
#define FASTRELU_SIGMOID_SIMD_H

#include "kernels.h"
#include "scalar.h"
#include "exp_poly.h"
#include "gelu_rational.h"

#define FR_SIMD_UNARY 1           /* kernels.c: UNARY_SIMD rows call fr_v_<name> */
#ifndef FR_STREAM_MIN_BYTES       /* out-of-place calls this large stream their stores */
#define FR_STREAM_MIN_BYTES (4 << 20)
#endif
/* The loops' inputs are prefetched this far ahead, one prefetch per vector
 * load: the hardware prefetchers alone leave the transcendental loops short
 * of memory-level parallelism (measured, 16M float32 in place, 2 threads,
 * avx512f, Sapphire Rapids-class VM: silu 3.9 -> 2.7 ms, softplus 4.4 -> 3.3,
 * sigmoid 2.8 -> 2.3; into L2 only (_MM_HINT_T1), float64 sigmoid 5.9 ->
 * 6.4-7.0 ms).  2 KiB, not 4: on the later Xeon VM (AMX, 2 MiB L2), 16M in place
 * on 2 threads against the C roofline loop (tools/sigmoid_speed.py, two runs
 * each), float64 sigmoid 1.35-1.40x -> 1.15-1.16x, silu 1.44-1.46 ->
 * 1.32-1.36, float32 sigmoid 1.11-1.21 -> 1.04-1.07; 1.5 and 3 KiB measure
 * as 2, 1 KiB a little worse.  Only inside the part being computed
 * (FR_PREFETCH_INSIDE). */
#ifndef FR_PF_BYTES
#define FR_PF_BYTES 2048
#endif
#define FR_PREFETCH(p) _mm_prefetch((const char *)(p) + FR_PF_BYTES, _MM_HINT_T0)
/* whether element i of a part has its prefetch distance left in the n
 * elements it may prefetch: past them the lines belong to another thread's
 * chunk, and a prefetch would pull them from that core's cache (a fused
 * row's part is the rest of its block, rows below included) */
#define FR_PREFETCH_INSIDE(i, n, T) ((i) + (fr_intp)(FR_PF_BYTES / sizeof(T)) < (n))

/* a##b##c in one paste, for the levels' intrinsic names: pasted in two
 * steps, the partial name may be a macro and expand (clang's _mm512_setzero) */
#define FR_PASTE3_(a, b, c) a##b##c
#define FR_PASTE3(a, b, c) FR_PASTE3_(a, b, c)

/* float32.  sigmoid(-105), 115 e^-115 round to 0 (scalar.h's ZMIN,
 * ZMIN_SILU); e^z is normal for z >= -86 (n >= -124): the clamp past which
 * sigmoid_simd_body.h's fr_tiny_fix takes over */
#define FR_SUF f32
#define FR_T float
#define FR_S F32
#define FR_PS_PD ps
#define FR_EPI epi32
#define FR_MANT_BITS 23
#define FR_EXP_COEF fr_exp_f32_coef
#define FR_EXP_DEGREE 6
#define FR_LOG1P_R_COEF fr_log1p_r_f32_coef
#define FR_LOG1P_R_DEGREE 3
#define FR_ZMIN (-105.0f)
#define FR_ZMIN_SILU (-115.0f)
#define FR_Z_SAFE (-86.0f)
#define FR_SUB_EXP 149.0f           /* S: subnormals are multiples of 2^-S */
#define FR_SUB_UP 0x1p85f           /* 2^S DOWN (scalar.h's DOWN = 2^-64) */
#define FR_SUB_MAGIC 0x1p23f        /* 2^M: below it, adding it rounds to an integer */
#include "sigmoid_simd_body.h"

/* float64.  sigmoid(-750), 760 e^-760 round to 0; e^z is normal for
 * z >= -705 (n >= -1017), e^2z (the reciprocal's remainder) for z >= -350 */
#define FR_SUF f64
#define FR_T double
#define FR_S F64
#define FR_PS_PD pd
#define FR_EPI epi64
#define FR_MANT_BITS 52
#define FR_EXP_COEF fr_exp_f64_coef
#define FR_EXP_DEGREE 11
#define FR_LOG1P_R_COEF fr_log1p_r_f64_coef
#define FR_LOG1P_R_DEGREE 7
#define FR_ZMIN (-750.0)
#define FR_ZMIN_SILU (-760.0)
#define FR_Z_SAFE (-350.0)
#define FR_SUB_EXP 1074.0
#define FR_SUB_UP 0x1p474           /* 2^S DOWN (DOWN = 2^-600) */
#define FR_SUB_MAGIC 0x1p52
#include "sigmoid_simd_body.h"

/* the bias kernels by their scalar.h function (kernels.c's FUSED_SIMD rows) */
#define fr_v_bias_of_fr_sigmoid_fast_f32 fr_v_f32_sigmoid_fast_bias
#define fr_v_bias_of_fr_sigmoid_fast_f64 fr_v_f64_sigmoid_fast_bias
#define fr_v_bias_of_fr_silu_fast_f32 fr_v_f32_silu_fast_bias
#define fr_v_bias_of_fr_silu_fast_f64 fr_v_f64_silu_fast_bias
#define fr_v_bias_of_fr_sigmoid_exact fr_v_f32_sigmoid_exact_bias
#define fr_v_bias_of_fr_silu_exact fr_v_f32_silu_exact_bias

#endif /* FASTRELU_SIGMOID_SIMD_H */
