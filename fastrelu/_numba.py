"""The Numba backend: the per-element math of kernels/scalar.h in Python, and
the kernel-table cfuncs built from it.

Imported lazily (by ``_dispatch._ensure_numba()`` for ``backend("numba")``, and
by ``fastrelu.numba``); importing fastrelu never imports numba.

The math is written once, as ``@njit(inline="always")`` scalar functions that
repeat scalar.h's expressions operation for operation, for every op of the
registry (fastrelu._ufuncs.OPS).  LLVM never contracts a*b + c by itself (no
fastmath flags: fastmath is never used), so a*b + c is two roundings, except
where scalar.h writes FR_MA or FR_PROD_ERR: fast mode fuses (llvm.fma) when
numba's target CPU has FMA, as the C build does per ISA level (and
FR_PROD_ERR is Veltkamp-Dekker without FMA, as in C).  Hence the numba kernels
are bit-identical to the C kernels of the ISA level with the same FMA-ness:
avx2/avx512f on an FMA machine (the kernels the ufuncs pick there), baseline
otherwise (``NUMBA_CPU_NAME=generic`` gives that on any machine); and exact
mode, where C never fuses (the exact float32 ops run through float64 kernels
without FMA), to the C kernels of every level.  Only NaN payloads may differ.
``FAST_FMA`` says which.

One generic overload per arity, ``_map1(op, x)``, ``_map2(op, a, b)``,
``_map3(op, a, b, c)`` and the fused ``_mapf(op, x, bias)`` (and their
in-place forms), with ``op`` a string constant, applies the math for an op to
scalars or arrays; the kernel-table cfuncs (``cfunc_rows()``, one per C
registry row of a float dtype, signature by the op's kind) and the public
``fastrelu.numba`` functions are built on them, so there is one loop per
arity, not one per op x dtype.

Caching: the cfuncs use ``cache=True``.  Numba looks for a cache directory in
this order: ``NUMBA_CACHE_DIR`` if set; ``__pycache__`` next to this file if
writable; the user-wide cache (``$XDG_CACHE_HOME/numba`` or ``~/.cache/numba``)
if the package directory is read-only.  If none of them is writable the
kernels are compiled without a cache (a warning says so) instead of failing.
"""
import warnings

import numpy as np
import numba
from numba import types
from numba.core.errors import TypingError
from numba.extending import intrinsic, overload

__all__ = ["cfunc_rows", "kernel", "op_keys", "MATH", "FUSED", "OP_KEYS", "FAST_FMA"]


# ---- the primitives Python operators do not give -----------------------------
@intrinsic
def _scale(typingctx, nm):
    """fr_scale_F32/F64: the bits of nm shifted into the exponent field,
    i.e. 2^(n + K) from nm = n + MAGIC (a bit cast, LLVM vectorizes it)."""
    if nm not in (types.float32, types.float64):
        return None
    shift = 23 if nm == types.float32 else 52

    def codegen(context, builder, sig, args):
        from llvmlite import ir
        ity = ir.IntType(nm.bitwidth)
        bits = builder.bitcast(args[0], ity)
        return builder.bitcast(builder.shl(bits, ity(shift)), args[0].type)
    return nm(nm), codegen


@intrinsic
def _div(typingctx, a, b):
    """a / b, one IEEE division whatever the caller's error_model (no
    ZeroDivisionError branch in a user's @njit(error_model="python") loop)."""
    if not (a == b and a in (types.float32, types.float64)):
        return None

    def codegen(context, builder, sig, args):
        return builder.fdiv(args[0], args[1])
    return a(a, b), codegen


@intrinsic
def _select(typingctx, cond, a, b):
    """cond ? a : b as one LLVM select, as scalar.h's branch-free selects (a
    Python conditional expression would be a branch in numba's IR)."""
    if not (isinstance(cond, types.Boolean) and a == b and a in (types.float32, types.float64)):
        return None

    def codegen(context, builder, sig, args):
        return builder.select(args[0], args[1], args[2])
    return a(cond, a, b), codegen


@intrinsic
def _fma(typingctx, a, b, c):
    """fma(a, b, c), one rounding (FR_MA_F32/F64 on FMA levels)."""
    if not (a == b == c and a in (types.float32, types.float64)):
        return None

    def codegen(context, builder, sig, args):
        from llvmlite import ir
        ty = args[0].type
        fn = builder.module.declare_intrinsic("llvm.fma", [ty], ir.FunctionType(ty, [ty] * 3))
        return builder.call(fn, args)
    return a(a, b, c), codegen


@intrinsic
def _add_ulps(typingctx, r, k):
    """The float64 whose bits are r's plus k (int64, wrapping), as
    fr_f64_from_bits(fr_bits_f64(r) + (uint64_t)k)."""
    if not (r == types.float64 and k == types.int64):
        return None

    def codegen(context, builder, sig, args):
        from llvmlite import ir
        bits = builder.bitcast(args[0], ir.IntType(64))
        return builder.bitcast(builder.add(bits, args[1]), args[0].type)
    return r(r, k), codegen


@numba.njit(inline="always")
def _ma_plain(a, b, c):
    """FR_MA_PLAIN: a*b + c, two roundings (numba never contracts it)."""
    return a * b + c


def _target_has_fma():
    """Whether numba compiles for a CPU with FMA (the host, or NUMBA_CPU_NAME /
    NUMBA_CPU_FEATURES when set; both are part of numba's cache key)."""
    feats = numba.config.CPU_FEATURES
    if feats is None:
        from numba.core.codegen import get_host_cpu_features
        feats = get_host_cpu_features()
    return "+fma" in feats.split(",")


# FR_MA of fast mode: fused where the target has FMA, as the C build does per
# ISA level; so fast mode gives the bits of the C kernels of the matching level
# (avx2/avx512f with FMA, baseline without).  Exact mode never fuses.
FAST_FMA = _target_has_fma()
_FAST_MA = _fma if FAST_FMA else _ma_plain


# ---- constants of scalar.h --------------------------------------------------
def _c(T, value):
    """A constant of type T that must be exact (the hex literals of scalar.h)."""
    v = float.fromhex(value) if isinstance(value, str) else float(value)
    c = T(v)
    assert float(c) == v, (T, value)
    return c


class _F32:
    T = np.float32
    LOG2E = _c(T, "0x1.715476p+0")
    MAGIC = _c(T, 1.5 * 2.0**23 + 191.0)
    DOWN = _c(T, "0x1p-64")
    LN2_HI = _c(T, "0x1.62e400p-1")
    LN2_LO = _c(T, "0x1.7f7d1cp-20")
    ZMIN = _c(T, -105.0)                 # sigmoid and softplus (FR_SOFTPLUS_ZMIN_F32)
    ZMIN_SILU = _c(T, -115.0)
    SPLIT = _c(T, 4097.0)                # 2^12 + 1 (Veltkamp)
    LOG1P_TERMS = 6


