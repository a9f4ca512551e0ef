/* fastrelu: the sigmoid family's fast kernels at the avx512f level, in
 * AVX-512F intrinsics (kernels.c includes this file only when it compiles
 * that level; nothing here needs DQ, VL or BW).
 *
 * Whole-array kernels with the ABI of kernels.h, named fr_v_<row name>
 * (kernels.c's UNARY_SIMD rows call them).  scalar.h stays the readable
 * reference and the baseline level; these compute the same function in a
 * form that suits AVX-512, so their bits may differ from the other levels'
 * (fast mode promises <= 2 ulp, not identical bits across levels).
 *
 * sigmoid(x), z = -|x| clamped to ZMIN (keeps NaN):
 *   n = round(z log2e), t = z - n ln2 (Cody-Waite, two constants),
 *   e = p(t) 2^n, p a minimax polynomial of e^t (tools/fit_exp_poly.py), with
 *   2^n applied by vscalefps: a subnormal e is rounded once, not flushed;
 *   q = e / (1 + e), then f = e - e q (one FMA) = e / (1 + e) again, but with
 *   the rounding of 1 + e and of the division scaled down by e q;
 *   sigmoid = x > 0 ? 1 - f : f.
 * silu(x) = x sigmoid(x) needs a better quotient: q + c = e / (1 + e) to
 * ~2^-48 (the rounding of 1 + e and the division's remainder, both exact by
 * FMA, folded back); sign clear: x - x (q + c) (+inf where that is inf * 0);
 * sign set: x p = xp + xl exactly (one FMA), -silu = ((xp q - xl) + xp c - xp)
 * 2^n: scaled last so a subnormal result is rounded once (a subnormal x may
 * round twice, < 1 ulp), negated last so silu(-0) = -0.
 *
 * The loop body runs 8 vectors stage by stage; the 1-vector loop and the
 * masked tail run the same per-lane operations, so a value's bits do not
 * depend on its position, the array's size, alignment or the chunking.
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
#define FR_NV 8                   /* the most vectors per loop iteration */
#ifndef FR_NV_SIGMOID             /* per kernel (a -D overrides it, for timing) */
#define FR_NV_SIGMOID 8
#endif
#ifndef FR_NV_SILU
#define FR_NV_SILU 8
#endif

/* ---- the per-lane math, on nv vectors (a constant after inlining) ------ */
/* One template for both dtypes: V the vector type, S ps/pd, I the integer
 * suffix for the sign mask (epi32/epi64). */
