"""``python -m fastrelu bench``: fastrelu against the roofline, NumPy and torch.

This module is also the measuring layer of the asv suite (``bench/``): the op
list, the input data, the baselines and the timer live here once.

Four tables (``--sections``):

``ops``
    Rows come from the kernel registry (``fastrelu._dispatch.KERNELS``): one
    row per registry op, plus an ``op[exact]`` row for every op whose
    exact-accuracy kernels differ from its fast ones.  Every row times the
    in-place form (``fastrelu.relu_(x)``, ``leaky_relu_(x, ALPHA)``,
    ``bias_relu_(x, b)`` ...) and compares it with

    * the roofline: ``fastrelu._ufuncs.roofline_(x)`` (``x[i] = x[i] + 0``, two
      memory streams) or ``roofline3_(g, y)`` (three streams, backward ops), run
      with the same threads as the kernels;
    * the best in-place NumPy form (see ``NUMPY_FORMS``);
    * torch's in-place CPU op (``TORCH_FORMS``) with ``torch.set_num_threads``
      equal to fastrelu's thread count, when torch is importable.

    The bias ops take a (rows, units) input, units the divisor of the size
    nearest 1024 (``bias_units``), and a bias of ``units`` values.
``fused``
    ``bias_<act>_(x, b)`` on a dense layer's output, ``FUSED_SHAPES``, against
    the activation alone in one in-place pass (``<act>_(x)``: the target is
    fused <= 1.1x of it) and the two-pass NumPy and torch forms.
``stats``
    ``relu_(x, stats=st)`` / ``sigmoid_(x, stats=st)`` (``fastrelu.UnitStats``,
    per-unit counts in the same pass) against the op without ``stats`` (the
    overhead) and the two-pass NumPy and torch forms (the op, then
    ``(y == 0).sum(axis=0)`` or ``(y * (1 - y) < eps).sum(axis=0)``).
``mixed``
    A BLAS matmul alternating with the activation in place (``np.matmul(A, W,
    out=h); fastrelu.relu_(h)``, ...) against the same loop with numpy's
    activation and with torch's matmul and op, per step, optionally under
    BLAS thread limits (``fastrelu._bench_mixed``, which holds its forms and
    its timer).

How a time is taken (``time_call``): every timed call starts from the same
input.  Before each timed batch the working buffers are restored from a saved
copy with ``np.copyto`` *outside* the timed region, and a batch of ``number``
calls uses ``number`` distinct buffers (a pool of at most ``POOL_BYTES``, so
small arrays stay in cache), so no call ever sees the output of an earlier
one.  ``number`` is picked timeit-style (the batch should last at least
``TARGET_BATCH_S``) and the result is the minimum over repeats of
batch time / number.  The implementations of a row are measured round-robin
(``Settings.rounds``), so load from elsewhere hits them alike.
"""

from __future__ import annotations

import contextlib
import gc
import json
import math
import platform
import sys
import time
from functools import partial
from typing import Callable, NamedTuple

import numpy as np

from . import _bench_mixed
from ._wisdom import cpu_model

__all__ = [
    "BenchOp",
    "Case",
    "bench_ops",
    "measure",
    "measure_fused",
    "measure_stats",
    "run",
    "add_arguments",
    "main",
    "NUMPY_FORMS",
    "TORCH_FORMS",
    "SIZES",
    "QUICK_SIZES",
    "DTYPES",
    "ALPHA",
    "FUSED_SHAPES",
]

SIZES = (1000, 65536, 1_000_000, 16_000_000)
QUICK_SIZES = (1000, 65536, 16_000_000)
#: --quick (without --ops/--sizes) runs these ops at QUICK_SIZES, the other
#: ops' fast rows at QUICK_EXTRA_SIZES only (their full table: without --quick)
QUICK_CORE = ("relu", "sigmoid", "relu_backward", "sigmoid_backward")
QUICK_EXTRA_SIZES = (1_000_000,)
DTYPES = ("float32", "float64")
IMPLS = ("fastrelu", "roofline", "numpy", "torch")
SECTIONS = ("ops", "fused", "stats", "mixed")

#: slope of the leaky ops below zero (torch's default negative_slope)
ALPHA = 0.01
#: (rows, units) of the fused and statistics tables: a dense layer's output
FUSED_SHAPES = ((256, 1024), (4096, 1024))
QUICK_FUSED_SHAPES = ((4096, 1024),)
FUSED_ACTS = ("relu", "sigmoid", "silu")
FUSED_IMPLS = ("fastrelu", "single", "numpy", "torch")
STATS_OPS = ("relu", "sigmoid")
STATS_IMPLS = ("fastrelu", "fastrelu+stats", "numpy+stats", "torch+stats")
#: sigmoid saturation threshold on y * (1 - y) (UnitStats' default)
STATS_EPS = 1e-3

#: a timed batch should last at least this long (timer resolution ~50 ns)
TARGET_BATCH_S = 50e-6
#: buffers of one batch together stay below this (L2-sized: data stays warm)
POOL_BYTES = 256 * 1024
MAX_POOL = 64


class Settings(NamedTuple):
    budget_s: float  # time spent repeating one implementation of one case
    min_reps: int
    max_reps: int
    rounds: int = 1  # implementations are measured interleaved, in this many rounds


FULL = Settings(budget_s=0.3, min_reps=6, max_reps=20000, rounds=3)
QUICK = Settings(budget_s=0.025, min_reps=3, max_reps=2000)


# --------------------------------------------------------------------------
# what is benchmarked: generated from the kernel registry
# --------------------------------------------------------------------------

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