class _F64:
    T = np.float64
    LOG2E = _c(T, "0x1.71547652b82fep+0")
    MAGIC = _c(T, 1.5 * 2.0**52 + 1623.0)
    DOWN = _c(T, "0x1p-600")
    LN2_HI = _c(T, "0x1.62e42fee00000p-1")
    LN2_LO = _c(T, "0x1.a39ef35793c76p-33")
    ZMIN = _c(T, -750.0)
    ZMIN_SILU = _c(T, -760.0)
    SPLIT = _c(T, 134217729.0)           # 2^27 + 1
    LOG1P_TERMS = 12


# 1/k!, k = 0..14, correctly rounded (fr_inv_fact_f64)
_INV_FACT = tuple(float.fromhex(h) for h in (
    "0x1p+0", "0x1p+0", "0x1p-1", "0x1.5555555555555p-3", "0x1.5555555555555p-5",
    "0x1.1111111111111p-7", "0x1.6c16c16c16c17p-10", "0x1.a01a01a01a01ap-13",
    "0x1.a01a01a01a01ap-16", "0x1.71de3a556c734p-19", "0x1.27e4fb7789f5cp-22",
    "0x1.ae64567f544e4p-26", "0x1.1eed8eff8d898p-29", "0x1.6124613a86d09p-33",
    "0x1.93974a8c07c9dp-37"))

# 2 / (2k + 1), k = 1..12 (fr_atanh_coef_f64); float32 rounds them, as (T) does
_ATANH_COEF = tuple(float.fromhex(h) for h in (
    "0x1.5555555555555p-1", "0x1.999999999999ap-2", "0x1.2492492492492p-2",
    "0x1.c71c71c71c71cp-3", "0x1.745d1745d1746p-3", "0x1.3b13b13b13b14p-3",
    "0x1.1111111111111p-3", "0x1.e1e1e1e1e1e1ep-4", "0x1.af286bca1af28p-4",
    "0x1.8618618618618p-4", "0x1.642c8590b2164p-4", "0x1.47ae147ae147bp-4"))


def _njit_inline(f):
    return numba.njit(inline="always")(f)


# ---- the per-element math (scalar.h; ma: FR_MA_PLAIN, or FR_MA in fast mode) --
def _horner(coefs, ma):
    """p(t) = ((c[0] t + c[1]) t + ...) + c[-1], as fr_taylor_exp_tail /
    fr_expm1_tail_f32 / fr_log1p_small evaluate it; straight-line code, one
    closure per step."""
    head = coefs[0]
    if len(coefs) == 1:
        return _njit_inline(lambda t: head)
    rest, last = _horner(coefs[:-1], ma), coefs[-1]
    return _njit_inline(lambda t: ma(rest(t), t, last))


def _taylor_tail(lo, hi, ma):
    """fr_taylor_exp_tail_f64(t, lo, hi) = sum_{k=lo..hi} t^(k-lo) / k!"""
    return _horner(_INV_FACT[lo:hi + 1][::-1], ma)


def _reduce(C, ma):
    """FR_REDUCE: nm = z log2e + MAGIC, n = nm - MAGIC, t = z - n ln2 (two constants)."""
    log2e, magic, nhi, nlo = C.LOG2E, C.MAGIC, -C.LN2_HI, -C.LN2_LO

    @_njit_inline
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
        return _njit_inline(lambda a, b, p: _fma(a, b, -p))
    split = C.SPLIT

    @_njit_inline
    def prod_err_dekker(a, b, p):
        ca = split * a
        cb = split * b
        ah = ca - (ca - a)
        al = a - ah
        bh = cb - (cb - b)
        bl = b - bh
        return ((ah * bh - p) + ah * bl + al * bh) + al * bl
    return prod_err_dekker


def _fast_family(C, h, ma):
    """FR_DEFINE_SIGMOID_FAST and FR_DEFINE_LOG1P_SMALL for one dtype: the
    fast sigmoid, silu, the pair (sigmoid(x), sigmoid(-x)), log1p_small,
    softplus, log_sigmoid (see scalar.h for the derivations)."""
    T = C.T
    zero, one, half, two = T(0), T(1), T(0.5), T(2)
    mzero, mhalf, c09571 = T(-0.0), T(-0.5), T(0.9571)
    down, zmin, zmin_silu, xmax_silu = C.DOWN, C.ZMIN, C.ZMIN_SILU, -C.ZMIN_SILU
    ln2_hi, ln2_lo = C.LN2_HI, C.LN2_LO
    reduce, prod_err = _reduce(C, ma), _prod_err(C, ma is _fma)
    atanh = _horner(tuple(T(c) for c in _ATANH_COEF[:C.LOG1P_TERMS][::-1]), ma)

    @_njit_inline
    def exp_neg_abs(x, zmin):
        """fr_exp_neg_abs_fast: e = e^-|x| (clamped at zmin) as e + el, d + dl
        = 1 + e, and (p + pl) s = e 2^K before the final scaling."""
        z = -abs(x)
        z = _select(z < zmin, zmin, z)               # keeps NaN
        nm, t = reduce(z)
        u = ma(t * t, h(t), t)
        p = one + u
        pl = u - (p - one)                          # exact
        s = _scale(nm)
        ps = p * s
        pls = pl * s
        e = ps * down
        el = pls * down
        d = one + e
        dl = (e - (d - one)) + el
        return e, el, d, dl, ps, pls

    @_njit_inline
    def ratio(N, nl, d, dl, e):
        """FR_RATIO: (N + nl) / (d + dl) with one division, e = d - 1 in [0, 1]."""
        q = _div(N, d)
        return ma(ma(-q, dl, nl), ma(mhalf, e, c09571), q)

    @_njit_inline
    def sigmoid_fast(x):
        e, el, d, dl, ps, pls = exp_neg_abs(x, zmin)
        pos = x > zero
        return ratio(_select(pos, one, e), _select(pos, zero, el), d, dl, e)

    @_njit_inline
    def silu_fast(x):
        e, el, d, dl, ps, pls = exp_neg_abs(x, zmin_silu)
        pos = x > zero
        xps = x * ps
        xpl = prod_err(x, ps, xps)                  # x ps exactly
        xe = xps * down
        xel = ma(x, pls, xpl) * down
        r = ratio(_select(pos, x, xe), _select(pos, zero, xel), d, dl, e)
        r = _select(x == zero, x, r)                # silu(-0) = -0
        return _select(x < zmin_silu, mzero, _select(x > xmax_silu, x, r))

    @_njit_inline
    def sigmoid_pair_fast(x):
        e, el, d, dl, ps, pls = exp_neg_abs(x, zmin)
        pos = x > zero
        s = ratio(_select(pos, one, e), _select(pos, zero, el), d, dl, e)
        c = ratio(_select(pos, e, one), _select(pos, el, zero), d, dl, e)
        return s, c

    @_njit_inline
    def log1p_small(e, el):
        """log1p(e + el), e in [0, 1]."""
        red = e >= half
        f = _select(red, (e - one) * half, e)
        fl = _select(red, el * half, el)
        s = _div(f, two + f)
        z = s * s
        R = atanh(z) * z
        hi = _select(red, ln2_hi, zero)
        lo = _select(red, ln2_lo, zero)
        c = fl * ma(f, f - one, one)
        return hi + (f - (s * (f - R) - (lo + c)))

    @_njit_inline
    def softplus_fast(x):
        e, el, d, dl, ps, pls = exp_neg_abs(x, zmin)
        return _select(x > zero, x, zero) + log1p_small(e, el)

    @_njit_inline
    def log_sigmoid_fast(x):
        return -softplus_fast(-x)

    return dict(sigmoid_fast=sigmoid_fast, silu_fast=silu_fast, pair=sigmoid_pair_fast,
                log1p_small=log1p_small, softplus_fast=softplus_fast,
                log_sigmoid_fast=log_sigmoid_fast)


