"""Tuning: time every candidate on this machine, keep the winners as wisdom.

Wisdom is JSON in the user cache dir, keyed by CPU model and fastrelu
version; FASTRELU_WISDOM=path reads/writes another file, =off ignores it.
It holds, per op x dtype, the kernel for the "auto" table (per accuracy mode)
and, per op, the size from which splitting across threads pays.  Kernels only
change per op x dtype, never by size: a size switch may only choose between
thread counts, which give the same bits.
"""
import json
import os
import sys
import time

import numpy as np

from . import _dispatch, _ufuncs
from ._wisdom import _key, apply_wisdom, cpu_model, wisdom_path  # noqa: F401 (public here too)

SIZES = [2**k for k in range(10, 25, 2)]      # 1 Ki .. 16 Mi elements
KERNEL_SIZE = 2**20                            # where kernels are compared
MARGIN = 0.05                                  # a kernel must win by this much


def _best_time(fn, *args, repeat=5, **kwargs):
    fn(*args, **kwargs)
    best = float("inf")
    for _ in range(repeat):
        t = time.perf_counter()
        fn(*args, **kwargs)
        best = min(best, time.perf_counter() - t)
    return best


def _inputs(op, dtype, n):
    rng = np.random.default_rng(0)
    x = (rng.standard_normal(n) * 4).astype(dtype)
    return (x,) + tuple(rng.random(n).astype(dtype) for _ in range(_dispatch._ufuncs.NIN[op] - 1))


def _progress(i, total, label, file):
    if file is None:
        return
    width = 30
    done = int(width * i / total)
    print(f"\r[{'#' * done}{'.' * (width - done)}] {i}/{total} {label:40s}", end="",
          file=file, flush=True)


def tune(sizes=SIZES, backends=("cython", "numba"), threads=None, write=True,
         progress=sys.stderr, kernel_size=KERNEL_SIZE):
    """Time candidates (kernel x thread count) per op x dtype x size class and
    store the winners.  Returns (wisdom dict, table of rows for printing)."""
    threads = threads or _dispatch.get_num_threads()
    if "numba" in backends:
        try:
            _dispatch._ensure_numba()
        except ImportError:
            backends = tuple(b for b in backends if b != "numba")
    slots = [(op, dt) for op in _dispatch.OPS for dt in ("float32", "float64")]
    total = len(slots) * 2 + len(_dispatch.OPS) * len(sizes)
    step, rows = 0, []
    wisdom = {"key": _key(), "kernels": {}, "parallel_min": {}}
    prev_threads = _dispatch.get_num_threads()
    # Candidates are installed in the live "auto" table: hold the lock, and
    # put the table and thresholds back if tuning does not finish (Ctrl-C).
    _dispatch._lock.acquire()
    saved, finished = _dispatch._snapshot(), False
    try:
        _dispatch.set_num_threads(1)
        for op, dt in slots:
            args = _inputs(op, dt, kernel_size)
            out = np.empty_like(args[0])
            uf = getattr(_ufuncs, op)
            for acc in _dispatch.ACCURACIES:
                step += 1
                _progress(step, total, f"{op} {dt} {acc}", progress)
                cands = [k for k in _dispatch.KERNELS if k.op == op and k.dtype == dt
                         and k.accuracy in (acc, None) and k.backend in backends
                         and (k.backend != "cython" or k.isa in _dispatch.available_isas())]
                timed = []
                for k in cands:
                    _ufuncs.install("auto", acc, op, dt, k.source, k.index)
                    with _dispatch.accuracy(acc):
                        timed.append((_best_time(uf, *args, out=out), k))
                # the ladder's kernel stays unless another is clearly faster:
                # differences within timing noise must not flip the choice
                ladder = _dispatch._best(op, dt, acc, _dispatch.available_isas())
                ladder_t = next(t for t, k in timed if k == ladder)
                best_t, best = min(timed, key=lambda tk: tk[0])
                if best_t > (1 - MARGIN) * ladder_t:
                    best_t, best = ladder_t, ladder
                wisdom["kernels"][f"{acc}/{op}/{dt}"] = best.name
                rows.extend((op, dt, acc, k.name, kernel_size, 1, t, k is best) for t, k in timed)
        _dispatch._install(_dispatch.available_isas())
        for op in _dispatch.OPS:
            threshold = None
            for n in sizes:
                step += 1
                _progress(step, total, f"{op} threads, n={n}", progress)
                args = _inputs(op, "float32", n)
                out = np.empty_like(args[0])
                uf = getattr(_ufuncs, op)
                prev_min = _ufuncs.get_parallel_min(op)
                _ufuncs.set_parallel_min(op, 1)
                per = {}
                for nt in sorted({1, threads}):
                    _dispatch.set_num_threads(nt)
                    per[nt] = _best_time(uf, *args, out=out, repeat=9)
                    rows.append((op, "float32", "-", f"{nt} thread(s)", n, nt, per[nt], False))
                _ufuncs.set_parallel_min(op, prev_min)
                if threshold is None and per[threads] < (1 - MARGIN) * per[1]:
                    threshold = n
            wisdom["parallel_min"][op] = threshold or 2**62
        apply_wisdom(wisdom)
        finished = True
    finally:
        if not finished:
            _dispatch._restore(saved)
        _dispatch._lock.release()
        _dispatch.set_num_threads(prev_threads)
        if progress is not None:
            print(file=progress)
    path = wisdom_path()
    if write and path:
        os.makedirs(os.path.dirname(path) or ".", exist_ok=True)
        with open(path, "w") as f:
            json.dump(wisdom, f, indent=1)
    return wisdom, rows


def format_rows(rows):
    lines = [f"{'op':17s} {'dtype':8s} {'acc':5s} {'candidate':28s} {'n':>9s} {'ms':>9s}"]
    for op, dt, acc, name, n, nt, t, win in rows:
        lines.append(f"{op:17s} {dt:8s} {acc:5s} {name:28s} {n:9d} {t * 1e3:9.3f}"
                     + ("  <- chosen" if win else ""))
    return "\n".join(lines)