#define FR_DEFINE_SIG512(SUF, V, S, I, T, C, ZMIN, ZMIN_SILU, SIGN, POLY)          \
    /* z = max(-|x|, zmin): n, t, p for each vector */                          \
    FR_INLINE void fr_exp512_##SUF(const V *x, V *n, V *p, V *zc, int nv, T zmin) { \
        const __m512i sign = _mm512_set1_##I(SIGN);                             \
        FR_UNROLL for (int k = 0; k < nv; k++)                                  \
            zc[k] = _mm512_max_round_##S(_mm512_set1_##S(zmin),                 \
                        _mm512_castsi512_##S(_mm512_or_si512(                   \
                            _mm512_cast##S##_si512(x[k]), sign)),               \
                        _MM_FROUND_NO_EXC);                                     \
        FR_UNROLL for (int k = 0; k < nv; k++)                                  \
            n[k] = _mm512_roundscale_##S(_mm512_mul_##S(zc[k],                  \
                        _mm512_set1_##S(FR_LOG2E_##C)), FR_NOEXC);              \
        V t[FR_NV];                                                             \
        FR_UNROLL for (int k = 0; k < nv; k++)                                  \
            t[k] = _mm512_fnmadd_##S(n[k], _mm512_set1_##S(FR_LN2_HI_##C), zc[k]); \
        FR_UNROLL for (int k = 0; k < nv; k++)                                  \
            t[k] = _mm512_fnmadd_##S(n[k], _mm512_set1_##S(FR_LN2_LO_##C), t[k]); \
        POLY(SUF, S, t, p, nv)                                                  \
    }                                                                           \
    /* x[k] becomes sigmoid(x[k]) */                                            \
    FR_INLINE void fr_sigmoid512_##SUF(V *x, int nv) {                          \
        V n[FR_NV], p[FR_NV], zc[FR_NV], e[FR_NV], q[FR_NV];                    \
        fr_exp512_##SUF(x, n, p, zc, nv, (ZMIN));                               \
        const V one = _mm512_set1_##S(1.0);                                     \
        FR_UNROLL for (int k = 0; k < nv; k++)                                  \
            e[k] = _mm512_scalef_round_##S(p[k], n[k], FR_NOEXC);               \
        FR_UNROLL for (int k = 0; k < nv; k++)                                  \
            q[k] = _mm512_div_##S(e[k], _mm512_add_##S(e[k], one));             \
        FR_UNROLL for (int k = 0; k < nv; k++) {                                \
            V f = _mm512_fnmadd_##S(e[k], q[k], e[k]);                          \
            x[k] = _mm512_mask_sub_##S(f, _mm512_cmp_##S##_mask(               \
                        x[k], _mm512_setzero_##S(), _CMP_GT_OQ), one, f);       \
        }                                                                       \
    }                                                                           \
    /* x[k] becomes silu(x[k]) */                                               \
    FR_INLINE void fr_silu512_##SUF(V *x, int nv) {                             \
        V n[FR_NV], p[FR_NV], zc[FR_NV], e[FR_NV], q[FR_NV];                    \
        fr_exp512_##SUF(x, n, p, zc, nv, (ZMIN_SILU));                          \
        const V one = _mm512_set1_##S(1.0);                                     \
        const __m512i sign = _mm512_set1_##I(SIGN);                             \
        FR_UNROLL for (int k = 0; k < nv; k++)                                  \
            e[k] = _mm512_scalef_round_##S(p[k], n[k], FR_NOEXC);               \
        FR_UNROLL for (int k = 0; k < nv; k++)                                  \
            q[k] = _mm512_div_##S(e[k], _mm512_add_##S(e[k], one));             \
        FR_UNROLL for (int k = 0; k < nv; k++) {                                \
            /* q e/(1 + e) to ~2^-48 as q + c: d + dl = 1 + e exactly, r the    \
             * division's exact remainder, c = (r - q dl) / d ~ (r - q dl)(1 - q) */ \
            V d = _mm512_add_##S(e[k], one);                                    \
            V dl = _mm512_sub_##S(e[k], _mm512_sub_##S(d, one));                \
            V c = _mm512_fnmadd_##S(q[k], d, e[k]);                             \
            c = _mm512_fnmadd_##S(q[k], dl, c);                                 \
            c = _mm512_fnmadd_##S(c, q[k], c);                                  \
            /* sign clear: x - x (q + c); x = +inf: inf * 0 -> x */             \
            V g = _mm512_fmadd_##S(x[k], q[k], _mm512_mul_##S(x[k], c));        \
            g = _mm512_min_round_##S(_mm512_sub_##S(x[k], g), x[k], _MM_FROUND_NO_EXC); \
            /* sign set: z = x; x p = xp + xl exactly;                          \
             * -silu 2^-n = ((xp q - xl) + xp c) - xp (to xl (q + c)) */         \
            V xp = _mm512_mul_##S(zc[k], p[k]);                                 \
            V xl = _mm512_fmsub_##S(zc[k], p[k], xp);                           \
            V m = _mm512_fmadd_##S(xp, c, _mm512_fmsub_##S(xp, q[k], xl));       \
            m = _mm512_scalef_round_##S(_mm512_sub_##S(m, xp), n[k], FR_NOEXC);  \
            __mmask16 neg = _mm512_test_##I##_mask(_mm512_cast##S##_si512(x[k]), sign); \
            x[k] = _mm512_mask_sub_##S(g, neg, _mm512_castsi512_##S(sign), m);  \
        }                                                                       \
    }

#define FR_POLY512_F32(SUF, S, t, p, nv)                                        \
    FR_UNROLL for (int k = 0; k < nv; k++)                                      \
        p[k] = _mm512_fmadd_ps(_mm512_set1_ps(FR_EXP_F32_C6), t[k], _mm512_set1_ps(FR_EXP_F32_C5)); \
    FR_UNROLL for (int k = 0; k < nv; k++)                                      \
        p[k] = _mm512_fmadd_ps(p[k], t[k], _mm512_set1_ps(FR_EXP_F32_C4));      \
    FR_UNROLL for (int k = 0; k < nv; k++)                                      \
        p[k] = _mm512_fmadd_ps(p[k], t[k], _mm512_set1_ps(FR_EXP_F32_C3));      \
    FR_UNROLL for (int k = 0; k < nv; k++)                                      \
        p[k] = _mm512_fmadd_ps(p[k], t[k], _mm512_set1_ps(FR_EXP_F32_C2));      \
    FR_UNROLL for (int k = 0; k < nv; k++)                                      \
        p[k] = _mm512_fmadd_ps(p[k], t[k], _mm512_set1_ps(1.0f));               \
    FR_UNROLL for (int k = 0; k < nv; k++)                                      \
        p[k] = _mm512_fmadd_ps(p[k], t[k], _mm512_set1_ps(1.0f));
