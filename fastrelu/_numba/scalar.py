"""The twin of kernels/scalar.h: its per-element math as scalar numba
functions, operation for operation, and TWINS, the table of them by op name
(fastrelu._ops.OPS) and accuracy mode.  Small functions are inlined by numba
(njit_inline), the double-double ones by LLVM (njit_linked: compiled once,
not per kernel), and the rare hard cases of exact float32 are calls
(njit_called).

LLVM never contracts a*b + c by itself (numba is never given fastmath flags),
so a*b + c is two roundings, except where scalar.h writes FR_MA or
FR_PROD_ERR: fast mode fuses (llvm.fma) when numba's target CPU has FMA, as
the C build does per ISA level (``intrinsics.FAST_MA``), and FR_PROD_ERR is
Veltkamp-Dekker without FMA, as in C.  Exact mode never fuses.  Hence these
twins are bit-identical to the C kernels of the ISA level with the same
FMA-ness (fast mode), and of every level (exact mode); only NaN payloads may
differ.  The constants come from ``constants``, gelu's from its section here
(both checked against scalar.h by tests/test_numba.py; gelu's tables are
read from it).

Adding an op's twin: its scalar function(s) below, for float32 and float64
and each mode, and one TWINS entry.
"""
from typing import NamedTuple

import numpy as np

from . import constants as K
from .intrinsics import (FAST_MA, add_ulps, bits, div, fma, ma_plain, njit_called, njit_inline,
                         njit_linked, scale, select)

__all__ = ["TWINS", "COUNTERS", "SCALAR_H"]


class _Dtype(NamedTuple):
    """scalar.h's per-dtype constants of the fast family."""
    T: type
    LOG2E: object
    MAGIC: object
    DOWN: object
    LN2_HI: object
    LN2_LO: object
    ZMIN: object                 # sigmoid(ZMIN) rounds to 0
    ZMIN_SILU: object            # so does ZMIN_SILU e^ZMIN_SILU
    SOFTPLUS_ZMIN: object
    SPLIT: object                # Veltkamp's 2^s + 1
    LOG1P_TERMS: int


F32 = _Dtype(np.float32, K.LOG2E_F32, K.MAGIC_F32, K.DOWN_F32, K.LN2_HI_F32, K.LN2_LO_F32,
             K.ZMIN_F32, K.ZMIN_SILU_F32, K.SOFTPLUS_ZMIN_F32, K.SPLIT_F32, K.LOG1P_TERMS_F32)
F64 = _Dtype(np.float64, K.LOG2E_F64, K.MAGIC_F64, K.DOWN_F64, K.LN2_HI_F64, K.LN2_LO_F64,
             K.ZMIN_F64, K.ZMIN_SILU_F64, K.SOFTPLUS_ZMIN_F64, K.SPLIT_F64, K.LOG1P_TERMS_F64)


# ---- building blocks (ma: FR_MA_PLAIN, or FR_MA in fast mode) ----------------
def _generated(name, params, expr, env):
    """`def name(params): return expr` as one njit_inline function built from
    source (env: its globals).  Numba inlines every closure of a chain
    separately, at seconds per kernel for a polynomial; one function per
    polynomial costs one inlining."""
    ns = dict(env)
    exec(f"def {name}({params}):\n    return {expr}\n", ns)
    return njit_inline(ns[name])


def _horner(coefs, ma):
    """p(t) = ((c[0] t + c[1]) t + ...) + c[-1], as fr_taylor_exp_tail /
    fr_expm1_tail_f32 / fr_log1p_small evaluate it (straight-line code)."""
    expr = "c0"
    for i in range(1, len(coefs)):
        expr = f"ma({expr}, t, c{i})"
    return _generated("horner", "t", expr, {"ma": ma, **{f"c{i}": c for i, c in enumerate(coefs)}})


def _taylor_tail(lo, hi, ma):
    """fr_taylor_exp_tail_f64(t, lo, hi) = sum_{k=lo..hi} t^(k-lo) / k!"""
    return _horner(K.INV_FACT_F64[lo:hi + 1][::-1], ma)


def _reduce(C, ma):
    """FR_REDUCE: nm = z log2e + MAGIC, n = nm - MAGIC, t = z - n ln2 (two constants)."""
    log2e, magic, nhi, nlo = C.LOG2E, C.MAGIC, -C.LN2_HI, -C.LN2_LO

    @njit_inline
    def reduce(z):
        nm = ma(z, log2e, magic)
        n = nm - magic
        t = ma(n, nhi, z)
        t = ma(n, nlo, t)
        return nm, t
    return reduce


def _prod_err(C, fused):
    """FR_PROD_ERR: a b - p exactly for p = fl(a b): one FMA in a fused family
    on a target with FMA (as the C levels with __FMA__), Veltkamp-Dekker
    otherwise (and in the f64x family, fr_prod_err_dekker_F64)."""
    if fused:
        return njit_inline(lambda a, b, p: fma(a, b, -p))
    split = C.SPLIT

    @njit_inline
    def prod_err_dekker(a, b, p):
        ca = split * a
        cb = split * b
        ah = ca - (ca - a)
        al = a - ah
        bh = cb - (cb - b)
        bl = b - bh
        return ((ah * bh - p) + ah * bl + al * bh) + al * bl
    return prod_err_dekker


