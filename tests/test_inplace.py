"""relu_, sigmoid_, relu_backward_, sigmoid_backward_: write into the first
argument, return that same object; clear errors, and nothing written on error."""
import array

import numpy as np
import pytest

import fastrelu as fr

UNARY = [(fr.relu_, fr.relu), (fr.sigmoid_, fr.sigmoid)]
BINARY = [(fr.relu_backward_, fr.relu_backward), (fr.sigmoid_backward_, fr.sigmoid_backward)]


@pytest.mark.parametrize("inplace,ufunc", UNARY, ids=["relu_", "sigmoid_"])
@pytest.mark.parametrize("dtype", ["float16", "float32", "float64"])
@pytest.mark.parametrize("view", ["contiguous", "reversed", "strided", "fortran", "0-d"])
def test_unary_numpy_views(inplace, ufunc, dtype, view):
    base = np.linspace(-4, 4, 48).astype(dtype).reshape(6, 8)
    x = {"contiguous": lambda b: b, "reversed": lambda b: b[::-1, ::-1],
         "strided": lambda b: b[::2, 1::3], "fortran": np.asfortranarray,
         "0-d": lambda b: b[2, 3:4].reshape(())}[view](base.copy())
    expected = ufunc(x.copy())
    r = inplace(x)
    assert r is x
    np.testing.assert_array_equal(x, expected)


@pytest.mark.parametrize("inplace,ufunc", BINARY, ids=["relu_backward_", "sigmoid_backward_"])
def test_backward_writes_grad(inplace, ufunc):
    g = np.linspace(-2, 2, 40)[::2]
    y = np.linspace(-1, 1, 20)
    expected = ufunc(g, y)
    r = inplace(g, y)
    assert r is g
    np.testing.assert_array_equal(g, expected)
    g2 = np.ones((3, 4), np.float32)
    yb = np.linspace(-1, 1, 4).astype(np.float32)            # y broadcasts to grad
    inplace(g2, yb)
    np.testing.assert_array_equal(g2, ufunc(np.ones((3, 4), np.float32), yb))


def test_relu_inplace_integers():
    x = np.array([-5, 0, 7], np.int16)
    assert fr.relu_(x) is x
    np.testing.assert_array_equal(x, [0, 0, 7])
    u = np.array([0, 3], np.uint8)
    fr.relu_(u)
    np.testing.assert_array_equal(u, [0, 3])


def test_memoryview_and_array_array():
    a = array.array("f", [-1.0, 0.5, 2.0])
    assert fr.relu_(a) is a
    assert list(a) == [0.0, 0.5, 2.0]
    d = array.array("d", [0.0, 100.0])
    fr.sigmoid_(d)
    assert list(d) == [0.5, 1.0]
    buf = bytearray(np.array([-1.0, 3.0]).tobytes())
    mv = memoryview(buf).cast("d")
    assert fr.relu_(mv) is mv
    assert mv.tolist() == [0.0, 3.0]
    g = array.array("f", [1.0, 1.0])
    fr.relu_backward_(g, array.array("f", [-1.0, 1.0]))
    assert list(g) == [0.0, 1.0]


def test_torch_tensors_zero_copy():
    torch = pytest.importorskip("torch")
    for dt in (torch.float32, torch.float64):
        t = torch.linspace(-3, 3, 24, dtype=dt).reshape(4, 6)
        ptr = t.data_ptr()
        expected = torch.relu(t.clone())
        assert fr.relu_(t) is t
        assert t.data_ptr() == ptr
        assert torch.equal(t, expected)
        nc = torch.linspace(-3, 3, 24, dtype=dt).reshape(4, 6).t()   # non-contiguous view
        exp_sig = torch.sigmoid(nc.clone())
        fr.sigmoid_(nc)
        assert torch.allclose(nc, exp_sig, rtol=1e-6 if dt == torch.float32 else 1e-15)


def test_read_only_raises_valueerror_naming_argument():
    x = np.linspace(-1, 1, 5)
    x.flags.writeable = False
    with pytest.raises(ValueError, match="'x' is read-only"):
        fr.relu_(x)
    with pytest.raises(ValueError, match="'grad' is read-only"):
        fr.relu_backward_(x, np.ones(5))
    with pytest.raises(ValueError, match="read-only"):
        fr.sigmoid_(memoryview(b"\x00" * 16).cast("d"))


def test_wrong_dtype_raises_typeerror_naming_dtype():
    x = np.arange(-3, 3)
    with pytest.raises(TypeError, match="int64"):
        fr.sigmoid_(x)
    np.testing.assert_array_equal(x, np.arange(-3, 3))        # nothing written
    with pytest.raises(TypeError, match="complex128"):
        fr.relu_(np.ones(3, complex))
    with pytest.raises(TypeError, match="int32"):
        fr.sigmoid_backward_(np.ones(3, np.int32), np.ones(3))
    with pytest.raises(TypeError, match="bool"):
        fr.relu_(np.ones(3, bool))


def test_shape_mismatch_raises_and_writes_nothing():
    g = np.ones((3, 4))
    before = g.copy()
    with pytest.raises(ValueError):
        fr.relu_backward_(g, np.ones((2, 4)))
    with pytest.raises(ValueError):
        fr.sigmoid_backward_(g, np.ones((5, 3, 4)))          # would broadcast grad up
    np.testing.assert_array_equal(g, before)


def test_not_an_array_raises_typeerror():
    with pytest.raises(TypeError, match="'x'"):
        fr.relu_([1.0, -1.0])
    with pytest.raises(TypeError):
        fr.sigmoid_(3.0)


def test_byteswapped_inplace():
    x = np.linspace(-2, 2, 9).astype(">f4")
    expected = fr.sigmoid(x.astype("<f4"))
    fr.sigmoid_(x)
    np.testing.assert_array_equal(x.astype("<f4"), expected)
