"""fastrelu on strided views against numpy and torch, in one process.

    python tools/strided_speed.py [--n 4096 65536] [--steps 2 3 4 8 16] [--threads 1 2]

x = base[::step] (n elements), float32 and float64: relu_(x) in place
against np.maximum(x, 0, out=x) and torch's relu_ on the same view, relu(x)
out of place against np.maximum(x, 0), and sigmoid_(x) against torch's.
fastrelu.set_num_threads and torch.set_num_threads set alike.  Min of
repeats, microseconds; "x np" / "x torch" = their time / fastrelu's (> 1:
fastrelu is faster).  torch is optional.
"""
import argparse
import time

import numpy as np

import fastrelu as fr

try:
    import torch
except ImportError:                                   # pragma: no cover
    torch = None


def best(fn, repeat, inner):
    t = float("inf")
    for _ in range(repeat):
        t0 = time.perf_counter()
        for _ in range(inner):
            fn()
        t = min(t, (time.perf_counter() - t0) / inner)
    return t * 1e6


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=int, nargs="+", default=[4096, 65536])
    ap.add_argument("--steps", type=int, nargs="+", default=[2, 3, 4, 8, 16])
    ap.add_argument("--threads", type=int, nargs="+", default=[1, 2])
    ap.add_argument("--repeat", type=int, default=25)
    a = ap.parse_args(argv)
    rng = np.random.default_rng(0)
    for threads in a.threads:
        fr.set_num_threads(threads)
        if torch is not None:
            torch.set_num_threads(threads)
        for dtype in ("float32", "float64"):
            for n in a.n:
                inner = max(1, (1 << 21) // (n * max(a.steps)))
                for step in a.steps:
                    x = np.abs(rng.standard_normal(step * n)).astype(dtype)[::step]
                    t = torch.from_numpy(x) if torch is not None else None
                    f = best(lambda: fr.relu_(x), a.repeat, inner)
                    row = [f"relu_ {f:8.2f}",
                           f"x np {best(lambda: np.maximum(x, 0, out=x), a.repeat, inner) / f:5.2f}"]
                    if t is not None:
                        row.append(f"x torch {best(lambda: t.relu_(), a.repeat, inner) / f:5.2f}")
                    f = best(lambda: fr.relu(x), a.repeat, inner)
                    row += [f"| relu {f:8.2f}",
                            f"x np {best(lambda: np.maximum(x, 0), a.repeat, inner) / f:5.2f}"]
                    f = best(lambda: fr.sigmoid_(x), a.repeat, inner)
                    row.append(f"| sigmoid_ {f:8.2f}")
                    if t is not None:
                        row.append(f"x torch {best(lambda: t.sigmoid_(), a.repeat, inner) / f:5.2f}")
                    print(f"{dtype} n={n:<6} step={step:<3} thr={threads}  " + "  ".join(row),
                          flush=True)


if __name__ == "__main__":
    main()
