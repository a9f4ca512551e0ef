"""Slow exact twins of the fastrelu ops: plain NumPy (and mpmath), one per op.

This is the reference every kernel is checked against, so it is short and
obviously right rather than fast (bottleneck's ``slow/`` in spirit).  Each twin
takes what the ufunc takes (arrays, scalars, broadcasting) and returns the
ufunc's dtype; 0-d results come back as scalars, as from a ufunc.

Accuracy of the twins themselves:

- ``relu``, ``relu_backward``: exact.
- ``sigmoid``: computed in a wider type (float64 for float16/float32 inputs,
  np.longdouble for float64) with the stable ``-|x|`` form, then rounded once to
  the output dtype.  That is correctly rounded except when the exact value lies
  within the wide type's own error of a rounding midpoint (about 2^-26 ulp for
  float32, 2^-10 ulp for float64 on x86's 80-bit longdouble).  Where a verdict
  must be certain, use ``sigmoid_mpmath``, which is correctly rounded.
- ``sigmoid_backward``: the formula ``g * y * (1 - y)`` left to right in the
  input dtype (float16 in float32, rounded once: DESIGN.md section 1, Types).
- ``leaky_relu``, ``leaky_relu_backward``, ``bias_relu``: exact.
- ``silu``, ``softplus``, ``log_sigmoid``, ``silu_backward``: wide and rounded
  once, like ``sigmoid`` (16-bit ``silu_backward``: the float32 op, rounded).
- ``bias_sigmoid``, ``bias_silu``: ``x + b`` rounded to the dtype, then the
  twin above (so 16-bit types too are the activation of the rounded sum).
- ``gelu``, ``gelu_backward``: wide (float64 via math.erfc for float16/32,
  mpmath for float64) and rounded once, the erfc argument carried exactly.
- ``rounded_mpmath(op, x, dtype)``: correctly rounded sigmoid, silu, softplus,
  log_sigmoid, gelu and gelu_backward (at grad = 1) in float16, bfloat16,
  float32, float64 or longdouble.
- ``float64_value(op, x)``: a unary op of float32 (or narrower) x in float64,
  unrounded and vectorized (~1e-16 relative): tools/accuracy.py's reference
  for all 2^32 inputs.

bfloat16 (ml_dtypes) is accepted wherever float16 is; its values are rounded
here, since ml_dtypes' float64 -> bfloat16 cast rounds twice (via float32).
"""

import math

import numpy as np

__all__ = ["relu", "relu_backward", "sigmoid", "sigmoid_backward",
           "leaky_relu", "leaky_relu_backward", "silu", "silu_backward", "softplus",
           "log_sigmoid", "bias_relu", "bias_sigmoid", "bias_silu", "gelu", "gelu_backward",
           "rounded_mpmath", "sigmoid_mpmath", "MPMATH_OPS", "float64_value", "SLOW",
           "unit_counts"]


def _scalar_if_0d(a):
    return a[()] if a.ndim == 0 else a


def _is_bf16(dt):
    return dt.name == "bfloat16"      # ml_dtypes' type, without importing ml_dtypes


def _float_dtype(*args):
    """The float dtype a float-only ufunc computes `args` in (python scalars weak)."""
    arrays = [np.asarray(a).dtype for a in args
              if type(a) not in (bool, int, float)]
    if arrays and all(_is_bf16(d) for d in arrays):
        return arrays[0]
    dt = np.result_type(*args)
    return dt if dt.kind == "f" else np.result_type(dt, np.float16)


def _wide(dt):
    return np.dtype(np.longdouble if dt.itemsize >= 8 else np.float64)


