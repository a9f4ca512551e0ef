/* fastrelu: the SIMD sigmoid family's math (sigmoid, silu, softplus,
 * log_sigmoid; the bias rows add b as each vector loads) for one dtype at
 * one ISA level.  A
 * template: sigmoid_simd.h includes it once per dtype with
 *   FR_SUF f32|f64   FR_T the C type   FR_S F32|F64 (scalar.h's constants)
 *   FR_PS_PD, FR_EPI, FR_MANT_BITS     the dtype's names in intrinsics
 *   FR_EXP_COEF, FR_EXP_DEGREE         exp_poly.h's polynomial
 *   FR_LOG1P_R_COEF, FR_LOG1P_R_DEGREE softplus's series (exp_poly.h)
 *   FR_ZMIN, FR_ZMIN_SILU              sigmoid(ZMIN), ZMIN_SILU e^ZMIN_SILU round to 0
 *   FR_Z_SAFE                          z's clamp: e, e^2 normal for z >= this
 * over the level's vector layer (sigmoid_avx2.h, sigmoid_avx512f.h): FR_LEVEL,
 * fr_vec_<suf>_<level> and fr_mask_<suf>_<level>, FR_VOP(op) (the intrinsic
 * both levels name alike: FR_VOP(fmadd) = _mm256_fmadd_ps, _mm512_fmadd_ps)
 * and the FR_V_* steps where the levels differ; and undefines the dtype's
 * macros after.  Every function works lane by lane: a value's bits never
 * depend on its neighbours, so the loop body, the one-vector loop and the
 * masked tail agree.
 *
 * sigmoid(x), z = max(-|x|, zmin):
 *   n = round(z log2e), t = z - n ln2 (Cody-Waite, two constants),
 *   e = p(t) 2^n, p a minimax polynomial of e^t (exp_poly.h), with 2^n
 *   applied so that a subnormal e is rounded once, not flushed (FR_V_SCALE);
 *   q = e / (1 + e), then f = e - e q (one FMA) = e / (1 + e) again, but
 *   with the rounding of 1 + e and of the division scaled down by e q
 *   (float64 with FR_DIV_SLOW: f = q + rho r, fr_ratio_parts below);
 *   sigmoid = x > 0 ? 1 - f : f.
 *
 * silu(x) = max(x, 0) + z F, F = e / (1 + e) = sigmoid(z): for x > 0 that is
 *   x - x F = x sigmoid(x), for x <= 0 it is x F.  F must be better than one
 *   rounding (the roundings of 1 + e and of the division cost up to 1 ulp
 *   each where e and the result straddle a binade), so it is q + c to
 *   ~2^-46: q = e / (1 + e) rounded (float64 with FR_DIV_SLOW: e r, r a one-step
 *   reciprocal, within 2^-28), rho = e - q (1 + e) its remainder as (e - q)
 *   - q e (e - q is exact: q lies in [e/2, e], but for e within an ulp or
 *   two of 1, where it is off by 2^-54 at most; one FMA rounds the tiny rho
 *   once), c = rho / (1 + e) ~ rho (1 - q) (float64, FR_DIV_SLOW: rho r).  Then
 *   silu = z q + (z c + max(-0, x)), two FMAs, one rounding that counts.
 *   max(-0, x) is x for x >= +0 and -0 otherwise (vmax returns its second
 *   operand for two zeros), so silu(-0) = -0 and silu(x < zmin) = -0.
 *   Beyond FR_Z_SAFE (fr_tiny_fix), F = e to 2^-124 / 2^-350 relative and
 *   silu = (z p) 2^n, scaled last so a subnormal result is rounded once.
 *
 * softplus(x) = max(x, 0) + log1p(e) (fr_softplus below), log_sigmoid(x) =
 *   -softplus(-x): max 1.722 ulp over all float32 inputs, 1.49 sampled in
 *   float64 (e's rounding is not carried, as scalar.h's el is).
 */
#define FR_VFN(name) FR_SCAT(FR_SCAT(name, _), FR_SCAT(FR_SUF, FR_SCAT(_, FR_LEVEL)))
#define FR_V FR_VFN(fr_vec)
#define FR_M FR_VFN(fr_mask)
#define FR_LANES ((int)(sizeof(FR_V) / sizeof(FR_T)))
#define FR_C(name) FR_SCAT(FR_SCAT(FR_, name), FR_SCAT(_, FR_S))

/* Each function takes nv vectors (a constant after inlining) and runs every
 * step on all of them before the next step, FR_EACH(k) being "for each
 * vector k": the nv independent chains then sit side by side in the code
 * (gcc does not schedule them together on x86, and one chain after the
 * other leaves the divider idle). */
#define FR_EACH(k) FR_UNROLL for (int k = 0; k < nv; k++)
/* e / (1 + e) by a reciprocal (fr_ratio_parts): float64 where the level has one */
#define FR_RATIO_RECIP (FR_RECIP_STEPS && FR_MANT_BITS == 52)

/* p(t) ~ e^t on |t| <= ln2/2, Horner with FMA (coefficients c[0..deg]) */
FR_INLINE void FR_VFN(fr_exp_poly)(const FR_V *t, int nv, const FR_T *c, int deg, FR_V *p) {
    FR_EACH(k) p[k] = FR_VOP(fmadd)(FR_VOP(set1)(c[deg]), t[k], FR_VOP(set1)(c[deg - 1]));
    FR_UNROLL for (int j = deg - 2; j >= 0; j--)
        FR_EACH(k) p[k] = FR_VOP(fmadd)(p[k], t[k], FR_VOP(set1)(c[j]));
}

/* e^z for z in [zmin, 0] (or NaN), per vector: e = FR_V_SCALE(p, scale) */
FR_INLINE void FR_VFN(fr_exp_nonpos)(const FR_V *z, int nv, const FR_T *c, int deg, FR_V *scale,
                                     FR_V *p, FR_V *e) {
    FR_V zl[FR_NV_MAX], n[FR_NV_MAX], t[FR_NV_MAX];
    FR_EACH(k) zl[k] = FR_V_ZLOG2E(z[k]);
    FR_EACH(k) n[k] = FR_V_ROUND_N(zl[k]);
    FR_EACH(k) t[k] = FR_VOP(fnmadd)(n[k], FR_VOP(set1)(FR_C(LN2_HI)), z[k]);
    FR_EACH(k) t[k] = FR_VOP(fnmadd)(n[k], FR_VOP(set1)(FR_C(LN2_LO)), t[k]);
    FR_VFN(fr_exp_poly)(t, nv, c, deg, p);
    FR_EACH(k) scale[k] = FR_V_POW2N(zl[k], n[k]);
    FR_EACH(k) e[k] = FR_V_SCALE(p[k], scale[k]);
}

/* e^z at the dtype's full precision (FR_EXP_COEF), as fr_exp_nonpos.  Float64
 * where the level looks up 16 entries in a register (avx512f): 2^(j/16) from
 * a table and a degree-6 q = e^t - 1 on |t| <= ln2/32.  nm = 16 z log2e +
 * 1.5 2^52 rounded once holds n = round(16 z log2e) in its low bits, j = n
 * mod 16 the lookup's index; the scale is n/16 (one FMA, exact; vscalef
 * takes 2^floor(n/16)), t = z - (n/16) ln2 in two constants (n/16 has 15
 * bits, so its product with LN2_HI is exact); p = Th + (Th q + Tl) rounded
 * once.  11 operations on the FMA ports where the degree-11 polynomial took
 * 14, plus two permutes and an add: on Zen 5, whose permutes share those
 * ports, float64 sigmoid of 16384 in L2 6.9 -> 6.7 us. */
#if defined(FR_V_LOOKUP16_F64) && FR_MANT_BITS == 52
FR_INLINE void FR_VFN(fr_exp_nonpos_full)(const FR_V *z, int nv, FR_V *scale, FR_V *p, FR_V *e) {
    const FR_T *c = fr_exp16_f64_coef;
    FR_V nm[FR_NV_MAX], t[FR_NV_MAX], t2[FR_NV_MAX], q[FR_NV_MAX];
    FR_EACH(k) nm[k] = FR_VOP(fmadd)(z[k], FR_VOP(set1)(16 * FR_LOG2E_F64), FR_VOP(set1)(0x1.8p52));
    FR_EACH(k) scale[k] = FR_VOP(fmsub)(nm[k], FR_VOP(set1)(0x1p-4), FR_VOP(set1)(0x1.8p48));
    FR_EACH(k) t[k] = FR_VOP(fnmadd)(scale[k], FR_VOP(set1)(FR_LN2_HI_F64), z[k]);
    FR_EACH(k) t[k] = FR_VOP(fnmadd)(scale[k], FR_VOP(set1)(FR_LN2_LO_F64), t[k]);
    FR_EACH(k) t2[k] = FR_VOP(mul)(t[k], t[k]);
    FR_VFN(fr_exp_poly)(t, nv, c + 2, 4, q);                        /* c2 + ... + c6 t^4 */
    FR_EACH(k) q[k] = FR_VOP(fmadd)(q[k], t2[k], t[k]);
    FR_EACH(k) {
        FR_V th = FR_V_LOOKUP16_F64(fr_exp16_hi_f64, FR_V_BITS(nm[k]));
        FR_V tl = FR_V_LOOKUP16_F64(fr_exp16_lo_f64, FR_V_BITS(nm[k]));
        p[k] = FR_VOP(add)(th, FR_VOP(fmadd)(th, q[k], tl));
        e[k] = FR_V_SCALE(p[k], scale[k]);
    }
}
#else
FR_INLINE void FR_VFN(fr_exp_nonpos_full)(const FR_V *z, int nv, FR_V *scale, FR_V *p, FR_V *e) {
    FR_VFN(fr_exp_nonpos)(z, nv, FR_EXP_COEF, FR_EXP_DEGREE, scale, p, e);
}
#endif

/* z = max(zmin, -|x|) (keeps NaN), and *m the running min of -|x| over a
 * block (start it at +inf): whether any lane was clamped is then
 * fr_any_below(*m, zmin).  -|x| goes first: vmin returns its second
 * operand for NaN, so a NaN lane leaves *m as it was. */
FR_INLINE FR_V FR_VFN(fr_clamp_neg_abs)(FR_V x, FR_T zmin, FR_V *m) {
    FR_V na = FR_V_NEG_ABS(x);
    *m = FR_V_MIN(na, *m);
    return FR_V_MAX(FR_VOP(set1)(zmin), na);
}
FR_INLINE int FR_VFN(fr_any_below)(FR_V m, FR_T zmin) {
    return FR_V_ANY(FR_V_LESS(m, FR_VOP(set1)(zmin))) != 0;
}

/* for z = max(-|x|, zmin), per vector: e = e^z = FR_V_SCALE(p, scale);
 * returns whether any lane was clamped */
FR_INLINE int FR_VFN(fr_exp_neg_abs)(const FR_V *x, int nv, FR_T zmin, FR_V *z, FR_V *scale,
                                     FR_V *p, FR_V *e) {
    FR_V m = FR_VOP(set1)(INFINITY);
    FR_EACH(k) z[k] = FR_VFN(fr_clamp_neg_abs)(x[k], zmin, &m);
    FR_VFN(fr_exp_nonpos_full)(z, nv, scale, p, e);
    return FR_VFN(fr_any_below)(m, zmin);
}

/* num / d (num NULL: 1 / d): FR_V_RECIP_EST and `steps` Newton steps,
 * then times num, where the level has an estimate (avx512f: 2^-14, each
 * step doubling the bits); else one division */
