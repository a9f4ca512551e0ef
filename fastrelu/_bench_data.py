"""What the bench measures and on which data: the bench rows (one per
registry op, plus ``op[exact]`` where the exact kernels differ), the input
arrays of one case, deterministic, and the pool of working buffers a timing
restores them into.  The per-op knowledge (data kinds, extra operands) is
``fastrelu._ops.BASELINES``."""

from __future__ import annotations

import math
from typing import NamedTuple

import numpy as np

from ._baselines import ALPHA, STATS_EPS
from ._ops import BASELINES
__all__ = ["BenchOp", "Case", "bench_ops", "get_op", "exact_differs", "unfused",
           "bias_units", "shape_for", "make_inputs", "ARITY", "EXTRA",
           "POOL_BYTES", "MAX_POOL"]

#: full-size array operands of each op (the first is written in place)
ARITY = {op: len(row.data) for op, row in BASELINES.items()}
#: operands after the arrays: alpha = ALPHA; bias = N(0, 1), one per unit
EXTRA = {op: row.extra for op, row in BASELINES.items() if row.extra}
#: the row order; an op's index seeds its data
_ORDER = tuple(BASELINES)

#: buffers of one batch together stay below this (L2-sized: data stays warm)
POOL_BYTES = 256 * 1024
MAX_POOL = 64


class BenchOp(NamedTuple):
    name: str  # row label, e.g. "sigmoid[exact]"
    op: str  # registry op, e.g. "sigmoid"
    accuracy: str  # "fast" | "exact"
    nargs: int  # full-size array operands: 1: x -> x ; 2: (grad, y) -> grad

    @property
    def inplace_name(self) -> str:
        return self.op + "_"

    @property
    def extra(self) -> tuple:
        """Trailing operands after the arrays: "alpha" (scalar), "bias" (vector)."""
        return EXTRA.get(self.op, ())

    def streams(self) -> int:
        """Memory streams of the in-place op: unary r+w = 2, backward = 3
        (a bias is one row, read from cache: not counted)."""
        return self.nargs + 1


def registry():
    from fastrelu import _dispatch

    return tuple(_dispatch.KERNELS)


def exact_differs(rows, op) -> bool:
    fast = {r.name for r in rows if r.op == op and r.accuracy == "fast"}
    exact = {r.name for r in rows if r.op == op and r.accuracy == "exact"}
    return bool(exact - fast)


def bench_ops() -> tuple:
    """BenchOp rows, in a stable order, generated from the kernel registry."""
    rows = registry()
    ops = [r.op for r in rows]
    seen = []
    for op in list(_ORDER) + ops:
        if op in ops and op not in seen:
            seen.append(op)
    out = []
    for op in seen:
        if op not in ARITY:  # a registry op without a BASELINES row (a test fails)
            continue
        out.append(BenchOp(op, op, "fast", ARITY[op]))
        if exact_differs(rows, op):  # accuracy None rows serve both modes
            out.append(BenchOp(op + "[exact]", op, "exact", ARITY[op]))
    return tuple(out)


def get_op(name: str) -> BenchOp:
    for b in bench_ops():
        if b.name == name:
            return b
    raise KeyError(name)


def unfused(op: str) -> str:
    """The activation of a fused bias op: "bias_silu" -> "silu"."""
    return op.removeprefix("bias_")


# --------------------------------------------------------------------------
# data
# --------------------------------------------------------------------------

_CHUNK = 1 << 20
_PERIOD = 1 << 20


def _fill(out: np.ndarray, kind: str, rng: np.random.Generator) -> None:
    """Fill ``out`` in place, chunk by chunk (no full-size temporaries, so asv
    peakmem benchmarks see the op's memory, not the generator's);
    ``kind``: a key of ``_baselines.DATA_KINDS``."""
    flat = out.reshape(-1)
    direct = out.dtype in (np.float32, np.float64)
    for s in range(0, flat.size, _CHUNK):
        dst = flat[s : s + _CHUNK]
        buf = dst if direct else np.empty(dst.size, np.float32)
        if kind in ("normal4", "normal"):
            rng.standard_normal(dtype=buf.dtype, out=buf)
            if kind == "normal4":
                buf *= 4
        elif kind == "sym":
            rng.random(dtype=buf.dtype, out=buf)
            buf -= 0.5
            buf *= 2
        elif kind == "unit":
            rng.random(dtype=buf.dtype, out=buf)
        else:  # pragma: no cover
            raise ValueError(kind)
        if not direct:
            np.copyto(dst, buf, casting="unsafe")


