/* fastrelu: the sigmoid family's fast kernels at the avx2 level, in AVX2 +
 * FMA intrinsics (kernels.c includes this file only when it compiles that
 * level).  The method is sigmoid_avx512f_body.h's (read it first), with what
 * AVX2 lacks done by hand:
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
 * The vector math is sigmoid_avx2_body.h, included once per dtype; the
 * whole-array kernels are fr_v_<row name>, with the ABI of kernels.h.
 */
#ifndef FASTRELU_SIGMOID_AVX2_H
#define FASTRELU_SIGMOID_AVX2_H

#include <immintrin.h>
#include "kernels.h"
#include "scalar.h"
#include "exp_poly.h"

#define FR_SIMD_UNARY 1           /* kernels.c: UNARY_SIMD rows call fr_v_<name> */
#ifndef FR_NV_SIGMOID             /* vectors per loop iteration (a -D overrides it, for timing) */
#define FR_NV_SIGMOID 4
#endif
#ifndef FR_NV_SILU
#define FR_NV_SILU 4
#endif

#define FR_NV_MAX 4               /* the most vectors any loop takes at once */

/* p(t) ~ e^t on |t| <= ln2/2 (exp_poly.h), Horner with FMA, on nv vectors */
FR_INLINE void fr_exp_poly_f32_avx2(const __m256 *t, int nv, __m256 *p) {
    FR_UNROLL for (int k = 0; k < nv; k++)
        p[k] = _mm256_fmadd_ps(_mm256_set1_ps(FR_EXP_F32_C6), t[k], _mm256_set1_ps(FR_EXP_F32_C5));
    FR_UNROLL for (int k = 0; k < nv; k++) p[k] = _mm256_fmadd_ps(p[k], t[k], _mm256_set1_ps(FR_EXP_F32_C4));
    FR_UNROLL for (int k = 0; k < nv; k++) p[k] = _mm256_fmadd_ps(p[k], t[k], _mm256_set1_ps(FR_EXP_F32_C3));
    FR_UNROLL for (int k = 0; k < nv; k++) p[k] = _mm256_fmadd_ps(p[k], t[k], _mm256_set1_ps(FR_EXP_F32_C2));
    FR_UNROLL for (int k = 0; k < nv; k++) p[k] = _mm256_fmadd_ps(p[k], t[k], _mm256_set1_ps(1.0f));
    FR_UNROLL for (int k = 0; k < nv; k++) p[k] = _mm256_fmadd_ps(p[k], t[k], _mm256_set1_ps(1.0f));
}
FR_INLINE void fr_exp_poly_f64_avx2(const __m256d *t, int nv, __m256d *p) {
    FR_UNROLL for (int k = 0; k < nv; k++)
        p[k] = _mm256_fmadd_pd(_mm256_set1_pd(fr_exp_f64_coef[11]), t[k], _mm256_set1_pd(fr_exp_f64_coef[10]));
    FR_UNROLL for (int j = 9; j >= 0; j--)
        FR_UNROLL for (int k = 0; k < nv; k++)
            p[k] = _mm256_fmadd_pd(p[k], t[k], _mm256_set1_pd(fr_exp_f64_coef[j]));
}

/* float32, 8 lanes (constants: scalar.h; X_E_NORMAL: sigmoid_avx512f.h) */
#define FR_SUF f32
#define FR_T float
#define FR_V __m256
#define FR_LANES 8
#define FR_VOP(op) _mm256_##op##_ps
#define FR_BITS _mm256_castps_si256
#define FR_SIGN_BIT _mm256_set1_epi32((int)0x80000000)
#define FR_EXP_FIELD(i) _mm256_slli_epi32(i, 23)
#define FR_TAIL_MASK(r) _mm256_cmpgt_epi32(_mm256_set1_epi32((int)(r)), \
                                           _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7))
#define FR_LOG2E FR_LOG2E_F32
#define FR_LN2_HI FR_LN2_HI_F32
#define FR_LN2_LO FR_LN2_LO_F32
#define FR_MAGIC FR_MAGIC_F32
#define FR_DOWN FR_DOWN_F32
#define FR_ZMIN (-105.0f)
#define FR_ZMIN_SILU (-115.0f)
#define FR_X_E_NORMAL (-86.0f)
#include "sigmoid_avx2_body.h"

/* float64, 4 lanes */
#define FR_SUF f64
#define FR_T double
#define FR_V __m256d
#define FR_LANES 4
#define FR_VOP(op) _mm256_##op##_pd
#define FR_BITS _mm256_castpd_si256
#define FR_SIGN_BIT _mm256_set1_epi64x((long long)0x8000000000000000ULL)
#define FR_EXP_FIELD(i) _mm256_slli_epi64(i, 52)
#define FR_TAIL_MASK(r) _mm256_cmpgt_epi64(_mm256_set1_epi64x((long long)(r)), \
                                           _mm256_setr_epi64x(0, 1, 2, 3))
#define FR_LOG2E FR_LOG2E_F64
#define FR_LN2_HI FR_LN2_HI_F64
#define FR_LN2_LO FR_LN2_LO_F64
#define FR_MAGIC FR_MAGIC_F64
#define FR_DOWN FR_DOWN_F64
#define FR_ZMIN (-750.0)
#define FR_ZMIN_SILU (-760.0)
#define FR_X_E_NORMAL (-705.0)
#include "sigmoid_avx2_body.h"

/* the same kernels by their scalar.h function (kernels.c's FUSED_SIMD rows) */
#define fr_v_of_fr_sigmoid_fast_f32 fr_v_f32_sigmoid_fast
#define fr_v_of_fr_sigmoid_fast_f64 fr_v_f64_sigmoid_fast
#define fr_v_of_fr_silu_fast_f32 fr_v_f32_silu_fast
#define fr_v_of_fr_silu_fast_f64 fr_v_f64_silu_fast

#endif /* FASTRELU_SIGMOID_AVX2_H */
