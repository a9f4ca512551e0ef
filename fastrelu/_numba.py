"""The Numba backend: the per-element math of kernels/scalar.h in Python, and
the kernel-table cfuncs built from it.

Imported lazily (by ``_dispatch._ensure_numba()`` for ``backend("numba")``, and
by ``fastrelu.numba``); importing fastrelu never imports numba.

The math is written once, as ``@njit(inline="always")`` scalar functions that
repeat scalar.h's *baseline* expressions operation for operation (no FMA: LLVM
does not contract a*b+c without fastmath flags, and fastmath is never used).
So exact mode is bit-identical to the C kernels of every ISA level, and fast
mode to the C baseline kernels (the AVX2/AVX-512 C kernels fuse with FMA and
differ by an ulp here and there; both are within the same 2 ulp bound).
Only NaN payloads may differ.

One generic overload, ``_map1(op, x)`` / ``_map2(op, g, y)`` with ``op`` a
string constant, applies the math for an op to scalars or arrays; the
kernel-table cfuncs (``cfunc_rows()``) and the public ``fastrelu.numba``
functions are built on it, so there is one loop per arity, not one per
op x dtype.

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

__all__ = ["cfunc_rows", "MATH", "OP_KEYS"]


# ---- the two primitives Python operators do not give ------------------------
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
    ZMIN = _c(T, -105.0)


class _F64:
    T = np.float64
    LOG2E = _c(T, "0x1.71547652b82fep+0")
    MAGIC = _c(T, 1.5 * 2.0**52 + 1623.0)
    DOWN = _c(T, "0x1p-600")
    LN2_HI = _c(T, "0x1.62e42fee00000p-1")
    LN2_LO = _c(T, "0x1.a39ef35793c76p-33")
    ZMIN = _c(T, -750.0)


# 1/k!, k = 0..14, correctly rounded (fr_inv_fact_f64)
_INV_FACT = tuple(float.fromhex(h) for h in (
    "0x1p+0", "0x1p+0", "0x1p-1", "0x1.5555555555555p-3", "0x1.5555555555555p-5",
    "0x1.1111111111111p-7", "0x1.6c16c16c16c17p-10", "0x1.a01a01a01a01ap-13",
    "0x1.a01a01a01a01ap-16", "0x1.71de3a556c734p-19", "0x1.27e4fb7789f5cp-22",
    "0x1.ae64567f544e4p-26", "0x1.1eed8eff8d898p-29", "0x1.6124613a86d09p-33",
    "0x1.93974a8c07c9dp-37"))


def _njit_inline(f):
    return numba.njit(inline="always")(f)


# ---- the per-element math (scalar.h, baseline: plain a*b + c) --------------
def _horner(coefs):
    """p(t) = ((c[0] t + c[1]) t + ...) + c[-1], as fr_taylor_exp_tail /
    fr_expm1_tail_f32 evaluate it; straight-line code, one closure per step."""
    head = coefs[0]
    if len(coefs) == 1:
        return _njit_inline(lambda t: head)
    rest, last = _horner(coefs[:-1]), coefs[-1]
    return _njit_inline(lambda t: rest(t) * t + last)


def _taylor_tail(lo, hi):
    """fr_taylor_exp_tail_f64(t, lo, hi) = sum_{k=lo..hi} t^(k-lo) / k!"""
    return _horner(_INV_FACT[lo:hi + 1][::-1])


def _reduce(C):
    """FR_REDUCE: nm = z log2e + MAGIC, n = nm - MAGIC, t = z - n ln2 (two constants)."""
    log2e, magic, nhi, nlo = C.LOG2E, C.MAGIC, -C.LN2_HI, -C.LN2_LO

    @_njit_inline
    def reduce(z):
        nm = z * log2e + magic
        n = nm - magic
        t = n * nhi + z
        t = n * nlo + t
        return nm, t
    return reduce


def _sigmoid_fast(C, h):
    """FR_DEFINE_SIGMOID_FAST for one dtype (see scalar.h for the derivation)."""
    T = C.T
    zero, one, mhalf, c09571 = T(0), T(1), T(-0.5), T(0.9571)
    zmin, down, reduce = C.ZMIN, C.DOWN, _reduce(C)

    @_njit_inline
    def sigmoid_fast(x):
        z = -abs(x)
        z = zmin if z < zmin else z                  # keeps NaN
        nm, t = reduce(z)
        u = (t * t) * h(t) + t
        p = one + u
        pl = u - (p - one)                          # exact
        s = _scale(nm)
        e = (p * s) * down
        el = (pl * s) * down
        d = one + e
        dl = (e - (d - one)) + el
        pos = x > zero
        q = _div(one if pos else e, d)
        nl = zero if pos else el
        return ((-q) * dl + nl) * (mhalf * e + c09571) + q
    return sigmoid_fast


def _elementwise(T):
    """relu, relu_backward, sigmoid_backward for one dtype."""
    zero, one = T(0), T(1)

    @_njit_inline
    def relu(x):                                  # FR_RELU: NaN passes, -0.0 -> +0.0
        return zero if x <= zero else x

    @_njit_inline
    def relu_bwd(g, y):                           # FR_RELU_BWD
        return g if y > zero else (zero if y <= zero else y)

    @_njit_inline
    def sigmoid_bwd(g, y):                        # FR_SIGMOID_BWD, left to right
        return (g * y) * (one - y)
    return relu, relu_bwd, sigmoid_bwd


_exp_tail_exact_f32 = _taylor_tail(0, 10)
_reduce_f64 = _reduce(_F64)
# numba reads module globals, not class attributes
_LOG2E_F64, _MAGIC_F64, _DOWN_F64 = _F64.LOG2E, _F64.MAGIC, _F64.DOWN
_LN2_HI_F64, _LN2_LO_F64 = _F64.LN2_HI, _F64.LN2_LO


@_njit_inline
def _sigmoid_exact_f32(xf):
    """fr_sigmoid_exact_f32: float64 lanes, degree-10 Taylor, rounded once."""
    x = np.float64(xf)
    z = -abs(x)
    z = -105.0 if z < -105.0 else z
    nm, t = _reduce_f64(z)
    e = (_exp_tail_exact_f32(t) * _scale(nm)) * _DOWN_F64
    return np.float32(_div(1.0 if x > 0.0 else e, 1.0 + e))


# double-double helpers of fr_sigmoid_exact_f64 (exact: nothing is contracted)
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


_exp_tail_3_14 = _taylor_tail(3, 14)


@_njit_inline
def _sigmoid_exact_f64(x):
    """fr_sigmoid_exact_f64: double-double, <= 1 ulp."""
    z = -abs(x)
    z = -750.0 if z < -750.0 else z
    nm = z * _LOG2E_F64 + _MAGIC_F64
    n = nm - _MAGIC_F64
    a = z - n * _LN2_HI_F64
    b = n * _LN2_LO_F64
    th = a - b
    tl = (a - th) - b
    q3 = _exp_tail_3_14(th)
    sqh, sql = _two_prod(th, th)
    sh, sl = _two_sum(1.0, th)
    uh, ul = _two_sum(sh, 0.5 * sqh)
    lo = ul + sl + 0.5 * sql + (sqh * th) * q3 + tl * sh
    Eh, El = _fast_two_sum(uh, lo)
    s = _scale(nm)
    eh = (Eh * s) * _DOWN_F64
    el = (El * s) * _DOWN_F64
    Dh, Dl = _fast_two_sum(1.0, eh)
    Dl = Dl + el
    pos = x > 0.0
    Nh = 1.0 if pos else Eh
    Nl = 0.0 if pos else El
    inv = _div(1.0, Dh)
    q0 = Nh * inv
    ph, pl = _two_prod(q0, Dh)
    r = (((Nh - ph) - pl) + Nl) - q0 * Dl
    Q = q0 + r * inv
    return Q if pos else (Q * s) * _DOWN_F64


# The expm1 tail h(t) of fast mode: fr_expm1_tail_f32 (its own float32
# coefficients, to t^7) and fr_expm1_tail_f64 (Taylor to t^13).
_expm1_tail_f32 = _horner(tuple(_c(np.float32, h) for h in (
    "0x1.a01a02p-13", "0x1.6c16c2p-10", "0x1.111112p-7", "0x1.555556p-5",
    "0x1.555556p-3", "0x1p-1")))
_expm1_tail_f64 = _taylor_tail(2, 13)

_relu_f32, _relu_bwd_f32, _sigmoid_bwd_f32 = _elementwise(np.float32)
_relu_f64, _relu_bwd_f64, _sigmoid_bwd_f64 = _elementwise(np.float64)

# op key -> {numba float type -> scalar function}: the whole per-element math.
MATH = {
    "relu": {types.float32: _relu_f32, types.float64: _relu_f64},
    "sigmoid_fast": {types.float32: _sigmoid_fast(_F32, _expm1_tail_f32),
                     types.float64: _sigmoid_fast(_F64, _expm1_tail_f64)},
    "sigmoid_exact": {types.float32: _sigmoid_exact_f32, types.float64: _sigmoid_exact_f64},
    "relu_bwd": {types.float32: _relu_bwd_f32, types.float64: _relu_bwd_f64},
    "sigmoid_bwd": {types.float32: _sigmoid_bwd_f32, types.float64: _sigmoid_bwd_f64},
}
UNARY = ("relu", "sigmoid_fast", "sigmoid_exact")
BINARY = ("relu_bwd", "sigmoid_bwd")
OP_KEYS = UNARY + BINARY


# ---- one generic map per arity: scalars, arrays, in place ---------------------
def _map1(op, x):
    raise NotImplementedError("only callable from numba-compiled code")


def _map2(op, g, y):
    raise NotImplementedError("only callable from numba-compiled code")


def _map1_(op, x):
    raise NotImplementedError("only callable from numba-compiled code")


def _map2_(op, g, y):
    raise NotImplementedError("only callable from numba-compiled code")


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


def _flat_view(a):
    raise NotImplementedError("only callable from numba-compiled code")


@overload(_flat_view, inline="always")
def _ov_flat_view(a):
    """All elements of a C- or F-contiguous array as one writable 1-d view."""
    if a.layout == "C":
        return lambda a: a.reshape(-1)
    if a.layout == "F":
        return lambda a: a.T.reshape(-1)
    return None


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
            xf, of = x.reshape(-1), out.reshape(-1)
            for i in range(xf.size):
                of[i] = f(xf[i])
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
    if not isinstance(x, types.Array):
        raise TypingError(f"fastrelu.numba: the in-place form needs an array, got {x}")
    if not x.mutable:
        raise TypingError(f"fastrelu.numba: argument 'x' is read-only ({x})")
    f = MATH[key][_float_of(key, x)]
    if x.layout in "CF":
        def impl(op, x):
            xf = _flat_view(x)
            for i in range(xf.size):
                xf[i] = f(xf[i])
            return x
    else:
        def impl(op, x):
            for idx in np.ndindex(x.shape):
                x[idx] = f(x[idx])
            return x
    return impl


def _binary_types(key, g, y):
    tg, ty = _float_of(key, g), _float_of(key, y)
    arrays = isinstance(g, types.Array), isinstance(y, types.Array)
    if arrays[0] != arrays[1]:
        raise TypingError(f"fastrelu.numba: grad and y must both be scalars or both "
                          f"arrays, got {g} and {y}")
    if arrays[0] and tg != ty:
        raise TypingError(f"fastrelu.numba: grad and y must have the same dtype, "
                          f"got {g} and {y}")
    return max(tg, ty, key=lambda t: t.bitwidth), arrays[0]


@overload(_map2, inline="always", prefer_literal=True)
def _ov_map2(op, g, y):
    key = _key(op, BINARY)
    if key is None:
        return None
    t, arrays = _binary_types(key, g, y)
    f = MATH[key][t]
    if not arrays:
        T = np.float32 if t == types.float32 else np.float64
        return lambda op, g, y: f(T(g), T(y))
    def impl(op, g, y):
        if g.shape != y.shape:
            raise ValueError("fastrelu.numba: grad and y must have the same shape")
        out = np.empty(g.shape, g.dtype)
        if g.flags.c_contiguous and y.flags.c_contiguous:
            gf, yf, of = g.reshape(-1), y.reshape(-1), out.reshape(-1)
            for i in range(gf.size):
                of[i] = f(gf[i], yf[i])
        else:
            for idx in np.ndindex(g.shape):
                out[idx] = f(g[idx], y[idx])
        return out
    return impl


@overload(_map2_, inline="always", prefer_literal=True)
def _ov_map2_(op, g, y):
    key = _key(op, BINARY)
    if key is None:
        return None
    t, arrays = _binary_types(key, g, y)
    if not arrays:
        raise TypingError(f"fastrelu.numba: the in-place form needs arrays, got {g}, {y}")
    if not g.mutable:
        raise TypingError(f"fastrelu.numba: argument 'grad' is read-only ({g})")
    f = MATH[key][t]
    def impl(op, g, y):
        if g.shape != y.shape:
            raise ValueError("fastrelu.numba: grad and y must have the same shape")
        if g.flags.c_contiguous and y.flags.c_contiguous:
            gf, yf = g.reshape(-1), y.reshape(-1)
            for i in range(gf.size):
                gf[i] = f(gf[i], yf[i])
        else:
            for idx in np.ndindex(g.shape):
                g[idx] = f(g[idx], y[idx])
        return g
    return impl


# ---- the kernel-table cfuncs ------------------------------------------------
# Names XNNPACK-style, as the C registry: f32_sigmoid_fast__numba.
_ROWS = [("relu", "relu", None), ("sigmoid", "sigmoid_fast", "fast"),
         ("sigmoid", "sigmoid_exact", "exact"), ("relu_backward", "relu_bwd", None),
         ("sigmoid_backward", "sigmoid_bwd", None)]
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


def _unary_kernel(key, T):
    """void k(const T *in, T *out, intptr_t n); out may be in."""
    sig = types.void(types.CPointer(T), types.CPointer(T), types.intp)

    def kernel(in_, out_, n):
        x = numba.carray(in_, (n,))
        out = numba.carray(out_, (n,))
        for i in range(n):
            out[i] = _map1(key, x[i])
    return _cfunc(sig, kernel)


def _binary_kernel(key, T):
    """void k(const T *g, const T *y, T *out, intptr_t n); out may be g or y."""
    sig = types.void(types.CPointer(T), types.CPointer(T), types.CPointer(T), types.intp)

    def kernel(g_, y_, out_, n):
        g = numba.carray(g_, (n,))
        y = numba.carray(y_, (n,))
        out = numba.carray(out_, (n,))
        for i in range(n):
            out[i] = _map2(key, g[i], y[i])
    return _cfunc(sig, kernel)


_compiled = {}          # name -> CFunc: keeps the machine code alive for the table


def kernel(op_key, dtype):
    """The compiled (or cached) CFunc of one op key x dtype, compiled on first use."""
    name = f"{_SHORT[dtype]}_{op_key}__numba"
    if name not in _compiled:
        make = _unary_kernel if op_key in UNARY else _binary_kernel
        _compiled[name] = make(op_key, _NB_TYPES[dtype])
    return _compiled[name]


def cfunc_rows():
    """[(op, dtype, accuracy, name, address)] for the kernel table (_dispatch)."""
    rows = []
    for op, key, acc in _ROWS:
        for dtype in ("float32", "float64"):
            cf = kernel(key, dtype)
            rows.append((op, dtype, acc, f"{_SHORT[dtype]}_{key}__numba", cf.address))
    return rows
