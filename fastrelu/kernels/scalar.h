/* fastrelu: the per-element math, written once.
 *
 * The SIMD loops (kernels.c), the C/Cython embedding API and the Numba twin
 * all compute exactly these expressions.  Every function is branch-free
 * (selects, not jumps) so that gcc if-converts and vectorizes the loops that
 * call them (-fno-thread-jumps keeps gcc from copying a division into both
 * arms of a select).  The build uses -ffp-contract=off, so the compiler never
 * fuses a*b+c on its own: the scalar tail computes what the vector body does.
 * Fast-mode sigmoid fuses explicitly (fr_ma) where the ISA level has FMA;
 * exact mode never does, so it gives the same bits on every level.
 *
 * sigmoid(x), z = -|x| (fast mode and exact float64; exact float32 has its
 * own base-2 form below): e = exp(z) = p(t) 2^n with n = round(z / ln2),
 * t = z - n ln2 (Cody-Waite, two constants), then (x > 0 ? 1 : e) / (1 + e).
 * 2^n is applied as 2^(n + K) (a normal number built from the bits of the
 * rounding constant) times the constant 2^-K, so a subnormal e is rounded
 * once, not flushed.
 */
#ifndef FASTRELU_SCALAR_H
#define FASTRELU_SCALAR_H

#include <stdint.h>
#include <string.h>
#include <math.h>

#if defined(_MSC_VER)
#define FR_INLINE static __inline
#define FR_UNROLL
#else
#define FR_INLINE static inline __attribute__((always_inline))
#define FR_UNROLL _Pragma("GCC unroll 16")
#endif

FR_INLINE float fr_f32_from_bits(uint32_t u) { float f; memcpy(&f, &u, sizeof f); return f; }
FR_INLINE uint32_t fr_bits_f32(float f) { uint32_t u; memcpy(&u, &f, sizeof u); return u; }
FR_INLINE double fr_f64_from_bits(uint64_t u) { double f; memcpy(&f, &u, sizeof f); return f; }
FR_INLINE uint64_t fr_bits_f64(double f) { uint64_t u; memcpy(&u, &f, sizeof u); return u; }

/* a*b + c: one rounding where the ISA level has FMA (fast mode only), two elsewhere. */
#define FR_MA_PLAIN(a, b, c) ((a) * (b) + (c))
#if defined(__FMA__) || defined(__AVX512F__)
#define FR_MA_F32(a, b, c) fmaf(a, b, c)
#define FR_MA_F64(a, b, c) fma(a, b, c)
#else
#define FR_MA_F32 FR_MA_PLAIN
#define FR_MA_F64 FR_MA_PLAIN
#endif

/* Range reduction constants.  z * log2e + MAGIC rounds to n + MAGIC (MAGIC is
 * 1.5 * 2^mantissa_bits plus the exponent bias plus K), so the low bits of
 * its representation are n + K + bias: shifted into the exponent field they
 * give 2^(n + K).  K = 64 (float, n >= -190), 600 (double, n >= -1622). */
#define FR_LOG2E_F32 0x1.715476p+0f
#define FR_MAGIC_F32 (0x1.8p23f + 191.0f)
#define FR_DOWN_F32 0x1p-64f
#define FR_LN2_HI_F32 0x1.62e400p-1f         /* n * LN2_HI exact for |n| < 2^9 */
#define FR_LN2_LO_F32 0x1.7f7d1cp-20f
#define FR_LOG2E_F64 0x1.71547652b82fep+0
#define FR_MAGIC_F64 (0x1.8p52 + 1623.0)
#define FR_DOWN_F64 0x1p-600
#define FR_LN2_HI_F64 0x1.62e42fee00000p-1   /* n * LN2_HI exact for |n| < 2^21 */
#define FR_LN2_LO_F64 0x1.a39ef35793c76p-33

FR_INLINE float fr_scale_F32(float nm) { return fr_f32_from_bits(fr_bits_f32(nm) << 23); }
FR_INLINE double fr_scale_F64(double nm) { return fr_f64_from_bits(fr_bits_f64(nm) << 52); }

/* 1/k!, k = 0..14, correctly rounded */
static const double fr_inv_fact_f64[15] = {
    1.0, 1.0, 0x1p-1, 0x1.5555555555555p-3, 0x1.5555555555555p-5,
    0x1.1111111111111p-7, 0x1.6c16c16c16c17p-10, 0x1.a01a01a01a01ap-13,
    0x1.a01a01a01a01ap-16, 0x1.71de3a556c734p-19, 0x1.27e4fb7789f5cp-22,
    0x1.ae64567f544e4p-26, 0x1.1eed8eff8d898p-29, 0x1.6124613a86d09p-33,
    0x1.93974a8c07c9dp-37};

/* sum_{k=lo..hi} t^(k-lo) / k!  (Horner, fused or not; constant arguments
 * unroll and fold fully) */
FR_INLINE double fr_taylor_tail_f64(double t, int lo, int hi, int fused) {
    double p = fr_inv_fact_f64[hi];
    FR_UNROLL
    for (int k = hi - 1; k >= lo; k--) p = fused ? FR_MA_F64(p, t, fr_inv_fact_f64[k]) : p * t + fr_inv_fact_f64[k];
    return p;
}

#define FR_SCAT_(a, b) a##b
#define FR_SCAT(a, b) FR_SCAT_(a, b)
#if defined(__FMA__) || defined(__AVX512F__)
#define FR_HAVE_FMA 1
#else
#define FR_HAVE_FMA 0
#endif

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

/* ---- sigmoid, silu, softplus, log_sigmoid, fast (<= 2 ulp) -------------
 * exp_family.h, once per variant: f32 and f64 (fast mode: FMA where the
 * level has it), f64x (float64 without FMA, for the exact float32 ops
 * computed through float64: the same bits on every level). */
/* h(t): Taylor to t^7 (float32), t^13 (float64): truncation < 0.05 ulp on |t| <= 0.35 */
FR_INLINE float fr_expm1_tail_f32(float t) {
    float h = 0x1.a01a02p-13f;
    h = FR_MA_F32(h, t, 0x1.6c16c2p-10f);
    h = FR_MA_F32(h, t, 0x1.111112p-7f);
    h = FR_MA_F32(h, t, 0x1.555556p-5f);
    h = FR_MA_F32(h, t, 0x1.555556p-3f);
    return FR_MA_F32(h, t, 0.5f);
}
FR_INLINE double fr_expm1_tail_f64(double t) { return fr_taylor_tail_f64(t, 2, 13, FR_HAVE_FMA); }
FR_INLINE double fr_expm1_tail_f64x(double t) { return fr_taylor_tail_f64(t, 2, 13, 0); }

/* 2 / (2k + 1), k = 1..12: the atanh series of log1p */
static const double fr_atanh_coef_f64[12] = {
    0x1.5555555555555p-1, 0x1.999999999999ap-2, 0x1.2492492492492p-2,
    0x1.c71c71c71c71cp-3, 0x1.745d1745d1746p-3, 0x1.3b13b13b13b14p-3,
    0x1.1111111111111p-3, 0x1.e1e1e1e1e1e1ep-4, 0x1.af286bca1af28p-4,
    0x1.8618618618618p-4, 0x1.642c8590b2164p-4, 0x1.47ae147ae147bp-4};

/* sigmoid(-105f) < 2^-150 and sigmoid(-750) < 2^-1075 round to 0; so do
 * 115 e^-115 (float32) and 760 e^-760 (float64) for silu */
#define FR_ZMIN_F32 -105.0f
#define FR_ZMIN_SILU_F32 -115.0f
#define FR_ZMIN_F64 -750.0
#define FR_ZMIN_SILU_F64 -760.0
#define FR_LOG1P_TERMS_F32 6                 /* |s| <= 0.2: 6 terms, 12 for float64 */
#define FR_LOG1P_TERMS_F64 12
#define FR_SPLIT_F32 4097.0f                 /* Veltkamp-Dekker: 2^12 + 1, 2^27 + 1 */
#define FR_SPLIT_F64 134217729.0

#define FR_T float
#define FR_SUF f32
#define FR_S F32
#define FR_FUSED FR_HAVE_FMA
#define FR_H fr_expm1_tail_f32
#define FR_ABS fabsf
#define FR_ZMIN FR_ZMIN_F32
#define FR_ZMIN_SILU FR_ZMIN_SILU_F32
#define FR_LOG1P_TERMS FR_LOG1P_TERMS_F32
#include "exp_family.h"

#define FR_T double
#define FR_SUF f64
#define FR_S F64
#define FR_FUSED FR_HAVE_FMA
#define FR_H fr_expm1_tail_f64
#define FR_ABS fabs
#define FR_ZMIN FR_ZMIN_F64
#define FR_ZMIN_SILU FR_ZMIN_SILU_F64
#define FR_LOG1P_TERMS FR_LOG1P_TERMS_F64
#include "exp_family.h"

#define FR_T double
#define FR_SUF f64x
#define FR_S F64
#define FR_FUSED 0
#define FR_H fr_expm1_tail_f64x
#define FR_ABS fabs
#define FR_ZMIN FR_ZMIN_F64
#define FR_ZMIN_SILU FR_ZMIN_SILU_F64
#define FR_LOG1P_TERMS FR_LOG1P_TERMS_F64
#include "exp_family.h"

/* ---- sigmoid, exact, float32: the fast float64 evaluation -------------
 * Base-2 reduction a = z log2e (one rounding, 2^-45 absolute), n = round(a),
 * u = a - n exactly; 2^u = P(u)/P(-u), Pade [4/4] (2^-38 relative on
 * |u| <= 1/2), whose denominator folds into sigmoid's: one division,
 * (x > 0 ? Q : P 2^n) / (Q + P 2^n), within 2^-37.5 relative in all.  2^n >=
 * 2^-152 is a normal double, so a subnormal float32 result is rounded once.
 * Correctly rounded by fr_sigmoid_exact_f32 below (rounding test, slow path). */
#define FR_MAGIC2_F64 (0x1.8p52 + 1023.0)
FR_INLINE double fr_sigmoid_exact_guess_f32(float xf) {
    float zf = -fabsf(xf);
    zf = zf < -105.0f ? -105.0f : zf;              /* keeps NaN */
    double a = (double)zf * FR_LOG2E_F64;
    double nm = a + FR_MAGIC2_F64;
    double u = a - (nm - FR_MAGIC2_F64);
    double u2 = u * u;
    double E = (0x1.20270db2dfe99p-13 * u2 + 0x1.a5b352426f27ap-5) * u2 + 1.0;
    double O = (0x1.03d299f705bdbp-8 * u2 + 0x1.62e42fefa39efp-2) * u;
    double P = E + O, Q = E - O;
    double e = P * fr_scale_F64(nm);
    return (xf > 0.0f ? Q : e) / (Q + e);
}

/* ---- sigmoid, exact, float64 (<= 1 ulp): double-double ------------------ */
/* Error-free transformations; exact because contraction is off. */
FR_INLINE void fr_two_sum_f64(double a, double b, double *s, double *e) {
    double s_ = a + b, bb = s_ - a;
    *e = (a - (s_ - bb)) + (b - bb);
    *s = s_;
}
FR_INLINE void fr_fast_two_sum_f64(double a, double b, double *s, double *e) {   /* |a| >= |b| */
    double s_ = a + b;
    *e = b - (s_ - a);
    *s = s_;
}
FR_INLINE void fr_two_prod_f64(double a, double b, double *p, double *e) {
    *p = a * b;
    *e = fr_prod_err_f64x(a, b, *p);
}

/* exp(z), z in [-760, 0], as (Eh + El) s 2^-600: Eh + El = exp(t) within
 * ~2^-57 relative (2^-57.7 measured over z in [-750, 0]: the roundings of
 * lo's terms, t^15/15! beyond them), s = 2^(n + 600). */
