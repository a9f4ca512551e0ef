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
 * ~2^-100 relative, s = 2^(n + 600). */
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

/* sigmoid(x) = (qh + ql) (x > 0 ? 1 : s 2^-600), qh + ql within ~2^-100 */
FR_INLINE void fr_sigmoid_dd_f64(double x, double zmin, double *qh, double *ql, double *s) {
    double z = -fabs(x);
    z = z < zmin ? zmin : z;
    double Eh, El;
    fr_exp_dd_f64(z, &Eh, &El, s);
    /* e = E 2^n; D = 1 + e (e <= 1) */
    double eh = (Eh * *s) * FR_DOWN_F64, el = (El * *s) * FR_DOWN_F64;
    double Dh, Dl;
    fr_fast_two_sum_f64(1.0, eh, &Dh, &Dl);
    Dl += el;
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
    r = x == 0.0 ? x : r;                          /* silu(-0) = -0 */
    return x < -760.0 ? -0.0 : (x > 760.0 ? x : r);
}
/* For tiny x, silu(x) = x/2 + x^2/4 is x/2 in float64: a float16 or
 * bfloat16 midpoint once x/2 is subnormal there.  One float64 ulp toward the
 * true side (magnitude up for x > 0, down for x < 0) breaks the tie before
 * the narrowing (loops.h's narrow loops). */
FR_INLINE double fr_silu_tie_f64(double x, double r) {
    int64_t nudge = x != 0.0 && fabs(x) < 0x1p-60 ? (x > 0.0 ? 1 : -1) : 0;
    return fr_f64_from_bits(fr_bits_f64(r) + (uint64_t)nudge);
}

/* silu'(x) = s (1 + x c), s = sigmoid(x), c = sigmoid(-x); the limits 1 at
 * +inf and -0 at -inf written out (x c and s x would be inf * 0 there). */
#define FR_DSILU(T, x, s, c)                                                   \
    ((x) > (T)760 ? (T)1 : ((x) < (T)-760 ? (T)-0.0 : (s) * ((T)1 + (x) * (c))))
FR_INLINE double fr_dsilu_fast_f64(double x) {
    double s, c;
    fr_sigmoid_pair_fast_f64(x, &s, &c);
    return FR_DSILU(double, x, s, c);
}
/* float32 in float64, one kernel for both modes (sigmoid(x) of a float32 x
 * can be subnormal in float32, never in float64).  float32 needs far less
 * than float64 gives: exp as Taylor to t^10 (2^-42 relative) and one
 * reciprocal for both s and c, no error terms; no FMA (same bits on every
 * level).  Near silu's minimum (x = -1.2785) 1 + x c cancels, but a float32
 * x can get no closer than ~2^-24 relative, so 2^-42 stays below 2^-17 ulp. */
FR_INLINE float fr_silu_bwd_f32(float gf, float xf) {
    double x = xf, z = -fabs(x);
    z = z < -700.0 ? -700.0 : z;                    /* keeps NaN */
    double t, nm = fr_reduce_f64x(z, &t);
    double e = (fr_taylor_tail_f64(t, 0, 10, 0) * fr_scale_F64(nm)) * FR_DOWN_F64;
    double r = 1.0 / (1.0 + e);
    int pos = x > 0.0;
    double s = pos ? r : e * r, c = pos ? e * r : r;
    return (float)((double)gf * FR_DSILU(double, x, s, c));
}
FR_INLINE double fr_silu_bwd_fast_f64(double g, double x) { return g * fr_dsilu_fast_f64(x); }
FR_INLINE double fr_silu_bwd_exact_f64(double g, double x) {
    double s = fr_sigmoid_exact_f64(x), c = fr_sigmoid_exact_f64(-x);
    return g * FR_DSILU(double, x, s, c);
}

/* ---- softplus = log(1 + e^x) = max(x, 0) + log1p(e^-|x|) -----------------
 * log_sigmoid(x) = -softplus(-x); fast: exp_family.h's fr_softplus_fast_*. */

/* exact float64: L = log1p(e) as Lh + Ll to ~2^-100: one Newton step on the
 * fast value y0, L = y0 + ((1 + e) e^-y0 - 1), in double-double; below
 * e = 2^-20 the series e - e^2/2 + e^3/3 instead (the step's absolute error
 * would swamp a tiny L).  No FMA: the same bits on every ISA level. */
FR_INLINE void fr_softplus_dd_f64(double x, double *h, double *l) {
    double z = -fabs(x);
    z = z < -750.0 ? -750.0 : z;
    double Eh, El, s;
    fr_exp_dd_f64(z, &Eh, &El, &s);
    double e = (Eh * s) * FR_DOWN_F64, el = (El * s) * FR_DOWN_F64;
    double d, dl;
    fr_fast_two_sum_f64(1.0, e, &d, &dl);
    dl += el;
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
 * a double-double evaluation (~2^-100) decides.  Correct rounding gives the
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
    double err = h - (double)f;                    /* exact */
    float g = nextafterf(f, err > 0.0 ? INFINITY : -INFINITY);
    int tie = err != 0.0 && err == ((double)g - (double)f) * 0.5;
    return tie && l != 0.0 && ((l > 0.0) == (err > 0.0)) ? g : f;
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