class _Family(NamedTuple):
    sigmoid: object
    silu: object
    pair: object                 # (sigmoid(x), sigmoid(-x))
    log1p_small: object
    softplus: object
    log_sigmoid: object


def _fast_family(C, h, ma):
    """FR_DEFINE_SIGMOID_FAST and FR_DEFINE_LOG1P_SMALL for one dtype: the
    fast sigmoid, silu, the pair (sigmoid(x), sigmoid(-x)), log1p_small,
    softplus, log_sigmoid (see scalar.h for the derivations)."""
    T = C.T
    zero, one, half, two = T(0), T(1), T(0.5), T(2)
    mzero, r_half, r_c = T(-0.0), T(K.RATIO_HALF), T(K.RATIO_C)
    down, zmin, zmin_silu, xmax_silu = C.DOWN, C.ZMIN, C.ZMIN_SILU, -C.ZMIN_SILU
    softplus_zmin, ln2_hi, ln2_lo = C.SOFTPLUS_ZMIN, C.LN2_HI, C.LN2_LO
    reduce, prod_err = _reduce(C, ma), _prod_err(C, ma is fma)
    atanh = _horner(tuple(T(c) for c in K.ATANH_COEF_F64[:C.LOG1P_TERMS][::-1]), ma)

    @njit_inline
    def exp_neg_abs(x, zmin):
        """fr_exp_neg_abs_fast: e = e^-|x| (clamped at zmin) as e + el, d + dl
        = 1 + e, and (p + pl) s = e 2^K before the final scaling."""
        z = -abs(x)
        z = select(z < zmin, zmin, z)               # keeps NaN
        nm, t = reduce(z)
        u = ma(t * t, h(t), t)
        p = one + u
        pl = u - (p - one)                          # exact
        s = scale(nm)
        ps = p * s
        pls = pl * s
        e = ps * down
        el = pls * down
        d = one + e
        dl = (e - (d - one)) + el
        return e, el, d, dl, ps, pls

    @njit_inline
    def ratio(N, nl, d, dl, e):
        """FR_RATIO: (N + nl) / (d + dl) with one division, e = d - 1 in [0, 1]."""
        q = div(N, d)
        return ma(ma(-q, dl, nl), ma(r_half, e, r_c), q)

    @njit_inline
    def sigmoid_fast(x):
        e, el, d, dl, ps, pls = exp_neg_abs(x, zmin)
        pos = x > zero
        return ratio(select(pos, one, e), select(pos, zero, el), d, dl, e)

    @njit_inline
    def silu_fast(x):
        e, el, d, dl, ps, pls = exp_neg_abs(x, zmin_silu)
        pos = x > zero
        xps = x * ps
        xpl = prod_err(x, ps, xps)                  # x ps exactly
        xe = xps * down
        xel = ma(x, pls, xpl) * down
        r = ratio(select(pos, x, xe), select(pos, zero, xel), d, dl, e)
        r = select(r == zero, zero * x, r)          # a zero keeps x's sign (fr_silu_fast)
        return select(x < zmin_silu, mzero, select(x > xmax_silu, x, r))

    @njit_inline
    def sigmoid_pair_fast(x):
        e, el, d, dl, ps, pls = exp_neg_abs(x, zmin)
        pos = x > zero
        s = ratio(select(pos, one, e), select(pos, zero, el), d, dl, e)
        c = ratio(select(pos, e, one), select(pos, el, zero), d, dl, e)
        return s, c

    @njit_inline
    def log1p_small(e, el):
        """log1p(e + el), e in [0, 1]."""
        red = e >= half
        f = select(red, (e - one) * half, e)
        fl = select(red, el * half, el)
        s = div(f, two + f)
        z = s * s
        R = atanh(z) * z
        hi = select(red, ln2_hi, zero)
        lo = select(red, ln2_lo, zero)
        c = fl * ma(f, f - one, one)
        return hi + (f - (s * (f - R) - (lo + c)))

    @njit_inline
    def softplus_fast(x):
        e, el, d, dl, ps, pls = exp_neg_abs(x, softplus_zmin)
        return select(x > zero, x, zero) + log1p_small(e, el)

    @njit_inline
    def log_sigmoid_fast(x):
        return -softplus_fast(-x)

    return _Family(sigmoid_fast, silu_fast, sigmoid_pair_fast, log1p_small, softplus_fast,
                   log_sigmoid_fast)


class _Exact(NamedTuple):
    relu: object
    relu_bwd: object
    sigmoid_bwd: object
    leaky_relu: object
    leaky_relu_bwd: object
    count_zero: object
    count_saturated: object
    count_none: object


