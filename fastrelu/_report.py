"""What the dispatcher does, in words: explain(op, x) for one call (asking C
for the plan it will run) and show_config() for the whole table."""
import os
from dataclasses import dataclass

import numpy as np

from . import _dispatch, _ufuncs
from ._dispatch import (ACCURACIES, ISA_LEVELS, OPS, _SLOTS, accuracy, available_isas,
                        chosen_kernel, cpu_features, disabled_cpu_features, get_accuracy,
                        get_num_threads)


@dataclass(frozen=True)
class Explanation:
    op: str
    dtype: str
    accuracy: str
    backend: str
    isa: str
    kernel: str
    threads: int
    chunk: int
    path: str
    why: str

    def __str__(self):
        return (f"{self.op}({self.dtype}, accuracy={self.accuracy}): {self.kernel} "
                f"[{self.backend}/{self.isa}], {self.threads} thread(s), chunk {self.chunk}, "
                f"{self.path}; {self.why}")


def explain(op, x):
    """Which kernel, ISA, thread count and path a call op(x) would use, and why."""
    if op not in OPS:
        raise ValueError(f"op must be one of {OPS}, got {op!r}")
    uf = getattr(_ufuncs, op)
    x = np.asarray(x)
    dtype = uf.resolve_dtypes((x.dtype,) * uf.nin + (None,))[0]
    acc = get_accuracy()
    if dtype.kind in "u":
        return Explanation(op, str(dtype), acc, "cython", "-", "identity copy", 1, x.size,
                           "memmove", "relu of an unsigned integer is the identity")
    if dtype.char == "g":
        return Explanation(op, str(dtype), acc, "cython", "-", "long double loop", 1, x.size,
                           "plain C long double, element by element (any strides)",
                           "np.longdouble: one C loop (kernels/longdouble.h), serial, the same "
                           "in every accuracy mode and backend")
    narrow = dtype.itemsize == 2 and dtype.kind == "f" or dtype.name == "bfloat16"
    wide = _ufuncs.OP_KIND[op] in ("unary", "fused")      # computed in float64, exact kernel
    compute = ("float64" if wide else "float32") if narrow else str(dtype)
    kacc = "exact" if (narrow and wide) else acc
    contiguous = x.flags.c_contiguous or x.flags.f_contiguous
    step = x.strides[0] if x.ndim == 1 and not contiguous else 0
    with accuracy(kacc):
        _, threads, chunk = _ufuncs.plan(op, compute, x.size, step)      # what C will do
    k = chosen_kernel(op, compute, kacc)
    threshold = _ufuncs.get_parallel_min(op)
    if narrow:
        threads, chunk = 1, x.size
        path = f"{dtype} widened to {compute} in blocks of 1024, rounded once"
    elif not contiguous and x.ndim >= 2 and x.strides[-1] == x.itemsize:
        path = (f"{x.size // max(x.shape[-1], 1)} rows of {x.shape[-1]} contiguous elements, not "
                f"back to back: {op}_(x) runs them as one call (the threads below), "
                f"{op}(x) one loop call per row (numpy's iterator)")
    elif not contiguous:
        path = ("strided: blocks of up to 256 copied in and out (vector copies for steps "
                "of 2-8 elements; relu, exact in both modes, writes an output of step 24 bytes "
                "or more in one strided pass instead), threaded by the bytes of cache lines "
                "they touch")
    else:
        path = "contiguous"
    if threads > 1:
        path += f", {-(-x.size // chunk)} chunks shared by {threads} threads"
    table = _ufuncs.current_table()
    source = ("set by backend()" if table != "auto" else
              f"tuned wisdom {_dispatch.wisdom_file}" if _dispatch.wisdom_file else "the ISA ladder")
    why = (f"backend table '{table}' ({source}); best ISA level available {available_isas()} "
           f"(disabled: {sorted(disabled_cpu_features()) or 'none'}); "
           f"threads: n={x.size} ({x.size * x.dtype.itemsize // 4} float32-sized"
           f"{', each weighing 2 min(step, 64 bytes) / itemsize, strided' if step else ''}) "
           f"vs threshold "
           f"{threshold}, pool {get_num_threads()}")
    if _ufuncs.is_serial_only():
        why += "; forked child: serial"
    return Explanation(op, str(dtype), acc, k.backend, k.isa, k.name, threads, chunk, path, why)


def show_config(file=None):
    """Print version, compiler build, CPU features, ISA levels and the chosen kernels."""
    import platform
    import sys

    from ._version import __version__
    w = lambda s="": print(s, file=file or sys.stdout)
    w(f"fastrelu {__version__}  (numpy {np.__version__}, Python {platform.python_version()})")
    from . import _wisdom
    compiler, flags = _ufuncs.build_info()
    w(f"built with: {compiler}")
    w(f"flags: {flags}")
    w(f"machine: {platform.machine()}, {_wisdom.cpu_model()}")
    w("cpu features: " + ", ".join(f"{f}={'yes' if v else 'no'}" for f, v in cpu_features().items()))
    w(f"compiled ISA levels (best first): {[n for n, _ in ISA_LEVELS]}")
    w(f"available: {available_isas()}  disabled by env: {sorted(disabled_cpu_features()) or 'none'}")
    w(f"accuracy: {get_accuracy()}  threads: {get_num_threads()} "
      f"(own pool: {'idle workers spin ' + str(_ufuncs.get_spin_us()) + ' us, then sleep' if _ufuncs.have_threads() else 'no threads in this build'})")
    w(f"wisdom: {_dispatch.wisdom_file or 'none applied'} (FASTRELU_WISDOM={os.environ.get('FASTRELU_WISDOM', 'unset')},"
      f" default file {_wisdom.wisdom_path()})")
    w("kernels (auto table):")
    for acc in ACCURACIES:
        for op, dtype in _SLOTS:
            w(f"  {acc:5s} {op:16s} {dtype:8s} -> {_ufuncs.installed('auto', acc, op, dtype)}"
              f"  (threads from n >= {_ufuncs.get_parallel_min(op)})")


