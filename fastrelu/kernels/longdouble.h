/* fastrelu: the long double (np.longdouble) ops, plain C.
 *
 * Included once, by loops.h (after its FP-flag helpers).  One scalar function
 * per op of kernels.h's op list, fr_ld_<name>, and one strided ufunc inner
 * loop for all of them: no SIMD, no threads, no kernel table (the same code
 * in both accuracy modes and every backend).  x86-64 Linux: 80-bit
 * extended; where long double is double (MSVC) the same code runs in double.
 *
 * libm's long double functions are not accurate enough for a 2 ulp bound
 * (glibc x86-64, sampled: expl 1.06 ulp, log1pl 2.2 ulp), so the
 * transcendental ops carry a low part, as scalar.h's exact float64 kernels
 * do (error-free sums and Dekker products; the build never contracts):
 *   e^z = (Eh + El) 2^n, z = -|x|: n = rint(z / ln2), t = z - n ln2 as a
 *     pair (ln2 as LN2_HI + LN2_LO), 1 + t exactly plus the Taylor rest to t^17,
 *     ~2^-68 relative; 2^n is applied last, so a subnormal result is
 *     rounded once from the 64-bit value;
 *   sigmoid = (x > 0 ? 1 : E) / (1 + e), the quotient with its remainder;
 *   silu = x sigmoid(x) (the product exactly), silu(-inf) = -0.0, silu(-0) = -0;
 *   silu_backward = g (s (1 + x c)), c = sigmoid(-x), s (1 + x c) as a pair,
 *     times g with one rounding (within 2^-3 of silu's minimum, where 1 + x c
 *     cancels, its Taylor series there); the limits at +-inf written out;
 *   softplus = max(x, 0) + log1p(e), log1p as scalar.h's atanh series with
 *     its correction as a pair; log_sigmoid = -softplus(-x);
 *   relu, leaky and backward ops: scalar.h's macros; bias ops act(x + b),
 *   x + b rounded to long double.
 */
#ifndef FASTRELU_LONGDOUBLE_H
#define FASTRELU_LONGDOUBLE_H

#include <float.h>
#include <math.h>
#include <string.h>
#include "kernels.h"
#include "scalar.h"

typedef long double fr_ld;

#define FR_LD_LOG2E 0x1.71547652b82fe1777d0ffda0d23a7ep+0L
#define FR_LD_LN2 0x1.62e42fefa39ef35793c7673007e5eep-1L      /* rounded to long double */
#define FR_LD_LN2_HI 0x1.62e42ffp-1L       /* 29 bits: n * LN2_HI exact for |n| < 2^24 */
#define FR_LD_LN2_LO -0x1.718432a1b0e2633fe0684a85f865e6p-35L /* ln2 - LN2_HI */
/* ln2 - FR_LD_LN2, whatever long double's precision (exact subtraction) */
#define FR_LD_LN2_TAIL ((FR_LD_LN2_HI - FR_LD_LN2) + FR_LD_LN2_LO)
/* e^ZMIN < 2^(emin - mant - 64): every e^-|x| result is 0 below; -|x| is
 * clamped there (NaN handled first), so n fits an int */
#define FR_LD_ZMIN ((fr_ld)(LDBL_MIN_EXP - LDBL_MANT_DIG - 64) * FR_LD_LN2)
/* Dekker's split: 2^ceil(p/2) + 1 */
#define FR_LD_SPLIT ((fr_ld)((1ULL << ((LDBL_MANT_DIG + 1) / 2)) + 1))

/* ---- error-free transformations ---------------------------------------- */
#define FR_LD_TWO_SUM(a, b, s, e) do { fr_ld s_ = (a) + (b), bb_ = s_ - (a); \
    (e) = ((a) - (s_ - bb_)) + ((b) - bb_); (s) = s_; } while (0)
#define FR_LD_FAST_TWO_SUM(a, b, s, e) do { fr_ld s_ = (a) + (b); \
    (e) = (b) - (s_ - (a)); (s) = s_; } while (0)
