#!/usr/bin/env python
"""sigmoid_ and silu_ in place against torch and the C roofline, in one process.

    python tools/sigmoid_speed.py [--repeat 15] [--ops sigmoid silu] [--dtypes float32 float64]
    FASTRELU_DISABLE_CPU_FEATURES=AVX512F ATEN_CPU_CAPABILITY=avx2 python tools/sigmoid_speed.py

16M elements on 1 and 2 threads (fastrelu and torch set alike), and 65536 on
the default thread count; x ~ 4 N(0, 1).  Min of repeats, the contenders
interleaved.  Prints times and the ratios DESIGN.md section 3 targets:
"x roofline" = fastrelu / roofline (<= 1.15 sigmoid, 1.25 silu, on 2
threads), "x torch" = torch / fastrelu (>= 1.4 on 1 thread, 1.5 at 65536;
capped at AVX2 on both sides: sigmoid >= 1.25, silu >= 1.15).  Also the
load average, since a shared machine's other processes skew every number.
"""
import argparse
import os
import time

import numpy as np
import torch

import fastrelu as fr
from fastrelu import _dispatch, _ufuncs


def best(fn, repeat, inner):
    t = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        for _ in range(inner):
            fn()
        t.append((time.perf_counter() - t0) / inner)
    return min(t)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--repeat", type=int, default=15)
    ap.add_argument("--ops", nargs="+", default=["sigmoid", "silu"])
    ap.add_argument("--dtypes", nargs="+", default=["float32", "float64"])
    a = ap.parse_args()
    print(f"load {os.getloadavg()}, torch {torch.__version__} cpu capability "
          f"{torch.backends.cpu.get_cpu_capability()}, fastrelu kernel "
          f"{fr.explain('sigmoid', np.zeros(4, np.float32)).kernel}")
    torch_fn = {"sigmoid": torch.sigmoid_, "silu": lambda t: torch.nn.functional.silu(t, inplace=True)}
    rng = np.random.default_rng(0)
    for n, threads_list in ((1 << 24, (1, 2)), (65536, (fr.get_num_threads(),))):
        for dtype in a.dtypes:
            x0 = (4 * rng.standard_normal(n)).astype(dtype)
            for threads in threads_list:
                fr.set_num_threads(threads)
                torch.set_num_threads(threads)
                x = x0.copy()
                xt = torch.from_numpy(x0.copy())
                inner = 1 if n > 1 << 20 else 200
                roof = best(lambda: _ufuncs.roofline_(x), a.repeat, inner)
                for op in a.ops:
                    ours = getattr(fr, op + "_")
                    tf = torch_fn[op]
                    ts = {"fr": [], "torch": [], "roof": []}
                    for _ in range(a.repeat):     # interleaved
                        np.copyto(x, x0)
                        ts["fr"].append(best(lambda: ours(x), 1, inner))
                        xt.copy_(torch.from_numpy(x0))
                        ts["torch"].append(best(lambda: tf(xt), 1, inner))
                        ts["roof"].append(best(lambda: _ufuncs.roofline_(x), 1, inner))
                    f, t, r = min(ts["fr"]), min(ts["torch"]), min(min(ts["roof"]), roof)
                    print(f"{op:8} {dtype:8} n={n:>9} threads={threads}: fastrelu {f * 1e3:8.3f} ms"
                          f"  torch {t * 1e3:8.3f} ms  roofline {r * 1e3:8.3f} ms"
                          f"  x roofline {f / r:5.2f}  x torch {t / f:5.2f}", flush=True)
    print(f"load {os.getloadavg()}")


if __name__ == "__main__":
    main()
