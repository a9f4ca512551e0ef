"""ulp_error: how far results are from an exact reference, in units in the last
place of the result dtype; ulp_bound: how far they may be (the one table of
bounds); mp_rounded: the reference, computed once per process.  A helper for
the accuracy tests and tools/accuracy.py, not a test module.
"""
import functools

import numpy as np

from fastrelu import _ops, _slow

__all__ = ["ulp_error", "ulp_bound", "ULP_BOUNDS", "LONGDOUBLE_BOUND", "LONGDOUBLE_BOUNDS",
           "once_per_input", "mp_rounded"]

# Max ulp error of each rounded op's result against the exact value, per
# dtype and accuracy mode (DESIGN.md section 1; issue 8 for the newer ops).
# The table lives here, beside ulp_error, because the tests and
# tools/accuracy.py (which already imports this module) check against it; the
# package itself never needs it.  Ops missing from it are exact: their tests
# compare bits with the slow twins.
#   float16: computed in float32/float64 and rounded once, so correctly
#     rounded (<= 0.5); the backward ops are the float32 op rounded to
#     float16, two roundings: 0.5 + 2 float32 ulp < 0.51 float16 ulp.
#   float32 exact sigmoid, silu, softplus, log_sigmoid (and the bias ops) are
#     correctly rounded: 0.51 leaves room for the float64 reference's own
#     error (~1e-9 ulp), not for a wrong rounding.
#   sigmoid_backward: against g * y * (1 - y) evaluated in the input dtype.
_FAST_EXACT = {("float16", "fast"): 0.5, ("float16", "exact"): 0.5,
               ("float32", "fast"): 2.0, ("float32", "exact"): 1.0,
               ("float64", "fast"): 2.0, ("float64", "exact"): 1.0}
_CR_FLOAT32 = {**_FAST_EXACT, ("float32", "exact"): 0.51}
ULP_BOUNDS = {
    "sigmoid": _CR_FLOAT32,
    "bias_sigmoid": _CR_FLOAT32,
    "silu": _CR_FLOAT32,
    "softplus": _CR_FLOAT32,
    "log_sigmoid": _CR_FLOAT32,
    "bias_silu": _CR_FLOAT32,
    "silu_backward": {**_FAST_EXACT, ("float16", "fast"): 0.51, ("float16", "exact"): 0.51},
    "gelu": _FAST_EXACT,
    "gelu_backward": {**_FAST_EXACT, ("float16", "fast"): 0.51, ("float16", "exact"): 0.51},
    "sigmoid_backward": {**_FAST_EXACT, ("float16", "fast"): 1.0, ("float16", "exact"): 1.0,
                         ("float32", "fast"): 1.0, ("float64", "fast"): 1.0},
}
# An op of the table with accuracy modes that has no row above gets DESIGN.md's
# bounds: a forward op _FAST_EXACT, a backward op (its first argument grad) the
# float16 slack of a float32 result rounded again, as silu_backward.
for _op in _ops.OPS:
    if _op.accurate and _op.name not in ULP_BOUNDS:
        ULP_BOUNDS[_op.name] = ULP_BOUNDS["silu_backward"] if _op.args[0] == "grad" \
            else _FAST_EXACT
del _op


# np.longdouble where it is wider than float64 (x86-64 Linux: 80-bit extended):
# one kernel for both modes, every op within 2 ulp of mpmath (tests/test_longdouble.py;
# the README's long double table gives the measured maxima).
LONGDOUBLE_BOUND = 2.0
# gelu's long double goes through libm (erfcl, expl) and a continued fraction
# in plain long double: within 4 ulp (measured 3.9)
LONGDOUBLE_BOUNDS = {"gelu": 4.0, "gelu_backward": 4.0}


def ulp_bound(op, dtype, mode):
    """The most ulp op's dtype result may be from the exact value in `mode`."""
    dt = np.dtype(dtype)
    if dt == np.longdouble and dt.itemsize > 8:
        return LONGDOUBLE_BOUNDS.get(op, LONGDOUBLE_BOUND)
    return ULP_BOUNDS[op][dt.name, mode]


def ulp_error(got, ref_exact):
    """|got - ref| / ulp(ref), elementwise, as float64.

    `got` is a float16/32/64 array (the result dtype T); `ref_exact` the exact
    value in a wider type W (more mantissa bits and at least T's exponent
    range): float64 for float16/float32 results, np.longdouble (or, for
    float16, float32/float64) for float64 results.

    ulp(ref) is the spacing of T in the binade of the *exact* value,
    2**(max(floor(log2|ref|), emin_T) - nmant_T): so just below a power of two
    the smaller ulp counts even if ref rounds up to it, and below the smallest
    normal it is the subnormal spacing (2**-24, 2**-149, 2**-1074).
    Correctly rounded results score <= 0.5.

    Exact arithmetic: got is widened exactly, got - ref is exact in W whenever
    the two are within a factor of two of each other (Sterbenz; otherwise the
    error is huge anyway), and the division is an exact power-of-two ldexp.

    Specials: equal infinities or NaN against NaN -> 0; any other pairing
    involving an infinity or NaN -> inf.
    """
    got = np.asarray(got)
    ref = np.asarray(ref_exact)
    t = np.finfo(got.dtype)
    w = np.finfo(ref.dtype)
    if w.nmant <= t.nmant or w.minexp > t.minexp - t.nmant:
        raise TypeError(f"reference dtype {ref.dtype} is not wider than {got.dtype}")
    g = got.astype(ref.dtype)
    with np.errstate(all="ignore"):
        _, e = np.frexp(ref)                      # |ref| = m * 2**e, 0.5 <= m < 1
        e = np.where(ref == 0, t.minexp + 1, e)   # zero lies in the subnormal range
        ue = np.maximum(e - 1, t.minexp) - t.nmant
        err = np.ldexp(np.abs(g - ref), -ue).astype(np.float64)
        special = ~(np.isfinite(g) & np.isfinite(ref))
        if special.any():
            same = (g == ref) | (np.isnan(g) & np.isnan(ref))
            err = np.where(special, np.where(same, 0.0, np.inf), err)
    return err


def once_per_input(f):
    """f, computed once per distinct arguments (arrays by dtype, shape and
    bytes) in this process, the result read-only: the tests compare every
    kernel variant (ISA level, backend, mode) with the same slow reference,
    which costs mpmath's ~20-100 us per element each time."""
    memo = {}

    def key(a):
        return (a.dtype.str, a.shape, a.tobytes()) if isinstance(a, np.ndarray) else a

    @functools.wraps(f)
    def cached(*args):
        k = tuple(map(key, args))
        if k not in memo:
            r = np.asarray(f(*args))
            r.flags.writeable = False
            memo[k] = r
        return memo[k]
    return cached


#: _slow.rounded_mpmath(op, x, dtype), once per input
mp_rounded = once_per_input(_slow.rounded_mpmath)
