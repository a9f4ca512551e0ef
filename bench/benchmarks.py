"""asv benchmarks for fastrelu (``asv.conf.json``: ``benchmark_dir: "bench"``).

Everything is generated from the kernel registry (``fastrelu._dispatch.KERNELS``)
through ``fastrelu._bench``, which also holds the input data, the NumPy and
torch baselines and the roofline binding used by ``python -m fastrelu bench``:

* The grid: by default in place, ``fastrelu``, ``fastrelu[exact]``, ``numpy``,
  ``torch`` and ``roofline`` at three sizes; ``FASTRELU_ASV_FULL=1`` adds the
  ISA levels, the numba loop, the out-of-place forms and 1M (see FULL).
* one ``time_`` class per op family (``Relu``, ``Sigmoid``, ``ReluBackward``,
  ``SigmoidBackward``, ``LeakyRelu``, ``LeakyReluBackward``, ``Silu``,
  ``SiluBackward``, ``Softplus``, ``LogSigmoid``, ``BiasRelu``,
  ``BiasSigmoid``, ``BiasSilu``), parameterised by op (out of place into a
  preallocated ``out=``, and in place ``op_``) x dtype x size x
  implementation.  The leaky ops run with ``alpha = _bench.ALPHA``, the bias
  ops on a (rows, units) array (``_bench.shape_for``) with ``units`` biases.
  Implementations: ``fastrelu`` (the dispatcher's choice), ``fastrelu@<isa>``
  for every ISA variant in the registry (skipped where this CPU lacks it),
  ``[exact]`` twins where the registry has distinct exact-accuracy kernels,
  ``numpy`` (the baseline of ``_bench.NUMPY_FORMS``), ``numba`` (a naive
  ``@njit`` loop, compiled and run once in setup), ``torch`` (same threads as
  fastrelu, ``_bench.TORCH_FORMS``) and ``roofline`` (the C in-place loop; in
  place only).  ``fastrelu@numba`` is skipped for an op the numba backend has
  no kernel for (the backend would run the cython kernel instead).
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
* ``InPlaceMemory``: ``peakmem_`` and the resident memory a 16M-element
  in-place call adds (``track_added_rss_mib``: 0 means no temporary array).

Every timed call does the same work, and the timed bodies allocate nothing
(but the numpy/torch forms of the statistics, whose count allocates):
setup allocates once per parameter set and keeps the arrays on the instance.
Out-of-place calls never change their input.  In place, ``relu_`` and
``relu_backward_`` get inputs that are already fixed points of the op
(negatives replaced by +0.0; grad already masked), so repeating the call
repeats the same work on the same bits (the kernels are branch-free, so the
sign mix does not change the cost).  The other in-place ops are not
idempotent (``sigmoid_`` drifts towards a constant, ``sigmoid_backward_``
and the leaky ops towards subnormals, a bias keeps adding), so their setup
restores the input from a saved copy (np.copyto): asv_runner >= 0.3 re-runs
setup before every timed call, outside the timed region, and ``number = 1``
on those classes gives older asv runners the same behaviour (setup before
every sample).  The cost is per-call timing at n=1000, where the timer's
~0.1 us shows; the ``python -m fastrelu bench`` timer (batched, restored per
batch) is the precise tool for small sizes.
"""

import importlib.util
import itertools
import math
import os
import resource
import sys

import numpy as np

import fastrelu
from fastrelu import _bench, _bench_mixed, _dispatch, _ufuncs

try:  # raised inside a benchmark body, asv records "skipped" rather than failed
    from asv_runner.benchmarks.mark import SkipNotImplemented
except ImportError:  # pragma: no cover - running without asv
    SkipNotImplemented = NotImplementedError

