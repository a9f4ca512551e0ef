"""The constants of kernels/scalar.h (and exp_family.h), for the numba twins, each written once
here and named after where scalar.h has it.

SCALAR_H maps each place in scalar.h to the values the twins use for it;
tests/test_numba.py parses scalar.h and fails when a value differs (or a
place is gone).  A place is one of:
- ``FR_NAME``: a ``#define FR_NAME <number or arithmetic of numbers>``;
- ``fr_name``: a ``static const double fr_name[] = {...}`` (the tuple; a 2-D
  ``fr_name[m][n]``: its rows one after the other), or an
  ``FR_INLINE`` function (the set of the numeric literals in its body, signed,
  0, +-1, 2 and 1/2 left out);
- ``FR_MACRO(``: a ``#define FR_MACRO(...)`` body, literals as for a function;
- ``FR_MACRO(first``: the numeric arguments of the invocation
  ``FR_MACRO(first, ...)``;
- ``FR_FN(fr_name)``: a function of the exp_family.h template (scalar.h
  includes it once per type), literals as for a function.
A table too long to copy is instead read from scalar.h (``header_table``):
written once, in C.  The constants of one op's own twin may live beside it
(its module's SCALAR_H, checked the same way).
Plain data (numpy scalars): importing this module does not import numba.
"""
import re
from pathlib import Path
from typing import NamedTuple

import numpy as np


def _exact(T, value):
    """A constant of type T that must be exact (scalar.h's hex literals)."""
    v = float.fromhex(value) if isinstance(value, str) else float(value)
    c = T(v)
    assert float(c) == v, (T, value)
    return c


_HEX = r"-?0x[0-9a-f]\.?[0-9a-f]*p[+-]\d+"


def _scalar_h():
    text = (Path(__file__).resolve().parents[1] / "kernels" / "scalar.h").read_text()
    return re.sub(r"/\*.*?\*/", " ", text, flags=re.S)


def _hex_items(name, body):
    items = [v.strip() for v in re.sub(r"[{}]", " ", body).split(",") if v.strip()]
    for v in items:
        if not re.fullmatch(_HEX + r"|0\.0", v):
            raise ValueError(f"{name}: {v!r} is not a hex literal")
    return [float.fromhex(v) for v in items]


def header_table(name):
    """scalar.h's ``static const double name[m][n] = {...}`` (hex literals) as a
    read-only (m, n) float64 array."""
    m = re.search(rf"static const double {name}\[(\d+)\]\[(\d+)\]\s*=\s*{{(.*?)}};", _scalar_h(),
                  re.S)
    if m is None:
        raise LookupError(f"scalar.h has no table {name}")
    t = np.array(_hex_items(name, m.group(3)), np.float64)
    t = t.reshape(int(m.group(1)), int(m.group(2)))
    t.flags.writeable = False
    return t


def header_zero_series(prefix, name):
    """scalar.h's constants of one fr_zero_series: ``#define FR_<prefix>_X0_HI``
    ... ``_A2_LO``, ``_NEAR`` and ``static const double fr_<name>_x0_taylor[]``."""
    text = _scalar_h()

    def define(k):
        m = re.search(rf"#define FR_{prefix}_{k} ({_HEX})\b", text)
        if m is None:
            raise LookupError(f"scalar.h has no FR_{prefix}_{k}")
        return float.fromhex(m.group(1))
    m = re.search(rf"static const double fr_{name}_x0_taylor\[\d+\]\s*=\s*{{(.*?)}};", text, re.S)
    if m is None:
        raise LookupError(f"scalar.h has no fr_{name}_x0_taylor")
    return ZeroSeries(tuple(define(k) for k in ("X0_HI", "X0_MID", "X0_LO")),
                      tuple(define(k) for k in ("A1_HI", "A1_LO")),
                      tuple(define(k) for k in ("A2_HI", "A2_LO")),
                      tuple(_hex_items(name, m.group(1))), define("NEAR"))


_f32 = lambda v: _exact(np.float32, v)     # noqa: E731
_f64 = lambda v: _exact(np.float64, v)     # noqa: E731

# ---- range reduction: nm = z log2e + MAGIC, t = z - n (LN2_HI + LN2_LO) -------
LOG2E_F32 = _f32("0x1.715476p+0")
MAGIC_F32 = _f32(1.5 * 2.0**23 + 191.0)
DOWN_F32 = _f32("0x1p-64")                 # 2^-K undoes the K of fr_scale's 2^(n + K)
LN2_HI_F32 = _f32("0x1.62e400p-1")
LN2_LO_F32 = _f32("0x1.7f7d1cp-20")
LOG2E_F64 = _f64("0x1.71547652b82fep+0")
MAGIC_F64 = _f64(1.5 * 2.0**52 + 1623.0)
DOWN_F64 = _f64("0x1p-600")
LN2_HI_F64 = _f64("0x1.62e42fee00000p-1")
LN2_LO_F64 = _f64("0x1.a39ef35793c76p-33")