def _elementwise(T):
    """The ops exact in both modes (relu, leaky relu, their backward forms,
    sigmoid_backward) and the fused ops' counters, for one dtype."""
    zero, one = T(0), T(1)

    @_njit_inline
    def relu(x):                                  # FR_RELU: NaN passes, -0.0 -> +0.0
        return _select(x <= zero, zero, x)

    @_njit_inline
    def relu_bwd(g, y):                           # FR_RELU_BWD
        return _select(y > zero, g, _select(y <= zero, zero, y))

    @_njit_inline
    def sigmoid_bwd(g, y):                        # FR_SIGMOID_BWD, left to right
        return (g * y) * (one - y)

    @_njit_inline
    def leaky_relu(x, a):                         # FR_LEAKY_RELU
        return _select(x <= zero, _select((x == zero) | (a == zero), zero, a * x), x)

    @_njit_inline
    def leaky_relu_bwd(g, x, a):                  # FR_LEAKY_RELU_BWD
        return _select(x > zero, g, _select(x <= zero, _select(a == zero, zero, a * g), x))

    counters = {                                  # FR_COUNT_ZERO / _SATURATED / _NONE
        "zero": _njit_inline(lambda y, eps: y == zero),
        "saturated": _njit_inline(lambda y, eps: y * (one - y) < eps),
        "none": _njit_inline(lambda y, eps: False),
    }
    return dict(relu=relu, relu_bwd=relu_bwd, sigmoid_bwd=sigmoid_bwd,
                leaky_relu=leaky_relu, leaky_relu_bwd=leaky_relu_bwd), counters


# numba reads module globals, not class attributes
_LOG2E_F64, _MAGIC_F64, _DOWN_F64 = _F64.LOG2E, _F64.MAGIC, _F64.DOWN
_LN2_HI_F64, _LN2_LO_F64 = _F64.LN2_HI, _F64.LN2_LO


_MAGIC2_F64 = np.float64(1.5 * 2.0**52 + 1023.0)
_PADE = tuple(float.fromhex(h) for h in (           # fr_sigmoid_exact_f32's Pade [4/4]
    "0x1.20270db2dfe99p-13", "0x1.a5b352426f27ap-5", "0x1.03d299f705bdbp-8",
    "0x1.62e42fefa39efp-2"))
_PADE4, _PADE2, _PADE3, _PADE1 = _PADE


@_njit_inline
def _sigmoid_exact_f32(xf):
    """fr_sigmoid_exact_f32: float64 lanes, 2^u as a Pade [4/4], one division."""
    zf = -abs(xf)
    zf = _select(zf < np.float32(-105.0), np.float32(-105.0), zf)
    a = np.float64(zf) * _LOG2E_F64
    nm = a + _MAGIC2_F64
    u = a - (nm - _MAGIC2_F64)
    u2 = u * u
    E = (_PADE4 * u2 + _PADE2) * u2 + 1.0
    O = (_PADE3 * u2 + _PADE1) * u
    P = E + O
    Q = E - O
    e = P * _scale(nm)
    return np.float32(_div(_select(xf > np.float32(0.0), Q, e), Q + e))


# double-double helpers of the exact float64 kernels (exact: nothing is contracted)
@_njit_inline
def _two_sum(a, b):
    s = a + b
    bb = s - a
    return s, (a - (s - bb)) + (b - bb)


@_njit_inline
def _fast_two_sum(a, b):
    s = a + b
    return s, b - (s - a)


@_njit_inline
def _split(a):
    c = 134217729.0 * a                             # 2^27 + 1 (Veltkamp)
    hi = c - (c - a)
    return hi, a - hi


@_njit_inline
def _two_prod(a, b):
    p = a * b
    ah, al = _split(a)
    bh, bl = _split(b)
    return p, ((ah * bh - p) + ah * bl + al * bh) + al * bl


_exp_tail_3_14 = _taylor_tail(3, 14, _ma_plain)


@_njit_inline
def _exp_dd_f64(z):
    """fr_exp_dd_f64: exp(z), z in [-760, 0], as (Eh + El) s 2^-600."""
    nm = z * _LOG2E_F64 + _MAGIC_F64
    n = nm - _MAGIC_F64
    a = z - n * _LN2_HI_F64                         # exact
    b = n * _LN2_LO_F64
    th = a - b
    tl = (a - th) - b
    q3 = _exp_tail_3_14(th)
    sqh, sql = _two_prod(th, th)
    sh, sl = _two_sum(1.0, th)
    uh, ul = _two_sum(sh, 0.5 * sqh)
    lo = ul + sl + 0.5 * sql + (sqh * th) * q3 + tl * sh
    Eh, El = _fast_two_sum(uh, lo)
    return Eh, El, _scale(nm)


@_njit_inline
def _sigmoid_dd_f64(x, zmin):
    """fr_sigmoid_dd_f64: sigmoid(x) = (qh + ql) (x > 0 ? 1 : s 2^-600)."""
    z = -abs(x)
    z = _select(z < zmin, zmin, z)
    Eh, El, s = _exp_dd_f64(z)
    eh = (Eh * s) * _DOWN_F64
    el = (El * s) * _DOWN_F64
    Dh, Dl = _fast_two_sum(1.0, eh)
    Dl = Dl + el
    pos = x > 0.0
    Nh = _select(pos, 1.0, Eh)
    Nl = _select(pos, 0.0, El)
    inv = _div(1.0, Dh)
    q0 = Nh * inv
    ph, pl = _two_prod(q0, Dh)
    r = (((Nh - ph) - pl) + Nl) - q0 * Dl
    return q0, r * inv, s


@_njit_inline
def _sigmoid_exact_f64(x):
    """fr_sigmoid_exact_f64: double-double, <= 1 ulp."""
    qh, ql, s = _sigmoid_dd_f64(x, -750.0)
    Q = qh + ql
    return _select(x > 0.0, Q, (Q * s) * _DOWN_F64)


