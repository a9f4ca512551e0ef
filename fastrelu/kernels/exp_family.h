/* The fast sigmoid family for one floating type: sigmoid, silu, the pair
 * sigmoid(x), sigmoid(-x), softplus and log_sigmoid from one e^-|x|.
 *
 * A template: scalar.h includes this file once per variant, with
 *   FR_T     the C type                  FR_SUF  the name suffix (f32, f64, f64x)
 *   FR_S     the constants' suffix (F32, F64: FR_LOG2E_F32, ...)
 *   FR_FUSED 1 when a*b+c is one FMA (fast mode on an FMA level), else 0
 *   FR_H     h(t) = (e^t - 1 - t) / t^2, the exp polynomial
 *   FR_ZMIN, FR_ZMIN_SILU   sigmoid(ZMIN) and ZMIN_SILU e^ZMIN_SILU round to 0
 *   FR_LOG1P_TERMS          terms of the atanh series in log1p
 * and undefines them after.  Every function is static inline, named
 * fr_<what>_<suffix> (fr_sigmoid_fast_f32), and computes exactly what the
 * numba twin computes, operation for operation.
 *
 * sigmoid(x), z = -|x|: e = e^z = (1 + u) 2^n, u = t + t^2 h(t).  Rounding
 * 1 + u and 1 + e each costs up to 1 ulp of the result (when e and the result
 * straddle a binade), so both errors are kept exactly (el, dl) and folded
 * back: (N + nl) / (d + dl) ~ q + (nl - q dl) / d, where 1/d needs only a few
 * bits: 1/(1 + e) ~ 0.9571 - e/2 on [0, 1] (4%).  No second division.
 */
#define FR_FN(name) FR_SCAT(name, FR_SCAT(_, FR_SUF))
#define FR_C(name) FR_SCAT(FR_SCAT(FR_, name), FR_SCAT(_, FR_S))

/* a*b + c, one rounding or two as the variant says */
FR_INLINE FR_T FR_FN(fr_ma)(FR_T a, FR_T b, FR_T c) {
#if FR_FUSED
    return _Generic(a, float: fmaf, double: fma)(a, b, c);
#else
    return a * b + c;
#endif
}

/* a b - p exactly, for p = fl(a b): one FMA, or Veltkamp-Dekker without */
FR_INLINE FR_T FR_FN(fr_prod_err)(FR_T a, FR_T b, FR_T p) {
#if FR_FUSED
    return FR_FN(fr_ma)(a, b, -p);
#else
    FR_T ca = FR_C(SPLIT) * a, cb = FR_C(SPLIT) * b;
    FR_T ah = ca - (ca - a), al = a - ah, bh = cb - (cb - b), bl = b - bh;
    return ((ah * bh - p) + ah * bl + al * bh) + al * bl;
#endif
}

/* z = n ln2 + t (Cody-Waite, two constants); returns nm = n + MAGIC, whose
 * low bits give 2^(n + K) (fr_scale_F32/F64) */
FR_INLINE FR_T FR_FN(fr_reduce)(FR_T z, FR_T *t) {
    FR_T nm = FR_FN(fr_ma)(z, FR_C(LOG2E), FR_C(MAGIC));
    FR_T n = nm - FR_C(MAGIC);
    FR_T r = FR_FN(fr_ma)(n, -FR_C(LN2_HI), z);
    *t = FR_FN(fr_ma)(n, -FR_C(LN2_LO), r);
    return nm;
}

/* e^z = (p + pl) s 2^-K, p + pl = 1 + u exactly, s = 2^(n + K): the caller
 * scales last, so silu can multiply by x first and round a subnormal x e once */
FR_INLINE void FR_FN(fr_exp_parts_fast)(FR_T z, FR_T *p, FR_T *pl, FR_T *s) {
    FR_T t, nm = FR_FN(fr_reduce)(z, &t);
    FR_T u = FR_FN(fr_ma)(t * t, FR_H(t), t);
    *p = (FR_T)1 + u;
    *pl = u - (*p - (FR_T)1);                      /* exact */
    *s = FR_SCAT(fr_scale_, FR_S)(nm);
}

/* e^-|x| (-|x| clamped at zmin, NaN kept) as e + el; d + dl = 1 + e; the
 * unscaled parts p s and pl s for silu */
typedef struct {
    FR_T e, el, d, dl, ps, pls;
} FR_FN(fr_exp_neg_abs);

FR_INLINE FR_FN(fr_exp_neg_abs) FR_FN(fr_exp_neg_abs_fast)(FR_T x, FR_T zmin) {
    FR_FN(fr_exp_neg_abs) r;
    FR_T z = -FR_ABS(x), p, pl, s;
    z = z < zmin ? zmin : z;                       /* keeps NaN */
    FR_FN(fr_exp_parts_fast)(z, &p, &pl, &s);
    r.e = (p * s) * FR_C(DOWN);
    r.el = (pl * s) * FR_C(DOWN);
    r.d = (FR_T)1 + r.e;
    r.dl = (r.e - (r.d - (FR_T)1)) + r.el;
    r.ps = p * s;
    r.pls = pl * s;
    return r;
}

/* (N + nl) / (d + dl) with one division; e = d - 1 in [0, 1] */
FR_INLINE FR_T FR_FN(fr_ratio)(FR_T N, FR_T nl, FR_FN(fr_exp_neg_abs) E) {
    FR_T q = N / E.d;
    return FR_FN(fr_ma)(FR_FN(fr_ma)(-q, E.dl, nl),
                        FR_FN(fr_ma)((FR_T)-0.5, E.e, (FR_T)0.9571), q);
}

