"""Every op of the table is a real numpy ufunc: every ufunc feature behaves as
numpy's (each test runs over every op of fastrelu/_ops.py)."""
import pickle

import numpy as np
import pytest

import fastrelu as fr
from fastrelu import _ops
from layouts import EVERY_OP, op_args, values
from twins import call, check, same_bits


def args_for(uf, shape=(3, 4), dtype=np.float32, seed=0):
    return op_args(uf.__name__, shape, dtype, seed)



@EVERY_OP
def test_is_a_ufunc(op):
    uf = getattr(fr, op)
    assert isinstance(uf, np.ufunc)
    assert uf.nout == 1 and uf.nin == len(_ops.BY_NAME[op].args)
    assert uf.__name__ == op and op in fr.__all__


@EVERY_OP
def test_pickles_by_name(op):
    uf = getattr(fr, op)
    assert pickle.loads(pickle.dumps(uf)) is uf
    for proto in range(2, pickle.HIGHEST_PROTOCOL + 1):
        assert pickle.loads(pickle.dumps(uf, protocol=proto)) is uf


@EVERY_OP
def test_out_is_written_and_returned(op):
    uf = getattr(fr, op)
    a = args_for(uf)
    out = np.full_like(a[0], 7)
    r = uf(*a, out=out)
    assert r is out
    check(op, "float32", fr.get_accuracy(), out, a)
    out2 = np.full_like(a[0], 7)
    assert uf(*a, out=(out2,)) is out2
    same_bits(out2, out)


@EVERY_OP
def test_where_leaves_masked_out_untouched(op):
    uf = getattr(fr, op)
    a = args_for(uf)
    out = np.full_like(a[0], 7)
    mask = np.arange(a[0].size).reshape(a[0].shape) % 3 == 0
    uf(*a, out=out, where=mask)
    full = uf(*a)
    check(op, "float32", fr.get_accuracy(), full, a)
    same_bits(out[mask], full[mask])
    assert (out[~mask] == 7).all()
    # where= broadcasts too (a row mask), and where=False writes nothing
    out = np.full_like(a[0], 7)
    uf(*a, out=out, where=mask[0])
    same_bits(out[:, mask[0]], full[:, mask[0]])
    assert (out[:, ~mask[0]] == 7).all()
    out = np.full_like(a[0], 7)
    uf(*a, out=out, where=False)
    assert (out == 7).all()


@EVERY_OP
def test_dtype_keyword_selects_the_loop(op):
    uf = getattr(fr, op)
    a = args_for(uf, dtype=np.float32)
    r = uf(*a, dtype=np.float64)
    assert r.dtype == np.float64
    a64 = [x.astype(np.float64) for x in a]
    same_bits(r, uf(*a64))
    check(op, "float64", fr.get_accuracy(), r, a64)
    r16 = uf(*a, dtype=np.float16, casting="unsafe")      # float16 loop: inputs cast down
    assert r16.dtype == np.float16
    with np.errstate(all="ignore"):
        same_bits(r16, call(op, *(x.astype(np.float16) for x in a)))
    with pytest.raises(TypeError):                         # no integer loop of this op
        uf(*a, dtype=np.int32 if op != "relu" else np.complex64)


@EVERY_OP
def test_casting_keyword(op):
    uf = getattr(fr, op)
    a = args_for(uf, dtype=np.float64)
    out = np.empty(a[0].shape, np.float32)
    uf(*a, out=out)                                    # same_kind: float64 -> float32 ok
    same_bits(out, uf(*a).astype(np.float32))
    with pytest.raises(TypeError):                     # UFuncTypeError names both dtypes
        uf(*a, out=out, casting="safe")
    iout = np.empty(a[0].shape, np.int32)
    with pytest.raises(TypeError):
        uf(*a, out=iout)


