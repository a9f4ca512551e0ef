"""Tuned "auto" against each single backend, same process, min of repeats.

    FASTRELU_WISDOM=wisdom.json python tools/auto_vs_backends.py

numba is imported first so that wisdom naming numba kernels applies (import
of fastrelu alone never imports numba).  Prints auto / best-of(cython, numba).
"""
import time

import numba  # noqa: F401
import numpy as np

import fastrelu as fr
from fastrelu import _dispatch


def best_time(fn, repeat=9):
    best = float("inf")
    for _ in range(repeat):
        t = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - t)
    return best


def main():
    print("wisdom:", _dispatch.wisdom_file)
    print(f"{'op':17s} {'dtype':8s} {'n':>9s} {'auto ms':>9s} {'cython':>9s} {'numba':>9s} "
          f"{'auto/best':>9s}")
    worst = 0.0
    for op in _dispatch.OPS:
        uf = getattr(fr, op)
        for dt in ("float32", "float64"):
            for n in (65536, 1 << 20, 16_000_000):
                rng = np.random.default_rng(0)
                args = [(rng.standard_normal(n) * 4).astype(dt)]
                if uf.nin == 2:
                    args.append(rng.random(n).astype(dt))
                out = np.empty_like(args[0])
                ms = {}
                for be in ("auto", "cython", "numba"):
                    with _dispatch.backend(be):
                        ms[be] = best_time(lambda: uf(*args, out=out)) * 1e3
                ratio = ms["auto"] / min(ms["cython"], ms["numba"])
                worst = max(worst, ratio)
                print(f"{op:17s} {dt:8s} {n:9d} {ms['auto']:9.3f} {ms['cython']:9.3f} "
                      f"{ms['numba']:9.3f} {ratio:9.3f}")
    print(f"max auto/best: {worst:.3f}")


if __name__ == "__main__":
    main()
