/* fastrelu: the avx512f sigmoid/silu math for one dtype.  A template:
 * sigmoid_avx512f.h includes it once per dtype with
 *   FR_SUF f32|f64   FR_T the C type   FR_V the vector type   FR_MASK its mask
 *   FR_LANES         lanes per vector
 *   FR_VOP(op)       the dtype's intrinsic: FR_VOP(fmadd) = _mm512_fmadd_ps
 *   FR_BITS          the vector as integer bits
 *   FR_SIGN_BIT      a vector of sign bits (integer)
 *   FR_TEST_SIGN     _mm512_test_epi32_mask / _epi64_mask
 *   FR_CMP_MASK      _mm512_cmp_ps_mask / _pd_mask
 *   FR_LOG2E, FR_LN2_HI, FR_LN2_LO   scalar.h's range reduction constants
 *   FR_ZMIN, FR_ZMIN_SILU            sigmoid(ZMIN), ZMIN_SILU e^ZMIN_SILU round to 0
 *   FR_X_E_NORMAL                    e^x is a normal number for x >= this
 * and undefines them after.  Every function works lane by lane: a value's
 * bits never depend on its neighbours, so the loop body, the one-vector loop
 * and the masked tail agree.
 *
 * sigmoid(x), z = max(-|x|, zmin):
 *   n = round(z log2e), t = z - n ln2 (Cody-Waite, two constants),
 *   e = p(t) 2^n, p a minimax polynomial of e^t (exp_poly.h), with 2^n
 *   applied by vscalef: a subnormal e is rounded once, not flushed;
 *   q = e / (1 + e), then f = e - e q (one FMA) = e / (1 + e) again, but
 *   with the rounding of 1 + e and of the division scaled down by e q;
 *   sigmoid = x > 0 ? 1 - f : f.
 *
 * silu(x) = max(x, 0) + z F, F = e / (1 + e) = sigmoid(z): for x > 0 that is
 *   x - x F = x sigmoid(x), for x <= 0 it is x F.  F must be better than one
 *   rounding (the roundings of 1 + e and of the division cost up to 1 ulp
 *   each where e and the result straddle a binade), so it is q + c to
 *   ~2^-46: q = e / (1 + e) rounded, r = e - q (1 + e) its exact remainder
 *   as (e - q) - q e (e - q is exact: q lies in [e/2, e]; one FMA rounds the
 *   tiny r once), c = r / (1 + e) ~ r (1 - q).  Then
 *   silu = z q + (z c + max(-0, x)), two FMAs, one rounding that counts.
 *   max(-0, x) is x for x >= +0 and -0 otherwise (vmax returns its second
 *   operand for two zeros), so silu(-0) = -0 and silu(x < zmin) = -0.
 *   Where e is subnormal (x < X_E_NORMAL), F = e to 2^-124 relative and
 *   silu = (z p) 2^n, scaled last so a subnormal result is rounded once.
 *   24 operations per vector (sigmoid: 17).
 */
#define FR_VFN(name) FR_SCAT(FR_SCAT(name, _), FR_SCAT(FR_SUF, _avx512f))

/* Each function takes nv vectors (a constant after inlining) and runs every
 * step on all of them before the next step, FR_EACH(k) being "for each
 * vector k": the nv independent chains then sit side by side in the code
 * (gcc does not schedule them together on x86, and one chain after the
 * other leaves the divider idle). */
#define FR_EACH(k) FR_UNROLL for (int k = 0; k < nv; k++)

/* e^z = p 2^n for z = max(-|x|, zmin), per vector */
FR_INLINE void FR_VFN(fr_exp_neg_abs)(const FR_V *x, int nv, FR_T zmin, FR_V *z, FR_V *n, FR_V *p) {
    FR_V t[FR_NV_MAX];
    FR_EACH(k) z[k] = FR_VOP(max_round)(FR_VOP(set1)(zmin),        /* keeps NaN */
                          FR_VOP(castsi512)(_mm512_or_si512(FR_BITS(x[k]), FR_SIGN_BIT)),
                          _MM_FROUND_NO_EXC);
    FR_EACH(k) n[k] = FR_VOP(roundscale)(FR_VOP(mul)(z[k], FR_VOP(set1)(FR_LOG2E)), FR_NOEXC);
    FR_EACH(k) t[k] = FR_VOP(fnmadd)(n[k], FR_VOP(set1)(FR_LN2_HI), z[k]);
    FR_EACH(k) t[k] = FR_VOP(fnmadd)(n[k], FR_VOP(set1)(FR_LN2_LO), t[k]);
    FR_VFN(fr_exp_poly)(t, nv, p);
}