#: FASTRELU_ASV_FULL=1 widens the grid: every ISA level (fastrelu@<isa>), the
#: naive numba loop, the out-of-place forms and 1M elements.  The default grid
#: (in place; fastrelu, [exact] where it differs, numpy, torch, roofline; three
#: sizes) keeps `asv run --quick` of the whole suite within a few minutes.
FULL = os.environ.get("FASTRELU_ASV_FULL", "") not in ("", "0")
SIZES = [1000, 65536, 1_000_000, 16_000_000] if FULL else [1000, 65536, 16_000_000]
DTYPES = ["float32", "float64"]
BASELINES = ["numpy", "numba", "torch", "roofline"] if FULL else ["numpy", "torch", "roofline"]
#: sizes of the Ratios pass (tests shrink it; 1M is left to the time_ classes)
RATIO_SIZES = [1000, 65536, 16_000_000]
RATIO_SETTINGS = _bench.Settings(budget_s=0.05, min_reps=3, max_reps=5000)
#: (rows x units) of the fused and statistics benchmarks (tests shrink them)
SHAPES = [_bench._fmt_shape(s) for s in _bench.FUSED_SHAPES]
#: size of the InPlaceMemory cases: a temporary copy shows as tens of MiB
MEMORY_SIZE = 16_000_000
#: the mixed BLAS loop: float32, A rows x MIXED_UNITS, W MIXED_UNITS square;
#: MIXED_STEPS steps per timed call (tests shrink the rows)
MIXED_ROWS = [512, 4096]
MIXED_UNITS = 1024
MIXED_DTYPE = "float32"
MIXED_STEPS = 3
MIXED_SETTINGS = _bench_mixed.QUICK


def registry_ops():
    return list(dict.fromkeys(k.op for k in _dispatch.KERNELS))


def registry_isas(op):
    """Kernel variants for ``op``: the compiled ISA levels (best first) from the
    registry, then the numba backend (its rows join the registry when loaded)."""
    isas = list(dict.fromkeys(k.isa for k in _dispatch.KERNELS
                              if k.op == op and k.backend == "cython"))
    return isas + ["numba"]


def registry_accuracies(op):
    rows = [k for k in _dispatch.KERNELS if k.op == op]
    return ["fast"] + (["exact"] if _bench.exact_differs(rows, op) else [])


def implementations(op):
    """``impl`` parameter values for ``op``, generated from the registry."""
    out = []
    for acc in registry_accuracies(op):
        sfx = "" if acc == "fast" else "[exact]"
        out.append("fastrelu" + sfx)
        if FULL:
            out.extend(f"fastrelu@{isa}{sfx}" for isa in registry_isas(op))
    return out + BASELINES


def parse_impl(impl):
    """``"fastrelu@avx2[exact]"`` -> ("fastrelu", "avx2", "exact")."""
    acc = "fast"
    if impl.endswith("[exact]"):
        impl, acc = impl[: -len("[exact]")], "exact"
    name, _, isa = impl.partition("@")
    return name, (isa or None), acc


def _require_numba_kernel(op, dtype):
    """fastrelu@numba: the numba backend must have its own kernel for the slot
    (a backend lacking a slot runs the best cython kernel: not numba's time)."""
    try:
        _dispatch._ensure_numba()
    except ImportError as exc:
        raise NotImplementedError(str(exc)) from None
    if not any(k.op == op and k.dtype == dtype and k.backend == "numba"
               for k in _dispatch.KERNELS):
        raise NotImplementedError(f"the numba backend has no {op} {dtype} kernel")


# --------------------------------------------------------------------------
# naive Numba loops (the "what a user would write" baseline); jitted lazily in
# setup so that importing this module never imports numba
# --------------------------------------------------------------------------

def _nb_relu(x, out, zero):
    for i in range(x.shape[0]):
        v = x[i]
        out[i] = v if v > zero else zero


def _nb_sigmoid(x, out, one):
    for i in range(x.shape[0]):
        out[i] = one / (one + np.exp(-x[i]))


def _nb_relu_backward(g, y, out, zero):
    for i in range(g.shape[0]):
        out[i] = g[i] if y[i] > zero else zero