@EVERY_OP
def test_broadcasting(op):
    """Operands of different shapes broadcast as numpy's (each against the
    twin), a Python scalar broadcasts, and shapes that do not broadcast raise
    ValueError."""
    nin = len(_ops.BY_NAME[op].args)
    shapes = [(4, 1, 5), (3, 1), (5,)][:nin]
    a = [op_args(op, s, np.float32, seed=k)[0] for k, s in enumerate(shapes)]
    r = getattr(fr, op)(*a)
    assert r.shape == ((4, 1, 5) if nin == 1 else (4, 3, 5))
    check(op, "float32", fr.get_accuracy(), r, a)
    if nin > 1:
        a[-1] = 0.5                                    # a Python scalar (weak: float32 stays)
        r = getattr(fr, op)(*a)
        assert r.dtype == np.float32 and r.shape == np.broadcast_shapes(*shapes[:-1])
        check(op, "float32", fr.get_accuracy(), r, [np.asarray(x, np.float32) for x in a])
    with pytest.raises(ValueError):
        if nin == 1:
            getattr(fr, op)(np.ones(3), out=np.empty(4))
        else:
            getattr(fr, op)(np.ones(3), *[np.ones(4)] * (nin - 1))


@EVERY_OP
def test_zero_d_scalars_and_empty(op):
    uf = getattr(fr, op)
    a0 = [np.array(0.5, np.float32)] * uf.nin
    r = uf(*a0)
    assert np.isscalar(r) and r.dtype == np.float32
    check(op, "float32", fr.get_accuracy(), np.asarray(r), a0)
    out0 = np.empty((), np.float32)
    assert uf(*a0, out=out0) is out0 and out0 == r
    rs = uf(*([-0.5] * uf.nin))
    assert isinstance(rs, np.float64)
    for shape in [(0,), (3, 0), (0, 5)]:
        e = uf(*[np.empty(shape, np.float64)] * uf.nin)
        assert e.shape == shape and e.dtype == np.float64
    r = uf(*([[-1.0, 2.0]] * uf.nin))                 # lists
    assert r.shape == (2,)


@EVERY_OP
@pytest.mark.parametrize("layout", ["C", "F", "negative", "zero-stride", "noncontig-2d"])
def test_any_strides(op, layout):
    uf = getattr(fr, op)
    base = [np.random.default_rng(k).standard_normal((6, 8)) for k in range(uf.nin)]
    if layout == "F":
        a = [np.asfortranarray(b) for b in base]
    elif layout == "negative":
        a = [b[::-1, ::-2] for b in base]
    elif layout == "zero-stride":
        a = [np.broadcast_to(b[:1], (6, 8)) for b in base]
    elif layout == "noncontig-2d":
        a = [b[1::2, 1:7] for b in base]
    else:
        a = base
    got = uf(*a)
    contiguous = [np.ascontiguousarray(x) for x in a]
    ref = uf(*contiguous)
    check(op, "float64", fr.get_accuracy(), ref, contiguous)
    same_bits(got, ref)
    out = np.empty((a[0].shape[1], a[0].shape[0])).T     # a strided out
    uf(*a, out=out)
    same_bits(out, ref)


@EVERY_OP
@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_small_and_wide_steps(op, dtype):
    """Steps of 2-8 elements are copied with vector permutes and masked stores,
    wider ones in shorter blocks (loops.h, strided.h): inputs, out and the
    in-place form through such views give the contiguous call's bits, and a
    strided out leaves the elements between its own untouched."""
    uf = getattr(fr, op)
    for step in (2, 3, 4, 5, 8, 9, 16):
        for n in (1, 15, 17, 31, 255, 257, 1000, 20001):
            own = slice(1, 1 + step * n, step)        # a view's elements in its base
            args = [values(dtype, n, seed=k) for k in range(uf.nin)]
            ref = uf(*args)
            views = [np.full(step * n + 2, 7.0, dtype)[own] for _ in args]
            for view, a in zip(views, args):
                view[...] = a
            same_bits(uf(*views), ref)
            for out in (views[0], np.full(step * n + 2, 7.0, dtype)[own]):
                uf(*views, out=out)
                same_bits(out, ref)
                between = np.ones(out.base.size, bool)
                between[own] = False
                assert (out.base[between] == 7.0).all(), f"step {step}, n {n}: wrote between"
                views[0][...] = args[0]


