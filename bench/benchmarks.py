"""asv benchmarks for fastrelu (``asv.conf.json``: ``benchmark_dir: "bench"``).

Everything is generated from the op table (``fastrelu._ops.OPS``) and the
baseline rows (``fastrelu._ops.BASELINES``), and measured with the calls
and the timer of ``python -m fastrelu bench`` (``fastrelu._bench``):

* The grid: by default in place, ``fastrelu``, ``fastrelu[exact]``, ``numpy``,
  ``torch`` and ``roofline`` at three sizes; ``FASTRELU_ASV_FULL=1`` adds the
  ISA levels, the numba loop, the out-of-place forms and 1M (see FULL).
* one ``time_`` class per op family (``Relu``, ``Sigmoid``, ... one line each
  below), parameterised by op (out of place into a preallocated ``out=``, and
  in place ``op_``) x dtype x size x implementation.  The leaky ops run with
  ``alpha = _baselines.ALPHA``, the bias ops on a (rows, units) array
  (``_bench.shape_for``) with ``units`` biases.  Implementations:
  ``fastrelu`` (the dispatcher's choice), ``fastrelu@<isa>`` for every ISA
  level (skipped where this CPU lacks it), ``[exact]`` twins for the ops with
  accuracy modes (``Op.accurate``), ``numpy`` and ``torch`` (the row's forms;
  torch with fastrelu's threads), ``numba`` (the row's naive loop, compiled
  and run once in setup) and ``roofline`` (the C in-place loop; in place
  only).  ``fastrelu@numba`` is skipped for an op the numba backend has no
  kernel for (the backend would run the cython kernel instead).
* ``Ratios``: ``track_`` speedup vs numpy / torch, GB/s and % of roofline of
  the in-place op, from one measurement pass (``setup_cache``) with the
  ``python -m fastrelu bench`` timer.
* ``FusedBias``: ``time_`` of ``bias_<act>_(x, b)`` on a dense layer's output
  (act x dtype x shape x impl: ``fastrelu`` = fused, ``single`` = the
  activation alone, one in-place pass, ``numpy`` / ``torch`` = ``x += b`` then
  the activation in place); ``FusedRatios``: ``track_`` fused / single pass
  (target <= 1.1) and speedups over the two-pass numpy and torch forms.
* ``UnitStatsOverhead``: ``time_`` of ``relu_`` / ``sigmoid_`` without
  (``fastrelu``) and with ``stats=fastrelu.UnitStats()`` (``fastrelu+stats``)
  and the two-pass ``numpy+stats`` / ``torch+stats`` forms (the op, then the
  per-unit count); ``StatsRatios``: ``track_`` time with / without statistics
  (target ~1) and speedups over numpy / torch.
* ``MixedBlasLoop``: ``time_`` of a few steps of ``np.matmul(A, W, out=h)``
  then the activation in place (idle worker threads must not slow BLAS's down),
  activation x rows x impl (``fastrelu``, ``numpy`` = numpy's in-place form,
  ``torch`` = ``torch.matmul`` and torch's op, ``matmul`` = no activation;
  ``fastrelu._bench_mixed``); ``MixedRatios``: ``track_`` fastrelu's step
  time over numpy's and torch's in the same loop (lower is better, target
  <= 1.0 vs numpy).
* ``InPlaceMemory``: ``peakmem_`` and the resident memory a 4M-element
  in-place call adds (``track_added_rss_mib``: 0 means no temporary array).

Every timed call does the same work, and the timed bodies allocate nothing
(but the numpy/torch forms of the statistics, whose count allocates):
setup allocates once per parameter set and keeps the arrays on the instance.
Out-of-place calls never change their input.  In place, an op whose row has a
``fixed_point`` (``relu_``, ``relu_backward_``) gets an input that is already
a fixed point of the op (negatives replaced by +0.0; grad already masked), so
repeating the call repeats the same work on the same bits (the kernels are
branch-free, so the sign mix does not change the cost).  The other in-place
ops are not idempotent (``sigmoid_`` drifts towards a constant,
``sigmoid_backward_`` and the leaky ops towards subnormals, a bias keeps
adding), so their setup restores the input from a saved copy (np.copyto):
asv_runner >= 0.3 re-runs setup before every timed call, outside the timed
region, and ``number = 1`` on those classes gives older asv runners the same
behaviour (setup before every sample).  The cost is per-call timing at
n=1000, where the timer's ~0.1 us shows; the ``python -m fastrelu bench``
timer (batched, restored per batch) is the precise tool for small sizes.

How asv runs this suite fast (``asv.conf.json``: ``"launch_method":
"forkserver"``): asv starts one process per benchmark and parameter set,
about 1200 of them; spawning each (Python, numpy, fastrelu, and torch for the
torch ones: ~0.5-3 s) took ~22 minutes for ``asv run --quick``.  A fork
server imports the suite once and forks a child per benchmark.  So that the
children are threaded, this module imports nothing of the fastrelu package
at import time (a process that imported fastrelu runs it serially after a
fork: DESIGN.md §2): the parameters come from the plain-data modules
``_ops``, ``_baselines`` and ``_bench_mixed``, read from their files
(``_plain``), and fastrelu is imported in each child's setup.  torch is
imported once by the fork server (``bench/preimport.py``).  Under the spawn
method everything works alike, only slower.
"""