FR_INLINE void FR_VFN(fr_quotient_steps)(const FR_V *num, const FR_V *d, int nv, int steps,
                                         FR_V *out) {
#if FR_RECIP_STEPS
    FR_EACH(k) out[k] = FR_V_RECIP_EST(d[k]);
    FR_UNROLL for (int j = 0; j < steps; j++)
        FR_EACH(k) out[k] = FR_VOP(fmadd)(out[k], FR_VOP(fnmadd)(d[k], out[k], FR_VOP(set1)(1.0)),
                                          out[k]);
    if (num)
        FR_EACH(k) out[k] = FR_VOP(mul)(num[k], out[k]);
#else
    (void)steps;
    FR_EACH(k) out[k] = FR_VOP(div)(num ? num[k] : FR_VOP(set1)(1.0), d[k]);
#endif
}
/* full precision: FR_RECIP_STEPS steps (one for float32, two for float64) */
FR_INLINE void FR_VFN(fr_quotient)(const FR_V *num, const FR_V *d, int nv, FR_V *out) {
    FR_VFN(fr_quotient_steps)(num, d, nv, FR_RECIP_STEPS, out);
}
/* F = e / (1 + e) (e in [0, 1]) as q + rho r.  Float64 where the level has
 * a reciprocal estimate (FR_RATIO_RECIP): r ~ 1 / (1 + e) (the estimate and
 * one Newton step, 2^-28 relative), q = e r, rho = e - q (1 + e) as (e - q)
 * - q e: e - q is exact (q lies in [e/2, e], but for 1 - e below ~2^-27,
 * where it is rounded once, 2^-54 absolute), and the FMA rounds the small
 * rho once, so neither 1 + e's rounding nor r's error reaches q + rho r
 * beyond ~2^-56 relative.  It replaced a division (vdivpd's 16-cycle
 * throughput bound the loop), then a 2-step reciprocal with a corrected
 * quotient and sigmoid's f = e - e q: float64 sigmoid 4.95 -> 4.2 ns per
 * vector in L2 on Intel, max 1.63 -> 1.41 ulp on the same 1M samples (silu
 * 1.74 -> 1.76).  With a fast divider (Zen 5, FR_RECIP_STEPS 0), float32
 * and the levels without an estimate, q is divided, rounded once (and no r). */
FR_INLINE void FR_VFN(fr_ratio_parts)(const FR_V *e, int nv, FR_V *q, FR_V *rho, FR_V *r) {
#if FR_RATIO_RECIP
    FR_V d[FR_NV_MAX];
    FR_EACH(k) d[k] = FR_VOP(add)(e[k], FR_VOP(set1)(1.0));
    FR_EACH(k) r[k] = FR_V_RECIP_EST(d[k]);
    FR_EACH(k) r[k] = FR_VOP(fmadd)(r[k], FR_VOP(fnmadd)(d[k], r[k], FR_VOP(set1)(1.0)), r[k]);
    FR_EACH(k) q[k] = FR_VOP(mul)(e[k], r[k]);
    FR_EACH(k) rho[k] = FR_VOP(fnmadd)(q[k], e[k], FR_VOP(sub)(e[k], q[k]));
#else                                    /* q divided, rounded once; no r */
    (void)r;
    FR_EACH(k) q[k] = FR_VOP(div)(e[k], FR_VOP(add)(e[k], FR_VOP(set1)(1.0)));
    FR_EACH(k) rho[k] = FR_VOP(fnmadd)(q[k], e[k], FR_VOP(sub)(e[k], q[k]));
#endif
}

/* x[k] becomes sigmoid(x[k]) but in lanes past FR_Z_SAFE; returns whether
 * there were any (fr_tiny_fix below) */
FR_INLINE int FR_VFN(fr_sigmoid)(FR_V *x, int nv) {
    FR_V z[FR_NV_MAX], s[FR_NV_MAX], p[FR_NV_MAX], e[FR_NV_MAX], q[FR_NV_MAX];
    int clamped = FR_VFN(fr_exp_neg_abs)(x, nv, FR_Z_SAFE, z, s, p, e);
#if FR_RATIO_RECIP
    FR_V rho[FR_NV_MAX], r[FR_NV_MAX];
    FR_VFN(fr_ratio_parts)(e, nv, q, rho, r);
#else
    FR_EACH(k) q[k] = FR_VOP(div)(e[k], FR_VOP(add)(e[k], FR_VOP(set1)(1.0)));
#endif
    FR_EACH(k) {
#if FR_RATIO_RECIP
        FR_V f = FR_VOP(fmadd)(rho[k], r[k], q[k]);
#else
        FR_V f = FR_VOP(fnmadd)(e[k], q[k], e[k]);
#endif
        x[k] = FR_V_ONE_MINUS_IF_POSITIVE(x[k], f, FR_VOP(set1)(1.0));
    }
    return clamped;
}

/* x[k] becomes silu(x[k]), as fr_sigmoid */
FR_INLINE int FR_VFN(fr_silu)(FR_V *x, int nv) {
    FR_V z[FR_NV_MAX], s[FR_NV_MAX], p[FR_NV_MAX], e[FR_NV_MAX], q[FR_NV_MAX];
    FR_V rho[FR_NV_MAX], r[FR_NV_MAX];
    int clamped = FR_VFN(fr_exp_neg_abs)(x, nv, FR_Z_SAFE, z, s, p, e);
    FR_VFN(fr_ratio_parts)(e, nv, q, rho, r);
    FR_EACH(k) {
#if FR_RATIO_RECIP
        FR_V c = FR_VOP(mul)(rho[k], r[k]);                     /* rho / (1 + e) */
#else
        FR_V c = FR_VOP(fnmadd)(rho[k], q[k], rho[k]);          /* rho (1 - q) */
#endif
        FR_V relu = FR_V_MAX(FR_VOP(set1)(-0.0), x[k]);         /* two zeros: x's */
        x[k] = FR_VOP(fmadd)(z[k], q[k], FR_VOP(fmadd)(z[k], c, relu));
    }
    return clamped;
}

/* x[k] becomes softplus(x[k]) = max(x, 0) + L, L = log1p(e), e = e^-|x|:
 * scalar.h's fr_log1p_small without e's low part (e is one rounding of
 * p 2^n): f = e, or (e - 1)/2 (exact: one FMA) and L = ln2 + log1p(f) when
 * e >= 1/2; log1p(f) = f - s (f - R), s = f / (2 + f), R = (2 atanh(s) -
 * 2s) / s = s^2 r(s^2), r exp_poly.h's minimax fit.  max(x, 0) is 0 for
 * NaN, whose L is NaN.  neg: log_sigmoid(x) = -softplus(-x) =
 * -(L - min(x, -0)) (L depends on |x| only, and max(-x, 0) = -min(x, -0),
 * zeros included: the bits of negating x too, NaN's sign as well, one
 * operation fewer). */
FR_INLINE int FR_VFN(fr_softplus)(FR_V *x, int nv, int neg) {
    FR_V z[FR_NV_MAX], sc[FR_NV_MAX], p[FR_NV_MAX], e[FR_NV_MAX];
    FR_V f[FR_NV_MAX], d[FR_NV_MAX], s[FR_NV_MAX], s2[FR_NV_MAX], r[FR_NV_MAX];
    FR_M red[FR_NV_MAX];
    int clamped = FR_VFN(fr_exp_neg_abs)(x, nv, FR_Z_SAFE, z, sc, p, e);
    FR_EACH(k) red[k] = FR_V_GE(e[k], FR_VOP(set1)(0.5));
    FR_EACH(k) f[k] = FR_V_FMADD_WHERE(red[k], e[k], FR_VOP(set1)(0.5), FR_VOP(set1)(-0.5));
    FR_EACH(k) d[k] = FR_VOP(add)(f[k], FR_VOP(set1)(2.0));
    if (FR_MANT_BITS == 52)                        /* s's error is damped by s f */
        FR_VFN(fr_quotient)(f, d, nv, s);
    else
        FR_EACH(k) s[k] = FR_VOP(div)(f[k], d[k]);
    FR_EACH(k) s2[k] = FR_VOP(mul)(s[k], s[k]);
    FR_EACH(k) r[k] = FR_VOP(set1)(FR_LOG1P_R_COEF[FR_LOG1P_R_DEGREE]);
    FR_UNROLL for (int j = FR_LOG1P_R_DEGREE - 1; j >= 0; j--)
        FR_EACH(k) r[k] = FR_VOP(fmadd)(r[k], s2[k], FR_VOP(set1)(FR_LOG1P_R_COEF[j]));
    FR_EACH(k) {
        FR_V R = FR_VOP(mul)(r[k], s2[k]);
        FR_V lo = FR_V_ZERO_UNLESS(red[k], FR_VOP(set1)(FR_C(LN2_LO)));
        FR_V L = FR_VOP(sub)(f[k], FR_VOP(fmsub)(s[k], FR_VOP(sub)(f[k], R), lo));
        L = FR_V_ADD_WHERE(red[k], L, FR_VOP(set1)(FR_C(LN2_HI)));
        x[k] = neg ? FR_V_NEG(FR_VOP(sub)(L, FR_V_MIN(x[k], FR_VOP(set1)(-0.0))))
                   : FR_VOP(add)(FR_V_MAX(x[k], FR_VOP(setzero)()), L);
    }
    return clamped;
}

/* the whole-array loop: nv vectors per iteration, then one at a time, then
 * a masked tail (zeros in the unused lanes), all through the same function.
 * With a bias (the fused ops' row, bias[i] for in[i]) each vector is
 * in + bias rounded to FR_T first, in the same pass: op(x + b) bit for bit.
 * stream (a constant after inlining): the nv-vector stores bypass the cache
 * (out aligned to a vector there).  pf_n: how many elements from in on are
 * this part's to prefetch (n; a fused row's, the rest of its block). */
#define FR_SIMD_SIGMOID 0
#define FR_SIMD_SILU 1
#define FR_SIMD_SOFTPLUS 2
#define FR_SIMD_LOG_SIGMOID 3        /* -softplus(-x) */
#define FR_SIMD_GELU 4               /* exact float32 only (fr_cr_loop) */
/* Tiny e.  Past FR_Z_SAFE the ops are their asymptotes, e = e^-|x| far
 * below an ulp of 1: sigmoid(x) = e (x < 0) or 1, silu(x) = x e or x,
 * softplus(x) = e or x, log_sigmoid(x) = -e (x > 0) or x.  So the functions
 * above clamp z at FR_Z_SAFE, where e stays a normal number (float64: e^2
 * too; a subnormal operand or result costs a microcode assist: sigmoid_ of
 * 65536 float32 -inf, a padding mask, took 250 us against 14 for other
 * inputs, 10x torch), and the loops redo the lanes whose result is e-like
 * (beyond FR_Z_SAFE on the op's tiny side) with fr_tiny_fix, from e^zt, zt
 * = -|x|, in a branch that blocks without such a lane skip (fr_clamp_neg_abs's
 * running min).  The same bits as one path
 * through the true z, where the ratio and log1p steps return e itself (1 +
 * e and 2 + e round to 1 and 2, e^2 vanishes below e's last place; checked
 * on all 2^32 float32 inputs).  Lanes below zmin, whose result rounds to
 * zero, get the zero without computing an underflow (an assist too).
 * float32 silu and softplus still meet subnormal e^2 for x in [-86, -44]. */
FR_INLINE FR_M FR_VFN(fr_tiny_lanes)(FR_V x, int op) {
    return op == FR_SIMD_LOG_SIGMOID ? FR_V_LESS(FR_VOP(set1)(-FR_Z_SAFE), x)
                                     : FR_V_LESS(x, FR_VOP(set1)(FR_Z_SAFE));
}
/* a 2^n rounded once (s: n's form at this level, FR_V_POW2N), without
 * the microcode assist that a subnormal result of vscalef, of a multiply or
 * of a division takes (~100 cycles a vector): there, its bits from an
 * integer.  u = |a| 2^(n + S), subnormals being the multiples of 2^-S, is
 * a normal number, and u + 2^M (M the mantissa bits) rounds it to an
 * integer once, to nearest even: the sum's bits less 2^M's are |a| 2^n
 * rounded to the subnormal grid (2^M's the smallest normal's, where it
 * rounds up to that).  The same bits as FR_V_SCALE.  sigmoid_ of 65536
 * float32 -100, all results subnormal: 555 us before the tiny lanes, 231
 * with a division, 36 so (17 for ordinary inputs; torch returns 0). */