def _nb_sigmoid_backward(g, y, out, one):
    for i in range(g.shape[0]):
        out[i] = g[i] * y[i] * (one - y[i])


def _nb_leaky_relu(x, alpha, out, zero):
    for i in range(x.shape[0]):
        v = x[i]
        out[i] = v if v > zero else alpha * v


def _nb_leaky_relu_backward(g, x, alpha, out, zero):
    for i in range(g.shape[0]):
        out[i] = g[i] if x[i] > zero else alpha * g[i]


def _nb_silu(x, out, one):
    for i in range(x.shape[0]):
        v = x[i]
        out[i] = v / (one + np.exp(-v))


def _nb_silu_backward(g, x, out, one):
    for i in range(g.shape[0]):
        s = one / (one + np.exp(-x[i]))
        out[i] = g[i] * s * (one + x[i] * (one - s))


def _nb_softplus(x, out, zero):
    for i in range(x.shape[0]):
        v = x[i]
        out[i] = max(v, zero) + np.log1p(np.exp(-abs(v)))


def _nb_log_sigmoid(x, out, zero):
    for i in range(x.shape[0]):
        v = x[i]
        out[i] = min(v, zero) - np.log1p(np.exp(-abs(v)))


def _nb_bias_relu(x, b, out, zero):
    for i in range(x.shape[0]):
        for j in range(x.shape[1]):
            v = x[i, j] + b[j]
            out[i, j] = v if v > zero else zero


def _nb_bias_sigmoid(x, b, out, one):
    for i in range(x.shape[0]):
        for j in range(x.shape[1]):
            out[i, j] = one / (one + np.exp(-(x[i, j] + b[j])))


def _nb_bias_silu(x, b, out, one):
    for i in range(x.shape[0]):
        for j in range(x.shape[1]):
            v = x[i, j] + b[j]
            out[i, j] = v / (one + np.exp(-v))


#: op -> (naive loop, its trailing constant: 0 or 1 in the input dtype)
_NB_SOURCES = {"relu": (_nb_relu, 0), "sigmoid": (_nb_sigmoid, 1),
               "relu_backward": (_nb_relu_backward, 0),
               "sigmoid_backward": (_nb_sigmoid_backward, 1),
               "leaky_relu": (_nb_leaky_relu, 0),
               "leaky_relu_backward": (_nb_leaky_relu_backward, 0),
               "silu": (_nb_silu, 1), "silu_backward": (_nb_silu_backward, 1),
               "softplus": (_nb_softplus, 0), "log_sigmoid": (_nb_log_sigmoid, 0),
               "bias_relu": (_nb_bias_relu, 0), "bias_sigmoid": (_nb_bias_sigmoid, 1),
               "bias_silu": (_nb_bias_silu, 1)}
_NB_JITTED = {}


def numba_call(op, args, out=None):
    try:
        import numba
    except Exception as exc:
        raise NotImplementedError(f"numba not importable: {exc}") from None
    if op not in _NB_SOURCES:
        raise NotImplementedError(f"no numba loop for {op}")
    dt = args[0].dtype.type
    const = dt(_NB_SOURCES[op][1])
    out = args[0] if out is None else out
    # scalars (alpha) in the array dtype: the loop computes in that dtype
    a = tuple(x if isinstance(x, np.ndarray) else dt(x) for x in args) + (out, const)
    f = _NB_JITTED.get(op)
    if f is None:
        f = numba.njit(cache=True, nogil=True)(_NB_SOURCES[op][0])
        try:  # compile now (or load from numba's cache): never inside a timing
            f(*a)
        except Exception:  # an unusable cache entry: compile without the cache
            f = numba.njit(nogil=True)(_NB_SOURCES[op][0])
        _NB_JITTED[op] = f
    f(*a)  # this dtype's specialization

    def call(f=f, a=a):
        f(*a)

    return call