/* p + e = a b exactly (|a|, |b| far from overflow) */
FR_INLINE void fr_ld_two_prod(fr_ld a, fr_ld b, fr_ld *p, fr_ld *e) {
    fr_ld ca = FR_LD_SPLIT * a, cb = FR_LD_SPLIT * b;
    fr_ld ah = ca - (ca - a), al = a - ah, bh = cb - (cb - b), bl = b - bh;
    *p = a * b;
    *e = ((ah * bh - *p) + ah * bl + al * bh) + al * bl;
}
/* (ah + al)(bh + bl) as a pair */
FR_INLINE void fr_ld_mul_dd(fr_ld ah, fr_ld al, fr_ld bh, fr_ld bl, fr_ld *h, fr_ld *l) {
    fr_ld p, e;
    fr_ld_two_prod(ah, bh, &p, &e);
    e += ah * bl + al * bh;
    FR_LD_FAST_TWO_SUM(p, e, *h, *l);
}
/* (nh + nl) / (dh + dl) as a pair: the quotient, then its remainder */
FR_INLINE void fr_ld_div_dd(fr_ld nh, fr_ld nl, fr_ld dh, fr_ld dl, fr_ld *h, fr_ld *l) {
    fr_ld q = nh / dh, p, pe;
    fr_ld_two_prod(q, dh, &p, &pe);
    fr_ld r = (((nh - p) - pe) + nl) - q * dl;
    FR_LD_FAST_TWO_SUM(q, r / dh, *h, *l);
}

/* ---- e^z ------------------------------------------------------------------ */
/* 1/k!, k = 3..17 (k! exact in long double; the division rounds once) */
static const fr_ld fr_ld_inv_fact[15] = {
    1.0L / 6, 1.0L / 24, 1.0L / 120, 1.0L / 720, 1.0L / 5040, 1.0L / 40320, 1.0L / 362880,
    1.0L / 3628800, 1.0L / 39916800, 1.0L / 479001600, 1.0L / 6227020800.0L,
    1.0L / 87178291200.0L, 1.0L / 1307674368000.0L, 1.0L / 20922789888000.0L,
    1.0L / 355687428096000.0L};

/* e^z = (Eh + El) 2^n for z in [ZMIN, 0], Eh in [0.7, 1.42], ~2^-68 relative */
FR_INLINE int fr_ld_exp_parts(fr_ld z, fr_ld *Eh, fr_ld *El) {
    fr_ld nf = rintl(z * FR_LD_LOG2E);
    fr_ld a = z - nf * FR_LD_LN2_HI;             /* exact (Sterbenz) */
    fr_ld th, tl;
    FR_LD_TWO_SUM(a, -(nf * FR_LD_LN2_LO), th, tl);
    fr_ld q = fr_ld_inv_fact[14];
    for (int k = 13; k >= 0; k--) q = q * th + fr_ld_inv_fact[k];
    fr_ld sqh, sql, sh, sl;
    fr_ld_two_prod(th, th, &sqh, &sql);
    FR_LD_FAST_TWO_SUM(1.0L, th, sh, sl);
    /* 1 + th + th^2/2 + th^3 q + tl e^th */
    fr_ld rest = ((tl * (1 + th) + (sqh * th) * q) + (sl + 0.5L * sql)) + 0.5L * sqh;
    FR_LD_FAST_TWO_SUM(sh, rest, *Eh, *El);
    return (int)nf;
}

/* 2^n, the scale of e^-|x| = (Eh + El) 2^n: v 2^n rounded once is v p while
 * 2^n is normal (one ldexpl per element), else ldexpl(v, n) (|x| > 11355) */
