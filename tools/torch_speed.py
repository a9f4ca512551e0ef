"""fastrelu.torch's ops against torch's own, forward and backward, in one process.

    python tools/torch_speed.py [--sizes 1M 16M] [--threads 1 2] [--repeat 9]

forward: the out-of-place op under no_grad (fastrelu.torch.relu(x), which skips
the dispatcher there, vs torch.relu(x));
backward: torch.autograd.grad of a retained graph (fastrelu's backward
kernels vs torch's), so autograd's own overhead is in both.  float32, x ~ 4 *
N(0, 1); torch.set_num_threads and fastrelu.set_num_threads set alike.  Min
of repeats, the two sides interleaved; "x torch" = torch's time / fastrelu's
(> 1: fastrelu is faster).
"""
import argparse
import os
import time

import torch
import torch.nn.functional as F

import fastrelu as fr
import fastrelu.torch as ops  # fastrelu.torch's forms (torch.ops.fastrelu's, eager path)
from fastrelu._bench import fmt_time

# name: (fastrelu's form, torch's form)
CASES = {
    "relu": (ops.relu, torch.relu),
    "sigmoid": (ops.sigmoid, torch.sigmoid),
    "silu": (ops.silu, F.silu),
    "softplus": (ops.softplus, F.softplus),
    "log_sigmoid": (ops.log_sigmoid, F.logsigmoid),
    "leaky_relu": (lambda x: ops.leaky_relu(x, 0.01), lambda x: F.leaky_relu(x, 0.01)),
}


def size(text):
    return int(float(text[:-1]) * {"k": 1 << 10, "M": 1 << 20}[text[-1]]) if text[-1] in "kM" \
        else int(text)


def best_times(fns, repeat):
    """Min time of each fn, calls interleaved so that noise hits both alike."""
    best = [float("inf")] * len(fns)
    for _ in range(repeat):
        for i, fn in enumerate(fns):
            t = time.perf_counter()
            fn()
            best[i] = min(best[i], time.perf_counter() - t)
    return best


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--sizes", nargs="+", default=["1M", "16M"])
    p.add_argument("--threads", nargs="+", type=int, default=[1, 2])
    p.add_argument("--repeat", type=int, default=9)
    p.add_argument("--ops", nargs="+", default=list(CASES))
    a = p.parse_args(argv)
    print(f"fastrelu {fr.__version__} ({fr.get_accuracy()} mode) vs torch {torch.__version__}, "
          f"float32, min of {a.repeat}; load average {os.getloadavg()[0]:.2f} "
          f"on {os.cpu_count()} cpus at the start")
    head = (f"{'op':12s} {'size':>5s} {'thr':>3s}  {'fwd fastrelu':>12s} {'fwd torch':>9s} "
            f"{'x torch':>7s}  {'bwd fastrelu':>12s} {'bwd torch':>9s} {'x torch':>7s}")
    print(head)
    print("-" * len(head))
    for name in a.ops:
        ours, theirs = CASES[name]
        for text in a.sizes:
            n = size(text)
            g = torch.Generator().manual_seed(0)
            x = (4 * torch.randn(n, generator=g)).requires_grad_()
            grad = torch.randn(n, generator=g)
            for threads in a.threads:
                torch.set_num_threads(threads)
                fr.set_num_threads(threads)
                with torch.no_grad():
                    fwd = best_times([lambda: ours(x), lambda: theirs(x)], a.repeat)
                y_ours, y_theirs = ours(x), theirs(x)
                bwd = best_times([lambda: torch.autograd.grad(y_ours, x, grad, retain_graph=True),
                                  lambda: torch.autograd.grad(y_theirs, x, grad,
                                                              retain_graph=True)], a.repeat)
                print(f"{name:12s} {text:>5s} {threads:3d}  {fmt_time(fwd[0]):>12s} "
                      f"{fmt_time(fwd[1]):>9s} {fwd[1] / fwd[0]:6.2f}x  {fmt_time(bwd[0]):>12s} "
                      f"{fmt_time(bwd[1]):>9s} {bwd[1] / bwd[0]:6.2f}x")
    print(f"load average {os.getloadavg()[0]:.2f} at the end")


if __name__ == "__main__":
    main()
