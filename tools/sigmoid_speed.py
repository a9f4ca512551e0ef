#!/usr/bin/env python
"""The sigmoid family's speed targets, measured side by side in one process.

    python tools/sigmoid_speed.py [--repeat 15] [--only sigmoid silu ...]
    FASTRELU_DISABLE_CPU_FEATURES=AVX512F ATEN_CPU_CAPABILITY=avx2 python tools/sigmoid_speed.py

One row per target:
- 16M elements in place unless the case says otherwise; x ~ 4 N(0, 1), grad ~ N(0, 1);
- fastrelu and torch set to the same thread count;
- the min over the repeats, the contenders interleaved (fastrelu, torch, the C
  in-place roofline loop, each on a freshly restored input; after torch, a
  pause while its OpenMP workers stop spinning).

The ratios:
- "x roofline" = fastrelu / roofline: lower is better, 1.0 is the memory limit;
- "x torch" = torch / fastrelu: higher is better.

Each row prints its target and whether it is met.  At the AVX2 level (capped
on both sides, as in the second command) the 1-thread sigmoid and silu
targets are the AVX2 ones.  The load average is printed too, since a shared
machine's other processes skew every number.
"""
import argparse
import os
import time
from typing import Callable, NamedTuple

import numpy as np
import torch

import fastrelu as fr
from fastrelu import _ufuncs

F = torch.nn.functional
BIG = 1 << 24
# torch's OpenMP workers keep spinning after its call; on 2 cores they would
# slow whatever runs next, so the next contender waits for them to sleep
SETTLE_S = 0.2


class Case(NamedTuple):
    name: str
    dtype: str
    shape: tuple
    threads: int | None      # None: fastrelu's default
    fr: Callable             # (x, *rest) -> None, in place on x
    torch: Callable | None   # (xt, *rest_t) -> None, in place on xt
    ratio: str               # "roofline", "torch" or "us" (fastrelu's time per call)
    target: float
    avx2_target: float | None = None
    mode: str = "fast"
    operands: tuple = ()     # what follows x: "grad" (the first argument), "bias"


def _t_silu_bwd(g, x):
    torch.ops.aten.silu_backward.grad_input(g, x, grad_input=g)


def cases():
    out = []
    for dt in ("float32", "float64"):
        for th in (2, 1):
            r, tgt, avx2 = ("roofline", 1.15, None) if th == 2 else ("torch", 1.4, 1.25)
            out.append(Case("sigmoid_", dt, (BIG,), th, fr.sigmoid_, torch.sigmoid_, r, tgt, avx2))
        for th in (2, 1):
            r, tgt, avx2 = ("roofline", 1.25, None) if th == 2 else ("torch", 1.4, 1.15)
            out.append(Case("silu_", dt, (BIG,), th, fr.silu_,
                            lambda t: F.silu(t, inplace=True), r, tgt, avx2))
        out.append(Case("softplus_", dt, (BIG,), 2, fr.softplus_,
                        lambda t: torch._C._nn.softplus(t, 1, 20, out=t), "roofline", 1.6))
        out.append(Case("log_sigmoid_", dt, (BIG,), 2, fr.log_sigmoid_,
                        lambda t: torch._C._nn.log_sigmoid(t, out=t), "roofline", 1.6))
    out.append(Case("silu_backward_", "float32", (BIG,), 1,
                    lambda x, g: fr.silu_backward_(g, x), lambda x, g: _t_silu_bwd(g, x),
                    "torch", 1.3, operands=("grad",)))
    out.append(Case("sigmoid_ [exact]", "float32", (BIG,), 2, fr.sigmoid_, torch.sigmoid_,
                    "torch", 0.75, mode="exact"))
    for act, tf in (("sigmoid", torch.sigmoid_), ("silu", lambda t: F.silu(t, inplace=True))):
        out.append(Case(f"bias_{act}_", "float32", (4096, 1024), 2, getattr(fr, f"bias_{act}_"),
                        lambda t, b, tf=tf: tf(t.add_(b)), "torch", 1.5, operands=("bias",)))
    out.append(Case("sigmoid_", "float32", (65536,), None, fr.sigmoid_, torch.sigmoid_,
                    "torch", 1.5))
    out.append(Case("relu_", "float32", (1000,), None, fr.relu_, torch.relu_, "us", 0.45))
    out.append(Case("sigmoid_", "float32", (1000,), None, fr.sigmoid_, torch.sigmoid_, "us", 0.6))
    out.append(Case("sigmoid_", "float32", (1000,), None, fr.sigmoid_, torch.sigmoid_,
                    "torch", 1.3))
    return out