def _round(w, dt):
    """Round the wide values `w` once to dt.  numpy's casts do (float64 ->
    float16/32 and longdouble -> float64 are correctly rounded); ml_dtypes'
    float64 -> bfloat16 goes through float32 (double rounding), so bfloat16 is
    rounded here: to 8 significant bits, subnormals (2**-133 spacing), ties to
    even, overflow to inf; the result is then exact in bfloat16."""
    with np.errstate(all="ignore"):                      # under/overflow: the point
        if not _is_bf16(dt):
            return np.asarray(w).astype(dt)
        w = np.asarray(w, np.float64)
        _, e = np.frexp(w)                               # |w| = m * 2**e, m in [0.5, 1)
        ue = np.maximum(e - 1, -126) - 7                 # exponent of bfloat16's ulp
        r = np.ldexp(np.rint(np.ldexp(w, -ue)), ue)      # NaN, inf, 0 pass through
        r = np.where(np.abs(r) >= 2.0**128, np.copysign(np.inf, w), r)
        return r.astype(np.float32).astype(dt)           # exact


def relu(x):
    """``x > 0 ? x : +0.0``; NaN stays NaN, -0.0 -> +0.0, +inf stays +inf.

    Integers too (unsigned: identity)."""
    x = np.asarray(x)
    with np.errstate(all="ignore"):    # bfloat16 compares signalling NaNs noisily
        keep = (x > 0) | (x != x)      # x != x: NaN (never true for integers)
    return _scalar_if_0d(np.where(keep, x, x.dtype.type(0)))


def relu_backward(g, y):
    """``g`` where ``y > 0``; +0.0 where ``y <= 0`` (whatever g is); NaN where y is NaN."""
    dt = _float_dtype(g, y)                 # ints promote like the float-only ufunc
    g, y = np.asarray(g), np.asarray(y)
    with np.errstate(all="ignore"):
        out = np.where(y > 0, g, 0).astype(dt)
        if dt.kind == "f" or _is_bf16(dt):
            out = np.where(y != y, dt.type(np.nan), out)
    return _scalar_if_0d(out)


def sigmoid(x):
    """``1 / (1 + exp(-x))`` computed wide and rounded once to the output dtype.

    Integer input promotes like ``np.exp`` (int8 -> float16, int16 -> float32,
    wider -> float64).  No floating-point warnings for any input."""
    dt = _float_dtype(x)
    with np.errstate(all="ignore"):    # exp(-|x|) and the cast may underflow: harmless
        w = np.asarray(x).astype(_wide(dt))   # (and float16 signalling NaNs may 'invalid')
        z = np.exp(-np.abs(w))         # in [0, 1]: never overflows
        s = np.where(w >= 0, 1 / (1 + z), z / (1 + z))    # NaN -> NaN
        return _scalar_if_0d(_round(s, dt))


def sigmoid_backward(g, y):
    """``g * y * (1 - y)`` left to right in the input dtype (float16: in float32,
    rounded once).  Overflow gives inf silently, as the kernels do."""
    dt = _float_dtype(g, y)
    ct = np.float32 if dt.itemsize == 2 else dt
    with np.errstate(all="ignore"):
        g, y = np.asarray(g).astype(dt).astype(ct), np.asarray(y).astype(dt).astype(ct)
        return _scalar_if_0d(_round(g * y * (1 - y), dt))


SLOW = {
    "relu": relu,
    "relu_backward": relu_backward,
    "sigmoid": sigmoid,
    "sigmoid_backward": sigmoid_backward,
}


# ---------------------------------------------------------------------------
# leaky ReLU, SiLU, softplus, log-sigmoid, fused bias ops
#
# Same rules as above: plain numpy, computed wide (float64 for float16,
# bfloat16 and float32; np.longdouble for float64) and rounded once to the
# ufunc's dtype; no floating-point warnings for any input.  silu_backward of
# the 16-bit types is the float32 op rounded once, as the ufunc loop does.

def _args(*args):
    """args as arrays of their common float dtype dt (cast as the ufunc casts
    them), plus dt and the wide dtype."""
    dt = _float_dtype(*args)
    return [np.asarray(a).astype(dt) for a in args], dt, _wide(dt)


def _via_f32(twin, arrays, dt):
    """A 16-bit type's backward/bias op: the float32 op, rounded once."""
    return _round(np.asarray(twin(*(a.astype(np.float32) for a in arrays))), dt)


