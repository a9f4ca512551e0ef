/* fastrelu: the per-element math, written once.
 *
 * The SIMD loops (kernels.c), the C/Cython embedding API and the Numba twin
 * all compute exactly these expressions.  Every function is branch-free
 * (selects, not jumps) so that gcc if-converts and vectorizes the loops that
 * call them.  The build uses -ffp-contract=off: no a*b+c is fused, so the
 * scalar tail, the SSE2 body and the AVX2 body give the same bits.
 *
 * sigmoid(x) for z = -|x| uses e = exp(z) = p(t) * 2^n (Cody-Waite reduction,
 * |t| <= ln2/2) and returns (x > 0 ? 1 : e) / (1 + e).  2^n is applied in two
 * normal steps so that subnormal results are rounded once, not flushed.
 */
#ifndef FASTRELU_SCALAR_H
#define FASTRELU_SCALAR_H

#include <stdint.h>
#include <string.h>
#include <math.h>

#if defined(_MSC_VER)
#define FR_INLINE static __inline
#else
#define FR_INLINE static inline __attribute__((always_inline))
#endif

FR_INLINE float fr_f32_from_bits(uint32_t u) { float f; memcpy(&f, &u, sizeof f); return f; }
FR_INLINE uint32_t fr_bits_f32(float f) { uint32_t u; memcpy(&u, &f, sizeof u); return u; }
FR_INLINE double fr_f64_from_bits(uint64_t u) { double f; memcpy(&f, &u, sizeof f); return f; }
FR_INLINE uint64_t fr_bits_f64(double f) { uint64_t u; memcpy(&u, &f, sizeof u); return u; }

/* Round to the nearest integer by adding 1.5 * 2^(mantissa bits). */
#define FR_MAGIC_F32 0x1.8p23f
#define FR_MAGIC_F64 0x1.8p52

/* 2^k for an integral k in [-126, 127] (float) / [-1022, 1023] (double):
 * the low bits of k + magic hold k; shift k + bias into the exponent field. */
FR_INLINE float fr_pow2i_f32(float k) {
    return fr_f32_from_bits((fr_bits_f32(k + FR_MAGIC_F32) + 127u) << 23);
}
FR_INLINE double fr_pow2i_f64(double k) {
    return fr_f64_from_bits((fr_bits_f64(k + FR_MAGIC_F64) + 1023u) << 52);
}

/* ---- relu ------------------------------------------------------------- */
/* "x <= 0" is false for NaN, so NaN passes through; -0.0 <= 0 maps to +0.0. */
#define FR_RELU(x) ((x) <= 0 ? 0 : (x))
/* grad where y > 0, +0 where y <= 0, y itself (a NaN) where y is NaN. */
#define FR_RELU_BWD(g, y) ((y) > 0 ? (g) : ((y) <= 0 ? 0 : (y)))
/* Left to right, as numpy evaluates grad * y * (1 - y). */
#define FR_SIGMOID_BWD(g, y) (((g) * (y)) * (1 - (y)))

FR_INLINE float fr_relu_f32(float x) { return FR_RELU(x); }
FR_INLINE double fr_relu_f64(double x) { return FR_RELU(x); }
FR_INLINE float fr_relu_bwd_f32(float g, float y) { return FR_RELU_BWD(g, y); }
FR_INLINE double fr_relu_bwd_f64(double g, double y) { return FR_RELU_BWD(g, y); }
FR_INLINE float fr_sigmoid_bwd_f32(float g, float y) { return FR_SIGMOID_BWD(g, y); }
FR_INLINE double fr_sigmoid_bwd_f64(double g, double y) { return FR_SIGMOID_BWD(g, y); }

/* ---- sigmoid, fast, float32 lanes (<= 2 ulp) ---------------------------- */
FR_INLINE float fr_sigmoid_fast_f32(float x) {
    /* ln2 split so that n * LN2_HI is exact for |n| < 2^9. */
    const float LOG2E = 0x1.715476p+0f, LN2_HI = 0x1.62e400p-1f, LN2_LO = 0x1.7f7d1cp-20f;
    float z = -fabsf(x);
    z = z < -105.0f ? -105.0f : z;            /* sigmoid(-105) < 2^-150 rounds to 0; keeps NaN */
    float n = (z * LOG2E + FR_MAGIC_F32) - FR_MAGIC_F32;
    float t = (z - n * LN2_HI) - n * LN2_LO;
    /* exp(t), Taylor to degree 7: truncation < 0.05 ulp on |t| <= 0.35 */
    float p = 0x1.a01a02p-13f;
    p = p * t + 0x1.6c16c2p-10f;
    p = p * t + 0x1.111112p-7f;
    p = p * t + 0x1.555556p-5f;
    p = p * t + 0x1.555556p-3f;
    p = p * t + 0.5f;
    p = p * t + 1.0f;
    p = p * t + 1.0f;
    float n1 = (n * 0.5f + FR_MAGIC_F32) - FR_MAGIC_F32;   /* n = n1 + n2, both >= -76 */
    float e = (p * fr_pow2i_f32(n1)) * fr_pow2i_f32(n - n1);
    return (x > 0.0f ? 1.0f : e) / (1.0f + e);
}

/* ---- sigmoid in float64 lanes, Taylor degree DEG ------------------------
 * DEG 13: truncation < 2^-57 (fast float64, <= 2 ulp).
 * DEG 10: truncation < 2^-42 relative, used for exact float32: the float64
 * result is then within 2^-17 float32 ulp of the true value, so rounding it
 * to float32 is correct but for double-rounding ties. */