FR_INLINE FR_V FR_VFN(fr_scale_quiet)(FR_V a, FR_V s) {
    const FR_V big = FR_VOP(set1)(FR_SUB_MAGIC), sign = FR_VOP(set1)(-0.0);
    FR_V u = FR_V_SCALE_SUBGRID(FR_V_FROM_BITS(FR_I_ANDNOT(FR_V_BITS(sign), FR_V_BITS(a))), s);
    FR_M sub = FR_V_LESS(u, big);
    FR_V r = FR_V_SCALE_UNLESS(sub, a, s);
    __typeof__(FR_V_BITS(a)) m = FR_I_SUB(FR_V_BITS(FR_VOP(add)(u, big)), FR_V_BITS(big));
    m = FR_I_OR(m, FR_I_AND(FR_V_BITS(a), FR_V_BITS(sign)));
    return FR_V_SELECT(sub, FR_V_FROM_BITS(m), r);
}
/* y's tiny lanes (x the input) set to op(x) */
FR_INLINE FR_V FR_VFN(fr_tiny_fix)(FR_V y, FR_V x, int op) {
    FR_M tiny = FR_VFN(fr_tiny_lanes)(x, op);
    if (!FR_V_ANY(tiny))
        return y;
    FR_T zmin = op == FR_SIMD_SILU ? FR_ZMIN_SILU : FR_ZMIN;
    FR_V zt = FR_V_NEG_ABS(x), t = op == FR_SIMD_SILU ? FR_VOP(set1)(-0.0) : FR_VOP(setzero)();
    FR_M zero = FR_V_LESS(zt, FR_VOP(set1)(zmin));            /* op(x) is t, +-0 */
    /* only for a tiny lane above zmin: a vector of -inf or -1e4 only (a
     * padding mask) needs no exp and no scaling (65536 float32 -inf:
     * sigmoid_ 36 -> 21 us, torch 23; float64 93 -> 51 us, torch 60) */
    if (FR_V_ANY(FR_V_GE(FR_V_SELECT(tiny, zt, FR_VOP(set1)(-INFINITY)), FR_VOP(set1)(zmin)))) {
        FR_V sc, p, e;
        zt = FR_V_SELECT(zero, FR_VOP(set1)(FR_Z_SAFE), zt);
        FR_VFN(fr_exp_nonpos_full)(&zt, 1, &sc, &p, &e);
        (void)e;
        /* e = p 2^n, silu's x e = (x p) 2^n, rounded once */
        t = FR_V_SELECT(zero, t, FR_VFN(fr_scale_quiet)(op == FR_SIMD_SILU ? FR_VOP(mul)(zt, p) : p,
                                                        sc));
    }
    if (op == FR_SIMD_LOG_SIGMOID)
        t = FR_V_NEG(t);
    return FR_V_SELECT(tiny, t, y);
}
/* fr_tiny_fix on nv vectors, their inputs loaded again from in (+ bias):
 * out of line and cold, so the hot loop keeps its registers */
static __attribute__((noinline, cold)) void FR_VFN(fr_tiny_block)(FR_V *v, int nv, const FR_T *in,
                                                                 const FR_T *bias, int op) {
    for (int k = 0; k < nv; k++) {
        FR_V x = FR_VOP(loadu)(in + k * FR_LANES);
        if (bias)
            x = FR_VOP(add)(x, FR_VOP(loadu)(bias + k * FR_LANES));
        v[k] = FR_VFN(fr_tiny_fix)(v[k], x, op);
    }
}
/* v[k] becomes op(v[k]) but for the lanes past FR_Z_SAFE; returns whether
 * there were any: then the loops pass the inputs, loaded again (a copy kept
 * here spilled), to fr_tiny_fix */
FR_INLINE int FR_VFN(fr_apply)(FR_V *v, int nv, int op) {
    if (op == FR_SIMD_SILU)
        return FR_VFN(fr_silu)(v, nv);
    if (op == FR_SIMD_SIGMOID)
        return FR_VFN(fr_sigmoid)(v, nv);
    return FR_VFN(fr_softplus)(v, nv, op == FR_SIMD_LOG_SIGMOID);
}
FR_INLINE void FR_VFN(fr_loop_part)(const FR_T *in, const FR_T *bias, FR_T *out, fr_intp n,
                                    fr_intp pf_n, int op, int nv, int stream) {
    fr_intp i = 0;
    for (; i + nv * FR_LANES <= n; i += nv * FR_LANES) {
        FR_V v[FR_NV_MAX];
        if (FR_PREFETCH_INSIDE(i, pf_n, FR_T))
            FR_EACH(k) FR_PREFETCH(in + i + k * FR_LANES);
        FR_EACH(k) v[k] = FR_VOP(loadu)(in + i + k * FR_LANES);
        if (bias)
            FR_EACH(k) v[k] = FR_VOP(add)(v[k], FR_VOP(loadu)(bias + i + k * FR_LANES));
        if (__builtin_expect(FR_VFN(fr_apply)(v, nv, op), 0))
            FR_VFN(fr_tiny_block)(v, nv, in + i, bias ? bias + i : NULL, op);
        if (stream)
            FR_EACH(k) FR_VOP(stream)(out + i + k * FR_LANES, v[k]);
        else
            FR_EACH(k) FR_VOP(storeu)(out + i + k * FR_LANES, v[k]);
    }
    for (; i + FR_LANES <= n; i += FR_LANES) {
        FR_V v[1] = {FR_VOP(loadu)(in + i)};
        if (bias)
            v[0] = FR_VOP(add)(v[0], FR_VOP(loadu)(bias + i));
        FR_V x = v[0];
        if (__builtin_expect(FR_VFN(fr_apply)(v, 1, op), 0))
            v[0] = FR_VFN(fr_tiny_fix)(v[0], x, op);
        FR_VOP(storeu)(out + i, v[0]);
    }
    if (i < n) {
        FR_TAIL_MASK m = FR_V_FIRST_LANES((int)(n - i));
        FR_V v[1] = {FR_V_LOAD_FIRST(in + i, m)};
        if (bias)
            v[0] = FR_VOP(add)(v[0], FR_V_LOAD_FIRST(bias + i, m));
        FR_V x = v[0];
        if (__builtin_expect(FR_VFN(fr_apply)(v, 1, op), 0))
            v[0] = FR_VFN(fr_tiny_fix)(v[0], x, op);
        FR_V_STORE_FIRST(out + i, m, v[0]);
    }
}
/* Out of place and large (a call of FR_STREAM_MIN_BYTES or more: a chunk of a
 * big array), the result is not read back soon: streaming stores skip the
 * read of each output line (3 memory streams become 2); the body then starts
 * at out's first vector boundary (the elements before it go through the
 * masked tail: the same bits).  In place, the loads already brought the
 * lines in.  The bits are the same either way.  Other calls do not align
 * their stores: for these compute-bound kernels the extra masked vectors
 * cost more than split stores (bias_silu_ of 4096x1024 rows at a 16-byte
 * offset, 2 threads: 0.76 ms as they are, 0.88 aligned). */
FR_INLINE void FR_VFN(fr_loop)(const FR_T *in, const FR_T *bias, FR_T *out, fr_intp n,
                               fr_intp pf_n, int op, int nv) {
    if ((const FR_T *)out == in || n < (fr_intp)(FR_STREAM_MIN_BYTES / sizeof(FR_T))
            || (uintptr_t)out % sizeof(FR_T) != 0) {
        FR_VFN(fr_loop_part)(in, bias, out, n, pf_n, op, nv, 0);
        return;
    }
    fr_intp head = (fr_intp)((-(uintptr_t)out & (sizeof(FR_V) - 1)) / sizeof(FR_T));
    FR_VFN(fr_loop_part)(in, bias, out, head, pf_n, op, nv, 0);
    FR_VFN(fr_loop_part)(in + head, bias ? bias + head : NULL, out + head, n - head, pf_n - head,
                         op, nv, 1);
    _mm_sfence();                    /* the streamed stores visible before the pool's join */
}

#if FR_MANT_BITS == 52
/* Correctly rounded float32 (exact mode), in the float64 instance: each
 * float widened to double, a guess y within 2^-45 relative, then a rounding
 * test: if y's bits that float32 rounding drops (the low 29) lie more than
 * FR_CR_WINDOW units of y's last place from their midpoint 2^28, the exact
 * value, within 2^7.7 of those units of y (2^-45 y, y in [2^E, 2^(E+1))),
 * rounds to the same float as y.  A subnormal float32 result rounds at
 * 2^-149, the place 2^-126 + y rounds at: those lanes test 2^-126 + y
 * (rounding that sum adds half a unit).  The lanes the test leaves open,
 * about 2^-18 of them, take scalar.h's slow path.  Correct rounding: the same
 * bits as the baseline level's guess + test + slow path.
 *
 * The guesses: sigmoid's is fr_sigmoid_cr_guess below; the others are this
 * dtype's fast functions, <= 2 ulp of double (2^-51 relative). */
#define FR_CR_WINDOW 1024
/* gelu's guess (fr_gelu_apply below) is within ~2^-37.5 relative: 2^15.5
 * units of y's last place, window 2^17 (2^-11 of the lanes left open; their
 * slow path is scalar.h's exact kernel) */
#define FR_CR_WINDOW_GELU (1 << 17)
/* sigmoid in parts, for float32 x widened (the float64 instance): as
 * scalar.h's fr_sigmoid_exact_guess_f32 but with a Pade [5/5] for 2^u
 * (2^-50 relative on |u| <= 1/2; coefficients ln2^k a_k, a = 1/2, 1/9, 1/72,
 * 1/1008, 1/30240): with z = max(-|x|, zmin), e^z = e / q and sigmoid(x) =
 * (x > 0 ? q : e) / d, sigmoid(-x) = (x > 0 ? e : q) / d, d = q + e (the
 * callers divide, or multiply by a reciprocal: FR_V_RECIP_EST and Newton
 * steps, 2^-52).  a = z log2e rounded (2^-45.2 absolute for |z| <= 105,
 * 2^-52 for |z| <= 2) dominates: 2^-45.3 relative in all for |z| <= 105. */