typedef struct { int n; fr_ld p; } fr_ld_pow2;
FR_INLINE fr_ld_pow2 fr_ld_pow2_of(int n) {
    fr_ld_pow2 s = {n, n == 0 ? 1.0L : n >= LDBL_MIN_EXP - 1 ? ldexpl(1.0L, n) : 0.0L};
    return s;
}
FR_INLINE fr_ld fr_ld_scale(fr_ld v, fr_ld_pow2 s) {
    return s.n >= LDBL_MIN_EXP - 1 ? v * s.p : ldexpl(v, s.n);
}

/* e^-|x| for a non-NaN x: (Eh + El) 2^n; d + dl = 1 + e^-|x| exactly */
FR_INLINE fr_ld_pow2 fr_ld_exp_neg_abs(fr_ld x, fr_ld *Eh, fr_ld *El, fr_ld *d, fr_ld *dl) {
    fr_ld z = -fabsl(x);
    fr_ld_pow2 s = fr_ld_pow2_of(fr_ld_exp_parts(z < FR_LD_ZMIN ? FR_LD_ZMIN : z, Eh, El));
    FR_LD_FAST_TWO_SUM(1.0L, fr_ld_scale(*Eh, s), *d, *dl);
    *dl += fr_ld_scale(*El, s);
    return s;
}

/* g (uh + ul) rounded once: Dekker's product where it is exact (nothing
 * overflows, nothing that matters underflows), else fmal (glibc's long
 * double fmal is ~20x slower), with a small g scaled up by 2^64 so that
 * g ul does not underflow (a subnormal result then rounds twice) */
#define FR_LD_SPLIT_MAX (LDBL_MAX / (4 * FR_LD_SPLIT))
#define FR_LD_DEKKER_MIN (LDBL_MIN * 0x1p70L)
FR_INLINE fr_ld fr_ld_mul_once(fr_ld g, fr_ld uh, fr_ld ul) {
    fr_ld p = fabsl(g * uh), pe;
    if (!(fabsl(g) < FR_LD_SPLIT_MAX && p >= FR_LD_DEKKER_MIN && p < FR_LD_SPLIT_MAX)) {
        fr_ld k = fabsl(g) < 1 ? 0x1p64L : 1;
        return fmal(g * k, uh, (g * k) * ul) / k;
    }
    fr_ld_two_prod(g, uh, &p, &pe);
    return p + (pe + g * ul);
}

/* ---- the ops ----------------------------------------------------------- */
FR_INLINE fr_ld fr_ld_relu(fr_ld x) { return FR_RELU(x); }
FR_INLINE fr_ld fr_ld_relu_backward(fr_ld g, fr_ld y) { return FR_RELU_BWD(g, y); }
FR_INLINE fr_ld fr_ld_sigmoid_backward(fr_ld g, fr_ld y) { return FR_SIGMOID_BWD(g, y); }
FR_INLINE fr_ld fr_ld_leaky_relu(fr_ld x, fr_ld a) { return FR_LEAKY_RELU(x, a); }
FR_INLINE fr_ld fr_ld_leaky_relu_backward(fr_ld g, fr_ld x, fr_ld a) {
    return FR_LEAKY_RELU_BWD(g, x, a);
}

FR_INLINE fr_ld fr_ld_sigmoid(fr_ld x) {
    if (x != x) return x;
    fr_ld Eh, El, d, dl, qh, ql;
    fr_ld_pow2 sc = fr_ld_exp_neg_abs(x, &Eh, &El, &d, &dl);
    if (x > 0) {
        fr_ld_div_dd(1, 0, d, dl, &qh, &ql);
        return qh + ql;
    }
    fr_ld_div_dd(Eh, El, d, dl, &qh, &ql);
    return fr_ld_scale(qh + ql, sc);
}

