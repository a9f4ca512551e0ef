"""The four ops are real numpy ufuncs: every ufunc feature behaves as numpy's."""
import pickle

import numpy as np
import pytest

import fastrelu as fr
from fastrelu import _slow
from twins import check

UFUNCS = [fr.relu, fr.sigmoid, fr.relu_backward, fr.sigmoid_backward]
IDS = [u.__name__ for u in UFUNCS]


def args_for(uf, shape=(3, 4), dtype=np.float32, seed=0):
    rng = np.random.default_rng(seed)
    return [rng.standard_normal(shape).astype(dtype) for _ in range(uf.nin)]


@pytest.mark.parametrize("uf", UFUNCS, ids=IDS)
def test_is_a_ufunc(uf):
    assert isinstance(uf, np.ufunc)
    assert uf.nout == 1 and uf.nin in (1, 2)
    assert uf.__name__ in fr.__all__ and getattr(fr, uf.__name__) is uf


@pytest.mark.parametrize("uf", UFUNCS, ids=IDS)
def test_pickles_by_name(uf):
    assert pickle.loads(pickle.dumps(uf)) is uf


@pytest.mark.parametrize("uf", UFUNCS, ids=IDS)
def test_out_is_written_and_returned(uf):
    a = args_for(uf)
    out = np.full_like(a[0], 7)
    r = uf(*a, out=out)
    assert r is out
    np.testing.assert_array_equal(out, uf(*a))
    r = uf(*a, out=(out,))
    assert r is out


@pytest.mark.parametrize("uf", UFUNCS, ids=IDS)
def test_where_leaves_masked_out_untouched(uf):
    a = args_for(uf)
    out = np.full_like(a[0], 7)
    mask = np.arange(a[0].size).reshape(a[0].shape) % 3 == 0
    uf(*a, out=out, where=mask)
    full = uf(*a)
    np.testing.assert_array_equal(out[mask], full[mask])
    assert (out[~mask] == 7).all()


@pytest.mark.parametrize("uf", UFUNCS, ids=IDS)
def test_dtype_keyword_selects_the_loop(uf):
    a = args_for(uf, dtype=np.float32)
    r = uf(*a, dtype=np.float64)
    assert r.dtype == np.float64
    np.testing.assert_array_equal(r, uf(*(x.astype(np.float64) for x in a)))


@pytest.mark.parametrize("uf", UFUNCS, ids=IDS)
def test_casting_keyword(uf):
    a = args_for(uf, dtype=np.float64)
    out = np.empty(a[0].shape, np.float32)
    uf(*a, out=out)                                    # same_kind: float64 -> float32 ok
    np.testing.assert_array_equal(out, uf(*a).astype(np.float32))
    with pytest.raises(TypeError):                     # UFuncTypeError names both dtypes
        uf(*a, out=out, casting="safe")
    iout = np.empty(a[0].shape, np.int32)
    with pytest.raises(TypeError):
        uf(*a, out=iout)


def test_broadcasting():
    g = np.ones((4, 5), np.float32)
    y = np.linspace(-1, 1, 5, dtype=np.float32)
    r = fr.relu_backward(g, y)
    assert r.shape == (4, 5)
    np.testing.assert_array_equal(r, np.broadcast_to(_slow.relu_backward(np.ones(5, np.float32), y), (4, 5)))
    r = fr.sigmoid_backward(np.float32(2), y[:, None])
    assert r.shape == (5, 1)
    with pytest.raises(ValueError):
        fr.relu_backward(np.ones(3), np.ones(4))


@pytest.mark.parametrize("uf", UFUNCS, ids=IDS)
def test_zero_d_scalars_and_empty(uf):
    a0 = [np.array(0.5, np.float32)] * uf.nin
    r = uf(*a0)
    assert np.isscalar(r) and r.dtype == np.float32
    rs = uf(*([-0.5] * uf.nin))
    assert isinstance(rs, np.float64)
    for shape in [(0,), (3, 0), (0, 5)]:
        e = uf(*[np.empty(shape, np.float64)] * uf.nin)
        assert e.shape == shape and e.dtype == np.float64
    r = uf(*([[-1.0, 2.0]] * uf.nin))                 # lists
    assert r.shape == (2,)


@pytest.mark.parametrize("uf", UFUNCS, ids=IDS)
@pytest.mark.parametrize("layout", ["C", "F", "negative", "zero-stride", "noncontig-2d"])
def test_any_strides(uf, layout):
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
    ref = uf(*(np.ascontiguousarray(x) for x in a))
    np.testing.assert_array_equal(got, ref)
    out = np.empty((a[0].shape[1], a[0].shape[0])).T     # a strided out
    uf(*a, out=out)
    np.testing.assert_array_equal(out, ref)


def test_overlapping_out_is_safe():
    x = np.linspace(-3, 3, 101)
    ref = fr.relu(x[::-1].copy())
    fr.relu(x[::-1], out=x)              # out overlaps the reversed input
    np.testing.assert_array_equal(x, ref)
    g = np.linspace(-1, 1, 50)
    ref = fr.sigmoid_backward(g[1:].copy(), g[:-1].copy())
    fr.sigmoid_backward(g[1:], g[:-1], out=g[:-1])
    np.testing.assert_array_equal(g[:-1], ref)


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


@pytest.mark.parametrize("uf", UFUNCS, ids=IDS)
def test_unsupported_types_raise_typeerror(uf):
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


@pytest.mark.parametrize("uf", UFUNCS, ids=IDS)
@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_byteswapped_and_unaligned_inputs(uf, dtype):
    """Non-native byte order, unaligned, and both (in and out): the same bits
    as on an aligned native copy, and those are the twin's values."""
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


@pytest.mark.parametrize("uf", UFUNCS, ids=IDS)
def test_array_ufunc_dispatch(uf):
    w = Wrapped(np.linspace(-1, 1, 5))
    res, name = uf(*[w] * uf.nin)
    assert name == uf.__name__ and isinstance(res, Wrapped)
    np.testing.assert_array_equal(res.a, uf(*[w.a] * uf.nin))


def test_reduce_on_unary_raises():
    for uf in (fr.relu, fr.sigmoid):
        with pytest.raises(ValueError, match="binary"):
            uf.reduce(np.ones(3))


def test_outer_and_at_work_like_numpy():
    g = np.array([1.0, -2.0])
    y = np.array([0.5, -1.0, 2.0])
    np.testing.assert_array_equal(fr.relu_backward.outer(g, y), np.where(y > 0, g[:, None], 0.0))
    x = np.array([-1.0, 2.0, -3.0])
    fr.relu.at(x, [0, 2])
    np.testing.assert_array_equal(x, [0.0, 2.0, 0.0])