FR_INLINE void FR_VFN(fr_sigmoid_parts)(const FR_V *x, int nv, double zmin, FR_V *q, FR_V *e,
                                        FR_V *d) {
    FR_V z[FR_NV_MAX], zl[FR_NV_MAX], n[FR_NV_MAX], u[FR_NV_MAX], u2[FR_NV_MAX];
    FR_V ev[FR_NV_MAX], od[FR_NV_MAX];
    FR_EACH(k) z[k] = FR_V_MAX(FR_VOP(set1)(zmin), FR_V_NEG_ABS(x[k]));   /* keeps NaN */
    FR_EACH(k) zl[k] = FR_V_ZLOG2E(z[k]);
    FR_EACH(k) n[k] = FR_V_ROUND_N(zl[k]);
    FR_EACH(k) u[k] = FR_VOP(sub)(FR_VOP(mul)(z[k], FR_VOP(set1)(FR_C(LOG2E))), n[k]);   /* exact */
    FR_EACH(k) u2[k] = FR_VOP(mul)(u[k], u[k]);
    FR_EACH(k) ev[k] = FR_VOP(fmadd)(FR_VOP(set1)(0x1.e04116d4ca854p-13), u2[k],
                                     FR_VOP(set1)(0x1.b551aaa3b5a46p-5));
    FR_EACH(k) od[k] = FR_VOP(fmadd)(FR_VOP(set1)(0x1.63144fb784852p-18), u2[k],
                                     FR_VOP(set1)(0x1.2f205e4adc080p-8));
    FR_EACH(k) ev[k] = FR_VOP(fmadd)(ev[k], u2[k], FR_VOP(set1)(1.0));
    FR_EACH(k) od[k] = FR_VOP(fmadd)(od[k], u2[k], FR_VOP(set1)(0x1.62e42fefa39efp-2));
    FR_EACH(k) od[k] = FR_VOP(mul)(od[k], u[k]);
    FR_EACH(k) q[k] = FR_VOP(sub)(ev[k], od[k]);                       /* P(-u) */
    FR_EACH(k) e[k] = FR_V_SCALE(FR_VOP(add)(ev[k], od[k]), FR_V_POW2N(zl[k], n[k]));
    FR_EACH(k) d[k] = FR_VOP(add)(q[k], e[k]);                         /* in [0.7, 2.9] */
}
/* exact float32 sigmoid's guess: (x > 0 ? q : e) / d */
FR_INLINE void FR_VFN(fr_sigmoid_cr_guess)(FR_V *x, int nv) {
    FR_V q[FR_NV_MAX], e[FR_NV_MAX], d[FR_NV_MAX];
    FR_VFN(fr_sigmoid_parts)(x, nv, -105.0, q, e, d);
    FR_EACH(k) q[k] = FR_V_SELECT(FR_V_LESS(FR_VOP(setzero)(), x[k]), q[k], e[k]);
    FR_VFN(fr_quotient)(q, d, nv, x);
}
FR_INLINE float FR_VFN(fr_cr_slow)(float x, int op) {
    if (op == FR_SIMD_GELU) return fr_gelu_exact_f32(x);
    if (op == FR_SIMD_SIGMOID) return fr_sigmoid_exact_slow_f32(x);
    if (op == FR_SIMD_SILU) return fr_silu_exact_slow_f32(x);
    if (op == FR_SIMD_SOFTPLUS) return fr_softplus_exact_slow_f32(x);
    return fr_log_sigmoid_exact_slow_f32(x);
}
/* y (double lanes) rounded to float32, the lanes the test leaves open redone */
FR_INLINE FR_HALF FR_VFN(fr_cr_round)(FR_V y, FR_HALF x, int op) {
    FR_V tiny = FR_VOP(set1)(0x1p-126);             /* |y|; sigmoid's y is >= +0 or NaN */
    FR_V a = op == FR_SIMD_SIGMOID ? y : FR_V_MAX(y, FR_VOP(sub)(FR_VOP(setzero)(), y));
    a = FR_V_SELECT(FR_V_LESS(a, tiny), FR_VOP(add)(a, tiny), a);
    int open = FR_V_NEAR_MIDPOINT(a, op == FR_SIMD_GELU ? FR_CR_WINDOW_GELU : FR_CR_WINDOW);
    FR_HALF r = FR_HALF_NARROW(y);
    if (__builtin_expect(open != 0, 0)) {
        float xs[FR_LANES], ys[FR_LANES];
        FR_HALF_STOREU(xs, x);
        FR_HALF_STOREU(ys, r);
        for (int j = 0; j < FR_LANES; j++)
            if (open >> j & 1) ys[j] = FR_VFN(fr_cr_slow)(xs[j], op);
        r = FR_HALF_LOADU(ys);
    }
    return r;
}
FR_INLINE void FR_VFN(fr_gelu_apply)(FR_V *x, int nv, int fast);
FR_INLINE void FR_VFN(fr_cr_apply)(FR_V *v, int nv, int op) {
    if (op == FR_SIMD_SIGMOID)
        FR_VFN(fr_sigmoid_cr_guess)(v, nv);
    else if (op == FR_SIMD_GELU)
        FR_VFN(fr_gelu_apply)(v, nv, 0);             /* NaN as scalar.h's kernel */
    else {
        FR_V x[FR_NV_MAX];
        FR_EACH(k) x[k] = v[k];
        if (__builtin_expect(FR_VFN(fr_apply)(v, nv, op), 0))
            FR_EACH(k) v[k] = FR_VFN(fr_tiny_fix)(v[k], x[k], op);
    }
}
/* the r <= FR_LANES floats at p as a half vector (masked below FR_LANES: zeros
 * in the unused lanes), and back */
FR_INLINE FR_HALF FR_VFN(fr_half_load)(const float *p, int r) {
    return r == FR_LANES ? FR_HALF_LOADU(p) : FR_HALF_LOAD_FIRST(p, r);
}
FR_INLINE void FR_VFN(fr_half_store)(float *p, int r, FR_HALF v) {
    if (r == FR_LANES)
        FR_HALF_STOREU(p, v);
    else
        FR_HALF_STORE_FIRST(p, r, v);
}
/* as fr_loop_part, over float32 in and out: nv halves per iteration, then
 * one, then a masked tail (zeros in the unused lanes).  The slow path reads
 * x from a register, so in may be out. */
FR_INLINE void FR_VFN(fr_cr_loop)(const float *in, const float *bias, float *out, fr_intp n,
                                  fr_intp pf_n, int op, int nv) {
    fr_intp i = 0;
    for (; i + nv * FR_LANES <= n; i += nv * FR_LANES) {
        FR_HALF x[FR_NV_MAX];
        FR_V v[FR_NV_MAX];
        if (FR_PREFETCH_INSIDE(i, pf_n, float))
            FR_EACH(k) FR_PREFETCH(in + i + k * FR_LANES);
        FR_EACH(k) x[k] = FR_HALF_LOADU(in + i + k * FR_LANES);
        if (bias)
            FR_EACH(k) x[k] = FR_HALF_ADD(x[k], FR_HALF_LOADU(bias + i + k * FR_LANES));
        FR_EACH(k) v[k] = FR_HALF_WIDEN(x[k]);
        FR_VFN(fr_cr_apply)(v, nv, op);
        FR_EACH(k) FR_HALF_STOREU(out + i + k * FR_LANES, FR_VFN(fr_cr_round)(v[k], x[k], op));
    }
    for (; i < n; i += FR_LANES) {
        int r = n - i < FR_LANES ? (int)(n - i) : FR_LANES;
        FR_HALF x[1];
        FR_V v[1];
        x[0] = FR_VFN(fr_half_load)(in + i, r);
        if (bias)
            x[0] = FR_HALF_ADD(x[0], FR_VFN(fr_half_load)(bias + i, r));
        v[0] = FR_HALF_WIDEN(x[0]);
        FR_VFN(fr_cr_apply)(v, 1, op);
        FR_VFN(fr_half_store)(out + i, r, FR_VFN(fr_cr_round)(v[0], x[0], op));
    }
}
#undef FR_CR_WINDOW
#undef FR_CR_WINDOW_GELU

/* silu_backward of float32 g, x (fast mode): g silu'(x), silu'(x) =
 * s (1 + x c), s, c = sigmoid(x), sigmoid(-x) from fr_sigmoid_parts with
 * z >= -700 and FR_DSILU's limits (scalar.h's fr_silu_bwd_f32, whose
 * semantics these are), rounded once to float32.  Near silu's minimum
 * x0 = -1.27846, 1 + x c cancels: a float32 x lies at least 0.109 ulp from
 * x0 (there silu' ~ 1.3e-8 and 1 + x c ~ 2^-24), and for |z| < 2 s and c
 * are within ~2^-51: 2^-26 of the result, a quarter ulp.  Elsewhere the
 * float64 value is within ~2^-43 (z log2e rounded, |z| <= 700): the result
 * within 0.5 ulp + a hair. */
FR_INLINE void FR_VFN(fr_silu_bwd_apply)(const FR_V *g, FR_V *x, int nv) {
    FR_V q[FR_NV_MAX], e[FR_NV_MAX], d[FR_NV_MAX], r[FR_NV_MAX];
    FR_VFN(fr_sigmoid_parts)(x, nv, -700.0, q, e, d);
    FR_VFN(fr_quotient)(NULL, d, nv, r);                              /* 1 / d */
    FR_EACH(k) {
        FR_M pos = FR_V_LESS(FR_VOP(setzero)(), x[k]);
        FR_V s = FR_VOP(mul)(FR_V_SELECT(pos, q[k], e[k]), r[k]);
        FR_V c = FR_VOP(mul)(FR_V_SELECT(pos, e[k], q[k]), r[k]);
        FR_V v = FR_VOP(mul)(s, FR_VOP(fmadd)(x[k], c, FR_VOP(set1)(1.0)));
        v = FR_V_SELECT(FR_V_LESS(FR_VOP(set1)(760.0), x[k]), FR_VOP(set1)(1.0), v);
        v = FR_V_SELECT(FR_V_LESS(x[k], FR_VOP(set1)(-760.0)), FR_VOP(set1)(-0.0), v);
        x[k] = FR_VOP(mul)(g[k], v);
    }
}

/* gelu and gelu_backward of float32 x widened, float64 lanes: scalar.h's
 * split with no table.  a = min(|x|, A), E = e^(-a^2/2) (a^2/2 is exact: a
 * has 24 bits), and gelu_rational.h's rationals:
 *   gelu:  Phi(-a) = E N, N = P/Q;  x Phi(x), Phi(x) = x > 0 ? 1 - E N : E N
 *          (A = 14.5: gelu(x < -14.4) is -0 in float32, gelu(x > 8.1) = x);
 *   gelu_backward:  Phi(-a) - a phi(a) = E W, W = -(a - a0) R/S (relative at
 *          W's zero a0: a - a0_hi is exact there);  D = x > 0 ? 1 - E W : E W,
 *          g D (A = 20: below -19.6, |g D| < 2^-150 for any finite float32 g).
 * Fast mode needs the double only to ~2^-26 (a quarter ulp of float32 on
 * top of its one rounding): degree-6 e^t (2^-28.3), N and R/S of degrees
 * 4/5 (2^-26.9, 2^-27.0), one Newton step on the reciprocal (2^-28).  That
 * cut the kernel from ~47 to ~36 operations per vector.  Exact gelu's
 * guess keeps the degree-8 e^t, N of degree 6/7 (2^-38) and two steps: its
 * rounding test (fr_cr_round) counts on ~2^-37.5.
 * Tiny x: gelu(x) = x/2 + x^2/sqrt(2 pi) is a float32 midpoint where x/2
 * is subnormal; N(0) = P(0) = 1/2 - 2^-39 (fast: 2^-33) breaks the tie the
 * way the x^2 term does (scalar.h's fr_half_tie_f64): |x (1 - N)| > |x|/2
 * for x > 0, |x N| < |x|/2 for x < 0. */
/* NaN lanes as x86's default NaN (scalar.h's kernels give it): x * phi with
 * both NaN keeps one operand's payload, and which one depends on the operand
 * order gcc picks for each inlined copy */
FR_INLINE FR_V FR_VFN(fr_default_nan)(FR_V y) {
    return FR_V_SELECT(FR_V_ISNAN(y), FR_VOP(set1)(-__builtin_nan("")), y);
}
#ifndef FR_NCOEF                    /* a coefficient table's length */
#define FR_NCOEF(c) ((int)(sizeof(c) / sizeof((c)[0])))
#endif
FR_INLINE void FR_VFN(fr_rational)(const FR_V *a, int nv, const double *p, int np,
                                   const double *q, int nq, int steps, FR_V *r) {
    FR_V P[FR_NV_MAX], Q[FR_NV_MAX];
    FR_EACH(k) P[k] = FR_VOP(set1)(p[np - 1]);
    FR_EACH(k) Q[k] = FR_VOP(set1)(q[nq - 1]);
    FR_UNROLL for (int j = nq - 2; j >= 0; j--) {
        if (j < np - 1)
            FR_EACH(k) P[k] = FR_VOP(fmadd)(P[k], a[k], FR_VOP(set1)(p[j]));
        FR_EACH(k) Q[k] = FR_VOP(fmadd)(Q[k], a[k], FR_VOP(set1)(q[j]));
    }
    FR_VFN(fr_quotient_steps)(P, Q, nv, steps, r);
}
/* a = min(|x|, amax) and E = e^(-a^2/2) (a^2/2 is exact: a has 24 bits),
 * the degree-8 e^t (2^-39.7) or, fast, the degree-6 (2^-28.3) */
