#!/usr/bin/env python
"""The constants of the float64 backward ops next to their zeros (scalar.h's
fr_zero_series_f64: silu' at silu's minimum, gelu' at gelu's), from mpmath:

    python tools/zero_series.py --op silu_backward            # the C constants (paste into scalar.h)
    python tools/zero_series.py --op gelu_backward --check    # and the truncation error at NEAR
    python tools/zero_series.py --op silu_backward --longdouble   # longdouble.h's table

silu'(x) = sigmoid(x) (1 + x sigmoid(-x)) is 0 at x0 = -1.27846..., gelu'(x) =
Phi(x) + x phi(x) at x0 = -0.75179...: there the kernels' formulas cancel.
Within NEAR of x0 the kernels evaluate f(x0 + t) = t (A1 + t (A2 + t Q(t))):
x0 in three doubles (hi, mid, lo), A1 = f'(x0) and A2 = f''(x0) / 2 in two
each, Q's coefficients f^(k)(x0) / k! (k = 3..DEG) as doubles.  silu''s series
converges within 3.39 of x0 (sigmoid's poles at +-i pi), gelu''s everywhere.
longdouble.h's window (silu' only) takes the same x0, A1 and A2 (pairs of
doubles hold 106 bits) and Q's coefficients k = 3..DEG + 1 as long doubles.
Reads nothing, needs mpmath.
"""
import argparse

import mpmath

NEAR = mpmath.mpf(2)**-3  # FR_<OP>_NEAR: the window's half width


def _dsilu(x):
    return (1 + x / (1 + mpmath.exp(x))) / (1 + mpmath.exp(-x))


def _dgelu(x):
    return mpmath.ncdf(x) + x * mpmath.npdf(x)


# op: (its C prefix, f, a guess of its zero, DEG: the last Taylor term kept)
OPS = {"silu_backward": ("DSILU", "dsilu", _dsilu, -1.2784645427610738, 15),
       "gelu_backward": ("DGELU", "dgelu", _dgelu, -0.7517915246935645, 15)}


def ld_hex(v):
    """v rounded to a 64-bit mantissa, as a C long double hex literal."""
    if v == 0:
        return "0.0L"
    m, e = mpmath.frexp(v)                     # v = m 2^e, 1/2 <= |m| < 1
    q = int(mpmath.nint(abs(m) * 2**64))       # 64 bits
    if q == 2**64:
        q, e = 2**63, e + 1
    frac = q - 2**63                           # 63 bits after the leading 1
    sign = "-" if m < 0 else ""
    return f"{sign}0x1.{frac << 1:016x}p{e - 1:+d}L"


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--op", choices=sorted(OPS), default="silu_backward")
    ap.add_argument("--check", action="store_true")
    ap.add_argument("--longdouble", action="store_true")
    args = ap.parse_args(argv)
    prefix, name, f, guess, deg = OPS[args.op]
    mpmath.mp.prec = 300
    x0 = mpmath.findroot(f, mpmath.mpf(guess))
    hi = float(x0)
    mid = float(x0 - hi)
    lo = float(x0 - hi - mid)
    c = mpmath.taylor(f, x0, deg + 2)
    if args.longdouble:
        coefs = ", ".join(ld_hex(c[k]) for k in range(3, deg + 2))
        print(f"/* f^(k)(x0) / k!, k = 3..{deg + 1} */")
        print(f"static const long double fr_ld_{name}_x0_taylor[{deg - 1}] = {{{coefs}}};")
        return
    a1h, a2h = float(c[1]), float(c[2])
    a1l, a2l = float(c[1] - a1h), float(c[2] - a2h)
    print(f"#define FR_{prefix}_X0_HI {hi.hex()}")
    print(f"#define FR_{prefix}_X0_MID {mid.hex()}")
    print(f"#define FR_{prefix}_X0_LO {lo.hex()}")
    print(f"#define FR_{prefix}_A1_HI {a1h.hex()}")
    print(f"#define FR_{prefix}_A1_LO {a1l.hex()}")
    print(f"#define FR_{prefix}_A2_HI {a2h.hex()}")
    print(f"#define FR_{prefix}_A2_LO {a2l.hex()}")
    print(f"/* f^(k)(x0) / k!, k = 3..{deg} */")
    coefs = ", ".join(float(c[k]).hex() for k in range(3, deg + 1))
    print(f"static const double fr_{name}_x0_taylor[{deg - 2}] = {{{coefs}}};")
    if args.check:
        nxt = abs(c[deg + 1] * NEAR**(deg + 1) / (c[1] * NEAR))
        print(f"/* first term left out, relative at |t| = {float(NEAR)}: "
              f"2^{float(mpmath.log(nxt, 2)):.1f} */")


if __name__ == "__main__":
    main()
