"""The numba twins by op name and accuracy mode, read through the op table
(fastrelu._ops.OPS: kind, argument names, what a fused op counts): what the
njit API (``arrays``) and the kernel-table cfuncs (``cfuncs``) look up.
"""
from numba import types

from .. import _ops
from .scalar import COUNTERS, TWINS

MODES = ("fast", "exact")


def row(op):
    """op's row of the op table (an Op), or None if it has no numba twin."""
    r = _ops.BY_NAME.get(op)
    if r is None or (_modes_entry(r) is None):
        return None
    return r


def _modes_entry(r):
    return TWINS.get(_ops.activation(r.name) if r.kind == "fused" else r.name)


def _index(t):
    return {types.float32: 0, types.float64: 1}[t]


def mode_of(op, mode, t):
    """The TWINS mode of op's twin at float type t for `mode` ("fast",
    "exact", or None: either, where both are the same function): None when
    the op computes the same in both modes at t, else "fast" or "exact"."""
    entry = _modes_entry(_ops.BY_NAME[op])
    if None in entry or entry["fast"][_index(t)] is entry["exact"][_index(t)]:
        return None
    if mode not in MODES:
        raise ValueError(f"{op} computes differently in fast and exact mode: mode must "
                         f"be one of {MODES}, got {mode!r}")
    return mode


def twin(op, mode, t):
    """The scalar function of op (for a fused op: its activation's) in `mode`
    at float type t (numba's float32/float64)."""
    entry = _modes_entry(_ops.BY_NAME[op])
    m = mode_of(op, mode, t)
    return entry[None][_index(t)] if None in entry else entry[m or "fast"][_index(t)]


def counter(op, t):
    """count(y, eps): what the fused op counts per output (FR_COUNT_*)."""
    return COUNTERS[_ops.BY_NAME[op].counts][_index(t)]
