"""The implementations the bench times, each bound to its operands as a
zero-argument call: fastrelu's op, the C roofline loop, and the NumPy and
torch forms of ``fastrelu._ops.BASELINES`` (plus the statistics
section's op-then-count forms), and the context each one runs in."""

from __future__ import annotations

import contextlib
from functools import partial
from typing import Callable

import numpy as np

from ._baselines import COUNTS, STATS_EPS
from ._ops import BASELINES
from ._bench_data import ARITY, BenchOp, Case, unfused

__all__ = ["Unavailable", "import_torch", "fastrelu_call", "roofline_call", "numpy_call",
           "torch_call", "numba_call", "numpy_stats_call", "torch_stats_call", "bind",
           "impl_context"]


class Unavailable(Exception):
    """This implementation cannot run this case (reason in the message)."""


def import_torch():
    try:
        import torch
    except Exception as exc:  # ImportError, or a broken install
        raise Unavailable(f"torch not importable: {exc}") from None
    return torch


def _row(op: str):
    try:
        return BASELINES[op]
    except KeyError:
        raise Unavailable(f"no baseline row for {op} (fastrelu._ops)") from None


def fastrelu_call(op: str, args, out=None, stats=None):
    import fastrelu

    if stats is not None:
        return partial(getattr(fastrelu, op + "_"), *args, stats=stats)
    if out is None:
        return partial(getattr(fastrelu, op + "_"), *args)
    return partial(getattr(fastrelu, op), *args, out=out)


def roofline_call(op: str, args, out=None):
    """``x[i] = x[i] + 0`` over the first operand (two streams), or over the
    first two arrays (``roofline3_``, three streams: the backward ops)."""
    from fastrelu import _ufuncs

    if out is not None:
        raise Unavailable("the roofline loops are in place only")
    if args[0].dtype not in (np.float32, np.float64):
        raise Unavailable(f"no roofline loop for {args[0].dtype}")
    arrays = [a.reshape(-1) for a in args[:ARITY.get(op, len(args))]]
    if len(arrays) == 1:
        return partial(_ufuncs.roofline_, arrays[0])
    return partial(_ufuncs.roofline3_, *arrays)


def numpy_call(op: str, args, out=None, scratch: Callable[[], np.ndarray] | None = None):
    """The NumPy form of ``op`` bound to ``args`` (the arrays, then alpha or
    the bias); ``out=None`` is in place (into ``args[0]``).  ``scratch()``
    gives the preallocated temporary of the forms that need one (allocated
    here, once, when not given)."""
    form = _row(op).numpy
    s = None
    if form.scratch:
        s = scratch() if scratch is not None else np.empty_like(args[0])
    return form.bind(*args, out=args[0] if out is None else out, s=s)


def torch_call(op: str, args, out=None):
    """torch's CPU op on tensors sharing ``args``' memory; in place if out is None."""
    form = _row(op).torch
    torch = import_torch()
    try:
        ts = [torch.from_numpy(a) if isinstance(a, np.ndarray) else a for a in args]
        to = None if out is None else torch.from_numpy(out)
    except Exception as exc:
        raise Unavailable(f"torch cannot wrap {args[0].dtype}: {exc}") from None
    return form.bind(torch, *ts, out=to)


_NB_JITTED = {}


def numba_call(op: str, args, out=None):
    """The naive numba loop of ``op`` (``Baseline.naive``), jitted and run
    once here (never inside a timing); in place if out is None."""
    naive = _row(op).naive
    if naive is None:
        raise Unavailable(f"no numba loop for {op}")
    try:
        import numba
    except Exception as exc:
        raise Unavailable(f"numba not importable: {exc}") from None
    loop, constant = naive
    dt = args[0].dtype.type
    out = args[0] if out is None else out
    # scalars (alpha) in the array dtype: the loop computes in that dtype
    a = tuple(x if isinstance(x, np.ndarray) else dt(x) for x in args) + (out, dt(constant))
    f = _NB_JITTED.get(op)
    if f is None:
        f = numba.njit(cache=True, nogil=True)(loop)
        try:  # compile now (or load from numba's cache)
            f(*a)
        except Exception:  # an unusable cache entry: compile without the cache
            f = numba.njit(nogil=True)(loop)
        _NB_JITTED[op] = f
    f(*a)  # this dtype's specialization
    return partial(f, *a)


def _per_unit(a):
    return a.reshape(-1, a.shape[-1])


def numpy_stats_call(op: str, args, scratch=None):
    """The op in place, then its per-unit count the way NumPy users write it
    (``_baselines.COUNTS``)."""
    if op not in COUNTS:
        raise Unavailable(f"no statistics baseline for {op}")
    act, count, y = numpy_call(op, args, scratch=scratch), COUNTS[op].numpy, _per_unit(args[0])

    def stats_np(act=act, count=count, y=y, eps=STATS_EPS):
        act()
        return count(y, eps)

    return stats_np


def torch_stats_call(op: str, args):
    if op not in COUNTS:
        raise Unavailable(f"no statistics baseline for {op}")
    torch = import_torch()
    act, count = torch_call(op, args), COUNTS[op].torch
    t = _per_unit(torch.from_numpy(args[0]))

    def stats_torch(act=act, count=count, t=t, eps=STATS_EPS):
        act()
        return count(t, eps)

    return stats_torch


def _single(op, args, case):
    if unfused(op) == op:
        raise Unavailable(f"{op} is not a fused op")
    return fastrelu_call(unfused(op), args[:1])


#: impl -> bind(op, args, case): the in-place call on one slot (see ``bind``)
_BINDERS = {
    "fastrelu": lambda op, args, case: fastrelu_call(op, args),
    "roofline": lambda op, args, case: roofline_call(op, args),
    "numpy": lambda op, args, case: numpy_call(op, args, scratch=case.scratch),
    "torch": lambda op, args, case: torch_call(op, args),
    "single": _single,
    "fastrelu+stats": lambda op, args, case: fastrelu_call(op, args, stats=case.unit_stats()),
    "numpy+stats": lambda op, args, case: numpy_stats_call(op, args, scratch=case.scratch),
    "torch+stats": lambda op, args, case: torch_stats_call(op, args),
}


def bind(impl: str, case: Case, k: int):
    """In-place call of ``impl`` on slot ``k`` of ``case``.

    ``impl``: fastrelu, roofline, numpy, torch; ``single`` (a fused bias op's
    activation alone, ``fastrelu.<act>_(x)``); ``fastrelu+stats``,
    ``numpy+stats``, ``torch+stats`` (the op with its per-unit statistics).
    """
    if impl not in _BINDERS:
        raise ValueError(f"unknown implementation {impl!r}")
    return _BINDERS[impl](case.bop.op, (case.bufs[k],) + case.rest, case)


def impl_context(impl: str, bop: BenchOp, isa: str | None = None):
    """Entered once around a whole measurement (never per call)."""
    stack = contextlib.ExitStack()
    name = impl.split("+")[0]
    if name in ("fastrelu", "single"):
        import fastrelu

        stack.enter_context(fastrelu.accuracy(bop.accuracy))
        if isa:
            from fastrelu import _dispatch

            # a backend name ("numba") or a compiled ISA level of the cython backend
            stack.enter_context(_dispatch.backend(isa) if isa in _dispatch.BACKENDS
                                else _dispatch.use_isa(isa))
    elif name in ("numpy", "numba"):
        stack.enter_context(np.errstate(all="ignore"))
    return stack