import importlib.util
import itertools
import math
import os
import resource
import sys
import types

import numpy as np

try:  # raised inside a benchmark body, asv records "skipped" rather than failed
    from asv_runner.benchmarks.mark import SkipNotImplemented
except ImportError:  # pragma: no cover - running without asv
    SkipNotImplemented = NotImplementedError


def _plain(name):
    """``fastrelu.<name>``, a module that imports nothing of fastrelu (but
    other such modules, relatively), loaded from its file without importing
    the fastrelu package (whose import would make every forked child
    serial): as a submodule of ``_fastrelu_plain``, a package object with
    fastrelu's directory and no ``__init__`` run; the real module once
    fastrelu is imported (tests, a spawned process)."""
    if "fastrelu" in sys.modules:
        return importlib.import_module("fastrelu." + name)
    if "_fastrelu_plain" not in sys.modules:
        spec = importlib.util.find_spec("fastrelu")       # finds, does not import
        if spec is None or not spec.submodule_search_locations:
            raise ImportError("fastrelu is not installed")
        pkg = types.ModuleType("_fastrelu_plain")
        pkg.__path__ = list(spec.submodule_search_locations)
        sys.modules["_fastrelu_plain"] = pkg
    return importlib.import_module("_fastrelu_plain." + name)


_ops = _plain("_ops")
_baselines = _plain("_baselines")
_bench_mixed = _plain("_bench_mixed")

#: FASTRELU_ASV_FULL=1 widens the grid: every ISA level (fastrelu@<isa>), the
#: naive numba loop, the out-of-place forms and 1M elements.  The default grid
#: (in place; fastrelu, [exact] where it differs, numpy, torch, roofline; three
#: sizes) keeps `asv run --python=same --quick` of the whole suite within 5 minutes.
FULL = os.environ.get("FASTRELU_ASV_FULL", "") not in ("", "0")
SIZES = [1000, 65536, 1_000_000, 16_000_000] if FULL else [1000, 65536, 16_000_000]
DTYPES = ["float32", "float64"]
BASELINES = ["numpy", "numba", "torch", "roofline"] if FULL else ["numpy", "torch", "roofline"]
#: the ops benchmarked: every op of the table with a baseline row (a test
#: checks that every op has one)
OPS = [op for op in _ops.OPS if op.name in _ops.BASELINES]
#: sizes of the Ratios pass (tests shrink it; 1M is left to the time_ classes)
RATIO_SIZES = [1000, 65536, 16_000_000]
#: (budget_s, min_reps, max_reps) of the track_ passes: fastrelu._bench.Settings
RATIO_SETTINGS = (0.02, 3, 5000)
#: (rows x units) of the fused and statistics benchmarks (tests shrink them)
SHAPES = ["x".join(map(str, s)) for s in _baselines.FUSED_SHAPES]
#: size of the InPlaceMemory cases: a temporary copy shows as 15 MiB (float32)
#: or 31 MiB (float64), far above the call's own ~0 (and 4x cheaper to set up than 16M)
MEMORY_SIZE = 4_000_000
#: the mixed BLAS loop: float32, A rows x MIXED_UNITS, W MIXED_UNITS square;
#: MIXED_STEPS steps per timed call (tests shrink the rows)
MIXED_ROWS = [512, 4096]
MIXED_UNITS = 1024
MIXED_DTYPE = "float32"
MIXED_STEPS = 3
MIXED_SETTINGS = _bench_mixed.QUICK


