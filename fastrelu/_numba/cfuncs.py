"""The Numba backend's kernel-table rows: one cfunc per C registry row of a
float dtype whose op has a twin, with the C kernels' signature for the op's
kind, named as that row with the ``__numba`` suffix (f32_sigmoid_fast__numba).

Caching: the cfuncs use ``cache=True``.  Numba looks for a cache directory in
this order: ``NUMBA_CACHE_DIR`` if set; ``__pycache__`` next to this file if
writable; the user-wide cache (``$XDG_CACHE_HOME/numba`` or ``~/.cache/numba``)
if the package directory is read-only.  If none of them is writable the
kernels are compiled without a cache (a warning says so) instead of failing.
Numba invalidates a cache entry when the file of its function changes, not
when the files of what it inlines do: each kernel closes over STAMP, a hash of
every module of this package, so an edit to the twins compiles them afresh.
"""
import hashlib
import pathlib
import warnings

import numba
import numpy as np
from numba import literally, types

from .. import _ops
from . import table
from .arrays import _count, _loop
from .intrinsics import is_null, njit_inline, same_address

__all__ = ["cfunc_rows", "kernel", "STAMP"]

_NB_TYPES = {"float32": types.float32, "float64": types.float64}


def _stamp():
    h = hashlib.sha256()
    for path in sorted(pathlib.Path(__file__).parent.glob("*.py")):
        h.update(path.read_bytes())
    return h.hexdigest()[:16]


STAMP = _stamp()


@njit_inline
def _stamped(stamp):
    """Nothing: it only puts STAMP into a kernel's closure (numba's cache key)."""
    return None


def _cfunc(sig, pyfunc):
    """numba.cfunc with cache=True, or uncached when no cache dir is writable."""
    opts = dict(error_model="numpy")
    try:
        return numba.cfunc(sig, cache=True, **opts)(pyfunc)
    except RuntimeError as e:
        if "no locator available" not in str(e):
            raise
        warnings.warn("fastrelu: no writable cache directory for the Numba kernels "
                      "(package dir, ~/.cache/numba); set NUMBA_CACHE_DIR to keep them "
                      "between processes. Compiling without a cache.",
                      RuntimeWarning, stacklevel=3)
        return numba.cfunc(sig, **opts)(pyfunc)


@numba.njit
def _in_place(op, mode, out, b, c):
    """op's element loop into out, whose first operand it is (op and mode
    constants).  The kernels call this and _apart, compiled once per op, mode
    and float type, instead of inlining the math themselves (the fused ops
    call their activation's): one array in place, so LLVM vectorizes with no
    overlap check (which fails for in == out)."""
    literally(op)
    literally(mode)                 # never None: see kernel()
    _loop(op, mode, out, b, c, out)


@numba.njit
def _apart(op, mode, a, b, c, out):
    """op's element loop from a into out, with LLVM's overlap check: an
    operand that aliases out some other way (b is out) takes its scalar loop,
    still right."""
    literally(op)
    literally(mode)
    _loop(op, mode, a, b, c, out)


def _unary_kernel(op, mode, T, stamp=STAMP):
    """void k(const T *in, T *out, intptr_t n); out may be in."""
    sig = types.void(types.CPointer(T), types.CPointer(T), types.intp)

    def kernel(in_, out_, n):
        _stamped(stamp)
        out = numba.carray(out_, (n,))
        if same_address(in_, out_):
            _in_place(op, mode, out, None, None)
        else:
            _apart(op, mode, numba.carray(in_, (n,)), None, None, out)
    return _cfunc(sig, kernel)


def _binary_kernel(op, mode, T, stamp=STAMP):
    """void k(const T *a, const T *b, T *out, intptr_t n); out may be a and/or b."""
    sig = types.void(types.CPointer(T), types.CPointer(T), types.CPointer(T), types.intp)

    def kernel(a_, b_, out_, n):
        _stamped(stamp)
        out = numba.carray(out_, (n,))
        if same_address(a_, out_):
            _in_place(op, mode, out, numba.carray(b_, (n,)), None)
        else:
            _apart(op, mode, numba.carray(a_, (n,)), numba.carray(b_, (n,)), None, out)
    return _cfunc(sig, kernel)