def _sigmoid_wide(w):
    """sigmoid in w's (wide) dtype, the stable -|w| form; NaN -> NaN."""
    z = np.exp(-np.abs(w))
    return np.where(w >= 0, 1 / (1 + z), z / (1 + z))


def _softplus_wide(w):
    """log(1 + e^w) = max(w, 0) + log1p(e^-|w|) in w's dtype: no overflow."""
    return np.maximum(w, 0) + np.log1p(np.exp(-np.abs(w)))


def _leaky(x, alpha, wd):
    """alpha * x (exact in wd but for float64, where it is float64's rounded
    product), +0.0 where alpha == 0."""
    w = x.astype(wd) * alpha.astype(wd) if x.dtype.itemsize < 8 else x * alpha
    return np.where(alpha == 0, x.dtype.type(0), w)


def leaky_relu(x, alpha):
    """x where x > 0 (NaN: x itself); +0.0 where x == 0 (either sign); alpha * x
    where x < 0, except +0.0 where alpha == 0 (relu's bits, also at -inf)."""
    with np.errstate(all="ignore"):
        (x, alpha), dt, wd = _args(x, alpha)
        neg = _round(_leaky(x, alpha, wd), dt)
        out = np.where((x > 0) | (x != x), x, np.where(x < 0, neg, dt.type(0)))
        return _scalar_if_0d(out.astype(dt))


def leaky_relu_backward(g, x, alpha):
    """g where x > 0; alpha * g where x <= 0 (+0.0 where alpha == 0, whatever g
    is); NaN where x is NaN (x itself)."""
    with np.errstate(all="ignore"):
        (g, x, alpha), dt, wd = _args(g, x, alpha)
        neg = _round(_leaky(g, alpha, wd), dt)
        out = np.where(x > 0, g, neg)
        out = np.where(x != x, x, out)
        return _scalar_if_0d(out.astype(dt))


def silu(x):
    """x * sigmoid(x), wide, rounded once; silu(-inf) = -0.0, silu(+inf) = +inf."""
    with np.errstate(all="ignore"):
        (x,), dt, wd = _args(x)
        w = x.astype(wd)
        s = np.where(w == -np.inf, -0.0, w * _sigmoid_wide(w))    # -inf * 0
        return _scalar_if_0d(_round(s, dt))


def _dsilu_wide(w):
    """silu'(w) = s (1 + w (1 - s)) in w's (wide) dtype, as (1 + e (1 + w)) /
    (1 + e)^2 for w > 0 and e ((1 + w) + e) / (1 + e)^2 else, e = e^-|w| (1 + w
    and the rest without cancellation), but within 2^-3 of silu's minimum x0,
    where (1 + w) + e cancels (s (1 + w (1 - s)) loses all of a double's
    digits at the double nearest x0): silu''s Taylor series at x0, t (A1 + t
    (A2 + t Q(t))), t = w - x0 (scalar.h's fr_dsilu_dd_f64, same constants).  The
    limits at +-inf: 1 and -0.0 (silu' < 0 for w < x0)."""
    from fastrelu._numba import constants as K        # plain data: no numba
    one = w.dtype.type(1)
    e = np.exp(-np.abs(w))
    d = np.where(w > 0, one + e * (one + w), e * ((one + w) + e)) / ((one + e) * (one + e))
    z, T = K.DSILU, w.dtype.type
    t = ((w - T(z.x0[0])) - T(z.x0[1])) - T(z.x0[2])
    p = np.zeros_like(w)
    for c in z.taylor[::-1]:
        p = p * t + T(c)
    near = t * ((T(z.a1[0]) + T(z.a1[1])) + t * ((T(z.a2[0]) + T(z.a2[1])) + t * p))
    d = np.where(np.abs(t) < z.near, near, d)
    return np.where(np.isinf(w), np.where(w > 0, one, -w.dtype.type(0)), d)