def bench_names():
    """The bench rows: every op, and ``op[exact]`` for the ops with accuracy modes."""
    return [name for op in OPS
            for name in ([op.name] + ([op.name + "[exact]"] if op.accurate else []))]


def isa_levels():
    """The compiled ISA levels, best first (``fastrelu/kernels/build_flags.py``,
    the list setup.py compiles), then the numba backend."""
    levels = [name for name, _ in _plain("kernels.build_flags").ISA_LEVELS]
    return levels[::-1] + ["numba"]


def implementations(op):
    """``impl`` parameter values for ``op`` (an ``_ops.Op``)."""
    out = []
    for sfx in [""] + (["[exact]"] if op.accurate else []):
        out.append("fastrelu" + sfx)
        if FULL:
            out.extend(f"fastrelu@{isa}{sfx}" for isa in isa_levels())
    return out + BASELINES


def parse_impl(impl):
    """``"fastrelu@avx2[exact]"`` -> ("fastrelu", "avx2", "exact")."""
    acc = "fast"
    if impl.endswith("[exact]"):
        impl, acc = impl[: -len("[exact]")], "exact"
    name, _, isa = impl.partition("@")
    return name, (isa or None), acc


def _bench():
    """fastrelu's bench layer, imported in a benchmark's setup (never at import)."""
    from fastrelu import _bench

    return _bench


def _unavailable():
    return _bench().Unavailable


def _require_numba_kernel(op, dtype):
    """fastrelu@numba: the numba backend must have its own kernel for the slot
    (a backend lacking a slot runs the best cython kernel: not numba's time)."""
    from fastrelu import _dispatch

    try:
        _dispatch._ensure_numba()
    except ImportError as exc:
        raise NotImplementedError(str(exc)) from None
    if not any(k.op == op and k.dtype == dtype and k.backend == "numba"
               for k in _dispatch.KERNELS):
        raise NotImplementedError(f"the numba backend has no {op} {dtype} kernel")


def _refuse_forked_child(impl="fastrelu"):
    """fastrelu runs serially in a forked child of a process that imported it
    (fork safety, DESIGN.md §2): its threaded numbers would be wrong, so skip
    rather than mislead.  This module keeps fastrelu out of asv's fork server
    (module docstring), so this only fires if something else imported it there."""
    from fastrelu import _ufuncs

    if impl.split("+")[0] in ("fastrelu", "roofline", "single") and _ufuncs.is_serial_only():
        raise NotImplementedError("fastrelu is serial in this forked child: its parent "
                                  "imported fastrelu (see bench/benchmarks.py)")


def _torch_threads():
    import fastrelu

    torch = _bench().import_torch()
    torch.set_num_threads(fastrelu.get_num_threads())
    return torch


# --------------------------------------------------------------------------
# time_: one class per op family
# --------------------------------------------------------------------------