def _exact_ops(T):
    """The ops exact in both modes (relu, leaky relu, their backward forms,
    sigmoid_backward) and the fused ops' counters, for one dtype."""
    zero, one = T(0), T(1)

    @njit_inline
    def relu(x):                                  # FR_RELU: NaN passes, -0.0 -> +0.0
        return select(x <= zero, zero, x)

    @njit_inline
    def relu_bwd(g, y):                           # FR_RELU_BWD
        return select(y > zero, g, select(y <= zero, zero, y))

    @njit_inline
    def sigmoid_bwd(g, y):                        # FR_SIGMOID_BWD, left to right
        return (g * y) * (one - y)

    @njit_inline
    def leaky_relu(x, a):                         # FR_LEAKY_RELU
        return select(x <= zero, select((x == zero) | (a == zero), zero, a * x), x)

    @njit_inline
    def leaky_relu_bwd(g, x, a):                  # FR_LEAKY_RELU_BWD
        return select(x > zero, g, select(x <= zero, select(a == zero, zero, a * g), x))

    return _Exact(relu, relu_bwd, sigmoid_bwd, leaky_relu, leaky_relu_bwd,
                  njit_inline(lambda y, eps: y == zero),                # FR_COUNT_ZERO
                  njit_inline(lambda y, eps: y * (one - y) < eps),      # FR_COUNT_SATURATED
                  njit_inline(lambda y, eps: False))                    # FR_COUNT_NONE


# ---- the families: fast (FMA where the target has it), f64x (never), exact ----
_expm1_tail_f32 = _horner(K.EXPM1_TAIL_F32, FAST_MA)          # fr_expm1_tail_f32
_FAST_F32 = _fast_family(F32, _expm1_tail_f32, FAST_MA)
_FAST_F64 = _fast_family(F64, _taylor_tail(2, K.EXPM1_TAIL_DEGREE_F64, FAST_MA), FAST_MA)
# scalar.h's "f64x": the float64 fast family without FMA, behind the exact
# float32 ops (and both modes of float32 silu_backward): same bits everywhere
_PLAIN_F64 = _fast_family(F64, _taylor_tail(2, K.EXPM1_TAIL_DEGREE_F64, ma_plain), ma_plain)
_EXACT_F32, _EXACT_F64 = _exact_ops(np.float32), _exact_ops(np.float64)


@njit_inline
def _sigmoid_exact_guess_f32(xf):
    """fr_sigmoid_exact_guess_f32: float64, 2^u as a Pade [4/4], one division."""
    zf = -abs(xf)
    zf = select(zf < K.ZMIN_EXACT_F32, K.ZMIN_EXACT_F32, zf)
    a = np.float64(zf) * K.LOG2E_F64
    nm = a + K.MAGIC2_F64
    u = a - (nm - K.MAGIC2_F64)
    u2 = u * u
    E = (K.PADE4 * u2 + K.PADE2) * u2 + 1.0
    O = (K.PADE3 * u2 + K.PADE1) * u
    P = E + O
    Q = E - O
    e = P * scale(nm)
    return div(select(xf > np.float32(0.0), Q, e), Q + e)


# double-double helpers of the exact float64 kernels (exact: nothing is contracted)
@njit_inline
def _two_sum(a, b):
    s = a + b
    bb = s - a
    return s, (a - (s - bb)) + (b - bb)


@njit_inline
def _fast_two_sum(a, b):
    s = a + b
    return s, b - (s - a)


@njit_inline
def _split(a):
    c = K.SPLIT_F64 * a                             # 2^27 + 1 (Veltkamp)
    hi = c - (c - a)
    return hi, a - hi


@njit_inline
def _two_prod(a, b):
    p = a * b
    ah, al = _split(a)
    bh, bl = _split(b)
    return p, ((ah * bh - p) + ah * bl + al * bh) + al * bl


_exp_dd_tail = _taylor_tail(*K.EXP_DD_TAIL, ma_plain)


@njit_linked
def _exp_dd_f64(z):
    """fr_exp_dd_f64: exp(z), z in [-760, 0], as (Eh + El) s 2^-600."""
    nm = z * K.LOG2E_F64 + K.MAGIC_F64
    n = nm - K.MAGIC_F64
    a = z - n * K.LN2_HI_F64                        # exact
    b = n * K.LN2_LO_F64
    th = a - b
    tl = (a - th) - b
    q3 = _exp_dd_tail(th)
    sqh, sql = _two_prod(th, th)
    sh, sl = _two_sum(1.0, th)
    uh, ul = _two_sum(sh, 0.5 * sqh)
    lo = ul + sl + 0.5 * sql + (sqh * th) * q3 + tl * sh
    Eh, El = _fast_two_sum(uh, lo)
    return Eh, El, scale(nm)


@njit_inline
def _exp_neg_abs_dd_f64(x, zmin):
    """fr_exp_neg_abs_dd_f64: e = e^-|x| (clamped at zmin, NaN kept) as (Eh + El)
    s 2^-600, scaled eh + el, and 1 + e = Dh + Dl."""
    z = -abs(x)
    z = select(z < zmin, zmin, z)
    Eh, El, s = _exp_dd_f64(z)
    eh = (Eh * s) * K.DOWN_F64
    el = (El * s) * K.DOWN_F64
    Dh, Dl = _fast_two_sum(1.0, eh)
    return Eh, El, s, eh, el, Dh, Dl + el


@njit_linked
def _sigmoid_dd_f64(x, zmin):
    """fr_sigmoid_dd_f64: sigmoid(x) = (qh + ql) (x > 0 ? 1 : s 2^-600)."""
    Eh, El, s, _, _, Dh, Dl = _exp_neg_abs_dd_f64(x, zmin)
    pos = x > 0.0
    Nh = select(pos, 1.0, Eh)
    Nl = select(pos, 0.0, El)
    inv = div(1.0, Dh)
    q0 = Nh * inv
    ph, pl = _two_prod(q0, Dh)
    r = (((Nh - ph) - pl) + Nl) - q0 * Dl
    return q0, r * inv, s