def _refuse_forked_child(impl="fastrelu"):
    """fastrelu runs serially in a forked child (fork safety, see DESIGN.md §2):
    under ``asv run --launch-method forkserver`` its threaded numbers would be
    wrong, so skip rather than mislead.  asv's default (spawn) is fine."""
    if impl.split("+")[0] in ("fastrelu", "roofline", "single") and getattr(
            _ufuncs, "is_serial_only", lambda: False)():
        raise NotImplementedError("fastrelu is serial in a forked child: run asv with "
                                  "the default --launch-method spawn")


def _torch_threads():
    torch = _bench.import_torch()
    torch.set_num_threads(fastrelu.get_num_threads())
    return torch


# --------------------------------------------------------------------------
# time_: one class per op family
# --------------------------------------------------------------------------

class _Family:
    """time_op for one registry op; subclasses set ``op``."""

    op = None
    param_names = ["op", "dtype", "size", "impl"]
    timeout = 600
    #: True when calling the in-place op twice equals calling it once
    idempotent = True

    @classmethod
    def make_params(cls):
        forms = [cls.op, cls.op + "_"] if FULL else [cls.op + "_"]
        return [forms, list(DTYPES), list(SIZES), implementations(cls.op)]

    def setup(self, op, dtype, size, impl):
        key = (op, dtype, size, impl)
        if getattr(self, "_key", None) != key:
            self._key = None
            self._build(op, dtype, size, impl)
            self._key = key
        elif self._restore is not None:
            self._restore()
        self._ctx = _bench.impl_context(self._impl_name, self._bop, self._isa)
        self._ctx.__enter__()

    def teardown(self, op, dtype, size, impl):
        ctx, self._ctx = getattr(self, "_ctx", None), None
        if ctx is not None:
            ctx.__exit__(None, None, None)

    def _build(self, op, dtype, size, impl):
        name, isa, acc = parse_impl(impl)
        _refuse_forked_child(name)
        if self.op not in registry_ops():
            raise NotImplementedError(f"this build has no {self.op}")
        if isa == "numba":
            if importlib.util.find_spec("numba") is None:
                raise NotImplementedError("numba is not installed")
            _require_numba_kernel(self.op, dtype)
        if isa not in (None, "numba") and isa not in _dispatch.available_isas():
            raise NotImplementedError(f"ISA {isa} not available on this CPU")
        bop = _bench.BenchOp(self.op + ("[exact]" if acc == "exact" else ""), self.op, acc,
                             _bench.ARITY[self.op])
        inplace = op.endswith("_")
        ins = _bench.make_inputs(bop, dtype, size)
        if inplace and self.idempotent:  # make the input a fixed point of the op
            if self.op == "relu":
                np.maximum(ins[0], 0, out=ins[0])
            elif self.op == "relu_backward":
                np.copyto(ins[0], 0, where=ins[1] <= 0)
        restore = inplace and not self.idempotent
        work = ins[0].copy() if restore else ins[0]
        args = (work,) + tuple(ins[1:])
        out = None if inplace else np.empty_like(work)
        try:
            if name == "fastrelu":
                call = _bench.fastrelu_call(self.op, args, out)
            elif name == "numpy":
                call = _bench.numpy_call(self.op, args, out)
            elif name == "torch":
                _torch_threads()
                call = _bench.torch_call(self.op, args, out)
            elif name == "roofline":
                call = _bench.roofline_call(self.op, args, out)
            elif name == "numba":
                call = numba_call(self.op, args, out)
            else:  # pragma: no cover
                raise ValueError(impl)
        except _bench.Unavailable as exc:
            raise NotImplementedError(str(exc)) from None
        saved = ins[0]
        self._restore = (lambda: np.copyto(work, saved)) if restore else None
        self._bop, self._isa, self._impl_name, self._call = bop, isa, name, call
        # warm-up (JIT compile, thread pool start, first-call costs), then restore
        with _bench.impl_context(name, bop, isa):
            call()
        if self._restore is not None:
            self._restore()

    def time_op(self, op, dtype, size, impl):
        self._call()


