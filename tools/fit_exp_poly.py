#!/usr/bin/env python
"""Minimax coefficients of e^t on [-ln2/2, ln2/2] for the SIMD sigmoid kernels.

    python tools/fit_exp_poly.py              # both: float32 degree 6, float64 degree 11
    python tools/fit_exp_poly.py --degree 6 --dtype float32

p(t) = 1 + t + c2 t^2 + ... + cD t^D (c0 = c1 = 1 fixed: p(0) = 1 exactly,
so sigmoid(0) = 1/2 exactly, and t + c2 t^2 + ... keeps the low part of t),
minimax on the relative error |p(t)/e^t - 1|, fitted in mpmath by Lawson's
iteration (weighted least squares whose weights converge to the minimax
solution) on a dense grid, then each coefficient rounded to the target
precision (highest first, refitting the lower ones after each rounding).
Prints the coefficients as C hex literals and the relative error, in float
ulps (2^-24 / 2^-53), of the rounded polynomial evaluated exactly.

    python tools/fit_exp_poly.py --table 16   # float64 degree 6 on [-ln2/32, ln2/32]

e^t after a table of 2^(j/N), j = 0..N-1 (the float64 avx512f kernels: two
vpermt2pd look up 2^(j/16) as a hi + lo pair), |t| <= ln2/(2N); also prints
the table, hi correctly rounded and lo = 2^(j/N) - hi rounded.

    python tools/fit_exp_poly.py --log1p      # softplus's series: float32 degree 3, float64 7

r(w) = sum 2/(2j + 3) w^j = (2 atanh(s) - 2s) / s^3, w = s^2, on w in
[0, 1/25] (|s| <= 1/5: s = f / (2 + f), f in [-1/4, 1/2)), minimax on the
absolute error the same way: the SIMD softplus's log1p(f) = f - s (f - s^2 r)
(sigmoid_simd_body.h) needs r within 2^-48 (float64) and 2^-20 (float32),
where the Taylor series takes 12 and 6 terms.
"""
import argparse

import mpmath as mp
import numpy as np

mp.mp.prec = 200


def fit(deg, fixed, grid, f, weight, iters=60):
    """Minimax (Lawson) of the free coefficients of sum c_k x^k against f(x),
    error weighted by weight(f(x)), given fixed[k] for the others (the fixed
    low ones plus any already-rounded high ones)."""
    t = grid
    fx = np.array([f(v) for v in t], dtype=object)
    wx = np.array([weight(v) for v in fx], dtype=object)
    free = [k for k in range(deg + 1) if k not in fixed]
    base = np.array([sum(c * v**k for k, c in fixed.items()) for v in t], dtype=object)
    r = (fx - base) * wx
    A = np.array([[v**k * w for k in free] for v, w in zip(t, wx)], dtype=object)
    Af = A.astype(float)
    w = np.ones(len(t))
    for _ in range(iters):
        sw = np.sqrt(w)
        M = mp.matrix((Af * sw[:, None]).tolist())
        b = mp.matrix([float(x) * s for x, s in zip(r, sw)])
        # normal equations in mpmath precision
        coef = mp.lu_solve(M.T * M, M.T * b)
        err = np.array([float(x) for x in (r - A.dot(np.array(list(coef), dtype=object)))])
        w = w * np.abs(err)
        w /= w.sum()
    c = dict(fixed)
    for k, v in zip(free, coef):
        c[k] = mp.mpf(v)
    return c, err


def fit_rounded(deg, fixed, grid, f, weight, np_t):
    """fit, then each free coefficient rounded to np_t, highest first,
    refitting the lower ones after each rounding"""
    fixed = dict(fixed)
    for k in range(deg, -1, -1):
        if k in fixed:
            continue
        c, _ = fit(deg, fixed, grid, f, weight, iters=40)
        fixed[k] = mp.mpf(float(np_t(float(c[k]))))
    return fixed


def print_coefs(c, deg, np_t, suffix):
    for k in range(deg, -1, -1):
        v = np_t(float(c[k]))
        m, e = float(v).hex().split("p")
        print(f"  c{k} = {m.rstrip('0').rstrip('.')}p{e}{suffix}")


def log1p_r(w):
    if w == 0:
        return mp.mpf(2) / 3
    s = mp.sqrt(w)
    return (2 * mp.atanh(s) - 2 * s) / (w * s)


def relerr(c, deg, t):
    return max(abs(sum(c[k] * mp.mpf(v)**k for k in range(deg + 1)) / mp.exp(v) - 1) for v in t)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--degree", type=int)
    ap.add_argument("--dtype", choices=("float32", "float64"))
    ap.add_argument("--log1p", action="store_true", help="softplus's r(w) instead of e^t")
    ap.add_argument("--table", type=int, default=1, help="entries of a 2^(j/N) table (float64)")
    a = ap.parse_args()
    default = {"float32": 3, "float64": 7} if a.log1p else {"float32": 6, "float64": 11}
    if a.table > 1:
        if a.dtype == "float32" or a.log1p:
            ap.error("--table: e^t in float64 only")
        default = {"float64": 6}
    jobs = [(dt, a.degree or default[dt]) for dt in ([a.dtype] if a.dtype else default)]
    h = float(mp.log(2) / (2 * a.table))
    n = 400
    for dtype, deg in jobs:
        np_t = np.float32 if dtype == "float32" else np.float64
        ulp = 2.0**-24 if dtype == "float32" else 2.0**-53
        suffix = "f" if dtype == "float32" else ""
        if a.log1p:
            top = mp.mpf(1) / 25
            grid = [top / 2 * (1 - mp.cos(mp.pi * (i + 0.5) / n)) for i in range(n)] + [mp.mpf(0), top]
            c = fit_rounded(deg, {}, grid, log1p_r, lambda v: 1, np_t)
            err = max(abs(sum(c[k] * v**k for k in range(deg + 1)) - log1p_r(v)) for v in grid)
            print(f"{dtype} degree {deg}: absolute error 2^{float(mp.log(err, 2)):.1f}")
        else:
            grid = [mp.mpf(h) * mp.cos(mp.pi * (i + 0.5) / n) for i in range(n)]
            grid += [mp.mpf(-h), mp.mpf(h)]
            c = fit_rounded(deg, {0: mp.mpf(1), 1: mp.mpf(1)}, grid, mp.exp, lambda v: 1 / v, np_t)
            print(f"{dtype} degree {deg}: relative error {float(relerr(c, deg, grid)) / ulp:.4f} ulp")
        print_coefs(c, deg, np_t, suffix)
    if a.table > 1:
        hi = [float(mp.mpf(2) ** (mp.mpf(j) / a.table)) for j in range(a.table)]
        lo = [float(mp.mpf(2) ** (mp.mpf(j) / a.table) - mp.mpf(h_)) for j, h_ in enumerate(hi)]
        print("  hi: " + ", ".join(v.hex() for v in hi))
        print("  lo: " + ", ".join(v.hex() for v in lo))


if __name__ == "__main__":
    main()