FR_INLINE FR_T FR_FN(fr_sigmoid_fast)(FR_T x) {
    FR_FN(fr_exp_neg_abs) E = FR_FN(fr_exp_neg_abs_fast)(x, (FR_T)(FR_ZMIN));
    int pos = x > (FR_T)0;
    return FR_FN(fr_ratio)(pos ? (FR_T)1 : E.e, pos ? (FR_T)0 : E.el, E);
}

FR_INLINE FR_T FR_FN(fr_silu_fast)(FR_T x) {
    FR_FN(fr_exp_neg_abs) E = FR_FN(fr_exp_neg_abs_fast)(x, (FR_T)(FR_ZMIN_SILU));
    int pos = x > (FR_T)0;
    FR_T xps = x * E.ps, xpl = FR_FN(fr_prod_err)(x, E.ps, xps);   /* x ps exactly */
    /* both parts of x (p + pl) s scaled down last: exact to the subnormals */
    FR_T xe = xps * FR_C(DOWN), xel = FR_FN(fr_ma)(x, E.pls, xpl) * FR_C(DOWN);
    FR_T r = FR_FN(fr_ratio)(pos ? x : xe, pos ? (FR_T)0 : xel, E);
    /* beyond +-ZMIN_SILU, silu is x or -0 (and inf * 0 lurks in r) */
    /* a zero keeps x's sign: silu(-0) = -0, and where x e underflows (the
     * sum of -0 parts in fr_ratio is +0) */
    r = r == (FR_T)0 ? (FR_T)0 * x : r;
    /* NaN: x (quieted), whichever of its copies in the loop computes it: in
     * r, NaNs of both signs meet (z = -|x|), and which one an operation
     * keeps depends on the operand order gcc picked for that copy */
    r = x != x ? x + (FR_T)0 : r;
    return x < (FR_T)(FR_ZMIN_SILU) ? (FR_T)-0.0 : (x > -(FR_T)(FR_ZMIN_SILU) ? x : r);
}

/* s = sigmoid(x), c = sigmoid(-x) = 1 - s without cancellation */
FR_INLINE void FR_FN(fr_sigmoid_pair_fast)(FR_T x, FR_T *s, FR_T *c) {
    FR_FN(fr_exp_neg_abs) E = FR_FN(fr_exp_neg_abs_fast)(x, (FR_T)(FR_ZMIN));
    int pos = x > (FR_T)0;
    *s = FR_FN(fr_ratio)(pos ? (FR_T)1 : E.e, pos ? (FR_T)0 : E.el, E);
    *c = FR_FN(fr_ratio)(pos ? E.e : (FR_T)1, pos ? E.el : (FR_T)0, E);
}

/* L = log1p(e + el) for e = e^-|x| in [0, 1]: f = e, or f = (e - 1)/2
 * (exact) and L = ln2 + log1p(f) when e >= 1/2, so |f| <= 1/2;
 * log1p(f) = f - s (f - R), s = f / (2 + f), R = 2 atanh(s) - 2s in z = s^2
 * (|s| <= 0.2).  f is exact and the correction is below f/5, so L is within
 * ~1 ulp; el enters as el / (1 + f) ~ el (1 - f + f^2). */
FR_INLINE FR_T FR_FN(fr_log1p_small)(FR_T e, FR_T el) {
    int red = e >= (FR_T)0.5;
    FR_T f = red ? (e - (FR_T)1) * (FR_T)0.5 : e;
    FR_T fl = red ? el * (FR_T)0.5 : el;
    FR_T s = f / ((FR_T)2 + f), z = s * s;
    FR_T R = (FR_T)fr_atanh_coef_f64[FR_LOG1P_TERMS - 1];
    FR_UNROLL
    for (int k = FR_LOG1P_TERMS - 2; k >= 0; k--) R = FR_FN(fr_ma)(R, z, (FR_T)fr_atanh_coef_f64[k]);
    R = R * z;
    FR_T hi = red ? FR_C(LN2_HI) : (FR_T)0, lo = red ? FR_C(LN2_LO) : (FR_T)0;
    FR_T c = fl * FR_FN(fr_ma)(f, f - (FR_T)1, (FR_T)1);
    return hi + (f - (s * (f - R) - (lo + c)));
}

/* softplus = max(x, 0) + log1p(e^-|x|); log_sigmoid(x) = -softplus(-x) */
FR_INLINE FR_T FR_FN(fr_softplus_fast)(FR_T x) {
    FR_FN(fr_exp_neg_abs) E = FR_FN(fr_exp_neg_abs_fast)(x, (FR_T)(FR_ZMIN));
    return (x > (FR_T)0 ? x : (FR_T)0) + FR_FN(fr_log1p_small)(E.e, E.el);
}
FR_INLINE FR_T FR_FN(fr_log_sigmoid_fast)(FR_T x) { return -FR_FN(fr_softplus_fast)(-x); }

#undef FR_FN
#undef FR_C
#undef FR_T
#undef FR_SUF
#undef FR_S
#undef FR_FUSED
#undef FR_H
#undef FR_ABS
#undef FR_ZMIN
#undef FR_ZMIN_SILU
#undef FR_LOG1P_TERMS