FR_INLINE void FR_VFN(fr_gauss)(const FR_V *x, int nv, double amax, int fast, FR_V *a, FR_V *E) {
    FR_V z[FR_NV_MAX], sc[FR_NV_MAX], p[FR_NV_MAX];
    FR_EACH(k) a[k] = FR_V_MIN_ABS(x[k], FR_VOP(set1)(amax));               /* keeps NaN */
    FR_EACH(k) z[k] = FR_VOP(mul)(FR_VOP(mul)(a[k], FR_VOP(set1)(-0.5)), a[k]);
    if (fast)
        FR_VFN(fr_exp_nonpos)(z, nv, fr_exp_f64_d6_coef, FR_NCOEF(fr_exp_f64_d6_coef) - 1, sc, p,
                              E);
    else
        FR_VFN(fr_exp_nonpos)(z, nv, fr_exp_f64_d8_coef, FR_NCOEF(fr_exp_f64_d8_coef) - 1, sc, p,
                              E);
}
/* fast: the fast kernel (~2^-26); else exact gelu's guess (~2^-37.5) */
FR_INLINE void FR_VFN(fr_gelu_apply)(FR_V *x, int nv, int fast) {
    FR_V a[FR_NV_MAX], E[FR_NV_MAX], N[FR_NV_MAX];
    FR_VFN(fr_gauss)(x, nv, FR_GELU_RA, fast, a, E);
    if (fast)
        FR_VFN(fr_rational)(a, nv, fr_gelu_nf_p, FR_NCOEF(fr_gelu_nf_p), fr_gelu_nf_q,
                            FR_NCOEF(fr_gelu_nf_q), 1, N);
    else
        FR_VFN(fr_rational)(a, nv, fr_gelu_n_p, FR_NCOEF(fr_gelu_n_p), fr_gelu_n_q,
                            FR_NCOEF(fr_gelu_n_q), FR_RECIP_STEPS, N);
    FR_EACH(k) {
        FR_V en = FR_VOP(mul)(E[k], N[k]);                                  /* Phi(-a) */
        FR_V phi = FR_V_ONE_MINUS_IF_POSITIVE(x[k], en, FR_VOP(set1)(1.0));  /* Phi(x) */
        /* x below -A (-inf too) as -A: -A Phi(-A) ~ -9e-47 rounds to float32 -0 */
        FR_V xc = FR_V_MAX(FR_VOP(set1)(-FR_GELU_RA), x[k]);                 /* keeps NaN */
        x[k] = FR_VFN(fr_default_nan)(FR_VOP(mul)(xc, phi));
    }
}
FR_INLINE void FR_VFN(fr_gelu_bwd_apply)(const FR_V *g, FR_V *x, int nv) {
    FR_V a[FR_NV_MAX], E[FR_NV_MAX], R[FR_NV_MAX];
    FR_VFN(fr_gauss)(x, nv, FR_GELU_RA_W, 1, a, E);
    FR_VFN(fr_rational)(a, nv, fr_gelu_w_r, FR_NCOEF(fr_gelu_w_r), fr_gelu_w_s,
                        FR_NCOEF(fr_gelu_w_s), 1, R);
    FR_EACH(k) {
        FR_V nd = FR_VOP(add)(FR_VOP(sub)(FR_VOP(set1)(FR_GELU_A0_HI), a[k]),
                              FR_VOP(set1)(FR_GELU_A0_LO));               /* a0 - a */
        FR_V ew = FR_VOP(mul)(FR_VOP(mul)(E[k], R[k]), nd);                  /* E W */
        FR_V D = FR_V_ONE_MINUS_IF_POSITIVE(x[k], ew, FR_VOP(set1)(1.0));
        /* x > A (+inf too) gives D = 1, x < -A a negative D too small to matter
         * but for g = +-inf, as scalar.h's D; its D is -0 below -FR_GELU_AMAX
         * (inf * -0 is NaN there) */
        D = FR_V_SELECT(FR_V_LESS(x[k], FR_VOP(set1)(-FR_GELU_AMAX)), FR_VOP(set1)(-0.0), D);
        x[k] = FR_VFN(fr_default_nan)(FR_VOP(mul)(g[k], D));     /* x NaN: D is NaN */
    }
}
#endif

/* the rows' kernels: fr_v_f32_sigmoid_fast(in, out, n), ..., and for the
 * fused rows fr_v_f32_sigmoid_fast_bias(in, bias, out, n), ...; the vectors
 * per iteration are the level's FR_NV_<kernel>_<dtype> */
#define FR_NV(kernel) FR_SCAT(FR_SCAT(FR_NV_, kernel), FR_SCAT(_, FR_SUF))
FR_INLINE void FR_SCAT(fr_v_, FR_SCAT(FR_SUF, _sigmoid_fast))(const FR_T *in, FR_T *out, fr_intp n) {
    FR_VFN(fr_loop)(in, NULL, out, n, n, FR_SIMD_SIGMOID, FR_NV(SIGMOID));
}
FR_INLINE void FR_SCAT(fr_v_, FR_SCAT(FR_SUF, _silu_fast))(const FR_T *in, FR_T *out, fr_intp n) {
    FR_VFN(fr_loop)(in, NULL, out, n, n, FR_SIMD_SILU, FR_NV(SILU));
}
FR_INLINE void FR_SCAT(fr_v_, FR_SCAT(FR_SUF, _softplus_fast))(const FR_T *in, FR_T *out, fr_intp n) {
    FR_VFN(fr_loop)(in, NULL, out, n, n, FR_SIMD_SOFTPLUS, FR_NV(SOFTPLUS));
}
FR_INLINE void FR_SCAT(fr_v_, FR_SCAT(FR_SUF, _log_sigmoid_fast))(const FR_T *in, FR_T *out,
                                                                 fr_intp n) {
    FR_VFN(fr_loop)(in, NULL, out, n, n, FR_SIMD_LOG_SIGMOID, FR_NV(SOFTPLUS));
}
FR_INLINE void FR_SCAT(fr_v_, FR_SCAT(FR_SUF, _sigmoid_fast_bias))(const FR_T *in, const FR_T *bias,
                                                                  FR_T *out, fr_intp n,
                                                                  fr_intp pf_n) {
    FR_VFN(fr_loop)(in, bias, out, n, pf_n, FR_SIMD_SIGMOID, FR_NV(BIAS));
}
FR_INLINE void FR_SCAT(fr_v_, FR_SCAT(FR_SUF, _silu_fast_bias))(const FR_T *in, const FR_T *bias,
                                                               FR_T *out, fr_intp n, fr_intp pf_n) {
    FR_VFN(fr_loop)(in, bias, out, n, pf_n, FR_SIMD_SILU, FR_NV(BIAS));
}

#if FR_MANT_BITS == 52
/* exact float32 rows (kernels.c's UNARY_CR, FUSED_CR): fr_v_f32_sigmoid_exact,
 * ..., fr_v_f32_sigmoid_exact_bias, ...; float64's vectors per iteration */
#define FR_CR_ROW(name, OP, NV)                                                   \
    FR_INLINE void fr_v_f32_##name##_exact(const float *in, float *out, fr_intp n) { \
        FR_VFN(fr_cr_loop)(in, NULL, out, n, n, OP, NV);                             \
    }
FR_CR_ROW(sigmoid, FR_SIMD_SIGMOID, FR_NV(SIGMOID_CR))
FR_CR_ROW(silu, FR_SIMD_SILU, FR_NV(SILU))
FR_CR_ROW(softplus, FR_SIMD_SOFTPLUS, FR_NV(SOFTPLUS))
FR_CR_ROW(log_sigmoid, FR_SIMD_LOG_SIGMOID, FR_NV(SOFTPLUS))
FR_CR_ROW(gelu, FR_SIMD_GELU, FR_NV(GELU))
#undef FR_CR_ROW
FR_INLINE void fr_v_f32_sigmoid_exact_bias(const float *in, const float *bias, float *out,
                                           fr_intp n, fr_intp pf_n) {
    FR_VFN(fr_cr_loop)(in, bias, out, n, pf_n, FR_SIMD_SIGMOID, FR_NV(BIAS));
}
/* float32 fast kernels over float64 lanes: y = op(x) or op(g, x), widened,
 * rounded once; nv vectors per iteration, then one at a time with a masked
 * tail.  out may be g or x (read before each block is written). */
#define FR_WIDE_SILU_BWD 0
#define FR_WIDE_GELU 1
#define FR_WIDE_GELU_BWD 2
FR_INLINE void FR_VFN(fr_wide_apply)(const FR_V *g, FR_V *x, int nv, int op) {
    if (op == FR_WIDE_SILU_BWD)
        FR_VFN(fr_silu_bwd_apply)(g, x, nv);
    else if (op == FR_WIDE_GELU)
        FR_VFN(fr_gelu_apply)(x, nv, 1);
    else
        FR_VFN(fr_gelu_bwd_apply)(g, x, nv);
}
FR_INLINE void FR_VFN(fr_wide_loop)(const float *g, const float *x, float *out, fr_intp n,
                                    int op, int nv) {
    fr_intp i = 0;
    for (; i + nv * FR_LANES <= n; i += nv * FR_LANES) {
        FR_V gv[FR_NV_MAX], xv[FR_NV_MAX];
        if (FR_PREFETCH_INSIDE(i, n, float)) {
            if (g)
                FR_EACH(k) FR_PREFETCH(g + i + k * FR_LANES);
            FR_EACH(k) FR_PREFETCH(x + i + k * FR_LANES);
        }
        FR_EACH(k) gv[k] = g ? FR_HALF_WIDEN(FR_HALF_LOADU(g + i + k * FR_LANES))
                             : FR_VOP(setzero)();
        FR_EACH(k) xv[k] = FR_HALF_WIDEN(FR_HALF_LOADU(x + i + k * FR_LANES));
        FR_VFN(fr_wide_apply)(gv, xv, nv, op);
        FR_EACH(k) FR_HALF_STOREU(out + i + k * FR_LANES, FR_HALF_NARROW(xv[k]));
    }
    for (; i < n; i += FR_LANES) {
        int r = n - i < FR_LANES ? (int)(n - i) : FR_LANES;
        FR_V gv[1], xv[1];
        gv[0] = g ? FR_HALF_WIDEN(FR_VFN(fr_half_load)(g + i, r)) : FR_VOP(setzero)();
        xv[0] = FR_HALF_WIDEN(FR_VFN(fr_half_load)(x + i, r));
        FR_VFN(fr_wide_apply)(gv, xv, 1, op);
        FR_VFN(fr_half_store)(out + i, r, FR_HALF_NARROW(xv[0]));
    }
}
FR_INLINE void fr_v_f32_silu_bwd_fast(const float *g, const float *x, float *out, fr_intp n) {
    FR_VFN(fr_wide_loop)(g, x, out, n, FR_WIDE_SILU_BWD, FR_NV(SILU_BWD));
}
FR_INLINE void fr_v_f32_gelu_fast(const float *x, float *out, fr_intp n) {
    FR_VFN(fr_wide_loop)(NULL, x, out, n, FR_WIDE_GELU, FR_NV(GELU));
}
FR_INLINE void fr_v_f32_gelu_backward_fast(const float *g, const float *x, float *out, fr_intp n) {
    FR_VFN(fr_wide_loop)(g, x, out, n, FR_WIDE_GELU_BWD, FR_NV(GELU));
}
#undef FR_WIDE_SILU_BWD
#undef FR_WIDE_GELU
#undef FR_WIDE_GELU_BWD

/* s + e = a + b exactly (Knuth's two-sum; scalar.h's fr_two_sum_f64) */
FR_INLINE void FR_VFN(fr_two_sum)(FR_V a, FR_V b, FR_V *s, FR_V *e) {
    FR_V s_ = FR_VOP(add)(a, b), bb = FR_VOP(sub)(s_, a);
    *e = FR_VOP(add)(FR_VOP(sub)(a, FR_VOP(sub)(s_, bb)), FR_VOP(sub)(b, bb));
    *s = s_;
}

/* silu_backward of float64 g, x (fast mode): g silu'(x) to <= 2 ulp with
 * scalar.h's split (fr_dsilu_dd_f64, the exact kernel and the baseline
 * level), in fewer pairs.  With e = e^z, z = max(-|x|, -760), D = 1 + e:
 *   x > 0:   (1 + e a) / D^2,  a = 1 + x;   x <= 0:  e (a + e) / D^2,
 * e as eh + el: z = n ln2 + th + tl (Cody-Waite, tl the FMA's remainder),
 * p(th) = 1 + (th + th^2 w) as ph + pl (two fast two-sums; w the tail of
 * exp_poly.h's degree-11 fit), el carrying tl and the roundings of th +
 * th^2 w and of 1 + it (~2^-56.8 relative; outside the series' window a + e
 * cancels by up to a factor 2, which multiplies that); a = 1 + x, D and D^2 as
 * pairs; the numerator's product and the quotient's remainder by FMA.
 * Within 2^-3 of silu's minimum x0 the Taylor series there instead (scalar.h's
 * fr_dsilu_series; computed only for the vectors with such a lane), t = x
 * - x0 as a pair.  g times the pair rounded once (as fr_mul_pair_f64, but
 * without its rescaling of products that leave the normals: an error of a
 * subnormal result's last place).  x is clamped to [-800, 2^60] for a (inf:
 * 1, -inf: -0, as FR_DSILU's limits); for x <= 0 the quotient is scaled by
 * 2^n last, so a silu' below the normals (x < -708) is rounded once, as the
 * exact kernel's. */
