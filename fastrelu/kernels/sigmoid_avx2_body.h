/* fastrelu: the avx2 sigmoid/silu math for one dtype.  A template:
 * sigmoid_avx2.h includes it once per dtype with
 *   FR_SUF f32|f64   FR_T the C type   FR_V the vector type   FR_LANES lanes
 *   FR_VOP(op)       the dtype's intrinsic: FR_VOP(fmadd) = _mm256_fmadd_ps
 *   FR_BITS          the vector as integer bits
 *   FR_SIGN_BIT      a vector of sign bits (integer)
 *   FR_EXP_FIELD(i)  i shifted into the exponent field
 *   FR_TAIL_MASK(r)  the vmaskmov mask of the first r lanes
 *   FR_LOG2E, FR_LN2_HI, FR_LN2_LO, FR_MAGIC, FR_DOWN   scalar.h's constants
 *   FR_ZMIN, FR_ZMIN_SILU, FR_X_E_NORMAL                as sigmoid_avx512f_body.h's
 * and undefines them after.  The formulas are sigmoid_avx512f_body.h's, with
 * 2^n = 2^(n + K) 2^-K (scalar.h) in place of vscalef.
 */
#define FR_VFN(name) FR_SCAT(FR_SCAT(name, _), FR_SCAT(FR_SUF, _avx2))
#define FR_EACH(k) FR_UNROLL for (int k = 0; k < nv; k++)   /* as in sigmoid_avx512f_body.h */

/* e^z = p s 2^-K for z = max(-|x|, zmin), s = 2^(n + K), per vector */
FR_INLINE void FR_VFN(fr_exp_neg_abs)(const FR_V *x, int nv, FR_T zmin, FR_V *z, FR_V *s, FR_V *p) {
    const FR_V sign = FR_VOP(castsi256)(FR_SIGN_BIT);
    FR_V n[FR_NV_MAX], t[FR_NV_MAX];
    FR_EACH(k) z[k] = FR_VOP(max)(FR_VOP(set1)(zmin), FR_VOP(or)(x[k], sign));  /* NaN: the 2nd operand */
    FR_EACH(k) s[k] = FR_VOP(fmadd)(z[k], FR_VOP(set1)(FR_LOG2E), FR_VOP(set1)(FR_MAGIC));
    FR_EACH(k) n[k] = FR_VOP(sub)(s[k], FR_VOP(set1)(FR_MAGIC));
    FR_EACH(k) t[k] = FR_VOP(fnmadd)(n[k], FR_VOP(set1)(FR_LN2_HI), z[k]);
    FR_EACH(k) t[k] = FR_VOP(fnmadd)(n[k], FR_VOP(set1)(FR_LN2_LO), t[k]);
    FR_VFN(fr_exp_poly)(t, nv, p);
    FR_EACH(k) s[k] = FR_VOP(castsi256)(FR_EXP_FIELD(FR_BITS(s[k])));     /* 2^(n + K) */
}

/* x[k] becomes sigmoid(x[k]) */
FR_INLINE void FR_VFN(fr_sigmoid)(FR_V *x, int nv) {
    const FR_V one = FR_VOP(set1)(1.0);
    FR_V z[FR_NV_MAX], s[FR_NV_MAX], p[FR_NV_MAX], e[FR_NV_MAX], q[FR_NV_MAX];
    FR_VFN(fr_exp_neg_abs)(x, nv, FR_ZMIN, z, s, p);
    FR_EACH(k) e[k] = FR_VOP(mul)(FR_VOP(mul)(p[k], s[k]), FR_VOP(set1)(FR_DOWN));
    FR_EACH(k) q[k] = FR_VOP(div)(e[k], FR_VOP(add)(e[k], one));
    FR_EACH(k) {
        FR_V f = FR_VOP(fnmadd)(e[k], q[k], e[k]);
        x[k] = FR_VOP(blendv)(FR_VOP(sub)(one, f), f, x[k]);            /* sign set: f */
    }
}

/* x[k] becomes silu(x[k]) */
FR_INLINE void FR_VFN(fr_silu)(FR_V *x, int nv) {
    const FR_V one = FR_VOP(set1)(1.0);
    FR_V z[FR_NV_MAX], s[FR_NV_MAX], p[FR_NV_MAX], e[FR_NV_MAX], q[FR_NV_MAX];
    FR_VFN(fr_exp_neg_abs)(x, nv, FR_ZMIN_SILU, z, s, p);
    FR_EACH(k) e[k] = FR_VOP(mul)(FR_VOP(mul)(p[k], s[k]), FR_VOP(set1)(FR_DOWN));
    FR_EACH(k) q[k] = FR_VOP(div)(e[k], FR_VOP(add)(e[k], one));
    FR_EACH(k) {
        FR_V r = FR_VOP(fnmadd)(q[k], e[k], FR_VOP(sub)(e[k], q[k]));   /* e - q (1 + e) */
        FR_V c = FR_VOP(fnmadd)(r, q[k], r);                    /* r (1 - q) ~ r / (1 + e) */
        FR_V relu = FR_VOP(max)(FR_VOP(set1)(-0.0), x[k]);      /* two zeros: x's */
        FR_V y = FR_VOP(fmadd)(z[k], q[k], FR_VOP(fmadd)(z[k], c, relu));
        FR_V tiny = FR_VOP(cmp)(x[k], FR_VOP(set1)(FR_X_E_NORMAL), _CMP_LT_OQ);
        FR_V scaled_last = FR_VOP(mul)(FR_VOP(mul)(FR_VOP(mul)(z[k], p[k]), s[k]),
                                       FR_VOP(set1)(FR_DOWN));
        x[k] = FR_VOP(blendv)(y, scaled_last, tiny);
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
        __m256i m = FR_TAIL_MASK(n - i);
        FR_V v[1] = {FR_VOP(maskload)(in + i, m)};
        FR_VFN(fr_apply)(v, 1, silu);
        FR_VOP(maskstore)(out + i, m, v[0]);
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
#undef FR_LANES
#undef FR_VOP
#undef FR_BITS
#undef FR_SIGN_BIT
#undef FR_EXP_FIELD
#undef FR_TAIL_MASK
#undef FR_LOG2E
#undef FR_LN2_HI
#undef FR_LN2_LO
#undef FR_MAGIC
#undef FR_DOWN
#undef FR_ZMIN
#undef FR_ZMIN_SILU
#undef FR_X_E_NORMAL