FR_INLINE void fr_exp_dd_f64(double z, double *Eh, double *El, double *s) {
    double nm = z * FR_LOG2E_F64 + FR_MAGIC_F64, n = nm - FR_MAGIC_F64;
    /* t = z - n ln2 as th + tl; z - n*LN2_HI is exact */
    double a = z - n * FR_LN2_HI_F64, b = n * FR_LN2_LO_F64;
    double th = a - b, tl = (a - th) - b;
    /* exp(t) = 1 + th + th^2/2 + th^3 q(th) + tl exp(th), as Eh + El */
    double q3 = fr_taylor_tail_f64(th, 3, 14, 0);
    double sqh, sql, sh, sl, uh, ul;
    fr_two_prod_f64(th, th, &sqh, &sql);
    fr_two_sum_f64(1.0, th, &sh, &sl);
    fr_two_sum_f64(sh, 0.5 * sqh, &uh, &ul);
    double lo = ul + sl + 0.5 * sql + (sqh * th) * q3 + tl * sh;
    fr_fast_two_sum_f64(uh, lo, &*Eh, &*El);
    *s = fr_scale_F64(nm);
}

/* e = e^-|x| (-|x| clamped at zmin, NaN kept) in double-double: (Eh + El) s
 * 2^-600, scaled: eh + el, and D = 1 + e as Dh + Dl */
typedef struct {
    double Eh, El, s, eh, el, Dh, Dl;
} fr_exp_neg_abs_dd;
FR_INLINE fr_exp_neg_abs_dd fr_exp_neg_abs_dd_f64(double x, double zmin) {
    fr_exp_neg_abs_dd r;
    double z = -fabs(x);
    z = z < zmin ? zmin : z;
    fr_exp_dd_f64(z, &r.Eh, &r.El, &r.s);
    r.eh = (r.Eh * r.s) * FR_DOWN_F64;
    r.el = (r.El * r.s) * FR_DOWN_F64;
    fr_fast_two_sum_f64(1.0, r.eh, &r.Dh, &r.Dl);
    r.Dl += r.el;
    return r;
}

/* sigmoid(x) = (qh + ql) (x > 0 ? 1 : s 2^-600), qh + ql within ~2^-56 */
FR_INLINE void fr_sigmoid_dd_f64(double x, double zmin, double *qh, double *ql, double *s) {
    fr_exp_neg_abs_dd E = fr_exp_neg_abs_dd_f64(x, zmin);
    double Eh = E.Eh, El = E.El, Dh = E.Dh, Dl = E.Dl;
    *s = E.s;
    /* Q = N / D with N = 1 (x > 0) or E (x <= 0, scaled by 2^n at the end) */
    int pos = x > 0.0;
    double Nh = pos ? 1.0 : Eh, Nl = pos ? 0.0 : El;
    double inv = 1.0 / Dh, q0 = Nh * inv, ph, pl;
    fr_two_prod_f64(q0, Dh, &ph, &pl);
    double r = (((Nh - ph) - pl) + Nl) - q0 * Dl;
    *qh = q0;
    *ql = r * inv;
}

FR_INLINE double fr_sigmoid_exact_f64(double x) {
    double qh, ql, s;
    fr_sigmoid_dd_f64(x, -750.0, &qh, &ql, &s);
    double Q = qh + ql;
    return x > 0.0 ? Q : (Q * s) * FR_DOWN_F64;
}

/* ---- silu = x sigmoid(x) ------------------------------------------------
 * fast: the sigmoid template with x folded into the numerator (above).
 * exact float64: x (qh + ql) as a two-product, rounded once (then scaled:
 * a subnormal result may round twice, < 1 ulp). */
/* silu(x) = h + l (x > 0) or (h + l) s 2^-600 (x <= 0), |l| <= ~ulp(h) */
FR_INLINE void fr_silu_dd_f64(double x, double *h, double *l, double *s) {
    double qh, ql, ph, pl;
    fr_sigmoid_dd_f64(x, -760.0, &qh, &ql, s);
    fr_two_prod_f64(x, qh, &ph, &pl);
    *h = ph;
    *l = pl + x * ql;
}
FR_INLINE double fr_silu_exact_f64(double x) {
    double h, l, s;
    fr_silu_dd_f64(x, &h, &l, &s);
    double v = h + l;
    double r = x > 0.0 ? v : (v * s) * FR_DOWN_F64;
    r = r == 0.0 ? 0.0 * x : r;                    /* a zero keeps x's sign: silu(-0) = -0 */
    return x < -760.0 ? -0.0 : (x > 760.0 ? x : r);
}
/* For tiny x, silu(x) = x/2 + x^2/4 (gelu: x/2 + x^2/sqrt(2 pi)) is x/2 in float64: a float32 (or float16,
 * bfloat16) midpoint once x/2 is subnormal there.  One float64 ulp toward the
 * true side (magnitude up for x > 0, down for x < 0) breaks the tie before
 * the narrowing; for the float64 result itself it is not applied. */
FR_INLINE double fr_half_tie_f64(double x, double r) {
    int64_t nudge = x != 0.0 && fabs(x) < 0x1p-60 ? (x > 0.0 ? 1 : -1) : 0;
    return fr_f64_from_bits(fr_bits_f64(r) + (uint64_t)nudge);
}

/* silu'(x) = s (1 + x c), s = sigmoid(x), c = sigmoid(-x); the limits 1 at
 * +inf and -0 at -inf written out (x c and s x would be inf * 0 there). */
#define FR_DSILU(T, x, s, c)                                                   \
    ((x) > (T)760 ? (T)1 : ((x) < (T)-760 ? (T)-0.0 : (s) * ((T)1 + (x) * (c))))
/* float32 in float64 (sigmoid(x) of a float32 x can be subnormal in float32,
 * never in float64): fast mode rounds this value, exact mode tests it against
 * eps (fr_silu_bwd_exact_f32_try).  exp as Taylor to t^10 (2^-42 relative)
 * and one reciprocal for both s and c, no error terms; no FMA (same bits on
 * every level).  Near silu's minimum (x = -1.2785) 1 + x c cancels: the
 * float32 x nearest it lies ~2^-26 from it, so c's rounding (2^-52) costs up
 * to 2^-26 relative there, a quarter ulp; eps says so. */
FR_INLINE double fr_silu_bwd_wide_f32(float gf, float xf, double *eps) {
    double x = xf, z = -fabs(x);
    z = z < -700.0 ? -700.0 : z;                    /* keeps NaN */
    double t, nm = fr_reduce_f64x(z, &t);
    double e = (fr_taylor_tail_f64(t, 0, 10, 0) * fr_scale_F64(nm)) * FR_DOWN_F64;
    double r = 1.0 / (1.0 + e);
    int pos = x > 0.0;
    double s = pos ? r : e * r, c = pos ? e * r : r;
    /* exact mode's error bound: 2^-42 (exp) and 2^-51 of x c amplified by
     * the cancellation in 1 + x c, each with a margin of 4 */
    *eps = 0x1p-40 + 0x1p-49 * fabs(x * c / (1.0 + x * c));
    return (double)gf * FR_DSILU(double, x, s, c);
}
FR_INLINE float fr_silu_bwd_f32(float gf, float xf) {
    double eps;
    return (float)fr_silu_bwd_wide_f32(gf, xf, &eps);
}

/* float64: silu'(x) as a double-double, times g rounded once.  s (1 + x c)
 * in doubles cancels around silu's minimum x0 = -1.27846 (46 ulp off at x =
 * -1.27, 10^14 at the double nearest x0), so with e = e^-|x|:
 *   x > 0:   (1 + e (1 + x)) / (1 + e)^2    (no cancellation),
 *   x <= 0:  E T / (1 + e)^2 2^n, T = (1 + x) + e, e = E 2^n
 * (1 + x exact), e from fr_exp_dd_f64 (2^-57.7) and every rounding carried;
 * (1 + x) + e cancels less the farther x is from x0: beyond 2^-3, T is
 * within 2^-56.8 relative.  Nearer, silu'(x) = t (A1 + t (A2 + t Q(t))), t =
 * x - x0 (x0 in three parts, x - X0_HI exact), silu''s Taylor series at x0
 * to t^15 (tools/zero_series.py; the next term is 2^-68.5 relative at 2^-3),
 * A1, A2 and t A2 exact.  The two-products: FMA in fast mode where the
 * level has it, Dekker's in exact mode (whose error of a product in the
 * subnormals is not exact, so exact mode never fuses: the same bits on every
 * level).  The pair times g as a two-product, rounded once: ~0.52 ulp where
 * silu' is a normal double (x > -708; below, g times silu' rounded to a
 * double: 0 below -745, whatever g).  Limits as FR_DSILU's: 1 above 760, -0
 * below -760. */
#define FR_DSILU_X0_HI -0x1.474973c84120bp+0
#define FR_DSILU_X0_MID -0x1.f8d74bc9ac154p-54
#define FR_DSILU_X0_LO -0x1.44a50180ba780p-108
#define FR_DSILU_A1_HI 0x1.be1410460527fp-3   /* silu''(x0) */
#define FR_DSILU_A1_LO -0x1.2541062177473p-58
#define FR_DSILU_A2_HI 0x1.2c563458cc0adp-3   /* silu'''(x0) / 2 */
#define FR_DSILU_A2_LO -0x1.ae4095936c303p-57
#define FR_DSILU_NEAR 0x1p-3
/* silu^(k+1)(x0) / k!, k = 3..15 */
static const double fr_dsilu_x0_taylor[13] = {
    0x1.353eb573ca457p-6, -0x1.f2d0e32bc2994p-7, -0x1.b0f82c498fd2fp-8,
    0x1.098e92b8f076dp-13, 0x1.a2a7caf0ee747p-11, 0x1.8574d136d4cb4p-13,
    -0x1.57238dca12615p-15, -0x1.f2d8976600f6fp-16, -0x1.8af40fd30a2bcp-19,
    0x1.3ae0f751df483p-19, 0x1.cdb14ef8f6491p-21, -0x1.061994e63271cp-25,
    -0x1.8dffda8a766aap-24};
/* a b = p + e exactly: fast by one FMA where the level has it, else Dekker's */
FR_INLINE void fr_two_prod_mode_f64(int fast, double a, double b, double *p, double *e) {
    *p = a * b;
    *e = fast ? fr_prod_err_f64(a, b, *p) : fr_prod_err_f64x(a, b, *p);
}
/* g (h + l) rounded once, g h as a two-product (the backward ops' last step).
 * g is scaled by 2^-64 from 2^995 (Dekker's split of g would overflow) and,
 * where up, by 2^64 when g h leaves the normals (the error terms lose bits
 * below 2^-969; from |g| = 2^900 such a product is g 0, where g 2^64 could
 * overflow to a NaN), the result back: exactly, or to inf, or rounded once
 * more if it is subnormal.  Past 2^1000 (g = inf: inf - inf in the error
 * term) and where the sum is zero (-0 + 0 would lose its sign), g h stands
 * alone. */
FR_INLINE double fr_mul_pair_f64(double g, double h, double l, int fast, int up) {
    int small = up && fabs(g) < 0x1p900 && fabs(g * h) < 0x1p-969;
    double k = fabs(g) >= 0x1p995 ? 0x1p-64 : (small ? 0x1p64 : 1.0);
    double gk = g * k, yh, yl;
    fr_two_prod_mode_f64(fast, gk, h, &yh, &yl);
    double v = yh + (yl + gk * l);
    v = fabs(yh) <= 0x1p1000 && v != 0.0 ? v : yh;
    return k == 1.0 ? v : (k < 1.0 ? v * 0x1p64 : v * 0x1p-64);
}
/* A derivative next to its zero x0, where the op's formula cancels: its
 * Taylor series there, f(x0 + t) = t (A1 + t (A2 + t Q(t))), t = x - x0 as
 * a pair (x0 in three doubles; x - x0[0] exact by Sterbenz), A1, A2 and t A2
 * exact, Q's coefficients q[0..nq) (t^3 on) from tools/zero_series.py; as
 * uh + ul, within ~2^-56 where |t| < near = 2^-3 (A2 t under 12% of A1) */