def silu_backward(g, x):
    """g * s * (1 + x * (1 - s)), s = sigmoid(x), 1 - s = sigmoid(-x); wide
    (_dsilu_wide, exact next to silu's minimum too), rounded once; a silu'
    below dt's normals is first rounded to dt (the kernels' semantics: 0 below
    x = -745 in float64, whatever g).  At x = +-inf the limits: g * 1 and g *
    (-0.0) (silu' < 0 for x < -1.28: the limit from below, as the kernels)."""
    with np.errstate(all="ignore"):
        (g, x), dt, wd = _args(g, x)
        if dt.itemsize == 2:
            return _scalar_if_0d(_via_f32(silu_backward, (g, x), dt))
        gw, w = g.astype(wd), x.astype(wd)
        d = _dsilu_wide(w)
        tiny = np.abs(d) < np.finfo(dt).tiny             # silu' below dt's normals: its
        d = np.where(tiny, d.astype(dt).astype(wd), d)   # rounding to dt (0 below -745)
        return _scalar_if_0d(_round(gw * d, dt))


def softplus(x):
    """log(1 + e^x) = max(x, 0) + log1p(e^-|x|), wide, rounded once:
    +inf -> +inf, -inf -> +0.0, x for large x, e^x (subnormals too) for very negative x."""
    with np.errstate(all="ignore"):
        (x,), dt, wd = _args(x)
        return _scalar_if_0d(_round(_softplus_wide(x.astype(wd)), dt))


def log_sigmoid(x):
    """-softplus(-x): log_sigmoid(-1000) = -1000, (+inf) = -0.0, (-inf) = -inf."""
    with np.errstate(all="ignore"):
        (x,), dt, wd = _args(x)
        return _scalar_if_0d(_round(-_softplus_wide(-x.astype(wd)), dt))


def _phi_upper(w):
    """Phi(w) = erfc(-w / sqrt2) / 2 elementwise in w's (wide) dtype, as Python
    floats (math.erfc) for float64 and mpmath at 100 bits for np.longdouble.
    The argument is carried exactly (v = -w / sqrt2 as vh + vl, vh exact for a
    float32 w): erfc(vh + vl) = erfc(vh) - (2 / sqrt(pi)) e^(-vh^2) (vl - vh vl^2),
    so rounding v does not cost v^2 ulp."""
    if w.dtype == np.float64:
        c1 = 0.70710678118654757           # 1/sqrt2 = c1 - 4.833646656726457e-17
        c1h = 0.7071067690849304           # c1's top 26 bits: w * c1h is exact for float32 w
        c1l = c1 - c1h

        def f(x):
            if math.isnan(x):
                return x
            vh, vl = -x * c1h, -x * (c1l - 4.833646656726457e-17)
            return (math.erfc(vh) - 1.1283791670955126 * math.exp(-vh * vh) * (vl - vh * vl * vl)) / 2
        return np.frompyfunc(f, 1, 1)(w).astype(np.float64)
    return _mp_map(lambda v, mpmath: mpmath.erfc(-v / mpmath.sqrt(2)) / 2, w)


def _mp_map(f, w, prec=100):
    """f(mpf(x), mpmath) at `prec` bits for each (float64-valued) element of w,
    as np.longdouble (NaN -> NaN)."""
    import mpmath

    def one(x):
        if x != x:
            return np.longdouble(np.nan)
        with mpmath.workprec(prec):
            return np.longdouble(mpmath.nstr(f(mpmath.mpf(float(x)), mpmath), 30))
    # once per distinct value (inputs often repeat; mpmath has no -0.0 anyway)
    distinct, inverse = np.unique(np.asarray(w).ravel(), return_inverse=True)
    values = np.array([one(x) for x in distinct], np.longdouble)
    return values[inverse.reshape(-1)].reshape(np.shape(w))


