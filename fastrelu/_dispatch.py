"""The kernel registry and the choice among its rows.

KERNELS lists every compiled kernel (op x dtype x accuracy x backend x ISA).
At import the ISA ladder (best level the CPU has and the user has not
disabled, FASTRELU_DISABLE_CPU_FEATURES) fills the table the ufunc loops read;
use_isa() swaps the table for tests and benchmarks.  Accuracy mode and thread
count are knobs on the same table (kernels/loops.h).
"""
import contextlib
import os
import threading
from collections import namedtuple

import numpy as np

from . import _ops, _ufuncs

OPS = _ufuncs.OPS
ACCURACIES = _ufuncs.ACCURACIES

BACKENDS = _ufuncs.TABLES                          # "auto", "cython", "numba", "numpy"

Kernel = namedtuple("Kernel", "op dtype accuracy backend isa name source index")
# accuracy None: the op is exact, one kernel serves both modes.
# source: the compiled ISA registry the row lives in, or "runtime" (numba, numpy).
KERNELS = [Kernel(op, dtype, acc, "cython", isa, name, isa, index)
           for isa, index, name, op, dtype, acc in _ufuncs.kernel_rows()]
ISA_LEVELS = tuple(_ufuncs.isa_levels())        # [(name, required features)], best first
_SLOTS = sorted({(k.op, k.dtype) for k in KERNELS})
_lock = threading.RLock()
_active_isas = ()                                # the ladder the table was filled from


def disabled_cpu_features():
    env = os.environ.get("FASTRELU_DISABLE_CPU_FEATURES", "")
    return frozenset(f.strip().upper() for f in env.split(",") if f.strip())


def cpu_features():
    """The features the ladder asks about, as this CPU reports them."""
    feats = sorted({f for _, req in ISA_LEVELS for f in req} | {"SSE2"})
    return {f: _ufuncs.cpu_has(f) for f in feats}


def available_isas():
    """Compiled ISA levels this CPU can run and the user has not disabled, best first."""
    off = disabled_cpu_features()
    return [name for name, req in ISA_LEVELS
            if all(_ufuncs.cpu_has(f) and f not in off for f in req)]


_by_place = {}          # (op, dtype, backend, isa) -> its rows of KERNELS, in order
_placed = 0             # how many of KERNELS _by_place holds (KERNELS only grows)


def _rows_by_place():
    """KERNELS' rows by (op, dtype, backend, ISA level), brought up to date
    with rows added since (a dict: every switch of level or backend refills
    each slot of the tables)."""
    global _placed
    with _lock:
        for k in KERNELS[_placed:]:
            _by_place.setdefault((k.op, k.dtype, k.backend, k.isa), []).append(k)
        _placed = len(KERNELS)
    return _by_place


def _best(op, dtype, accuracy, isas, backend="cython"):
    """The first row of `backend` for the slot, walking `isas` in order; slots a
    backend lacks (integer relu outside cython) take the best cython row."""
    by_place = _rows_by_place()
    for be in (backend, "cython"):
        for isa in isas:
            for k in by_place.get((op, dtype, be, isa), ()):
                if k.accuracy in (accuracy, None):
                    return k
    raise LookupError(f"no kernel for {op} {dtype} {accuracy} among {isas}")


def _fill(table, isas, backend):
    for acc in ACCURACIES:
        for op, dtype in _SLOTS:
            k = _best(op, dtype, acc, isas, backend)
            _ufuncs.install(table, acc, op, dtype, k.source, k.index)


def _install(isas):
    global _active_isas
    with _lock:
        _fill("auto", isas, "cython")
        _fill("cython", isas, "cython")
        _active_isas = tuple(isas)


def _snapshot():
    """The "auto" table and the thread thresholds, for _restore()."""
    table = {}
    for acc in ACCURACIES:
        for op, dtype in _SLOTS:
            k = chosen_kernel(op, dtype, acc, "auto")
            table[acc, op, dtype] = (k.source, k.index)
    return table, {op: _ufuncs.get_parallel_min(op) for op in OPS}, _active_isas