typedef struct {
    double x0[3], a1[2], a2[2];
    const double *q;
    int nq;
    double near;
} fr_zero_series;
/* whether x is inside the series' window */
FR_INLINE int fr_zero_series_near(const fr_zero_series *z, double x) {
    return fabs(x - z->x0[0]) < z->near;
}
FR_INLINE void fr_zero_series_f64(const fr_zero_series *z, double x, int fast, double *uh,
                                  double *ul) {
    double th, tl, Gh, Gl, ph, pl, Q = 0.0;        /* 0 th + c: the top coefficient */
    fr_two_sum_f64(x - z->x0[0], -z->x0[1], &th, &tl);
    tl -= z->x0[2];
    FR_UNROLL
    for (int k = z->nq; k-- > 0;)
        Q = Q * th + z->q[k];
    fr_two_prod_mode_f64(fast, th, z->a2[0], &ph, &pl);
    fr_fast_two_sum_f64(z->a1[0], ph, &Gh, &Gl);
    Gl += z->a1[1] + (pl + th * (z->a2[1] + th * Q));
    fr_two_prod_mode_f64(fast, th, Gh, uh, ul);
    *ul += th * Gl + tl * Gh;
}
static const fr_zero_series fr_dsilu_series = {
    {FR_DSILU_X0_HI, FR_DSILU_X0_MID, FR_DSILU_X0_LO}, {FR_DSILU_A1_HI, FR_DSILU_A1_LO},
    {FR_DSILU_A2_HI, FR_DSILU_A2_LO}, fr_dsilu_x0_taylor,
    (int)(sizeof fr_dsilu_x0_taylor / sizeof(double)), FR_DSILU_NEAR};
/* gelu'(x) = Phi(x) + x phi(x) next to its zero x0 = -0.75179
 * (python tools/zero_series.py --op gelu_backward; the next term is 2^-73
 * relative at 2^-3) */
#define FR_DGELU_X0_HI -0x1.80ead197f00b4p-1
#define FR_DGELU_X0_MID 0x1.13e74c58cada8p-56
#define FR_DGELU_X0_LO 0x1.65d4b5b9cdd03p-111
#define FR_DGELU_A1_HI 0x1.b9d98fa5a3215p-2
#define FR_DGELU_A1_LO 0x1.f7c1a23190c7cp-56
#define FR_DGELU_A2_HI 0x1.8d9a941de3ac5p-2
#define FR_DGELU_A2_LO 0x1.aea2e6afd7fdbp-56
#define FR_DGELU_NEAR 0x1p-3
/* gelu^(k+1)(x0) / k!, k = 3..15 */
static const double fr_dgelu_x0_taylor[13] = {
    -0x1.2a2ef9bb865aep-6, -0x1.d2fa4c17c7e84p-4, -0x1.e4088244f901dp-7,
    0x1.3e346def42057p-6, 0x1.297b9d6ffaacdp-8, -0x1.258a6d85633afp-9,
    -0x1.8680f74e6b6bap-11, 0x1.86c863b66083cp-13, 0x1.69610924deba8p-14,
    -0x1.784acad4b941ep-17, -0x1.03fec69bdd554p-17, 0x1.d0c38b7a117ccp-22,
    0x1.322a347f1968bp-21};
static const fr_zero_series fr_dgelu_series = {
    {FR_DGELU_X0_HI, FR_DGELU_X0_MID, FR_DGELU_X0_LO}, {FR_DGELU_A1_HI, FR_DGELU_A1_LO},
    {FR_DGELU_A2_HI, FR_DGELU_A2_LO}, fr_dgelu_x0_taylor,
    (int)(sizeof fr_dgelu_x0_taylor / sizeof(double)), FR_DGELU_NEAR};
FR_INLINE void fr_dsilu_dd_f64(double x, int fast, double *fh, double *fl) {
    fr_exp_neg_abs_dd E = fr_exp_neg_abs_dd_f64(x, -760.0);
    double Eh = E.Eh, El = E.El, sc = E.s, eh = E.eh, el = E.el, Dh = E.Dh, Dl = E.Dl;
    double Ah, Al, Nh, Nl, Th, Tl, Ph, Pl, Sh, Sl;
    fr_two_sum_f64(1.0, x, &Ah, &Al);              /* 1 + x */
    int pos = x > 0.0;
    /* x > 0: N = 1 + e A (e A <= 1); x <= 0: N = E T, T = A + e */
    fr_two_sum_f64(Ah, eh, &Th, &Tl);
    Tl += Al + el;
    double m = pos ? eh : Eh, mh = pos ? Ah : Th, ml = pos ? Al : Tl, mel = pos ? el : El;
    fr_two_prod_mode_f64(fast, m, mh, &Ph, &Pl);
    Pl += m * ml + mel * mh;
    if (pos) {
        fr_fast_two_sum_f64(1.0, Ph, &Nh, &Nl);
        Nl += Pl;
    } else {
        Nh = Ph;
        Nl = Pl;
    }
    fr_two_prod_mode_f64(fast, Dh, Dh, &Sh, &Sl);   /* S = D^2 */
    Sl += 2.0 * Dh * Dl;
    double inv = 1.0 / Sh, q = Nh * inv, qh, ql;   /* N / S */
    fr_two_prod_mode_f64(fast, q, Sh, &qh, &ql);
    double r = (((Nh - qh) - ql) + Nl - q * Sl) * inv;
    double h = pos ? q : (q * sc) * FR_DOWN_F64, l = pos ? r : (r * sc) * FR_DOWN_F64;
    double uh, ul;                                 /* within 2^-3 of x0: the series */
    fr_zero_series_f64(&fr_dsilu_series, x, fast, &uh, &ul);
    int near = fr_zero_series_near(&fr_dsilu_series, x);
    h = near ? uh : h;
    l = near ? ul : l;
    /* silu' below the normals (x < -708) is the double it rounds to, as the
     * README's semantics say (underflowing to +-0 below -745, as in torch) */
    double hn, ln;                                 /* h: silu' rounded; a zero keeps its sign */
    fr_fast_two_sum_f64(h, l, &hn, &ln);
    l = hn == 0.0 ? 0.0 : ln;
    h = hn == 0.0 ? h : hn;
    *fh = x > 760.0 ? 1.0 : (x < -760.0 ? -0.0 : h);
    *fl = x > 760.0 || x < -760.0 || fabs(h) < 0x1p-1022 ? 0.0 : l;
}
FR_INLINE double fr_silu_bwd_dd_f64(double g, double x, int fast) {
    double fh, fl;
    fr_dsilu_dd_f64(x, fast, &fh, &fl);
    return fr_mul_pair_f64(g, fh, fl, fast, 1);
}

FR_INLINE double fr_silu_bwd_fast_f64(double g, double x) {
    return fr_silu_bwd_dd_f64(g, x, 1);
}
FR_INLINE double fr_silu_bwd_exact_f64(double g, double x) { return fr_silu_bwd_dd_f64(g, x, 0); }

/* ---- softplus = log(1 + e^x) = max(x, 0) + log1p(e^-|x|) -----------------
 * log_sigmoid(x) = -softplus(-x); fast: exp_family.h's fr_softplus_fast_*. */

/* exact float64: L = log1p(e) as Lh + Ll to ~2^-56: one Newton step on the
 * fast value y0, L = y0 + ((1 + e) e^-y0 - 1), in double-double; below
 * e = 2^-20 the series e - e^2/2 + e^3/3 instead (the step's absolute error
 * would swamp a tiny L).  No FMA: the same bits on every ISA level. */
FR_INLINE void fr_softplus_dd_f64(double x, double *h, double *l) {
    fr_exp_neg_abs_dd E = fr_exp_neg_abs_dd_f64(x, -750.0);
    double e = E.eh, el = E.el, d = E.Dh, dl = E.Dl;
    double y0 = fr_log1p_small_f64x(e, el);
    double Fh, Fl, t;
    fr_exp_dd_f64(-y0, &Fh, &Fl, &t);          /* y0 in [0, ln2]: 2^n = t 2^-600 is 1 or 1/2 */
    double sc = t * FR_DOWN_F64;
    Fh *= sc;
    Fl *= sc;
    double ph, pl;
    fr_two_prod_f64(d, Fh, &ph, &pl);
    double r = (ph - 1.0) + ((pl + d * Fl) + dl * Fh);
    int small = e < 0x1p-20;
    double Lh = small ? e : y0;
    double Ll = small ? el - 0.5 * (e * e) + (e * e) * (e * 0x1.5555555555555p-2) : r;
    double A = x > 0.0 ? x : 0.0, S, Sl;
    fr_two_sum_f64(A, Lh, &S, &Sl);
    int big = A > 0x1p60;                      /* also keeps +inf (inf - inf in the two-sum) */
    *h = big ? A : S;
    *l = big ? 0.0 : Sl + Ll;
}
FR_INLINE double fr_softplus_exact_f64(double x) {
    double h, l;
    fr_softplus_dd_f64(x, &h, &l);
    return h + l;
}
FR_INLINE double fr_log_sigmoid_exact_f64(double x) { return -fr_softplus_exact_f64(-x); }

/* ---- exact float32: correctly rounded -----------------------------------
 * A fast float64 evaluation r (relative error below 2^-37.5 for sigmoid,
 * 2^-50 for the others), then a rounding test: when r (1 - eps) and
 * r (1 + eps) round to the same float, so does the exact value.  Otherwise
 * (about 1 input in 2^12 for sigmoid, 2^21 for the others; NaN and inf too)
 * a double-double evaluation (~2^-56) decides.  Correct rounding gives the
 * same bits whatever computes it: every ISA level, FMA or not, the numba
 * twin.  The kernels (kernels.c, FR_UNARY_CR) run the guess in vector lanes
 * and the slow path only for the lanes the test flags. */
FR_INLINE float fr_cr_test_f32(double r, double eps, int *hard) {
    float lo = (float)(r - r * eps), hi = (float)(r + r * eps);
    *hard = !(lo == hi);                           /* NaN as well */
    return (float)r;
}

/* h + l rounded to float32 once: (float)h, unless h is exactly halfway
 * between two floats; then the sign of l decides (the exact value of these
 * functions is never a float32 midpoint). */
FR_INLINE float fr_round_dd_f32(double h, double l) {
    fr_fast_two_sum_f64(h, l, &h, &l);
    float f = (float)h;
    if (isinf(f))             /* past the largest float, or on its midpoint with 2^128 */
        return fabs(h) == 0x1.ffffffp+127 && l != 0.0 && (l > 0.0) != (h > 0.0)
                   ? (h > 0.0 ? 0x1.fffffep+127f : -0x1.fffffep+127f) : f;
    double err = h - (double)f;                    /* exact */
    float g = nextafterf(f, err > 0.0 ? INFINITY : -INFINITY);
    int tie = err != 0.0 && err == ((double)g - (double)f) * 0.5;
    return tie && l != 0.0 && ((l > 0.0) == (err > 0.0)) ? g : f;
}

/* g (h + l) rounded once to float32, g h a two-product without FMA (float32
 * g: nothing of the product leaves the normals but results that round to 0);
 * a zero or non-finite g h stands alone (its sign; inf - inf in the error) */