#: per-op knowledge the registry does not hold: the data of each full-size
#: array operand (the first is the one written in place); the key order is the
#: row order and seeds the data (append new ops at the end)
_KINDS = {
    "relu": ("normal4",),
    "sigmoid": ("normal4",),
    "relu_backward": ("normal", "sym"),
    "sigmoid_backward": ("normal", "unit"),
    "leaky_relu": ("normal4",),
    "leaky_relu_backward": ("normal", "sym"),
    "silu": ("normal4",),
    "silu_backward": ("normal", "normal4"),  # (grad, x): silu's input
    "softplus": ("normal4",),
    "log_sigmoid": ("normal4",),
    "bias_relu": ("normal4",),
    "bias_sigmoid": ("normal4",),
    "bias_silu": ("normal4",),
}
#: operands after the arrays: alpha = ALPHA; bias = N(0, 1), one per unit
EXTRA = {
    "leaky_relu": ("alpha",),
    "leaky_relu_backward": ("alpha",),
    "bias_relu": ("bias",),
    "bias_sigmoid": ("bias",),
    "bias_silu": ("bias",),
}
ARITY = {op: len(kinds) for op, kinds in _KINDS.items()}
_ORDER = tuple(_KINDS)

#: the NumPy baseline of each op, best in-place form found on this hardware
#: (np.multiply(g, y > 0) beats putmask/copyto(where=)/boolean indexing by
#: 4-10x; the sigmoid_backward form with a preallocated scratch beats the
#: allocating `g *= y; g *= 1 - y` by ~30% at 16M).  Measured at 16M here:
#: leaky_relu's two passes over a scratch beat np.where(x > 0, x, a*x) 4-8x
#: (np.maximum form: valid for 0 <= alpha <= 1) and np.multiply(where=) 10x;
#: the stable softplus/log_sigmoid in six passes beat np.logaddexp(0, x)
#: 4-7x (logaddexp computes a log and an exp per element through libm);
#: silu as x / (1 + exp(-x)) beats x * (1 / (1 + np.exp(-x))) 2-2.5x
NUMPY_FORMS = {
    "relu": "np.maximum(x, 0, out=x)",
    "sigmoid": "np.negative(x, out=x); np.exp(x, out=x); x += 1; "
    "np.reciprocal(x, out=x)  [errstate ignore]",
    "relu_backward": "np.multiply(g, y > 0, out=g)",
    "sigmoid_backward": "np.subtract(1, y, out=s); np.multiply(g, y, out=g); "
    "np.multiply(g, s, out=g)  [s preallocated]",
    "leaky_relu": "np.multiply(x, a, out=s); np.maximum(x, s, out=x)  [s preallocated]",
    "leaky_relu_backward": "np.greater(x, 0, out=s); s *= 1 - a; s += a; "
    "np.multiply(g, s, out=g)  [s preallocated]",
    "silu": "np.negative(x, out=s); np.exp(s, out=s); s += 1; np.divide(x, s, out=x)  "
    "[s preallocated, errstate ignore]",
    "silu_backward": "s = sigmoid(x) (4 passes as sigmoid, into s); g *= s; "
    "np.subtract(1, s, out=s); s *= x; s += 1; g *= s  [s preallocated]",
    "softplus": "np.abs(x, out=s); np.negative(s, out=s); np.exp(s, out=s); "
    "np.log1p(s, out=s); np.maximum(x, 0, out=x); x += s  [s preallocated]",
    "log_sigmoid": "np.abs(x, out=s); np.negative(s, out=s); np.exp(s, out=s); "
    "np.log1p(s, out=s); np.minimum(x, 0, out=x); x -= s  [s preallocated]",
    "bias_relu": "x += b; np.maximum(x, 0, out=x)",
    "bias_sigmoid": "x += b; then sigmoid's 4 passes in place",
    "bias_silu": "x += b; then silu's 4 passes  [s preallocated]",
}
TORCH_FORMS = {
    "relu": "torch.relu_(x)",
    "sigmoid": "torch.sigmoid_(x)",
    "relu_backward": "torch.ops.aten.threshold_backward.grad_input(g, y, 0, grad_input=g)",
    "sigmoid_backward": "torch.ops.aten.sigmoid_backward.grad_input(g, y, grad_input=g)",
    "leaky_relu": "torch.nn.functional.leaky_relu_(x, a)",
    "leaky_relu_backward": "torch.ops.aten.leaky_relu_backward.grad_input(g, x, a, False, "
    "grad_input=g)",
    "silu": "torch.nn.functional.silu(x, inplace=True)",
    "silu_backward": "torch.ops.aten.silu_backward.grad_input(g, x, grad_input=g)",
    "softplus": "torch._C._nn.softplus(x, 1, 20, out=x)  (= F.softplus: x itself above 20)",
    "log_sigmoid": "torch._C._nn.log_sigmoid(x, out=x)  (= F.logsigmoid)",
    "bias_relu": "x.add_(b); torch.relu_(x)",
    "bias_sigmoid": "x.add_(b); torch.sigmoid_(x)",
    "bias_silu": "x.add_(b); torch.nn.functional.silu(x, inplace=True)",
}
STATS_FORMS = {
    "relu": "numpy: relu's form, then (x == 0).sum(axis=0); "
    "torch: torch.relu_(x), then (x == 0).sum(0)",
    "sigmoid": "numpy: sigmoid's form, then (x * (1 - x) < eps).sum(axis=0); "
    "torch: torch.sigmoid_(x), then (x * (1 - x) < eps).sum(0)",
}


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
        if op not in ARITY:  # a registry op this module cannot drive yet
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
    return op[len("bias_"):] if op.startswith("bias_") else op


# --------------------------------------------------------------------------
# data
# --------------------------------------------------------------------------

_CHUNK = 1 << 20
_PERIOD = 1 << 20


