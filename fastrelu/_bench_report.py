"""The bench's output: the tables, the progress line, the environment
record of the JSON and the speedup plot."""

from __future__ import annotations

import math
import platform
import sys
import time

import numpy as np

from . import _bench_mixed
from ._baselines import ALPHA, COUNTS, STATS_EPS
from ._ops import BASELINES
from ._wisdom import cpu_model

__all__ = ["fmt_time", "fmt_shape", "format_table", "format_fused_table",
           "format_stats_table", "format_mixed_table", "Progress", "environment", "plot",
           "NUMPY_FORMS", "TORCH_FORMS", "STATS_FORMS"]

#: the forms' texts, as the JSON records them
NUMPY_FORMS = {op: row.numpy.text for op, row in BASELINES.items()}
TORCH_FORMS = {op: row.torch.text for op, row in BASELINES.items()}
STATS_FORMS = {op: count.text for op, count in COUNTS.items()}


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


def fmt_shape(shape) -> str:
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
    ("shape", lambda r: fmt_shape(r["shape"])),
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
    ("shape", lambda r: fmt_shape(r["shape"])),
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
    ("rows x units", lambda r: fmt_shape(r["shape"])),
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
