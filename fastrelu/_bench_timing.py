"""How a time is taken, and one row of each table measured.

``time_call``: every timed call starts from the same input.  Before each timed
batch the working buffers are restored from a saved copy with ``np.copyto``
*outside* the timed region, and a batch of ``number`` calls uses ``number``
distinct buffers (``fastrelu._bench_data.Case``: a pool of at most
``POOL_BYTES``, so small arrays stay in cache), so no call ever sees the
output of an earlier one.  ``number`` is picked timeit-style (the batch should
last at least ``TARGET_BATCH_S``) and the result is the minimum over repeats
of batch time / number.  ``measure`` times the implementations of a row
round-robin (``Settings.rounds``), so load from elsewhere hits them alike.
"""

from __future__ import annotations

import gc
import math
import time
from typing import Callable, NamedTuple

import numpy as np

from ._baselines import FUSED_IMPLS, IMPLS, STATS_IMPLS
from ._bench_calls import Unavailable, bind, impl_context
from ._bench_data import BenchOp, Case, get_op

__all__ = ["Settings", "FULL", "QUICK", "Timing", "time_call", "measure_impl", "measure",
           "measure_fused", "measure_stats", "ratio", "TARGET_BATCH_S"]

#: a timed batch should last at least this long (timer resolution ~50 ns)
TARGET_BATCH_S = 50e-6


class Settings(NamedTuple):
    budget_s: float  # time spent repeating one implementation of one case
    min_reps: int
    max_reps: int
    rounds: int = 1  # implementations are measured interleaved, in this many rounds


FULL = Settings(budget_s=0.3, min_reps=6, max_reps=20000, rounds=3)
QUICK = Settings(budget_s=0.025, min_reps=3, max_reps=2000)


class Timing(NamedTuple):
    seconds: float  # best time per call
    number: int  # calls per timed batch
    repeats: int


def time_call(case: Case, calls, settings: Settings = FULL) -> Timing:
    """Min over repeats of (batch time / number); see the module docstring.

    ``calls[k]`` runs the op on ``case.bufs[k]``; buffers are restored from
    ``case.src`` before every batch, outside the timed region.
    """
    clock = time.perf_counter
    case.restore(0)
    t0 = clock()
    calls[0]()  # warm-up: first-call costs, thread pool start, page faults
    single = clock() - t0
    case.restore(0)
    t0 = clock()
    calls[0]()
    single = min(single, clock() - t0)
    number = int(min(len(calls), max(1, math.ceil(TARGET_BATCH_S / max(single, 1e-9)))))
    batch = calls[:number]
    restore = case.restore
    best = math.inf
    reps = 0
    gc_was = gc.isenabled()
    gc.disable()
    try:
        start = clock()
        while reps < settings.min_reps or (
            reps < settings.max_reps and clock() - start < settings.budget_s
        ):
            for k in range(number):
                restore(k)
            t0 = clock()
            for c in batch:
                c()
            t1 = clock()
            best = min(best, t1 - t0)
            reps += 1
    finally:
        if gc_was:
            gc.enable()
    return Timing(best / number, number, reps)


def measure_impl(case: Case, impl: str, settings: Settings = FULL,
                 isa: str | None = None) -> Timing:
    """Time one implementation on ``case``; raises Unavailable."""
    try:
        calls = [bind(impl, case, k) for k in range(len(case.bufs))]
        with impl_context(impl, case.bop, isa):
            return time_call(case, calls, settings)
    except Unavailable:
        raise
    except Exception as exc:  # e.g. torch without a float16 kernel, int sigmoid_
        raise Unavailable(f"{impl} failed: {type(exc).__name__}: {exc}") from None


def ratio(a, b):
    return (a / b) if (a and b) else None