FR_INLINE fr_ld fr_ld_silu(fr_ld x) {
    if (x != x) return x;
    if (x < FR_LD_ZMIN) return -0.0L;                   /* -inf too */
    if (x > -FR_LD_ZMIN) return x;                      /* +inf too */
    fr_ld Eh, El, d, dl, ph, pl, qh, ql;
    fr_ld_pow2 sc = fr_ld_exp_neg_abs(x, &Eh, &El, &d, &dl);
    if (x > 0) {
        fr_ld_div_dd(x, 0, d, dl, &qh, &ql);
        return qh + ql;
    }
    fr_ld_two_prod(x, Eh, &ph, &pl);                   /* x e 2^-n */
    fr_ld_div_dd(ph, pl + x * El, d, dl, &qh, &ql);
    fr_ld r = fr_ld_scale(qh + ql, sc);
    return x == 0 ? x : r;                              /* silu(-0) = -0 */
}

/* The backward ops' derivative within 2^-3 of its zero x0, where the sum
 * cancels (silu': the pair c carries ~2^-68, 2^4 ulp at 2^-10 from x0 and
 * all of them at the long double nearest it; gelu': erfcl's few ulp,
 * unbounded there): scalar.h's window (fr_zero_series_f64) in long double,
 * t (A1 + t (A2 + t Q(t))), t = x - x0 as a pair (x0, A1, A2: scalar.h's
 * doubles), Q to t^16 with 64-bit coefficients (tools/zero_series.py --op
 * <op> --longdouble; the next term is 2^-73.5 (silu'), 2^-69 (gelu')
 * relative at 2^-3), as uh + ul */
static const long double fr_ld_dsilu_x0_taylor[14] = {
    0x1.353eb573ca45751ap-6L, -0x1.f2d0e32bc2993baap-7L, -0x1.b0f82c498fd2f2f2p-8L,
    0x1.098e92b8f076cabep-13L, 0x1.a2a7caf0ee746ac8p-11L, 0x1.8574d136d4cb3bf8p-13L,
    -0x1.57238dca12614ff2p-15L, -0x1.f2d8976600f6eca6p-16L, -0x1.8af40fd30a2bbbdap-19L,
    0x1.3ae0f751df482d8ap-19L, 0x1.cdb14ef8f64916d8p-21L, -0x1.061994e63271c552p-25L,
    -0x1.8dffda8a766a9a0ap-24L, -0x1.4450a9df8b6ae39ep-26L};
static const long double fr_ld_dgelu_x0_taylor[14] = {
    -0x1.2a2ef9bb865adfb6p-6L, -0x1.d2fa4c17c7e842dcp-4L, -0x1.e4088244f901d2c8p-7L,
    0x1.3e346def420568a4p-6L, 0x1.297b9d6ffaacd57ep-8L, -0x1.258a6d85633af3ecp-9L,
    -0x1.8680f74e6b6b9c1ep-11L, 0x1.86c863b66083bb86p-13L, 0x1.69610924deba82ecp-14L,
    -0x1.784acad4b941e734p-17L, -0x1.03fec69bdd553eacp-17L, 0x1.d0c38b7a117cc674p-22L,
    0x1.322a347f1968b0ccp-21L, -0x1.b9057b3d934865dep-30L};
#define FR_LD_SERIES_TERMS 14
/* z: scalar.h's series of the op (its double Taylor table unused) */
FR_INLINE void fr_ld_zero_series(const fr_zero_series *z, const long double *taylor, fr_ld x,
                                 fr_ld *uh, fr_ld *ul) {
    fr_ld th, tl, ph, pl, Gh, Gl, Q = 0;
    FR_LD_TWO_SUM(x - z->x0[0], -(fr_ld)z->x0[1], th, tl);  /* x - X0_HI: exact */
    tl -= z->x0[2];
    for (int k = FR_LD_SERIES_TERMS; k-- > 0;)
        Q = Q * th + taylor[k];
    fr_ld_two_prod(th, z->a2[0], &ph, &pl);
    FR_LD_FAST_TWO_SUM((fr_ld)z->a1[0], ph, Gh, Gl);
    Gl += z->a1[1] + (pl + th * (z->a2[1] + th * Q));
    fr_ld_two_prod(th, Gh, uh, ul);
    *ul += th * Gl + tl * Gh;
}
FR_INLINE int fr_ld_zero_series_near(const fr_zero_series *z, fr_ld x) {
    return fabsl(x - z->x0[0]) < z->near;
}

