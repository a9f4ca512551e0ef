/* fastrelu: the sigmoid family's fast kernels at the avx2 level, in AVX2 +
 * FMA intrinsics (kernels.c includes this file only when it compiles that
 * level): the vector layer sigmoid_simd_body.h's math is written over
 * (read it first).  What AVX2 lacks is done by hand:
 *   - 2^n as 2^(n + K) 2^-K, as scalar.h does it: the rounding constant's
 *     low bits shifted into the exponent field give 2^(n + K), a normal
 *     number, and the product with 2^-K rounds a subnormal result once;
 *   - the clamp z = max(zmin, -|x|) is vmaxps with zmin first, so a NaN z
 *     passes through (it may raise 'invalid' for a NaN lane: AVX2 has no
 *     {sae}; the ufunc loops restore the caller's flags around every kernel);
 *   - selects by the sign of x (vblendvps reads the sign bit): sigmoid(+0)
 *     and sigmoid(-0) are 1/2 either way; silu takes max(-0, x) (vmaxps: the
 *     second operand for two zeros), so silu(+-0) keeps the zero's sign;
 *   - the tail: vmaskmov loads and stores of the same per-lane math.
 */
#ifndef FASTRELU_SIGMOID_AVX2_H
#define FASTRELU_SIGMOID_AVX2_H

#include <stdint.h>
#include <immintrin.h>

/* vectors per loop iteration, per dtype (a -D overrides one, for timing).
 * float32 sigmoid at 4 spills (16 ymm registers), yet on the Sapphire
 * Rapids-class VM 4 runs 2.1x faster than 2 (8.8 vs 18.7 ms, 16M, 1 thread:
 * at 2 the loop is latency-bound there); the older Intel VM was 1.25x slower
 * at 4 than at 2 */
#ifndef FR_NV_SIGMOID_f32
#define FR_NV_SIGMOID_f32 4
#endif
#ifndef FR_NV_SIGMOID_f64
#define FR_NV_SIGMOID_f64 4
#endif
#ifndef FR_NV_SILU_f32
#define FR_NV_SILU_f32 4
#endif
#ifndef FR_NV_SILU_f64
#define FR_NV_SILU_f64 4
#endif
#ifndef FR_NV_SOFTPLUS_f32        /* softplus and log_sigmoid */
#define FR_NV_SOFTPLUS_f32 4
#endif
#ifndef FR_NV_SOFTPLUS_f64
#define FR_NV_SOFTPLUS_f64 4
#endif
#ifndef FR_NV_BIAS_f32
#define FR_NV_BIAS_f32 2
#endif
#ifndef FR_NV_BIAS_f64
#define FR_NV_BIAS_f64 4
#endif
#ifndef FR_NV_SIGMOID_CR_f64     /* exact float32 sigmoid (float64 lanes) */
#define FR_NV_SIGMOID_CR_f64 4
#endif
#ifndef FR_NV_SILU_BWD_f64       /* float32 silu_backward (float64 lanes) */
#define FR_NV_SILU_BWD_f64 4
#endif
#ifndef FR_NV_SILU_BWD64_f64     /* float64 silu_backward */
#define FR_NV_SILU_BWD64_f64 4
#endif
#ifndef FR_NV_GELU_f64       /* float32 gelu and gelu_backward (float64 lanes) */
#define FR_NV_GELU_f64 2        /* 4: 1.5x slower (spills) */
#endif
#ifndef FR_NV_GELU64_f64     /* float64 gelu */
#define FR_NV_GELU64_f64 2
#endif
#define FR_NV_MAX 4               /* the most vectors any loop takes at once */

#define FR_LEVEL avx2
typedef __m256 fr_vec_f32_avx2;
typedef __m256d fr_vec_f64_avx2;
typedef __m256 fr_mask_f32_avx2;  /* blendv masks are vectors: the sign bit selects */
typedef __m256d fr_mask_f64_avx2;
#define FR_VOP(op) FR_PASTE3(_mm256_, op, FR_SCAT(_, FR_PS_PD))
#define FR_V_BITS FR_PASTE3(_mm256_cast, FR_PS_PD, _si256)