def _fill(out: np.ndarray, kind: str, rng: np.random.Generator) -> None:
    """Fill ``out`` in place, chunk by chunk (no full-size temporaries, so asv
    peakmem benchmarks see the op's memory, not the generator's)."""
    flat = out.reshape(-1)
    direct = out.dtype in (np.float32, np.float64)
    for s in range(0, flat.size, _CHUNK):
        dst = flat[s : s + _CHUNK]
        buf = dst if direct else np.empty(dst.size, np.float32)
        if kind == "normal4":  # activations: N(0, 4^2), half negative
            rng.standard_normal(dtype=buf.dtype, out=buf)
            buf *= 4
        elif kind == "normal":  # gradients
            rng.standard_normal(dtype=buf.dtype, out=buf)
        elif kind == "sym":  # relu_backward's y: uniform(-1, 1)
            rng.random(dtype=buf.dtype, out=buf)
            buf -= 0.5
            buf *= 2
        elif kind == "unit":  # sigmoid outputs: uniform[0, 1)
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
    arrs = []
    for i, kind in enumerate(_KINDS[bop.op]):
        a = np.empty(size, dt)
        # random block of up to 2^20 values (far beyond any branch predictor's
        # memory), tiled: 16M-element inputs cost a memcpy, not 16M draws
        block = a[: min(size, _PERIOD)]
        _fill(block, kind, np.random.default_rng([seed, idx, i]))
        for s in range(block.size, size, block.size):
            np.copyto(a[s : s + block.size], block[: size - s])
        arrs.append(a.reshape(shape))
    for j, extra in enumerate(EXTRA.get(bop.op, ())):
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


# --------------------------------------------------------------------------
# implementations: a zero-argument call on slot k, and the context it runs in
# --------------------------------------------------------------------------

class Unavailable(Exception):
    """This implementation cannot run this case (reason in the message)."""


def import_torch():
    try:
        import torch
    except Exception as exc:  # ImportError, or a broken install
        raise Unavailable(f"torch not importable: {exc}") from None
    return torch


def _np_sigmoid(x, out):
    """out = 1 / (1 + exp(-x)), four passes, no temporary (out may be x)."""
    np.negative(x, out=out)
    np.exp(out, out=out)
    out += 1
    np.reciprocal(out, out=out)


def _np_silu(x, out, s):
    """out = x / (1 + exp(-x)) through the scratch ``s`` (out may be x)."""
    np.negative(x, out=s)
    np.exp(s, out=s)
    s += 1
    np.divide(x, s, out=out)


def _np_log1p_exp_neg_abs(x, s):
    """s = log1p(exp(-|x|)): the bounded part of softplus / log_sigmoid."""
    np.abs(x, out=s)
    np.negative(s, out=s)
    np.exp(s, out=s)
    np.log1p(s, out=s)


def numpy_call(op: str, args, out=None, scratch: Callable[[], np.ndarray] | None = None):
    """The NumPy baseline of ``op`` (see NUMPY_FORMS) bound to ``args`` (the
    arrays, then alpha or the bias).

    ``out=None`` is in place (into ``args[0]``); otherwise into ``out``.
    ``scratch()`` gives the preallocated temporary of the forms that need one
    (allocated here, once, when not given).
    """
    inplace = out is None
    out = args[0] if inplace else out
    x = args[0]

    def tmp():
        return scratch() if scratch is not None else np.empty_like(x)

    if op == "relu":
        return partial(np.maximum, x, 0, out=out)
    if op == "sigmoid":
        return partial(_np_sigmoid, x, out)
    if op == "relu_backward":
        g, y = args

        def relu_backward_np(g=g, y=y, out=out):
            np.multiply(g, y > 0, out=out)

        return relu_backward_np
    if op == "sigmoid_backward":
        g, y = args
        if not inplace:  # out is free scratch

            def sigmoid_backward_np(g=g, y=y, out=out):
                np.subtract(1, y, out=out)
                np.multiply(out, y, out=out)
                np.multiply(out, g, out=out)

            return sigmoid_backward_np
        s = tmp()

        def sigmoid_backward_np_(g=g, y=y, s=s):
            np.subtract(1, y, out=s)
            np.multiply(g, y, out=g)
            np.multiply(g, s, out=g)

        return sigmoid_backward_np_
    if op == "leaky_relu":
        a = args[1]
        s = tmp() if inplace else out  # out-of-place: out is the scratch

        def leaky_relu_np(x=x, a=a, s=s, out=out):
            np.multiply(x, a, out=s)
            np.maximum(x, s, out=out)

        return leaky_relu_np
    if op == "leaky_relu_backward":
        g, y, a = args
        s = tmp() if inplace else out

        def leaky_relu_backward_np(g=g, y=y, a=a, s=s, out=out):
            np.greater(y, 0, out=s)
            s *= 1 - a
            s += a
            np.multiply(g, s, out=out)

        return leaky_relu_backward_np
    if op == "silu":
        return partial(_np_silu, x, out, tmp() if inplace else out)
    if op == "silu_backward":
        g, xin = args
        s = tmp()

        def silu_backward_np(g=g, x=xin, s=s, out=out):
            _np_sigmoid(x, s)
            np.multiply(g, s, out=out)
            np.subtract(1, s, out=s)
            s *= x
            s += 1
            out *= s

        return silu_backward_np
    if op in ("softplus", "log_sigmoid"):
        s = tmp()
        clip, combine = ((np.maximum, np.add) if op == "softplus"
                         else (np.minimum, np.subtract))

        def softplus_np(x=x, s=s, out=out, clip=clip, combine=combine):
            _np_log1p_exp_neg_abs(x, s)
            clip(x, 0, out=out)
            combine(out, s, out=out)

        return softplus_np
    if op in ("bias_relu", "bias_sigmoid", "bias_silu"):
        b = args[1]
        act = numpy_call(unfused(op), (out,), scratch=tmp)

        def bias_act_np(x=x, b=b, out=out, act=act):
            np.add(x, b, out=out)
            act()

        return bias_act_np
    raise Unavailable(f"no numpy baseline for {op}")


