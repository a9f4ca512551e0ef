/* fastrelu: the sigmoid family's fast kernels at the avx512f level, in
 * AVX-512F intrinsics (kernels.c includes this file only when it compiles
 * that level; nothing here needs DQ, VL or BW): the vector layer
 * sigmoid_simd_body.h's math is written over (read it first).  2^n is
 * vscalef, which rounds a subnormal result once; selects are mask registers;
 * clamps use max with exceptions suppressed ({sae}): no flag for NaN.
 */
#ifndef FASTRELU_SIGMOID_AVX512F_H
#define FASTRELU_SIGMOID_AVX512F_H

#include <immintrin.h>

#define FR_NOEXC (_MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC)
/* vectors per loop iteration, per dtype (a -D overrides one, for timing;
 * measured: more spill registers and lose) */
#ifndef FR_NV_SIGMOID_f32
#define FR_NV_SIGMOID_f32 8
#endif
#ifndef FR_NV_SIGMOID_f64        /* float64 sigmoid and silu: 8 spill (Zen 5, 65536 */
#define FR_NV_SIGMOID_f64 4       /* in L2: 28.0 / 32.9 us as 8, 25.5 / 29.8 as 4) */
#endif
#ifndef FR_NV_SILU_f32
#define FR_NV_SILU_f32 8
#endif
#ifndef FR_NV_SILU_f64
#define FR_NV_SILU_f64 4
#endif
#ifndef FR_NV_SOFTPLUS_f32        /* softplus and log_sigmoid */
#define FR_NV_SOFTPLUS_f32 8
#endif
#ifndef FR_NV_SOFTPLUS_f64
#define FR_NV_SOFTPLUS_f64 8
#endif
#ifndef FR_NV_BIAS_f32            /* the fused rows: inlined into their row loop, */
#define FR_NV_BIAS_f32 4          /* 8 vectors spill there (1.6x slower) */
#endif
#ifndef FR_NV_BIAS_f64
#define FR_NV_BIAS_f64 4
#endif
#ifndef FR_NV_SIGMOID_CR_f64     /* exact float32 sigmoid (float64 lanes) */
#define FR_NV_SIGMOID_CR_f64 8
#endif
#ifndef FR_NV_SILU_BWD_f64       /* float32 silu_backward (float64 lanes) */
#define FR_NV_SILU_BWD_f64 8
#endif
#ifndef FR_NV_SILU_BWD64_f64     /* float64 silu_backward */
#define FR_NV_SILU_BWD64_f64 8
#endif
#ifndef FR_NV_GELU_f64       /* float32 gelu and gelu_backward (float64 lanes): */
#define FR_NV_GELU_f64 4        /* 8 spill (fast gelu_backward 6% slower, gelu as 4) */
#endif
#ifndef FR_NV_GELU64_f64     /* float64 gelu */
#define FR_NV_GELU64_f64 4
#endif
#define FR_NV_MAX 8               /* the most vectors any loop takes at once */

#define FR_LEVEL avx512f
typedef __m512 fr_vec_f32_avx512f;
typedef __m512d fr_vec_f64_avx512f;
typedef __mmask16 fr_mask_f32_avx512f;
typedef __mmask8 fr_mask_f64_avx512f;
#define FR_VOP(op) FR_PASTE3(_mm512_, op, FR_SCAT(_, FR_PS_PD))
#define FR_V_BITS FR_PASTE3(_mm512_cast, FR_PS_PD, _si512)
#define FR_V_CMP FR_PASTE3(_mm512_cmp_, FR_PS_PD, _mask)

