/* fastrelu: the sigmoid family's fast kernels at the avx512f level, in
 * AVX-512F intrinsics (kernels.c includes this file only when it compiles
 * that level; nothing here needs DQ, VL or BW).
 *
 * Whole-array kernels with the ABI of kernels.h, named fr_v_<row name>
 * (kernels.c's UNARY_SIMD rows call them).  scalar.h stays the readable
 * reference and the baseline level; these compute the same functions in a
 * form that suits AVX-512, so their bits may differ from the other levels'
 * (fast mode promises <= 2 ulp, not identical bits across levels).
 *
 * The vector math is written once, in sigmoid_avx512f_body.h, and included
 * here once per dtype (float32: 16 lanes, float64: 8), as scalar.h includes
 * exp_family.h: static inline functions,
 *   fr_exp_neg_abs_<f32|f64>_avx512f   z = max(-|x|, zmin), e^z = p 2^n
 *   fr_sigmoid_<f32|f64>_avx512f       sigmoid of nv vectors, in place
 *   fr_silu_<f32|f64>_avx512f          silu of nv vectors, in place
 * and the whole-array loops over them.  The polynomial p(t) ~ e^t is the
 * one function that differs by more than a suffix, so it is written here
 * per dtype.
 *
 * Clamps use max/min with exceptions suppressed ({sae}): no flag for NaN.
 */
#ifndef FASTRELU_SIGMOID_AVX512F_H
#define FASTRELU_SIGMOID_AVX512F_H

#include <immintrin.h>
#include "kernels.h"
#include "scalar.h"
#include "exp_poly.h"

#define FR_SIMD_UNARY 1           /* kernels.c: UNARY_SIMD rows call fr_v_<name> */

#define FR_NOEXC (_MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC)
#ifndef FR_NV_SIGMOID             /* vectors per loop iteration (a -D overrides it, for timing) */
#define FR_NV_SIGMOID 8
#endif
#ifndef FR_NV_SILU
#define FR_NV_SILU 8
#endif

#define FR_NV_MAX 8               /* the most vectors any loop takes at once */

/* p(t) ~ e^t on |t| <= ln2/2 (exp_poly.h), Horner with FMA, on nv vectors */
FR_INLINE void fr_exp_poly_f32_avx512f(const __m512 *t, int nv, __m512 *p) {
    FR_UNROLL for (int k = 0; k < nv; k++)
        p[k] = _mm512_fmadd_ps(_mm512_set1_ps(FR_EXP_F32_C6), t[k], _mm512_set1_ps(FR_EXP_F32_C5));
    FR_UNROLL for (int k = 0; k < nv; k++) p[k] = _mm512_fmadd_ps(p[k], t[k], _mm512_set1_ps(FR_EXP_F32_C4));
    FR_UNROLL for (int k = 0; k < nv; k++) p[k] = _mm512_fmadd_ps(p[k], t[k], _mm512_set1_ps(FR_EXP_F32_C3));
    FR_UNROLL for (int k = 0; k < nv; k++) p[k] = _mm512_fmadd_ps(p[k], t[k], _mm512_set1_ps(FR_EXP_F32_C2));
    FR_UNROLL for (int k = 0; k < nv; k++) p[k] = _mm512_fmadd_ps(p[k], t[k], _mm512_set1_ps(1.0f));
    FR_UNROLL for (int k = 0; k < nv; k++) p[k] = _mm512_fmadd_ps(p[k], t[k], _mm512_set1_ps(1.0f));
}
FR_INLINE void fr_exp_poly_f64_avx512f(const __m512d *t, int nv, __m512d *p) {
    FR_UNROLL for (int k = 0; k < nv; k++)
        p[k] = _mm512_fmadd_pd(_mm512_set1_pd(fr_exp_f64_coef[11]), t[k], _mm512_set1_pd(fr_exp_f64_coef[10]));
    FR_UNROLL for (int j = 9; j >= 0; j--)
        FR_UNROLL for (int k = 0; k < nv; k++)
            p[k] = _mm512_fmadd_pd(p[k], t[k], _mm512_set1_pd(fr_exp_f64_coef[j]));
}

/* float32, 16 lanes.  sigmoid(-105), 115 e^-115 round to 0 (scalar.h's
 * ZMIN, ZMIN_SILU); e^x is normal for x >= -86 (n >= -124) */
#define FR_SUF f32
#define FR_T float
#define FR_V __m512
#define FR_MASK __mmask16
#define FR_LANES 16
#define FR_VOP(op) _mm512_##op##_ps
#define FR_BITS _mm512_castps_si512
#define FR_SIGN_BIT _mm512_set1_epi32((int)0x80000000)
#define FR_TEST_SIGN _mm512_test_epi32_mask
#define FR_CMP_MASK _mm512_cmp_ps_mask
#define FR_LOG2E FR_LOG2E_F32
#define FR_LN2_HI FR_LN2_HI_F32
#define FR_LN2_LO FR_LN2_LO_F32
#define FR_ZMIN (-105.0f)
#define FR_ZMIN_SILU (-115.0f)
#define FR_X_E_NORMAL (-86.0f)
#include "sigmoid_avx512f_body.h"

/* float64, 8 lanes.  sigmoid(-750), 760 e^-760 round to 0; e^x is normal
 * for x >= -705 (n >= -1017) */
#define FR_SUF f64
#define FR_T double
#define FR_V __m512d
#define FR_MASK __mmask8
#define FR_LANES 8
#define FR_VOP(op) _mm512_##op##_pd
#define FR_BITS _mm512_castpd_si512
#define FR_SIGN_BIT _mm512_set1_epi64((long long)0x8000000000000000ULL)
#define FR_TEST_SIGN _mm512_test_epi64_mask
#define FR_CMP_MASK _mm512_cmp_pd_mask
#define FR_LOG2E FR_LOG2E_F64
#define FR_LN2_HI FR_LN2_HI_F64
#define FR_LN2_LO FR_LN2_LO_F64
#define FR_ZMIN (-750.0)
#define FR_ZMIN_SILU (-760.0)
#define FR_X_E_NORMAL (-705.0)
#include "sigmoid_avx512f_body.h"

/* the same kernels by their scalar.h function (kernels.c's FUSED_SIMD rows) */
#define fr_v_of_fr_sigmoid_fast_f32 fr_v_f32_sigmoid_fast
#define fr_v_of_fr_sigmoid_fast_f64 fr_v_f64_sigmoid_fast
#define fr_v_of_fr_silu_fast_f32 fr_v_f32_silu_fast
#define fr_v_of_fr_silu_fast_f64 fr_v_f64_silu_fast

#endif /* FASTRELU_SIGMOID_AVX512F_H */
