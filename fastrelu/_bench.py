"""``python -m fastrelu bench``: fastrelu against the roofline, NumPy and torch.

The bench, module by module (each imports only those above it):

``_baselines``     the baseline rows' vocabulary, the grids, the statistics forms
``_ops``           per op (Op.baseline): data kind, NumPy and torch forms, naive numba
                   loop (plain data, the one place an op's baselines are written)
``_bench_data``    the bench rows (from the kernel registry), inputs, buffers
``_bench_calls``   implementations bound to a case: fastrelu, the C roofline
                   loop, the NumPy/torch forms, the statistics forms
``_bench_timing``  the timer and one measured row of each table
``_bench_report``  the tables, progress line, JSON environment, plot
``_bench_mixed``   the mixed BLAS loop section (its forms and its timer)
``_bench``         this module: the command line; it re-exports the names
                   above that the asv suite and the tests use

The asv suite (``bench/benchmarks.py``) is driven from the same table and
calls.

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
    * the best in-place NumPy form (``_ops.BASELINES[op].numpy``);
    * torch's in-place CPU op (``BASELINES[op].torch``) with
      ``torch.set_num_threads`` equal to fastrelu's thread count, when torch is
      importable.

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

How a time is taken: ``fastrelu._bench_timing``.
"""

from __future__ import annotations

import copy
import json
import sys

import numpy as np

from . import _bench_mixed
from ._baselines import (ALPHA, FUSED_ACTS, FUSED_IMPLS, FUSED_SHAPES, IMPLS,
                         QUICK_FUSED_SHAPES, STATS_EPS, STATS_IMPLS, STATS_OPS)
from ._ops import BASELINES
from ._bench_calls import (Unavailable, bind, fastrelu_call, impl_context, import_torch,
                           numba_call, numpy_call, numpy_stats_call, roofline_call,
                           torch_call, torch_stats_call)
from ._bench_data import (ARITY, EXTRA, BenchOp, Case, bench_ops, bias_units, exact_differs,
                          get_op, make_inputs, shape_for, unfused)
from ._bench_report import (NUMPY_FORMS, STATS_FORMS, TORCH_FORMS, Progress, environment,
                            fmt_shape, fmt_time, format_fused_table, format_mixed_table,
                            format_stats_table, format_table, plot)
from ._bench_timing import (FULL, QUICK, Settings, Timing, measure, measure_fused,
                            measure_impl, measure_stats, ratio, time_call)

__all__ = [
    # the command line
    "add_arguments", "main", "run", "plan", "quick_sizes", "parse_size", "parse_shape",
    "SIZES", "QUICK_SIZES", "QUICK_CORE", "QUICK_EXTRA_SIZES", "DTYPES", "SECTIONS",
    # re-exported for bench/benchmarks.py and the tests
    "ALPHA", "ARITY", "BASELINES", "EXTRA", "FUSED_ACTS", "FUSED_IMPLS", "FUSED_SHAPES",
    "IMPLS", "QUICK_FUSED_SHAPES", "STATS_EPS", "STATS_IMPLS", "STATS_OPS",
    "NUMPY_FORMS", "TORCH_FORMS", "STATS_FORMS",
    "BenchOp", "Case", "bench_ops", "bias_units", "exact_differs", "get_op", "make_inputs",
    "shape_for", "unfused",
    "Unavailable", "bind", "fastrelu_call", "impl_context", "import_torch", "numba_call",
    "numpy_call", "numpy_stats_call", "roofline_call", "torch_call", "torch_stats_call",
    "FULL", "QUICK", "Settings", "Timing", "measure", "measure_fused", "measure_impl",
    "measure_stats", "ratio", "time_call",
    "Progress", "environment", "fmt_shape", "fmt_time", "format_fused_table",
    "format_mixed_table", "format_stats_table", "format_table", "plot",
]

SIZES = (1000, 65536, 1_000_000, 16_000_000)
QUICK_SIZES = (1000, 65536, 16_000_000)
#: --quick (without --ops/--sizes) runs these ops at QUICK_SIZES, the other
#: ops' fast rows at QUICK_EXTRA_SIZES only (their full table: without --quick)
QUICK_CORE = ("relu", "sigmoid", "relu_backward", "sigmoid_backward")
QUICK_EXTRA_SIZES = (1_000_000,)
DTYPES = ("float32", "float64")
SECTIONS = ("ops", "fused", "stats", "mixed")


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



def parse_shape(text: str) -> tuple:
    """``"4096x1024"`` -> (4096, 1024)."""
    parts = tuple(parse_size(p) for p in text.lower().replace("*", "x").split("x"))
    if len(parts) != 2:
        raise ValueError(f"bad shape {text!r} (want ROWSxUNITS, e.g. 4096x1024)")
    return parts


