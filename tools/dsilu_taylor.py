#!/usr/bin/env python
"""The constants of float64 silu_backward next to silu's minimum (scalar.h's
fr_dsilu_dd_f64), from mpmath:

    python tools/dsilu_taylor.py            # print the C constants (paste into scalar.h)
    python tools/dsilu_taylor.py --check    # and the truncation error at the window's edge
    python tools/dsilu_taylor.py --longdouble   # longdouble.h's table (64-bit mantissas, to t^16)

silu'(x) = sigmoid(x) (1 + x sigmoid(-x)) is 0 at x0 = -1.27846..., where the
double-double formula's (1 + x) + e cancels.  Within NEAR of x0 the kernel
evaluates silu'(x0 + t) = t (A1 + t (A2 + t Q(t))): x0 in three doubles (hi,
mid, lo), A1 = silu''(x0) and A2 = silu'''(x0) / 2 in two each, Q's
coefficients silu^(k+1)(x0) / k! (k = 3..DEG) as doubles.  The series converges within 3.39 of x0 (sigmoid's poles at +-i pi).
longdouble.h's window takes the same x0, A1 and A2 (pairs of doubles hold 106
bits) and Q's coefficients k = 3..16 as long doubles.  Reads nothing, needs
mpmath.
"""
import argparse

import mpmath

DEG = 15                  # the last Taylor term kept, t^DEG
NEAR = mpmath.mpf(2)**-3  # FR_DSILU_NEAR


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


def dsilu(x):
    return (1 + x / (1 + mpmath.exp(x))) / (1 + mpmath.exp(-x))


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--check", action="store_true")
    ap.add_argument("--longdouble", action="store_true")
    args = ap.parse_args(argv)
    mpmath.mp.prec = 300
    x0 = mpmath.findroot(dsilu, mpmath.mpf(-1.2784645427610738))
    hi = float(x0)
    mid = float(x0 - hi)
    lo = float(x0 - hi - mid)
    c = mpmath.taylor(dsilu, x0, DEG + 2)
    if args.longdouble:
        coefs = ", ".join(ld_hex(c[k]) for k in range(3, DEG + 2))
        print(f"/* silu^(k+1)(x0) / k!, k = 3..{DEG + 1} */")
        print(f"static const long double fr_ld_dsilu_x0_taylor[{DEG - 1}] = {{{coefs}}};")
        return
    a1h, a2h = float(c[1]), float(c[2])
    a1l, a2l = float(c[1] - a1h), float(c[2] - a2h)
    print(f"#define FR_DSILU_X0_HI {hi.hex()}")
    print(f"#define FR_DSILU_X0_MID {mid.hex()}")
    print(f"#define FR_DSILU_X0_LO {lo.hex()}")
    print(f"#define FR_DSILU_A1_HI {a1h.hex()}   /* silu''(x0) */")
    print(f"#define FR_DSILU_A1_LO {a1l.hex()}")
    print(f"#define FR_DSILU_A2_HI {a2h.hex()}   /* silu'''(x0) / 2 */")
    print(f"#define FR_DSILU_A2_LO {a2l.hex()}")
    print(f"/* silu^(k+1)(x0) / k!, k = 3..{DEG} */")
    coefs = ", ".join(float(c[k]).hex() for k in range(3, DEG + 1))
    print(f"static const double fr_dsilu_x0_taylor[{DEG - 2}] = {{{coefs}}};")
    if args.check:
        nxt = abs(c[DEG + 1] * NEAR**(DEG + 1) / (c[1] * NEAR))
        print(f"/* first term left out, relative at |t| = {float(NEAR)}: "
              f"2^{float(mpmath.log(nxt, 2)):.1f} */")


if __name__ == "__main__":
    main()