/* vmax/vmin ps/pd: the second operand where either is NaN or both are zeros */
#define FR_V_MAX(a, b) FR_VOP(max)(a, b)
#define FR_V_MIN(a, b) FR_VOP(min)(a, b)
#define FR_V_NEG(x) FR_VOP(xor)(x, FR_VOP(set1)(-0.0))
#define FR_V_NEG_ABS(x) FR_VOP(or)(x, FR_VOP(set1)(-0.0))
/* min(|x|, m): vmin's second operand where either is NaN */
#define FR_V_MIN_ABS(x, m) FR_VOP(min)(m, FR_VOP(andnot)(FR_VOP(set1)(-0.0), x))
/* n = round(z log2e): adding MAGIC rounds it and leaves n + K in the sum's
 * low bits, which FR_V_POW2N shifts into the exponent field: 2^(n + K) */
#define FR_V_ZLOG2E(z) FR_VOP(fmadd)(z, FR_VOP(set1)(FR_C(LOG2E)), FR_VOP(set1)(FR_C(MAGIC)))
#define FR_V_ROUND_N(zl) FR_VOP(sub)(zl, FR_VOP(set1)(FR_C(MAGIC)))
#define FR_V_POW2N(zl, n) FR_VOP(castsi256)(FR_SCAT(_mm256_slli_, FR_EPI)(FR_V_BITS(zl), FR_MANT_BITS))
/* a 2^n = (a 2^(n + K)) 2^-K: a subnormal result rounded once */
#define FR_V_SCALE(a, pow2n) FR_VOP(mul)(FR_VOP(mul)(a, pow2n), FR_VOP(set1)(FR_C(DOWN)))
/* sigmoid_simd_body.h's fr_scale_quiet: a 2^(n + S) = (a 2^(n + K)) 2^(S -
 * K) (S the dtype's subnormal step exponent), a 2^n but 2^-K in the lanes
 * m, integer lanes */
#define FR_V_SCALE_SUBGRID(a, pow2n) \
    FR_VOP(mul)(FR_VOP(mul)(a, pow2n), FR_VOP(set1)(FR_SUB_UP))
#define FR_V_SCALE_UNLESS(m, a, pow2n) \
    FR_VOP(mul)(FR_V_SELECT(m, FR_VOP(set1)(1.0), FR_VOP(mul)(a, pow2n)), FR_VOP(set1)(FR_C(DOWN)))
#define FR_I_SUB FR_SCAT(_mm256_sub_, FR_EPI)
#define FR_I_ADD FR_SCAT(_mm256_add_, FR_EPI)
#define FR_I_SRLI FR_SCAT(_mm256_srli_, FR_EPI)
#define FR_I_SLLI FR_SCAT(_mm256_slli_, FR_EPI)
#define FR_I_SET1_64 _mm256_set1_epi64x
/* t[i] per float64 lane for a table of 32, i int64 lanes in [0, 32) */
#define FR_V_LOOKUP32_F64(t, i) _mm256_i64gather_pd(t, i, 8)
#define FR_I_OR _mm256_or_si256
#define FR_I_AND _mm256_and_si256
#define FR_I_ANDNOT _mm256_andnot_si256
#define FR_V_FROM_BITS FR_VOP(castsi256)
#define FR_V_LESS(a, b) FR_VOP(cmp)(a, b, _CMP_LT_OQ)
#define FR_V_EQ(a, b) FR_VOP(cmp)(a, b, _CMP_EQ_OQ)
#define FR_V_NEQ(a, b) FR_VOP(cmp)(a, b, _CMP_NEQ_UQ)                  /* NaN: true, as C's != */
#define FR_M_AND(m1, m2) FR_VOP(and)(m1, m2)
#define FR_M_ANDNOT(m1, m2) FR_VOP(andnot)(m1, m2)                   /* m2 but not m1 */
#define FR_M_NONE FR_VOP(setzero)()
#define FR_V_ABS(x) FR_VOP(andnot)(FR_VOP(set1)(-0.0), x)
#define FR_V_GE(a, b) FR_VOP(cmp)(a, b, _CMP_GE_OQ)
#define FR_V_ISNAN(a) FR_VOP(cmp)(a, a, _CMP_UNORD_Q)
#define FR_V_ANY(m) FR_VOP(movemask)(m)                      /* any lane of a mask */
#define FR_V_SELECT(m, a, b) FR_VOP(blendv)(b, a, m)          /* m ? a : b */
#define FR_V_FMADD_WHERE(m, a, b, c) FR_V_SELECT(m, FR_VOP(fmadd)(a, b, c), a)
/* masks from a compare are all ones or zeros: a + (m & b) adds +0 off m,
 * which leaves every a but -0 as it is (callers have no -0 there) */