class _Restored(_Family):
    """An in-place op that is not idempotent: setup restores its input."""

    idempotent = False
    number = 1  # older asv: setup (restore) before every call
    warmup_time = 0


class Relu(_Family):
    op = "relu"


class Sigmoid(_Restored):
    op = "sigmoid"


class ReluBackward(_Family):
    op = "relu_backward"


class SigmoidBackward(_Restored):
    op = "sigmoid_backward"


class LeakyRelu(_Restored):
    op = "leaky_relu"


class LeakyReluBackward(_Restored):
    op = "leaky_relu_backward"


class Silu(_Restored):
    op = "silu"


class SiluBackward(_Restored):
    op = "silu_backward"


class Softplus(_Restored):
    op = "softplus"


class LogSigmoid(_Restored):
    op = "log_sigmoid"


class BiasRelu(_Restored):
    op = "bias_relu"


class BiasSigmoid(_Restored):
    op = "bias_sigmoid"


class BiasSilu(_Restored):
    op = "bias_silu"


FAMILIES = (Relu, Sigmoid, ReluBackward, SigmoidBackward, LeakyRelu, LeakyReluBackward,
            Silu, SiluBackward, Softplus, LogSigmoid, BiasRelu, BiasSigmoid, BiasSilu)
for _cls in FAMILIES:
    _cls.params = _cls.make_params()
del _cls


# --------------------------------------------------------------------------
# track_: ratios from one measurement pass
# --------------------------------------------------------------------------

def _impls(all_impls):
    """``all_impls`` without torch's when torch is not importable (else set
    torch's threads to fastrelu's)."""
    try:
        _torch_threads()
        return tuple(all_impls)
    except _bench.Unavailable:
        return tuple(i for i in all_impls if not i.startswith("torch"))


def _ratios_cache(self=None):
    """Measure every (op, dtype, size) row once, like ``python -m fastrelu bench``."""
    _refuse_forked_child()
    impls = _impls(_bench.IMPLS)
    rows = {}
    for bop in _bench.bench_ops():
        for dtype in DTYPES:
            for size in RATIO_SIZES:
                rows[(bop.name, dtype, size)] = _bench.measure(
                    bop, dtype, size, impls, RATIO_SETTINGS)
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
    params = [[b.name for b in _bench.bench_ops()], list(DTYPES), list(RATIO_SIZES)]
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
            _refuse_forked_child(impl)
            bop = self._bop(op)
            dims = _bench.parse_shape(shape)
            if impl.startswith("torch"):
                try:
                    _torch_threads()
                except _bench.Unavailable as exc:
                    raise NotImplementedError(str(exc)) from None
            self._case = _bench.Case(bop, dtype, math.prod(dims), slots=1, shape=dims)
            try:
                self._call = _bench.bind(impl, self._case, 0)
            except _bench.Unavailable as exc:
                raise NotImplementedError(str(exc)) from None
            with _bench.impl_context(impl, bop):
                self._call()  # warm-up
            self._key = key
        self._case.restore(0)
        self._ctx = _bench.impl_context(impl, self._case.bop)
        self._ctx.__enter__()

    def teardown(self, op, dtype, shape, impl):
        ctx, self._ctx = getattr(self, "_ctx", None), None
        if ctx is not None:
            ctx.__exit__(None, None, None)


class FusedBias(_Sectioned):
    """``bias_<act>_(x, b)`` (impl ``fastrelu``) vs ``<act>_(x)`` alone
    (``single``) and ``x += b`` then ``<act>`` in place (``numpy``, ``torch``)."""

    param_names = ["act", "dtype", "shape", "impl"]
    params = [list(_bench.FUSED_ACTS), list(DTYPES), list(SHAPES),
              list(_bench.FUSED_IMPLS)]

    def _bop(self, act):
        try:
            return _bench.get_op("bias_" + act)
        except KeyError:
            raise NotImplementedError(f"this build has no bias_{act}") from None

    def time_bias_act(self, act, dtype, shape, impl):
        self._call()


