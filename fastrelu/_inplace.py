"""In-place forms: write into the first argument and return that same object.

They accept numpy arrays (any strides), buffer-protocol objects (memoryview,
array.array), DLPack producers (torch CPU tensors) and objects with an
__array_interface__.  Every check runs before the ufunc writes anything.
"""
import numpy as np

from . import _ops, _ufuncs

# bfloat16 is ml_dtypes' dtype: fastrelu's loops for it are added when ml_dtypes
# is imported (_ufuncs.bfloat16_dtype()), so it is named here, not looked up.
_FLOATS, _INTS = _ops.FLOATS, _ops.INTS
_WEAK = (int, float, bool)              # Python scalars: they take the array's dtype


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
            try:
                arr = np.from_dlpack(obj)
            except (RuntimeError, BufferError, TypeError, ValueError) as e:
                # e.g. a torch bfloat16 tensor: numpy has no such DLPack type
                raise TypeError(f"{fname}: argument '{argname}' ({type(obj).__name__} of "
                                f"dtype {getattr(obj, 'dtype', '?')}) cannot be viewed as a "
                                f"numpy array: {e}") from None
        elif hasattr(obj, "__array_interface__"):
            arr = np.asarray(obj)
        else:
            raise TypeError(f"{fname}: argument '{argname}' must be a writable array "
                            f"(numpy array, buffer, DLPack tensor), got {type(obj).__name__}")
    if not arr.flags.writeable:
        raise ValueError(f"{fname}: argument '{argname}' is read-only")
    return arr


def _dtype_name(dt):
    """dt's name in _ops' dtype lists: np.longdouble is "longdouble" (numpy
    calls it float128 on x86-64 Linux, float64 where it is double)."""
    return "longdouble" if dt.char == "g" else dt.name


def _check_dtype(arr, fname, argname, allowed):
    if arr.dtype.byteorder not in "=|" and _dtype_name(arr.dtype.newbyteorder("=")) in allowed:
        return                           # byte-swapped: numpy's casting handles it
    if _dtype_name(arr.dtype) not in allowed:
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


def _native_dtypes(allowed):
    """numpy's own dtypes among `allowed` (bfloat16: _fast_dtype)."""
    return frozenset(np.dtype(d) for d in allowed if d != "bfloat16")


def _fast_dtype(dtype, native):
    """An ndarray of this dtype takes the fast path: one of `native`, or
    bfloat16 once its loops are registered."""
    if dtype in native:
        return True
    bf16 = _ufuncs.bfloat16_dtype()
    return bf16 is not None and dtype == bf16


def _units_rows(shape):
    units = shape[-1] if shape else 1
    rows = int(np.prod(shape[:-1], dtype=np.int64)) if shape else 1
    return units, rows


_FUSED_DTYPES = frozenset((np.dtype("float32"), np.dtype("float64")))


def _fused(fused_op, activation, fname, x, b, stats):
    """act(x + b) (b may be None) into x, counting into stats: one pass through
    the fused kernels when x is a C-contiguous float32/float64 array and b a
    matching vector, else the ufunc then numpy counts.  Every check runs before
    anything is written."""
    fast = (type(x) is np.ndarray and x.dtype in _FUSED_DTYPES and x.flags.c_contiguous
            and x.flags.writeable and x.ndim >= 1
            and (b is None or (type(b) is np.ndarray and b.dtype == x.dtype
                               and b.shape == x.shape[-1:] and b.flags.c_contiguous
                               and not np.may_share_memory(x, b))))   # else numpy copies b
    arr = x if fast else _writable_view(x, fname, "x")
    if not fast:
        _check_dtype(arr, fname, "x", _INTS + _FLOATS if activation == "relu" and b is None
                     else _FLOATS)
    b_arg = b if type(b) in _WEAK else None      # a Python scalar stays weak (NEP 50)
    if b is not None and not fast:
        b = np.asarray(b)
        # a bias runs along the last axis: (units,), (1, ..., units) or a scalar
        ok = (b.ndim <= max(arr.ndim, 1) and all(d == 1 for d in b.shape[:-1])
              and (b.ndim == 0 or b.shape[-1] in (1, arr.shape[-1] if arr.ndim else 1)))
        if not ok:
            raise ValueError(f"{fname}: argument 'b' with shape {b.shape} does not broadcast "
                             f"along x's last axis (x has shape {arr.shape})")
    units, rows = _units_rows(arr.shape)
    counts = kind = None
    if stats is not None:
        if not hasattr(stats, "_buffer"):
            raise TypeError(f"{fname}: stats must be a fastrelu.UnitStats, "
                            f"got {type(stats).__name__}")
        counts, kind = stats._buffer(fname, activation, units)
    if fast:
        _ufuncs.run_rows(fused_op, arr, b, counts, stats.eps if stats is not None else 0.0)
    else:
        ufunc = getattr(_ufuncs, fused_op if b is not None else activation)
        ufunc(arr, *(() if b is None else (b if b_arg is None else b_arg,)), out=arr)
        if counts is not None:
            from . import _slow                 # the slow twin counts (off the fast path)
            counts += _slow.unit_counts(activation, arr, stats.eps)
    if stats is not None:
        stats._commit(counts, kind, rows)
    return x