def torch_call(op: str, args, out=None):
    """torch's CPU op on tensors sharing ``args``' memory; in place if out is None."""
    torch = import_torch()
    try:
        ts = [torch.from_numpy(a) if isinstance(a, np.ndarray) else a for a in args]
        to = ts[0] if out is None else torch.from_numpy(out)
    except Exception as exc:
        raise Unavailable(f"torch cannot wrap {args[0].dtype}: {exc}") from None
    F = torch.nn.functional
    if op == "relu":
        if out is None:
            return partial(torch.relu_, ts[0])
        return partial(torch.clamp_min, ts[0], 0, out=to)  # what torch.relu runs
    if op == "sigmoid":
        if out is None:
            return partial(torch.sigmoid_, ts[0])
        return partial(torch.sigmoid, ts[0], out=to)
    if op == "relu_backward":
        return partial(torch.ops.aten.threshold_backward.grad_input, ts[0], ts[1], 0,
                       grad_input=to)
    if op == "sigmoid_backward":
        return partial(torch.ops.aten.sigmoid_backward.grad_input, ts[0], ts[1],
                       grad_input=to)
    if op == "leaky_relu":
        if out is None:
            return partial(F.leaky_relu_, ts[0], ts[1])
        return partial(torch._C._nn.leaky_relu, ts[0], ts[1], out=to)
    if op == "leaky_relu_backward":
        # self_is_result=False: ts[1] is the forward's input
        return partial(torch.ops.aten.leaky_relu_backward.grad_input, ts[0], ts[1], ts[2],
                       False, grad_input=to)
    if op == "silu":
        if out is None:
            return partial(F.silu, ts[0], inplace=True)
        return partial(torch._C._nn.silu, ts[0], out=to)
    if op == "silu_backward":
        return partial(torch.ops.aten.silu_backward.grad_input, ts[0], ts[1],
                       grad_input=to)
    if op == "softplus":  # F.softplus(x) with its defaults beta=1, threshold=20
        return partial(torch._C._nn.softplus, ts[0], 1, 20, out=to)
    if op == "log_sigmoid":  # F.logsigmoid
        return partial(torch._C._nn.log_sigmoid, ts[0], out=to)
    if op in ("bias_relu", "bias_sigmoid", "bias_silu"):
        act = torch_call(unfused(op), (out if out is not None else args[0],))

        def bias_act_torch(x=ts[0], b=ts[1], to=to, act=act):
            torch.add(x, b, out=to)
            act()

        return bias_act_torch
    raise Unavailable(f"no torch baseline for {op}")


def fastrelu_call(op: str, args, out=None, stats=None):
    import fastrelu

    if stats is not None:
        return partial(getattr(fastrelu, op + "_"), *args, stats=stats)
    if out is None:
        return partial(getattr(fastrelu, op + "_"), *args)
    return partial(getattr(fastrelu, op), *args, out=out)


def roofline_call(op: str, args, out=None):
    from fastrelu import _ufuncs

    if out is not None:
        raise Unavailable("the roofline loops are in place only")
    if args[0].dtype not in (np.float32, np.float64):
        raise Unavailable(f"no roofline loop for {args[0].dtype}")
    arrays = [a.reshape(-1) for a in args[:ARITY.get(op, len(args))]]
    if len(arrays) == 1:
        return partial(_ufuncs.roofline_, arrays[0])
    return partial(_ufuncs.roofline3_, *arrays)


def _count_axis0(mask: np.ndarray) -> np.ndarray:
    return mask.reshape(-1, mask.shape[-1]).sum(axis=0)


def numpy_stats_call(op: str, args, scratch=None):
    """The op in place, then its per-unit count the way NumPy users write it."""
    act = numpy_call(op, args, scratch=scratch)
    y = args[0]
    if op == "relu":

        def relu_stats_np(act=act, y=y):
            act()
            return _count_axis0(y == 0)

        return relu_stats_np
    if op == "sigmoid":

        def sigmoid_stats_np(act=act, y=y, eps=STATS_EPS):
            act()
            return _count_axis0(y * (1 - y) < eps)

        return sigmoid_stats_np
    raise Unavailable(f"no statistics baseline for {op}")


def torch_stats_call(op: str, args):
    torch = import_torch()
    act = torch_call(op, args)
    t = torch.from_numpy(args[0])
    t2 = t.reshape(-1, t.shape[-1])
    if op == "relu":

        def relu_stats_torch(act=act, t=t2):
            act()
            return (t == 0).sum(0)

        return relu_stats_torch
    if op == "sigmoid":

        def sigmoid_stats_torch(act=act, t=t2, eps=STATS_EPS):
            act()
            return (t * (1 - t) < eps).sum(0)

        return sigmoid_stats_torch
    raise Unavailable(f"no statistics baseline for {op}")


def bind(impl: str, case: Case, k: int):
    """In-place call of ``impl`` on slot ``k`` of ``case``.

    ``impl``: one of IMPLS; ``single`` (a fused bias op's activation alone,
    ``fastrelu.<act>_(x)``); ``fastrelu+stats``, ``numpy+stats``,
    ``torch+stats`` (the op with its per-unit statistics).
    """
    args = (case.bufs[k],) + case.rest
    op = case.bop.op
    if impl == "fastrelu":
        return fastrelu_call(op, args)
    if impl == "roofline":
        return roofline_call(op, args)
    if impl == "numpy":
        return numpy_call(op, args, scratch=case.scratch)
    if impl == "torch":
        return torch_call(op, args)
    if impl == "single":
        if unfused(op) == op:
            raise Unavailable(f"{op} is not a fused op")
        return fastrelu_call(unfused(op), args[:1])
    if impl == "fastrelu+stats":
        return fastrelu_call(op, args, stats=case.unit_stats())
    if impl == "numpy+stats":
        return numpy_stats_call(op, args, scratch=case.scratch)
    if impl == "torch+stats":
        return torch_stats_call(op, args)
    raise ValueError(f"unknown implementation {impl!r}")


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
    elif name == "numpy":
        stack.enter_context(np.errstate(all="ignore"))
    return stack

# --------------------------------------------------------------------------
# the timer
# --------------------------------------------------------------------------

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