class _Family:
    """time_op for one op of the table; a subclass sets ``op`` and gets its
    parameters and its restore policy from the op's rows."""

    op = None
    param_names = ["op", "dtype", "size", "impl"]
    timeout = 600

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        row = _ops.BASELINES[cls.op]
        #: True when calling the in-place op twice equals calling it once
        cls.idempotent = row.fixed_point is not None
        if not cls.idempotent:
            cls.number = 1  # older asv: setup (restore) before every call
            cls.warmup_time = 0
        op = _ops.BY_NAME[cls.op]
        forms = [op.name, op.name + "_"] if FULL else [op.name + "_"]
        cls.params = [forms, list(DTYPES), list(SIZES), implementations(op)]

    def setup(self, op, dtype, size, impl):
        key = (op, dtype, size, impl)
        if getattr(self, "_key", None) != key:
            self._key = None
            self._build(op, dtype, size, impl)
            self._key = key
        elif self._restore is not None:
            self._restore()
        self._ctx = _bench().impl_context(self._impl_name, self._bop, self._isa)
        self._ctx.__enter__()

    def teardown(self, op, dtype, size, impl):
        ctx, self._ctx = getattr(self, "_ctx", None), None
        if ctx is not None:
            ctx.__exit__(None, None, None)

    def _build(self, op, dtype, size, impl):
        from fastrelu import _dispatch

        bench = _bench()
        name, isa, acc = parse_impl(impl)
        _refuse_forked_child(name)
        if self.op not in {k.op for k in _dispatch.KERNELS}:
            raise NotImplementedError(f"this build has no {self.op}")
        if isa == "numba":
            if importlib.util.find_spec("numba") is None:
                raise NotImplementedError("numba is not installed")
            _require_numba_kernel(self.op, dtype)
        if isa not in (None, "numba") and isa not in _dispatch.available_isas():
            raise NotImplementedError(f"ISA {isa} not available on this CPU")
        bop = bench.BenchOp(self.op + ("[exact]" if acc == "exact" else ""), self.op, acc,
                            bench.ARITY[self.op])
        inplace = op.endswith("_")
        ins = bench.make_inputs(bop, dtype, size)
        row = _ops.BASELINES[self.op]
        if inplace and self.idempotent:  # make the input a fixed point of the op
            row.fixed_point(*ins[:bop.nargs])
        restore = inplace and not self.idempotent
        work = ins[0].copy() if restore else ins[0]
        args = (work,) + tuple(ins[1:])
        out = None if inplace else np.empty_like(work)
        calls = {"fastrelu": bench.fastrelu_call, "numpy": bench.numpy_call,
                 "torch": bench.torch_call, "roofline": bench.roofline_call,
                 "numba": bench.numba_call}
        try:
            if name == "torch":
                _torch_threads()
            call = calls[name](self.op, args, out)
        except bench.Unavailable as exc:
            raise NotImplementedError(str(exc)) from None
        saved = ins[0]
        self._restore = (lambda: np.copyto(work, saved)) if restore else None
        self._bop, self._isa, self._impl_name, self._call = bop, isa, name, call
        # warm-up (JIT compile, thread pool start, first-call costs), then restore
        with bench.impl_context(name, bop, isa):
            call()
        if self._restore is not None:
            self._restore()

    def time_op(self, op, dtype, size, impl):
        self._call()


# one class per op of the table, named after it (Relu, SigmoidBackward, ...):
# asv finds benchmarks by class
for _op in _ops.OPS:
    _name = "".join(w.capitalize() for w in _op.name.split("_"))
    globals()[_name] = type(_name, (_Family,), {"op": _op.name, "__module__": __name__})
del _op, _name


FAMILIES = tuple(_Family.__subclasses__())


# --------------------------------------------------------------------------
# track_: ratios from one measurement pass
# --------------------------------------------------------------------------

def _impls(all_impls):
    """``all_impls`` without torch's when torch is not importable (else set
    torch's threads to fastrelu's)."""
    try:
        _torch_threads()
        return tuple(all_impls)
    except _unavailable():
        return tuple(i for i in all_impls if not i.startswith("torch"))


def _ratios_cache(self=None):
    """Measure every (op, dtype, size) row once, like ``python -m fastrelu bench``."""
    _refuse_forked_child()
    bench = _bench()
    impls = _impls(bench.IMPLS)
    settings = bench.Settings(*RATIO_SETTINGS)
    rows = {}
    for bop in bench.bench_ops():
        for dtype in DTYPES:
            for size in RATIO_SIZES:
                rows[(bop.name, dtype, size)] = bench.measure(
                    bop, dtype, size, impls, settings)
    return rows


_ratios_cache.timeout = 1800


class _Tracks:
    def _value(self, rows, key, *params):
        v = rows.get(tuple(params), {}).get(key)
        if v is None:
            raise SkipNotImplemented(f"{key} not measured for {params}")
        return v