def gelu(x):
    """x * Phi(x), Phi(x) = erfc(-x / sqrt2) / 2, wide, rounded once (the wide
    value within a few wide ulp: float32 through float64 and math.erfc, float64
    through mpmath); gelu(-inf) = -0.0, gelu(+inf) = +inf, gelu(-0) = -0."""
    with np.errstate(all="ignore"):
        (x,), dt, wd = _args(x)
        w = x.astype(wd)
        big = np.abs(w) > 50                              # Phi is 0 or 1 there (and inf * 0)
        p = _phi_upper(np.where(big, 0, w))
        s = np.where(big, np.where(w > 0, w, -0.0), w * p)
        # tiny x: x/2 + x^2/sqrt(2 pi) is x/2 in the wide type, a midpoint where
        # x/2 is subnormal in dt; the x^2 term decides (toward +inf)
        tiny = (w != 0) & (np.abs(w) < 2.0**-60)
        nudge = wd.type(2.0**-60 if wd.itemsize > 8 else 2.0**-40)   # < dt's half ulp
        s = np.where(tiny, w / 2 + np.abs(w / 2) * nudge, s)
        return _scalar_if_0d(_round(s, dt))


def gelu_backward(g, x):
    """g * (Phi(x) + x * phi(x)), phi(x) = e^(-x^2/2) / sqrt(2 pi); wide, rounded
    once (16-bit types: the float32 op, rounded).  At x = +-inf the limits
    g * 1 and g * (-0.0).  Near x = -0.7518 (gelu's minimum) the sum cancels:
    mpmath there."""
    with np.errstate(all="ignore"):
        (g, x), dt, wd = _args(g, x)
        if dt.itemsize == 2:
            return _scalar_if_0d(_via_f32(gelu_backward, (g, x), dt))
        gw, w = g.astype(wd), x.astype(wd)
        big = np.abs(w) > 50
        wc = np.where(big, 0, w)
        two_pi = wd.type("6.28318530717958647692528676655900577")   # np.pi is a float64
        d = _phi_upper(wc) + wc * np.exp(-(wc * wc) / 2) / np.sqrt(two_pi)
        # next to the root -0.75179 the sum cancels: there, mpmath
        root = np.flatnonzero(np.abs(wc + 0.7517915246935645) < 0.05)
        if root.size:
            d.flat[root] = _mp_map(lambda v, mp: mp.erfc(-v / mp.sqrt(2)) / 2 + v * mp.npdf(v),
                                   wc.flat[root], prec=250).astype(wd)   # ~110 bits cancel
        d = np.where((d == 0) & (w < 0), -0.0, d)          # underflowed: the sign of x phi
        d = np.where(big, np.where(w > 0, 1, -0.0), d).astype(wd)
        return _scalar_if_0d(_round(gw * d, dt))


def _bias(act):
    def twin(x, b):
        with np.errstate(all="ignore"):
            (x, b), dt, _ = _args(x, b)
            return act((x + b).astype(dt))             # x + b rounded to dt first
    twin.__name__ = f"bias_{act.__name__}"
    twin.__doc__ = f"{act.__name__}(x + b), x + b rounded to the dtype first."
    return twin


bias_relu = _bias(relu)
bias_sigmoid = _bias(sigmoid)
bias_silu = _bias(silu)

SLOW.update({
    "leaky_relu": leaky_relu,
    "leaky_relu_backward": leaky_relu_backward,
    "silu": silu,
    "silu_backward": silu_backward,
    "softplus": softplus,
    "log_sigmoid": log_sigmoid,
    "bias_relu": bias_relu,
    "bias_sigmoid": bias_sigmoid,
    "bias_silu": bias_silu,
    "gelu": gelu,
    "gelu_backward": gelu_backward,
})



def unit_counts(activation, y, eps):
    """Per-unit (last axis) counts of what the fused kernels count in an
    activation's output y: relu outputs == 0, sigmoid outputs with
    y * (1 - y) < eps computed in y's dtype; silu counts nothing."""
    y = np.asarray(y)
    units = y.shape[-1] if y.ndim else 1
    if y.size == 0:
        return np.zeros(units, np.int64)
    y = y.reshape(-1, units)
    if activation == "relu":
        hit = y == 0
    elif activation == "sigmoid":
        with np.errstate(all="ignore"):
            hit = y * (1 - y) < y.dtype.type(eps)
    else:
        hit = np.zeros(y.shape, bool)
    return hit.sum(axis=0, dtype=np.int64)

# ---------------------------------------------------------------------------
# correctly rounded references via mpmath

