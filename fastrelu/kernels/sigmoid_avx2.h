/* fastrelu: the sigmoid family's fast kernels at the avx2 level, in AVX2 +
 * FMA intrinsics (kernels.c includes this file only when it compiles that
 * level).  The method is sigmoid_avx512f.h's (read it first), with what
 * AVX2 lacks done by hand:
 *   - 2^n as 2^(n + K) 2^-K, as scalar.h does it: the rounding constant's
 *     low bits shifted into the exponent field give 2^(n + K), a normal
 *     number, and the product with 2^-K rounds a subnormal result once;
 *   - the clamp z = max(zmin, -|x|) is vmaxps with zmin first, so a NaN z
 *     passes through (it may raise 'invalid' for a NaN lane: AVX2 has no
 *     {sae}; the ufunc loops restore the caller's flags around every kernel);
 *   - selects by the sign of x (vblendvps reads the sign bit): sigmoid(+0)
 *     and sigmoid(-0) are 1/2 either way, silu(+-0) keeps the zero's sign;
 *   - the tail: vmaskmov loads and stores of the same per-lane math.
 * Whole-array kernels fr_v_<row name> with the ABI of kernels.h.
 */
#ifndef FASTRELU_SIGMOID_AVX2_H
#define FASTRELU_SIGMOID_AVX2_H

#include <immintrin.h>
#include "kernels.h"
#include "scalar.h"
#include "exp_poly.h"

#define FR_SIMD_UNARY 1           /* kernels.c: UNARY_SIMD rows call fr_v_<name> */
#define FR_NV 4                   /* the most vectors per loop iteration */
#ifndef FR_NV_SIGMOID             /* per kernel (a -D overrides it, for timing) */
#define FR_NV_SIGMOID 4
#endif
#ifndef FR_NV_SILU
#define FR_NV_SILU 4
#endif

/* V vector type, S ps/pd, I epi32/epi64x, SL the shift, T the C type, C F32/F64 (scalar.h's
 * constants), SH the exponent shift, SIGN the sign bit */
