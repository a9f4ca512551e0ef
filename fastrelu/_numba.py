"""The Numba backend: the per-element math of kernels/scalar.h in Python, and
the kernel-table cfuncs built from it.

Imported lazily (by ``_dispatch._ensure_numba()`` for ``backend("numba")``, and
by ``fastrelu.numba``); importing fastrelu never imports numba.

The math is written once, as ``@njit(inline="always")`` scalar functions that
repeat scalar.h's expressions operation for operation.  LLVM never contracts
a*b + c by itself (no fastmath flags: fastmath is never used), so a*b + c is
two roundings, except where scalar.h writes FR_MA: fast-mode sigmoid fuses
(llvm.fma) when numba's target CPU has FMA, as the C build does per ISA level.
Hence exact mode is bit-identical to the C kernels of every ISA level, and
fast mode to the C kernels of the level with the same FMA-ness: avx2/avx512f
on an FMA machine (the kernels fr.sigmoid picks there), baseline otherwise
(``NUMBA_CPU_NAME=generic`` gives that on any machine).  Only NaN payloads may
differ.  ``FAST_FMA`` says which.

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

__all__ = ["cfunc_rows", "kernel", "MATH", "OP_KEYS", "FAST_FMA"]


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


# ---- the per-element math (scalar.h; ma: FR_MA_PLAIN, or FR_MA in fast mode) --
def _horner(coefs, ma):
    """p(t) = ((c[0] t + c[1]) t + ...) + c[-1], as fr_taylor_exp_tail /
    fr_expm1_tail_f32 evaluate it; straight-line code, one closure per step."""
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


def _sigmoid_fast(C, h, ma):
    """FR_DEFINE_SIGMOID_FAST for one dtype (see scalar.h for the derivation)."""
    T = C.T
    zero, one, mhalf, c09571 = T(0), T(1), T(-0.5), T(0.9571)
    zmin, down, reduce = C.ZMIN, C.DOWN, _reduce(C, ma)

    @_njit_inline
    def sigmoid_fast(x):
        z = -abs(x)
        z = _select(z < zmin, zmin, z)               # keeps NaN
        nm, t = reduce(z)
        u = ma(t * t, h(t), t)
        p = one + u
        pl = u - (p - one)                          # exact
        s = _scale(nm)
        e = (p * s) * down
        el = (pl * s) * down
        d = one + e
        dl = (e - (d - one)) + el
        pos = x > zero
        q = _div(_select(pos, one, e), d)
        nl = _select(pos, zero, el)
        return ma(ma(-q, dl, nl), ma(mhalf, e, c09571), q)
    return sigmoid_fast


def _elementwise(T):
    """relu, relu_backward, sigmoid_backward for one dtype."""
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
    return relu, relu_bwd, sigmoid_bwd


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


_exp_tail_3_14 = _taylor_tail(3, 14, _ma_plain)


@_njit_inline
def _sigmoid_exact_f64(x):
    """fr_sigmoid_exact_f64: double-double, <= 1 ulp."""
    z = -abs(x)
    z = _select(z < -750.0, -750.0, z)
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
    Nh = _select(pos, 1.0, Eh)
    Nl = _select(pos, 0.0, El)
    inv = _div(1.0, Dh)
    q0 = Nh * inv
    ph, pl = _two_prod(q0, Dh)
    r = (((Nh - ph) - pl) + Nl) - q0 * Dl
    Q = q0 + r * inv
    return _select(pos, Q, (Q * s) * _DOWN_F64)


# The expm1 tail h(t) of fast mode: fr_expm1_tail_f32 (its own float32
# coefficients, to t^7) and fr_expm1_tail_f64 (Taylor to t^13).
_expm1_tail_f32 = _horner(tuple(_c(np.float32, h) for h in (
    "0x1.a01a02p-13", "0x1.6c16c2p-10", "0x1.111112p-7", "0x1.555556p-5",
    "0x1.555556p-3", "0x1p-1")), _FAST_MA)
_expm1_tail_f64 = _taylor_tail(2, 13, _FAST_MA)

_relu_f32, _relu_bwd_f32, _sigmoid_bwd_f32 = _elementwise(np.float32)
_relu_f64, _relu_bwd_f64, _sigmoid_bwd_f64 = _elementwise(np.float64)

# op key -> {numba float type -> scalar function}: the whole per-element math.
MATH = {
    "relu": {types.float32: _relu_f32, types.float64: _relu_f64},
    "sigmoid_fast": {types.float32: _sigmoid_fast(_F32, _expm1_tail_f32, _FAST_MA),
                     types.float64: _sigmoid_fast(_F64, _expm1_tail_f64, _FAST_MA)},
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
def _loop2(key, g, y, out):
    for i in range(out.size):
        out[i] = _map2(key, g[i], y[i])


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
    if not isinstance(x, types.Array):
        raise TypingError(f"fastrelu.numba: the in-place form needs an array, got {x}")
    if not x.mutable:
        raise TypingError(f"fastrelu.numba: argument 'x' is read-only ({x})")
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
            _loop2(op, g.reshape(-1), y.reshape(-1), out.reshape(-1))
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
            gf = g.reshape(-1)
            _loop2(op, gf, y.reshape(-1), gf)
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
    """void k(const T *g, const T *y, T *out, intptr_t n); out may be g and/or y."""
    sig = types.void(types.CPointer(T), types.CPointer(T), types.CPointer(T), types.intp)

    def kernel(g_, y_, out_, n):
        out = numba.carray(out_, (n,))
        g_is_out, y_is_out = _same_address(g_, out_), _same_address(y_, out_)
        if g_is_out and y_is_out:
            _loop2(key, out, out, out)
        elif g_is_out:
            _loop2(key, out, numba.carray(y_, (n,)), out)
        elif y_is_out:
            _loop2(key, numba.carray(g_, (n,)), out, out)
        else:
            _loop2(key, numba.carray(g_, (n,)), numba.carray(y_, (n,)), out)
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