@_njit_inline
def _silu_exact_f64(x):
    """fr_silu_exact_f64: x (qh + ql) as a two-product, rounded once."""
    qh, ql, s = _sigmoid_dd_f64(x, -760.0)
    ph, pl = _two_prod(x, qh)
    v = ph + (pl + x * ql)
    r = _select(x > 0.0, v, (v * s) * _DOWN_F64)
    r = _select(x == 0.0, x, r)                     # silu(-0) = -0
    return _select(x < -760.0, -0.0, _select(x > 760.0, x, r))


# The expm1 tail h(t) of fast mode: fr_expm1_tail_f32 (its own float32
# coefficients, to t^7) and fr_expm1_tail_f64 (Taylor to t^13).
_expm1_tail_f32 = _horner(tuple(_c(np.float32, h) for h in (
    "0x1.a01a02p-13", "0x1.6c16c2p-10", "0x1.111112p-7", "0x1.555556p-5",
    "0x1.555556p-3", "0x1p-1")), _FAST_MA)
_expm1_tail_f64 = _taylor_tail(2, 13, _FAST_MA)

_FAST_F32 = _fast_family(_F32, _expm1_tail_f32, _FAST_MA)
_FAST_F64 = _fast_family(_F64, _expm1_tail_f64, _FAST_MA)
# scalar.h's "f64x": the float64 fast family without FMA, behind the exact
# float32 ops (and both modes of float32 silu_backward): same bits everywhere
_PLAIN_F64 = _fast_family(_F64, _taylor_tail(2, 13, _ma_plain), _ma_plain)
_silu_plain_f64, _log1p_small_plain_f64 = _PLAIN_F64["silu_fast"], _PLAIN_F64["log1p_small"]
_softplus_plain_f64 = _PLAIN_F64["softplus_fast"]
_log_sigmoid_plain_f64 = _PLAIN_F64["log_sigmoid_fast"]
_EXACT_F32, _COUNT_F32 = _elementwise(np.float32)
_EXACT_F64, _COUNT_F64 = _elementwise(np.float64)
_sigmoid_pair_fast_f64 = _FAST_F64["pair"]
_silu_fast_f64, _log1p_small_f64 = _FAST_F64["silu_fast"], _FAST_F64["log1p_small"]
_softplus_fast_f64 = _FAST_F64["softplus_fast"]
_log_sigmoid_fast_f64 = _FAST_F64["log_sigmoid_fast"]


# silu'(x) = s (1 + x c), s = sigmoid(x), c = sigmoid(-x), limits written out (FR_DSILU)
def _dsilu(T):
    big, one, mzero = T(760), T(1), T(-0.0)
    return _njit_inline(lambda x, s, c: _select(x > big, one, _select(
        x < -big, mzero, s * (one + x * c))))


_dsilu_f64 = _dsilu(np.float64)


def _dsilu_fast(family):
    pair = family["pair"]

    @_njit_inline
    def dsilu(x):
        s, c = pair(x)
        return _dsilu_f64(x, s, c)
    return dsilu


_dsilu_fast_f64 = _dsilu_fast(_FAST_F64)


@_njit_inline
def _silu_bwd_fast_f64(g, x):
    return g * _dsilu_fast_f64(x)


@_njit_inline
def _silu_bwd_exact_f64(g, x):
    s = _sigmoid_exact_f64(x)
    c = _sigmoid_exact_f64(-x)
    return g * _dsilu_f64(x, s, c)


# silu_backward float32, both modes (fr_silu_bwd_f32): in float64, where
# sigmoid(x) of a float32 x is never subnormal, rounded once
_reduce_plain_f64 = _reduce(_F64, _ma_plain)
_exp_taylor_10 = _taylor_tail(0, 10, _ma_plain)


@_njit_inline
def _silu_bwd_f32(g, x):
    """fr_silu_bwd_f32: float64 without FMA, exp to t^10, one reciprocal."""
    xd = np.float64(x)
    z = -abs(xd)
    z = _select(z < -700.0, -700.0, z)              # keeps NaN
    nm, t = _reduce_plain_f64(z)
    e = (_exp_taylor_10(t) * _scale(nm)) * _DOWN_F64
    r = _div(1.0, 1.0 + e)
    pos = xd > 0.0
    s = _select(pos, r, e * r)
    c = _select(pos, e * r, r)
    return np.float32(np.float64(g) * _dsilu_f64(xd, s, c))


# exact float32 of silu, softplus, log_sigmoid: the float64 fast kernels
# without FMA (f64x), rounded once
_TINY_SILU_F32 = np.float32(2.0**-60)


@_njit_inline
def _silu_exact_f32(x):
    """fr_silu_exact_f32: for tiny x, x/2 (a float32 midpoint once subnormal)
    is nudged one float64 ulp toward the true side, silu(x) = x/2 + x^2/4."""
    r = _silu_plain_f64(np.float64(x))
    tiny = (x != np.float32(0.0)) & (abs(x) < _TINY_SILU_F32)
    nudge = np.int64(tiny) * (np.int64(2) * np.int64(x > np.float32(0.0)) - np.int64(1))
    return np.float32(_add_ulps(r, nudge))


@_njit_inline
def _softplus_exact_f32(x):
    return np.float32(_softplus_plain_f64(np.float64(x)))


@_njit_inline
def _log_sigmoid_exact_f32(x):
    return np.float32(_log_sigmoid_plain_f64(np.float64(x)))


_THIRD = float.fromhex("0x1.5555555555555p-2")
_TINY_E = 2.0**-20
_HUGE_A = 2.0**60


@_njit_inline
def _softplus_exact_f64(x):
    """fr_softplus_exact_f64: log1p(e) in double-double (one Newton step on the
    fast value, or the series below e = 2^-20), added to max(x, 0) once; y0
    from the f64x log1p (no FMA), as in C."""
    z = -abs(x)
    z = _select(z < -750.0, -750.0, z)
    Eh, El, s = _exp_dd_f64(z)
    e = (Eh * s) * _DOWN_F64
    el = (El * s) * _DOWN_F64
    d, dl = _fast_two_sum(1.0, e)
    dl = dl + el
    y0 = _log1p_small_plain_f64(e, el)
    Fh, Fl, t = _exp_dd_f64(-y0)
    sc = t * _DOWN_F64
    Fh = Fh * sc
    Fl = Fl * sc
    ph, pl = _two_prod(d, Fh)
    r = (ph - 1.0) + ((pl + d * Fl) + dl * Fh)
    small = e < _TINY_E
    Lh = _select(small, e, y0)
    Ll = _select(small, el - 0.5 * (e * e) + (e * e) * (e * _THIRD), r)
    A = _select(x > 0.0, x, 0.0)
    S, Sl = _two_sum(A, Lh)
    return _select(A > _HUGE_A, A, S + (Sl + Ll))


@_njit_inline
def _log_sigmoid_exact_f64(x):
    return -_softplus_exact_f64(-x)