def _mp_formula(op):
    import mpmath

    def softplus(x):                        # max(x, 0) + log1p(e^-|x|): no cancellation
        return max(x, 0) + mpmath.log1p(mpmath.exp(-abs(x)))
    def phi_cdf(x):                         # Phi(x); mpmath's erfc overflows past ~1e18
        if abs(x) > 1e6:                    # Phi = 1, or a positive value below every
            return mpmath.mpf(1) if x > 0 else mpmath.mpf(2) ** -1000000   # format (x Phi: -0)
        return mpmath.erfc(-x / mpmath.sqrt(2)) / 2
    def silu_backward(x):                   # at grad = 1: s (1 + x (1 - s))
        # 1 + x sigmoid(-x) cancels next to silu's minimum x0 = -1.27846: a
        # double x lies >= 2^-54 from it, so 2^-60 of the terms is left at worst
        with mpmath.extraprec(128):
            v = (1 + x / (1 + mpmath.exp(x))) / (1 + mpmath.exp(-x))
        return +v
    return {"sigmoid": lambda x: 1 / (1 + mpmath.exp(-x)),
            "silu": lambda x: x / (1 + mpmath.exp(-x)),
            "softplus": softplus,
            "log_sigmoid": lambda x: -softplus(-x),
            "gelu": lambda x: x * phi_cdf(x),
            # gelu_backward at grad = 1: Phi(x) + x phi(x)
            "gelu_backward": lambda x: phi_cdf(x) + x * mpmath.npdf(x),
            "silu_backward": silu_backward}[op]


# value at +inf, at -inf; the result at +-0 when it is the signed zero itself
_MP_LIMITS = {"sigmoid": (1.0, 0.0), "silu": (math.inf, -0.0),
              "softplus": (math.inf, 0.0), "log_sigmoid": (-0.0, -math.inf),
              "gelu": (math.inf, -0.0), "gelu_backward": (1.0, -0.0),
              "silu_backward": (1.0, -0.0)}
#: the ops rounded_mpmath knows (the binary ones at grad = 1)
MPMATH_OPS = tuple(_MP_LIMITS)
# op(x) = x/2 + c x^2 + ..., c > 0, near 0 (so op(+-0) = +-0)
_HALF_AT_ZERO = ("silu", "gelu")


def _rounded(f, x, nmant, emin, emax, prec):
    """Correctly rounded f(x) (x a finite nonzero Python float, f an mpmath
    formula with relative error below 16 * 2**-prec) in a binary format with
    `nmant` stored mantissa bits, minimum normal exponent `emin` (subnormals
    included) and values below 2**emax.  Returns (sign, q, e): the result is
    (-1)**sign * q * 2**e exactly, or q = None for infinity.

    Ziv's loop: evaluate at `prec` bits; if the value is too close to a
    rounding midpoint for the evaluation error to be ruled out, double `prec`."""
    import mpmath

    while True:
        with mpmath.workprec(prec):
            v = f(mpmath.mpf(x))
        sign, man, exp, bc = v._mpf_       # |v| = man * 2**exp, man has bc bits
        if not man:                        # an exact zero (not expected, but sound)
            return sign, 0, 0
        if exp + bc <= emin - nmant - 2:          # |v| < 2**(emin-nmant-2): a quarter of
            return sign, 0, 0                     # the smallest subnormal, rounds to 0
        ue = max(exp + bc - 1, emin) - nmant      # exponent of the target ulp at v
        sh = ue - exp
        if sh <= 0:                               # v itself is representable and
            q = man << -sh                        # midpoints are >= 2**-(nmant+2) away
        else:
            q, r = man >> sh, man & ((1 << sh) - 1)
            half = 1 << (sh - 1)
            if (abs(r - half) << prec) <= (man << 4):  # |v - midpoint| <= 16 * 2**-prec * v
                prec *= 2
                if prec > 1 << 16:
                    raise ArithmeticError(f"{f}({x!r}) too close to a midpoint")
                continue
            if r > half or (r == half and q & 1):
                q += 1
        if ue + q.bit_length() > emax:            # rounded to >= 2**emax: overflow
            return sign, None, 0
        return sign, q, ue