#define FR_DEFINE_SIG256(SUF, V, S, I, SL, T, C, SH, ZMIN, ZMIN_SILU, SIGN, POLY)   \
    FR_INLINE void fr_exp256_##SUF(const V *x, V *s, V *p, V *zc, int nv, T zmin) { \
        const V sign = _mm256_castsi256_##S(_mm256_set1_##I(SIGN));            \
        V n[FR_NV], t[FR_NV];                                                   \
        FR_UNROLL for (int k = 0; k < nv; k++)                                  \
            zc[k] = _mm256_max_##S(_mm256_set1_##S(zmin), _mm256_or_##S(x[k], sign)); \
        FR_UNROLL for (int k = 0; k < nv; k++)                                  \
            s[k] = _mm256_fmadd_##S(zc[k], _mm256_set1_##S(FR_LOG2E_##C),      \
                                    _mm256_set1_##S(FR_MAGIC_##C));             \
        FR_UNROLL for (int k = 0; k < nv; k++)                                  \
            n[k] = _mm256_sub_##S(s[k], _mm256_set1_##S(FR_MAGIC_##C));         \
        FR_UNROLL for (int k = 0; k < nv; k++)                                  \
            t[k] = _mm256_fnmadd_##S(n[k], _mm256_set1_##S(FR_LN2_HI_##C), zc[k]); \
        FR_UNROLL for (int k = 0; k < nv; k++)                                  \
            t[k] = _mm256_fnmadd_##S(n[k], _mm256_set1_##S(FR_LN2_LO_##C), t[k]); \
        POLY(S, t, p, nv)                                                       \
        FR_UNROLL for (int k = 0; k < nv; k++)             /* 2^(n + K) */     \
            s[k] = _mm256_castsi256_##S(SL(_mm256_cast##S##_si256(s[k]), SH)); \
    }                                                                           \
    FR_INLINE void fr_sigmoid256_##SUF(V *x, int nv) {                          \
        V s[FR_NV], p[FR_NV], zc[FR_NV], e[FR_NV], q[FR_NV];                    \
        fr_exp256_##SUF(x, s, p, zc, nv, (ZMIN));                               \
        const V one = _mm256_set1_##S(1.0);                                     \
        FR_UNROLL for (int k = 0; k < nv; k++)                                  \
            e[k] = _mm256_mul_##S(_mm256_mul_##S(p[k], s[k]), _mm256_set1_##S(FR_DOWN_##C)); \
        FR_UNROLL for (int k = 0; k < nv; k++)                                  \
            q[k] = _mm256_div_##S(e[k], _mm256_add_##S(e[k], one));             \
        FR_UNROLL for (int k = 0; k < nv; k++) {                                \
            V f = _mm256_fnmadd_##S(e[k], q[k], e[k]);                          \
            x[k] = _mm256_blendv_##S(_mm256_sub_##S(one, f), f, x[k]);          \
        }                                                                       \
    }                                                                           \
    FR_INLINE void fr_silu256_##SUF(V *x, int nv) {                             \
        V s[FR_NV], p[FR_NV], zc[FR_NV], e[FR_NV], q[FR_NV];                    \
        fr_exp256_##SUF(x, s, p, zc, nv, (ZMIN_SILU));                          \
        const V one = _mm256_set1_##S(1.0);                                     \
        const V sign = _mm256_castsi256_##S(_mm256_set1_##I(SIGN));            \
        FR_UNROLL for (int k = 0; k < nv; k++)                                  \
            e[k] = _mm256_mul_##S(_mm256_mul_##S(p[k], s[k]), _mm256_set1_##S(FR_DOWN_##C)); \
        FR_UNROLL for (int k = 0; k < nv; k++)                                  \
            q[k] = _mm256_div_##S(e[k], _mm256_add_##S(e[k], one));             \
        FR_UNROLL for (int k = 0; k < nv; k++) {                                \
            V d = _mm256_add_##S(e[k], one);                                    \
            V dl = _mm256_sub_##S(e[k], _mm256_sub_##S(d, one));                \
            V c = _mm256_fnmadd_##S(q[k], d, e[k]);                             \
            c = _mm256_fnmadd_##S(q[k], dl, c);                                 \
            c = _mm256_fnmadd_##S(c, q[k], c);                                  \
            V g = _mm256_fmadd_##S(x[k], q[k], _mm256_mul_##S(x[k], c));        \
            g = _mm256_min_##S(_mm256_sub_##S(x[k], g), x[k]);                  \
            V xp = _mm256_mul_##S(zc[k], p[k]);                                 \
            V xl = _mm256_fmsub_##S(zc[k], p[k], xp);                           \
            V m = _mm256_fmadd_##S(xp, c, _mm256_fmsub_##S(xp, q[k], xl));       \
            m = _mm256_mul_##S(_mm256_mul_##S(_mm256_sub_##S(m, xp), s[k]),     \
                               _mm256_set1_##S(FR_DOWN_##C));                   \
            x[k] = _mm256_blendv_##S(g, _mm256_xor_##S(m, sign), x[k]);         \
        }                                                                       \
    }

#define FR_POLY256_F32(S, t, p, nv)                                             \
    FR_UNROLL for (int k = 0; k < nv; k++)                                      \
        p[k] = _mm256_fmadd_ps(_mm256_set1_ps(FR_EXP_F32_C6), t[k], _mm256_set1_ps(FR_EXP_F32_C5)); \
    FR_UNROLL for (int k = 0; k < nv; k++)                                      \
        p[k] = _mm256_fmadd_ps(p[k], t[k], _mm256_set1_ps(FR_EXP_F32_C4));      \
    FR_UNROLL for (int k = 0; k < nv; k++)                                      \
        p[k] = _mm256_fmadd_ps(p[k], t[k], _mm256_set1_ps(FR_EXP_F32_C3));      \
    FR_UNROLL for (int k = 0; k < nv; k++)                                      \
        p[k] = _mm256_fmadd_ps(p[k], t[k], _mm256_set1_ps(FR_EXP_F32_C2));      \
    FR_UNROLL for (int k = 0; k < nv; k++)                                      \
        p[k] = _mm256_fmadd_ps(p[k], t[k], _mm256_set1_ps(1.0f));               \
    FR_UNROLL for (int k = 0; k < nv; k++)                                      \
        p[k] = _mm256_fmadd_ps(p[k], t[k], _mm256_set1_ps(1.0f));