def _ternary_kernel(op, mode, T, stamp=STAMP):
    """void k(const T *a, const T *b, const T *c, T *out, intptr_t n); out may
    be an input (in place: the first, leaky_relu_backward_'s grad)."""
    P = types.CPointer(T)
    sig = types.void(P, P, P, P, types.intp)

    def kernel(a_, b_, c_, out_, n):
        _stamped(stamp)
        out = numba.carray(out_, (n,))
        b, c = numba.carray(b_, (n,)), numba.carray(c_, (n,))
        if same_address(a_, out_):
            _in_place(op, mode, out, b, c)
        else:
            _apart(op, mode, numba.carray(a_, (n,)), b, c, out)
    return _cfunc(sig, kernel)


@njit_inline
def _add_bias(x, b, out):
    for i in range(out.size):
        out[i] = x[i] + b[i]


@njit_inline
def _count_row(op, y, cnt, eps):
    for j in range(y.size):
        _count(op, cnt, j, y[j], eps)


def _fused_kernel(op, mode, T, stamp=STAMP):
    """void k(const T *x, const T *bias, T *out, int64_t *count, double eps,
    intptr_t rows, intptr_t cols): out[r][j] = act(x[r][j] + bias[j]) (bias
    NULL: act(x)), count[j] += what is counted where count is not NULL.  The
    same bits as FR_FUSED, in up to three passes (out = x + bias row by row,
    the activation's own loop in place, count row by row), so the fused ops
    compile no activation math of their own (the njit API's fused forms are
    one pass)."""
    P, NT = types.CPointer(T), np.float32 if T == types.float32 else np.float64
    sig = types.void(P, P, P, types.CPointer(types.int64), types.float64, types.intp,
                     types.intp)
    act = _ops.activation(op)
    counts = _ops.BY_NAME[op].counts is not None

    def kernel(x_, b_, out_, cnt_, eps_, rows, cols):
        _stamped(stamp)
        n = rows * cols
        out = numba.carray(out_, (n,))
        if not is_null(b_):
            b = numba.carray(b_, (cols,))
            src = out if same_address(x_, out_) else numba.carray(x_, (n,))
            for r in range(rows):
                _add_bias(src[r * cols:(r + 1) * cols], b, out[r * cols:(r + 1) * cols])
            _in_place(act, mode, out, None, None)
        elif same_address(x_, out_):
            _in_place(act, mode, out, None, None)
        else:
            _apart(act, mode, numba.carray(x_, (n,)), None, None, out)
        if counts and not is_null(cnt_):
            cnt = numba.carray(cnt_, (cols,))
            for r in range(rows):
                _count_row(op, out[r * cols:(r + 1) * cols], cnt, NT(eps_))
    return _cfunc(sig, kernel)


_MAKERS = {"unary": _unary_kernel, "binary": _binary_kernel, "ternary": _ternary_kernel,
           "fused": _fused_kernel}
_compiled = {}          # (op, mode, dtype) -> CFunc: keeps the machine code alive for the table


def kernel(op, dtype, mode=None):
    """The compiled (or cached) CFunc of op at dtype ("float32"/"float64") in
    accuracy mode ("fast", "exact"; None for an op that computes the same in
    both at dtype), compiled on first use."""
    t = _NB_TYPES[dtype]
    mode = table.mode_of(op, mode, t)
    if (op, mode, dtype) not in _compiled:
        make = _MAKERS[_ops.BY_NAME[op].kind]
        # "fast" for None: literally() takes strings only, and the twin of an op
        # that computes the same in both modes ignores the mode
        _compiled[op, mode, dtype] = make(op, mode or "fast", t)
    return _compiled[op, mode, dtype]


def cfunc_rows():
    """[(op, dtype, accuracy, name, address)] for the kernel table (_dispatch):
    one per C registry row of a float dtype (its op, dtype and accuracy, its
    name with __numba for the ISA suffix) whose op has a twin; the table takes
    the C row for the others."""
    from .. import _ufuncs
    return [(op, dtype, acc, f"{name.rsplit('__', 1)[0]}__numba", kernel(op, dtype, acc).address)
            for isa, _, name, op, dtype, acc in _ufuncs.kernel_rows()
            if isa == "baseline" and dtype in _NB_TYPES and table.row(op) is not None]