#define FR_V_ADD_WHERE(m, a, b) FR_VOP(add)(a, FR_VOP(and)(m, b))
#define FR_V_ZERO_UNLESS(m, a) FR_VOP(and)(m, a)
/* x's sign bit clear, +0 included: there f = 1/2 = 1 - f */
#define FR_V_ONE_MINUS_IF_POSITIVE(x, f, one) FR_VOP(blendv)(FR_VOP(sub)(one, f), f, x)

/* vmaskmov reads each 32/64-bit lane's sign bit: the first r lanes' mask is
 * a window into r' int32 -1s then 0s (r' = r lanes counted in int32s) */
static const int32_t fr_first_lanes_avx2[16] = {-1, -1, -1, -1, -1, -1, -1, -1,
                                                  0,  0,  0,  0,  0,  0,  0,  0};
#define FR_TAIL_MASK __m256i
#define FR_V_FIRST_LANES(r) _mm256_loadu_si256( \
    (const __m256i *)(fr_first_lanes_avx2 + 8 - (r) * (int)(sizeof(FR_T) / 4)))
#define FR_V_LOAD_FIRST(p, m) FR_VOP(maskload)(p, m)
#define FR_V_STORE_FIRST(p, m, v) FR_VOP(maskstore)(p, m, v)

/* the float32 half of a float64 vector (exact float32 computes in double) */
typedef __m128 fr_half_avx2;
#define FR_HALF fr_half_avx2
#define FR_HALF_LOADU _mm_loadu_ps
#define FR_HALF_STOREU _mm_storeu_ps
#define FR_HALF_ADD _mm_add_ps
#define FR_HALF_WIDEN _mm256_cvtps_pd
#define FR_HALF_NARROW _mm256_cvtpd_ps
#define FR_HALF_FIRST(r) _mm_loadu_si128((const __m128i *)(fr_first_lanes_avx2 + 8 - (r)))
#define FR_HALF_LOAD_FIRST(p, r) _mm_maskload_ps(p, FR_HALF_FIRST(r))
#define FR_HALF_STORE_FIRST(p, r, v) _mm_maskstore_ps(p, FR_HALF_FIRST(r), v)
/* a division, not a reciprocal estimate: vrcpps through float32 and three
 * Newton steps measured 1.5x slower than vdivpd here (exact float32 sigmoid,
 * 16M, 1 thread: 46 ms against 30 ms) */
#define FR_RECIP_STEPS 0
/* the lanes whose double bits' low 29 (those float32 rounding drops) lie
 * within w of the midpoint 2^28: 0 <= low - (2^28 - w) < 2w, signed compares */
static inline int fr_near_midpoint_avx2(__m256d y, long long w) {
    __m256i m = _mm256_and_si256(_mm256_castpd_si256(y), _mm256_set1_epi64x(0x1FFFFFFF));
    __m256i t = _mm256_sub_epi64(m, _mm256_set1_epi64x((1 << 28) - w));
    __m256i in = _mm256_andnot_si256(_mm256_cmpgt_epi64(_mm256_setzero_si256(), t),
                                     _mm256_cmpgt_epi64(_mm256_set1_epi64x(2 * w), t));
    return _mm256_movemask_pd(_mm256_castsi256_pd(in));
}
#define FR_V_NEAR_MIDPOINT fr_near_midpoint_avx2

#include "sigmoid_simd.h"

#endif /* FASTRELU_SIGMOID_AVX2_H */