/* vmax/vmin ps/pd: the second operand where either is NaN or both are zeros */
#define FR_V_MAX(a, b) FR_VOP(max_round)(a, b, _MM_FROUND_NO_EXC)
#define FR_V_MIN(a, b) FR_VOP(min_round)(a, b, _MM_FROUND_NO_EXC)
/* integer or: AVX-512F has no vorps */
#define FR_V_NEG(x) FR_VOP(castsi512)(_mm512_xor_si512(FR_V_BITS(x), FR_V_BITS(FR_VOP(set1)(-0.0))))
#define FR_V_NEG_ABS(x) FR_VOP(castsi512)(_mm512_or_si512(FR_V_BITS(x), FR_V_BITS(FR_VOP(set1)(-0.0))))
/* min(|x|, m): vmin's second operand where either is NaN */
#define FR_V_MIN_ABS(x, m) FR_VOP(min_round)(m, FR_VOP(castsi512)(_mm512_andnot_si512(       \
    FR_V_BITS(FR_VOP(set1)(-0.0)), FR_V_BITS(x))), _MM_FROUND_NO_EXC)
/* n = round(z log2e): z log2e + MAGIC rounded once (one FMA), less MAGIC
 * (vrndscale is two uops on the port the divider and vscalef use);
 * vscalef takes n itself */
#define FR_V_ZLOG2E(z) FR_VOP(fmadd)(z, FR_VOP(set1)(FR_C(LOG2E)), FR_VOP(set1)(FR_C(MAGIC)))
#define FR_V_ROUND_N(zl) FR_VOP(sub)(zl, FR_VOP(set1)(FR_C(MAGIC)))
#define FR_V_POW2N(zl, n) (n)
#define FR_V_SCALE(a, n) FR_VOP(scalef_round)(a, n, FR_NOEXC)
/* sigmoid_simd_body.h's fr_scale_quiet: a 2^(n + S) (S the dtype's
 * subnormal step exponent), a 2^n but 2^0 in the lanes m, integer lanes */
#define FR_V_SCALE_SUBGRID(a, n) FR_V_SCALE(a, FR_VOP(add)(n, FR_VOP(set1)(FR_SUB_EXP)))
#define FR_V_SCALE_UNLESS(m, a, n) FR_V_SCALE(a, FR_VOP(maskz_mov)((FR_M)~(m), n))
#define FR_I_SUB FR_SCAT(_mm512_sub_, FR_EPI)
#define FR_I_ADD FR_SCAT(_mm512_add_, FR_EPI)
#define FR_I_SRLI FR_SCAT(_mm512_srli_, FR_EPI)
#define FR_I_SLLI FR_SCAT(_mm512_slli_, FR_EPI)
#define FR_I_SET1_64 _mm512_set1_epi64
/* t[i mod 16] per float64 lane (t 64-byte aligned, i int64 lanes): one
 * vpermt2pd, which reads the index's low 4 bits only */
#define FR_V_LOOKUP16_F64(t, i) _mm512_permutex2var_pd(_mm512_load_pd(t), i, _mm512_load_pd((t) + 8))
/* t[i] for a table of 32, i in [0, 32): two vpermt2pd and a blend (float64
 * gelu of 65536 with gathers instead: 369 against 304 us) */
#define FR_V_LOOKUP32_F64(t, i)                                                            \
    _mm512_mask_blend_pd(_mm512_test_epi64_mask(i, _mm512_set1_epi64(16)),                 \
                         FR_V_LOOKUP16_F64(t, i), FR_V_LOOKUP16_F64((t) + 16, i))