class Ratios(_Tracks):
    """The in-place op's speedups, GB/s and roofline fraction (higher is better)."""

    param_names = ["op", "dtype", "size"]
    params = [bench_names(), list(DTYPES), list(RATIO_SIZES)]
    setup_cache = _ratios_cache

    def track_speedup_vs_numpy(self, rows, op, dtype, size):
        return self._value(rows, "speedup_numpy", op, dtype, size)

    track_speedup_vs_numpy.unit = "x"

    def track_speedup_vs_torch(self, rows, op, dtype, size):
        return self._value(rows, "speedup_torch", op, dtype, size)

    track_speedup_vs_torch.unit = "x"

    def track_gbps(self, rows, op, dtype, size):
        return self._value(rows, "gbps", op, dtype, size)

    track_gbps.unit = "GB/s"

    def track_roofline_pct(self, rows, op, dtype, size):
        return self._value(rows, "roofline_pct", op, dtype, size)

    track_roofline_pct.unit = "%"


# --------------------------------------------------------------------------
# fused bias + activation, and per-unit statistics: time_ and track_
# --------------------------------------------------------------------------

class _Sectioned:
    """time_ of one implementation on a (rows, units) case built by
    ``_bench.Case`` and bound by ``_bench.bind`` (the CLI's calls); the input
    is restored before every call (setup)."""

    param_names = ["op", "dtype", "shape", "impl"]
    number = 1
    warmup_time = 0
    timeout = 300

    def _bop(self, op):  # pragma: no cover - subclasses
        raise NotImplementedError

    def setup(self, op, dtype, shape, impl):
        key = (op, dtype, shape, impl)
        if getattr(self, "_key", None) != key:
            self._key = None
            bench = _bench()
            _refuse_forked_child(impl)
            bop = self._bop(op)
            dims = bench.parse_shape(shape)
            try:
                if impl.startswith("torch"):
                    _torch_threads()
                self._case = bench.Case(bop, dtype, math.prod(dims), slots=1, shape=dims)
                self._call = bench.bind(impl, self._case, 0)
            except bench.Unavailable as exc:
                raise NotImplementedError(str(exc)) from None
            with bench.impl_context(impl, bop):
                self._call()  # warm-up
            self._key = key
        self._case.restore(0)
        self._ctx = _bench().impl_context(impl, self._case.bop)
        self._ctx.__enter__()

    def teardown(self, op, dtype, shape, impl):
        ctx, self._ctx = getattr(self, "_ctx", None), None
        if ctx is not None:
            ctx.__exit__(None, None, None)


class FusedBias(_Sectioned):
    """``bias_<act>_(x, b)`` (impl ``fastrelu``) vs ``<act>_(x)`` alone
    (``single``) and ``x += b`` then ``<act>`` in place (``numpy``, ``torch``)."""

    param_names = ["act", "dtype", "shape", "impl"]
    params = [list(_baselines.FUSED_ACTS), list(DTYPES), list(SHAPES),
              list(_baselines.FUSED_IMPLS)]

    def _bop(self, act):
        try:
            return _bench().get_op("bias_" + act)
        except KeyError:
            raise NotImplementedError(f"this build has no bias_{act}") from None

    def time_bias_act(self, act, dtype, shape, impl):
        self._call()


class UnitStatsOverhead(_Sectioned):
    """``<op>_(x)`` (impl ``fastrelu``) vs ``<op>_(x, stats=UnitStats())``
    (``fastrelu+stats``) vs the op then the per-unit count (``numpy+stats``,
    ``torch+stats``)."""

    params = [list(_baselines.STATS_OPS), list(DTYPES), list(SHAPES),
              list(_baselines.STATS_IMPLS)]

    def _bop(self, op):
        import fastrelu

        if not hasattr(fastrelu, "UnitStats"):
            raise NotImplementedError("this build has no fastrelu.UnitStats")
        return _bench().get_op(op)

    def time_op_stats(self, op, dtype, shape, impl):
        self._call()


def _fused_cache(self=None):
    """Every fused row once (``_bench.measure_fused``)."""
    _refuse_forked_child()
    bench = _bench()
    impls = _impls(bench.FUSED_IMPLS)
    settings = bench.Settings(*RATIO_SETTINGS)
    names = [b.name for b in bench.bench_ops()]
    rows = {}
    for act in bench.FUSED_ACTS:
        if "bias_" + act not in names:
            continue
        for dtype in DTYPES:
            for shape in SHAPES:
                rows[(act, dtype, shape)] = bench.measure_fused(
                    act, dtype, bench.parse_shape(shape), impls, settings)
    return rows