_F32T, _F64T = types.float32, types.float64

# op key -> {numba float type -> scalar function}: the whole per-element math.
# Keys are scalar.h's names (f32_<key>__<isa> in the C registry).
MATH = {
    "relu": {_F32T: _EXACT_F32["relu"], _F64T: _EXACT_F64["relu"]},
    "sigmoid_fast": {_F32T: _FAST_F32["sigmoid_fast"], _F64T: _FAST_F64["sigmoid_fast"]},
    "sigmoid_exact": {_F32T: _sigmoid_exact_f32, _F64T: _sigmoid_exact_f64},
    "silu_fast": {_F32T: _FAST_F32["silu_fast"], _F64T: _FAST_F64["silu_fast"]},
    "silu_exact": {_F32T: _silu_exact_f32, _F64T: _silu_exact_f64},
    "softplus_fast": {_F32T: _FAST_F32["softplus_fast"], _F64T: _FAST_F64["softplus_fast"]},
    "softplus_exact": {_F32T: _softplus_exact_f32, _F64T: _softplus_exact_f64},
    "log_sigmoid_fast": {_F32T: _FAST_F32["log_sigmoid_fast"],
                         _F64T: _FAST_F64["log_sigmoid_fast"]},
    "log_sigmoid_exact": {_F32T: _log_sigmoid_exact_f32, _F64T: _log_sigmoid_exact_f64},
    "relu_bwd": {_F32T: _EXACT_F32["relu_bwd"], _F64T: _EXACT_F64["relu_bwd"]},
    "sigmoid_bwd": {_F32T: _EXACT_F32["sigmoid_bwd"], _F64T: _EXACT_F64["sigmoid_bwd"]},
    "leaky_relu": {_F32T: _EXACT_F32["leaky_relu"], _F64T: _EXACT_F64["leaky_relu"]},
    "silu_bwd_fast": {_F32T: _silu_bwd_f32, _F64T: _silu_bwd_fast_f64},
    "silu_bwd_exact": {_F32T: _silu_bwd_f32, _F64T: _silu_bwd_exact_f64},
    "leaky_relu_bwd": {_F32T: _EXACT_F32["leaky_relu_bwd"], _F64T: _EXACT_F64["leaky_relu_bwd"]},
}
# the fused ops (FR_FUSED): key -> (activation key, what is counted)
FUSED = {
    "bias_relu": ("relu", "zero"),
    "bias_sigmoid_fast": ("sigmoid_fast", "saturated"),
    "bias_sigmoid_exact": ("sigmoid_exact", "saturated"),
    "bias_silu_fast": ("silu_fast", "none"),
    "bias_silu_exact": ("silu_exact", "none"),
}
_COUNT = {_F32T: _COUNT_F32, _F64T: _COUNT_F64}
UNARY = ("relu", "sigmoid_fast", "sigmoid_exact", "silu_fast", "silu_exact", "softplus_fast",
         "softplus_exact", "log_sigmoid_fast", "log_sigmoid_exact")
BINARY = ("relu_bwd", "sigmoid_bwd", "leaky_relu", "silu_bwd_fast", "silu_bwd_exact")
TERNARY = ("leaky_relu_bwd",)
FUSED_KEYS = tuple(FUSED)
OP_KEYS = UNARY + BINARY + TERNARY + FUSED_KEYS
assert set(UNARY + BINARY + TERNARY) == set(MATH)

# The operand names of each arity's ops, for error messages.
_ARG_NAMES = {"relu_bwd": ("grad", "y"), "sigmoid_bwd": ("grad", "y"), "leaky_relu": ("x", "alpha"),
              "silu_bwd_fast": ("grad", "x"), "silu_bwd_exact": ("grad", "x"),
              "leaky_relu_bwd": ("grad", "x", "alpha")}


# ---- one generic map per arity: scalars, arrays, in place ---------------------
def _numba_only(*args):
    raise NotImplementedError("only callable from numba-compiled code")


def _map1(op, x):
    _numba_only()


def _map2(op, a, b):
    _numba_only()


def _map3(op, a, b, c):
    _numba_only()


def _mapf(op, x, b):
    _numba_only()


def _map1_(op, x):
    _numba_only()


def _map2_(op, a, b):
    _numba_only()


def _map3_(op, a, b, c):
    _numba_only()


def _mapf_(op, x, b, counts, eps):
    _numba_only()


# Operand helpers: the non-first operands of an op may be arrays (of the first
# one's shape and dtype) or scalars (broadcast); the fused ops' bias may be None.
def _at(a, i):
    _numba_only()


def _flat(a):
    _numba_only()


def _cast_like(a, x):
    _numba_only()


def _same_shape(a, x):
    _numba_only()


def _flat_view(a):
    _numba_only()


def _is_none(ty):
    return isinstance(ty, (types.NoneType, types.Omitted))


def _is_scalar(ty):
    return isinstance(ty, (types.Float, types.Integer, types.Boolean))


@overload(_at, inline="always")
def _ov_at(a, i):
    """a[i] for an array, a for a scalar."""
    if isinstance(a, types.Array):
        return lambda a, i: a[i]
    return lambda a, i: a


@overload(_flat, inline="always")
def _ov_flat(a):
    if isinstance(a, types.Array):
        return lambda a: a.reshape(-1)
    return lambda a: a


@overload(_cast_like, inline="always")
def _ov_cast_like(a, x):
    """A scalar cast to the array x's dtype, as numpy casts a Python scalar."""
    if isinstance(a, types.Array) or _is_none(a):
        return lambda a, x: a
    T = numba.np.numpy_support.as_dtype(x.dtype).type
    return lambda a, x: T(a)


@overload(_same_shape, inline="always")
def _ov_same_shape(a, x):
    if isinstance(a, types.Array):
        return lambda a, x: a.shape == x.shape
    return lambda a, x: True


@overload(_flat_view, inline="always")
def _ov_flat_view(a):
    """All elements of a C- or F-contiguous array as one writable 1-d view."""
    if a.layout == "C":
        return lambda a: a.reshape(-1)
    if a.layout == "F":
        return lambda a: a.T.reshape(-1)
    return None


def _key(op, keys):
    if not isinstance(op, types.StringLiteral) or op.literal_value not in keys:
        return None
    return op.literal_value


def _float_of(name, ty):
    t = ty.dtype if isinstance(ty, types.Array) else ty
    if t not in (types.float32, types.float64):
        raise TypingError(f"fastrelu.numba.{name}: needs float32/float64 scalars or "
                          f"arrays, got {ty}")
    return t


def _np_type(t):
    return np.float32 if t == types.float32 else np.float64


