"""asv benchmarks for fastrelu (``asv.conf.json``: ``benchmark_dir: "bench"``).

Everything is generated from the kernel registry (``fastrelu._dispatch.KERNELS``)
through ``fastrelu._bench``, which also holds the input data, the NumPy and
torch baselines and the roofline binding used by ``python -m fastrelu bench``:

* one ``time_`` class per op family (``Relu``, ``Sigmoid``, ``ReluBackward``,
  ``SigmoidBackward``), parameterised by op (out of place into a preallocated
  ``out=``, and in place ``op_``) x dtype x size x implementation.
  Implementations: ``fastrelu`` (the dispatcher's choice), ``fastrelu@<isa>``
  for every ISA variant in the registry (skipped where this CPU lacks it),
  ``[exact]`` twins where the registry has distinct exact-accuracy kernels,
  ``numpy`` (the baseline of ``_bench.NUMPY_FORMS``), ``numba`` (a naive
  ``@njit`` loop, compiled and run once in setup), ``torch`` (same threads as
  fastrelu) and ``roofline`` (the C in-place loop; in place only).
  Unsupported combinations raise NotImplementedError in setup (asv: skipped).
* ``Ratios``: ``track_`` speedup vs numpy / torch, GB/s and % of roofline of
  the in-place op, from one measurement pass (``setup_cache``) with the
  ``python -m fastrelu bench`` timer.
* ``InPlaceMemory``: ``peakmem_`` and the resident memory a 16M-element
  in-place call adds (``track_added_rss_mib``: 0 means no temporary array).

Every timed call does the same work, and the timed bodies allocate nothing:
setup allocates once per parameter set and keeps the arrays on the instance.
Out-of-place calls never change their input.  In place, ``relu_`` and
``relu_backward_`` get inputs that are already fixed points of the op
(negatives replaced by +0.0; grad already masked), so repeating the call
repeats the same work on the same bits (the kernels are branch-free, so the
sign mix does not change the cost).  ``sigmoid_`` and ``sigmoid_backward_``
are not idempotent (repeated calls drift towards a constant, and
``sigmoid_backward_`` towards subnormals), so their setup restores the input
from a saved copy (np.copyto): asv_runner >= 0.3 re-runs setup before every
timed call, outside the timed region, and ``number = 1`` on those two classes
gives older asv runners the same behaviour (setup before every sample).
The cost is per-call timing at n=1000, where the timer's ~0.1 us shows; the
``python -m fastrelu bench`` timer (batched, restored per batch) is the
precise tool for small sizes.
"""

import importlib.util
import itertools
import resource
import sys

import numpy as np

import fastrelu
from fastrelu import _bench, _dispatch, _ufuncs

try:  # raised inside a benchmark body, asv records "skipped" rather than failed
    from asv_runner.benchmarks.mark import SkipNotImplemented
except ImportError:  # pragma: no cover - running without asv
    SkipNotImplemented = NotImplementedError

SIZES = [1000, 65536, 1_000_000, 16_000_000]
DTYPES = ["float32", "float64"]
BASELINES = ["numpy", "numba", "torch", "roofline"]
#: sizes of the Ratios pass (tests shrink it; 1M is left to the time_ classes)
RATIO_SIZES = [1000, 65536, 16_000_000]
RATIO_SETTINGS = _bench.Settings(budget_s=0.05, min_reps=3, max_reps=5000)
#: size of the InPlaceMemory cases: a temporary copy shows as tens of MiB
MEMORY_SIZE = 16_000_000


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
        out.extend(f"fastrelu@{isa}{sfx}" for isa in registry_isas(op))
    return out + BASELINES


def parse_impl(impl):
    """``"fastrelu@avx2[exact]"`` -> ("fastrelu", "avx2", "exact")."""
    acc = "fast"
    if impl.endswith("[exact]"):
        impl, acc = impl[: -len("[exact]")], "exact"
    name, _, isa = impl.partition("@")
    return name, (isa or None), acc


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


_NB_SOURCES = {"relu": (_nb_relu, 0), "sigmoid": (_nb_sigmoid, 1),
               "relu_backward": (_nb_relu_backward, 0),
               "sigmoid_backward": (_nb_sigmoid_backward, 1)}
_NB_JITTED = {}


def numba_call(op, args, out=None):
    try:
        import numba
    except Exception as exc:
        raise NotImplementedError(f"numba not importable: {exc}") from None
    if op not in _NB_SOURCES:
        raise NotImplementedError(f"no numba loop for {op}")
    const = args[0].dtype.type(_NB_SOURCES[op][1])
    out = args[0] if out is None else out
    a = tuple(args) + (out, const)
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
    if impl in ("fastrelu", "roofline") and getattr(_ufuncs, "is_serial_only",
                                                    lambda: False)():
        raise NotImplementedError("fastrelu is serial in a forked child: run asv with "
                                  "the default --launch-method spawn")


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
        return [[cls.op, cls.op + "_"], list(DTYPES), list(SIZES),
                implementations(cls.op)]

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
        if isa == "numba" and importlib.util.find_spec("numba") is None:
            raise NotImplementedError("numba is not installed")
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
                torch = _bench.import_torch()
                torch.set_num_threads(fastrelu.get_num_threads())
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


class Relu(_Family):
    op = "relu"


class Sigmoid(_Family):
    op = "sigmoid"
    idempotent = False
    number = 1  # older asv: setup (restore) before every call
    warmup_time = 0


class ReluBackward(_Family):
    op = "relu_backward"


class SigmoidBackward(_Family):
    op = "sigmoid_backward"
    idempotent = False
    number = 1
    warmup_time = 0


FAMILIES = (Relu, Sigmoid, ReluBackward, SigmoidBackward)
for _cls in FAMILIES:
    _cls.params = _cls.make_params()
del _cls


# --------------------------------------------------------------------------
# track_: ratios from one measurement pass
# --------------------------------------------------------------------------

def _ratios_cache(self=None):
    """Measure every (op, dtype, size) row once, like ``python -m fastrelu bench``."""
    _refuse_forked_child()
    try:
        torch = _bench.import_torch()
        torch.set_num_threads(fastrelu.get_num_threads())
        impls = _bench.IMPLS
    except _bench.Unavailable:
        impls = tuple(i for i in _bench.IMPLS if i != "torch")
    rows = {}
    for bop in _bench.bench_ops():
        for dtype in DTYPES:
            for size in RATIO_SIZES:
                rows[(bop.name, dtype, size)] = _bench.measure(
                    bop, dtype, size, impls, RATIO_SETTINGS)
    return rows


_ratios_cache.timeout = 900


class Ratios:
    """The in-place op's speedups, GB/s and roofline fraction (higher is better)."""

    param_names = ["op", "dtype", "size"]
    params = [[b.name for b in _bench.bench_ops()], list(DTYPES), list(RATIO_SIZES)]
    setup_cache = _ratios_cache

    def _value(self, rows, key, op, dtype, size):
        v = rows.get((op, dtype, size), {}).get(key)
        if v is None:
            raise SkipNotImplemented(f"{key} not measured for {op} {dtype} {size}")
        return v

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
        before = _maxrss_bytes()
        self._call()
        return max(0, _maxrss_bytes() - before) / 2**20

    track_added_rss_mib.unit = "MiB"


def all_param_sets(cls):
    """Every parameter combination of an asv class (for tests and tools)."""
    return list(itertools.product(*cls.params))