FR_INLINE float fr_round_mul_pair_f32(float g, double h, double l) {
    double ph, pl;
    fr_two_prod_f64(g, h, &ph, &pl);
    int plain = ph == 0.0 || !(fabs(ph) <= 0x1.fffffffffffffp+1023);
    return plain ? (float)ph : fr_round_dd_f32(ph, pl + (double)g * l);
}

/* silu_backward: the float64 evaluation (fr_silu_bwd_wide_f32) and its own
 * bound (the cancellation next to x0 costs up to 2^26 of it); the hard cases
 * (~1 in 2^14; not NaN, inf: their value) g times silu' in double-double */
FR_INLINE float fr_silu_bwd_exact_f32_try(float g, float x, int *hard) {
    double eps, y = fr_silu_bwd_wide_f32(g, x, &eps);
    float r = fr_cr_test_f32(y, eps, hard);
    *hard &= fabsf(x) <= 760.0f && fabsf(g) <= 0x1.fffffep+127f;
    return r;
}
FR_INLINE float fr_silu_bwd_exact_f32_slow(float g, float x) {
    double fh, fl;
    fr_dsilu_dd_f64(x, 0, &fh, &fl);
    return fr_round_mul_pair_f32(g, fh, fl);
}

FR_INLINE float fr_sigmoid_exact_try_f32(float x, int *hard) {
    return fr_cr_test_f32(fr_sigmoid_exact_guess_f32(x), 0x1p-36, hard);
}
FR_INLINE float fr_sigmoid_exact_slow_f32(float x) {
    double qh, ql, s;
    fr_sigmoid_dd_f64(x, -750.0, &qh, &ql, &s);
    double sc = x > 0.0f ? 1.0 : s * FR_DOWN_F64;  /* 2^n >= 2^-152 where it matters: exact */
    return fr_round_dd_f32(qh * sc, ql * sc);
}

FR_INLINE float fr_silu_exact_try_f32(float x, int *hard) {
    return fr_cr_test_f32(fr_silu_fast_f64x(x), 0x1p-46, hard);
}
FR_INLINE float fr_silu_exact_slow_f32(float x) {
    double h, l, s;
    fr_silu_dd_f64(x, &h, &l, &s);
    /* (h, l) s 2^-600: exact for every result float32 can tell from 0 */
    float r = x > 0.0f ? fr_round_dd_f32(h, l)
                       : fr_round_dd_f32((h * s) * FR_DOWN_F64, (l * s) * FR_DOWN_F64);
    r = x == 0.0f ? x : r;                         /* silu(-0) = -0 */
    return x < -760.0f ? -0.0f : (x > 760.0f ? x : r);
}

FR_INLINE float fr_softplus_exact_try_f32(float x, int *hard) {
    return fr_cr_test_f32(fr_softplus_fast_f64x(x), 0x1p-46, hard);
}
FR_INLINE float fr_softplus_exact_slow_f32(float x) {
    double h, l;
    fr_softplus_dd_f64(x, &h, &l);
    return fr_round_dd_f32(h, l);
}
FR_INLINE float fr_log_sigmoid_exact_try_f32(float x, int *hard) {
    return fr_cr_test_f32(fr_log_sigmoid_fast_f64x(x), 0x1p-46, hard);
}
FR_INLINE float fr_log_sigmoid_exact_slow_f32(float x) { return -fr_softplus_exact_slow_f32(-x); }

/* The scalar forms (the embedding API, the fused kernels' reference) */
#define FR_DEFINE_CR_SCALAR(op)                                                \
    FR_INLINE float fr_##op##_exact_f32(float x) {                             \
        int hard;                                                              \
        float r = fr_##op##_exact_try_f32(x, &hard);                           \
        return hard ? fr_##op##_exact_slow_f32(x) : r;                         \
    }
FR_DEFINE_CR_SCALAR(sigmoid)
FR_DEFINE_CR_SCALAR(silu)
FR_DEFINE_CR_SCALAR(softplus)
FR_DEFINE_CR_SCALAR(log_sigmoid)

/* ---- gelu = x Phi(x) (erf form), gelu_backward = g (Phi(x) + x phi(x)) ----
 * With a = |x| (clamped to 39: NaN -> 39 keeps the table index in range) and
 * E = exp(-a^2/2):  Phi(-a) = E N(a),  Phi(-a) - a phi(a) = E W(a),
 * N(a) = exp(a^2/2) erfc(a/sqrt2)/2 ~ 1/(a sqrt(2 pi)), W = N - a/sqrt(2 pi):
 * smooth, no cancellation and no erfc argument rounded (Phi(-a) has ~a^2
 * times the relative error of a rounded -x/sqrt2).  N and W: one degree-13
 * polynomial per interval of a (quarters of [0, 1), then quarter binades up
 * to [32, 40); the index comes from the bits of a, or of a + 1 below 1, and
 * gcc gathers the coefficients), fitted by tools/fit_gelu.py to 2^-57
 * relative; W about its zero a0 = 0.7518 (gelu_backward's root at -a0) on
 * the two intervals next to it, so it stays relative there.  c0, c1, c2 and
 * the center are double-double, q(s) = c3 + ... + c13 s^10 is plain Horner.
 * a^2 = sh + sl exactly, E = (Eh + El) 2^n from fr_exp_dd_f64(-sh/2) times
 * (1 - sl/2).  Then
 *   gelu:  x <= 0: x E N (a two-product, rounded once, then scaled by 2^n:
 *          a subnormal result may round twice);  x > 0: x - x E N, rounded once;
 *   gelu_backward:  D = x <= 0 ? E W : 1 - E W, g D rounded once.
 * The limits: gelu(x) = x above 39 (+inf too; it is x from x ~ 8.1 on),
 * -0.0 below -39 (-inf too), gelu(-0) = -0; D = 1 above 39, -0.0 below -39.
 * The "x" variant (no FMA) is exact float64 and both float32 modes (float64
 * lanes, one rounding to float32 after the x/2 tie-break of tiny x, as
 * silu); the FMA variant is fast float64 (same algorithm, fused two-products). */