_fused_cache.timeout = 900


def _stats_cache(self=None):
    """Every statistics row once (``_bench.measure_stats``)."""
    import fastrelu

    _refuse_forked_child()
    rows = {}
    if not hasattr(fastrelu, "UnitStats"):
        return rows
    bench = _bench()
    impls = _impls(bench.STATS_IMPLS)
    settings = bench.Settings(*RATIO_SETTINGS)
    for op in bench.STATS_OPS:
        for dtype in DTYPES:
            for shape in SHAPES:
                rows[(op, dtype, shape)] = bench.measure_stats(
                    op, dtype, bench.parse_shape(shape), impls, settings)
    return rows


_stats_cache.timeout = 900


class FusedRatios(_Tracks):
    """Fused bias + activation: time over one in-place pass of the activation
    (lower is better, target <= 1.1) and speedups over the two-pass forms."""

    param_names = ["act", "dtype", "shape"]
    params = [list(_baselines.FUSED_ACTS), list(DTYPES), list(SHAPES)]
    setup_cache = _fused_cache

    def track_fused_vs_single_pass(self, rows, act, dtype, shape):
        return self._value(rows, "fused_vs_single", act, dtype, shape)

    track_fused_vs_single_pass.unit = "x"

    def track_speedup_vs_numpy(self, rows, act, dtype, shape):
        return self._value(rows, "speedup_numpy", act, dtype, shape)

    track_speedup_vs_numpy.unit = "x"

    def track_speedup_vs_torch(self, rows, act, dtype, shape):
        return self._value(rows, "speedup_torch", act, dtype, shape)

    track_speedup_vs_torch.unit = "x"


class StatsRatios(_Tracks):
    """Statistics in the same pass: time with / without ``stats=`` (target ~1)
    and speedups over the op-then-count numpy and torch forms."""

    param_names = ["op", "dtype", "shape"]
    params = [list(_baselines.STATS_OPS), list(DTYPES), list(SHAPES)]
    setup_cache = _stats_cache

    def track_with_vs_without_stats(self, rows, op, dtype, shape):
        row = rows.get((op, dtype, shape), {})
        v = _bench().ratio(row.get("fastrelu+stats_s"), row.get("fastrelu_s"))
        if v is None:
            raise SkipNotImplemented(f"stats not measured for {op} {dtype} {shape}")
        return v

    track_with_vs_without_stats.unit = "x"

    def track_speedup_vs_numpy(self, rows, op, dtype, shape):
        return self._value(rows, "speedup_numpy", op, dtype, shape)

    track_speedup_vs_numpy.unit = "x"

    def track_speedup_vs_torch(self, rows, op, dtype, shape):
        return self._value(rows, "speedup_torch", op, dtype, shape)

    track_speedup_vs_torch.unit = "x"


# --------------------------------------------------------------------------
# the mixed BLAS loop: time_ and track_
# --------------------------------------------------------------------------

class MixedBlasLoop:
    """``MIXED_STEPS`` steps of ``np.matmul(A, W, out=h)`` then the activation
    of h in place: ``fastrelu.<act>_(h)``, numpy's own in-place form, torch's
    matmul and op, or no activation (``matmul``, timed under the first
    activation only).  Setup builds the operands once per rows and binds the
    step; every step does the same work (the matmul overwrites h)."""

    param_names = ["activation", "rows", "impl"]
    params = [list(_bench_mixed.ACTS), list(MIXED_ROWS), list(_bench_mixed.IMPLS)]
    warmup_time = 0
    timeout = 300

    def setup(self, activation, rows, impl):
        _refuse_forked_child(impl)
        if impl == "matmul" and activation != _bench_mixed.ACTS[0]:
            raise NotImplementedError("matmul alone is timed under activation "
                                      f"{_bench_mixed.ACTS[0]} only")
        shape = (rows, MIXED_UNITS)
        case = getattr(self, "_case", None)
        if case is None or case.shape != shape:
            from fastrelu import _bench_mixed as mixed

            self._case = case = mixed.MixedCase(MIXED_DTYPE, shape)
        act = None if impl == "matmul" else activation
        try:
            if impl == "torch":
                _torch_threads()
            self._step = case.step(impl, act)
        except (KeyError, ImportError, AttributeError, _unavailable()) as exc:
            raise NotImplementedError(f"{impl} {activation}: {exc}") from None
        self._errstate = np.errstate(all="ignore")
        self._errstate.__enter__()
        self._step()  # warm-up: first-call costs, thread pools start

    def teardown(self, activation, rows, impl):
        errstate, self._errstate = getattr(self, "_errstate", None), None
        if errstate is not None:
            errstate.__exit__(None, None, None)

    def time_mixed_loop(self, activation, rows, impl):
        step = self._step
        for _ in range(MIXED_STEPS):
            step()