@njit_inline
def sigmoid_exact_f64(x):
    """fr_sigmoid_exact_f64: double-double, <= 1 ulp."""
    qh, ql, s = _sigmoid_dd_f64(x, K.ZMIN_DD_SIGMOID)
    Q = qh + ql
    return select(x > 0.0, Q, (Q * s) * K.DOWN_F64)


@njit_linked
def _silu_dd_f64(x):
    """fr_silu_dd_f64: silu(x) = h + l (x > 0) or (h + l) s 2^-600."""
    qh, ql, s = _sigmoid_dd_f64(x, K.ZMIN_DD_SILU)
    ph, pl = _two_prod(x, qh)
    return ph, pl + x * ql, s


@njit_inline
def silu_exact_f64(x):
    """fr_silu_exact_f64: x (qh + ql) as a two-product, rounded once."""
    h, l, s = _silu_dd_f64(x)
    v = h + l
    r = select(x > 0.0, v, (v * s) * K.DOWN_F64)
    r = select(r == 0.0, 0.0 * x, r)                # a zero keeps x's sign: silu(-0) = -0
    return select(x < K.ZMIN_DD_SILU, -0.0, select(x > -K.ZMIN_DD_SILU, x, r))


# silu'(x) = s (1 + x c), s = sigmoid(x), c = sigmoid(-x), limits written out (FR_DSILU)
@njit_inline
def _dsilu_f64(x, s, c):
    return select(x > K.DSILU_BIG, 1.0, select(x < -K.DSILU_BIG, -0.0, s * (1.0 + x * c)))


def _zero_series_near(z):
    """fr_zero_series_near: whether x is inside the series' window."""
    x0, near = z.x0[0], z.near

    @njit_inline
    def inside(x):
        return abs(x - x0) < near
    return inside


_near_x0_dsilu, _near_x0_dgelu = _zero_series_near(K.DSILU), _zero_series_near(K.DGELU)


def _zero_series(z, pe):
    """fr_zero_series_f64 with one op's constants z (constants.ZeroSeries):
    f(x0 + t) = t (A1 + t (A2 + t Q(t))) as (uh, ul), next to the op's zero;
    pe: the variant's FR_PROD_ERR."""
    x0, a1, a2 = z.x0, z.a1, z.a2
    q_horner = _horner(z.taylor[::-1], ma_plain)   # highest first

    @njit_inline
    def series(x):
        th, tl = _two_sum(x - x0[0], -x0[1])
        tl = tl - x0[2]
        ph = th * a2[0]
        pl = pe(th, a2[0], ph)
        Gh, Gl = _fast_two_sum(a1[0], ph)
        Gl = Gl + (a1[1] + (pl + th * (a2[1] + th * q_horner(th))))
        uh = th * Gh
        ul = pe(th, Gh, uh)
        return uh, ul + (th * Gl + tl * Gh)
    return series


def _mul_pair(pe):
    """fr_mul_pair_f64: g (h + l) rounded once, g h a two-product (pe: the
    variant's FR_PROD_ERR); g scaled by 2^-64 from 2^995, and where up by 2^64
    when g h leaves the normals (for |g| < 2^900), the result back; past 2^1000 (g =
    inf) and where the sum is zero, g h alone."""

    @njit_inline
    def mul_pair(g, h, l, up):
        up = up & (abs(g) < K.MUL_PAIR_UP_G) & (abs(g * h) < K.MUL_PAIR_TINY)
        k = select(abs(g) < K.MUL_PAIR_BIG_G, select(up, K.MUL_PAIR_UP, 1.0), K.MUL_PAIR_DOWN)
        gk = g * k
        yh = gk * h
        v = yh + (pe(gk, h, yh) + gk * l)
        v = select((abs(yh) <= K.MUL_PAIR_HUGE) & (v != 0.0), v, yh)
        return select(k == 1.0, v, select(k < 1.0, v * K.MUL_PAIR_UP, v * K.MUL_PAIR_DOWN))
    return mul_pair