def _operands(key, args, names):
    """(float type, whether the op maps arrays): all scalars (computed in the
    widest of their types), or the first an array and each other operand an
    array of its dtype or a scalar (broadcast, cast to that dtype)."""
    ts = [_float_of(key, a) for a in args]
    arrays = [isinstance(a, types.Array) for a in args]
    if not arrays[0]:
        if any(arrays):
            raise TypingError(f"fastrelu.numba: {names[0]} must be an array when "
                              f"{names[arrays.index(True)]} is, got {args[0]}")
        return max(ts, key=lambda t: t.bitwidth), False
    for a, name in zip(args[1:], names[1:]):
        if isinstance(a, types.Array) and a.dtype != args[0].dtype:
            raise TypingError(f"fastrelu.numba: {names[0]} and {name} must have the same "
                              f"dtype, got {args[0]} and {a}")
    return ts[0], True


def _c_layout(*tys):
    """Whether every array among tys is typed C-contiguous (scalars and None
    count as such): then the ops run the flat loops, else np.ndindex."""
    return all(not isinstance(t, types.Array) or t.layout == "C" for t in tys)


def _in_place_target(x, name):
    if not isinstance(x, types.Array):
        raise TypingError(f"fastrelu.numba: the in-place form needs an array, got {x}")
    if not x.mutable:
        raise TypingError(f"fastrelu.numba: argument '{name}' is read-only ({x})")


# The loops, once per arity (the cfuncs and the array forms use them).  In
# place, the caller passes the output array itself for the input that is the
# same memory: LLVM then sees one pointer and vectorizes with no runtime overlap
# check (which fails for in == out and would send in-place calls, the common
# case, down the scalar loop).
@_njit_inline
def _loop1(key, x, out):
    for i in range(out.size):
        out[i] = _map1(key, x[i])


@_njit_inline
def _loop2(key, a, b, out):
    for i in range(out.size):
        out[i] = _map2(key, a[i], _at(b, i))


@_njit_inline
def _loop3(key, a, b, c, out):
    for i in range(out.size):
        out[i] = _map3(key, a[i], _at(b, i), _at(c, i))


@overload(_map1, inline="always", prefer_literal=True)
def _ov_map1(op, x):
    key = _key(op, UNARY)
    if key is None:
        return None
    f = MATH[key][_float_of(key, x)]
    if not isinstance(x, types.Array):
        return lambda op, x: f(x)
    if x.layout == "C":
        def impl(op, x):
            out = np.empty(x.shape, x.dtype)
            _loop1(op, x.reshape(-1), out.reshape(-1))
            return out
    else:
        def impl(op, x):
            out = np.empty(x.shape, x.dtype)
            for idx in np.ndindex(x.shape):
                out[idx] = f(x[idx])
            return out
    return impl


@overload(_map1_, inline="always", prefer_literal=True)
def _ov_map1_(op, x):
    key = _key(op, UNARY)
    if key is None:
        return None
    _in_place_target(x, "x")
    f = MATH[key][_float_of(key, x)]
    if x.layout in "CF":
        def impl(op, x):
            xf = _flat_view(x)
            _loop1(op, xf, xf)
            return x
    else:
        def impl(op, x):
            for idx in np.ndindex(x.shape):
                x[idx] = f(x[idx])
            return x
    return impl


def _shape_error(key):
    return f"fastrelu.numba: {' and '.join(_ARG_NAMES[key])} must have the same shape"


@overload(_map2, inline="always", prefer_literal=True)
def _ov_map2(op, a, b):
    key = _key(op, BINARY)
    if key is None:
        return None
    t, arrays = _operands(key, (a, b), _ARG_NAMES[key])
    f, msg = MATH[key][t], _shape_error(key)
    if not arrays:
        T = _np_type(t)
        return lambda op, a, b: f(T(a), T(b))

    flat = _c_layout(a, b)

    def impl(op, a, b):
        bb = _cast_like(b, a)
        if not _same_shape(bb, a):
            raise ValueError(msg)
        out = np.empty(a.shape, a.dtype)
        if flat:
            _loop2(op, _flat(a), _flat(bb), out.reshape(-1))
        else:
            for idx in np.ndindex(a.shape):
                out[idx] = f(a[idx], _at(bb, idx))
        return out
    return impl


@overload(_map2_, inline="always", prefer_literal=True)
def _ov_map2_(op, a, b):
    key = _key(op, BINARY)
    if key is None:
        return None
    _in_place_target(a, _ARG_NAMES[key][0])
    t, _ = _operands(key, (a, b), _ARG_NAMES[key])
    f, msg = MATH[key][t], _shape_error(key)

    flat = _c_layout(a, b)

    def impl(op, a, b):
        bb = _cast_like(b, a)
        if not _same_shape(bb, a):
            raise ValueError(msg)
        if flat:
            af = _flat(a)
            _loop2(op, af, _flat(bb), af)
        else:
            for idx in np.ndindex(a.shape):
                a[idx] = f(a[idx], _at(bb, idx))
        return a
    return impl


@overload(_map3, inline="always", prefer_literal=True)
def _ov_map3(op, a, b, c):
    key = _key(op, TERNARY)
    if key is None:
        return None
    t, arrays = _operands(key, (a, b, c), _ARG_NAMES[key])
    f, msg = MATH[key][t], _shape_error(key)
    if not arrays:
        T = _np_type(t)
        return lambda op, a, b, c: f(T(a), T(b), T(c))

    flat = _c_layout(a, b, c)

    def impl(op, a, b, c):
        bb, cc = _cast_like(b, a), _cast_like(c, a)
        if not (_same_shape(bb, a) and _same_shape(cc, a)):
            raise ValueError(msg)
        out = np.empty(a.shape, a.dtype)
        if flat:
            _loop3(op, _flat(a), _flat(bb), _flat(cc), out.reshape(-1))
        else:
            for idx in np.ndindex(a.shape):
                out[idx] = f(a[idx], _at(bb, idx), _at(cc, idx))
        return out
    return impl


@overload(_map3_, inline="always", prefer_literal=True)
def _ov_map3_(op, a, b, c):
    key = _key(op, TERNARY)
    if key is None:
        return None
    _in_place_target(a, _ARG_NAMES[key][0])
    t, _ = _operands(key, (a, b, c), _ARG_NAMES[key])
    f, msg = MATH[key][t], _shape_error(key)

    flat = _c_layout(a, b, c)

    def impl(op, a, b, c):
        bb, cc = _cast_like(b, a), _cast_like(c, a)
        if not (_same_shape(bb, a) and _same_shape(cc, a)):
            raise ValueError(msg)
        if flat:
            af = _flat(a)
            _loop3(op, af, _flat(bb), _flat(cc), af)
        else:
            for idx in np.ndindex(a.shape):
                a[idx] = f(a[idx], _at(bb, idx), _at(cc, idx))
        return a
    return impl


# ---- the fused ops: out = act(x + bias), bias along the last axis, counts ------
def _fused_at(key, v, b, j, cnt, eps):
    _numba_only()


def _check_bias(b, cols):
    _numba_only()