class UnitStatsOverhead(_Sectioned):
    """``<op>_(x)`` (impl ``fastrelu``) vs ``<op>_(x, stats=UnitStats())``
    (``fastrelu+stats``) vs the op then the per-unit count (``numpy+stats``,
    ``torch+stats``)."""

    params = [list(_bench.STATS_OPS), list(DTYPES), list(SHAPES),
              list(_bench.STATS_IMPLS)]

    def _bop(self, op):
        if not hasattr(fastrelu, "UnitStats"):
            raise NotImplementedError("this build has no fastrelu.UnitStats")
        return _bench.get_op(op)

    def time_op_stats(self, op, dtype, shape, impl):
        self._call()


def _fused_cache(self=None):
    """Every fused row once (``_bench.measure_fused``)."""
    _refuse_forked_child()
    impls = _impls(_bench.FUSED_IMPLS)
    names = [b.name for b in _bench.bench_ops()]
    rows = {}
    for act in _bench.FUSED_ACTS:
        if "bias_" + act not in names:
            continue
        for dtype in DTYPES:
            for shape in SHAPES:
                rows[(act, dtype, shape)] = _bench.measure_fused(
                    act, dtype, _bench.parse_shape(shape), impls, RATIO_SETTINGS)
    return rows


_fused_cache.timeout = 900


def _stats_cache(self=None):
    """Every statistics row once (``_bench.measure_stats``)."""
    _refuse_forked_child()
    rows = {}
    if not hasattr(fastrelu, "UnitStats"):
        return rows
    impls = _impls(_bench.STATS_IMPLS)
    for op in _bench.STATS_OPS:
        for dtype in DTYPES:
            for shape in SHAPES:
                rows[(op, dtype, shape)] = _bench.measure_stats(
                    op, dtype, _bench.parse_shape(shape), impls, RATIO_SETTINGS)
    return rows


_stats_cache.timeout = 900


class FusedRatios(_Tracks):
    """Fused bias + activation: time over one in-place pass of the activation
    (lower is better, target <= 1.1) and speedups over the two-pass forms."""

    param_names = ["act", "dtype", "shape"]
    params = [list(_bench.FUSED_ACTS), list(DTYPES), list(SHAPES)]
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
    params = [list(_bench.STATS_OPS), list(DTYPES), list(SHAPES)]
    setup_cache = _stats_cache

    def track_with_vs_without_stats(self, rows, op, dtype, shape):
        row = rows.get((op, dtype, shape), {})
        v = _bench._ratio(row.get("fastrelu+stats_s"), row.get("fastrelu_s"))
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
            self._case = case = _bench_mixed.MixedCase(MIXED_DTYPE, shape)
        act = None if impl == "matmul" else activation
        try:
            if impl == "torch":
                _torch_threads()
            self._step = case.step(impl, act)
        except (KeyError, ImportError, AttributeError, _bench.Unavailable) as exc:
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
    _refuse_forked_child()
    impls = _impls(_bench_mixed.IMPLS)
    out = {}
    for rows in MIXED_ROWS:
        for row in _bench_mixed.measure_group(MIXED_DTYPE, (rows, MIXED_UNITS),
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
    params = [[op + "_" for op in dict.fromkeys(k.op for k in _dispatch.KERNELS)
               if op in _bench.ARITY], list(DTYPES),
              ["fastrelu", "numpy", "torch"]]
    size = MEMORY_SIZE
    timeout = 300

    def setup(self, op, dtype, impl):
        _refuse_forked_child(impl)
        bop = _bench.get_op(op[:-1])
        args = _bench.make_inputs(bop, dtype, self.size)
        try:
            if impl == "fastrelu":
                self._call = _bench.fastrelu_call(bop.op, args)
            elif impl == "numpy":
                self._call = _bench.numpy_call(bop.op, args)
            else:
                torch = _bench.import_torch()
                torch.set_num_threads(fastrelu.get_num_threads())
                self._call = _bench.torch_call(bop.op, args)
        except _bench.Unavailable as exc:
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