def measure(bop: BenchOp | str, dtype, size: int, impls=IMPLS,
            settings: Settings = FULL, threads: int | None = None,
            isa: str | None = None, progress: Callable[[str], None] | None = None,
            case: Case | None = None) -> dict:
    """Measure one row: times of ``impls`` plus the derived ratios."""
    if isinstance(bop, str):
        bop = get_op(bop)
    import fastrelu

    if threads is None:
        threads = fastrelu.get_num_threads()
    if case is None:
        case = Case(bop, dtype, size)
    row = {
        "op": bop.name,
        "base_op": bop.op,
        "accuracy": bop.accuracy,
        "dtype": np.dtype(dtype).name,
        "size": int(size),
        "shape": list(case.shape),
        "threads": int(threads),
        "isa": isa or "auto",
        "bytes": case.nbytes,
    }
    row.update({i + "_s": None for i in dict.fromkeys(tuple(IMPLS) + tuple(impls))})
    notes = {}
    # round-robin over the implementations, min over rounds: a burst of load
    # from elsewhere on the machine hits all of them alike, not one of them
    rounds = max(1, settings.rounds)
    per_round = settings._replace(budget_s=settings.budget_s / rounds,
                                  min_reps=max(1, -(-settings.min_reps // rounds)))
    for _ in range(rounds):
        for impl in impls:
            if impl in notes:
                continue
            if progress:
                progress(impl)
            try:
                t = measure_impl(case, impl, per_round, isa)
            except Unavailable as exc:
                row[impl + "_s"] = None
                notes[impl] = str(exc)
                continue
            if row[impl + "_s"] is None or t.seconds < row[impl + "_s"]:
                row[impl + "_s"] = t.seconds
            if impl == "fastrelu":
                row["number"] = t.number
                row["repeats"] = row.get("repeats", 0) + t.repeats
    fr_s = row.get("fastrelu_s")
    row["gbps"] = ratio(case.nbytes / 1e9, fr_s)
    rpct = ratio(row.get("roofline_s"), fr_s)
    row["roofline_pct"] = None if rpct is None else 100.0 * rpct
    row["speedup_numpy"] = ratio(row.get("numpy_s"), fr_s)
    row["speedup_torch"] = ratio(row.get("torch_s"), fr_s)
    if notes:
        row["unavailable"] = notes
    return row


def measure_fused(act: str, dtype, shape, impls=FUSED_IMPLS, settings: Settings = FULL,
                  threads: int | None = None, progress=None) -> dict:
    """One row of the fused table: ``bias_<act>_(x, b)`` (fast accuracy) on a
    (rows, units) ``x`` against ``<act>_(x)`` alone ("single") and the
    two-pass NumPy and torch forms.

    ``fused_vs_single`` = fused time / single-pass time (target <= 1.1);
    ``speedup_numpy`` / ``speedup_torch`` = their two-pass time / fused time.
    """
    bop = get_op("bias_" + act)
    shape = tuple(int(n) for n in shape)
    size = math.prod(shape)
    case = Case(bop, dtype, size, shape=shape)
    row = measure(bop, dtype, size, impls, settings, threads, None, progress, case)
    row["act"] = act
    row["fused_vs_single"] = ratio(row.get("fastrelu_s"), row.get("single_s"))
    return row


def measure_stats(op: str, dtype, shape, impls=STATS_IMPLS, settings: Settings = FULL,
                  threads: int | None = None, progress=None) -> dict:
    """One row of the statistics table: ``<op>_(x, stats=st)`` against
    ``<op>_(x)`` (``stats_overhead_pct``: 100 * (with / without - 1)) and the
    two-pass NumPy / torch forms (``speedup_numpy`` / ``speedup_torch``: their
    time over fastrelu's time with statistics)."""
    bop = get_op(op)
    shape = tuple(int(n) for n in shape)
    size = math.prod(shape)
    case = Case(bop, dtype, size, shape=shape)
    row = measure(bop, dtype, size, impls, settings, threads, None, progress, case)
    with_s = row.get("fastrelu+stats_s")
    rel = ratio(with_s, row.get("fastrelu_s"))
    row["stats_overhead_pct"] = None if rel is None else 100.0 * (rel - 1.0)
    row["speedup_numpy"] = ratio(row.get("numpy+stats_s"), with_s)
    row["speedup_torch"] = ratio(row.get("torch+stats_s"), with_s)
    return row