def _restore(snapshot):
    global _active_isas
    table, thresholds, isas = snapshot
    with _lock:
        for (acc, op, dtype), (source, index) in table.items():
            _ufuncs.install("auto", acc, op, dtype, source, index)
        for op, n in thresholds.items():
            _ufuncs.set_parallel_min(op, n)
        _active_isas = isas


def _register_runtime(backend, isa, rows, serial=False):
    """Add kernels compiled at run time: rows of (op, dtype, accuracy, name, address)."""
    for op, dtype, acc, name, address in rows:
        index = _ufuncs.add_row(name, op, dtype, acc, address, serial)
        KERNELS.append(Kernel(op, dtype, acc, backend, isa, name, "runtime", index))


def _activation(fused_op):
    return fused_op.removeprefix("bias_")


def _numpy_formula(op):
    def formula(*args, out):
        from . import _slow
        if _ufuncs.OP_KIND[op] == "fused" and args[1] is None:   # no bias: the activation alone
            value = _slow.SLOW[_activation(op)](args[0])
        else:
            value = _slow.SLOW[op](*args)
        np.copyto(out, value, casting="unsafe")
    return formula


def _numpy_counts(op, y, eps):
    from . import _slow
    return _slow.unit_counts(_activation(op), y, eps)


def _init_numpy_backend():
    _ufuncs.numpy_formulas.update({op: _numpy_formula(op) for op in OPS})
    _ufuncs.count_formula = _numpy_counts
    _register_runtime("numpy", "numpy",
                      [(op, dt, None, name, addr)
                       for op, dt, name, addr in _ufuncs.numpy_kernels()], serial=True)
    _fill("numpy", ["numpy"] + [n for n, _ in ISA_LEVELS], "numpy")


_numba_loaded = False


def _ensure_numba():
    """Compile (or load from cache) the Numba kernels and fill their table."""
    global _numba_loaded
    with _lock:
        if _numba_loaded:
            return
        try:
            from . import _numba
        except ImportError as e:
            raise ImportError("backend('numba') needs numba: pip install 'fastrelu[numba]'") from e
        _register_runtime("numba", "numba", _numba.cfunc_rows())
        _fill("numba", ["numba"] + list(_active_isas), "numba")
        _numba_loaded = True


@contextlib.contextmanager
def backend(name):
    """Run this thread's calls inside the block on one backend: "cython" (the
    compiled kernels, best ISA level), "numba", "numpy" (the plain numpy
    formulas, to A/B against), or "auto" (the default choice)."""
    if name not in BACKENDS:
        raise ValueError(f"backend must be one of {BACKENDS}, got {name!r}")
    if name == "numba":
        _ensure_numba()
    prev = _ufuncs.swap_thread_table(name)
    try:
        yield name
    finally:
        _ufuncs.swap_thread_table(prev)


def chosen_kernel(op, dtype, accuracy=None, table=None):
    """The registry row a table slot holds (default: this thread's table and mode)."""
    acc = accuracy or get_accuracy()
    name = _ufuncs.installed(table or _ufuncs.current_table(), acc, op, dtype)
    return next(k for k in KERNELS if k.name == name)


@contextlib.contextmanager
def use_isa(isa):
    """Force one ISA level for every op (process-wide; for tests and benchmarks)."""
    if isa not in available_isas():
        raise ValueError(f"ISA level {isa!r} is not available here: {available_isas()}")
    with _lock:
        prev = _active_isas
        _install([isa])
        try:
            yield isa
        finally:
            _install(prev)


_C_TYPES = {"float32": "float", "float64": "double", "int8": "int8_t", "int16": "int16_t",
            "int32": "int32_t", "int64": "int64_t"}