def _dsilu_variant(fast):
    """fr_dsilu_dd_f64(x, fast) and fr_silu_bwd_dd_f64(g, x, fast): the
    products of fast mode by FMA where numba's target has it, of exact mode
    by Dekker's."""
    pe = _prod_err(F64, fast and FAST_MA is fma)
    series = _zero_series(K.DSILU, pe)
    mul_pair = _mul_pair(pe)

    @njit_inline
    def two_prod(a, b):
        p = a * b
        return p, pe(a, b, p)

    @njit_linked
    def dsilu_dd(x):
        """silu'(x) as a double-double (fh, fl)."""
        Eh, El, sc, eh, el, Dh, Dl = _exp_neg_abs_dd_f64(x, K.DSILU_DD_ZMIN)
        Ah, Al = _two_sum(1.0, x)
        pos = x > 0.0
        Th, Tl = _two_sum(Ah, eh)
        Tl = Tl + (Al + el)
        m = select(pos, eh, Eh)
        mh = select(pos, Ah, Th)
        ml = select(pos, Al, Tl)
        mel = select(pos, el, El)
        Ph, Pl = two_prod(m, mh)
        Pl = Pl + (m * ml + mel * mh)
        Nh1, Nl1 = _fast_two_sum(1.0, Ph)
        Nh = select(pos, Nh1, Ph)
        Nl = select(pos, Nl1 + Pl, Pl)
        Sh, Sl = two_prod(Dh, Dh)
        Sl = Sl + 2.0 * Dh * Dl
        inv = div(1.0, Sh)
        q = Nh * inv
        qh, ql = two_prod(q, Sh)
        r = (((Nh - qh) - ql) + Nl - q * Sl) * inv
        h = select(pos, q, (q * sc) * K.DOWN_F64)
        l = select(pos, r, (r * sc) * K.DOWN_F64)
        uh, ul = series(x)                          # within 2^-3 of x0
        near = _near_x0_dsilu(x)
        h = select(near, uh, h)
        l = select(near, ul, l)
        big = x > K.DSILU_BIG
        low = x < -K.DSILU_BIG
        hn, ln = _fast_two_sum(h, l)                # h: silu' rounded; a zero keeps its sign
        l = select(hn == 0.0, 0.0, ln)
        h = select(hn == 0.0, h, hn)
        tiny = abs(h) < K.DSILU_TINY                # silu' as the double it rounds to
        return (select(big, 1.0, select(low, -0.0, h)), select(big | low | tiny, 0.0, l))

    @njit_inline
    def backward(g, x):
        """g times the pair, one rounding."""
        fh, fl = dsilu_dd(x)
        return mul_pair(g, fh, fl, True)
    return dsilu_dd, backward


_dsilu_dd_exact, silu_bwd_exact_f64 = _dsilu_variant(False)   # fr_silu_bwd_exact_f64
silu_bwd_fast_f64 = _dsilu_variant(True)[1]                    # fr_silu_bwd_fast_f64


_reduce_plain_f64 = _reduce(F64, ma_plain)
_exp_taylor_silu_bwd = _taylor_tail(0, K.SILU_BWD_F32_DEGREE, ma_plain)


@njit_inline
def _silu_bwd_wide_f32(g, x):
    """fr_silu_bwd_wide_f32: in float64 (where sigmoid(x) of a float32 x is
    never subnormal) without FMA, exp to t^10, one reciprocal; and the
    value's error bound (the cancellation in 1 + x c amplifies c's)."""
    xd = np.float64(x)
    z = -abs(xd)
    z = select(z < K.SILU_BWD_F32_ZMIN, K.SILU_BWD_F32_ZMIN, z)   # keeps NaN
    nm, t = _reduce_plain_f64(z)
    e = (_exp_taylor_silu_bwd(t) * scale(nm)) * K.DOWN_F64
    r = div(1.0, 1.0 + e)
    pos = xd > 0.0
    s = select(pos, r, e * r)
    c = select(pos, e * r, r)
    eps = K.SILU_BWD_F32_EPS[0] + K.SILU_BWD_F32_EPS[1] * abs(div(xd * c, 1.0 + xd * c))
    return np.float64(g) * _dsilu_f64(xd, s, c), eps


@njit_inline
def silu_bwd_f32(g, x):
    """fr_silu_bwd_f32 (fast mode): the float64 value rounded once."""
    return np.float32(_silu_bwd_wide_f32(g, x)[0])


@njit_called
def _silu_bwd_exact_slow_f32(g, x):
    fh, fl = _dsilu_dd_exact(np.float64(x))
    return _round_mul_pair_f32(g, fh, fl)


@njit_inline
def silu_bwd_exact_f32(g, x):
    """fr_silu_bwd_exact_f32_try, and _slow for the rounding test's hard
    cases (silu' in double-double): correctly rounded."""
    y, eps = _silu_bwd_wide_f32(g, x)
    r, hard = _correctly_rounded(y, eps)
    if hard and abs(x) <= np.float32(K.SILU_BWD_F32_SLOW_MAX) and abs(g) <= np.float32(K.FLT_MAX):
        r = _silu_bwd_exact_slow_f32(g, x)
    return r


@njit_inline
def _round_mul_pair_f32(g, h, l):
    """fr_round_mul_pair_f32: g (h + l) rounded once to float32 (Dekker's
    two-product); a zero or non-finite g h alone."""
    gd = np.float64(g)
    ph, pl = _two_prod(gd, h)
    if ph == 0.0 or not abs(ph) <= K.DBL_MAX:
        return np.float32(ph)
    return _round_dd_f32(ph, pl + gd * l)


@njit_linked
def _softplus_dd_f64(x):
    """fr_softplus_dd_f64: log1p(e) in double-double (one Newton step on the
    fast value, or the series below e = 2^-20), added to max(x, 0) as a pair;
    y0 from the f64x log1p (no FMA), as in C."""
    _, _, _, e, el, d, dl = _exp_neg_abs_dd_f64(x, K.SOFTPLUS_ZMIN_DD)
    y0 = _PLAIN_F64.log1p_small(e, el)
    Fh, Fl, t = _exp_dd_f64(-y0)
    sc = t * K.DOWN_F64
    Fh = Fh * sc
    Fl = Fl * sc
    ph, pl = _two_prod(d, Fh)
    r = (ph - 1.0) + ((pl + d * Fl) + dl * Fh)
    small = e < K.TINY_E
    Lh = select(small, e, y0)
    Ll = select(small, el - 0.5 * (e * e) + (e * e) * (e * K.THIRD), r)
    A = select(x > 0.0, x, 0.0)
    S, Sl = _two_sum(A, Lh)
    big = A > K.HUGE_A
    return select(big, A, S), select(big, 0.0, Sl + Ll)