def bias_units(size: int, target: int = 1024) -> int:
    """Units (last axis) of a bias op's input of ``size`` elements: the divisor
    of ``size`` nearest ``target`` on a log scale (1000 -> 1000, 65536 -> 1024,
    1M -> 1000, 16M -> 1024; a prime size is one row)."""
    best = size
    for d in range(1, min(size, 8 * target) + 1):
        if size % d == 0 and abs(math.log(d / target)) < abs(math.log(best / target)):
            best = d
    return best


def shape_for(op: str, size: int) -> tuple:
    """The array shape of one ``op`` case of ``size`` elements."""
    if "bias" in EXTRA.get(op, ()):
        units = bias_units(size)
        return (size // units, units)
    return (int(size),)


def make_inputs(bop: BenchOp, dtype, size: int, seed: int = 0, shape=None):
    """The saved operands of one case, deterministic: the arrays (``(x0,)`` or
    ``(g0, y)``, of ``shape``, default ``shape_for``) then the extra operands
    (``ALPHA`` for the leaky ops, a bias of ``shape[-1]`` values)."""
    dt = np.dtype(dtype)
    shape = shape_for(bop.op, size) if shape is None else tuple(int(n) for n in shape)
    if math.prod(shape) != size:
        raise ValueError(f"shape {shape} does not hold {size} elements")
    idx = _ORDER.index(bop.op)
    row = BASELINES[bop.op]
    arrs = []
    for i, kind in enumerate(row.data):
        a = np.empty(size, dt)
        # random block of up to 2^20 values (far beyond any branch predictor's
        # memory), tiled: 16M-element inputs cost a memcpy, not 16M draws
        block = a[: min(size, _PERIOD)]
        _fill(block, kind, np.random.default_rng([seed, idx, i]))
        for s in range(block.size, size, block.size):
            np.copyto(a[s : s + block.size], block[: size - s])
        arrs.append(a.reshape(shape))
    for j, extra in enumerate(row.extra):
        if extra == "alpha":
            arrs.append(ALPHA)
        elif extra == "bias":
            b = np.empty(shape[-1], dt)
            _fill(b, "normal", np.random.default_rng([seed, idx, 100 + j]))
            arrs.append(b)
        else:  # pragma: no cover
            raise ValueError(extra)
    return tuple(arrs)


class Case:
    """Inputs and working buffers of one (op, dtype, size[, shape]).

    ``src`` is the saved input that every call starts from (x for the forward
    ops, grad for the backward ops), ``rest`` the read-only operands after it
    (the backward ops' y, alpha, a bias), ``bufs`` the pool of working copies of
    ``src``.
    """

    def __init__(self, bop: BenchOp, dtype, size: int, slots: int | None = None,
                 seed: int = 0, shape=None):
        self.bop, self.dtype, self.size = bop, np.dtype(dtype), int(size)
        ins = make_inputs(bop, dtype, size, seed, shape)
        self.src = ins[0]
        self.shape = self.src.shape
        self.rest = tuple(ins[1:])
        if slots is None:
            slots = max(1, min(MAX_POOL, POOL_BYTES // max(1, self.src.nbytes)))
        self.bufs = [np.empty_like(self.src) for _ in range(slots)]
        for k in range(slots):
            self.restore(k)
        self._scratch = None
        self._stats = None

    @property
    def y(self):
        """The second array operand (backward ops), else None."""
        return self.rest[0] if self.bop.nargs > 1 else None

    @property
    def nbytes(self) -> int:
        """Bytes read + written by one in-place call."""
        return self.bop.streams() * self.size * self.dtype.itemsize

    def restore(self, k: int = 0) -> None:
        np.copyto(self.bufs[k], self.src)

    def scratch(self) -> np.ndarray:
        if self._scratch is None:
            self._scratch = np.empty_like(self.src)
        return self._scratch

    def unit_stats(self):
        """The ``fastrelu.UnitStats`` the ``fastrelu+stats`` calls accumulate into."""
        if self._stats is None:
            import fastrelu

            self._stats = fastrelu.UnitStats(eps=STATS_EPS)
        return self._stats