def _mixed_cache(self=None):
    """Every mixed group once (``_bench_mixed.measure_group``): rows keyed by
    (activation, rows)."""
    from fastrelu import _bench_mixed as mixed

    _refuse_forked_child()
    impls = _impls(mixed.IMPLS)
    out = {}
    for rows in MIXED_ROWS:
        for row in mixed.measure_group(MIXED_DTYPE, (rows, MIXED_UNITS),
                                              _bench_mixed.ACTS, impls, MIXED_SETTINGS):
            out[(row["act"], rows)] = row
    return out


_mixed_cache.timeout = 600


class MixedRatios(_Tracks):
    """The mixed loop: fastrelu's step time over numpy's and over torch's, in
    the same process and round-robin (lower is better; target <= 1.0 vs
    numpy)."""

    param_names = ["activation", "rows"]
    params = [list(_bench_mixed.ACTS), list(MIXED_ROWS)]
    setup_cache = _mixed_cache

    def track_step_vs_numpy(self, cache, activation, rows):
        return self._value(cache, "vs_numpy", activation, rows)

    track_step_vs_numpy.unit = "x"

    def track_step_vs_torch(self, cache, activation, rows):
        return self._value(cache, "vs_torch", activation, rows)

    track_step_vs_torch.unit = "x"


# --------------------------------------------------------------------------
# peakmem_: the in-place ops allocate no temporaries
# --------------------------------------------------------------------------

def _maxrss_bytes():
    r = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return r if sys.platform == "darwin" else r * 1024


class InPlaceMemory:
    """Peak memory of one in-place call on ``size`` elements.

    Setup fills the inputs chunk by chunk, so the process peak before the
    call is the arrays themselves; ``track_added_rss_mib`` is how much the
    call raised that peak (a temporary the size of the input shows as
    size * itemsize)."""

    param_names = ["op", "dtype", "impl"]
    params = [[op.name + "_" for op in OPS], list(DTYPES), ["fastrelu", "numpy", "torch"]]
    size = MEMORY_SIZE
    timeout = 300

    def setup(self, op, dtype, impl):
        bench = _bench()
        _refuse_forked_child(impl)
        try:
            bop = bench.get_op(op[:-1])
        except KeyError:
            raise NotImplementedError(f"this build has no {op}") from None
        args = bench.make_inputs(bop, dtype, self.size)
        calls = {"fastrelu": bench.fastrelu_call, "numpy": bench.numpy_call,
                 "torch": bench.torch_call}
        try:
            if impl == "torch":
                _torch_threads()
            self._call = calls[impl](bop.op, args)
        except bench.Unavailable as exc:
            raise NotImplementedError(str(exc)) from None
        self._errstate = np.errstate(all="ignore")
        self._errstate.__enter__()

    def teardown(self, op, dtype, impl):
        self._errstate.__exit__(None, None, None)

    def peakmem_inplace(self, op, dtype, impl):
        self._call()

    def track_added_rss_mib(self, op, dtype, impl):
        before = _maxrss_bytes()            # ru_maxrss only grows: the result is >= 0
        self._call()
        return (_maxrss_bytes() - before) / 2**20

    track_added_rss_mib.unit = "MiB"


def all_param_sets(cls):
    """Every parameter combination of an asv class (for tests and tools)."""
    return list(itertools.product(*cls.params))