@njit_inline
def softplus_exact_f64(x):
    h, l = _softplus_dd_f64(x)
    return h + l


@njit_inline
def log_sigmoid_exact_f64(x):
    return -softplus_exact_f64(-x)


# ---- exact float32: correctly rounded (scalar.h's fr_cr_test_f32 and the
# fr_<op>_exact_try_f32 / _slow_f32 pairs): the float64 guess is the answer
# when r (1 - eps) and r (1 + eps) round alike, else the double-double value
# rounded once.  Any correctly rounded evaluation has the same bits, so the
# twins match the C kernels whatever either computes on the way.
@njit_inline
def _round_dd_f32(h, l):
    """fr_round_dd_f32: h + l rounded to float32 once (a tie in h: l decides)."""
    h, l = _fast_two_sum(h, l)
    f = np.float32(h)
    if np.isinf(f):                                 # past the largest float, or on its
        if abs(h) == K.F32_OVERFLOW_MID and l != 0.0 and (l > 0.0) != (h > 0.0):   # midpoint
            return np.float32(K.FLT_MAX) if h > 0.0 else np.float32(-K.FLT_MAX)
        return f
    err = h - np.float64(f)
    g = np.nextafter(f, np.float32(np.inf) if err > 0.0 else np.float32(-np.inf))
    tie = err != 0.0 and err == (np.float64(g) - np.float64(f)) * 0.5
    if tie and l != 0.0 and (l > 0.0) == (err > 0.0):
        return g
    return f


@njit_inline
def _correctly_rounded(r, eps):
    """(float32(r), whether the rounding test leaves it open)"""
    lo = np.float32(r - r * eps)
    hi = np.float32(r + r * eps)
    return np.float32(r), not (lo == hi)


@njit_called
def _sigmoid_exact_slow_f32(x):
    qh, ql, s = _sigmoid_dd_f64(np.float64(x), K.ZMIN_DD_SIGMOID)
    sc = 1.0 if x > np.float32(0.0) else s * K.DOWN_F64
    return _round_dd_f32(qh * sc, ql * sc)


@njit_inline
def sigmoid_exact_f32(x):
    f, hard = _correctly_rounded(_sigmoid_exact_guess_f32(x), K.CR_EPS_SIGMOID)
    return _sigmoid_exact_slow_f32(x) if hard else f


@njit_called
def _silu_exact_slow_f32(x):
    xd = np.float64(x)
    h, l, s = _silu_dd_f64(xd)
    if x > np.float32(0.0):
        r = _round_dd_f32(h, l)
    else:
        r = _round_dd_f32((h * s) * K.DOWN_F64, (l * s) * K.DOWN_F64)
    if x == np.float32(0.0):
        r = x                                       # silu(-0) = -0
    if x < np.float32(K.ZMIN_DD_SILU):
        return np.float32(-0.0)
    return x if x > np.float32(-K.ZMIN_DD_SILU) else r


@njit_inline
def silu_exact_f32(x):
    f, hard = _correctly_rounded(_PLAIN_F64.silu(np.float64(x)), K.CR_EPS)
    return _silu_exact_slow_f32(x) if hard else f


@njit_called
def _softplus_exact_slow_f32(x):
    h, l = _softplus_dd_f64(np.float64(x))
    return _round_dd_f32(h, l)


@njit_inline
def softplus_exact_f32(x):
    f, hard = _correctly_rounded(_PLAIN_F64.softplus(np.float64(x)), K.CR_EPS)
    return _softplus_exact_slow_f32(x) if hard else f


@njit_inline
def log_sigmoid_exact_f32(x):
    f, hard = _correctly_rounded(_PLAIN_F64.log_sigmoid(np.float64(x)), K.CR_EPS)
    return -_softplus_exact_slow_f32(-x) if hard else f


# ---- gelu = x Phi(x), gelu_backward (scalar.h: FR_DEFINE_GELU_PARTS, per variant:
# "f64x" without FMA for exact float64 and both float32 modes, "f64" fast float64)
GELU_AMAX = 39.0                           # FR_GELU_AMAX: |x| clamped (NaN too), limits beyond
GELU_INDEX_SHIFT, GELU_INDEX_BIAS, GELU_INDEX_QUARTERS = 50, 4092, 4   # fr_gelu_index
# the columns of a table row: c, cl (the center), c0, c0l, c1, c1l, c2, c2l, c3..c13
(GELU_C, GELU_CL, GELU_C0, GELU_C0L, GELU_C1, GELU_C1L, GELU_C2, GELU_C2L,
 GELU_C3) = range(9)
GELU_C13, GELU_ROW = 18, 19
GELU_LATE = -37.0                          # fr_dgelu: below, 2^n is subnormal (scaled last)
GELU_S2 = 2.0**600                         # fr_dgelu's s2 where D is not near the subnormals
GELU_LATE_G = 2.0**-128                    # g's scale where 2^n is applied last (g D may overflow)
# tools/fit_gelu.py's tables, read from scalar.h: N (gelu), W (gelu_backward)
GELU_N_TAB, GELU_W_TAB = K.header_table("fr_gelu_n_tab"), K.header_table("fr_gelu_w_tab")
assert GELU_N_TAB.shape[1] == GELU_W_TAB.shape[1] == GELU_ROW