def timed(fn, inner):
    t0 = time.perf_counter()
    for _ in range(inner):
        fn()
    return (time.perf_counter() - t0) / inner


def run(case, repeat, rng, avx2):
    n = int(np.prod(case.shape))
    x0 = (4 * rng.standard_normal(case.shape)).astype(case.dtype)
    rest0 = []
    for kind in case.operands:
        shape = case.shape[-1:] if kind == "bias" else case.shape
        rest0.append(rng.standard_normal(shape).astype(case.dtype))
    x, rest = x0.copy(), [r.copy() for r in rest0]
    xt, rest_t = torch.from_numpy(x0.copy()), [torch.from_numpy(r.copy()) for r in rest0]
    threads = case.threads or fr.get_num_threads()
    old = fr.get_num_threads(), torch.get_num_threads()
    fr.set_num_threads(threads)
    torch.set_num_threads(threads)
    # small calls: batches of ~16M elements, so that waking the thread pool
    # (and a vCPU idle since the pause: 50-250 us on this VM) is amortized
    inner = 1 if n > 1 << 20 else max(20, (1 << 24) // n)
    ts = {"fastrelu": [], "torch": [], "roofline": []}
    try:
        with fr.accuracy(case.mode):
            for _ in range(repeat):
                np.copyto(x, x0)
                for r, r0 in zip(rest, rest0):
                    np.copyto(r, r0)
                ts["fastrelu"].append(timed(lambda: case.fr(x, *rest), inner))
                xt.copy_(torch.from_numpy(x0))
                for r, r0 in zip(rest_t, rest0):
                    r.copy_(torch.from_numpy(r0))
                ts["torch"].append(timed(lambda: case.torch(xt, *rest_t), inner))
                time.sleep(SETTLE_S)
                ts["roofline"].append(timed(lambda: _ufuncs.roofline_(x), inner))
    finally:
        fr.set_num_threads(old[0])
        torch.set_num_threads(old[1])
    f, t, r = (min(v) for v in ts.values())
    target = case.avx2_target if avx2 and case.avx2_target else case.target
    if case.ratio == "roofline":
        value, ok, what = f / r, f / r <= target, f"x roofline {f / r:5.2f} (<= {target})"
    elif case.ratio == "torch":
        value, ok, what = t / f, t / f >= target, f"x torch {t / f:5.2f} (>= {target})"
    else:
        value, ok, what = f * 1e6, f * 1e6 <= target, f"{f * 1e6:.3f} us (<= {target})"
    size = "x".join(map(str, case.shape))
    unit, scale = ("us", 1e6) if n <= 1 << 17 else ("ms", 1e3)
    label = case.name + (f" [{case.mode}]" if case.mode != "fast" and "[" not in case.name else "")
    print(f"{label:17} {case.dtype:8} {size:>10} thr={threads}  fastrelu {f * scale:8.3f}"
          f"  torch {t * scale:8.3f}  roofline {r * scale:8.3f} {unit}  {what:28} "
          f"{'met' if ok else 'MISSED'}", flush=True)
    return value, ok


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--repeat", type=int, default=15)
    ap.add_argument("--only", nargs="+", metavar="OP",
                    help="the cases of these ops (sigmoid, silu, bias_silu, ...)")
    a = ap.parse_args()
    kernel = fr.explain("sigmoid", np.zeros(4, np.float32)).kernel
    avx2 = "avx512" not in kernel
    print(f"load {os.getloadavg()}, torch {torch.__version__} cpu capability "
          f"{torch.backends.cpu.get_cpu_capability()}, fastrelu kernel {kernel}")
    rng = np.random.default_rng(0)
    missed = 0
    for case in cases():
        if a.only and case.name.split()[0].rstrip("_") not in a.only:
            continue
        missed += not run(case, a.repeat, rng, avx2)[1]
    print(f"{missed} target(s) missed; load {os.getloadavg()}")


if __name__ == "__main__":
    main()