/* g silu'(x), silu'(x) = s (1 + x c), s = sigmoid(x), c = sigmoid(-x) */
FR_INLINE fr_ld fr_ld_silu_backward(fr_ld g, fr_ld x) {
    if (x != x) return x + g;
    if (x < FR_LD_ZMIN) return g * -0.0L;               /* the limits (x c is inf * 0) */
    if (x > -FR_LD_ZMIN) return g;
    fr_ld Eh, El, d, dl, sh, sl, ch, cl, ph, pl, th, tl, uh, ul;
    if (fr_ld_zero_series_near(&fr_dsilu_series, x)) {
        fr_ld_zero_series(&fr_dsilu_series, fr_ld_dsilu_x0_taylor, x, &uh, &ul);
        return fr_ld_mul_once(g, uh, ul);
    }
    fr_ld_pow2 sc = fr_ld_exp_neg_abs(x, &Eh, &El, &d, &dl);
    int pos = x > 0;
    /* the one of s, c that is e / (1 + e) is kept unscaled (times 2^-n) */
    fr_ld_div_dd(pos ? 1 : Eh, pos ? 0 : El, d, dl, &sh, &sl);
    fr_ld_div_dd(pos ? Eh : 1, pos ? El : 0, d, dl, &ch, &cl);
    fr_ld_mul_dd(x, 0, ch, cl, &ph, &pl);
    if (pos) {                                          /* x c = (ph + pl) 2^n */
        ph = fr_ld_scale(ph, sc);
        pl = fr_ld_scale(pl, sc);
    }
    FR_LD_TWO_SUM(1.0L, ph, th, tl);                    /* 1 + x c */
    tl += pl;
    fr_ld_mul_dd(sh, sl, th, tl, &uh, &ul);            /* silu'(x) (x <= 0: 2^-n silu'(x)) */
    int late = !pos && sc.n <= LDBL_MIN_EXP + 32;       /* silu'(x) near the subnormals: */
    if (!pos && !late) {                                /* scaled after the product */
        uh = fr_ld_scale(uh, sc);
        ul = fr_ld_scale(ul, sc);
    }
    fr_ld r = fr_ld_mul_once(g, uh, ul);
    return late ? ldexpl(r, sc.n) : r;
}

/* log1p(e + el), e in [0, 1], as Lh + Ll: scalar.h's f - s (f - R), with
 * s = f / (2 + f) and the correction s (f - R) as pairs */
static const fr_ld fr_ld_atanh_coef[16] = {           /* 2 / (2k + 1), k = 1..16 */
    2.0L / 3, 2.0L / 5, 2.0L / 7, 2.0L / 9, 2.0L / 11, 2.0L / 13, 2.0L / 15, 2.0L / 17,
    2.0L / 19, 2.0L / 21, 2.0L / 23, 2.0L / 25, 2.0L / 27, 2.0L / 29, 2.0L / 31, 2.0L / 33};
FR_INLINE void fr_ld_log1p_dd(fr_ld e, fr_ld el, fr_ld *Lh, fr_ld *Ll) {
    int red = e >= 0.5L;                                /* 1 + e = 2 (1 + f) */
    fr_ld f = red ? (e - 1) * 0.5L : e, fl = red ? el * 0.5L : el;
    fr_ld gh, gl, sh, sl, wh, wl, ch, cl, A, Ae, B, Be;
    FR_LD_FAST_TWO_SUM(2.0L, f, gh, gl);
    fr_ld_div_dd(f, 0, gh, gl, &sh, &sl);               /* s, |s| <= 0.2 */
    fr_ld z = sh * sh, R = fr_ld_atanh_coef[15];
    for (int k = 14; k >= 0; k--) R = R * z + fr_ld_atanh_coef[k];
    FR_LD_TWO_SUM(f, -(R * z), wh, wl);                 /* f - R */
    fr_ld_mul_dd(sh, sl, wh, wl, &ch, &cl);
    if (red) {
        FR_LD_TWO_SUM(FR_LD_LN2, f, A, Ae);
    } else {
        A = f;
        Ae = 0;
    }
    FR_LD_TWO_SUM(A, -ch, B, Be);
    fr_ld rest = ((((red ? FR_LD_LN2_TAIL : 0) + Ae) + fl / (1 + f)) - cl) + Be;
    FR_LD_FAST_TWO_SUM(B, rest, *Lh, *Ll);
}