# these constants' places in scalar.h (as constants.SCALAR_H; tests/test_numba.py)
SCALAR_H = {
    "FR_GELU_AMAX": GELU_AMAX,
    "fr_gelu_index": {GELU_INDEX_SHIFT, GELU_INDEX_BIAS, GELU_INDEX_QUARTERS},
    "FR_DEFINE_GELU_PARTS(": {GELU_ROW, GELU_C13, GELU_C13 - 1, GELU_C3, GELU_C0L, GELU_C1,
                              GELU_C1L, GELU_C2, GELU_C2L, -0.5, GELU_LATE, GELU_S2,
                              GELU_LATE_G, 1 / GELU_LATE_G},
}


@njit_inline
def _gelu_index(a):
    """fr_gelu_index: the table row of a = |x| in [0, 39]: quarters of [0, 1),
    then quarter binades, from the bits of a (of a + 1 below 1)."""
    lt1 = a < 1.0
    u = select(lt1, a + 1.0, a)
    k = (bits(u) >> GELU_INDEX_SHIFT) - GELU_INDEX_BIAS
    return k if lt1 else k + GELU_INDEX_QUARTERS


@njit_inline
def _half_tie_f64(x, r):
    """fr_half_tie_f64: r one float64 ulp toward the true side when x is tiny
    (x/2 would be a narrow type's midpoint)."""
    nudge = np.int64(0)
    if x != 0.0 and abs(x) < K.TINY_SILU_F32:
        nudge = np.int64(1) if x > 0.0 else np.int64(-1)
    return add_ulps(r, nudge)


def _row_horner(lo, hi, ma):
    """q = tab[r, hi]; q = ma(q, s, tab[r, j]) for j = hi - 1 down to lo
    (straight-line code)."""
    expr = f"tab[r, {hi}]"
    for j in range(hi - 1, lo - 1, -1):
        expr = f"ma({expr}, s, tab[r, {j}])"
    return _generated("row_horner", "tab, r, s", expr, {"ma": ma})


class _Gelu(NamedTuple):
    gelu: object                 # float64
    dgelu: object                # (dh, dl, s2)
    backward: object             # float64
    gelu_f32: object
    backward_f32: object


def _gelu_variant(ma, pe, exact):
    """FR_DEFINE_GELU_PARTS(SUF, MA, PE, FAST) and FR_DEFINE_GELU_F32(MODE, SUF):
    ma is FR_MA (ma_plain or FAST_MA), pe FR_PROD_ERR of the same variant,
    exact = not FAST (FAST_MA is ma_plain too where the target has no FMA)."""
    amax, row_c0 = GELU_AMAX, GELU_C0
    series = _zero_series(K.DGELU, pe)
    mul_pair = _mul_pair(pe)
    q_horner = _row_horner(GELU_C3, GELU_C13, ma)

    def parts_of(tab):
        """(Ph + Pl) s 2^-600 = E T(a), T the table's function (N or W): one
        function per table, compiled once and inlined by LLVM (njit_linked)."""

        @njit_linked
        def parts(x):
            a = abs(x)
            a = select(a < amax, a, amax)
            r = _gelu_index(a)
            sv = a - tab[r, GELU_C]                   # s = sv + sw, sv exact
            sw = -tab[r, GELU_CL]
            q = q_horner(tab, r, sv)                    # c3 + ... + c13 s^10
            uh, ul = _two_sum(tab[r, GELU_C2], sv * q)  # c2 + s q
            ul = ul + tab[r, GELU_C2L]
            ph = sv * uh
            pl = pe(sv, uh, ph) + sv * ul
            th, tl = _two_sum(tab[r, GELU_C1], ph)    # c1 + s (c2 + s q)
            tl = tl + (pl + tab[r, GELU_C1L])
            ph = sv * th
            pl = pe(sv, th, ph) + (sv * tl + sw * th)
            Th, e = _two_sum(tab[r, row_c0], ph)
            Tl = (e + pl) + tab[r, GELU_C0L]
            sh = a * a
            sl = pe(a, a, sh)
            Eh, El, s = _exp_dd_f64(-0.5 * sh)
            El = El - Eh * (0.5 * sl)
            Ph = Eh * Th
            return Ph, pe(Eh, Th, Ph) + (Eh * Tl + El * Th), s
        return parts

    parts_n, parts_w = parts_of(GELU_N_TAB), parts_of(GELU_W_TAB)

    @njit_inline
    def gelu(x):
        Ph, Pl, s = parts_n(x)
        vh = x * Ph
        vl = pe(x, Ph, vh) + x * Pl
        sc = s * K.DOWN_F64
        rh, rl = _two_sum(x, -(vh * sc))
        r = select(x > 0.0, rh + (rl - vl * sc),
                   -abs(((vh + vl) * s) * K.DOWN_F64))     # -0 if it underflows
        r = select(x == 0.0, x, r)                  # gelu(-0) = -0
        return select(x < -amax, -0.0, select(x > amax, x, r))

    @njit_inline
    def dgelu(x):
        """D = Phi(x) + x phi(x) as (dh + dl) 2^-600 s2."""
        Ph, Pl, s = parts_w(x)
        sc = s * K.DOWN_F64
        late = x < GELU_LATE                      # 2^n subnormal
        ah, al = _two_sum(1.0, -(Ph * sc))
        pos = x > 0.0
        dh = select(pos, ah, select(late, Ph, Ph * sc))
        dl = select(pos, al - Pl * sc, select(late, Pl, Pl * sc))
        return dh, dl, select(late, s, GELU_S2)

    @njit_inline
    def backward(g, x):
        dh, dl, s2 = dgelu(x)
        uh, ul = series(x)                          # exact: within 2^-3 of gelu''s zero
        near = exact and _near_x0_dgelu(x)
        dh = select(near, uh, dh)
        dl = select(near, ul, dl)
        # g D; scaled up where it leaves the normals in exact mode only
        late = s2 != GELU_S2
        v = mul_pair(select(late, g * GELU_LATE_G, g), dh, dl, exact and not late)
        r = select(late, (v * (s2 / GELU_LATE_G)) * K.DOWN_F64, v)
        r = select(x != x, x + g, r)
        return select(x < -amax, g * -0.0, select(x > amax, g, r))

    @njit_inline
    def gelu_f32(x):
        xd = np.float64(x)
        return np.float32(_half_tie_f64(xd, gelu(xd)))

    @njit_inline
    def backward_f32(g, x):
        """fr_gelu_backward_fast_f32: g D rounded twice; exact: g (Dh + Dl)
        rounded once (within 2^-3 of D's zero its series), what C's
        fr_gelu_backward_exact_f32_try and _slow give (both correctly rounded)."""
        xd, gd = np.float64(x), np.float64(g)
        dh, dl, s2 = dgelu(xd)
        sc = s2 * K.DOWN_F64
        r = np.float32(gd * ((dh + dl) * sc))       # a D that underflows keeps its sign
        if exact:
            if _near_x0_dgelu(xd):
                dh, dl = series(xd)
            else:
                dh, dl = dh * sc, dl * sc
            r = _round_mul_pair_f32(g, dh, dl)
        if x != x:
            r = np.float32(xd + gd)
        if xd < -amax:
            return np.float32(gd * -0.0)
        return g if xd > amax else r

    return _Gelu(gelu, dgelu, backward, gelu_f32, backward_f32)