#define FR_POLY256_F64(S, t, p, nv)                                             \
    FR_UNROLL for (int k = 0; k < nv; k++)                                      \
        p[k] = _mm256_fmadd_pd(_mm256_set1_pd(fr_exp_f64_coef[11]), t[k],      \
                               _mm256_set1_pd(fr_exp_f64_coef[10]));            \
    FR_UNROLL for (int j = 9; j >= 0; j--)                                      \
        FR_UNROLL for (int k = 0; k < nv; k++)                                  \
            p[k] = _mm256_fmadd_pd(p[k], t[k], _mm256_set1_pd(fr_exp_f64_coef[j]));

FR_DEFINE_SIG256(f32, __m256, ps, epi32, _mm256_slli_epi32, float, F32, 23, -105.0f, -115.0f, (int)0x80000000,
                 FR_POLY256_F32)
FR_DEFINE_SIG256(f64, __m256d, pd, epi64x, _mm256_slli_epi64, double, F64, 52, -750.0, -760.0,
                 (long long)0x8000000000000000ULL, FR_POLY256_F64)

/* the whole-array loops; IDX the lane numbers, for the tail's mask */
#define FR_DEFINE_V256_LOOP(NAME, NV, T, V, S, W, MASK, F)                          \
    FR_INLINE void NAME(const T *in, T *out, fr_intp n) {                       \
        fr_intp i = 0;                                                          \
        for (; i + (NV) * (W) <= n; i += (NV) * (W)) {                        \
            V v[NV];                                                         \
            FR_UNROLL for (int k = 0; k < (NV); k++)                           \
                v[k] = _mm256_loadu_##S(in + i + k * (W));                      \
            F(v, (NV));                                                        \
            FR_UNROLL for (int k = 0; k < (NV); k++)                           \
                _mm256_storeu_##S(out + i + k * (W), v[k]);                     \
        }                                                                       \
        for (; i + (W) <= n; i += (W)) {                                        \
            V v[1] = {_mm256_loadu_##S(in + i)};                                \
            F(v, 1);                                                            \
            _mm256_storeu_##S(out + i, v[0]);                                   \
        }                                                                       \
        if (i < n) {                /* the tail: masked, the same lanes' math */ \
            __m256i m = MASK(n - i);                                            \
            V v[1] = {_mm256_maskload_##S(in + i, m)};                          \
            F(v, 1);                                                            \
            _mm256_maskstore_##S(out + i, m, v[0]);                             \
        }                                                                       \
    }
#define FR_MASK256_32(r) _mm256_cmpgt_epi32(_mm256_set1_epi32((int)(r)),        \
                                            _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7))
#define FR_MASK256_64(r) _mm256_cmpgt_epi64(_mm256_set1_epi64x((long long)(r)), \
                                            _mm256_setr_epi64x(0, 1, 2, 3))

FR_DEFINE_V256_LOOP(fr_v_f32_sigmoid_fast, FR_NV_SIGMOID, float, __m256, ps, 8, FR_MASK256_32, fr_sigmoid256_f32)
FR_DEFINE_V256_LOOP(fr_v_f64_sigmoid_fast, FR_NV_SIGMOID, double, __m256d, pd, 4, FR_MASK256_64, fr_sigmoid256_f64)
FR_DEFINE_V256_LOOP(fr_v_f32_silu_fast, FR_NV_SILU, float, __m256, ps, 8, FR_MASK256_32, fr_silu256_f32)
FR_DEFINE_V256_LOOP(fr_v_f64_silu_fast, FR_NV_SILU, double, __m256d, pd, 4, FR_MASK256_64, fr_silu256_f64)

/* the same kernels by their scalar.h function (kernels.c's FUSED_SIMD rows) */
#define fr_v_of_fr_sigmoid_fast_f32 fr_v_f32_sigmoid_fast
#define fr_v_of_fr_sigmoid_fast_f64 fr_v_f64_sigmoid_fast
#define fr_v_of_fr_silu_fast_f32 fr_v_f32_silu_fast
#define fr_v_of_fr_silu_fast_f64 fr_v_f64_silu_fast

#endif /* FASTRELU_SIGMOID_AVX2_H */