/* zlo: z's clamp, -760 as above, or FR_Z_SAFE (fr_pair_loop's first pass:
 * e, its low part and the quotient stay normal numbers); returns whether
 * any lane was clamped (fr_clamp_neg_abs's running min) */
FR_INLINE int FR_VFN(fr_dsilu_bwd_apply)(const FR_V *g, FR_V *x, int nv, double zlo) {
    FR_V th[FR_NV_MAX], tl[FR_NV_MAX], sc[FR_NV_MAX], w[FR_NV_MAX], eh[FR_NV_MAX], el[FR_NV_MAX];
    FR_V qh[FR_NV_MAX], ql[FR_NV_MAX], uh[FR_NV_MAX], ul[FR_NV_MAX];
    const FR_V one = FR_VOP(set1)(1.0);
    FR_V m = FR_VOP(set1)(INFINITY);
    FR_EACH(k) {
        FR_V z = FR_VFN(fr_clamp_neg_abs)(x[k], zlo, &m);
        FR_V zl = FR_V_ZLOG2E(z), n = FR_V_ROUND_N(zl);
        FR_V a = FR_VOP(fnmadd)(n, FR_VOP(set1)(FR_LN2_HI_F64), z);          /* exact */
        th[k] = FR_VOP(fnmadd)(n, FR_VOP(set1)(FR_LN2_LO_F64), a);
        tl[k] = FR_VOP(fnmadd)(n, FR_VOP(set1)(FR_LN2_LO_F64), FR_VOP(sub)(a, th[k]));
        sc[k] = FR_V_POW2N(zl, n);
        w[k] = FR_VOP(set1)(fr_exp_f64_coef[11]);
    }
    FR_UNROLL for (int j = 10; j >= 2; j--)
        FR_EACH(k) w[k] = FR_VOP(fmadd)(w[k], th[k], FR_VOP(set1)(fr_exp_f64_coef[j]));
    FR_EACH(k) {
        FR_V r = FR_VOP(mul)(FR_VOP(mul)(th[k], th[k]), w[k]);             /* |r| < |th| / 5 */
        FR_V u = FR_VOP(add)(th[k], r), ue = FR_VOP(sub)(r, FR_VOP(sub)(u, th[k]));
        FR_V ph = FR_VOP(add)(one, u);
        FR_V pl = FR_VOP(add)(FR_VOP(sub)(u, FR_VOP(sub)(ph, one)), ue);
        pl = FR_VOP(fmadd)(tl[k], ph, pl);
        uh[k] = ph;
        ul[k] = pl;
        eh[k] = FR_V_SCALE(ph, sc[k]);
        el[k] = FR_V_SCALE(pl, sc[k]);
    }
    FR_EACH(k) {
        FR_V xa = FR_V_MIN(FR_VOP(set1)(0x1p60), FR_V_MAX(FR_VOP(set1)(-800.0), x[k]));  /* keeps NaN */
        FR_V ah, al, Th, Tl;
        FR_VFN(fr_two_sum)(one, xa, &ah, &al);
        FR_V dh = FR_VOP(add)(one, eh[k]);
        FR_V dl = FR_VOP(add)(FR_VOP(sub)(eh[k], FR_VOP(sub)(dh, one)), el[k]);
        FR_V sh = FR_VOP(mul)(dh, dh);
        FR_V sl = FR_VOP(fmadd)(FR_VOP(add)(dh, dh), dl, FR_VOP(fmsub)(dh, dh, sh));
        /* x > 0: 1 + e a (in [1, 2]: 1 - posh is exact) */
        FR_V posh = FR_VOP(fmadd)(eh[k], ah, one);
        FR_V posl = FR_VOP(fmadd)(el[k], ah, FR_VOP(fmadd)(eh[k], al, FR_VOP(fmadd)(eh[k], ah,
                                                                   FR_VOP(sub)(one, posh))));
        /* x <= 0: e (a + e), its first e unscaled: 2^n after the quotient */
        FR_VFN(fr_two_sum)(ah, eh[k], &Th, &Tl);
        Tl = FR_VOP(add)(Tl, FR_VOP(add)(al, el[k]));
        FR_V mh = FR_VOP(mul)(uh[k], Th);
        FR_V ml = FR_VOP(fmadd)(ul[k], Th, FR_VOP(fmadd)(uh[k], Tl, FR_VOP(fmsub)(uh[k], Th, mh)));
        FR_M pos = FR_V_LESS(FR_VOP(setzero)(), x[k]);
        FR_V nh = FR_V_SELECT(pos, posh, mh), nl = FR_V_SELECT(pos, posl, ml);
        FR_V R;
        FR_VFN(fr_quotient)(NULL, &sh, 1, &R);
        qh[k] = FR_VOP(mul)(nh, R);
        FR_V rem = FR_VOP(fnmadd)(qh[k], sl, FR_VOP(add)(FR_VOP(fnmadd)(qh[k], sh, nh), nl));
        ql[k] = FR_VOP(mul)(rem, R);
        /* x <= 0: times 2^n, a subnormal silu' rounded once (x < -708) */
        qh[k] = FR_V_SELECT(pos, qh[k], FR_V_SCALE(qh[k], sc[k]));
        ql[k] = FR_V_SELECT(pos, ql[k], FR_V_SCALE(ql[k], sc[k]));
    }
    const int nq = (int)(sizeof fr_dsilu_x0_taylor / sizeof(double));
    FR_EACH(k) {                     /* a vector with a lane near x0 (rare): the series */
        FR_V d = FR_VOP(sub)(x[k], FR_VOP(set1)(FR_DSILU_X0_HI));           /* exact near x0 */
        FR_M near = FR_V_LESS(FR_V_MIN_ABS(d, FR_VOP(set1)(INFINITY)), FR_VOP(set1)(FR_DSILU_NEAR));
        if (__builtin_expect(!FR_V_ANY(near), 1))
            continue;
        FR_V t = FR_VOP(sub)(d, FR_VOP(set1)(FR_DSILU_X0_MID));
        FR_V tlo = FR_VOP(sub)(FR_VOP(sub)(FR_VOP(sub)(d, t), FR_VOP(set1)(FR_DSILU_X0_MID)),
                               FR_VOP(set1)(FR_DSILU_X0_LO));
        FR_V Q = FR_VOP(set1)(fr_dsilu_x0_taylor[nq - 1]);
        for (int j = nq - 2; j >= 0; j--)
            Q = FR_VOP(fmadd)(Q, t, FR_VOP(set1)(fr_dsilu_x0_taylor[j]));
        FR_V in = FR_VOP(fmadd)(t, Q, FR_VOP(set1)(FR_DSILU_A2_HI));
        FR_V A1 = FR_VOP(set1)(FR_DSILU_A1_HI);
        FR_V G = FR_VOP(fmadd)(t, in, A1);                      /* as G + Gl: A1 - G is exact */
        FR_V Gl = FR_VOP(add)(FR_VOP(fmadd)(t, in, FR_VOP(sub)(A1, G)),
                              FR_VOP(set1)(FR_DSILU_A1_LO));
        FR_V sh = FR_VOP(mul)(t, G);
        FR_V sl = FR_VOP(fmadd)(t, Gl, FR_VOP(fmadd)(tlo, G, FR_VOP(fmsub)(t, G, sh)));
        qh[k] = FR_V_SELECT(near, sh, qh[k]);
        ql[k] = FR_V_SELECT(near, sl, ql[k]);
    }
    FR_EACH(k) {
        FR_V yh = FR_VOP(mul)(g[k], qh[k]);
        FR_V y = FR_VOP(add)(yh, FR_VOP(fmadd)(g[k], ql[k], FR_VOP(fmsub)(g[k], qh[k], yh)));
        /* yh past 2^1000 (inf: inf - inf in the remainder) or a zero (-0 + 0
         * would lose its sign): yh alone */
        FR_V inf = FR_VOP(set1)(INFINITY);
        y = FR_V_SELECT(FR_V_LESS(FR_VOP(setzero)(), FR_V_MIN_ABS(y, inf)), y, yh);
        x[k] = FR_V_SELECT(FR_V_LESS(FR_V_MIN_ABS(yh, inf), FR_VOP(set1)(0x1p1000)), y, yh);
    }
    return FR_VFN(fr_any_below)(m, zlo);
}
/* The lanes of y whose x lies below FR_Z_SAFE, redone (fr_pair_loop's rare
 * pass, out of line and cold): a subnormal e costs a microcode assist in
 * every operation on it (silu_backward of 65536 float64 -inf or -1e4 took
 * 307 us, 17x ordinary inputs before the main path's clamp moved to
 * FR_Z_SAFE; 135-142 us so).  x below -760 (silu' rounds to -0): g -0, as
 * the kernel gives there, without computing it; the others through the
 * kernel with its -760 clamp, on the vectors that have such a lane (the
 * same bits as before; x in [-760, -708] still takes the assists, 33x). */
static __attribute__((noinline, cold)) void FR_VFN(fr_dsilu_bwd_tiny)(const FR_V *g, const FR_T *x,
                                                                     FR_V *y, int nv) {
    for (int k = 0; k < nv; k++) {
        FR_V xk = FR_VOP(loadu)(x + k * FR_LANES);
        FR_M tiny = FR_V_LESS(xk, FR_VOP(set1)(FR_Z_SAFE));
        if (!FR_V_ANY(tiny))
            continue;
        FR_M far = FR_V_LESS(xk, FR_VOP(set1)(-760.0));
        FR_V v[1] = {FR_V_SELECT(far, FR_VOP(setzero)(), xk)};
        if (FR_V_ANY(FR_V_GE(FR_V_SELECT(tiny, xk, FR_VOP(set1)(-INFINITY)), FR_VOP(set1)(-760.0))))
            FR_VFN(fr_dsilu_bwd_apply)(&g[k], v, 1, -760.0);     /* a tiny lane not far */
        FR_V t = FR_V_SELECT(far, FR_VOP(mul)(g[k], FR_VOP(set1)(-0.0)), v[0]);
        y[k] = FR_V_SELECT(tiny, t, y[k]);
    }
}
/* float64 g, x in, out (out may be g or x): nv vectors per iteration, then
 * one at a time, then a masked tail */
FR_INLINE void FR_VFN(fr_pair_loop)(const FR_T *g, const FR_T *x, FR_T *out, fr_intp n, int nv) {
    fr_intp i = 0;
    for (; i + nv * FR_LANES <= n; i += nv * FR_LANES) {
        FR_V gv[FR_NV_MAX], xv[FR_NV_MAX];
        if (FR_PREFETCH_INSIDE(i, n, FR_T)) {
            FR_EACH(k) FR_PREFETCH(g + i + k * FR_LANES);
            FR_EACH(k) FR_PREFETCH(x + i + k * FR_LANES);
        }
        FR_EACH(k) gv[k] = FR_VOP(loadu)(g + i + k * FR_LANES);
        FR_EACH(k) xv[k] = FR_VOP(loadu)(x + i + k * FR_LANES);
        if (__builtin_expect(FR_VFN(fr_dsilu_bwd_apply)(gv, xv, nv, FR_Z_SAFE), 0))
            FR_VFN(fr_dsilu_bwd_tiny)(gv, x + i, xv, nv);
        FR_EACH(k) FR_VOP(storeu)(out + i + k * FR_LANES, xv[k]);
    }
    for (; i + FR_LANES <= n; i += FR_LANES) {
        FR_V gv[1] = {FR_VOP(loadu)(g + i)}, xv[1] = {FR_VOP(loadu)(x + i)};
        if (__builtin_expect(FR_VFN(fr_dsilu_bwd_apply)(gv, xv, 1, FR_Z_SAFE), 0))
            FR_VFN(fr_dsilu_bwd_tiny)(gv, x + i, xv, 1);
        FR_VOP(storeu)(out + i, xv[0]);
    }
    if (i < n) {
        FR_TAIL_MASK m = FR_V_FIRST_LANES((int)(n - i));
        FR_V gv[1] = {FR_V_LOAD_FIRST(g + i, m)}, xv[1] = {FR_V_LOAD_FIRST(x + i, m)};
        if (__builtin_expect(FR_VFN(fr_dsilu_bwd_apply)(gv, xv, 1, FR_Z_SAFE), 0)) {
            FR_T xs[FR_LANES] = {0};                 /* the tail's x, zeros past it */
            FR_V_STORE_FIRST(xs, m, FR_V_LOAD_FIRST(x + i, m));
            FR_VFN(fr_dsilu_bwd_tiny)(gv, xs, xv, 1);
        }
        FR_V_STORE_FIRST(out + i, m, xv[0]);
    }
}
FR_INLINE void fr_v_f64_silu_bwd_fast(const double *g, const double *x, double *out, fr_intp n) {
    FR_VFN(fr_pair_loop)(g, x, out, n, FR_NV(SILU_BWD64));
}

