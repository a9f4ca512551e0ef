"""The njit API's plumbing (fastrelu.numba): one generic overload applies an
op's twin to scalars or arrays, whatever the op's arity and kind.

    _map(op, mode, a, b=None, c=None)                          # a scalar, or a new array
    _map_(op, mode, a, b=None, c=None, counts=None, eps=0.0)   # into the array a; returns a

``op`` is an op name of the table (fastrelu._ops.OPS) and ``mode`` "fast",
"exact" or None (an op that computes the same in both), both constants; the
operands are the op's arguments in the table's order (absent ones None).  All
scalars: computed in the widest of their types.  Arrays: the first operand an
array, each other one an array of its dtype and shape or a scalar (broadcast,
cast to that dtype); a fused op's b is a scalar, None, or a 1-d array along
the last axis, and its in-place form counts per unit into ``counts``.

The loops (``_loop`` element-wise, ``_loop_rows`` for the fused ops) serve the
kernel-table cfuncs too.  In place, the caller passes the output array itself
for the input that is the same memory: LLVM then sees one pointer and
vectorizes with no runtime overlap check (which fails for in == out and would
send in-place calls, the common case, down the scalar loop).
"""
import numba
import numpy as np
from numba import types
from numba.core.errors import TypingError
from numba.extending import overload

from .. import _ops
from . import table
from .intrinsics import njit_inline

__all__ = ["_map", "_map_"]


def _numba_only(*args, **kwargs):
    raise NotImplementedError("only callable from numba-compiled code")


def _map(op, mode, a, b=None, c=None):
    _numba_only()


def _map_(op, mode, a, b=None, c=None, counts=None, eps=0.0):
    _numba_only()


# ---- typing-time helpers ------------------------------------------------------
def _is_none(ty):
    return ty is None or isinstance(ty, (types.NoneType, types.Omitted))


def _literal(ty):
    """The Python value of a constant argument (a string literal, or None)."""
    if _is_none(ty):
        return None
    if isinstance(ty, types.StringLiteral):
        return ty.literal_value
    raise TypingError(f"fastrelu.numba: op and mode must be constants, got {ty}")


def _float_of(name, ty):
    t = ty.dtype if isinstance(ty, types.Array) else ty
    if t not in (types.float32, types.float64):
        raise TypingError(f"fastrelu.numba.{name}: needs float32/float64 scalars or "
                          f"arrays, got {ty}")
    return t


def _np_type(t):
    return np.float32 if t == types.float32 else np.float64


def _operands(name, args, names):
    """(float type, whether the op maps arrays): all scalars (computed in the
    widest of their types), or the first an array and each other operand an
    array of its dtype or a scalar (broadcast, cast to that dtype)."""
    ts = [_float_of(name, a) for a in args]
    arrays = [isinstance(a, types.Array) for a in args]
    if not arrays[0]:
        if any(arrays):
            raise TypingError(f"fastrelu.numba: {names[0]} must be an array when "
                              f"{names[arrays.index(True)]} is, got {args[0]}")
        return max(ts, key=lambda t: t.bitwidth), False
    for a, n in zip(args[1:], names[1:]):
        if isinstance(a, types.Array) and a.dtype != args[0].dtype:
            raise TypingError(f"fastrelu.numba: {names[0]} and {n} must have the same "
                              f"dtype, got {args[0]} and {a}")
    return ts[0], True


def _plan(op, mode, operands):
    """(the op's row, float type, whether arrays) of a _map/_map_ call, or None
    when op is not an op with a numba twin."""
    if not isinstance(op, types.StringLiteral) or table.row(op.literal_value) is None:
        return None
    r = table.row(op.literal_value)
    given = [x for x in operands if not _is_none(x)]
    fused = r.kind == "fused"
    if given != list(operands[:len(given)]) or not (
            len(given) == len(r.args) or (fused and len(given) == 1)):
        raise TypingError(f"fastrelu.numba: {r.name} takes ({', '.join(r.args)}), "
                          f"got {operands}")
    t, arrays = _operands(r.name, given, r.args)
    if fused:
        x, b = operands[0], operands[1]
        if isinstance(b, types.Array) and b.ndim != 1:
            raise TypingError(f"fastrelu.numba: b must be a scalar or a 1-d array along "
                              f"x's last axis, got {b}")
        if arrays and x.ndim == 0:
            raise TypingError(f"fastrelu.numba: x needs at least one axis, got {x}")
    try:
        table.mode_of(r.name, _literal(mode), t)
    except ValueError as e:
        raise TypingError(f"fastrelu.numba: {e}") from None
    return r, t, arrays


# ---- the per-element step ---------------------------------------------------------
def _elem(op, mode, a, b, c):
    _numba_only()