def _ratio(a, b):
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
    row["gbps"] = _ratio(case.nbytes / 1e9, fr_s)
    rpct = _ratio(row.get("roofline_s"), fr_s)
    row["roofline_pct"] = None if rpct is None else 100.0 * rpct
    row["speedup_numpy"] = _ratio(row.get("numpy_s"), fr_s)
    row["speedup_torch"] = _ratio(row.get("torch_s"), fr_s)
    if notes:
        row["unavailable"] = notes
    return row


def parse_shape(text: str) -> tuple:
    """``"4096x1024"`` -> (4096, 1024)."""
    parts = tuple(parse_size(p) for p in text.lower().replace("*", "x").split("x"))
    if len(parts) != 2:
        raise ValueError(f"bad shape {text!r} (want ROWSxUNITS, e.g. 4096x1024)")
    return parts


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
    row["fused_vs_single"] = _ratio(row.get("fastrelu_s"), row.get("single_s"))
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
    rel = _ratio(with_s, row.get("fastrelu_s"))
    row["stats_overhead_pct"] = None if rel is None else 100.0 * (rel - 1.0)
    row["speedup_numpy"] = _ratio(row.get("numpy+stats_s"), with_s)
    row["speedup_torch"] = _ratio(row.get("torch+stats_s"), with_s)
    return row


# --------------------------------------------------------------------------
# output
# --------------------------------------------------------------------------

def fmt_time(s) -> str:
    if s is None:
        return "-"
    for unit, scale in (("s", 1.0), ("ms", 1e-3), ("us", 1e-6)):
        if s >= scale:
            return f"{s / scale:.3g} {unit}" if s / scale < 100 else f"{s / scale:.0f} {unit}"
    return f"{s * 1e9:.3g} ns"


def _fmt(v, spec, suffix=""):
    return "-" if v is None else format(v, spec) + suffix


def _fmt_size(n: int) -> str:
    for unit, scale in (("M", 1_000_000), ("k", 1000)):
        if n >= scale and n % scale == 0:
            return f"{n // scale}{unit}"
    return str(n)


def _fmt_shape(shape) -> str:
    return "x".join(str(n) for n in shape)


def _table(columns, rows, left: int = 2) -> str:
    """``columns``: (header, row -> cell text); the first ``left`` columns are
    left-aligned."""
    heads = [h for h, _ in columns]
    lines = [tuple(f(r) for _, f in columns) for r in rows]
    widths = [max(len(h), *(len(l[i]) for l in lines)) if lines else len(h)
              for i, h in enumerate(heads)]
    out = []
    for i, l in enumerate([heads] + lines):
        cells = [c.ljust(w) if j < left else c.rjust(w)
                 for j, (c, w) in enumerate(zip(l, widths))]
        out.append("  ".join(cells).rstrip())
        if i == 0:
            out.append("  ".join("-" * w for w in widths))
    return "\n".join(out)


def _t(key):
    return lambda r: fmt_time(r.get(key))


def _x(key, spec=".2f", suffix="x"):
    return lambda r: _fmt(r.get(key), spec, suffix)


OP_COLUMNS = (
    ("op", lambda r: r["op"]),
    ("dtype", lambda r: r["dtype"]),
    ("size", lambda r: _fmt_size(r["size"])),
    ("fastrelu", _t("fastrelu_s")),
    ("GB/s", _x("gbps", ".1f", "")),
    ("roofline", _x("roofline_pct", ".0f", "%")),
    ("numpy", _t("numpy_s")),
    ("x numpy", _x("speedup_numpy")),
    ("torch", _t("torch_s")),
    ("x torch", _x("speedup_torch")),
)
FUSED_COLUMNS = (
    ("fused", lambda r: r["op"] + "_"),
    ("dtype", lambda r: r["dtype"]),
    ("shape", lambda r: _fmt_shape(r["shape"])),
    ("fused", _t("fastrelu_s")),
    ("1 pass", _t("single_s")),
    ("fused/1 pass", _x("fused_vs_single")),
    ("numpy 2-pass", _t("numpy_s")),
    ("x numpy", _x("speedup_numpy")),
    ("torch 2-pass", _t("torch_s")),
    ("x torch", _x("speedup_torch")),
)
STATS_COLUMNS = (
    ("stats", lambda r: r["op"] + "_(x, stats=st)"),
    ("dtype", lambda r: r["dtype"]),
    ("shape", lambda r: _fmt_shape(r["shape"])),
    ("without", _t("fastrelu_s")),
    ("with stats", _t("fastrelu+stats_s")),
    ("overhead", _x("stats_overhead_pct", "+.1f", "%")),
    ("numpy 2-pass", _t("numpy+stats_s")),
    ("x numpy", _x("speedup_numpy")),
    ("torch 2-pass", _t("torch+stats_s")),
    ("x torch", _x("speedup_torch")),
)

MIXED_COLUMNS = (
    ("mixed", lambda r: r["act"] + "_"),
    ("dtype", lambda r: r["dtype"]),
    ("rows x units", lambda r: _fmt_shape(r["shape"])),
    ("BLAS thr", lambda r: _fmt(r.get("blas_threads"), "d")),
    ("matmul alone", _t("matmul_s")),
    ("fastrelu", _t("fastrelu_s")),
    ("numpy", _t("numpy_s")),
    ("fr/numpy", _x("vs_numpy")),
    ("torch", _t("torch_s")),
    ("fr/torch", _x("vs_torch")),
)


def format_table(rows) -> str:
    return _table(OP_COLUMNS, rows)


def format_fused_table(rows) -> str:
    return _table(FUSED_COLUMNS, rows)


def format_stats_table(rows) -> str:
    return _table(STATS_COLUMNS, rows)


def format_mixed_table(rows) -> str:
    return _table(MIXED_COLUMNS, rows)