/* gelu of float64 x: scalar.h's fr_gelu_f64 (fused: the FMA variant, the
 * fast kernel) or fr_gelu_f64x (no FMA, Dekker's products: the exact one) -
 * tables of 25 intervals, double-double - lane by lane, operation for
 * operation, so the same bits.  The fused variant's fr_exp_dd_f64 product
 * (Dekker's in scalar.h) is an FMA: both give the product's exact error,
 * and it is zero where either would underflow. */
/* a b - p exactly, p = fl(a b): fused, one FMA; else Veltkamp-Dekker, as
 * exp_family.h's fr_prod_err_f64x (the same bits where that is exact too) */
FR_INLINE FR_V FR_VFN(fr_prod_err)(FR_V a, FR_V b, FR_V p, int fused) {
    if (fused)
        return FR_VOP(fmsub)(a, b, p);
    FR_V ca = FR_VOP(mul)(FR_VOP(set1)(FR_SPLIT_F64), a);
    FR_V cb = FR_VOP(mul)(FR_VOP(set1)(FR_SPLIT_F64), b);
    FR_V ah = FR_VOP(sub)(ca, FR_VOP(sub)(ca, a)), al = FR_VOP(sub)(a, ah);
    FR_V bh = FR_VOP(sub)(cb, FR_VOP(sub)(cb, b)), bl = FR_VOP(sub)(b, bh);
    FR_V r = FR_VOP(add)(FR_VOP(sub)(FR_VOP(mul)(ah, bh), p), FR_VOP(mul)(ah, bl));
    return FR_VOP(add)(FR_VOP(add)(r, FR_VOP(mul)(al, bh)), FR_VOP(mul)(al, bl));
}
/* a b + c: fused, one rounding; else two (FR_MA_PLAIN) */
FR_INLINE FR_V FR_VFN(fr_ma)(FR_V a, FR_V b, FR_V c, int fused) {
    return fused ? FR_VOP(fmadd)(a, b, c) : FR_VOP(add)(FR_VOP(mul)(a, b), c);
}
/* fr_exp_dd_f64: exp(z) = (Eh + El) s 2^-600 */
FR_INLINE void FR_VFN(fr_exp_dd)(const FR_V *z, int nv, FR_V *Eh, FR_V *El, FR_V *s, int fused) {
    FR_V nm[FR_NV_MAX], th[FR_NV_MAX], tl[FR_NV_MAX], q3[FR_NV_MAX];
    FR_EACH(k) {
        nm[k] = FR_VOP(add)(FR_VOP(mul)(z[k], FR_VOP(set1)(FR_LOG2E_F64)),
                            FR_VOP(set1)(FR_MAGIC_F64));
        FR_V n = FR_VOP(sub)(nm[k], FR_VOP(set1)(FR_MAGIC_F64));
        FR_V a = FR_VOP(sub)(z[k], FR_VOP(mul)(n, FR_VOP(set1)(FR_LN2_HI_F64)));
        FR_V b = FR_VOP(mul)(n, FR_VOP(set1)(FR_LN2_LO_F64));
        th[k] = FR_VOP(sub)(a, b);
        tl[k] = FR_VOP(sub)(FR_VOP(sub)(a, th[k]), b);
        q3[k] = FR_VOP(set1)(fr_inv_fact_f64[14]);
    }
    FR_UNROLL for (int j = 13; j >= 3; j--)
        FR_EACH(k) q3[k] = FR_VOP(add)(FR_VOP(mul)(q3[k], th[k]), FR_VOP(set1)(fr_inv_fact_f64[j]));
    FR_EACH(k) {
        FR_V sqh = FR_VOP(mul)(th[k], th[k]), sql = FR_VFN(fr_prod_err)(th[k], th[k], sqh, fused);
        FR_V sh, sl, uh, ul;
        FR_VFN(fr_two_sum)(FR_VOP(set1)(1.0), th[k], &sh, &sl);
        FR_VFN(fr_two_sum)(sh, FR_VOP(mul)(FR_VOP(set1)(0.5), sqh), &uh, &ul);
        FR_V lo = FR_VOP(add)(FR_VOP(add)(ul, sl), FR_VOP(mul)(FR_VOP(set1)(0.5), sql));
        lo = FR_VOP(add)(lo, FR_VOP(mul)(FR_VOP(mul)(sqh, th[k]), q3[k]));
        lo = FR_VOP(add)(lo, FR_VOP(mul)(tl[k], sh));
        Eh[k] = FR_VOP(add)(uh, lo);
        El[k] = FR_VOP(sub)(lo, FR_VOP(sub)(Eh[k], uh));
        s[k] = FR_V_FROM_BITS(FR_I_SLLI(FR_V_BITS(nm[k]), 52));
    }
}
/* scalar.h's gelu table tab[25][19] coefficient-major: t[j][i] = tab[i][j],
 * 32 entries per coefficient (25 used), for FR_V_LOOKUP32_F64 */
#define FR_GELU_NCOL FR_NCOEF(fr_gelu_n_tab[0])          /* 19 coefficients a row */
typedef struct {
    double t[FR_GELU_NCOL][32] __attribute__((aligned(64)));
} fr_gelu_cols;
static void fr_gelu_transpose(const double (*tab)[FR_GELU_NCOL], fr_gelu_cols *c) {
    for (int j = 0; j < FR_GELU_NCOL; j++)
        for (int i = 0; i < 32; i++)
            c->t[j][i] = i < FR_NCOEF(fr_gelu_n_tab) ? tab[i][j] : 0.0;
}
/* N's and W's, filled once as the library loads (per call, the copy cost
 * 0.5 us: gelu of one float64 took 0.74 us against 0.25) */
static fr_gelu_cols fr_gelu_cols_n, fr_gelu_cols_w;
static void __attribute__((constructor)) fr_gelu_cols_init(void) {
    fr_gelu_transpose(fr_gelu_n_tab, &fr_gelu_cols_n);
    fr_gelu_transpose(fr_gelu_w_tab, &fr_gelu_cols_w);
}
/* fr_gelu_parts_f64: (Ph + Pl) s 2^-600 = E T(a), T the table's function */
FR_INLINE void FR_VFN(fr_gelu_parts)(const FR_V *x, int nv, const fr_gelu_cols *tab, FR_V *Ph,
                                     FR_V *Pl, FR_V *s, int fused) {
    FR_V a[FR_NV_MAX], sv[FR_NV_MAX], q[FR_NV_MAX], Th[FR_NV_MAX], Tl[FR_NV_MAX];
    FR_V z[FR_NV_MAX], sl[FR_NV_MAX], Eh[FR_NV_MAX], El[FR_NV_MAX];
    __typeof__(FR_V_BITS(a[0])) row[FR_NV_MAX];
    FR_EACH(k) {
        a[k] = FR_V_MIN(FR_V_ABS(x[k]), FR_VOP(set1)(FR_GELU_AMAX));   /* NaN: AMAX */
        FR_M lt1 = FR_V_LESS(a[k], FR_VOP(set1)(1.0));
        FR_V u = FR_V_SELECT(lt1, FR_VOP(add)(a[k], FR_VOP(set1)(1.0)), a[k]);
        __typeof__(FR_V_BITS(u)) i = FR_I_SUB(FR_I_SRLI(FR_V_BITS(u), 50), FR_I_SET1_64(4092));
        i = FR_V_BITS(FR_V_SELECT(lt1, FR_V_FROM_BITS(i),
                                  FR_V_FROM_BITS(FR_I_ADD(i, FR_I_SET1_64(4)))));
        row[k] = i;
    }
#define FR_TAB(j) FR_V_LOOKUP32_F64(tab->t[j], row[k])
    FR_EACH(k) {
        sv[k] = FR_VOP(sub)(a[k], FR_TAB(0));
        q[k] = FR_TAB(18);
    }
    FR_UNROLL for (int j = 17; j >= 8; j--)
        FR_EACH(k) q[k] = FR_VFN(fr_ma)(q[k], sv[k], FR_TAB(j), fused);
    FR_EACH(k) {
        FR_V sw = FR_V_NEG(FR_TAB(1)), uh, ul, th, tl, ph, pl, e;
        FR_VFN(fr_two_sum)(FR_TAB(6), FR_VOP(mul)(sv[k], q[k]), &uh, &ul);
        ul = FR_VOP(add)(ul, FR_TAB(7));
        ph = FR_VOP(mul)(sv[k], uh);
        pl = FR_VOP(add)(FR_VFN(fr_prod_err)(sv[k], uh, ph, fused), FR_VOP(mul)(sv[k], ul));
        FR_VFN(fr_two_sum)(FR_TAB(4), ph, &th, &tl);
        tl = FR_VOP(add)(tl, FR_VOP(add)(pl, FR_TAB(5)));
        ph = FR_VOP(mul)(sv[k], th);
        pl = FR_VOP(add)(FR_VFN(fr_prod_err)(sv[k], th, ph, fused),
                         FR_VOP(add)(FR_VOP(mul)(sv[k], tl), FR_VOP(mul)(sw, th)));
        FR_VFN(fr_two_sum)(FR_TAB(2), ph, &Th[k], &e);
        Tl[k] = FR_VOP(add)(FR_VOP(add)(e, pl), FR_TAB(3));
    }
#undef FR_TAB
    FR_EACH(k) {
        FR_V sh = FR_VOP(mul)(a[k], a[k]);
        sl[k] = FR_VFN(fr_prod_err)(a[k], a[k], sh, fused);
        z[k] = FR_VOP(mul)(FR_VOP(set1)(-0.5), sh);
    }
    FR_VFN(fr_exp_dd)(z, nv, Eh, El, s, fused);
    FR_EACH(k) {
        FR_V el = FR_VOP(sub)(El[k], FR_VOP(mul)(Eh[k], FR_VOP(mul)(FR_VOP(set1)(0.5), sl[k])));
        Ph[k] = FR_VOP(mul)(Eh[k], Th[k]);
        Pl[k] = FR_VOP(add)(FR_VFN(fr_prod_err)(Eh[k], Th[k], Ph[k], fused),
                            FR_VOP(add)(FR_VOP(mul)(Eh[k], Tl[k]), FR_VOP(mul)(el, Th[k])));
    }
}
/* x[k] becomes fr_gelu_f64(x[k]) (fused) or fr_gelu_f64x(x[k]) */
FR_INLINE void FR_VFN(fr_gelu64)(FR_V *x, int nv, const fr_gelu_cols *tab, int fused) {
    FR_V Ph[FR_NV_MAX], Pl[FR_NV_MAX], s[FR_NV_MAX];
    FR_VFN(fr_gelu_parts)(x, nv, tab, Ph, Pl, s, fused);
    FR_EACH(k) {
        FR_V rh, rl, vh = FR_VOP(mul)(x[k], Ph[k]);
        FR_V vl = FR_VOP(add)(FR_VFN(fr_prod_err)(x[k], Ph[k], vh, fused), FR_VOP(mul)(x[k], Pl[k]));
        FR_V sc = FR_VOP(mul)(s[k], FR_VOP(set1)(FR_DOWN_F64));
        FR_VFN(fr_two_sum)(x[k], FR_V_NEG(FR_VOP(mul)(vh, sc)), &rh, &rl);
        FR_V pos = FR_VOP(add)(rh, FR_VOP(sub)(rl, FR_VOP(mul)(vl, sc)));
        FR_V neg = FR_V_NEG_ABS(FR_VOP(mul)(FR_VOP(mul)(FR_VOP(add)(vh, vl), s[k]),
                                            FR_VOP(set1)(FR_DOWN_F64)));  /* -0 if it underflows */
        FR_V r = FR_V_SELECT(FR_V_LESS(FR_VOP(setzero)(), x[k]), pos, neg);
        r = FR_V_SELECT(FR_V_EQ(x[k], FR_VOP(setzero)()), x[k], r);          /* gelu(-0) = -0 */
        r = FR_V_SELECT(FR_V_LESS(FR_VOP(set1)(FR_GELU_AMAX), x[k]), x[k], r);
        x[k] = FR_V_SELECT(FR_V_LESS(x[k], FR_VOP(set1)(-FR_GELU_AMAX)), FR_VOP(set1)(-0.0), r);
    }
}
/* fr_zero_series_f64 (exact: Dekker's products) for gelu' next to x0: uh + ul */
FR_INLINE void FR_VFN(fr_dgelu_series)(FR_V x, FR_V *uh, FR_V *ul) {
    FR_V th, tl, Gh, Gl, ph, pl, Q = FR_VOP(setzero)();
    FR_VFN(fr_two_sum)(FR_VOP(sub)(x, FR_VOP(set1)(FR_DGELU_X0_HI)),
                       FR_VOP(set1)(-FR_DGELU_X0_MID), &th, &tl);
    tl = FR_VOP(sub)(tl, FR_VOP(set1)(FR_DGELU_X0_LO));
    for (int k = FR_NCOEF(fr_dgelu_x0_taylor); k-- > 0;)
        Q = FR_VOP(add)(FR_VOP(mul)(Q, th), FR_VOP(set1)(fr_dgelu_x0_taylor[k]));
    ph = FR_VOP(mul)(th, FR_VOP(set1)(FR_DGELU_A2_HI));
    pl = FR_VFN(fr_prod_err)(th, FR_VOP(set1)(FR_DGELU_A2_HI), ph, 0);
    Gh = FR_VOP(add)(FR_VOP(set1)(FR_DGELU_A1_HI), ph);
    Gl = FR_VOP(sub)(ph, FR_VOP(sub)(Gh, FR_VOP(set1)(FR_DGELU_A1_HI)));
    FR_V t = FR_VOP(add)(pl, FR_VOP(mul)(th, FR_VOP(add)(FR_VOP(set1)(FR_DGELU_A2_LO),
                                                           FR_VOP(mul)(th, Q))));
    Gl = FR_VOP(add)(Gl, FR_VOP(add)(FR_VOP(set1)(FR_DGELU_A1_LO), t));
    *uh = FR_VOP(mul)(th, Gh);
    *ul = FR_VFN(fr_prod_err)(th, Gh, *uh, 0);
    *ul = FR_VOP(add)(*ul, FR_VOP(add)(FR_VOP(mul)(th, Gl), FR_VOP(mul)(tl, Gh)));
}
/* x[k] becomes fr_gelu_backward_f64(g[k], x[k]) (fused: the fast kernel)
 * or fr_gelu_backward_f64x(g[k], x[k]) (exact: gelu''s series within 2^-3
 * of its zero x0, and fr_mul_pair_f64's rescaling of products that leave
 * the normals) */
