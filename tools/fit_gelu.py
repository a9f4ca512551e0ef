#!/usr/bin/env python
"""Fit the polynomial tables of gelu's kernels (fastrelu/kernels/scalar.h).

    python tools/fit_gelu.py            # print the C tables (paste into scalar.h)
    python tools/fit_gelu.py --check    # and the max relative error per interval

With a = |x| and E = exp(-a^2/2):
    Phi(-a) = E N(a),      N(a) = exp(a^2/2) erfc(a/sqrt2) / 2     (forward)
    Phi(-a) - a phi(a) = E W(a),   W(a) = N(a) - a/sqrt(2 pi)     (backward, x <= 0)
N and W are smooth on [0, 39] (N ~ 1/(a sqrt(2 pi)) for large a; both are entire,
N' = a N - 1/sqrt(2 pi)).  [0, 39] is cut into 25 intervals: [0, 1/4), ..., [3/4, 1)
and the quarter binades [2^k (1 + j/4), 2^k (1 + (j + 1)/4)) up to [32, 40); the
kernels find the interval from the bits of a (or of a + 1 below 1).  On each, a
degree-DEG polynomial in s = a - c (Chebyshev nodes, interpolated in 300-bit
arithmetic, then converted to monomials about c): c0, c1 and c2 are stored as
double-double (hi, lo), c3..cDEG as doubles.  c is the interval's midpoint (0 for
the first, where s = a is exact); for W, the interval holding W's zero
(a0 = 0.7517915241...) and the one below it are expanded about a0 itself, stored as c + cl
(double-double), with c0 = 0: W = s (c1 + s q(s)) keeps its relative accuracy
next to the zero (gelu_backward's root at x = -a0); the kernels carry
s = (a - c) - cl as a pair (a - c is exact, Sterbenz).

Reads nothing, needs mpmath.  --check evaluates the stored (rounded)
coefficients exactly against mpmath on 400 points per interval.

    python tools/fit_gelu.py --rational > fastrelu/kernels/gelu_rational.h

The SIMD levels' float32 kernels (float64 lanes, a float32 result) take no
table: one rational function each, on [0, RA] (gelu's float32 result is -0
below -14.4) and [0, RA_W].  Exact gelu's guess, which its rounding test
needs within ~2^-37: N(a) = P(a)/Q(a), degree 6/7, P(0) = 1/2 - 2^-39 (tiny
x's ties).  The fast kernels need only ~2^-26 (a quarter ulp of float32 on
top of the one rounding): N degree 4/5 (P(0) = 1/2 - 2^-33), and W(a) =
-(a - a0) R(a)/S(a), degree 4/5, so W stays relative at its zero.
Fitted by Loeb's iteration (linear least squares of P - f Q weighted by
1/(f Q_previous), on 600 Chebyshev points): ~2^-39 relative.  All their
coefficients are positive: Horner in double adds no cancellation.
"""
import argparse
import sys

import mpmath as mp

mp.mp.prec = 300
DEG = 13
NI = 25
K = 1 / mp.sqrt(2 * mp.pi)


def N(a):
    a = mp.mpf(a)
    return mp.erfc(a / mp.sqrt(2)) / 2 * mp.exp(a * a / 2)


def W(a):
    return N(a) - mp.mpf(a) * K


def intervals():
    out = [(mp.mpf(i) / 4, mp.mpf(i + 1) / 4) for i in range(4)]
    for k in range(6):
        for j in range(4):
            out.append((mp.mpf(2) ** k * (1 + mp.mpf(j) / 4), mp.mpf(2) ** k * (1 + mp.mpf(j + 1) / 4)))
    return out[:NI]


def root_w():
    return mp.findroot(W, mp.mpf("0.75"))


def fit(f, lo, hi, c, deg):
    """Coefficients of the polynomial in s = a - c interpolating f at deg+1 Chebyshev nodes."""
    nodes = [(lo + hi) / 2 + (hi - lo) / 2 * mp.cos(mp.pi * (k + mp.mpf(1) / 2) / (deg + 1))
             for k in range(deg + 1)]
    A = mp.matrix([[(t - c) ** j for j in range(deg + 1)] for t in nodes])
    b = mp.matrix([f(t) for t in nodes])
    return list(mp.lu_solve(A, b))