/* generated by tools/fit_gelu.py (degree 13); W's zero a0 = 0.75179152469356445746 */
static const double fr_gelu_n_tab[25][19] = {  /* c, cl, c0, c0l, c1, c1l, c2, c2l, c3..c13 */
    {0.0, 0.0, 0x1.0000000000000p-1, -0x1.0cb55b1cb3ca8p-76, -0x1.9884533d43651p-2, 0x1.cc27b4ce1ea2ap-56, 0x1.0000000000000p-2, -0x1.a24d73ab9b51ap-58, -0x1.1058377e2cecbp-3, 0x1.fffffffffee79p-5, -0x1.b3c058c99b26cp-6, 0x1.55555549e4c04p-7, -0x1.f20062f18b84ep-9, 0x1.5555235cbf20fp-10, -0x1.baa591cab4a2cp-12, 0x1.10db6f6eeaadbp-13, -0x1.3f15a7cc8bf19p-15, 0x1.52320903e5a94p-17, -0x1.f83e15291e434p-20},  /* [0, 0.25) */
    {0x1.8000000000000p-2, 0.0, 0x1.84b705ec74443p-2, 0x1.5930d2fb383c3p-57, -0x1.06bfb10497cb7p-2, -0x1.7386095fd1c1cp-56, 0x1.222f238abb57ep-3, 0x1.a00923c5e69a3p-57, -0x1.15c9232370e40p-4, 0x1.dc32d9e82c5afp-6, -0x1.7506fdef7ac5fp-7, 0x1.0ed65c322a820p-8, -0x1.7047c55011190p-10, 0x1.d89f438fc95d8p-12, -0x1.1ff9a2bdf03b4p-13, 0x1.4ee647762b610p-15, -0x1.7533e515c0a52p-17, 0x1.914c4e2d5068ap-19, -0x1.9e8e5098d1c65p-21},  /* [0.25, 0.5) */
    {0x1.4000000000000p-1, 0.0, 0x1.4b1de1265fdfap-2, -0x1.b31063d34dceap-56, -0x1.93234d0a8ef29p-3, -0x1.10a5b66f8bc92p-58, 0x1.9a45b22626679p-4, 0x1.c3a7e11998307p-58, -0x1.6e920728d942fp-5, 0x1.27b80fe96282fp-6, -0x1.b6a736b310c39p-8, 0x1.2ee7e9d1dcd06p-9, -0x1.892321dd1bc9dp-11, 0x1.e2f4d931660f7p-13, -0x1.1a60c721053bbp-14, 0x1.3bc4e2c66f9cap-16, -0x1.52f6d471dc2e0p-18, 0x1.5f9127d3ec742p-20, -0x1.5ee2f75ae307cp-22},  /* [0.5, 0.75) */
    {0x1.c000000000000p-1, 0.0, 0x1.1e7c2d26d017dp-2, -0x1.51009b1766d59p-56, -0x1.3baf57769aa07p-3, 0x1.270250fd8a55bp-59, 0x1.28beedc5d8e33p-4, 0x1.1e19fff60c6b5p-58, -0x1.ef9f7e801f4d7p-6, 0x1.78a81433a414cp-7, -0x1.08ab2aee0603ap-8, 0x1.5bd19739ff5f0p-10, -0x1.af0c28cc2f06ep-12, 0x1.fb0ddcb7f254bp-14, -0x1.1c8f396bd1defp-15, 0x1.320bd361426dfp-17, -0x1.3c86558822aa4p-19, 0x1.3cb7d03d21be0p-21, -0x1.3172816bf33d5p-23},  /* [0.75, 1) */
    {0x1.2000000000000p+0, 0.0, 0x1.f6704da1278cep-3, -0x1.fb1d359c1b578p-57, -0x1.f7949e4a74974p-4, 0x1.740322068cc02p-59, 0x1.b659692e8bef9p-5, -0x1.25573d1b2083bp-59, -0x1.56adc42b07d60p-6, 0x1.eb2f55acaf0e9p-8, -0x1.4740b9b72429ap-9, 0x1.99793c478c11fp-11, -0x1.e4c601bdbe619p-13, 0x1.11218bd6da016p-14, -0x1.26581f407c05fp-16, 0x1.308dba8be6c19p-18, -0x1.2f8ba44e3a14ep-20, 0x1.2516303fe15fcp-22, -0x1.112d1f50a8720p-24},  /* [1, 1.25) */
    {0x1.6000000000000p+0, 0.0, 0x1.bdb9f2a73a6d4p-3, -0x1.4b7a215492fdcp-57, -0x1.9851f1a92ce7cp-4, -0x1.8232432863421p-60, 0x1.4a033905d71bdp-5, -0x1.1bdf8ca615833p-59, -0x1.e3d49be3180c6p-7, 0x1.476446df8daf2p-8, -0x1.9dff78423dd35p-10, 0x1.ed8be41769d93p-12, -0x1.173f4b4280089p-13, 0x1.2d906064f3283p-15, -0x1.382683d7373bdp-17, 0x1.36d18faf72b69p-19, -0x1.2aa058dbf9e7cp-21, 0x1.164e069854282p-23, -0x1.f5812d080357ap-26},  /* [1.25, 1.5) */
    {0x1.a000000000000p+0, 0.0, 0x1.8f6846b88149ep-3, 0x1.f1abca50a8a49p-62, -0x1.4ffe671d69641p-4, 0x1.618ebe101838cp-58, 0x1.f9a64bc26ea26p-6, -0x1.13838d6604f75p-62, -0x1.5c3240e676859p-7, 0x1.bd7aee0e5cabdp-9, -0x1.0b8d4d1a9affbp-10, 0x1.302029e0fd6a7p-12, -0x1.49251ba2be89ap-14, 0x1.54d22d58010cfp-16, -0x1.52ff8238be215p-18, 0x1.44f6c48bf3ab4p-20, -0x1.2d100b5ac59acp-22, 0x1.0ee4ae41a4399p-24, -0x1.d7fef88cb6a31p-27},  /* [1.5, 1.75) */
    {0x1.e000000000000p+0, 0.0, 0x1.690b32e7a6754p-3, -0x1.b481a293018c2p-57, -0x1.18274e105d5c9p-4, 0x1.943a5465cc9c7p-59, 0x1.899966e13bb9dp-6, 0x1.23d4f6cd2828ap-60, -0x1.fe2774798747bp-8, 0x1.34edd09088a08p-9, -0x1.60da67e9a51bbp-11, 0x1.7ebe7f9d5d1dbp-13, -0x1.8c704036940e4p-15, 0x1.89d3c31121bf1p-17, -0x1.789716c5f0431p-19, 0x1.5bae1545a560fp-21, -0x1.36b633c916d13p-23, 0x1.0e04442bb10b9p-25, -0x1.c7073be34a816p-28},  /* [1.75, 2) */
    {0x1.2000000000000p+1, 0.0, 0x1.3aadddf19e980p-3, -0x1.a41f74b55194fp-58, -0x1.b405cc6b87d06p-5, -0x1.049a08899658bp-59, 0x1.15aa6bd488cb1p-6, 0x1.b48aeb5ff01d6p-65, -0x1.49badda1251fdp-8, 0x1.70c53ca78fbc9p-10, -0x1.87595809411c9p-12, 0x1.8c5d485b0ded3p-14, -0x1.80e690c381229p-16, 0x1.67b72f74d08ffp-18, -0x1.448d62f378b3bp-20, 0x1.1b704bb5e4485p-22, -0x1.e0507943281bbp-25, 0x1.8f0607355a7b4p-27, -0x1.3fe3b65de64a4p-29},  /* [2, 2.5) */
    {0x1.6000000000000p+1, 0.0, 0x1.0bb968cded93fp-3, 0x1.18ad1889320a6p-63, -0x1.432b1910e5ccfp-5, -0x1.71c15b1d525d5p-59, 0x1.6c5e3c927cb84p-7, -0x1.fe438ea3b221fp-61, -0x1.838c5241004c5p-9, 0x1.87b71017321afp-11, -0x1.7a617d69c60eep-13, 0x1.5ee01a50fd9a9p-15, -0x1.397eac28b6ee1p-17, 0x1.0eb208b683f22p-19, -0x1.c4f2c3b32c169p-22, 0x1.6ff91fd36fc20p-24, -0x1.22d8535ea8a70p-26, 0x1.c374869b8597ap-29, -0x1.5341dc3acc1a5p-31},  /* [2.5, 3) */
    {0x1.a000000000000p+1, 0.0, 0x1.d0b31c082543cp-4, -0x1.fa9df0799d08dp-58, -0x1.ef2cc76a51e03p-6, -0x1.fbf73b75cdff5p-61, 0x1.f2f5d00e15ec7p-8, -0x1.865d6490a24ecp-64, -0x1.dec5a1fa0055ep-10, 0x1.b7d4f1cbd6a11p-12, -0x1.8481f80e0651ep-14, 0x1.4b1e40abb2a77p-16, -0x1.111575bc3c24ep-18, 0x1.b4f344e7fecc5p-21, -0x1.53d079cd672b9p-23, 0x1.015b589676f4fp-25, -0x1.7c3c0b1f371aep-28, 0x1.1434b22717198p-30, -0x1.85b96bd1be1c9p-33},  /* [3, 3.5) */
    {0x1.e000000000000p+1, 0.0, 0x1.99c2b6db3b3a0p-4, -0x1.f9a3dbc2f4fb5p-59, -0x1.85dc7cfbbdeadp-6, 0x1.ebbf0e4a9bf35p-60, 0x1.62200d79c96f0p-8, 0x1.e8246c09a96d5p-64, -0x1.34a2573305b92p-10, 0x1.031f6ee7d047ap-12, -0x1.a48594a47633cp-15, 0x1.4aaf068e6e246p-17, -0x1.f92b66d610435p-20, 0x1.778ab9e9013d7p-22, -0x1.102d105995869p-24, 0x1.8133420bb39c1p-27, -0x1.0a8010a5c4479p-29, 0x1.6b18346539f46p-32, -0x1.e1c69f2a5881fp-35},  /* [3.5, 4) */
    {0x1.2000000000000p+2, 0.0, 0x1.5b5acd3b15fbbp-4, 0x1.3bed403d80e95p-58, -0x1.1be2c5acaa9ddp-6, -0x1.1dbdacaa5655fp-60, 0x1.bfbaed8d60a1bp-9, 0x1.a8d9db99d2f62p-66, -0x1.55bc008c2d6f9p-11, 0x1.fa3b677d71909p-14, -0x1.6caa288a6d7d2p-16, 0x1.ffea89f8d29c7p-19, -0x1.5eaec40ead3a6p-21, 0x1.d597ccf07cd4cp-24, -0x1.33afcd3330999p-26, 0x1.8af5608911109p-29, -0x1.f14a1268da83fp-32, 0x1.398213f56382bp-34, -0x1.7c66527f14cf1p-37},  /* [4, 5) */
    {0x1.6000000000000p+2, 0.0, 0x1.201fa9259b7acp-4, 0x1.4a1c687209784p-58, -0x1.8b195531b3873p-7, -0x1.cff3623467572p-61, 0x1.07e3e93700dcep-9, -0x1.58f6aba28b94bp-64, -0x1.57ff859618f9ap-12, 0x1.b643d5fcfc6bbp-15, -0x1.1138dc9ab6343p-17, 0x1.4dc8ce2802118p-20, -0x1.8ff51a245321bp-23, 0x1.d6826cfdce21dp-26, -0x1.0fefe67fd9ab8p-28, 0x1.3512f30a2dbd8p-31, -0x1.59b782c605787p-34, 0x1.82ea00e3af728p-37, -0x1.a3af3fdd4cf57p-40},  /* [5, 6) */
    {0x1.a000000000000p+2, 0.0, 0x1.eba5fe5b14b2ap-5, 0x1.f62fdfde93616p-60, -0x1.21ae9268527c7p-7, -0x1.085911b1aa67cp-61, 0x1.4ea50718ea867p-10, -0x1.9325bc62e447ep-65, -0x1.7b5fb856fe99dp-13, 0x1.a6741523baff7p-16, -0x1.ce785bb2c0598p-19, 0x1.f218716d7ec9ep-22, -0x1.081490227962fp-24, 0x1.13dc20568ade6p-27, -0x1.1c0c4138fe65ap-30, 0x1.206f25415e9fbp-33, -0x1.210575854c588p-36, 0x1.21a09239c427cp-39, -0x1.1adacd9a44e5dp-42},  /* [6, 7) */
    {0x1.e000000000000p+2, 0.0, 0x1.ac6292bdbbfdcp-5, 0x1.4ef1a01d2e018p-61, -0x1.b9fa6ad8c9c8ep-8, -0x1.7000f3340f27dp-62, 0x1.c0f9d24fda2d4p-11, -0x1.4017753f463e6p-65, -0x1.c159ce7e6fdfbp-14, 0x1.bb5a0b9514de7p-17, -0x1.af782e889f761p-20, 0x1.9e63ff89c08e0p-23, -0x1.88f1ad60952adp-26, 0x1.700b6a83980d7p-29, -0x1.54a3734177bf3p-32, 0x1.37a3d655ffa0dp-35, -0x1.19f34247fe552p-38, 0x1.fe13552e18605p-42, -0x1.c39a6dd41e3e1p-45},  /* [7, 8) */
    {0x1.2000000000000p+3, 0.0, 0x1.66ccb7b9c0c57p-5, -0x1.623655ea078d7p-59, -0x1.37812312a1bc5p-8, 0x1.920989ecf105dp-64, 0x1.0b6e08995a2e5p-11, 0x1.b06e48272d8adp-65, -0x1.c6399104b5ef2p-15, 0x1.7db4e0d69a883p-18, -0x1.3d8100f8ab818p-21, 0x1.057d526f07a86p-24, -0x1.aa929279d9826p-28, 0x1.58ae445ed8526p-31, -0x1.13f7cc5fcc408p-34, 0x1.b5c7d6a363850p-38, -0x1.58608e307ef3ep-41, 0x1.159abb6c319bep-44, -0x1.ad3a75c626f2ep-48},  /* [8, 10) */
    {0x1.6000000000000p+3, 0.0, 0x1.26b4cfcccca6cp-5, 0x1.99c01dd006282p-60, -0x1.a5dac1d4ffde3p-9, -0x1.c6e6e38b20ac5p-63, 0x1.2b9aa2972f7ecp-12, 0x1.44407162834fbp-66, -0x1.a65b0b8517da8p-16, 0x1.27815575e78a7p-19, -0x1.9a8566b32f88ap-23, 0x1.1b22922c79809p-26, -0x1.83d8f954edec2p-30, 0x1.07d67f536eb8ep-33, -0x1.64905a45bd47ap-37, 0x1.de9d8fd93437ep-41, -0x1.3f3bdac3489a6p-44, 0x1.b16180020392ap-48, -0x1.1d5fd928f118ap-51},  /* [10, 12) */
    {0x1.a000000000000p+3, 0.0, 0x1.f3ddc25e8b10bp-6, 0x1.7c11c9fb9a649p-61, -0x1.3012a83933bbbp-9, -0x1.f7234b3b57ad7p-64, 0x1.6fdc4065bfeb8p-13, 0x1.ffa11576a9fd3p-67, -0x1.ba914cd7eebf2p-17, 0x1.08c63ec9bef28p-20, -0x1.3b1d7b35cc576p-24, 0x1.750c725154e69p-28, -0x1.b7569d95b22abp-32, 0x1.01612c5326a78p-35, -0x1.2c0ad3f95bdcbp-39, 0x1.5bfe1a46b17e9p-43, -0x1.91ae11d101265p-47, 0x1.d5c28fd2acf83p-51, -0x1.0c794f7164d49p-54},  /* [12, 14) */
    {0x1.e000000000000p+3, 0.0, 0x1.b1d706d10e138p-6, -0x1.2777318a01226p-62, -0x1.cabcd94632c1ep-10, -0x1.83fba546ebad1p-64, 0x1.e2fd8f9f3edb9p-14, -0x1.903b2b607b675p-69, -0x1.fa60e04d46ae3p-18, 0x1.0857aad993485p-21, -0x1.12d998884cc9ep-25, 0x1.1c9ca44b0fc26p-29, -0x1.2588edc90160cp-33, 0x1.2d88b013f86f1p-37, -0x1.348889b31fa6ap-41, 0x1.3a71a9aa53ca6p-45, -0x1.3f42e5a0a329bp-49, 0x1.4772baaccaecep-53, -0x1.49ebeee0e5718p-57},  /* [14, 16) */
    {0x1.2000000000000p+4, 0.0, 0x1.6a03fdb45c9c7p-6, -0x1.2ed473c34d003p-60, -0x1.3fd5d25b35109p-10, -0x1.b713ecd15f470p-64, 0x1.19b886e074d70p-14, 0x1.2f98edeb6c683p-72, -0x1.eed1bf210d160p-19, 0x1.b145aeef0b99ep-23, -0x1.7a4544183ecbbp-27, 0x1.494b0d8099581p-31, -0x1.1dd5326dd211dp-35, 0x1.eecdd957d15ccp-40, -0x1.ab10307fa40f7p-44, 0x1.6f529b8d5586cp-48, -0x1.3b449b38de33ep-52, 0x1.190128c11a46ep-56, -0x1.df9bf4f2f6215p-61},  /* [16, 20) */
    {0x1.6000000000000p+4, 0.0, 0x1.287e3ca70bd62p-6, -0x1.4226df1b888c6p-61, -0x1.ad7faf263d40ap-11, 0x1.6e569d36d5262p-66, 0x1.36743cc1b9b06p-15, 0x1.56c1d70cf362bp-70, -0x1.bfe7bd3e9dbdap-20, 0x1.42755356a78c3p-24, -0x1.cf5ddc9ae086ep-29, 0x1.4c43e3f573b41p-33, -0x1.db932636d6656p-38, 0x1.53ae908b383d6p-42, -0x1.e44b3cd885900p-47, 0x1.58767c57afb08p-51, -0x1.e937ac2be5f17p-56, 0x1.6478bd5dd0799p-60, -0x1.f849f7743f455p-65},  /* [20, 24) */
    {0x1.a000000000000p+4, 0.0, 0x1.f60cadf141e6fp-7, -0x1.0f6577f242b6fp-61, -0x1.340bd27bb2d28p-11, -0x1.e791f5d0590cdp-65, 0x1.7977e83f50cf3p-16, 0x1.fc4e8dacf26a9p-72, -0x1.cddd0b018d60ap-21, 0x1.1a27a706f9cfbp-25, -0x1.583e3c1723af6p-30, 0x1.a36422bfae240p-35, -0x1.fe36c25ce84cbp-40, 0x1.35e941b79ae7bp-44, -0x1.77f487c58acc1p-49, 0x1.c75b92dfcc30ap-54, -0x1.136bf3820754dp-58, 0x1.5373fe4192f53p-63, -0x1.99771f74c2a49p-68},  /* [24, 28) */
    {0x1.e000000000000p+4, 0.0, 0x1.b344cf87420c4p-7, 0x1.befc23e11bea6p-61, -0x1.cf42b9d5e6191p-12, -0x1.ce89c38a6d4f3p-67, 0x1.ec829d74a9892p-17, 0x1.798dc69120ceep-71, -0x1.058425af704e3p-21, 0x1.156b65db7b9ddp-26, -0x1.25f827bd66eb7p-31, 0x1.372b114544bbdp-36, -0x1.49044f1accf96p-41, 0x1.5b8394381c321p-46, -0x1.6ea7fb8751514p-51, 0x1.8267253cab1edp-56, -0x1.96d0ada2df39ep-61, 0x1.b265adf318f00p-66, -0x1.c85b92d47bebbp-71},  /* [28, 32) */
    {0x1.2000000000000p+5, 0.0, 0x1.6ad8b9ce9823fp-7, -0x1.ebe2db4c25931p-61, -0x1.4208d360f2903p-12, -0x1.16826a182d5eep-69, 0x1.1d98030e8356bp-17, -0x1.023de3eee9d1fp-71, -0x1.fa2a81a7563cdp-23, 0x1.c03440c60ef78p-28, -0x1.8c93d3f9de067p-33, 0x1.5ea1880a48201p-38, -0x1.35c5dc5cfe981p-43, 0x1.11787e56e8444p-48, -0x1.e27a721ff9aa4p-54, 0x1.a8faf3b55093cp-59, -0x1.7654424be053dp-64, 0x1.5801d3128446fp-69, -0x1.2e8895590d698p-74},  /* [32, 40) */
};
static const double fr_gelu_w_tab[25][19] = {  /* c, cl, c0, c0l, c1, c1l, c2, c2l, c3..c13 */
    {0.0, 0.0, 0x1.0000000000000p-1, -0x1.0cb55b1cb3ca8p-76, -0x1.9884533d43651p-1, 0x1.cbf443ee6f3a0p-55, 0x1.0000000000000p-2, -0x1.a24d73ab9b51ap-58, -0x1.1058377e2cecbp-3, 0x1.fffffffffee79p-5, -0x1.b3c058c99b26cp-6, 0x1.55555549e4c04p-7, -0x1.f20062f18b84ep-9, 0x1.5555235cbf20fp-10, -0x1.baa591cab4a2cp-12, 0x1.10db6f6eeaadbp-13, -0x1.3f15a7cc8bf19p-15, 0x1.52320903e5a94p-17, -0x1.f83e15291e434p-20},  /* [0, 0.25) */
    {0x1.8000000000000p-2, 0.0, 0x1.d70acd6af5fcap-3, -0x1.37fa3ae6df9b3p-59, -0x1.4fa20220ed984p-1, 0x1.60eb26bbb83e5p-58, 0x1.222f238abb57ep-3, 0x1.a00923c5e69a3p-57, -0x1.15c9232370e40p-4, 0x1.dc32d9e82c5afp-6, -0x1.7506fdef7ac5fp-7, 0x1.0ed65c322a820p-8, -0x1.7047c55011190p-10, 0x1.d89f438fc95d8p-12, -0x1.1ff9a2bdf03b4p-13, 0x1.4ee647762b610p-15, -0x1.7533e515c0a52p-17, 0x1.914c4e2d5068ap-19, -0x1.9e8e5098d1c65p-21},  /* [0.25, 0.5) */
    {0x1.80ead197f00b4p-1, -0x1.13e74c58cada8p-56, 0.0, 0.0, -0x1.25126c1543190p-1, 0x1.4e067533f9043p-55, 0x1.5b297ebb9a527p-4, -0x1.76e9a8021b8adp-58, -0x1.2bad2862a3ff1p-5, 0x1.d507ae5ca6a36p-7, -0x1.526fe74da166dp-8, 0x1.c7c024fa00eb6p-10, -0x1.20e42528eb849p-11, 0x1.5b28177ec0924p-13, -0x1.8d9d79f33f83fp-15, 0x1.b365492ef649ap-17, -0x1.d179015917f1dp-19, 0x1.9df3dfc5a53d6p-21, -0x1.5ee2f75ae307cp-22},  /* [0.5, 0.75) */
    {0x1.80ead197f00b4p-1, -0x1.13e74c58cada8p-56, 0.0, 0.0, -0x1.25126c1543190p-1, 0x1.4e18feddca2efp-55, 0x1.5b297ebb9a527p-4, -0x1.1bf9a6a86d66cp-58, -0x1.2bad2862a3fdap-5, 0x1.d507ae5ca74b2p-7, -0x1.526fe74d5d613p-8, 0x1.c7c0250510167p-10, -0x1.20e422d80ed1cp-11, 0x1.5b28402a4b06bp-13, -0x1.8d93fc2be76e2p-15, 0x1.b3ad7971fb417p-17, -0x1.c83235714acdfp-19, 0x1.b7070c1c2078fp-21, -0x1.3172816bf33d5p-23},  /* [0.75, 1) */
    {0x1.2000000000000p+0, 0.0, -0x1.a0b96da8b0168p-3, 0x1.0f54a545143f8p-57, -0x1.0b34bd67f0457p-1, 0x1.fa41374f91695p-56, 0x1.b659692e8bef9p-5, -0x1.25573d1b2083bp-59, -0x1.56adc42b07d60p-6, 0x1.eb2f55acaf0e9p-8, -0x1.4740b9b72429ap-9, 0x1.99793c478c11fp-11, -0x1.e4c601bdbe619p-13, 0x1.11218bd6da016p-14, -0x1.26581f407c05fp-16, 0x1.308dba8be6c19p-18, -0x1.2f8ba44e3a14ep-20, 0x1.2516303fe15fcp-22, -0x1.112d1f50a8720p-24},  /* [1, 1.25) */
    {0x1.6000000000000p+0, 0.0, -0x1.52d8f9209f745p-2, 0x1.49b04627f903bp-58, -0x1.fe98cfa78e9f0p-2, 0x1.b39daedc399d3p-56, 0x1.4a033905d71bdp-5, -0x1.1bdf8ca615833p-59, -0x1.e3d49be3180c6p-7, 0x1.476446df8daf2p-8, -0x1.9dff78423dd35p-10, 0x1.ed8be41769d93p-12, -0x1.173f4b4280089p-13, 0x1.2d906064f3283p-15, -0x1.382683d7373bdp-17, 0x1.36d18faf72b69p-19, -0x1.2aa058dbf9e7cp-21, 0x1.164e069854282p-23, -0x1.f5812d080357ap-26},  /* [1.25, 1.5) */
    {0x1.a000000000000p+0, 0.0, -0x1.d022e3e74cdf4p-2, 0x1.cb801884e95aep-58, -0x1.ec83ed049dbe1p-2, 0x1.24248292c5df8p-56, 0x1.f9a64bc26ea26p-6, -0x1.13838d6604f75p-62, -0x1.5c3240e676859p-7, 0x1.bd7aee0e5cabdp-9, -0x1.0b8d4d1a9affbp-10, 0x1.302029e0fd6a7p-12, -0x1.49251ba2be89ap-14, 0x1.54d22d58010cfp-16, -0x1.52ff8238be215p-18, 0x1.44f6c48bf3ab4p-20, -0x1.2d100b5ac59acp-22, 0x1.0ee4ae41a4399p-24, -0x1.d7fef88cb6a31p-27},  /* [1.5, 1.75) */
    {0x1.e000000000000p+0, 0.0, -0x1.24b9414f85917p-1, 0x1.81e45d3913713p-55, -0x1.de8e26c15abc3p-2, 0x1.fc903b36f2c9cp-57, 0x1.899966e13bb9dp-6, 0x1.23d4f6cd2828ap-60, -0x1.fe2774798747bp-8, 0x1.34edd09088a08p-9, -0x1.60da67e9a51bbp-11, 0x1.7ebe7f9d5d1dbp-13, -0x1.8c704036940e4p-15, 0x1.89d3c31121bf1p-17, -0x1.789716c5f0431p-19, 0x1.5bae1545a560fp-21, -0x1.36b633c916d13p-23, 0x1.0e04442bb10b9p-25, -0x1.c7073be34a816p-28},  /* [1.75, 2) */
    {0x1.2000000000000p+1, 0.0, -0x1.7ce96628842bbp-1, 0x1.50b4fed9ed98ep-55, -0x1.cf050ccab45f1p-2, -0x1.54d26e0272f9cp-56, 0x1.15aa6bd488cb1p-6, 0x1.b48aeb5ff01d6p-65, -0x1.49badda1251fdp-8, 0x1.70c53ca78fbc9p-10, -0x1.87595809411c9p-12, 0x1.8c5d485b0ded3p-14, -0x1.80e690c381229p-16, 0x1.67b72f74d08ffp-18, -0x1.448d62f378b3bp-20, 0x1.1b704bb5e4485p-22, -0x1.e0507943281bbp-25, 0x1.8f0607355a7b4p-27, -0x1.3fe3b65de64a4p-29},  /* [2, 2.5) */
    {0x1.6000000000000p+1, 0.0, -0x1.eec79840c145fp-1, -0x1.af8c2ccbc3895p-61, -0x1.c0e9b65f601eap-2, -0x1.e2775854ea7a6p-56, 0x1.6c5e3c927cb84p-7, -0x1.fe438ea3b221fp-61, -0x1.838c5241004c5p-9, 0x1.87b71017321afp-11, -0x1.7a617d69c60eep-13, 0x1.5ee01a50fd9a9p-15, -0x1.397eac28b6ee1p-17, 0x1.0eb208b683f22p-19, -0x1.c4f2c3b32c169p-22, 0x1.6ff91fd36fc20p-24, -0x1.22d8535ea8a70p-26, 0x1.c374869b8597ap-29, -0x1.5341dc3acc1a5p-31},  /* [2.5, 3) */
    {0x1.a000000000000p+1, 0.0, -0x1.2ee051e1446dep+0, 0x1.15e2cc7462098p-54, -0x1.b7771fb3e8831p-2, 0x1.f7c2326622c2bp-57, 0x1.f2f5d00e15ec7p-8, -0x1.865d6490a24ecp-64, -0x1.dec5a1fa0055ep-10, 0x1.b7d4f1cbd6a11p-12, -0x1.8481f80e0651ep-14, 0x1.4b1e40abb2a77p-16, -0x1.111575bc3c24ep-18, 0x1.b4f344e7fecc5p-21, -0x1.53d079cd672b9p-23, 0x1.015b589676f4fp-25, -0x1.7c3c0b1f371aep-28, 0x1.1434b22717198p-30, -0x1.85b96bd1be1c9p-33},  /* [3, 3.5) */
    {0x1.e000000000000p+1, 0.0, -0x1.655fe29bbb7b2p+0, 0x1.df37a6ffbc2c6p-54, -0x1.b0e21b0cff43bp-2, -0x1.55833c0c966f8p-56, 0x1.62200d79c96f0p-8, 0x1.e8246c09a96d5p-64, -0x1.34a2573305b92p-10, 0x1.031f6ee7d047ap-12, -0x1.a48594a47633cp-15, 0x1.4aaf068e6e246p-17, -0x1.f92b66d610435p-20, 0x1.778ab9e9013d7p-22, -0x1.102d105995869p-24, 0x1.8133420bb39c1p-27, -0x1.0a8010a5c4479p-29, 0x1.6b18346539f46p-32, -0x1.e1c69f2a5881fp-35},  /* [3.5, 4) */
    {0x1.2000000000000p+2, 0.0, -0x1.b5df30d13a71fp+0, 0x1.63df05d1bf684p-56, -0x1.aa427f980e0eep-2, -0x1.861b07bbe5941p-56, 0x1.bfbaed8d60a1bp-9, 0x1.a8d9db99d2f62p-66, -0x1.55bc008c2d6f9p-11, 0x1.fa3b677d71909p-14, -0x1.6caa288a6d7d2p-16, 0x1.ffea89f8d29c7p-19, -0x1.5eaec40ead3a6p-21, 0x1.d597ccf07cd4cp-24, -0x1.33afcd3330999p-26, 0x1.8af5608911109p-29, -0x1.f14a1268da83fp-32, 0x1.398213f56382bp-34, -0x1.7c66527f14cf1p-37},  /* [4, 5) */
    {0x1.6000000000000p+2, 0.0, -0x1.0fd9fbf0f179ap+1, 0x1.995d176d0aea8p-59, -0x1.a4dd1de6d1014p-2, -0x1.457d9005c6d2dp-57, 0x1.07e3e93700dcep-9, -0x1.58f6aba28b94bp-64, -0x1.57ff859618f9ap-12, 0x1.b643d5fcfc6bbp-15, -0x1.1138dc9ab6343p-17, 0x1.4dc8ce2802118p-20, -0x1.8ff51a245321bp-23, 0x1.d6826cfdce21dp-26, -0x1.0fefe67fd9ab8p-28, 0x1.3512f30a2dbd8p-31, -0x1.59b782c605787p-34, 0x1.82ea00e3af728p-37, -0x1.a3af3fdd4cf57p-40},  /* [5, 6) */
    {0x1.a000000000000p+2, 0.0, -0x1.443ceba85a6f5p+1, 0x1.b2f216777201bp-54, -0x1.a191c7d085f8fp-2, 0x1.c6fc150264fc2p-57, 0x1.4ea50718ea867p-10, -0x1.9325bc62e447ep-65, -0x1.7b5fb856fe99dp-13, 0x1.a6741523baff7p-16, -0x1.ce785bb2c0598p-19, 0x1.f218716d7ec9ep-22, -0x1.081490227962fp-24, 0x1.13dc20568ade6p-27, -0x1.1c0c4138fe65ap-30, 0x1.206f25415e9fbp-33, -0x1.210575854c588p-36, 0x1.21a09239c427cp-39, -0x1.1adacd9a44e5dp-42},  /* [6, 7) */
    {0x1.e000000000000p+2, 0.0, -0x1.784a83be783ecp+1, -0x1.3eb122083bf70p-55, -0x1.9f6c3ce8a68c3p-2, 0x1.cc019e83df296p-57, 0x1.c0f9d24fda2d4p-11, -0x1.4017753f463e6p-65, -0x1.c159ce7e6fdfbp-14, 0x1.bb5a0b9514de7p-17, -0x1.af782e889f761p-20, 0x1.9e63ff89c08e0p-23, -0x1.88f1ad60952adp-26, 0x1.700b6a83980d7p-29, -0x1.54a3734177bf3p-32, 0x1.37a3d655ffa0dp-35, -0x1.19f34247fe552p-38, 0x1.fe13552e18605p-42, -0x1.c39a6dd41e3e1p-45},  /* [7, 8) */
    {0x1.2000000000000p+3, 0.0, -0x1.c5f9aac604ce9p+1, -0x1.104febe71052cp-53, -0x1.9d6257c98dec0p-2, 0x1.7d52dc98acc25p-56, 0x1.0b6e08995a2e5p-11, 0x1.b06e48272d8adp-65, -0x1.c6399104b5ef2p-15, 0x1.7db4e0d69a883p-18, -0x1.3d8100f8ab818p-21, 0x1.057d526f07a86p-24, -0x1.aa929279d9826p-28, 0x1.58ae445ed8526p-31, -0x1.13f7cc5fcc408p-34, 0x1.b5c7d6a363850p-38, -0x1.58608e307ef3ep-41, 0x1.159abb6c319bep-44, -0x1.ad3a75c626f2ep-48},  /* [8, 10) */
    {0x1.6000000000000p+3, 0.0, -0x1.168d8f9a84bc3p+2, 0x1.ddae5137f3e61p-52, -0x1.9bd008c0ed64cp-2, -0x1.4fccfab856700p-56, 0x1.2b9aa2972f7ecp-12, 0x1.44407162834fbp-66, -0x1.a65b0b8517da8p-16, 0x1.27815575e78a7p-19, -0x1.9a8566b32f88ap-23, 0x1.1b22922c79809p-26, -0x1.83d8f954edec2p-30, 0x1.07d67f536eb8ep-33, -0x1.64905a45bd47ap-37, 0x1.de9d8fd93437ep-41, -0x1.3f3bdac3489a6p-44, 0x1.b16180020392ap-48, -0x1.1d5fd928f118ap-51},  /* [10, 12) */
    {0x1.a000000000000p+3, 0.0, -0x1.49f7a5df68370p+2, -0x1.9db54b9f0658cp-52, -0x1.9ae4788db5cc8p-2, -0x1.c6ca078f70cb7p-61, 0x1.6fdc4065bfeb8p-13, 0x1.ffa11576a9fd3p-67, -0x1.ba914cd7eebf2p-17, 0x1.08c63ec9bef28p-20, -0x1.3b1d7b35cc576p-24, 0x1.750c725154e69p-28, -0x1.b7569d95b22abp-32, 0x1.01612c5326a78p-35, -0x1.2c0ad3f95bdcbp-39, 0x1.5bfe1a46b17e9p-43, -0x1.91ae11d101265p-47, 0x1.d5c28fd2acf83p-51, -0x1.0c794f7164d49p-54},  /* [12, 14) */
    {0x1.e000000000000p+3, 0.0, -0x1.7d4a37029e20ap+2, -0x1.314517ee8eac1p-52, -0x1.9a4f10168997dp-2, 0x1.523cd76978e5ap-56, 0x1.e2fd8f9f3edb9p-14, -0x1.903b2b607b675p-69, -0x1.fa60e04d46ae3p-18, 0x1.0857aad993485p-21, -0x1.12d998884cc9ep-25, 0x1.1c9ca44b0fc26p-29, -0x1.2588edc90160cp-33, 0x1.2d88b013f86f1p-37, -0x1.348889b31fa6ap-41, 0x1.3a71a9aa53ca6p-45, -0x1.3f42e5a0a329bp-49, 0x1.4772baaccaecep-53, -0x1.49ebeee0e5718p-57},  /* [14, 16) */
    {0x1.2000000000000p+4, 0.0, -0x1.ca2ad9a737751p+2, 0x1.401431f9a8fcfp-53, -0x1.99c4290f9e9a2p-2, 0x1.a609bf21ee721p-56, 0x1.19b886e074d70p-14, 0x1.2f98edeb6c683p-72, -0x1.eed1bf210d160p-19, 0x1.b145aeef0b99ep-23, -0x1.7a4544183ecbbp-27, 0x1.494b0d8099581p-31, -0x1.1dd5326dd211dp-35, 0x1.eecdd957d15ccp-40, -0x1.ab10307fa40f7p-44, 0x1.6f529b8d5586cp-48, -0x1.3b449b38de33ep-52, 0x1.190128c11a46ep-56, -0x1.df9bf4f2f6215p-61},  /* [16, 20) */
    {0x1.6000000000000p+4, 0.0, -0x1.1846ba1bcacf9p+3, 0x1.3fc407625cfdcp-51, -0x1.995b1314d683bp-2, 0x1.b81c68b60d86ap-56, 0x1.36743cc1b9b06p-15, 0x1.56c1d70cf362bp-70, -0x1.bfe7bd3e9dbdap-20, 0x1.42755356a78c3p-24, -0x1.cf5ddc9ae086ep-29, 0x1.4c43e3f573b41p-33, -0x1.db932636d6656p-38, 0x1.53ae908b383d6p-42, -0x1.e44b3cd885900p-47, 0x1.58767c57afb08p-51, -0x1.e937ac2be5f17p-56, 0x1.6478bd5dd0799p-60, -0x1.f849f7743f455p-65},  /* [20, 24) */
    {0x1.a000000000000p+4, 0.0, -0x1.4b6e00764a71ap+3, 0x1.4891a43bfe92dp-52, -0x1.991e5926813e7p-2, -0x1.0a65ebd850b67p-57, 0x1.7977e83f50cf3p-16, 0x1.fc4e8dacf26a9p-72, -0x1.cddd0b018d60ap-21, 0x1.1a27a706f9cfbp-25, -0x1.583e3c1723af6p-30, 0x1.a36422bfae240p-35, -0x1.fe36c25ce84cbp-40, 0x1.35e941b79ae7bp-44, -0x1.77f487c58acc1p-49, 0x1.c75b92dfcc30ap-54, -0x1.136bf3820754dp-58, 0x1.5373fe4192f53p-63, -0x1.99771f74c2a49p-68},  /* [24, 28) */
    {0x1.e000000000000p+4, 0.0, -0x1.7e8f3cd58d5e3p+3, -0x1.4c8b7b1933e4dp-51, -0x1.98f823ebb8de9p-2, 0x1.d4380eb2741d4p-59, 0x1.ec829d74a9892p-17, 0x1.798dc69120ceep-71, -0x1.058425af704e3p-21, 0x1.156b65db7b9ddp-26, -0x1.25f827bd66eb7p-31, 0x1.372b114544bbdp-36, -0x1.49044f1accf96p-41, 0x1.5b8394381c321p-46, -0x1.6ea7fb8751514p-51, 0x1.8267253cab1edp-56, -0x1.96d0ada2df39ep-61, 0x1.b265adf318f00p-66, -0x1.c85b92d47bebbp-71},  /* [28, 32) */
    {0x1.2000000000000p+5, 0.0, -0x1.cb3a2776782bap+3, -0x1.e2105a31d9ef4p-54, -0x1.98d4d5721ba1bp-2, 0x1.91703df6de1fdp-57, 0x1.1d98030e8356bp-17, -0x1.023de3eee9d1fp-71, -0x1.fa2a81a7563cdp-23, 0x1.c03440c60ef78p-28, -0x1.8c93d3f9de067p-33, 0x1.5ea1880a48201p-38, -0x1.35c5dc5cfe981p-43, 0x1.11787e56e8444p-48, -0x1.e27a721ff9aa4p-54, 0x1.a8faf3b55093cp-59, -0x1.7654424be053dp-64, 0x1.5801d3128446fp-69, -0x1.2e8895590d698p-74},  /* [32, 40) */
};