# 1/k!, k = 0..14, correctly rounded
INV_FACT_F64 = tuple(float.fromhex(h) for h in (
    "0x1p+0", "0x1p+0", "0x1p-1", "0x1.5555555555555p-3", "0x1.5555555555555p-5",
    "0x1.1111111111111p-7", "0x1.6c16c16c16c17p-10", "0x1.a01a01a01a01ap-13",
    "0x1.a01a01a01a01ap-16", "0x1.71de3a556c734p-19", "0x1.27e4fb7789f5cp-22",
    "0x1.ae64567f544e4p-26", "0x1.1eed8eff8d898p-29", "0x1.6124613a86d09p-33",
    "0x1.93974a8c07c9dp-37"))
EXPM1_TAIL_DEGREE_F64 = 13                 # h(t) = (e^t - 1 - t) / t^2 to t^13 (fast float64)
EXP_DD_TAIL = (3, 14)                      # fr_exp_dd_f64's Taylor tail
# fr_expm1_tail_f32: h(t) to t^7, its own float32 coefficients (highest first)
EXPM1_TAIL_F32 = tuple(_f32(h) for h in (
    "0x1.a01a02p-13", "0x1.6c16c2p-10", "0x1.111112p-7", "0x1.555556p-5", "0x1.555556p-3",
    "0x1p-1"))

# ---- the fast sigmoid family (exp_family.h, per variant) ----------------------
ZMIN_F32, ZMIN_SILU_F32 = _f32(-105.0), _f32(-115.0)   # sigmoid(ZMIN), ZMIN_SILU e^.. round to 0
ZMIN_F64, ZMIN_SILU_F64 = _f64(-750.0), _f64(-760.0)
SOFTPLUS_ZMIN_F32, SOFTPLUS_ZMIN_F64 = ZMIN_F32, ZMIN_F64     # softplus clamps as sigmoid
RATIO_HALF, RATIO_C = -0.5, 0.9571         # fr_ratio: 1/(1 + e) ~ 0.9571 - e/2
SPLIT_F32, SPLIT_F64 = _f32(4097.0), _f64(134217729.0)  # Veltkamp: 2^12 + 1, 2^27 + 1

# ---- log1p_small (exp_family.h): 2 / (2k + 1), k = 1..12 ------------------------
ATANH_COEF_F64 = tuple(float.fromhex(h) for h in (
    "0x1.5555555555555p-1", "0x1.999999999999ap-2", "0x1.2492492492492p-2",
    "0x1.c71c71c71c71cp-3", "0x1.745d1745d1746p-3", "0x1.3b13b13b13b14p-3",
    "0x1.1111111111111p-3", "0x1.e1e1e1e1e1e1ep-4", "0x1.af286bca1af28p-4",
    "0x1.8618618618618p-4", "0x1.642c8590b2164p-4", "0x1.47ae147ae147bp-4"))
LOG1P_TERMS_F32, LOG1P_TERMS_F64 = 6, 12

# ---- exact float32 sigmoid: base-2 reduction, 2^u as a Pade [4/4] -------------
MAGIC2_F64 = _f64(1.5 * 2.0**52 + 1023.0)
ZMIN_EXACT_F32 = _f32(-105.0)
PADE4, PADE2, PADE3, PADE1 = (float.fromhex(h) for h in (
    "0x1.20270db2dfe99p-13", "0x1.a5b352426f27ap-5", "0x1.03d299f705bdbp-8",
    "0x1.62e42fefa39efp-2"))

# ---- exact float64 (double-double), silu, softplus ---------------------------
ZMIN_DD_SIGMOID, ZMIN_DD_SILU = -750.0, -760.0
DSILU_BIG = 760.0                          # FR_DSILU: silu' is 1 / -0 beyond +-760
class ZeroSeries(NamedTuple):
    """scalar.h's fr_zero_series: an op's derivative next to its zero x0,
    f(x0 + t) = t (A1 + t (A2 + t Q(t))) where |t| < near (tools/zero_series.py);
    read from scalar.h (header_zero_series): written once, in C."""
    x0: tuple                    # three doubles
    a1: tuple                    # f'(x0) as a pair
    a2: tuple                    # f''(x0) / 2 as a pair
    taylor: tuple                # Q's coefficients, t^3 on
    near: float