#define FR_POLY512_F64(SUF, S, t, p, nv)                                        \
    FR_UNROLL for (int k = 0; k < nv; k++)                                      \
        p[k] = _mm512_fmadd_pd(_mm512_set1_pd(fr_exp_f64_coef[11]), t[k],      \
                               _mm512_set1_pd(fr_exp_f64_coef[10]));            \
    FR_UNROLL for (int j = 9; j >= 0; j--)                                      \
        FR_UNROLL for (int k = 0; k < nv; k++)                                  \
            p[k] = _mm512_fmadd_pd(p[k], t[k], _mm512_set1_pd(fr_exp_f64_coef[j]));

/* sigmoid(-105f), sigmoid(-750) and 115 e^-115, 760 e^-760 round to 0
 * (scalar.h's ZMIN, ZMIN_SILU) */
FR_DEFINE_SIG512(f32, __m512, ps, epi32, float, F32, -105.0f, -115.0f, (int)0x80000000, FR_POLY512_F32)
FR_DEFINE_SIG512(f64, __m512d, pd, epi64, double, F64, -750.0, -760.0, (long long)0x8000000000000000ULL,
                 FR_POLY512_F64)

/* ---- the whole-array loops ---------------------------------------------- */
#define FR_DEFINE_V512_LOOP(NAME, NV, T, V, S, W, MT, F)                            \
    FR_INLINE void NAME(const T *in, T *out, fr_intp n) {                       \
        fr_intp i = 0;                                                          \
        for (; i + (NV) * (W) <= n; i += (NV) * (W)) {                        \
            V v[NV];                                                         \
            FR_UNROLL for (int k = 0; k < (NV); k++)                           \
                v[k] = _mm512_loadu_##S(in + i + k * (W));                      \
            F(v, (NV));                                                        \
            FR_UNROLL for (int k = 0; k < (NV); k++)                           \
                _mm512_storeu_##S(out + i + k * (W), v[k]);                     \
        }                                                                       \
        for (; i + (W) <= n; i += (W)) {                                        \
            V v[1] = {_mm512_loadu_##S(in + i)};                                \
            F(v, 1);                                                            \
            _mm512_storeu_##S(out + i, v[0]);                                   \
        }                                                                       \
        if (i < n) {                /* the tail: masked, the same lanes' math */ \
            MT m = (MT)((1u << (n - i)) - 1u);                                  \
            V v[1] = {_mm512_maskz_loadu_##S(m, in + i)};                       \
            F(v, 1);                                                            \
            _mm512_mask_storeu_##S(out + i, m, v[0]);                           \
        }                                                                       \
    }

FR_DEFINE_V512_LOOP(fr_v_f32_sigmoid_fast, FR_NV_SIGMOID, float, __m512, ps, 16, __mmask16, fr_sigmoid512_f32)
FR_DEFINE_V512_LOOP(fr_v_f64_sigmoid_fast, FR_NV_SIGMOID, double, __m512d, pd, 8, __mmask8, fr_sigmoid512_f64)
FR_DEFINE_V512_LOOP(fr_v_f32_silu_fast, FR_NV_SILU, float, __m512, ps, 16, __mmask16, fr_silu512_f32)
FR_DEFINE_V512_LOOP(fr_v_f64_silu_fast, FR_NV_SILU, double, __m512d, pd, 8, __mmask8, fr_silu512_f64)

/* the same kernels by their scalar.h function (kernels.c's FUSED_SIMD rows) */
#define fr_v_of_fr_sigmoid_fast_f32 fr_v_f32_sigmoid_fast
#define fr_v_of_fr_sigmoid_fast_f64 fr_v_f64_sigmoid_fast
#define fr_v_of_fr_silu_fast_f32 fr_v_f32_silu_fast
#define fr_v_of_fr_silu_fast_f64 fr_v_f64_silu_fast

#endif /* FASTRELU_SIGMOID_AVX512F_H */