FR_INLINE int64_t fr_gelu_index(double a) {
    int lt1 = a < 1.0;
    double u = lt1 ? a + 1.0 : a;                  /* [0, 1): its quarter in [1, 2) */
    int64_t k = (int64_t)(fr_bits_f64(u) >> 50) - 4092;    /* 4092 = 1023 << 2 */
    return lt1 ? k : k + 4;
}
#define FR_GELU_AMAX 39.0
/* (Ph + Pl) s 2^-600 = E T(a), T the table's function (N or W), a = |x| <= 39 */
#define FR_DEFINE_GELU_PARTS(SUF, MA, PE, FAST)                                \
    FR_INLINE void fr_gelu_parts_##SUF(double x, const double *tab,             \
                                       double *Ph, double *Pl, double *s) {    \
        double a = fabs(x);                                                    \
        a = a < FR_GELU_AMAX ? a : FR_GELU_AMAX;                               \
        int64_t r = fr_gelu_index(a) * 19;           /* row of tab[25][19] */  \
        double sv = a - tab[r + 0], sw = -tab[r + 1];            /* s = sv + sw, sv exact */ \
        double q = tab[r + 18];                                                      \
        FR_UNROLL                                                              \
        for (int j = 17; j >= 8; j--) q = MA(q, sv, tab[r + j]);                     \
        double uh, ul, th, tl, ph, pl, Th, Tl, e;                              \
        fr_two_sum_f64(tab[r + 6], sv * q, &uh, &ul);            /* c2 + s q */ \
        ul += tab[r + 7];                                                            \
        ph = sv * uh;                                                          \
        pl = PE(sv, uh, ph) + sv * ul;                                         \
        fr_two_sum_f64(tab[r + 4], ph, &th, &tl);                /* c1 + s (c2 + s q) */ \
        tl += pl + tab[r + 5];                                                       \
        ph = sv * th;                                                          \
        pl = PE(sv, th, ph) + (sv * tl + sw * th);                             \
        fr_two_sum_f64(tab[r + 2], ph, &Th, &e);                               \
        Tl = (e + pl) + tab[r + 3];                                                  \
        double sh = a * a, sl = PE(a, a, sh), Eh, El;                          \
        fr_exp_dd_f64(-0.5 * sh, &Eh, &El, s);                                 \
        El -= Eh * (0.5 * sl);                                                 \
        *Ph = Eh * Th;                                                         \
        *Pl = PE(Eh, Th, *Ph) + (Eh * Tl + El * Th);                           \
    }                                                                          \
    FR_INLINE double fr_gelu_##SUF(double x) {                                 \
        double Ph, Pl, s;                                                      \
        fr_gelu_parts_##SUF(x, &fr_gelu_n_tab[0][0], &Ph, &Pl, &s);                   \
        double vh = x * Ph, vl = PE(x, Ph, vh) + x * Pl;                       \
        double sc = s * FR_DOWN_F64, rh, rl;                                   \
        fr_two_sum_f64(x, -(vh * sc), &rh, &rl);                               \
        double r = x > 0.0 ? rh + (rl - vl * sc)                               \
                           : -fabs(((vh + vl) * s) * FR_DOWN_F64); /* -0 if it underflows */ \
        r = x == 0.0 ? x : r;                           /* gelu(-0) = -0 */    \
        return x < -FR_GELU_AMAX ? -0.0 : (x > FR_GELU_AMAX ? x : r);          \
    }                                                                          \
    /* D = Phi(x) + x phi(x) as dh + dl, times 2^-600 s2 (s2 = 2^600 but   \
     * where D is near the subnormals) */                                      \
    FR_INLINE void fr_dgelu_##SUF(double x, double *dh, double *dl, double *s2) { \
        double Ph, Pl, s;                                                      \
        fr_gelu_parts_##SUF(x, &fr_gelu_w_tab[0][0], &Ph, &Pl, &s);                   \
        double sc = s * FR_DOWN_F64, ah, al;                                   \
        int late = x < -37.0;                          /* 2^n subnormal */    \
        fr_two_sum_f64(1.0, -(Ph * sc), &ah, &al);                             \
        int pos = x > 0.0;                                                     \
        *dh = pos ? ah : (late ? Ph : Ph * sc);                                \
        *dl = pos ? al - Pl * sc : (late ? Pl : Pl * sc);                      \
        *s2 = late ? s : 0x1p600;                                              \
    }                                                                          \
    FR_INLINE double fr_gelu_backward_##SUF(double g, double x) {              \
        double dh, dl, s2, uh = 0.0, ul = 0.0;                                 \
        fr_dgelu_##SUF(x, &dh, &dl, &s2);                                      \
        /* exact mode, within 2^-3 of its zero, where Phi + x phi cancels:     \
         * the series (the tables lose up to 1.5 ulp there; fast mode's 2 ulp   \
         * allow it) */                                                        \
        if (!FAST)                                                             \
            fr_zero_series_f64(&fr_dgelu_series, x, FAST, &uh, &ul);           \
        int near = !FAST && fr_zero_series_near(&fr_dgelu_series, x);          \
        dh = near ? uh : dh;                                                   \
        dl = near ? ul : dl;                                                   \
        /* g D; scaled up where it leaves the normals in exact mode only (the  \
         * error terms lose up to 1.7 ulp there, within fast mode's 2) */       \
        /* where 2^n is scaled last, g 2^-128 (a |g| near 2^1024 times a   \
         * scaled D up to ~30 would overflow; smaller g give 0 either way) */  \
        int late = s2 != 0x1p600;                                              \
        double v = fr_mul_pair_f64(late ? g * 0x1p-128 : g, dh, dl, FAST, !FAST && !late); \
        double r = late ? (v * (s2 * 0x1p128)) * FR_DOWN_F64 : v;              \
        r = x != x ? x + g : r;                                                \
        return x < -FR_GELU_AMAX ? g * -0.0 : (x > FR_GELU_AMAX ? g : r);      \
    }