FR_INLINE void FR_VFN(fr_gelu64_bwd)(const FR_V *g, FR_V *x, int nv, const fr_gelu_cols *tab,
                                     int fused) {
    FR_V Ph[FR_NV_MAX], Pl[FR_NV_MAX], s[FR_NV_MAX];
    FR_VFN(fr_gelu_parts)(x, nv, tab, Ph, Pl, s, fused);
    FR_EACH(k) {
        /* fr_dgelu_f64: D = (dh + dl) s2 2^-600 */
        FR_V sc = FR_VOP(mul)(s[k], FR_VOP(set1)(FR_DOWN_F64)), ah, al;
        FR_M late = FR_V_LESS(x[k], FR_VOP(set1)(-37.0));               /* 2^n subnormal */
        FR_M pos = FR_V_LESS(FR_VOP(setzero)(), x[k]);
        FR_VFN(fr_two_sum)(FR_VOP(set1)(1.0), FR_V_NEG(FR_VOP(mul)(Ph[k], sc)), &ah, &al);
        FR_V dh = FR_V_SELECT(pos, ah, FR_V_SELECT(late, Ph[k], FR_VOP(mul)(Ph[k], sc)));
        FR_V dl = FR_V_SELECT(pos, FR_VOP(sub)(al, FR_VOP(mul)(Pl[k], sc)),
                              FR_V_SELECT(late, Pl[k], FR_VOP(mul)(Pl[k], sc)));
        FR_M small = FR_M_NONE;
        if (!fused) {
            FR_V uh, ul;
            FR_VFN(fr_dgelu_series)(x[k], &uh, &ul);
            FR_M near = FR_V_LESS(FR_V_ABS(FR_VOP(sub)(x[k], FR_VOP(set1)(FR_DGELU_X0_HI))),
                                  FR_VOP(set1)(FR_DGELU_NEAR));
            dh = FR_V_SELECT(near, uh, dh);
            dl = FR_V_SELECT(near, ul, dl);
        }
        /* fr_mul_pair_f64(g', dh, dl, fast, up), g' = late ? g 2^-128 : g,
         * up = exact and not late */
        FR_V gk = FR_V_SELECT(late, FR_VOP(mul)(g[k], FR_VOP(set1)(0x1p-128)), g[k]);
        if (!fused)
            small = FR_M_ANDNOT(late, FR_M_AND(FR_V_LESS(FR_V_ABS(gk), FR_VOP(set1)(0x1p900)),
                                FR_V_LESS(FR_V_ABS(FR_VOP(mul)(gk, dh)), FR_VOP(set1)(0x1p-969))));
        FR_M big = FR_V_GE(FR_V_ABS(gk), FR_VOP(set1)(0x1p995));
        gk = FR_V_SELECT(big, FR_VOP(mul)(gk, FR_VOP(set1)(0x1p-64)),
                         FR_V_SELECT(small, FR_VOP(mul)(gk, FR_VOP(set1)(0x1p64)), gk));
        FR_V yh = FR_VOP(mul)(gk, dh), yl = FR_VFN(fr_prod_err)(gk, dh, yh, fused);
        FR_V v = FR_VOP(add)(yh, FR_VOP(add)(yl, FR_VOP(mul)(gk, dl)));
        FR_M keep = FR_M_AND(FR_V_GE(FR_VOP(set1)(0x1p1000), FR_V_ABS(yh)),
                             FR_V_NEQ(v, FR_VOP(setzero)()));
        v = FR_V_SELECT(keep, v, yh);
        v = FR_V_SELECT(big, FR_VOP(mul)(v, FR_VOP(set1)(0x1p64)),
                        FR_V_SELECT(small, FR_VOP(mul)(v, FR_VOP(set1)(0x1p-64)), v));
        FR_V r = FR_V_SELECT(late, FR_VOP(mul)(FR_VOP(mul)(v, FR_VOP(mul)(s[k],
                                                                         FR_VOP(set1)(0x1p128))),
                                               FR_VOP(set1)(FR_DOWN_F64)), v);
        r = FR_V_SELECT(FR_V_ISNAN(x[k]), FR_VOP(add)(x[k], g[k]), r);
        r = FR_V_SELECT(FR_V_LESS(FR_VOP(set1)(FR_GELU_AMAX), x[k]), g[k], r);
        x[k] = FR_V_SELECT(FR_V_LESS(x[k], FR_VOP(set1)(-FR_GELU_AMAX)),
                           FR_VOP(mul)(g[k], FR_VOP(set1)(-0.0)), r);
    }
}
/* float64 gelu and gelu_backward (g not NULL), fused: fast mode, else
 * exact: nv vectors per
 * iteration (independent chains: the table lookups' and the double-double
 * steps' latencies overlap), then one at a time with a masked tail; out may
 * be g or x */
FR_INLINE void FR_VFN(fr_gelu64_loop)(const double *g, const double *x, double *out, fr_intp n,
                                      int fused) {
    const int nv = FR_NV(GELU64);
    const fr_gelu_cols *tab = g ? &fr_gelu_cols_w : &fr_gelu_cols_n;
    fr_intp i = 0;
    for (; i + nv * FR_LANES <= n; i += nv * FR_LANES) {
        FR_V gv[FR_NV_MAX], v[FR_NV_MAX];
        FR_EACH(k) v[k] = FR_VOP(loadu)(x + i + k * FR_LANES);
        if (g) {
            FR_EACH(k) gv[k] = FR_VOP(loadu)(g + i + k * FR_LANES);
            FR_VFN(fr_gelu64_bwd)(gv, v, nv, tab, fused);
        } else
            FR_VFN(fr_gelu64)(v, nv, tab, fused);
        FR_EACH(k) FR_VOP(storeu)(out + i + k * FR_LANES, v[k]);
    }
    for (; i < n; i += FR_LANES) {
        FR_TAIL_MASK m = FR_V_FIRST_LANES(n - i < FR_LANES ? (int)(n - i) : FR_LANES);
        FR_V gv[1], v[1] = {FR_V_LOAD_FIRST(x + i, m)};
        if (g) {
            gv[0] = FR_V_LOAD_FIRST(g + i, m);
            FR_VFN(fr_gelu64_bwd)(gv, v, 1, tab, fused);
        } else
            FR_VFN(fr_gelu64)(v, 1, tab, fused);
        FR_V_STORE_FIRST(out + i, m, v[0]);
    }
}
FR_INLINE void fr_v_f64_gelu_fast(const double *in, double *out, fr_intp n) {
    FR_VFN(fr_gelu64_loop)(NULL, in, out, n, 1);
}
FR_INLINE void fr_v_f64_gelu_exact(const double *in, double *out, fr_intp n) {
    FR_VFN(fr_gelu64_loop)(NULL, in, out, n, 0);
}
FR_INLINE void fr_v_f64_gelu_backward_fast(const double *g, const double *x, double *out,
                                           fr_intp n) {
    FR_VFN(fr_gelu64_loop)(g, x, out, n, 1);
}
FR_INLINE void fr_v_f64_gelu_backward_exact(const double *g, const double *x, double *out,
                                            fr_intp n) {
    FR_VFN(fr_gelu64_loop)(g, x, out, n, 0);
}
FR_INLINE void fr_v_f32_silu_exact_bias(const float *in, const float *bias, float *out,
                                        fr_intp n, fr_intp pf_n) {
    FR_VFN(fr_cr_loop)(in, bias, out, n, pf_n, FR_SIMD_SILU, FR_NV(BIAS));
}
#endif

#undef FR_NV
#undef FR_SIMD_SIGMOID
#undef FR_SIMD_SILU
#undef FR_SIMD_SOFTPLUS
#undef FR_SIMD_LOG_SIGMOID
#undef FR_SIMD_GELU
#undef FR_VFN
#undef FR_V
#undef FR_M
#undef FR_LANES
#undef FR_C
#undef FR_EACH
#undef FR_RATIO_RECIP
#undef FR_SUF
#undef FR_T
#undef FR_S
#undef FR_PS_PD
#undef FR_EPI
#undef FR_MANT_BITS
#undef FR_EXP_COEF
#undef FR_EXP_DEGREE
#undef FR_LOG1P_R_DEGREE
#undef FR_LOG1P_R_COEF
#undef FR_ZMIN
#undef FR_ZMIN_SILU
#undef FR_Z_SAFE
#undef FR_SUB_EXP
#undef FR_SUB_UP
#undef FR_SUB_MAGIC