FR_INLINE fr_ld fr_ld_softplus(fr_ld x) {
    if (x != x) return x;
    fr_ld Eh, El, d, dl, Lh, Ll, S, Se;
    fr_ld_pow2 sc = fr_ld_exp_neg_abs(x, &Eh, &El, &d, &dl);
    fr_ld_log1p_dd(fr_ld_scale(Eh, sc), fr_ld_scale(El, sc), &Lh, &Ll);
    if (!(x > 0)) return Lh + Ll;
    if (x > 0x1p70L) return x;                          /* +inf too */
    FR_LD_TWO_SUM(x, Lh, S, Se);
    return S + (Se + Ll);
}
FR_INLINE fr_ld fr_ld_log_sigmoid(fr_ld x) { return -fr_ld_softplus(-x); }

/* gelu = x Phi(x), Phi(x) = erfc(v)/2, v = -x/sqrt2 = vh + vl (a Dekker
 * product): erfc(vh + vl) = erfc(vh) - (2/sqrt(pi)) e^-vh^2 vl to first order
 * (vl ~ 2^-64 vh), so the rounding of v does not cost ~v^2 ulp.  libm's
 * erfcl below v = 3 (glibc: a few ulp), a continued fraction above;
 * -0.0 below -200 (-inf too), x above. */
#define FR_LD_SQRT1_2 0x1.6a09e667f3bcc908b2fb1366ea957d3ep-1L
#define FR_LD_SQRT1_2_LO 0x1.65f626cdd52b0p-66L       /* sqrt(1/2) - FR_LD_SQRT1_2 (80-bit) */
#define FR_LD_2_SQRTPI 0x1.20dd750429b6d11ae3a914fed7fd8688p+0L
#define FR_LD_1_SQRT2PI 0x1.9884533d436508d0fcb3c500bab8p-2L
#define FR_LD_SQRTPI 0x1.c5bf891b4ef6aa79c3b0520d5db9383fp+0L
FR_INLINE fr_ld fr_ld_phi_big(fr_ld x) {               /* Phi(x) = erfc(-x/sqrt2)/2 */
    fr_ld vh, vl;
    fr_ld_two_prod(-x, FR_LD_SQRT1_2, &vh, &vl);
    vl += -x * (LDBL_MANT_DIG == 64 ? FR_LD_SQRT1_2_LO : -0x1.bdd3413b26456p-55L);
    if (vh >= 3) {
        /* glibc's erfcl rounds v^2 + 0.5625 inside (~v^2 2^-64 relative: 9000
         * ulp at v = 97): erfc(v) = e^-v^2 / (sqrt(pi) t), t Laplace's continued
         * fraction v + (1/2)/(v + 1/(v + (3/2)/(v + ...))), 60 terms (< 1e-5
         * ulp from v = 3 on), v^2 = (vh + vl)^2 as a pair */
        fr_ld t = vh, sh, sl;
        for (int k = 60; k >= 1; k--) t = vh + (0.5L * k) / t;
        fr_ld_two_prod(vh, vh, &sh, &sl);
        return expl(-sh) * (1 - (sl + 2 * vh * vl)) / (FR_LD_SQRTPI * t) * 0.5L;
    }
    return (erfcl(vh) - FR_LD_2_SQRTPI * expl(-vh * vh) * vl) * 0.5L;
}
FR_INLINE fr_ld fr_ld_gelu(fr_ld x) {
    if (x != x) return x;
    if (x < -200) return -0.0L;
    if (x > 200) return x;
    return x * fr_ld_phi_big(x);                        /* gelu(-0) = -0 */
}
/* g (Phi(x) + x phi(x)), phi(x) = e^(-x^2/2)/sqrt(2 pi) with x^2 as a pair;
 * within 2^-3 of gelu's minimum (x = -0.7518), where the sum cancels, the
 * series at its zero */