FR_DEFINE_GELU_PARTS(f64x, FR_MA_PLAIN, fr_prod_err_f64x, 0)
FR_DEFINE_GELU_PARTS(f64, FR_MA_F64, fr_prod_err_f64, 1)

FR_INLINE double fr_gelu_exact_f64(double x) { return fr_gelu_f64x(x); }
FR_INLINE double fr_gelu_fast_f64(double x) { return fr_gelu_f64(x); }
FR_INLINE double fr_gelu_backward_exact_f64(double g, double x) { return fr_gelu_backward_f64x(g, x); }
FR_INLINE double fr_gelu_backward_fast_f64(double g, double x) { return fr_gelu_backward_f64(g, x); }
/* float32: in float64 (~2^-56), rounded once; exact without FMA, fast with
 * (both correctly rounded but for a rare double rounding) */
#define FR_DEFINE_GELU_F32(MODE, SUF)                                          \
    FR_INLINE float fr_gelu_##MODE##_f32(float x) {                            \
        return (float)fr_half_tie_f64((double)x, fr_gelu_##SUF((double)x));    \
    }
FR_DEFINE_GELU_F32(exact, f64x)
FR_DEFINE_GELU_F32(fast, f64)
/* gelu_backward: fast g D rounded twice (D's pair summed, then g times it);
 * exact (correctly rounded) the same with a rounding test (the pair is within
 * ~1.5 float64 ulp next to D's zero, 2^-56 elsewhere: eps 2^-48), the hard
 * cases (~1 in 2^23) g (Dh + Dl) rounded once by a two-product, within 2^-3
 * of D's zero its series (as float64's exact mode); a double rounding missed
 * 3 of 2^32 at g = 1.  D below 2^-1000 (x < -37, its 2^n applied last) times
 * a float32 g rounds to 0 in float32 either way. */