/* x[k] becomes sigmoid(x[k]) */
FR_INLINE void FR_VFN(fr_sigmoid)(FR_V *x, int nv) {
    const FR_V one = FR_VOP(set1)(1.0);
    FR_V z[FR_NV_MAX], n[FR_NV_MAX], p[FR_NV_MAX], e[FR_NV_MAX], q[FR_NV_MAX];
    FR_VFN(fr_exp_neg_abs)(x, nv, FR_ZMIN, z, n, p);
    FR_EACH(k) e[k] = FR_VOP(scalef_round)(p[k], n[k], FR_NOEXC);
    FR_EACH(k) q[k] = FR_VOP(div)(e[k], FR_VOP(add)(e[k], one));
    FR_EACH(k) {
        FR_V f = FR_VOP(fnmadd)(e[k], q[k], e[k]);
        FR_MASK pos = FR_CMP_MASK(x[k], FR_VOP(setzero)(), _CMP_GT_OQ);
        x[k] = FR_VOP(mask_sub)(f, pos, one, f);
    }
}

/* x[k] becomes silu(x[k]) */
FR_INLINE void FR_VFN(fr_silu)(FR_V *x, int nv) {
    const FR_V one = FR_VOP(set1)(1.0);
    FR_V z[FR_NV_MAX], n[FR_NV_MAX], p[FR_NV_MAX], e[FR_NV_MAX], q[FR_NV_MAX];
    FR_VFN(fr_exp_neg_abs)(x, nv, FR_ZMIN_SILU, z, n, p);
    FR_EACH(k) e[k] = FR_VOP(scalef_round)(p[k], n[k], FR_NOEXC);
    FR_EACH(k) q[k] = FR_VOP(div)(e[k], FR_VOP(add)(e[k], one));
    FR_EACH(k) {
        FR_V r = FR_VOP(fnmadd)(q[k], e[k], FR_VOP(sub)(e[k], q[k]));   /* e - q (1 + e) */
        FR_V c = FR_VOP(fnmadd)(r, q[k], r);                    /* r (1 - q) ~ r / (1 + e) */
        FR_V relu = FR_VOP(max_round)(FR_VOP(set1)(-0.0), x[k], _MM_FROUND_NO_EXC);
        FR_V y = FR_VOP(fmadd)(z[k], q[k], FR_VOP(fmadd)(z[k], c, relu));
        FR_MASK tiny = FR_CMP_MASK(x[k], FR_VOP(set1)(FR_X_E_NORMAL), _CMP_LT_OQ);
        x[k] = FR_VOP(mask_scalef_round)(y, tiny, FR_VOP(mul)(z[k], p[k]), n[k], FR_NOEXC);
    }
}

/* the whole-array loop: nv vectors per iteration, then one at a time, then
 * a masked tail (zeros in the unused lanes), all through the same function */
FR_INLINE void FR_VFN(fr_apply)(FR_V *v, int nv, int silu) {
    if (silu)
        FR_VFN(fr_silu)(v, nv);
    else
        FR_VFN(fr_sigmoid)(v, nv);
}
FR_INLINE void FR_VFN(fr_loop)(const FR_T *in, FR_T *out, fr_intp n, int silu, int nv) {
    fr_intp i = 0;
    for (; i + nv * FR_LANES <= n; i += nv * FR_LANES) {
        FR_V v[FR_NV_MAX];
        FR_EACH(k) v[k] = FR_VOP(loadu)(in + i + k * FR_LANES);
        FR_VFN(fr_apply)(v, nv, silu);
        FR_EACH(k) FR_VOP(storeu)(out + i + k * FR_LANES, v[k]);
    }
    for (; i + FR_LANES <= n; i += FR_LANES) {
        FR_V v[1] = {FR_VOP(loadu)(in + i)};
        FR_VFN(fr_apply)(v, 1, silu);
        FR_VOP(storeu)(out + i, v[0]);
    }
    if (i < n) {
        FR_MASK m = (FR_MASK)((1u << (n - i)) - 1u);
        FR_V v[1] = {FR_VOP(maskz_loadu)(m, in + i)};
        FR_VFN(fr_apply)(v, 1, silu);
        FR_VOP(mask_storeu)(out + i, m, v[0]);
    }
}

/* the rows' kernels: fr_v_f32_sigmoid_fast, ... */
FR_INLINE void FR_SCAT(fr_v_, FR_SCAT(FR_SUF, _sigmoid_fast))(const FR_T *in, FR_T *out, fr_intp n) {
    FR_VFN(fr_loop)(in, out, n, 0, FR_NV_SIGMOID);
}
FR_INLINE void FR_SCAT(fr_v_, FR_SCAT(FR_SUF, _silu_fast))(const FR_T *in, FR_T *out, fr_intp n) {
    FR_VFN(fr_loop)(in, out, n, 1, FR_NV_SILU);
}

#undef FR_VFN
#undef FR_EACH
#undef FR_SUF
#undef FR_T
#undef FR_V
#undef FR_MASK
#undef FR_LANES
#undef FR_VOP
#undef FR_BITS
#undef FR_SIGN_BIT
#undef FR_TEST_SIGN
#undef FR_CMP_MASK
#undef FR_LOG2E
#undef FR_LN2_HI
#undef FR_LN2_LO
#undef FR_ZMIN
#undef FR_ZMIN_SILU
#undef FR_X_E_NORMAL
