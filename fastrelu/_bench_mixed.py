"""The ``mixed`` section of ``python -m fastrelu bench``: a BLAS
matmul alternating with an in-place activation, in one process::

    A = rng.standard_normal((rows, units)); W = rng.standard_normal((units, units)) / sqrt(units)
    for _ in range(steps): np.matmul(A, W, out=h); act(h)

A kernel benchmark never shows what this loop shows: thread pools that stay
awake after their parallel region (libgomp's active wait, OpenBLAS's own
spinning threads) take the cores the next call needs.  DESIGN.md §2: the loop
with fastrelu's activation must never be slower than with numpy's.

Implementations (columns), each a step = its matmul then its activation:

* ``matmul``: ``np.matmul`` alone (no activation): the floor of a step;
* ``fastrelu``: ``np.matmul``, then ``fastrelu.<act>_(h)``;
* ``numpy``: ``np.matmul``, then numpy's own in-place activation (``ACT_FORMS``);
* ``torch``: torch tensors sharing the arrays' memory, ``torch.matmul(A, W,
  out=h)`` (torch's MKL on ``torch.get_num_threads()`` threads, which a BLAS
  limit does not reach) then torch's in-place op.

A time is per step: the minimum over repeats of (batch time / steps), a batch
being ``steps`` consecutive steps (the same for every cell of a group: at
least ``Settings.min_steps``, and enough that the slowest cell's batch lasts
``Settings.batch_s``).
Every step does the same work (the matmul overwrites h), so nothing is
restored between batches.  The cells of one group (dtype, shape, BLAS limit)
are measured round-robin, each after one untimed step.

This module depends on numpy only; fastrelu, torch and threadpoolctl are
imported when used.  ``fastrelu._bench`` prints its rows; ``bench/`` times
its steps under asv.
"""

from __future__ import annotations

import contextlib
import gc
import math
import time
from functools import partial
from typing import Callable, NamedTuple

import numpy as np

__all__ = ["MixedCase", "measure_group", "blas_info", "blas_threads", "blas_limit",
           "ACT_FORMS", "MATMULS", "MATMUL_OF", "ACTS", "IMPLS", "SHAPES", "QUICK_SHAPES",
           "DTYPES", "QUICK_DTYPES", "BLAS_THREADS", "FULL", "QUICK"]

#: (rows, units): A is rows x units, W units x units, h rows x units
SHAPES = ((128, 1024), (512, 1024), (4096, 1024))
QUICK_SHAPES = ((512, 1024),)
DTYPES = ("float32", "float64")
QUICK_DTYPES = ("float32",)
ACTS = ("relu", "sigmoid", "silu")
IMPLS = ("matmul", "fastrelu", "numpy", "torch")
#: BLAS thread limits of a full run (the issue's OpenBLAS at 1 and at 2
#: threads); --quick runs with the BLAS's own setting
BLAS_THREADS = (1, 2)


class Settings(NamedTuple):
    batch_s: float  # a timed batch of steps lasts at least this long
    min_steps: int  # steps per batch, at least
    budget_s: float  # time spent on one cell, over all rounds
    min_reps: int  # batches per cell and round, at least
    rounds: int  # round-robin passes over the cells of a group


FULL = Settings(batch_s=0.1, min_steps=3, budget_s=0.4, min_reps=2, rounds=2)
QUICK = Settings(batch_s=0.03, min_steps=3, budget_s=0.15, min_reps=1, rounds=2)


# --------------------------------------------------------------------------
# what a step is: one row per (implementation, activation)
# --------------------------------------------------------------------------

def _fastrelu():
    import fastrelu

    return fastrelu


def _torch():
    import torch

    return torch


def _np_sigmoid_(h):
    np.negative(h, out=h)
    np.exp(h, out=h)
    h += 1
    np.reciprocal(h, out=h)


def _np_silu_(h, s):
    np.negative(h, out=s)
    np.exp(s, out=s)
    s += 1
    np.divide(h, s, out=h)