@EVERY_OP
def test_overlapping_out_is_safe(op):
    """out overlapping an input (reversed, or shifted by one): the result of
    computing from copies, as numpy guarantees."""
    uf = getattr(fr, op)
    x = np.linspace(-3, 3, 101)
    ref = uf(*[x[::-1].copy()] * uf.nin)
    uf(*[x[::-1]] * uf.nin, out=x)              # out overlaps the reversed input
    same_bits(x, ref)
    g = np.linspace(-1, 1, 50)
    ins = [g[1:]] + [g[:-1]] * (uf.nin - 1)
    ref = uf(*(a.copy() for a in ins))
    uf(*ins, out=g[:-1])
    same_bits(g[:-1], ref)


def test_relu_dtypes_and_promotion():
    for dt in ("int8", "int16", "int32", "int64"):
        x = np.array([-3, 0, 5], dt)
        r = fr.relu(x)
        assert r.dtype == dt
        np.testing.assert_array_equal(r, [0, 0, 5])
    for dt in ("uint8", "uint16", "uint32", "uint64"):
        x = np.array([0, 1, np.iinfo(dt).max], dt)
        r = fr.relu(x)
        assert r.dtype == dt
        np.testing.assert_array_equal(r, x)
    assert fr.relu(np.float16(-1)).dtype == np.float16
    assert fr.relu(np.int8(-128)) == 0


def test_sigmoid_promotes_integers_like_exp():
    for dt in ("bool", "int8", "uint8", "int16", "uint16", "int32", "int64", "uint64"):
        x = np.array([0, 1], dt)
        with np.errstate(all="ignore"):
            expected = np.exp(x).dtype
        assert fr.sigmoid(x).dtype == expected, dt
        assert fr.sigmoid(x)[0] == 0.5


@EVERY_OP
def test_unsupported_types_raise_typeerror(op):
    uf = getattr(fr, op)
    with pytest.raises(TypeError):
        uf(*[np.array(["a", "b"])] * uf.nin)
    with pytest.raises(TypeError):
        uf(*[np.array([1 + 2j])] * uf.nin)
    with pytest.raises(TypeError):
        uf(*[np.array([object()])] * uf.nin)


def unaligned(a, byteorder="="):
    """a's values in an array at byte offset 1 of a uint8 buffer (so not
    aligned for any float type), in the given byte order."""
    dt = a.dtype.newbyteorder(byteorder)
    raw = np.zeros(a.size * dt.itemsize + 1, np.uint8)
    view = raw[1:].view(dt)
    view[:] = a
    assert not view.flags.aligned
    return view


@EVERY_OP
@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_byteswapped_and_unaligned_inputs(op, dtype):
    """Non-native byte order, unaligned, and both (in and out): the same bits
    as on an aligned native copy, and those are the twin's values."""
    uf = getattr(fr, op)
    rng = np.random.default_rng(5)
    native = [np.linspace(-5, 5, 1037).astype(dtype)] + \
             [rng.uniform(0, 1, 1037).astype(dtype) for _ in range(uf.nin - 1)]
    want = uf(*native)
    swapped = ">" if np.little_endian else "<"
    for make in (lambda a: a.astype(a.dtype.newbyteorder(swapped)),
                 lambda a: unaligned(a),
                 lambda a: unaligned(a, swapped)):
        args = [make(a) for a in native]
        got = uf(*args)
        assert got.dtype == np.dtype(dtype) and got.dtype.isnative
        np.testing.assert_array_equal(got.view(f"u{got.itemsize}"), want.view(f"u{want.itemsize}"))
        out = unaligned(np.zeros_like(want))                   # an unaligned out= too
        uf(*args, out=out)
        np.testing.assert_array_equal(out, want)
    check(uf.__name__, dtype, fr.get_accuracy(), want, native)