class Progress:
    """One self-rewriting line on a terminal; one line per case otherwise."""

    def __init__(self, total: int, stream=None, enabled: bool = True):
        self.total, self.n = total, 0
        self.stream = stream if stream is not None else sys.stderr
        self.tty = bool(getattr(self.stream, "isatty", lambda: False)())
        self.enabled = enabled
        self.t0 = time.perf_counter()
        self.label = ""
        self._width = 0

    def case(self, label: str) -> None:
        self.n += 1
        self.label = label
        if self.enabled and not self.tty:
            self._write(f"[{self.n}/{self.total}] {label}\n")

    def impl(self, impl: str) -> None:
        if self.enabled and self.tty:
            el = time.perf_counter() - self.t0
            self._line(f"[{self.n}/{self.total}] {self.label}: {impl} ({el:.0f} s)")

    def _line(self, text: str) -> None:
        pad = max(0, self._width - len(text))
        self._width = len(text)
        self._write("\r" + text + " " * pad)

    def _write(self, text: str) -> None:
        try:
            self.stream.write(text)
            self.stream.flush()
        except (OSError, ValueError):
            pass

    def close(self) -> None:
        if self.enabled and self.tty and self._width:
            self._line("")
            self._write("\r")


def environment(threads: int, isa: str | None, torch_threads=None) -> dict:
    import fastrelu
    from fastrelu import _dispatch

    env = {
        "fastrelu": getattr(fastrelu, "__version__", "?"),
        "numpy": np.__version__,
        "python": platform.python_version(),
        "machine": platform.machine(),
        "processor": cpu_model(),
        "threads": threads,
        "isa": isa or "auto",
        "available_isas": list(_dispatch.available_isas()),
        "numpy_forms": NUMPY_FORMS,
        "torch_forms": TORCH_FORMS,
        "stats_forms": STATS_FORMS,
        "mixed_forms": _bench_mixed.forms(),
        "blas": _bench_mixed.blas_info(),
        "alpha": ALPHA,
        "stats_eps": STATS_EPS,
        "timer": "min over repeats of batch/number; inputs restored before every batch",
    }
    torch = sys.modules.get("torch")
    if torch is not None:
        env["torch"] = torch.__version__
        env["torch_threads"] = torch_threads
    return env