def split(v):
    hi = float(v)
    return hi, float(v - mp.mpf(hi))


def table(f, name, root=None):
    rows = []
    for i, (lo, hi) in enumerate(intervals()):
        c = mp.mpf(0) if i == 0 else (lo + hi) / 2
        at_root = root is not None and lo <= root < hi + mp.mpf(1) / 4
        if at_root:                     # the intervals on and just below the zero
            c = root
        ch, cl = split(c)
        cexact = mp.mpf(ch) + mp.mpf(cl)
        co = fit(f, lo, hi, cexact, DEG)
        if at_root:
            co[0] = mp.mpf(0)
        rows.append((lo, hi, ch, cl, split(co[0]), split(co[1]), split(co[2]), [float(v) for v in co[3:]]))
    return rows


def evaluate(row, a):
    lo, hi, ch, cl, c0, c1, c2, rest = row
    s = mp.mpf(a) - (mp.mpf(ch) + mp.mpf(cl))
    q = mp.mpf(0)
    for v in reversed(rest):
        q = q * s + mp.mpf(v)
    dd = [mp.mpf(c[0]) + c[1] for c in (c0, c1, c2)]
    return dd[0] + s * (dd[1] + s * (dd[2] + s * q))


def emit(rows, name):
    w = DEG + 6
    print(f"static const double {name}[{len(rows)}][{w}] = {{  /* c, cl, c0, c0l, c1, c1l, c2, c2l, c3..c{DEG} */")
    for lo, hi, ch, cl, c0, c1, c2, rest in rows:
        vals = [ch, cl, c0[0], c0[1], c1[0], c1[1], c2[0], c2[1]] + rest
        body = ", ".join(v.hex() if v != 0 else "0.0" for v in vals)
        print(f"    {{{body}}},  /* [{float(lo):g}, {float(hi):g}) */")
    print("};")


def check(rows, f, name):
    worst = 0
    for row in rows:
        lo, hi = row[0], row[1]
        m = 0
        for k in range(401):
            a = lo + (hi - lo) * k / 400
            if a == hi:
                a = hi - mp.mpf(2) ** -50 * hi
            v = f(a)
            if v == 0:
                continue
            m = max(m, abs((evaluate(row, a) - v) / v))
        worst = max(worst, m)
        print(f"  {name} [{float(lo):g}, {float(hi):g}): max rel err 2^{float(mp.log(m, 2)) if m else -999:.1f}",
              file=sys.stderr)
    print(f"{name}: worst 2^{float(mp.log(worst, 2)):.1f}", file=sys.stderr)


RA = 14.5      # gelu: x < -14.4 gives -0.0 in float32
RA_W = 20.0    # gelu_backward: g D underflows float32 (|g| < 2^128) for x < -19.6


def fit_rational(f, m, k, ra, p0=None, points=600, rounds=12):
    """P/Q (degrees m, k; Q(0) = 1; P(0) = p0 if given) ~ f on [0, ra] in relative
    error, and that error for the coefficients rounded to double."""
    xs = [ra / 2 + ra / 2 * mp.cos(mp.pi * (j + mp.mpf(1) / 2) / points) for j in range(points)]
    fs = [f(x) for x in xs]
    w = [mp.mpf(1)] * points
    lo = 0 if p0 is None else 1                  # P's first free coefficient
    for _ in range(rounds):
        # P(x) - f (Q(x) - 1) = f, each row weighted by 1/(f Q_previous(x))
        rows = [[x ** i / (fx * wi) for i in range(lo, m + 1)] + [-x ** i / wi for i in range(1, k + 1)]
                for x, fx, wi in zip(xs, fs, w)]
        rhs = [(fx - (p0 or 0)) / (fx * wi) for fx, wi in zip(fs, w)]
        sol = [float(v) for v in mp.qr_solve(mp.matrix(rows), mp.matrix(rhs))[0]]
        p = ([] if p0 is None else [p0]) + sol[:m + 1 - lo]
        q = [1.0] + sol[m + 1 - lo:]
        w = [mp.polyval(q[::-1], x) for x in xs]
    err = max(abs(mp.polyval(p[::-1], x) / mp.polyval(q[::-1], x) / fx - 1) for x, fx in zip(xs, fs))
    return p, q, err