#define FR_LOG2E_F64 0x1.71547652b82fep+0
#define FR_LN2_HI_F64 0x1.62e42fee00000p-1   /* n * LN2_HI exact for |n| < 2^21 */
#define FR_LN2_LO_F64 0x1.a39ef35793c76p-33

/* 1/k!, k = 0..14, correctly rounded */
static const double fr_inv_fact_f64[15] = {
    1.0, 1.0, 0x1p-1, 0x1.5555555555555p-3, 0x1.5555555555555p-5,
    0x1.1111111111111p-7, 0x1.6c16c16c16c17p-10, 0x1.a01a01a01a01ap-13,
    0x1.a01a01a01a01ap-16, 0x1.71de3a556c734p-19, 0x1.27e4fb7789f5cp-22,
    0x1.ae64567f544e4p-26, 0x1.1eed8eff8d898p-29, 0x1.6124613a86d09p-33,
    0x1.93974a8c07c9dp-37};

/* sum_{k=lo..hi} t^(k-lo) / k!  (Horner; constant bounds unroll fully) */
FR_INLINE double fr_taylor_exp_tail_f64(double t, int lo, int hi) {
    double p = fr_inv_fact_f64[hi];
    for (int k = hi - 1; k >= lo; k--) p = p * t + fr_inv_fact_f64[k];
    return p;
}

FR_INLINE double fr_sigmoid_f64_deg(double x, int deg) {
    double z = -fabs(x);
    z = z < -750.0 ? -750.0 : z;              /* sigmoid(-750) < 2^-1075 rounds to 0 */
    double n = (z * FR_LOG2E_F64 + FR_MAGIC_F64) - FR_MAGIC_F64;
    double t = (z - n * FR_LN2_HI_F64) - n * FR_LN2_LO_F64;
    double p = fr_taylor_exp_tail_f64(t, 0, deg);
    double n1 = (n * 0.5 + FR_MAGIC_F64) - FR_MAGIC_F64;   /* both halves >= -542 */
    double e = (p * fr_pow2i_f64(n1)) * fr_pow2i_f64(n - n1);
    return (x > 0.0 ? 1.0 : e) / (1.0 + e);
}

FR_INLINE double fr_sigmoid_fast_f64(double x) { return fr_sigmoid_f64_deg(x, 13); }
FR_INLINE float fr_sigmoid_exact_f32(float x) { return (float)fr_sigmoid_f64_deg((double)x, 10); }

/* ---- sigmoid, exact, float64 (<= 1 ulp): double-double ------------------ */
/* Error-free transformations; exact because contraction is off. */
#define FR_TWO_SUM(a, b, s, e) do { double s_ = (a) + (b), bb_ = s_ - (a); \
    (e) = ((a) - (s_ - bb_)) + ((b) - bb_); (s) = s_; } while (0)
#define FR_FAST_TWO_SUM(a, b, s, e) do { double s_ = (a) + (b); \
    (e) = (b) - (s_ - (a)); (s) = s_; } while (0)
FR_INLINE void fr_split_f64(double a, double *hi, double *lo) {
    double c = 134217729.0 * a;                /* 2^27 + 1 (Veltkamp) */
    *hi = c - (c - a);
    *lo = a - *hi;
}
FR_INLINE void fr_two_prod_f64(double a, double b, double *p, double *e) {
    double ah, al, bh, bl;
    *p = a * b;
    fr_split_f64(a, &ah, &al);
    fr_split_f64(b, &bh, &bl);
    *e = ((ah * bh - *p) + ah * bl + al * bh) + al * bl;
}

FR_INLINE double fr_sigmoid_exact_f64(double x) {
    double z = -fabs(x);
    z = z < -750.0 ? -750.0 : z;
    double n = (z * FR_LOG2E_F64 + FR_MAGIC_F64) - FR_MAGIC_F64;
    /* t = z - n ln2 as th + tl; z - n*LN2_HI is exact */
    double a = z - n * FR_LN2_HI_F64, b = n * FR_LN2_LO_F64;
    double th = a - b, tl = (a - th) - b;
    /* exp(t) = 1 + th + th^2/2 + th^3 q(th) + tl exp(th), as Eh + El */
    double q3 = fr_taylor_exp_tail_f64(th, 3, 14);
    double sqh, sql, sh, sl, uh, ul, Eh, El;
    fr_two_prod_f64(th, th, &sqh, &sql);
    FR_TWO_SUM(1.0, th, sh, sl);
    FR_TWO_SUM(sh, 0.5 * sqh, uh, ul);
    double lo = ul + sl + 0.5 * sql + (sqh * th) * q3 + tl * sh;
    FR_FAST_TWO_SUM(uh, lo, Eh, El);
    /* e = E 2^n; D = 1 + e (e <= 1) */
    double n1 = (n * 0.5 + FR_MAGIC_F64) - FR_MAGIC_F64;
    double s1 = fr_pow2i_f64(n1), s2 = fr_pow2i_f64(n - n1);
    double eh = (Eh * s1) * s2, el = (El * s1) * s2;
    double Dh, Dl;
    FR_FAST_TWO_SUM(1.0, eh, Dh, Dl);
    Dl += el;
    /* Q = N / D with N = 1 (x > 0) or E (x <= 0, scaled by 2^n at the end) */
    int pos = x > 0.0;
    double Nh = pos ? 1.0 : Eh, Nl = pos ? 0.0 : El;
    double inv = 1.0 / Dh, q0 = Nh * inv, ph, pl;
    fr_two_prod_f64(q0, Dh, &ph, &pl);
    double r = (((Nh - ph) - pl) + Nl) - q0 * Dl;
    double Q = q0 + r * inv;
    return pos ? Q : (Q * s1) * s2;
}

#endif /* FASTRELU_SCALAR_H */