class Wrapped:
    """A minimal duck array: __array_ufunc__ must dispatch to it."""

    def __init__(self, a):
        self.a = np.asarray(a)

    def __array_ufunc__(self, ufunc, method, *inputs, **kwargs):
        raw = [i.a if isinstance(i, Wrapped) else i for i in inputs]
        return Wrapped(getattr(ufunc, method)(*raw, **kwargs)), ufunc.__name__


@EVERY_OP
def test_array_ufunc_dispatch(op):
    uf = getattr(fr, op)
    w = Wrapped(np.linspace(-1, 1, 5))
    res, name = uf(*[w] * uf.nin)
    assert name == uf.__name__ and isinstance(res, Wrapped)
    np.testing.assert_array_equal(res.a, uf(*[w.a] * uf.nin))


BINARY = [op.name for op in _ops.OPS if len(op.args) == 2]
OP_SUBSETS = {   # tests over some ops of the table only, and why (test_op_table checks the rest)
    "test_reduce_is_the_left_fold": "binary ops: numpy reduces only those (the others raise: "
                                    "test_ufunc_methods_as_numpy)",
    "test_accumulate_is_the_left_fold": "binary ops, as reduce",
}
def fold_data(n):
    """x[0] < 0, x[1] <= 0 and x[-1] > 0: the left fold and op(x[0], x[-1])
    differ for every binary op of the table."""
    x = np.random.default_rng(n).standard_normal(n)
    x[0], x[1], x[-1] = -0.75, -1.0, 1.5
    return x


def left_fold(uf, x):
    folds = [x[0]]
    for v in x[1:]:
        folds.append(uf(folds[-1], v))
    return np.array(folds)


@pytest.mark.parametrize("op", BINARY)
def test_reduce_is_the_left_fold(op):
    """numpy's reduce of a binary ufunc with no identity: x[0], then
    op(acc, x[i]) in order, along any axis; an empty reduction raises."""
    uf = getattr(fr, op)
    with pytest.raises(ValueError, match="identity"):
        uf.reduce(np.empty(0))
    for n in (3, 100, 5000):
        x = fold_data(n)
        want = left_fold(uf, x)[-1]
        same_bits(uf.reduce(x), want)
        same_bits(uf.reduce(np.stack([x, x]), axis=1), np.array([want] * 2))


@pytest.mark.parametrize("op", BINARY)
def test_accumulate_is_the_left_fold(op):
    uf = getattr(fr, op)
    for n in (3, 100, 5000):
        x = fold_data(n)
        same_bits(uf.accumulate(x), left_fold(uf, x))


@EVERY_OP
def test_ufunc_methods_as_numpy(op):
    """The ufunc methods behave as numpy's for a ufunc of this arity with no
    identity: outer is the op on every pair and at applies it in place (binary
    ops); every other arity raises ValueError for the binary-only methods,
    and at works for unary ops."""
    uf = getattr(fr, op)
    assert uf.identity is None
    x = np.array([0.75, -1.5, 2.0, 0.25, -0.5])
    if uf.nin != 2:
        for method in (uf.reduce, uf.accumulate, uf.outer):
            with pytest.raises(ValueError, match="binary"):
                method(x, *([x] if method == uf.outer else []))
        with pytest.raises(ValueError, match="binary"):
            uf.reduceat(x, [0, 2])
    else:
        y = np.array([0.5, -1.0, 2.0])
        o = uf.outer(x, y)
        assert o.shape == (5, 3)
        same_bits(o, uf(x[:, None], y[None, :]))
    if uf.nin <= 2:
        z = x.copy()
        extra = [np.float64(0.5)] if uf.nin == 2 else []
        uf.at(z, [0, 2], *extra)
        want = x.copy()
        want[[0, 2]] = uf(x[[0, 2]], *extra)
        same_bits(z, want)