def add_arguments(p) -> None:
    p.add_argument("--quick", action="store_true",
                   help="fewer repeats, sizes %s (%s; the other ops: fast mode at %s), "
                   "shapes %s, mixed: %s %s with the BLAS's own threads (under 30 s)"
                   % (QUICK_SIZES, ", ".join(QUICK_CORE), QUICK_EXTRA_SIZES,
                      " ".join(fmt_shape(s) for s in QUICK_FUSED_SHAPES),
                      " ".join(_bench_mixed.QUICK_DTYPES),
                      " ".join(fmt_shape(s) for s in _bench_mixed.QUICK_SHAPES)))
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
                   % (" ".join(fmt_shape(s) for s in FUSED_SHAPES),
                      " ".join(fmt_shape(s) for s in _bench_mixed.SHAPES)))
    p.add_argument("--blas-threads", nargs="+", type=int, metavar="N",
                   help="mixed: run the table under threadpoolctl.threadpool_limits(N, "
                   "user_api='blas') for each N (default: %s; --quick: the BLAS's own "
                   "setting)" % " ".join(map(str, _bench_mixed.BLAS_THREADS)))
    p.add_argument("--threads", type=int, nargs="+", metavar="N",
                   help="fastrelu and torch threads (default: fastrelu.get_num_threads()); "
                   "several (--threads 1 2): the tables once per count (a JSON file each, "
                   "FILE.threadsN.json)")
    p.add_argument("--isa", metavar="ISA", help="force an ISA variant (see `info`)")
    p.add_argument("--no-torch", action="store_true", help="skip the torch columns")
    p.add_argument("--json", metavar="FILE", help="write every row (and the setup) as JSON")
    p.add_argument("--plot", metavar="FILE.png", help="plot speedup vs size (matplotlib)")
    p.add_argument("--no-progress", action="store_true", help="no progress on stderr")
    p.add_argument("--budget", type=float, metavar="X",
                   help="scale the time spent timing each cell by X (e.g. 4: steadier "
                   "numbers; 0.1: a smoke run of the CLI, numbers not to be read)")


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
    """The tables, once per --threads count."""
    counts = args.threads or [None]
    if len(counts) == 1:
        return _run_once(args, counts[0])
    status = 0
    for i, n in enumerate(counts):
        one = copy.copy(args)
        if args.json:
            stem = args.json[:-5] if args.json.endswith(".json") else args.json
            one.json = f"{stem}.threads{n}.json"
        if i:
            print()
        status = max(status, _run_once(one, n))
    return status


def _run_once(args, thread_count) -> int:
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
    mixed_settings = _bench_mixed.QUICK if args.quick else _bench_mixed.FULL
    if args.budget is not None:
        if not args.budget > 0:
            print("fastrelu bench: --budget must be > 0", file=sys.stderr)
            return 2
        settings = settings._replace(budget_s=settings.budget_s * args.budget)
        mixed_settings = mixed_settings._replace(budget_s=mixed_settings.budget_s * args.budget,
                                                 batch_s=mixed_settings.batch_s * args.budget)
    if args.isa and args.isa not in _dispatch.available_isas():
        print(f"fastrelu bench: ISA {args.isa!r} not available here "
              f"({', '.join(_dispatch.available_isas())})", file=sys.stderr)
        return 2

    old_threads = fastrelu.get_num_threads()
    if thread_count:
        fastrelu.set_num_threads(thread_count)
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
                    label = f"bias_{act}_ {dtype} {fmt_shape(shape)}"
                    prog.case(label)
                    row = measure_fused(act, dtype, shape, fused_impls, settings, threads,
                                        prog.impl)
                    fused_rows.append(row)
                    failed(label, row)
        for op in stats_ops:
            for dtype in dtypes:
                for shape in shapes:
                    label = f"{op}_(stats) {dtype} {fmt_shape(shape)}"
                    prog.case(label)
                    row = measure_stats(op, dtype, shape, stats_impls, settings, threads,
                                        prog.impl)
                    stats_rows.append(row)
                    failed(label, row)
        for dtype, shape, nb in mixed_groups:
            label = (f"mixed {dtype} {fmt_shape(shape)}"
                     + ("" if nb is None else f" BLAS {nb} thread(s)"))
            prog.case(label)
            group = _bench_mixed.measure_group(dtype, shape, mixed_acts, mixed_impls,
                                               mixed_settings, nb, prog.impl)
            mixed_rows.extend(group)
            for row in group:
                failed(f"{label} {row['act']}_", row)
    finally:
        prog.close()
        if thread_count:
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