# silu' at silu's minimum (fr_dsilu_series) and gelu' at gelu's (fr_dgelu_series)
DSILU = header_zero_series("DSILU", "dsilu")
DGELU = header_zero_series("DGELU", "dgelu")
DSILU_DD_ZMIN = -760.0
DSILU_TINY = 2.0**-1022                   # below, silu' is the double it rounds to
# fr_mul_pair_f64: from BIG_G Dekker's split of g overflows, below TINY g h's error
# terms lose bits: there g is scaled (DOWN, UP), the result back; past HUGE
# (g = inf) the error term is NaN
MUL_PAIR_BIG_G, MUL_PAIR_TINY, MUL_PAIR_HUGE = 2.0**995, 2.0**-969, 2.0**1000
MUL_PAIR_UP_G = 2.0**900                   # from there g h < TINY is g 0: g UP could overflow
MUL_PAIR_DOWN, MUL_PAIR_UP = 2.0**-64, 2.0**64
SILU_BWD_F32_ZMIN = -700.0                 # fr_silu_bwd_f32: float64 exp, Taylor to t^10
SILU_BWD_F32_DEGREE = 10
SILU_BWD_F32_EPS = 2.0**-40, 2.0**-49        # its error bound for exact mode's rounding test
SILU_BWD_F32_SLOW_MAX = 760.0              # fr_silu_bwd_exact_f32_try: the double-double path to here
FLT_MAX = float.fromhex("0x1.fffffep+127")
F32_OVERFLOW_MID = float.fromhex("0x1.ffffffp+127")   # FLT_MAX and 2^128's midpoint
DBL_MAX = float.fromhex("0x1.fffffffffffffp+1023")
TINY_SILU_F32 = _f32(2.0**-60)             # fr_half_tie_f64 (the narrow loops)
CR_EPS_SIGMOID = 2.0**-36                  # exact float32's rounding test: the guess's bound
CR_EPS = 2.0**-46                          # (2^-37.5 for sigmoid, 2^-50 for the others) + margin
SOFTPLUS_ZMIN_DD = -750.0
TINY_E = 2.0**-20                          # fr_softplus_exact_f64: the series below
THIRD = float.fromhex("0x1.5555555555555p-2")
HUGE_A = 2.0**60

SCALAR_H = {
    "FR_LOG2E_F32": LOG2E_F32, "FR_MAGIC_F32": MAGIC_F32, "FR_DOWN_F32": DOWN_F32,
    "FR_LN2_HI_F32": LN2_HI_F32, "FR_LN2_LO_F32": LN2_LO_F32,
    "FR_LOG2E_F64": LOG2E_F64, "FR_MAGIC_F64": MAGIC_F64, "FR_DOWN_F64": DOWN_F64,
    "FR_LN2_HI_F64": LN2_HI_F64, "FR_LN2_LO_F64": LN2_LO_F64,
    "FR_MAGIC2_F64": MAGIC2_F64,
    "fr_inv_fact_f64": INV_FACT_F64,
    "fr_atanh_coef_f64": ATANH_COEF_F64,
    "FR_ZMIN_F32": ZMIN_F32, "FR_ZMIN_SILU_F32": ZMIN_SILU_F32,
    "FR_ZMIN_F64": ZMIN_F64, "FR_ZMIN_SILU_F64": ZMIN_SILU_F64,
    "FR_SPLIT_F32": SPLIT_F32, "FR_SPLIT_F64": SPLIT_F64,
    "FR_LOG1P_TERMS_F32": LOG1P_TERMS_F32, "FR_LOG1P_TERMS_F64": LOG1P_TERMS_F64,
    "FR_FN(fr_ratio)": {RATIO_HALF, RATIO_C},
    "FR_DSILU(": {DSILU_BIG, -DSILU_BIG},
    "fr_expm1_tail_f32": set(EXPM1_TAIL_F32),
    "fr_expm1_tail_f64": {EXPM1_TAIL_DEGREE_F64},
    "fr_expm1_tail_f64x": {EXPM1_TAIL_DEGREE_F64},
    "fr_sigmoid_exact_guess_f32": {ZMIN_EXACT_F32, PADE4, PADE2, PADE3, PADE1},
    "fr_sigmoid_exact_try_f32": {CR_EPS_SIGMOID},
    "fr_sigmoid_exact_slow_f32": {ZMIN_DD_SIGMOID},
    "fr_silu_exact_try_f32": {CR_EPS},
    "fr_silu_exact_slow_f32": {ZMIN_DD_SILU, -ZMIN_DD_SILU},
    "fr_softplus_exact_try_f32": {CR_EPS},
    "fr_log_sigmoid_exact_try_f32": {CR_EPS},
    "fr_exp_dd_f64": set(EXP_DD_TAIL),
    "fr_sigmoid_exact_f64": {ZMIN_DD_SIGMOID},
    "fr_silu_dd_f64": {ZMIN_DD_SILU},
    "fr_silu_exact_f64": {ZMIN_DD_SILU, -ZMIN_DD_SILU},
    "fr_half_tie_f64": {TINY_SILU_F32},
    "fr_silu_bwd_wide_f32": {SILU_BWD_F32_ZMIN, SILU_BWD_F32_DEGREE, *SILU_BWD_F32_EPS},
    "fr_silu_bwd_exact_f32_try": {SILU_BWD_F32_SLOW_MAX, FLT_MAX},
    "fr_round_mul_pair_f32": {DBL_MAX},
    "fr_round_dd_f32": {F32_OVERFLOW_MID, FLT_MAX, -FLT_MAX},
    "fr_dsilu_dd_f64": {DSILU_DD_ZMIN, DSILU_BIG, -DSILU_BIG, DSILU_TINY},
    "fr_mul_pair_f64": {MUL_PAIR_BIG_G, MUL_PAIR_TINY, MUL_PAIR_HUGE, MUL_PAIR_DOWN,
                        MUL_PAIR_UP, MUL_PAIR_UP_G},
    "fr_softplus_dd_f64": {SOFTPLUS_ZMIN_DD, TINY_E, THIRD, HUGE_A},
}