def kernel_address(op, dtype):
    """(address, C signature) of the serial kernel the current accuracy mode and
    ISA level would run for op x dtype, for C/ctypes/cffi callers.  The kernel
    is contiguous, serial and reentrant; it releases nothing and needs no GIL."""
    if op not in OPS:
        raise ValueError(f"op must be one of {OPS}, got {op!r}")
    dtype = np.dtype(dtype).name
    if (op, dtype) not in _SLOTS:
        raise TypeError(f"no {op} kernel for dtype {dtype}")
    t = _C_TYPES[dtype]
    sig = {"unary": f"void (const {t} *in, {t} *out, intptr_t n)",
           "binary": f"void (const {t} *a, const {t} *b, {t} *out, intptr_t n)",
           "ternary": f"void (const {t} *a, const {t} *b, const {t} *c, {t} *out, intptr_t n)",
           "fused": f"void (const {t} *x, const {t} *bias, {t} *out, int64_t *count, "
                    f"double eps, intptr_t rows, intptr_t cols)"}[_ufuncs.OP_KIND[op]]
    names = _ops.BY_NAME[op].args
    if _ufuncs.OP_KIND[op] != "fused":
        for generic, name in zip(("*a,", "*b,", "*c,"), names):
            sig = sig.replace(generic, f"*{name},")
    return _ufuncs.kernel_address(op, dtype), sig


# ---- accuracy --------------------------------------------------------------
def _check_mode(mode):
    if mode not in ACCURACIES:
        raise ValueError(f"accuracy must be one of {ACCURACIES}, got {mode!r}")
    return mode


def set_accuracy(mode):
    """Set the process-wide accuracy mode: "fast" (default) or "exact"."""
    _ufuncs.set_default_accuracy(_check_mode(mode))


def get_accuracy():
    """The accuracy mode calls on this thread use now."""
    return _ufuncs.current_accuracy()


@contextlib.contextmanager
def accuracy(mode):
    """Use `mode` for calls made on this thread inside the block."""
    prev = _ufuncs.swap_thread_accuracy(_check_mode(mode))
    try:
        yield mode
    finally:
        _ufuncs.swap_thread_accuracy(prev)


# ---- threads ---------------------------------------------------------------
def _cores_available():
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:
        return os.cpu_count() or 1


def set_num_threads(n):
    """Threads used for large contiguous calls (1 = always the calling thread)."""
    if isinstance(n, bool) or not isinstance(n, (int, np.integer)) or n < 1:
        raise ValueError(f"num_threads must be an integer >= 1, got {n!r}")
    _ufuncs.set_threads(int(n) if _ufuncs.have_threads() else 1)


def get_num_threads():
    return _ufuncs.get_threads()


def _threads_from_env():
    """FASTRELU_NUM_THREADS, else OMP_NUM_THREADS (dask workers, job schedulers and
    threadpool-aware launchers set it to the share of cores they give a process),
    else the cores this process may run on."""
    for var in ("FASTRELU_NUM_THREADS", "OMP_NUM_THREADS"):
        env = os.environ.get(var)
        if env:
            try:
                return max(1, int(env.split(",")[0]))
            except ValueError:
                raise ValueError(f"{var} must be an integer, got {env!r}") from None
    return _cores_available()


def _init():
    _install(available_isas())
    _init_numpy_backend()
    set_num_threads(_threads_from_env())
    set_accuracy(_check_mode(os.environ.get("FASTRELU_ACCURACY", "fast")))
    if hasattr(os, "register_at_fork"):
        os.register_at_fork(after_in_child=_ufuncs.after_fork_in_child)
    # optional partners, set up when the user imports them (importing them here
    # would cost ml_dtypes' ~0.5 s on every `import fastrelu`)
    from . import _import_hooks, _threadpool
    _import_hooks.when_imported("ml_dtypes", _ufuncs.register_bfloat16)
    _import_hooks.when_imported("threadpoolctl", _threadpool.register)


wisdom_file = None          # the wisdom file applied at import (_wisdom.load() sets it)


_init()
