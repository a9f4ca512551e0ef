"""In-place forms: write into the first argument and return that same object.

They accept numpy arrays (any strides), buffer-protocol objects (memoryview,
array.array), DLPack producers (torch CPU tensors) and objects with an
__array_interface__.  Every check runs before the ufunc writes anything.
"""
import numpy as np

from . import _ufuncs

_FLOATS = ("float16", "float32", "float64")
_INTS = ("int8", "int16", "int32", "int64", "uint8", "uint16", "uint32", "uint64")


def _writable_view(obj, fname, argname):
    """A numpy view sharing obj's memory, or a clear error."""
    if isinstance(obj, np.ndarray):
        arr = obj
    elif hasattr(obj, "__dask_graph__"):
        raise TypeError(f"{fname}: cannot write in place into a lazy {type(obj).__name__}; "
                        f"call the ufunc fastrelu.{fname.rstrip('_')}(x) instead, it stays lazy")
    else:
        try:
            mv = memoryview(obj)
        except TypeError:
            mv = None
        if mv is not None:
            if mv.readonly:
                raise ValueError(f"{fname}: argument '{argname}' is read-only")
            arr = np.asarray(mv)
        elif hasattr(obj, "__dlpack__"):
            arr = np.from_dlpack(obj)
        elif hasattr(obj, "__array_interface__"):
            arr = np.asarray(obj)
        else:
            raise TypeError(f"{fname}: argument '{argname}' must be a writable array "
                            f"(numpy array, buffer, DLPack tensor), got {type(obj).__name__}")
    if not arr.flags.writeable:
        raise ValueError(f"{fname}: argument '{argname}' is read-only")
    return arr


def _check_dtype(arr, fname, argname, allowed):
    if arr.dtype.byteorder not in "=|" and arr.dtype.newbyteorder("=").name in allowed:
        return                           # byte-swapped: numpy's casting handles it
    if arr.dtype.name not in allowed:
        raise TypeError(f"{fname}: argument '{argname}' has dtype {arr.dtype}, "
                        f"which is not supported in place (supported: {', '.join(allowed)})")


def _ndarray_fast_path(ufunc, fname, argname, arr, *rest):
    """The common case, a native-dtype ndarray: numpy itself checks writability."""
    try:
        return ufunc(arr, *rest, out=arr)
    except ValueError:
        if arr.flags.writeable:
            raise
        raise ValueError(f"{fname}: argument '{argname}' is read-only") from None


def _unary_inplace(ufunc, allowed):
    fname = ufunc.__name__ + "_"
    native = frozenset(np.dtype(d) for d in allowed)

    def inplace(x):
        if type(x) is np.ndarray and x.dtype in native:
            return _ndarray_fast_path(ufunc, fname, "x", x)
        arr = _writable_view(x, fname, "x")
        _check_dtype(arr, fname, "x", allowed)
        ufunc(arr, out=arr)
        return x

    inplace.__name__ = inplace.__qualname__ = fname
    inplace.__doc__ = (f"{fname}(x): {ufunc.__name__}(x) written into x; returns x.\n\n"
                       f"x: a writable array of dtype {', '.join(allowed)}.")
    return inplace


def _backward_inplace(ufunc):
    fname = ufunc.__name__ + "_"
    native = frozenset(np.dtype(d) for d in _FLOATS)

    def inplace(grad, y):
        if (type(grad) is np.ndarray and type(y) is np.ndarray and grad.dtype in native
                and grad.shape == y.shape):
            return _ndarray_fast_path(ufunc, fname, "grad", grad, y)
        arr = _writable_view(grad, fname, "grad")
        _check_dtype(arr, fname, "grad", _FLOATS)
        yarr = y if isinstance(y, np.ndarray) else np.asarray(y)
        if np.broadcast_shapes(arr.shape, yarr.shape) != arr.shape:
            raise ValueError(f"{fname}: y with shape {yarr.shape} does not broadcast "
                             f"to grad's shape {arr.shape}")
        ufunc(arr, yarr, out=arr)
        return grad

    inplace.__name__ = inplace.__qualname__ = fname
    inplace.__doc__ = (f"{fname}(grad, y): {ufunc.__name__}(grad, y) written into grad; "
                       "returns grad.")
    return inplace


relu_ = _unary_inplace(_ufuncs.relu, _INTS + _FLOATS)
sigmoid_ = _unary_inplace(_ufuncs.sigmoid, _FLOATS)
relu_backward_ = _backward_inplace(_ufuncs.relu_backward)
sigmoid_backward_ = _backward_inplace(_ufuncs.sigmoid_backward)