@overload(_elem, inline="always", prefer_literal=True)
def _ov_elem(op, mode, a, b, c):
    """op's twin on scalars of one float type, absent operands None; a fused
    op: its activation of a + b (of a alone, b None)."""
    r = _ops.BY_NAME[_literal(op)]
    f = table.twin(r.name, _literal(mode), a)
    if r.kind == "fused":
        if _is_none(b):
            return lambda op, mode, a, b, c: f(a)
        return lambda op, mode, a, b, c: f(a + b)
    return {1: lambda op, mode, a, b, c: f(a),
            2: lambda op, mode, a, b, c: f(a, b),
            3: lambda op, mode, a, b, c: f(a, b, c)}[len(r.args)]


def _count(op, cnt, j, y, eps):
    _numba_only()


@overload(_count, inline="always", prefer_literal=True)
def _ov_count(op, cnt, j, y, eps):
    """cnt[j] += what the fused op counts for its output y (nothing without
    cnt); j an index along the last axis, or a whole index tuple."""
    if _is_none(cnt):
        return lambda op, cnt, j, y, eps: None
    count = table.counter(_literal(op), y)
    last = (lambda j: j[-1]) if isinstance(j, types.BaseTuple) else (lambda j: j)
    last = njit_inline(last)

    def impl(op, cnt, j, y, eps):
        cnt[last(j)] += np.int64(count(y, eps))
    return impl


# ---- operands: arrays, scalars (broadcast) or None ------------------------------
def _at(a, i):
    _numba_only()


def _at_last(a, idx):
    _numba_only()


def _flat_view(a):
    _numba_only()


def _flat_or(a, out_flat):
    _numba_only()


def _or(a, out):
    _numba_only()


def _cast_like(a, x):
    _numba_only()


@overload(_at, inline="always")
def _ov_at(a, i):
    """a[i] for an array, a for a scalar or None."""
    if isinstance(a, types.Array):
        return lambda a, i: a[i]
    return lambda a, i: a


@overload(_at_last, inline="always")
def _ov_at_last(a, idx):
    """A fused op's bias at an index tuple of x: b[idx[-1]], or the scalar b."""
    if isinstance(a, types.Array):
        return lambda a, idx: a[idx[-1]]
    return lambda a, idx: a


@overload(_flat_view, inline="always")
def _ov_flat_view(a):
    """All elements of a C- or F-contiguous array as one writable 1-d view,
    in memory order (scalars and None as they are)."""
    if not isinstance(a, types.Array):
        return lambda a: a
    if a.layout == "C":
        return lambda a: a.reshape(-1)
    if a.layout == "F":
        return lambda a: a.T.reshape(-1)
    return None


@overload(_flat_or, inline="always")
def _ov_flat_or(a, out_flat):
    """a's flat view, or out_flat itself when a is None (in place)."""
    if _is_none(a):
        return lambda a, out_flat: out_flat
    return lambda a, out_flat: _flat_view(a)


@overload(_or, inline="always")
def _ov_or(a, out):
    """a, or out when a is None (in place)."""
    if _is_none(a):
        return lambda a, out: out
    return lambda a, out: a


@overload(_cast_like, inline="always")
def _ov_cast_like(a, x):
    """A scalar cast to x's float type (x an array or a scalar), as numpy casts
    a Python scalar; arrays and None as they are."""
    if isinstance(a, types.Array) or _is_none(a):
        return lambda a, x: a
    T = numba.np.numpy_support.as_dtype(x.dtype if isinstance(x, types.Array) else x).type
    return lambda a, x: T(a)


# ---- the loops ----------------------------------------------------------------------
@njit_inline
def _loop(op, mode, a, b, c, out):
    """out[i] = op(a[i], b[i], c[i]) over flat arrays; b and c may be scalars
    (broadcast) or None (absent)."""
    for i in range(out.size):
        out[i] = _elem(op, mode, a[i], _at(b, i), _at(c, i))