def _format(dtype):
    """(numpy dtype, nmant, minexp, maxexp) of a float dtype, bfloat16 included."""
    dt = np.dtype(dtype)
    if dt.name == "bfloat16":
        import ml_dtypes
        fi = ml_dtypes.finfo(dt)
    else:
        fi = np.finfo(dt)
    return dt, int(fi.nmant), int(fi.minexp), int(fi.maxexp)


def rounded_mpmath(op, x, dtype=np.float64, dps=40):
    """Correctly rounded `op` (sigmoid, silu, softplus, log_sigmoid or gelu) of each
    value of `x` (read as float64; values of `dtype` or a narrower type: a
    softplus(x) = x + tiny with x not in `dtype` sits on a midpoint and
    would never resolve), in `dtype` (float16, ml_dtypes.bfloat16,
    float32, float64 or np.longdouble), via mpmath at `dps` decimal digits
    (raised automatically where a midpoint is close).

    Negative results, subnormal results and overflow to inf included; NaN ->
    NaN; the infinities give the limits (silu(-inf) = -0.0, log_sigmoid(+inf)
    = -0.0, ...); silu(+-0) = +-0.  Slow (~20-100 us per element): for
    samples, not for whole chunks."""
    import mpmath
    f = _mp_formula(op)
    x = np.asarray(x, dtype=np.float64)
    dt, nmant, emin, emax = _format(dtype)
    prec = max(int(dps * 3.33) + 1, nmant + 40)
    out = np.empty(x.shape, dtype=np.longdouble if nmant > 52 else np.float64)
    for i, xi in np.ndenumerate(x):
        xi = float(xi)
        if math.isnan(xi):
            out[i] = np.nan
        elif math.isinf(xi):
            out[i] = _MP_LIMITS[op][xi < 0]
        elif xi == 0 and op in _HALF_AT_ZERO:
            out[i] = xi
        else:
            fi = f
            if op in _HALF_AT_ZERO and abs(xi) < 2.0**-80:
                # x/2 + c x^2 with c x^2 < 2^-80 |x/2|, below every format's half
                # ulp: it rounds as x/2 plus any smaller positive amount, and
                # Ziv's loop would need ~2^-|log2 x| bits where x/2 is a midpoint
                fi = lambda v: v / 2 + abs(v) * mpmath.mpf(2) ** -200   # noqa: E731
            sign, q, e = _rounded(fi, xi, nmant, emin, emax, prec)
            if q is None:
                v = math.inf
            elif nmant <= 52:                  # q * 2**e is exactly a float64
                v = math.ldexp(q, e)
            else:                              # longdouble: q has up to 64 bits
                hi, lo = q >> 32, q & 0xFFFFFFFF
                v = np.ldexp(np.longdouble(hi) * 2**32 + np.longdouble(lo), e)
            out[i] = -v if sign else v
    return out.astype(dt)                      # exact: the values are dt's


# ---------------------------------------------------------------------------
# vectorized float64 values for float32 and narrower inputs (tools/accuracy.py)

def _sigmoid64(w):
    z = np.exp(-np.abs(w))                     # exp(-|x|) in [0, 1]
    return np.where(w >= 0, 1.0, z) / (z + 1)  # NaN stays NaN