#: how each implementation's operands are held and multiplied:
#: name -> (form, bind(A, W, h) -> call)
MATMULS = {
    "numpy": ("np.matmul(A, W, out=h)", lambda A, W, h: partial(np.matmul, A, W, out=h)),
    "torch": ("torch.matmul(A, W, out=h)",
              lambda A, W, h: partial(_torch().matmul, A, W, out=h)),
}
#: implementation -> its matmul (a key of MATMULS; "torch": the operands are
#: torch tensors sharing the arrays' memory)
MATMUL_OF = {"matmul": "numpy", "fastrelu": "numpy", "numpy": "numpy", "torch": "torch"}
#: (implementation, activation) -> (form, bind(h, s) -> the in-place activation
#: of h, or None for no activation); s: a scratch the size of h
ACT_FORMS = {
    ("matmul", None): ("(none)", lambda h, s: None),
    ("fastrelu", "relu"): ("fastrelu.relu_(h)", lambda h, s: partial(_fastrelu().relu_, h)),
    ("fastrelu", "sigmoid"): ("fastrelu.sigmoid_(h)",
                              lambda h, s: partial(_fastrelu().sigmoid_, h)),
    ("fastrelu", "silu"): ("fastrelu.silu_(h)", lambda h, s: partial(_fastrelu().silu_, h)),
    ("numpy", "relu"): ("np.maximum(h, 0, out=h)",
                        lambda h, s: partial(np.maximum, h, 0, out=h)),
    ("numpy", "sigmoid"): ("np.negative(h, out=h); np.exp(h, out=h); h += 1; "
                           "np.reciprocal(h, out=h)", lambda h, s: partial(_np_sigmoid_, h)),
    ("numpy", "silu"): ("np.negative(h, out=s); np.exp(s, out=s); s += 1; "
                        "np.divide(h, s, out=h)  [s preallocated]",
                        lambda h, s: partial(_np_silu_, h, s)),
    ("torch", "relu"): ("h.relu_()", lambda h, s: h.relu_),
    ("torch", "sigmoid"): ("h.sigmoid_()", lambda h, s: h.sigmoid_),
    ("torch", "silu"): ("torch.nn.functional.silu(h, inplace=True)",
                        lambda h, s: partial(_torch().nn.functional.silu, h, inplace=True)),
}


def cells(acts, impls) -> list:
    """The (activation, implementation) cells of one group: matmul alone once
    (activation None), then every activation x the other implementations."""
    out = [(None, "matmul")] if "matmul" in impls else []
    return out + [(a, i) for a in acts for i in impls if i != "matmul"]


def step_forms(impl: str, act: str | None) -> str:
    """A step of ``impl`` as text: its matmul, then its activation."""
    form = ACT_FORMS[(impl, act)][0]
    mm = MATMULS[MATMUL_OF[impl]][0]
    return mm if act is None else f"{mm}; {form}"


class MixedCase:
    """The operands of one (dtype, shape) group: A (rows x units), W (units x
    units, scaled by 1/sqrt(units) so h = A @ W is about N(0, 1)), the output
    h and a scratch s (numpy's silu), preallocated."""

    def __init__(self, dtype, shape, seed: int = 0):
        rows, units = (int(n) for n in shape)
        self.dtype, self.shape = np.dtype(dtype), (rows, units)
        rng = np.random.default_rng([seed, rows, units])
        self.A = rng.standard_normal((rows, units)).astype(self.dtype)
        self.W = (rng.standard_normal((units, units)) / math.sqrt(units)).astype(self.dtype)
        self.h = np.empty((rows, units), self.dtype)
        self.s = np.empty_like(self.h)

    def step(self, impl: str, act: str | None) -> Callable[[], None]:
        """One step of ``impl``: its matmul into h, then its activation of h in
        place (KeyError: no such form; ImportError: torch missing)."""
        bind_act = ACT_FORMS[(impl, act)][1]
        lib = MATMUL_OF[impl]
        ops = (self.A, self.W, self.h, self.s)
        if lib == "torch":
            torch = _torch()
            ops = tuple(torch.from_numpy(a) for a in ops)
        A, W, h, s = ops
        mm = MATMULS[lib][1](A, W, h)
        activate = bind_act(h, s)
        if activate is None:
            return mm

        def step(mm=mm, activate=activate):
            mm()
            activate()

        return step


# --------------------------------------------------------------------------
# BLAS threads (threadpoolctl)
# --------------------------------------------------------------------------

def _blas_entries():
    try:
        import threadpoolctl
    except ImportError:
        return None
    return [i for i in threadpoolctl.threadpool_info() if i.get("user_api") == "blas"]


def blas_threads() -> int | None:
    """Threads of the loaded BLAS (the most of any, if several); None when
    threadpoolctl is not importable or sees no BLAS."""
    entries = _blas_entries()
    return max((i["num_threads"] for i in entries), default=None) if entries else None