_GELU_X = _gelu_variant(ma_plain, _prod_err(F64, False), True)     # f64x: exact f64, float32
_GELU_F = _gelu_variant(FAST_MA, _prod_err(F64, FAST_MA is fma), False)   # f64: fast float64


# ---- the table ----------------------------------------------------------------
# op name (fastrelu._ops.OPS) -> {accuracy mode: (float32 twin, float64 twin)};
# mode None where the op computes the same in both modes (exact ones: the C
# registry's FR_ANY_ACCURACY rows).  A twin takes the op's arguments in the
# table's order (_ops.OPS[...].args) and returns the result.  The fused ops
# (kind "fused", bias_<act>) have no entry: they apply their activation's twins
# to x + b, and count (COUNTERS) what their row's `counts` names.
_E32, _E64 = _EXACT_F32, _EXACT_F64
TWINS = {
    "relu": {None: (_E32.relu, _E64.relu)},
    "sigmoid": {"fast": (_FAST_F32.sigmoid, _FAST_F64.sigmoid),
                "exact": (sigmoid_exact_f32, sigmoid_exact_f64)},
    "relu_backward": {None: (_E32.relu_bwd, _E64.relu_bwd)},
    "sigmoid_backward": {None: (_E32.sigmoid_bwd, _E64.sigmoid_bwd)},
    "leaky_relu": {None: (_E32.leaky_relu, _E64.leaky_relu)},
    "leaky_relu_backward": {None: (_E32.leaky_relu_bwd, _E64.leaky_relu_bwd)},
    "silu": {"fast": (_FAST_F32.silu, _FAST_F64.silu),
             "exact": (silu_exact_f32, silu_exact_f64)},
    "silu_backward": {"fast": (silu_bwd_f32, silu_bwd_fast_f64),
                      "exact": (silu_bwd_exact_f32, silu_bwd_exact_f64)},
    "softplus": {"fast": (_FAST_F32.softplus, _FAST_F64.softplus),
                 "exact": (softplus_exact_f32, softplus_exact_f64)},
    "log_sigmoid": {"fast": (_FAST_F32.log_sigmoid, _FAST_F64.log_sigmoid),
                    "exact": (log_sigmoid_exact_f32, log_sigmoid_exact_f64)},
    "gelu": {"fast": (_GELU_F.gelu_f32, _GELU_F.gelu), "exact": (_GELU_X.gelu_f32, _GELU_X.gelu)},
    "gelu_backward": {"fast": (_GELU_F.backward_f32, _GELU_F.backward),
                      "exact": (_GELU_X.backward_f32, _GELU_X.backward)},
}
# what a fused op counts, by its row's `counts` (FR_COUNT_ZERO / _SATURATED / _NONE)
COUNTERS = {"relu": (_E32.count_zero, _E64.count_zero),
            "sigmoid": (_E32.count_saturated, _E64.count_saturated),
            None: (_E32.count_none, _E64.count_none)}
