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
"""

import math

import numpy as np

__all__ = ["relu", "relu_backward", "sigmoid", "sigmoid_backward",
           "sigmoid_mpmath", "SLOW"]


def _scalar_if_0d(a):
    return a[()] if a.ndim == 0 else a


def relu(x):
    """``x > 0 ? x : +0.0``; NaN stays NaN, -0.0 -> +0.0, +inf stays +inf.

    Integers too (unsigned: identity)."""
    x = np.asarray(x)
    keep = (x > 0) | (x != x)          # x != x: NaN (never true for integers)
    return _scalar_if_0d(np.where(keep, x, x.dtype.type(0)))


def relu_backward(g, y):
    """``g`` where ``y > 0``; +0.0 where ``y <= 0`` (whatever g is); NaN where y is NaN."""
    g, y = np.asarray(g), np.asarray(y)
    dt = np.result_type(g, y, np.float16)   # ints promote like the float-only ufunc
    out = np.where(y > 0, g, 0).astype(dt)
    if dt.kind == "f":
        out = np.where(y != y, dt.type(np.nan), out)
    return _scalar_if_0d(out)


def sigmoid(x):
    """``1 / (1 + exp(-x))`` computed wide and rounded once to the output dtype.

    Integer input promotes like ``np.exp`` (int8 -> float16, int16 -> float32,
    wider -> float64).  No floating-point warnings for any input."""
    x = np.asarray(x)
    dt = np.result_type(x.dtype, np.float16)
    wide = np.longdouble if dt.itemsize >= 8 else np.float64
    with np.errstate(all="ignore"):    # exp(-|x|) and the cast may underflow: harmless
        w = x.astype(wide)             # (and float16 signalling NaNs may 'invalid')
        z = np.exp(-np.abs(w))         # in [0, 1]: never overflows
        s = np.where(w >= 0, 1 / (1 + z), z / (1 + z))    # NaN -> NaN
        return _scalar_if_0d(s.astype(dt))


def sigmoid_backward(g, y):
    """``g * y * (1 - y)`` left to right in the input dtype (float16: in float32,
    rounded once).  Overflow gives inf silently, as the kernels do."""
    g, y = np.asarray(g), np.asarray(y)
    dt = np.result_type(g, y, np.float16)
    ct = np.float32 if dt == np.float16 else dt
    g, y = g.astype(ct), y.astype(ct)
    with np.errstate(all="ignore"):
        return _scalar_if_0d((g * y * (1 - y)).astype(dt))


SLOW = {
    "relu": relu,
    "relu_backward": relu_backward,
    "sigmoid": sigmoid,
    "sigmoid_backward": sigmoid_backward,
}


# ---------------------------------------------------------------------------
# correctly rounded sigmoid via mpmath

def _sigmoid_rounded(x, nmant, emin, prec):
    """Correctly rounded sigmoid(x) (x a finite Python float) in a binary format
    with `nmant` stored mantissa bits and minimum normal exponent `emin`
    (subnormals included).  Returns (q, e) with the result = q * 2**e exactly.

    Ziv's loop: evaluate at `prec` bits; if the value is too close to a
    rounding midpoint for the evaluation error to be ruled out, double `prec`."""
    import mpmath

    while True:
        with mpmath.workprec(prec):
            v = 1 / (1 + mpmath.exp(-mpmath.mpf(x)))
        _, man, exp, bc = v._mpf_          # v = man * 2**exp, man has bc bits
        # relative error of v is a few units of 2**-prec: below 8 * 2**-prec
        if exp + bc <= emin - nmant - 2:          # v < 2**(emin-nmant-2): a quarter of
            return 0, 0                           # the smallest subnormal, rounds to 0
        ue = max(exp + bc - 1, emin) - nmant      # exponent of the target ulp at v
        sh = ue - exp
        if sh <= 0:                               # v itself is representable and
            return man << -sh, ue                 # midpoints are >= 2**-(nmant+2) away
        q, r = man >> sh, man & ((1 << sh) - 1)
        half = 1 << (sh - 1)
        if (abs(r - half) << prec) > (man << 3):  # |v - midpoint| > 8 * 2**-prec * v
            if r > half or (r == half and q & 1):
                q += 1
            return q, ue
        prec *= 2
        if prec > 1 << 16:
            raise ArithmeticError(f"sigmoid({x!r}) too close to a midpoint")


def sigmoid_mpmath(x, dps=40, dtype=np.float64):
    """Correctly rounded sigmoid of each value of `x` (read as float64), in
    `dtype` (float16, float32, float64 or np.longdouble), via mpmath at `dps`
    decimal digits (raised automatically where a midpoint is close).

    Subnormal results included; sigmoid(+inf) = 1, sigmoid(-inf) = 0, NaN -> NaN.
    Slow (~20-50 us per element): for samples, not for whole chunks."""
    x = np.asarray(x, dtype=np.float64)
    fi = np.finfo(dtype)
    prec = max(int(dps * 3.33) + 1, fi.nmant + 40)
    out = np.empty(x.shape, dtype=dtype)
    for i, xi in np.ndenumerate(x):
        xi = float(xi)
        if math.isnan(xi):
            out[i] = np.nan
        elif math.isinf(xi):
            out[i] = 1.0 if xi > 0 else 0.0
        else:
            q, e = _sigmoid_rounded(xi, fi.nmant, fi.minexp, prec)
            if fi.nmant <= 52:             # q * 2**e is exactly a float64
                out[i] = math.ldexp(q, e)
            else:                          # longdouble: q has up to 64 bits
                hi, lo = q >> 32, q & 0xFFFFFFFF
                out[i] = np.ldexp(np.longdouble(hi) * 2**32 + np.longdouble(lo), e)
    return out