FR_INLINE fr_ld fr_ld_gelu_backward(fr_ld g, fr_ld x) {
    if (x != x) return x + g;
    if (x < -200) return g * -0.0L;
    if (x > 200) return g;
    if (fr_ld_zero_series_near(&fr_dgelu_series, x)) {
        fr_ld uh, ul;
        fr_ld_zero_series(&fr_dgelu_series, fr_ld_dgelu_x0_taylor, x, &uh, &ul);
        return fr_ld_mul_once(g, uh, ul);
    }
    fr_ld sh, sl;
    fr_ld_two_prod(x, x, &sh, &sl);
    fr_ld phi = expl(-0.5L * sh) * (1 - 0.5L * sl) * FR_LD_1_SQRT2PI;
    return g * (fr_ld_phi_big(x) + x * phi);
}
FR_INLINE fr_ld fr_ld_bias_relu(fr_ld x, fr_ld b) { return fr_ld_relu(x + b); }
FR_INLINE fr_ld fr_ld_bias_sigmoid(fr_ld x, fr_ld b) { return fr_ld_sigmoid(x + b); }
FR_INLINE fr_ld fr_ld_bias_silu(fr_ld x, fr_ld b) { return fr_ld_silu(x + b); }

/* ---- the ufunc inner loop -------------------------------------------------
 * Any strides (memcpy: no alignment assumed); the data slot carries the op.
 * Generated from the op list, so an op without its fr_ld_<name> does not
 * compile.  Restores every FP flag (x87 included). */
FR_INLINE fr_ld fr_ld_load(const char *p) { fr_ld v; memcpy(&v, p, sizeof v); return v; }
#define FR_LD_LOOP_UNARY(f)                                                    \
    for (npy_intp i = 0; i < n; i++) {                                         \
        fr_ld r = f(fr_ld_load(args[0] + i * steps[0]));                       \
        memcpy(args[1] + i * steps[1], &r, sizeof r);                          \
    }
#define FR_LD_LOOP_BINARY(f)                                                   \
    for (npy_intp i = 0; i < n; i++) {                                         \
        fr_ld r = f(fr_ld_load(args[0] + i * steps[0]),                        \
                    fr_ld_load(args[1] + i * steps[1]));                       \
        memcpy(args[2] + i * steps[2], &r, sizeof r);                          \
    }
#define FR_LD_LOOP_FUSED FR_LD_LOOP_BINARY
#define FR_LD_LOOP_TERNARY(f)                                                  \
    for (npy_intp i = 0; i < n; i++) {                                         \
        fr_ld r = f(fr_ld_load(args[0] + i * steps[0]),                        \
                    fr_ld_load(args[1] + i * steps[1]),                        \
                    fr_ld_load(args[2] + i * steps[2]));                       \
        memcpy(args[3] + i * steps[3], &r, sizeof r);                          \
    }
#define FR_LD_CASE_(ID, name, kind, threshold, ...) \
    case FR_##ID: { FR_LD_LOOP_##kind(fr_ld_##name) } break;

static void fr_loop_ld(char **args, npy_intp const *dims, npy_intp const *steps, void *data) {
    npy_intp n = dims[0];
    fr_fpstate_all fp = fr_fp_save_all();
    switch ((int)(intptr_t)data) {
        FR_OPS(FR_LD_CASE_)
    default: break;
    }
    fr_fp_restore_all(fp);
}

#endif /* FASTRELU_LONGDOUBLE_H */