def _unary_inplace(ufunc, allowed, fused_op=None):
    fname = ufunc.__name__ + "_"
    native = _native_dtypes(allowed)
    op, fast = _ufuncs.OPS.index(ufunc.__name__), _ufuncs.inplace

    def plain(x):
        done = fast(op, x)
        if done is not None:
            return done
        if type(x) is np.ndarray and _fast_dtype(x.dtype, native):
            return _ndarray_fast_path(ufunc, fname, "x", x)
        arr = _writable_view(x, fname, "x")
        _check_dtype(arr, fname, "x", allowed)
        ufunc(arr, out=arr)
        return x

    if fused_op is None:               # nothing to count: no stats=
        inplace = plain
    else:
        def inplace(x, *, stats=None):
            if stats is not None:
                return _fused(fused_op, ufunc.__name__, fname, x, None, stats)
            return plain(x)

    inplace.__name__ = inplace.__qualname__ = fname
    inplace.__doc__ = (f"{fname}(x{', *, stats=None' if fused_op else ''}): {ufunc.__name__}(x) "
                       f"written into x; returns x.\n\n"
                       f"x: a writable array of dtype {', '.join(allowed)}."
                       + ("\nstats: a fastrelu.UnitStats to count per unit (last axis) in the "
                          "same pass." if fused_op else ""))
    return inplace


def _nary_inplace(ufunc, argnames):
    """In place for ops with more than one input: the first one is written, the
    others broadcast to it."""
    fname = ufunc.__name__ + "_"
    native = _native_dtypes(_FLOATS)
    first, others = argnames[0], argnames[1:]
    op, fast = _ufuncs.OPS.index(ufunc.__name__), _ufuncs.inplace

    def inplace(x, *rest):
        done = fast(op, x, *rest)
        if done is not None:
            return done
        if len(rest) != len(others):
            raise TypeError(f"{fname}() takes {len(argnames)} arguments "
                            f"({', '.join(argnames)}), got {1 + len(rest)}")
        if (type(x) is np.ndarray and _fast_dtype(x.dtype, native)
                and all((type(r) is np.ndarray and r.shape == x.shape) or type(r) in (float, int)
                        for r in rest)):
            return _ndarray_fast_path(ufunc, fname, first, x, *rest)
        arr = _writable_view(x, fname, first)
        _check_dtype(arr, fname, first, _FLOATS)
        args = rest                              # Python scalars stay weak (NEP 50)
        rest = [r if isinstance(r, np.ndarray) else np.asarray(r) for r in rest]
        for name, r in zip(others, rest):
            try:
                ok = np.broadcast_shapes(arr.shape, r.shape) == arr.shape
            except ValueError:
                ok = False
            if not ok:
                raise ValueError(f"{fname}: {name} with shape {r.shape} does not broadcast "
                                 f"to {first}'s shape {arr.shape}")
        ufunc(arr, *[a if type(a) in _WEAK else r for a, r in zip(args, rest)], out=arr)
        return x

    inplace.__name__ = inplace.__qualname__ = fname
    inplace.__doc__ = (f"{fname}({', '.join(argnames)}): {ufunc.__name__}({', '.join(argnames)}) "
                       f"written into {first}; returns {first}.")
    return inplace


def _bias_inplace(ufunc, activation, counted):
    """counted: the op has per-unit counts (silu has nothing to count: no stats=)."""
    fname = ufunc.__name__ + "_"
    op, fast = _ufuncs.OPS.index(ufunc.__name__), _ufuncs.inplace

    def run(x, b, stats):
        done = fast(op, x, b) if stats is None else None
        return done if done is not None else _fused(ufunc.__name__, activation, fname, x, b, stats)

    if counted:
        def inplace(x, b, *, stats=None):
            return run(x, b, stats)
    else:
        def inplace(x, b):
            return run(x, b, None)

    inplace.__name__ = inplace.__qualname__ = fname
    inplace.__doc__ = (f"{fname}(x, b{', *, stats=None' if counted else ''}): {activation}(x + b) "
                       f"written into x in one pass; returns x.\n\nb broadcasts along x's last "
                       f"axis (a dense layer's bias)"
                       + ("; stats: a fastrelu.UnitStats counting per unit in the same pass."
                          if counted else "."))
    return inplace


def _inplace_form(op):
    ufunc = getattr(_ufuncs, op.name)
    if op.kind == "fused":
        return _bias_inplace(ufunc, _ops.activation(op.name), op.counts is not None)
    if op.kind == "unary":
        return _unary_inplace(ufunc, op.inplace_dtypes, "bias_" + op.name if op.counts else None)
    return _nary_inplace(ufunc, op.args)


INPLACE = {op.name + "_": _inplace_form(op) for op in _ops.OPS}
globals().update(INPLACE)