#define FR_I_OR _mm512_or_si512
#define FR_I_AND _mm512_and_si512
#define FR_I_ANDNOT _mm512_andnot_si512
#define FR_V_FROM_BITS FR_VOP(castsi512)
#define FR_V_LESS(a, b) FR_V_CMP(a, b, _CMP_LT_OQ)
#define FR_V_EQ(a, b) FR_V_CMP(a, b, _CMP_EQ_OQ)
#define FR_V_NEQ(a, b) FR_V_CMP(a, b, _CMP_NEQ_UQ)                    /* NaN: true, as C's != */
#define FR_M_AND(m1, m2) ((FR_M)((m1) & (m2)))
#define FR_M_ANDNOT(m1, m2) ((FR_M)(~(m1) & (m2)))                   /* m2 but not m1 */
#define FR_M_NONE ((FR_M)0)
#define FR_V_ABS(x) FR_VOP(castsi512)(_mm512_andnot_si512(FR_V_BITS(FR_VOP(set1)(-0.0)), FR_V_BITS(x)))
#define FR_V_GE(a, b) FR_V_CMP(a, b, _CMP_GE_OQ)
#define FR_V_ISNAN(a) FR_V_CMP(a, a, _CMP_UNORD_Q)
#define FR_V_ANY(m) ((int)(m))                               /* any lane of a mask */
#define FR_V_SELECT(m, a, b) FR_VOP(mask_blend)(m, b, a)     /* m ? a : b */
#define FR_V_FMADD_WHERE(m, a, b, c) FR_VOP(mask_fmadd)(a, m, b, c)   /* m ? a b + c : a */
#define FR_V_ADD_WHERE(m, a, b) FR_VOP(mask_add)(a, m, a, b)           /* m ? a + b : a */
#define FR_V_ZERO_UNLESS(m, a) FR_VOP(maskz_mov)(m, a)                 /* m ? a : +0 */
#define FR_V_ONE_MINUS_IF_POSITIVE(x, f, one) \
    FR_VOP(mask_sub)(f, FR_V_CMP(x, FR_VOP(setzero)(), _CMP_GT_OQ), one, f)

#define FR_TAIL_MASK FR_M
#define FR_V_FIRST_LANES(r) ((FR_M)((1u << (r)) - 1u))
#define FR_V_LOAD_FIRST(p, m) FR_VOP(maskz_loadu)(m, p)
#define FR_V_STORE_FIRST(p, m, v) FR_VOP(mask_storeu)(p, m, v)

/* the float32 half of a float64 vector (exact float32 computes in double) */
typedef __m256 fr_half_avx512f;
#define FR_HALF fr_half_avx512f
#define FR_HALF_LOADU _mm256_loadu_ps
#define FR_HALF_STOREU _mm256_storeu_ps
#define FR_HALF_ADD _mm256_add_ps
#define FR_HALF_WIDEN _mm512_cvtps_pd
#define FR_HALF_NARROW _mm512_cvtpd_ps
#define FR_HALF_LOAD_FIRST(p, r) \
    _mm512_castps512_ps256(_mm512_maskz_loadu_ps((__mmask16)((1u << (r)) - 1u), p))
#define FR_HALF_STORE_FIRST(p, r, v) \
    _mm512_mask_storeu_ps(p, (__mmask16)((1u << (r)) - 1u), _mm512_castps256_ps512(v))
/* 1/d: vrcp14ps/pd (2^-14 relative) and Newton steps, each doubling the
 * bits (one for float32, two for float64), where the divider is slow
 * (-DFR_DIV_SLOW=1: Intel's vdivpd zmm, 16 cycles a vector); else divisions
 * (FR_RECIP_STEPS 0).  Zen 5 divides 8 doubles every 3.6 cycles, and there
 * the division is the faster: float64 sigmoid of 16384 in L2, 7.9 -> 6.7 us */
#ifndef FR_DIV_SLOW
#define FR_DIV_SLOW 0
#endif
#define FR_V_RECIP_EST(d) FR_VOP(rcp14)(d)
#define FR_RECIP_STEPS (FR_DIV_SLOW ? (FR_MANT_BITS == 52 ? 2 : 1) : 0)
/* the lanes whose double bits' low 29 (those float32 rounding drops) lie
 * within w of the midpoint 2^28 */
static inline int fr_near_midpoint_avx512f(__m512d y, long long w) {
    __m512i m = _mm512_and_si512(_mm512_castpd_si512(y), _mm512_set1_epi64(0x1FFFFFFF));
    return (int)_mm512_cmplt_epu64_mask(_mm512_sub_epi64(m, _mm512_set1_epi64((1 << 28) - w)),
                                        _mm512_set1_epi64(2 * w));
}
#define FR_V_NEAR_MIDPOINT fr_near_midpoint_avx512f

#include "sigmoid_simd.h"

#endif /* FASTRELU_SIGMOID_AVX512F_H */