@njit_inline
def _loop_rows(op, mode, x, b, out, cnt, eps, cols):
    """A fused op over flat C-order x and out, rows of cols elements:
    out[r, j] = act(x[r, j] + b[j]) (b a scalar: + b; None: act(x)), and
    cnt[j] += what is counted (cnt None: nothing)."""
    if cols > 0:
        for r in range(out.size // cols):
            lo = r * cols
            xr, orow = x[lo:lo + cols], out[lo:lo + cols]
            for j in range(cols):
                y = _elem(op, mode, xr[j], _at(b, j), None)
                orow[j] = y
                _count(op, cnt, j, y, eps)


def _fill(op, mode, out, a, b, c, cnt, eps):
    _numba_only()


@overload(_fill, prefer_literal=True)
def _ov_fill(op, mode, out, a, b, c, cnt, eps):
    """out = op(a, b, c) element-wise (a None: out itself, in place), counting
    into cnt for a fused op.  One flat loop when out and every same-shape
    operand have one contiguous layout (C for the fused ops, whose bias runs
    along the rows), else np.ndindex.  Not inlined: compiled once per op,
    mode and operand types in a process, whatever calls it."""
    fused = _ops.BY_NAME[_literal(op)].kind == "fused"
    same_shape = (a,) if fused else (a, b, c)
    arrays = [x for x in same_shape if isinstance(x, types.Array)]
    flat = out.layout in ("C" if fused else "CF") and all(x.layout == out.layout for x in arrays)
    if flat and fused:
        def impl(op, mode, out, a, b, c, cnt, eps):
            of = _flat_view(out)
            _loop_rows(op, mode, _flat_or(a, of), b, of, cnt, eps, out.shape[-1])
    elif flat:
        def impl(op, mode, out, a, b, c, cnt, eps):
            of = _flat_view(out)
            _loop(op, mode, _flat_or(a, of), _flat_view(b), _flat_view(c), of)
    else:
        at_b = _at_last if fused else _at

        def impl(op, mode, out, a, b, c, cnt, eps):
            for idx in np.ndindex(out.shape):
                y = _elem(op, mode, _at(_or(a, out), idx), at_b(b, idx), _at(c, idx))
                out[idx] = y
                _count(op, cnt, idx, y, eps)
    return impl


# ---- argument checks at run time ------------------------------------------------------
def _check_shapes(op, a, b, c):
    _numba_only()


@overload(_check_shapes, inline="always", prefer_literal=True)
def _ov_check_shapes(op, a, b, c):
    """Same-shape operands (a fused op's bias: x.shape[-1] elements)."""
    r = _ops.BY_NAME[_literal(op)]
    if r.kind == "fused":
        if not isinstance(b, types.Array):
            return lambda op, a, b, c: None

        def impl(op, a, b, c):
            if b.size != a.shape[-1]:
                raise ValueError("fastrelu.numba: b must have x.shape[-1] elements")
        return impl
    msg = f"fastrelu.numba: {' and '.join(r.args)} must have the same shape"
    same = [isinstance(x, types.Array) for x in (b, c)]
    same_b = njit_inline((lambda a, b: a.shape == b.shape) if same[0] else (lambda a, b: True))
    same_c = njit_inline((lambda a, c: a.shape == c.shape) if same[1] else (lambda a, c: True))

    def impl(op, a, b, c):
        if not (same_b(a, b) and same_c(a, c)):
            raise ValueError(msg)
    return impl


def _check_counts(cnt, x):
    _numba_only()


@overload(_check_counts, inline="always")
def _ov_check_counts(cnt, x):
    if _is_none(cnt):
        return lambda cnt, x: None

    def impl(cnt, x):
        if cnt.size != x.shape[-1]:
            raise ValueError("fastrelu.numba: counts must have x.shape[-1] elements")
    return impl


def _counts_or_none(c):
    _numba_only()


@overload(_counts_or_none, inline="always")
def _ov_counts_or_none(c):
    """None for an omitted or None counts argument (one type for both)."""
    if _is_none(c):
        return lambda c: None
    return lambda c: c


# ---- the one overload, new array and in place ---------------------------------------------
@overload(_map, inline="always", prefer_literal=True)
def _ov_map(op, mode, a, b=None, c=None):
    plan = _plan(op, mode, (a, b, c))
    if plan is None:
        return None
    r, t, arrays = plan
    zero = _np_type(t)(0)
    if not arrays:
        return lambda op, mode, a, b=None, c=None: _elem(
            op, mode, _cast_like(a, zero), _cast_like(b, zero), _cast_like(c, zero))

    def impl(op, mode, a, b=None, c=None):
        bb, cc = _cast_like(b, a), _cast_like(c, a)
        _check_shapes(op, a, bb, cc)
        out = np.empty(a.shape, a.dtype)
        _fill(op, mode, out, a, bb, cc, None, zero)
        return out
    return impl


@overload(_map_, inline="always", prefer_literal=True)
def _ov_map_(op, mode, a, b=None, c=None, counts=None, eps=0.0):
    plan = _plan(op, mode, (a, b, c))
    if plan is None:
        return None
    r, t, _ = plan
    if not isinstance(a, types.Array):
        raise TypingError(f"fastrelu.numba: the in-place form needs an array, got {a}")
    if not a.mutable:
        raise TypingError(f"fastrelu.numba: argument '{r.args[0]}' is read-only ({a})")
    if not _is_none(counts) and not (
            r.kind == "fused" and isinstance(counts, types.Array)
            and counts.dtype == types.int64 and counts.ndim == 1 and counts.mutable):
        raise TypingError(f"fastrelu.numba: counts must be a writable 1-d int64 array "
                          f"(fused ops only), got {counts}")
    T = _np_type(t)

    def impl(op, mode, a, b=None, c=None, counts=None, eps=0.0):
        bb, cc = _cast_like(b, a), _cast_like(c, a)
        _check_shapes(op, a, bb, cc)
        cnt = _counts_or_none(counts)
        _check_counts(cnt, a)
        _fill(op, mode, a, None, bb, cc, cnt, T(eps))
        return a
    return impl