def plot(rows, path: str) -> None:
    """Speedup vs size, one panel per op (needs matplotlib)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    ops = list(dict.fromkeys(r["op"] for r in rows))
    ncol = min(3, len(ops))
    nrow = math.ceil(len(ops) / ncol)
    fig, axes = plt.subplots(nrow, ncol, figsize=(4.6 * ncol, 3.6 * nrow), squeeze=False)
    for ax, op in zip(axes.flat, ops):
        for dtype in dict.fromkeys(r["dtype"] for r in rows if r["op"] == op):
            rs = sorted((r for r in rows if r["op"] == op and r["dtype"] == dtype),
                        key=lambda r: r["size"])
            for key, style in (("speedup_numpy", "-o"), ("speedup_torch", "--s")):
                pts = [(r["size"], r[key]) for r in rs if r.get(key)]
                if pts:
                    xs, ys = zip(*pts)
                    ax.plot(xs, ys, style, label=f"{dtype} vs {key.split('_')[1]}")
        ax.axhline(1.0, color="grey", lw=0.8)
        ax.set_xscale("log")
        ax.set_yscale("log")
        ax.set_title(op)
        ax.set_xlabel("elements")
        ax.set_ylabel("speedup (x)")
        ax.grid(True, which="both", alpha=0.3)
        ax.legend(fontsize=7)
    for ax in list(axes.flat)[len(ops):]:
        ax.set_visible(False)
    fig.suptitle("fastrelu in place: speedup over NumPy and torch")
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


# --------------------------------------------------------------------------
# command line
# --------------------------------------------------------------------------

def parse_size(text: str) -> int:
    t = text.strip().lower().replace("_", "").replace(",", "")
    mult = 1
    if t and t[-1] in "kmg":
        mult = {"k": 1000, "m": 1_000_000, "g": 1_000_000_000}[t[-1]]
        t = t[:-1]
    value = float(t) * mult
    if value < 1 or value != int(value):
        raise ValueError(f"bad size {text!r}")
    return int(value)


def add_arguments(p) -> None:
    p.add_argument("--quick", action="store_true",
                   help="fewer repeats, sizes %s (%s; the other ops: fast mode at %s), "
                   "shapes %s, mixed: %s %s with the BLAS's own threads (under 30 s)"
                   % (QUICK_SIZES, ", ".join(QUICK_CORE), QUICK_EXTRA_SIZES,
                      " ".join(_fmt_shape(s) for s in QUICK_FUSED_SHAPES),
                      " ".join(_bench_mixed.QUICK_DTYPES),
                      " ".join(_fmt_shape(s) for s in _bench_mixed.QUICK_SHAPES)))
    p.add_argument("--ops", nargs="+", metavar="OP",
                   help="ops to run (default: all, incl. sigmoid[exact])")
    p.add_argument("--sections", nargs="+", choices=SECTIONS, metavar="SECTION",
                   help="tables to measure: ops (per-op rows), fused (bias_<act>_ vs one "
                   "pass and two-pass numpy/torch), stats (relu_/sigmoid_ with "
                   "stats=UnitStats), mixed (np.matmul(A, W, out=h) then <act>_(h), per "
                   "step, vs numpy's activation and torch's matmul + op in the same "
                   "loop); default: all four, or only ops when --ops is given "
                   "(--ops also picks the mixed activations among %s)"
                   % ", ".join(_bench_mixed.ACTS))
    p.add_argument("--dtypes", nargs="+", metavar="DTYPE", help="default: float32 float64")
    p.add_argument("--sizes", nargs="+", metavar="N", type=parse_size,
                   help="element counts, e.g. 1000 64k 16M (default: %s)" % (SIZES,))
    p.add_argument("--shapes", nargs="+", metavar="RxU", type=parse_shape,
                   help="(rows x units) of the fused, stats and mixed tables (mixed: A is "
                   "rows x units, W units x units; default: %s; mixed: %s)"
                   % (" ".join(_fmt_shape(s) for s in FUSED_SHAPES),
                      " ".join(_fmt_shape(s) for s in _bench_mixed.SHAPES)))
    p.add_argument("--blas-threads", nargs="+", type=int, metavar="N",
                   help="mixed: run the table under threadpoolctl.threadpool_limits(N, "
                   "user_api='blas') for each N (default: %s; --quick: the BLAS's own "
                   "setting)" % " ".join(map(str, _bench_mixed.BLAS_THREADS)))
    p.add_argument("--threads", type=int, metavar="N",
                   help="fastrelu and torch threads (default: fastrelu.get_num_threads())")
    p.add_argument("--isa", metavar="ISA", help="force an ISA variant (see `info`)")
    p.add_argument("--no-torch", action="store_true", help="skip the torch columns")
    p.add_argument("--json", metavar="FILE", help="write every row (and the setup) as JSON")
    p.add_argument("--plot", metavar="FILE.png", help="plot speedup vs size (matplotlib)")
    p.add_argument("--no-progress", action="store_true", help="no progress on stderr")


def plan(args, names) -> tuple:
    """(op names, fused activations, stats ops, mixed activations) to measure,
    from the arguments and what this build has (``names``: the bench_ops row
    names)."""
    import fastrelu

    sections = args.sections or (["ops"] if args.ops else list(SECTIONS))
    if "ops" not in sections:
        ops = []
    elif args.ops:
        ops = []
        for name in args.ops:
            if name == "all":
                ops.extend(names)
            elif name in names:
                ops.append(name)
            else:
                raise KeyError(name)
        ops = [n for n in names if n in ops]
    else:
        ops = list(names)
    fused = ([a for a in FUSED_ACTS if "bias_" + a in names and a in names]
             if "fused" in sections else [])
    stats = ([o for o in STATS_OPS if o in names and hasattr(fastrelu, "UnitStats")]
             if "stats" in sections else [])
    mixed = ([a for a in _bench_mixed.ACTS if a in names and (not args.ops or a in args.ops)]
             if "mixed" in sections else [])
    return ops, fused, stats, mixed


def quick_sizes(bop: BenchOp) -> tuple:
    """Sizes of ``bop``'s rows under a plain ``--quick``: QUICK_SIZES for the
    core ops, QUICK_EXTRA_SIZES for the fast rows of the others, none for
    their [exact] rows."""
    if bop.op in QUICK_CORE:
        return QUICK_SIZES
    return QUICK_EXTRA_SIZES if bop.accuracy == "fast" else ()


def run(args) -> int:
    import fastrelu
    from fastrelu import _dispatch

    all_ops = bench_ops()
    names = [b.name for b in all_ops]
    try:
        op_names, fused_acts, stats_ops, mixed_acts = plan(args, names)
    except KeyError as exc:
        print(f"fastrelu bench: unknown op {exc.args[0]!r}; choose from {', '.join(names)}",
              file=sys.stderr)
        return 2
    quick_plan = args.quick and not args.ops and not args.sizes
    ops = [b for b in all_ops if b.name in op_names
           and (not quick_plan or quick_sizes(b) != ())]
    sections = args.sections or []
    if "fused" in sections and not fused_acts:
        print("fastrelu bench: this build has no fused bias ops; no fused table",
              file=sys.stderr)
    if "stats" in sections and not stats_ops:
        print("fastrelu bench: this build has no fastrelu.UnitStats; no stats table",
              file=sys.stderr)
    if "mixed" in sections and not mixed_acts:
        print("fastrelu bench: none of %s chosen; no mixed table"
              % ", ".join(_bench_mixed.ACTS), file=sys.stderr)
    if args.blas_threads and _bench_mixed.blas_threads() is None:
        print("fastrelu bench: --blas-threads needs threadpoolctl (and a BLAS it sees)",
              file=sys.stderr)
        return 2
    if args.blas_threads and min(args.blas_threads) < 1:
        print("fastrelu bench: --blas-threads takes integers >= 1", file=sys.stderr)
        return 2
    try:
        dtypes = [np.dtype(d).name for d in (args.dtypes or DTYPES)]
    except TypeError as exc:
        print(f"fastrelu bench: {exc}", file=sys.stderr)
        return 2
    sizes = list(args.sizes or (QUICK_SIZES if args.quick else SIZES))

    def op_sizes(bop):
        return list(quick_sizes(bop)) if quick_plan else sizes

    shapes = list(args.shapes or (QUICK_FUSED_SHAPES if args.quick else FUSED_SHAPES))
    mixed_shapes = list(args.shapes or (_bench_mixed.QUICK_SHAPES if args.quick
                                        else _bench_mixed.SHAPES))
    mixed_dtypes = ([np.dtype(d).name for d in args.dtypes] if args.dtypes else
                    list(_bench_mixed.QUICK_DTYPES if args.quick else _bench_mixed.DTYPES))
    if args.blas_threads:
        mixed_blas = list(args.blas_threads)
    elif args.quick or _bench_mixed.blas_threads() is None:
        mixed_blas = [None]  # as the BLAS is set up (threadpoolctl cannot limit it)
    else:
        mixed_blas = list(_bench_mixed.BLAS_THREADS)
    settings = QUICK if args.quick else FULL
    if args.isa and args.isa not in _dispatch.available_isas():
        print(f"fastrelu bench: ISA {args.isa!r} not available here "
              f"({', '.join(_dispatch.available_isas())})", file=sys.stderr)
        return 2

    old_threads = fastrelu.get_num_threads()
    if args.threads:
        fastrelu.set_num_threads(args.threads)
    threads = fastrelu.get_num_threads()
    impls = list(IMPLS)
    torch_threads = None
    old_torch_threads = None
    if args.no_torch:
        impls.remove("torch")
    else:
        try:
            torch = import_torch()
            old_torch_threads = torch.get_num_threads()
            torch.set_num_threads(threads)
            torch_threads = torch.get_num_threads()
        except Unavailable:
            impls.remove("torch")
    have_torch = "torch" in impls
    fused_impls = [i for i in FUSED_IMPLS if have_torch or i != "torch"]
    stats_impls = [i for i in STATS_IMPLS if have_torch or not i.startswith("torch")]
    mixed_impls = [i for i in _bench_mixed.IMPLS if have_torch or i != "torch"]
    mixed_groups = ([(dt, sh, nb) for nb in mixed_blas for dt in mixed_dtypes
                     for sh in mixed_shapes] if mixed_acts else [])

    n_cases = ((sum(len(op_sizes(b)) for b in ops)
                + (len(fused_acts) + len(stats_ops)) * len(shapes)) * len(dtypes)
               + len(mixed_groups))
    prog = Progress(n_cases, enabled=not args.no_progress)
    rows, fused_rows, stats_rows, mixed_rows = [], [], [], []

    def failed(label, row):
        for impl in ("fastrelu", "fastrelu+stats"):
            if impl in row.get("unavailable", {}):
                print(f"\nfastrelu bench: {label}: {impl}: {row['unavailable'][impl]}",
                      file=sys.stderr)

    try:
        for bop in ops:
            for dtype in dtypes:
                for size in op_sizes(bop):
                    prog.case(f"{bop.name} {dtype} n={size:,}")
                    row = measure(bop, dtype, size, impls, settings, threads, args.isa,
                                  prog.impl)
                    rows.append(row)
                    failed(f"{bop.name} {dtype} n={size}", row)
        for act in fused_acts:
            for dtype in dtypes:
                for shape in shapes:
                    label = f"bias_{act}_ {dtype} {_fmt_shape(shape)}"
                    prog.case(label)
                    row = measure_fused(act, dtype, shape, fused_impls, settings, threads,
                                        prog.impl)
                    fused_rows.append(row)
                    failed(label, row)
        for op in stats_ops:
            for dtype in dtypes:
                for shape in shapes:
                    label = f"{op}_(stats) {dtype} {_fmt_shape(shape)}"
                    prog.case(label)
                    row = measure_stats(op, dtype, shape, stats_impls, settings, threads,
                                        prog.impl)
                    stats_rows.append(row)
                    failed(label, row)
        mixed_settings = _bench_mixed.QUICK if args.quick else _bench_mixed.FULL
        for dtype, shape, nb in mixed_groups:
            label = (f"mixed {dtype} {_fmt_shape(shape)}"
                     + ("" if nb is None else f" BLAS {nb} thread(s)"))
            prog.case(label)
            group = _bench_mixed.measure_group(dtype, shape, mixed_acts, mixed_impls,
                                               mixed_settings, nb, prog.impl)
            mixed_rows.extend(group)
            for row in group:
                failed(f"{label} {row['act']}_", row)
    finally:
        prog.close()
        if args.threads:
            fastrelu.set_num_threads(old_threads)
        if old_torch_threads is not None:
            sys.modules["torch"].set_num_threads(old_torch_threads)

    env = environment(threads, args.isa, torch_threads)
    head = (f"fastrelu {env['fastrelu']} in place, {threads} thread(s), ISA "
            f"{args.isa or 'auto (' + ', '.join(env['available_isas']) + ')'}; "
            f"numpy {np.__version__}"
            + (f"; torch {env['torch']} ({torch_threads} threads)" if "torch" in env else
               "; torch not measured"))
    print(head)
    if rows or fused_rows or stats_rows:
        print("time: min per call, inputs restored before every call; GB/s: bytes "
              "read+written; roofline: C in-place loop time / fastrelu time")
    if ops:
        print(f"leaky ops: alpha = {ALPHA}; bias ops: (rows, units) with units "
              "= the divisor of the size nearest 1024")
        print(format_table(rows))
    if fused_rows:
        print()
        print("fused bias + activation (fast mode), x: (rows, units), b: (units,): "
              "bias_<act>_(x, b) vs <act>_(x) alone (target fused/1 pass <= 1.1x) "
              "and x += b, then <act> in place (numpy, torch)")
        print(format_fused_table(fused_rows))
    if stats_rows:
        print()
        print(f"per-unit statistics in the same pass: op_(x) vs op_(x, stats=UnitStats("
              f"eps={STATS_EPS:g})) and the op then (y == 0).sum(axis=0) / "
              f"(y * (1 - y) < eps).sum(axis=0) (numpy, torch); x numpy/torch: vs with stats")
        print(format_stats_table(stats_rows))
    if mixed_rows:
        print()
        print("mixed BLAS loop, per step: np.matmul(A, W, out=h) (A: rows x units, W: units "
              "x units) then the activation of h in place: fastrelu <act>_(h) vs numpy's "
              "in-place form (max / 4 passes) vs torch.matmul + h.<act>_() (torch's MKL on "
              "torch's threads); min over repeats of the mean over a batch of steps; "
              "fr/numpy: fastrelu step / numpy step (target <= 1.0)")
        print(f"BLAS: {env['blas']}; fastrelu {threads} thread(s)"
              + (f"; torch {torch_threads} thread(s)" if have_torch else "")
              + ("" if mixed_blas == [None] else
                 "; BLAS thr: threadpool_limits(N, user_api='blas') per row"))
        print(format_mixed_table(mixed_rows))
    status = 0
    if args.json:
        with open(args.json, "w") as f:
            json.dump({"environment": env, "quick": bool(args.quick), "rows": rows,
                       "fused": fused_rows, "stats": stats_rows, "mixed": mixed_rows},
                      f, indent=1)
            f.write("\n")
    if args.plot:
        if not rows:
            print("fastrelu bench: --plot needs the ops section", file=sys.stderr)
            status = 1
        else:
            try:
                plot(rows, args.plot)
            except ImportError:
                print("fastrelu bench: --plot needs matplotlib (pip install matplotlib)",
                      file=sys.stderr)
                status = 1
    return status


def main(argv=None) -> int:
    import argparse

    p = argparse.ArgumentParser(prog="python -m fastrelu bench", description=__doc__.split("\n")[0])
    add_arguments(p)
    return run(p.parse_args(argv))


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
