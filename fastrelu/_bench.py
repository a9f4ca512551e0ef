"""``python -m fastrelu bench``: fastrelu against the roofline, NumPy and torch.

This module is also the measuring layer of the asv suite (``bench/``): the op
list, the input data, the baselines and the timer live here once.

Rows come from the kernel registry (``fastrelu._dispatch.KERNELS``): one row
per registry op, plus an ``op[exact]`` row for every op whose exact-accuracy
kernels differ from its fast ones.  Every row times the in-place form
(``fastrelu.relu_(x)`` ...) and compares it with

* the roofline: ``fastrelu._ufuncs.roofline_(x)`` (``x[i] = x[i] + 0``, two
  memory streams) or ``roofline3_(g, y)`` (three streams, backward ops), run
  with the same threads as the kernels;
* the best in-place NumPy form (see ``NUMPY_FORMS``);
* torch's in-place CPU op with ``torch.set_num_threads`` equal to fastrelu's
  thread count, when torch is importable.

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

from ._tune import cpu_model

__all__ = [
    "BenchOp",
    "Case",
    "bench_ops",
    "measure",
    "run",
    "add_arguments",
    "main",
    "NUMPY_FORMS",
    "SIZES",
    "QUICK_SIZES",
    "DTYPES",
]

SIZES = (1000, 65536, 1_000_000, 16_000_000)
QUICK_SIZES = (1000, 65536, 16_000_000)
DTYPES = ("float32", "float64")
IMPLS = ("fastrelu", "roofline", "numpy", "torch")

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
    nargs: int  # 1: x -> x ; 2: (grad, y) -> grad

    @property
    def inplace_name(self) -> str:
        return self.op + "_"

    def streams(self) -> int:
        """Memory streams of the in-place op: unary r+w = 2, backward = 3."""
        return self.nargs + 1


#: per-op knowledge the registry does not hold: arity and the baselines
ARITY = {"relu": 1, "sigmoid": 1, "relu_backward": 2, "sigmoid_backward": 2}
_ORDER = ("relu", "sigmoid", "relu_backward", "sigmoid_backward")

#: the NumPy baseline of each op, best in-place form found on this hardware
#: (np.multiply(g, y > 0) beats putmask/copyto(where=)/boolean indexing by
#: 4-10x; the sigmoid_backward form with a preallocated scratch beats the
#: allocating `g *= y; g *= 1 - y` by ~30% at 16M)
NUMPY_FORMS = {
    "relu": "np.maximum(x, 0, out=x)",
    "sigmoid": "np.negative(x, out=x); np.exp(x, out=x); x += 1; "
    "np.reciprocal(x, out=x)  [errstate ignore]",
    "relu_backward": "np.multiply(g, y > 0, out=g)",
    "sigmoid_backward": "np.subtract(1, y, out=s); np.multiply(g, y, out=g); "
    "np.multiply(g, s, out=g)  [s preallocated]",
}
TORCH_FORMS = {
    "relu": "torch.relu_(x)",
    "sigmoid": "torch.sigmoid_(x)",
    "relu_backward": "torch.ops.aten.threshold_backward.grad_input(g, y, 0, grad_input=g)",
    "sigmoid_backward": "torch.ops.aten.sigmoid_backward.grad_input(g, y, grad_input=g)",
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


_KINDS = {
    "relu": ("normal4",),
    "sigmoid": ("normal4",),
    "relu_backward": ("normal", "sym"),
    "sigmoid_backward": ("normal", "unit"),
}


def make_inputs(bop: BenchOp, dtype, size: int, seed: int = 0):
    """The saved input(s) of one case: ``(x0,)`` or ``(g0, y)`` (deterministic)."""
    dt = np.dtype(dtype)
    arrs = []
    for i, kind in enumerate(_KINDS[bop.op]):
        a = np.empty(size, dt)
        # random block of up to 2^20 values (far beyond any branch predictor's
        # memory), tiled: 16M-element inputs cost a memcpy, not 16M draws
        block = a[: min(size, _PERIOD)]
        _fill(block, kind, np.random.default_rng([seed, _ORDER.index(bop.op), i]))
        for s in range(block.size, size, block.size):
            np.copyto(a[s : s + block.size], block[: size - s])
        arrs.append(a)
    return tuple(arrs)


class Case:
    """Inputs and working buffers of one (op, dtype, size).

    ``src`` is the saved input that every call starts from (x for the forward
    ops, grad for the backward ops), ``y`` the read-only second operand of the
    backward ops, ``bufs`` the pool of working copies of ``src``.
    """

    def __init__(self, bop: BenchOp, dtype, size: int, slots: int | None = None,
                 seed: int = 0):
        self.bop, self.dtype, self.size = bop, np.dtype(dtype), int(size)
        ins = make_inputs(bop, dtype, size, seed)
        self.src = ins[0]
        self.y = ins[1] if len(ins) > 1 else None
        if slots is None:
            slots = max(1, min(MAX_POOL, POOL_BYTES // max(1, self.src.nbytes)))
        self.bufs = [np.empty_like(self.src) for _ in range(slots)]
        for k in range(slots):
            self.restore(k)
        self._scratch = None

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


def numpy_call(op: str, args, out=None, scratch: Callable[[], np.ndarray] | None = None):
    """The NumPy baseline of ``op`` (see NUMPY_FORMS) bound to ``args``.

    ``out=None`` is in place (into ``args[0]``); otherwise into ``out``.
    """
    inplace = out is None
    out = args[0] if inplace else out
    if op == "relu":
        return partial(np.maximum, args[0], 0, out=out)
    if op == "sigmoid":
        x = args[0]

        def sigmoid_np(x=x, out=out):
            np.negative(x, out=out)
            np.exp(out, out=out)
            out += 1
            np.reciprocal(out, out=out)

        return sigmoid_np
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
        s = scratch() if scratch is not None else np.empty_like(g)

        def sigmoid_backward_np_(g=g, y=y, s=s):
            np.subtract(1, y, out=s)
            np.multiply(g, y, out=g)
            np.multiply(g, s, out=g)

        return sigmoid_backward_np_
    raise Unavailable(f"no numpy baseline for {op}")


def torch_call(op: str, args, out=None):
    """torch's CPU op on tensors sharing ``args``' memory; in place if out is None."""
    torch = import_torch()
    try:
        ts = [torch.from_numpy(a) for a in args]
        to = ts[0] if out is None else torch.from_numpy(out)
    except Exception as exc:
        raise Unavailable(f"torch cannot wrap {args[0].dtype}: {exc}") from None
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
    raise Unavailable(f"no torch baseline for {op}")


def fastrelu_call(op: str, args, out=None):
    import fastrelu

    if out is None:
        return partial(getattr(fastrelu, op + "_"), *args)
    return partial(getattr(fastrelu, op), *args, out=out)


def roofline_call(op: str, args, out=None):
    from fastrelu import _ufuncs

    if out is not None:
        raise Unavailable("the roofline loops are in place only")
    if args[0].dtype not in (np.float32, np.float64):
        raise Unavailable(f"no roofline loop for {args[0].dtype}")
    if len(args) == 1:
        return partial(_ufuncs.roofline_, args[0])
    return partial(_ufuncs.roofline3_, *args)


def bind(impl: str, case: Case, k: int):
    """In-place call of ``impl`` on slot ``k`` of ``case``."""
    args = (case.bufs[k],) if case.y is None else (case.bufs[k], case.y)
    op = case.bop.op
    if impl == "fastrelu":
        return fastrelu_call(op, args)
    if impl == "roofline":
        return roofline_call(op, args)
    if impl == "numpy":
        return numpy_call(op, args, scratch=case.scratch)
    if impl == "torch":
        return torch_call(op, args)
    raise ValueError(f"unknown implementation {impl!r}")


def impl_context(impl: str, bop: BenchOp, isa: str | None = None):
    """Entered once around a whole measurement (never per call)."""
    stack = contextlib.ExitStack()
    if impl == "fastrelu":
        import fastrelu

        stack.enter_context(fastrelu.accuracy(bop.accuracy))
        if isa:
            from fastrelu import _dispatch

            # a backend name ("numba") or a compiled ISA level of the cython backend
            stack.enter_context(_dispatch.backend(isa) if isa in _dispatch.BACKENDS
                                else _dispatch.use_isa(isa))
    elif impl == "numpy":
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
        "threads": int(threads),
        "isa": isa or "auto",
        "bytes": case.nbytes,
    }
    row.update({i + "_s": None for i in IMPLS})
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

    def ratio(a, b):
        return (a / b) if (a and b) else None

    row["gbps"] = ratio(case.nbytes / 1e9, fr_s)
    rpct = ratio(row.get("roofline_s"), fr_s)
    row["roofline_pct"] = None if rpct is None else 100.0 * rpct
    row["speedup_numpy"] = ratio(row.get("numpy_s"), fr_s)
    row["speedup_torch"] = ratio(row.get("torch_s"), fr_s)
    if notes:
        row["unavailable"] = notes
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


COLUMNS = ("op", "dtype", "size", "fastrelu", "GB/s", "roofline", "numpy", "x numpy",
           "torch", "x torch")


def format_table(rows) -> str:
    lines = []
    for r in rows:
        lines.append((
            r["op"], r["dtype"], _fmt_size(r["size"]), fmt_time(r.get("fastrelu_s")),
            _fmt(r.get("gbps"), ".1f"), _fmt(r.get("roofline_pct"), ".0f", "%"),
            fmt_time(r.get("numpy_s")), _fmt(r.get("speedup_numpy"), ".2f", "x"),
            fmt_time(r.get("torch_s")), _fmt(r.get("speedup_torch"), ".2f", "x"),
        ))
    widths = [max(len(h), *(len(l[i]) for l in lines)) if lines else len(h)
              for i, h in enumerate(COLUMNS)]
    out = []
    for i, l in enumerate([COLUMNS] + lines):
        cells = [c.ljust(w) if j < 2 else c.rjust(w) for j, (c, w) in enumerate(zip(l, widths))]
        out.append("  ".join(cells).rstrip())
        if i == 0:
            out.append("  ".join("-" * w for w in widths))
    return "\n".join(out)


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
                   help="fewer repeats and sizes %s (under 30 s)" % (QUICK_SIZES,))
    p.add_argument("--ops", nargs="+", metavar="OP",
                   help="ops to run (default: all, incl. sigmoid[exact])")
    p.add_argument("--dtypes", nargs="+", metavar="DTYPE", help="default: float32 float64")
    p.add_argument("--sizes", nargs="+", metavar="N", type=parse_size,
                   help="element counts, e.g. 1000 64k 16M (default: %s)" % (SIZES,))
    p.add_argument("--threads", type=int, metavar="N",
                   help="fastrelu and torch threads (default: fastrelu.get_num_threads())")
    p.add_argument("--isa", metavar="ISA", help="force an ISA variant (see `info`)")
    p.add_argument("--no-torch", action="store_true", help="skip the torch columns")
    p.add_argument("--json", metavar="FILE", help="write every row (and the setup) as JSON")
    p.add_argument("--plot", metavar="FILE.png", help="plot speedup vs size (matplotlib)")
    p.add_argument("--no-progress", action="store_true", help="no progress on stderr")


def run(args) -> int:
    import fastrelu
    from fastrelu import _dispatch

    all_ops = bench_ops()
    names = [b.name for b in all_ops]
    if args.ops:
        wanted = []
        for name in args.ops:
            if name == "all":
                wanted.extend(names)
            elif name in names:
                wanted.append(name)
            else:
                print(f"fastrelu bench: unknown op {name!r}; choose from {', '.join(names)}",
                      file=sys.stderr)
                return 2
        ops = [b for b in all_ops if b.name in wanted]
    else:
        ops = list(all_ops)
    try:
        dtypes = [np.dtype(d).name for d in (args.dtypes or DTYPES)]
    except TypeError as exc:
        print(f"fastrelu bench: {exc}", file=sys.stderr)
        return 2
    sizes = list(args.sizes or (QUICK_SIZES if args.quick else SIZES))
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

    prog = Progress(len(ops) * len(dtypes) * len(sizes), enabled=not args.no_progress)
    rows = []
    try:
        for bop in ops:
            for dtype in dtypes:
                for size in sizes:
                    prog.case(f"{bop.name} {dtype} n={size:,}")
                    row = measure(bop, dtype, size, impls, settings, threads, args.isa,
                                  prog.impl)
                    rows.append(row)
                    if "fastrelu" in row.get("unavailable", {}):
                        print(f"\nfastrelu bench: {bop.name} {dtype} n={size}: "
                              f"{row['unavailable']['fastrelu']}", file=sys.stderr)
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
    print("time: min per call, inputs restored before every call; GB/s: bytes read+written; "
          "roofline: C in-place loop time / fastrelu time")
    print(format_table(rows))
    status = 0
    if args.json:
        with open(args.json, "w") as f:
            json.dump({"environment": env, "quick": bool(args.quick), "rows": rows}, f,
                      indent=1)
            f.write("\n")
    if args.plot:
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