def emit_rational():
    a0 = root_w()
    a0h, a0l = split(a0)
    dw0 = mp.diff(W, a0)

    def R(a):                          # -W(a) / (a - a0) > 0, -W'(a0) at a0
        a = mp.mpf(a)
        return -W(a) / (a - a0) if abs(a - a0) > mp.mpf(2) ** -80 else -dw0

    # N(0) = 1/2 - 2^-39, a hair low: x/2 + x^2/sqrt(2 pi), a float32 midpoint for
    # subnormal x/2, then rounds as the x^2 term says (magnitude up for x > 0, down
    # for x < 0), with no case of its own for tiny x
    pn, qn, en = fit_rational(N, 6, 7, RA, p0=0.5 - 2.0 ** -39)
    pf, qf, ef = fit_rational(N, 4, 5, RA, p0=0.5 - 2.0 ** -33)
    pw, qw, ew = fit_rational(R, 4, 5, RA_W)
    hexs = lambda v: ", ".join(c.hex() for c in v)
    lg = lambda e: f"2^{float(mp.log(e, 2)):.1f}"
    print("/* generated by tools/fit_gelu.py --rational: gelu's float32 kernels\n"
          f" * over float64 lanes (sigmoid_simd_body.h).\n"
          f" * N(a) = P(a)/Q(a) on [0, {RA}]: exact gelu's guess (n), {lg(en)} relative;\n"
          f" *   the fast kernel's (nf), {lg(ef)};\n"
          f" * W(a) = -(a - a0) R(a)/S(a) on [0, {RA_W}] (fast), {lg(ew)} relative;\n"
          " * a0 = a0_hi + a0_lo. */\n"
          "#ifndef FASTRELU_GELU_RATIONAL_H\n#define FASTRELU_GELU_RATIONAL_H\n"
          f"#define FR_GELU_RA {RA}\n#define FR_GELU_RA_W {RA_W}\n"
          f"#define FR_GELU_A0_HI {a0h.hex()}\n#define FR_GELU_A0_LO {a0l.hex()}\n"
          f"static const double fr_gelu_n_p[{len(pn)}] = {{{hexs(pn)}}};\n"
          f"static const double fr_gelu_n_q[{len(qn)}] = {{{hexs(qn)}}};\n"
          f"static const double fr_gelu_nf_p[{len(pf)}] = {{{hexs(pf)}}};\n"
          f"static const double fr_gelu_nf_q[{len(qf)}] = {{{hexs(qf)}}};\n"
          f"static const double fr_gelu_w_r[{len(pw)}] = {{{hexs(pw)}}};\n"
          f"static const double fr_gelu_w_s[{len(qw)}] = {{{hexs(qw)}}};\n"
          "#endif")


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--check", action="store_true")
    ap.add_argument("--rational", action="store_true",
                    help="print gelu_rational.h (the SIMD levels' float32 kernels)")
    args = ap.parse_args()
    if args.rational:
        emit_rational()
        return
    a0 = root_w()
    n_rows, w_rows = table(N, "N"), table(W, "W", a0)
    print(f"/* generated by tools/fit_gelu.py (degree {DEG}); W's zero a0 = {mp.nstr(a0, 20)} */")
    emit(n_rows, "fr_gelu_n_tab")
    emit(w_rows, "fr_gelu_w_tab")
    if args.check:
        check(n_rows, N, "N")
        # W relative to |W| + a K (the size of the terms), and near a0 relative to |W|
        check(w_rows, W, "W")


if __name__ == "__main__":
    main()