@overload(_fused_at, inline="always", prefer_literal=True)
def _ov_fused_at(key, v, b, j, cnt, eps):
    """act(v + b[j]) (b an array), act(v + b) (a scalar), act(v) (None), and
    cnt[j] += what FR_FUSED counts (nothing when cnt is None)."""
    k = _key(key, FUSED_KEYS)
    if k is None:
        return None
    act_key, counted = FUSED[k]
    act, count = MATH[act_key][v], _COUNT[v][counted]
    if isinstance(b, types.Array):
        plus = _njit_inline(lambda v, b, j: v + b[j])
    elif _is_none(b):
        plus = _njit_inline(lambda v, b, j: v)
    else:
        plus = _njit_inline(lambda v, b, j: v + b)
    if _is_none(cnt):
        return lambda key, v, b, j, cnt, eps: act(plus(v, b, j))

    def impl(key, v, b, j, cnt, eps):
        y = act(plus(v, b, j))
        cnt[j] += np.int64(count(y, eps))
        return y
    return impl


@_njit_inline
def _loopf(key, x, b, out, cnt, eps):
    for i in range(out.size):
        out[i] = _fused_at(key, x[i], b, i, cnt, eps)


@_njit_inline
def _loopf_rows(key, x, b, out, cnt, eps, cols):
    """_loopf on each row of cols elements of flat C-order x and out."""
    if cols > 0:
        for r in range(out.size // cols):
            lo = r * cols
            _loopf(key, x[lo:lo + cols], b, out[lo:lo + cols], cnt, eps)


@overload(_check_bias, inline="always")
def _ov_check_bias(b, cols):
    if isinstance(b, types.Array):
        def impl(b, cols):
            if b.size != cols:
                raise ValueError("fastrelu.numba: b must have x.shape[-1] elements")
        return impl
    return lambda b, cols: None


def _fused_types(key, x, b):
    if _is_none(b):
        t, arrays = _operands(key, (x,), ("x",))
    else:
        t, arrays = _operands(key, (x, b), ("x", "b"))
    if isinstance(b, types.Array) and b.ndim != 1:
        raise TypingError(f"fastrelu.numba: b must be a scalar or a 1-d array along "
                          f"x's last axis, got {b}")
    if arrays and x.ndim == 0:
        raise TypingError(f"fastrelu.numba: x needs at least one axis, got {x}")
    return t, arrays


@overload(_mapf, inline="always", prefer_literal=True)
def _ov_mapf(op, x, b):
    key = _key(op, FUSED_KEYS)
    if key is None:
        return None
    t, arrays = _fused_types(key, x, b)
    T = _np_type(t)
    act = MATH[FUSED[key][0]][t]
    if not arrays:
        if _is_none(b):
            return lambda op, x, b: act(T(x))
        return lambda op, x, b: act(T(x) + T(b))
    zero, flat = T(0), _c_layout(x, b)

    def impl(op, x, b):
        bb = _cast_like(b, x)
        cols = x.shape[-1]
        _check_bias(bb, cols)
        out = np.empty(x.shape, x.dtype)
        if flat:
            _loopf_rows(op, _flat(x), bb, out.reshape(-1), None, zero, cols)
        else:
            for idx in np.ndindex(x.shape):
                out[idx] = _fused_at(op, x[idx], bb, idx[-1], None, zero)
        return out
    return impl


@overload(_mapf_, inline="always", prefer_literal=True)
def _ov_mapf_(op, x, b, counts, eps):
    key = _key(op, FUSED_KEYS)
    if key is None:
        return None
    _in_place_target(x, "x")
    t, _ = _fused_types(key, x, b)
    T = _np_type(t)
    if not _is_none(counts):
        if not (isinstance(counts, types.Array) and counts.dtype == types.int64
                and counts.ndim == 1 and counts.mutable):
            raise TypingError(f"fastrelu.numba: counts must be a writable 1-d int64 array, "
                              f"got {counts}")

    flat = _c_layout(x, b)

    def impl(op, x, b, counts, eps):
        bb = _cast_like(b, x)
        cols = x.shape[-1]
        _check_bias(bb, cols)
        cnt = _counts_or_none(counts)
        _check_counts(cnt, cols)
        e = T(eps)
        if flat:
            xf = _flat(x)
            _loopf_rows(op, xf, bb, xf, cnt, e, cols)
        else:
            for idx in np.ndindex(x.shape):
                x[idx] = _fused_at(op, x[idx], bb, idx[-1], cnt, e)
        return x
    return impl


def _counts_or_none(c):
    _numba_only()


def _check_counts(c, cols):
    _numba_only()


@overload(_check_counts, inline="always")
def _ov_check_counts(c, cols):
    if isinstance(c, types.Array):
        def impl(c, cols):
            if c.size != cols:
                raise ValueError("fastrelu.numba: counts must have x.shape[-1] elements")
        return impl
    return lambda c, cols: None


@overload(_counts_or_none, inline="always")
def _ov_counts_or_none(c):
    """None for an omitted or None counts argument (one type for both)."""
    if _is_none(c):
        return lambda c: None
    return lambda c: c


# ---- the kernel-table cfuncs ------------------------------------------------
# Names XNNPACK-style, as the C registry: f32_sigmoid_fast__numba.
_NB_TYPES = {"float32": types.float32, "float64": types.float64}
_SHORT = {"float32": "f32", "float64": "f64"}


def _cfunc(sig, pyfunc):
    """numba.cfunc with cache=True, or uncached when no cache dir is writable."""
    opts = dict(error_model="numpy")
    try:
        return numba.cfunc(sig, cache=True, **opts)(pyfunc)
    except RuntimeError as e:
        if "no locator available" not in str(e):
            raise
        warnings.warn("fastrelu: no writable cache directory for the Numba kernels "
                      "(package dir, ~/.cache/numba); set NUMBA_CACHE_DIR to keep them "
                      "between processes. Compiling without a cache.",
                      RuntimeWarning, stacklevel=3)
        return numba.cfunc(sig, **opts)(pyfunc)


@intrinsic
def _same_address(typingctx, a, b):
    """a == b for two raw pointers (the kernels' in-place test)."""
    if not (isinstance(a, types.CPointer) and isinstance(b, types.CPointer)):
        return None

    def codegen(context, builder, sig, args):
        intp = context.get_value_type(types.intp)
        return builder.icmp_unsigned("==", builder.ptrtoint(args[0], intp),
                                     builder.ptrtoint(args[1], intp))
    return types.boolean(a, b), codegen


@intrinsic
def _is_null(typingctx, a):
    """a == NULL for a raw pointer (the fused kernels' optional bias and counts)."""
    if not isinstance(a, types.CPointer):
        return None

    def codegen(context, builder, sig, args):
        intp = context.get_value_type(types.intp)
        return builder.icmp_unsigned("==", builder.ptrtoint(args[0], intp), intp(0))
    return types.boolean(a), codegen


def _unary_kernel(key, T):
    """void k(const T *in, T *out, intptr_t n); out may be in."""
    sig = types.void(types.CPointer(T), types.CPointer(T), types.intp)

    def kernel(in_, out_, n):
        out = numba.carray(out_, (n,))
        if _same_address(in_, out_):
            _loop1(key, out, out)
        else:
            _loop1(key, numba.carray(in_, (n,)), out)
    return _cfunc(sig, kernel)


def _binary_kernel(key, T):
    """void k(const T *a, const T *b, T *out, intptr_t n); out may be a and/or b."""
    sig = types.void(types.CPointer(T), types.CPointer(T), types.CPointer(T), types.intp)

    def kernel(a_, b_, out_, n):
        out = numba.carray(out_, (n,))
        a_is_out, b_is_out = _same_address(a_, out_), _same_address(b_, out_)
        if a_is_out and b_is_out:
            _loop2(key, out, out, out)
        elif a_is_out:
            _loop2(key, out, numba.carray(b_, (n,)), out)
        elif b_is_out:
            _loop2(key, numba.carray(a_, (n,)), out, out)
        else:
            _loop2(key, numba.carray(a_, (n,)), numba.carray(b_, (n,)), out)
    return _cfunc(sig, kernel)


def _ternary_kernel(key, T):
    """void k(const T *a, const T *b, const T *c, T *out, intptr_t n); out may
    be an input (in place: the first or second, leaky_relu_backward_'s grad)."""
    P = types.CPointer(T)
    sig = types.void(P, P, P, P, types.intp)

    def kernel(a_, b_, c_, out_, n):
        out = numba.carray(out_, (n,))
        c = numba.carray(c_, (n,))
        if _same_address(a_, out_):
            _loop3(key, out, numba.carray(b_, (n,)), c, out)
        elif _same_address(b_, out_):
            _loop3(key, numba.carray(a_, (n,)), out, c, out)
        else:
            _loop3(key, numba.carray(a_, (n,)), numba.carray(b_, (n,)), c, out)
    return _cfunc(sig, kernel)


@_njit_inline
def _add_bias(x, b, out):
    for i in range(out.size):
        out[i] = x[i] + b[i]


@_njit_inline
def _count_loop(key, y, cnt, eps):
    for i in range(y.size):
        cnt[i] += np.int64(_count_of(key, y[i], eps))


def _count_of(key, y, eps):
    _numba_only()


@overload(_count_of, inline="always", prefer_literal=True)
def _ov_count_of(key, y, eps):
    k = _key(key, FUSED_KEYS)
    if k is None:
        return None
    count = _COUNT[y][FUSED[k][1]]
    return lambda key, y, eps: count(y, eps)


def _fused_kernel(key, T):
    """void k(const T *x, const T *bias, T *out, int64_t *count, double eps,
    intptr_t rows, intptr_t cols): out[r][j] = act(x[r][j] + bias[j]) (bias
    NULL: act(x)), count[j] += what is counted where count is not NULL.  The
    same bits as FR_FUSED, in up to three loops (out = x + bias row by row,
    act in place, count row by row), so one activation loop is compiled, not
    FR_FUSED's eight (the njit API's fused forms are one pass, _loopf)."""
    P, NT = types.CPointer(T), _np_type(T)
    sig = types.void(P, P, P, types.CPointer(types.int64), types.float64, types.intp,
                     types.intp)
    act = FUSED[key][0]
    counts = FUSED[key][1] != "none"

    def kernel(x_, b_, out_, cnt_, eps_, rows, cols):
        n = rows * cols
        out = numba.carray(out_, (n,))
        in_place = _same_address(x_, out_)
        if not _is_null(b_):
            b = numba.carray(b_, (cols,))
            src = out if in_place else numba.carray(x_, (n,))
            for r in range(rows):
                _add_bias(src[r * cols:(r + 1) * cols], b, out[r * cols:(r + 1) * cols])
            _loop1(act, out, out)
        elif in_place:
            _loop1(act, out, out)
        else:
            _loop1(act, numba.carray(x_, (n,)), out)
        if counts and not _is_null(cnt_):
            cnt = numba.carray(cnt_, (cols,))
            for r in range(rows):
                _count_loop(key, out[r * cols:(r + 1) * cols], cnt, NT(eps_))
    return _cfunc(sig, kernel)


_KINDS = {"unary": (UNARY, _unary_kernel), "binary": (BINARY, _binary_kernel),
          "ternary": (TERNARY, _ternary_kernel), "fused": (FUSED_KEYS, _fused_kernel)}
# registry op -> the stem of its keys where the two differ (scalar.h's names)
_STEMS = {"relu_backward": "relu_bwd", "sigmoid_backward": "sigmoid_bwd",
          "leaky_relu_backward": "leaky_relu_bwd", "silu_backward": "silu_bwd"}
_compiled = {}          # (key, dtype) -> CFunc: keeps the machine code alive for the table


def _math_of(key, t):
    """What a key computes for a float type (its scalar function, or a fused
    key's activation and counter): equal for the fast and exact keys of an op
    exact in both modes at that dtype."""
    if key in FUSED:
        act, counted = FUSED[key]
        return MATH[act][t], counted
    return MATH[key][t]


def op_keys(op, dtype):
    """[(key, accuracy, row name)] of a registry op at a dtype: one row with
    accuracy None where the op computes the same in both modes (as the C
    registry's FR_ANY_ACCURACY rows), else a fast and an exact row; [] if the
    Numba backend lacks the op (the table then takes the C row)."""
    stem, short, t = _STEMS.get(op, op), _SHORT[dtype], _NB_TYPES[dtype]
    if stem in OP_KEYS:
        return [(stem, None, f"{short}_{stem}__numba")]
    fast, exact = f"{stem}_fast", f"{stem}_exact"
    if fast not in OP_KEYS or exact not in OP_KEYS:
        return []
    if _math_of(fast, t) == _math_of(exact, t):
        return [(fast, None, f"{short}_{stem}__numba")]
    return [(fast, "fast", f"{short}_{fast}__numba"), (exact, "exact", f"{short}_{exact}__numba")]


def kernel(op_key, dtype):
    """The compiled (or cached) CFunc of one op key x dtype, compiled on first use."""
    if (op_key, dtype) not in _compiled:
        make = next(mk for keys, mk in _KINDS.values() if op_key in keys)
        _compiled[op_key, dtype] = make(op_key, _NB_TYPES[dtype])
    return _compiled[op_key, dtype]


def cfunc_rows():
    """[(op, dtype, accuracy, name, address)] for the kernel table (_dispatch),
    every registry op (fastrelu._ufuncs.OPS) the math above covers."""
    from ._ufuncs import OP_KIND, OPS
    rows = []
    for op in OPS:
        for dtype in ("float32", "float64"):
            for key, acc, name in op_keys(op, dtype):
                assert key in _KINDS[OP_KIND[op]][0], (op, key, OP_KIND[op])
                rows.append((op, dtype, acc, name, kernel(key, dtype).address))
    return rows