def blas_info() -> str:
    """The loaded BLAS libraries and their threads, as text."""
    entries = _blas_entries()
    if entries is None:
        return "BLAS threads unknown (threadpoolctl not importable)"
    if not entries:
        return "no BLAS seen by threadpoolctl"
    return ", ".join(
        f"{i['internal_api']} {i.get('version') or '?'} "
        f"({', '.join(str(i[k]) for k in ('threading_layer', 'architecture') if i.get(k))}) "
        f"{i['num_threads']} thread(s)" for i in entries)


@contextlib.contextmanager
def blas_limit(n: int | None):
    """``threadpoolctl.threadpool_limits(n, user_api="blas")`` (nothing when
    ``n`` is None); yields the BLAS threads in effect."""
    if n is None:
        yield blas_threads()
        return
    import threadpoolctl

    with threadpoolctl.threadpool_limits(limits=int(n), user_api="blas"):
        yield blas_threads()


# --------------------------------------------------------------------------
# the timer
# --------------------------------------------------------------------------

def _batch(step, steps: int) -> float:
    clock = time.perf_counter
    t0 = clock()
    for _ in range(steps):
        step()
    return clock() - t0


def _ratio(a, b):
    return (a / b) if (a and b) else None


def measure_group(dtype, shape, acts=ACTS, impls=IMPLS, settings: Settings = FULL,
                  blas: int | None = None, progress: Callable[[str], None] | None = None
                  ) -> list:
    """One row per activation of the group (dtype, shape, BLAS limit ``blas``):
    the per-step seconds of every implementation (``<impl>_s``; ``matmul_s``
    shared by the rows) and ``vs_numpy`` / ``vs_torch`` = fastrelu's step time
    over numpy's / torch's (lower is better: <= 1.0 means fastrelu's loop is
    no slower).  An implementation that cannot run is None, its reason under
    ``unavailable``."""
    fr = _fastrelu()
    case = MixedCase(dtype, shape)
    group = cells(acts, impls)
    calls, notes = {}, {}
    best = {}
    gc_was = gc.isenabled()
    with blas_limit(blas) as blas_now, np.errstate(all="ignore"):
        torch_threads = None
        one = 0.0  # the slowest cell's step
        for cell in group:
            act, impl = cell
            try:
                calls[cell] = case.step(impl, act)
                calls[cell]()  # first-call costs, thread pools start
            except Exception as exc:  # no form, torch missing, an op missing in this build
                notes[cell] = f"{type(exc).__name__}: {exc}"
                continue
            one = max(one, min(_batch(calls[cell], 1) for _ in range(2)))
        if any(impl == "torch" for _, impl in calls):
            torch_threads = _torch().get_num_threads()
        steps = max(settings.min_steps, math.ceil(settings.batch_s / max(one, 1e-9)))
        rounds = max(1, settings.rounds)
        budget = settings.budget_s / rounds
        gc.disable()
        try:
            for _ in range(rounds):
                for cell, call in calls.items():
                    if progress:
                        progress(cell[1] if cell[0] is None else f"{cell[1]} {cell[0]}")
                    call()  # untimed: the previous cell's threads settle first
                    start = time.perf_counter()
                    reps = 0
                    while reps < settings.min_reps or time.perf_counter() - start < budget:
                        t = _batch(call, steps) / steps
                        if t < best.get(cell, math.inf):
                            best[cell] = t
                        reps += 1
        finally:
            if gc_was:
                gc.enable()
    rows = []
    for act in acts:
        row = {
            "act": act,
            "dtype": np.dtype(dtype).name,
            "shape": list(case.shape),
            "blas_limit": blas,
            "blas_threads": blas_now,
            "threads": fr.get_num_threads(),
            "torch_threads": torch_threads,
            "steps": steps,
        }
        unavailable = {}
        for impl in IMPLS:
            cell = (None, impl) if impl == "matmul" else (act, impl)
            row[impl + "_s"] = best.get(cell)
            if cell in notes:
                unavailable[impl] = notes[cell]
        row["vs_numpy"] = _ratio(row["fastrelu_s"], row["numpy_s"])
        row["vs_torch"] = _ratio(row["fastrelu_s"], row["torch_s"])
        if unavailable:
            row["unavailable"] = unavailable
        rows.append(row)
    return rows


def forms() -> dict:
    """Every step form as text, for the JSON environment."""
    return {f"{impl} {act}" if act else impl: step_forms(impl, act)
            for impl, act in ACT_FORMS}
