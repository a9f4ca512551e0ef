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
"""
import argparse

import mpmath as mp
import numpy as np

mp.mp.prec = 200


def fit(deg, fixed, grid, iters=60):
    """Minimax (Lawson) of the free coefficients cK..cD of the relative error,
    given fixed[k] for k < K plus any already-rounded high ones."""
    t = grid
    et = np.array([mp.exp(v) for v in t], dtype=object)
    free = [k for k in range(deg + 1) if k not in fixed]
    # residual r(t) = e^t - sum fixed c_k t^k; fit sum free c_k t^k to r, weight 1/e^t
    base = np.array([sum(c * v**k for k, c in fixed.items()) for v in t], dtype=object)
    r = (et - base) / et
    A = np.array([[v**k / e for k in free] for v, e in zip(t, et)], dtype=object)
    Af = A.astype(float)
    # scale columns for conditioning, solve in float64 then polish in mpmath
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


def relerr(c, deg, t):
    return max(abs(sum(c[k] * mp.mpf(v)**k for k in range(deg + 1)) / mp.exp(v) - 1) for v in t)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--degree", type=int)
    ap.add_argument("--dtype", choices=("float32", "float64"))
    a = ap.parse_args()
    default = {"float32": 6, "float64": 11}
    jobs = [(dt, a.degree or default[dt]) for dt in ([a.dtype] if a.dtype else default)]
    h = float(mp.log(2) / 2)
    for dtype, deg in jobs:
        np_t = np.float32 if dtype == "float32" else np.float64
        ulp = 2.0**-24 if dtype == "float32" else 2.0**-53
        n = 400
        grid = [mp.mpf(h) * mp.cos(mp.pi * (i + 0.5) / n) for i in range(n)]
        grid += [mp.mpf(-h), mp.mpf(h)]
        fixed = {0: mp.mpf(1), 1: mp.mpf(1)}
        for k in range(deg, 1, -1):            # round the highest free one, refit the rest
            c, _ = fit(deg, fixed, grid, iters=40)
            fixed[k] = mp.mpf(float(np_t(float(c[k]))))
        print(f"{dtype} degree {deg}: relative error {float(relerr(fixed, deg, grid)) / ulp:.4f} ulp")
        for k in range(deg, -1, -1):
            v = np_t(float(fixed[k]))
            m, e = float(v).hex().split("p")
            lit = m.rstrip("0").rstrip(".") + "p" + e + ("f" if dtype == "float32" else "")
            print(f"  c{k} = {lit}")


if __name__ == "__main__":
    main()