#define FR_DEFINE_GELU_BWD_F32(MODE, SUF)                                      \
    FR_INLINE double fr_gelu_backward_##MODE##_f32_wide(float g, float x, double *dh, \
                                                       double *dl) {           \
        double s2;                                                             \
        fr_dgelu_##SUF((double)x, dh, dl, &s2);                                \
        double sc = s2 * FR_DOWN_F64, y = (double)g * ((*dh + *dl) * sc);      \
        *dh *= sc;              /* a D that underflows keeps its sign in y */  \
        *dl *= sc;                                                             \
        return y;                                                              \
    }                                                                          \
    FR_INLINE float fr_gelu_backward_##MODE##_f32_limits(float g, float x, float r) { \
        r = x != x ? (float)((double)x + (double)g) : r;                       \
        return x < -FR_GELU_AMAX ? (float)((double)g * -0.0) : (x > FR_GELU_AMAX ? g : r); \
    }
FR_DEFINE_GELU_BWD_F32(fast, f64)
FR_DEFINE_GELU_BWD_F32(exact, f64x)
FR_INLINE float fr_gelu_backward_fast_f32(float g, float x) {
    double dh, dl;
    return fr_gelu_backward_fast_f32_limits(g, x, (float)fr_gelu_backward_fast_f32_wide(g, x, &dh, &dl));
}
FR_INLINE float fr_gelu_backward_exact_f32_try(float g, float x, int *hard) {
    double dh, dl;
    float r = fr_cr_test_f32(fr_gelu_backward_exact_f32_wide(g, x, &dh, &dl), 0x1p-48, hard);
    *hard &= fabsf(x) <= FR_GELU_AMAX && fabsf(g) <= 0x1.fffffep+127f;
    return fr_gelu_backward_exact_f32_limits(g, x, r);
}
FR_INLINE float fr_gelu_backward_exact_f32_slow(float g, float x) {
    double dh, dl;
    if (fr_zero_series_near(&fr_dgelu_series, x))
        fr_zero_series_f64(&fr_dgelu_series, x, 0, &dh, &dl);
    else
        fr_gelu_backward_exact_f32_wide(g, x, &dh, &dl);
    return fr_round_mul_pair_f32(g, dh, dl);
}

/* ---- leaky relu -----------------------------------------------------------
 * x > 0: x; NaN: x; x = +-0 or alpha = 0: +0 (alpha = 0 is relu, bit for bit,
 * -inf included); else alpha x.  Backward from the input x (or the output,
 * for alpha > 0): grad where x > 0, alpha grad where x <= 0 (+0 for alpha = 0,
 * as relu_backward), NaN where x is NaN. */
#define FR_LEAKY_RELU(x, a) ((x) <= 0 ? ((((x) == 0) | ((a) == 0)) ? 0 : (a) * (x)) : (x))
#define FR_LEAKY_RELU_BWD(g, x, a) ((x) > 0 ? (g) : ((x) <= 0 ? ((a) == 0 ? 0 : (a) * (g)) : (x)))
FR_INLINE float fr_leaky_relu_f32(float x, float a) { return FR_LEAKY_RELU(x, a); }
FR_INLINE double fr_leaky_relu_f64(double x, double a) { return FR_LEAKY_RELU(x, a); }
FR_INLINE float fr_leaky_relu_bwd_f32(float g, float x, float a) { return FR_LEAKY_RELU_BWD(g, x, a); }
FR_INLINE double fr_leaky_relu_bwd_f64(double g, double x, double a) { return FR_LEAKY_RELU_BWD(g, x, a); }

/* ---- what the fused bias kernels count (UnitStats) ----------------------- */
#define FR_COUNT_ZERO(y, eps) ((y) == 0)
#define FR_COUNT_SATURATED(y, eps) ((y) * (1 - (y)) < (eps))
#define FR_COUNT_NONE(y, eps) 0

#endif /* FASTRELU_SCALAR_H */