def _gelu_phi64(w):
    """(w Phi(w), Phi(w)) with scipy's erfc, the argument -w/sqrt2 = vh + vl carried
    exactly (vh = w * C1, C1 = 1/sqrt2 to 26 bits, so the product is exact for
    a 24-bit w; vl = w * (the rest)): erfc(vh + vl) = erfc(vh) - 2/sqrt(pi)
    e^(-vh^2) (vl - vh vl^2) (Taylor to the second order: vl ~ 2^-27 |w|, the
    third ~2^-60 relative at |w| = 20).  For vh >= 1, erfc(vh) = erfcx(vh)
    e^(-vh^2) with vh^2 = h + l exactly (Dekker): scipy's erfc rounds vh^2
    inside (~vh^2 2^-53 relative: 2^-46 at vh = 12)."""
    from scipy.special import erfc, erfcx
    c1h = 0.7071067690849304                     # 1/sqrt2 to 26 bits
    c1l = 0.70710678118654757 - c1h - 4.833646656726457e-17
    vh, vl = -w * c1h, -w * c1l
    big = np.abs(w) > 50                         # Phi is 0 or 1 (and inf * 0)
    h = vh * vh
    c = 134217729.0 * vh
    a1 = c - (c - vh)
    a2 = vh - a1
    l = ((a1 * a1 - h) + 2 * a1 * a2) + a2 * a2
    e = np.exp(-h)
    tail = erfcx(np.where(vh >= 1, vh, 1)) * e * (1 - l)
    ec = np.where(vh >= 1, tail, erfc(vh))
    phi = (ec - 1.1283791670955126 * e * (1 - l) * (vl - vh * vl * vl)) / 2
    return np.where(big, np.where(w > 0, w, -0.0), w * phi), phi


def _gelu64(w):
    return _gelu_phi64(w)[0]


# gelu_backward's zero (Phi(x) + x phi(x) = 0), nearest double
_GELU_BWD_X0 = -0.7517915246935645


def _dgelu64(w):
    """gelu'(w) = Phi(w) + w phi(w) (gelu_backward at grad = 1) for float32 w:
    Phi as _gelu64 has it (~2^-52), phi(w) = e^(-w^2/2) / sqrt(2 pi) (w^2
    exact); the sum cancels next to its zero x0 = -0.75179: within 2^-10 of
    it (~16000 float32 values) mpmath, rounded to long double (outside,
    ~2^-43 relative: 2^-19 float32 ulp)."""
    with np.errstate(all="ignore"):
        _, big_phi = _gelu_phi64(w)
        d = big_phi + w * (np.exp(-0.5 * (w * w)) * 0.3989422804014327)
        d = np.where(np.abs(w) > 50, np.where(w > 0, 1.0, -0.0), d)
        near = np.flatnonzero(np.abs(w - _GELU_BWD_X0) < 2.0**-10)
        if near.size:
            d[near] = rounded_mpmath("gelu_backward", w[near], np.longdouble)
        return d


def _dsilu64(w):
    """silu'(w) (silu_backward at grad = 1) for float32 w: _dsilu_wide in long
    double (~2^-58 relative next to silu's minimum, ~2^-62 elsewhere)."""
    with np.errstate(all="ignore"):
        return _dsilu_wide(w.astype(np.longdouble)).astype(np.float64)


_FLOAT64 = {
    "sigmoid": _sigmoid64,
    "silu": lambda w: np.where(np.isinf(w), np.where(w > 0, w, -0.0), w * _sigmoid64(w)),
    "softplus": lambda w: np.logaddexp(0.0, w),        # max(w, 0) + log1p(exp(-|w|))
    "log_sigmoid": lambda w: -np.logaddexp(0.0, -w),
    "gelu": _gelu64,                                    # needs scipy
    "silu_backward": _dsilu64,                          # at grad = 1
    "gelu_backward": _dgelu64,                          # at grad = 1, needs scipy
}


def float64_value(op, x):
    """Unary `op` (a backward op: at grad = 1) of float32 (or narrower) x in
    float64, not rounded to x's dtype, vectorized (error ~1e-16 relative, ~2^-29 float32 ulp); an op
    without a lean form here: its twin run on float64 (rounded to float64)."""
    with np.errstate(all="ignore"):            # float16 signalling NaNs 'invalid' here
        w = np.asarray(x).astype(np.float64)
        if op in _FLOAT64:
            return _FLOAT64[op](w)
        return np.asarray(SLOW[op](w), np.float64)


def sigmoid_mpmath(x, dps=40, dtype=np.float64):
    """Correctly rounded sigmoid: rounded_mpmath("sigmoid", x, dtype, dps)."""
    return rounded_mpmath("sigmoid", x, dtype, dps)
