"""The in-place forms' fast path (_ufuncs.inplace): plain ndarrays skip the
ufunc machinery and run the table's kernel directly.  It must give the
ufunc's bits for every op, dtype, accuracy mode and backend, take exactly the
cases it claims, and hand everything else to the general path."""
import numpy as np
import pytest

import fastrelu as fr
from fastrelu import _ops, _ufuncs
from twins import same_bits

ELEMENTWISE = [op for op in _ops.OPS if op.kind != "fused"]


def operands(op, dtype, shape, seed=0):
    rng = np.random.default_rng(seed)
    args = []
    for name in op.args:
        a = rng.standard_normal(shape) * 8
        if name == "alpha":
            a = np.abs(a) / 8
        args.append(np.asarray(a, dtype))
    if np.dtype(dtype).kind == "f" and args[0].size >= 8:
        args[0].flat[:8] = [np.nan, np.inf, -np.inf, 0.0, -0.0, 1e-310, -1e-40, 3.0]
    return args


def dtypes(op):
    return ["float32", "float64"] + (["int8", "int16", "int32", "int64"] if op.name == "relu" else [])


@pytest.mark.parametrize("op", ELEMENTWISE, ids=lambda o: o.name)
@pytest.mark.parametrize("shape", [(), (0,), (1,), (1000,), (3, 50_000)], ids=str)
@pytest.mark.parametrize("mode", ["fast", "exact"])
def test_fast_path_gives_the_ufunc_bits(op, shape, mode):
    ufunc, inplace = getattr(fr, op.name), getattr(fr, op.name + "_")
    for dtype in dtypes(op):
        args = operands(op, dtype, shape)
        with fr.accuracy(mode), np.errstate(all="ignore"):
            want = ufunc(*args)
            x = args[0]
            assert _ufuncs.inplace(_ufuncs.OPS.index(op.name), x.copy(), *args[1:]) is not None
            assert inplace(x, *args[1:]) is x
        same_bits(x, want)


@pytest.mark.parametrize("backend", ["numba", "numpy"])
def test_fast_path_follows_the_backend(backend):
    if backend == "numba":
        pytest.importorskip("numba")
    x = operands(_ops.BY_NAME["sigmoid"], "float64", (999,))[0]
    with fr.backend(backend):
        want = fr.sigmoid(x)
        fr.sigmoid_(x)
    same_bits(x, want)


def test_what_it_declines():
    opi = _ufuncs.OPS.index
    a = np.linspace(-3, 3, 64, dtype=np.float32)
    declined = {
        "strided": (opi("relu"), a[::2]),
        "byte-swapped": (opi("relu"), a.astype(">f4")),
        "float16": (opi("sigmoid"), a.astype(np.float16)),
        "unsigned": (opi("relu"), np.arange(5, dtype=np.uint8)),
        "int sigmoid": (opi("sigmoid"), np.arange(5, dtype=np.int32)),
        "subclass": (opi("relu"), a.view(np.ma.MaskedArray)),
        "list": (opi("relu"), [1.0, -1.0]),
        "broadcast grad": (opi("relu_backward"), a.reshape(8, 8), a[:8]),
        "alpha of another float dtype": (opi("leaky_relu"), a, np.float64(0.1)),
        "alpha an int": (opi("leaky_relu"), a, 1),
        "alpha 0-d": (opi("leaky_relu"), a, np.array(0.1, np.float32)),
        "alpha past float32": (opi("leaky_relu"), a, 1e300),
        "other dtype": (opi("relu_backward"), a, a.astype(np.float64)),
        "partial overlap": (opi("relu_backward"), a[:-1], a[1:]),
    }
    ro = a.copy()
    ro.flags.writeable = False
    declined["read-only"] = (opi("relu"), ro)
    raw = np.zeros(4 * 64 + 1, np.uint8)[1:].view(np.float32)
    assert not raw.flags.aligned
    declined["misaligned"] = (opi("relu"), raw)
    for case, args in declined.items():
        before = [np.array(v, copy=True) for v in args[1:]]
        assert _ufuncs.inplace(*args) is None, case
        for v, b in zip(args[1:], before):
            np.testing.assert_array_equal(np.asarray(v), b, err_msg=case)


ALPHA = [op for op in _ops.OPS if op.args[-1] == "alpha"]
OP_SUBSETS = {"test_scalar_alpha_gives_the_ufunc_bits": "the ops with an alpha"}


@pytest.mark.parametrize("op", ALPHA, ids=lambda o: o.name)
@pytest.mark.parametrize("shape", [(), (0,), (1,), (1000,), (3, 50_000)], ids=str)
@pytest.mark.parametrize("backend", ["cython", "numba"])
def test_scalar_alpha_gives_the_ufunc_bits(op, shape, backend):
    """leaky_relu_(x, 0.01): a Python float or a numpy scalar of x's dtype runs
    the row's last_scalar kernel (the numba rows have none: the general path)"""
    if backend == "numba":
        pytest.importorskip("numba")
    opi = _ufuncs.OPS.index(op.name)
    ufunc, inplace = getattr(fr, op.name), getattr(fr, op.name + "_")
    with fr.backend(backend):
        for dtype in ("float32", "float64"):
            args = operands(op, dtype, shape)[:-1]
            for alpha in (0.01, 0.0, -0.0, -2.5, np.inf, np.nan, 1e-45, np.dtype(dtype).type(0.3)):
                want = ufunc(*args, alpha)
                y = args[0].copy()
                done = _ufuncs.inplace(opi, y, *args[1:], alpha)
                assert (done is y) if backend == "cython" else (done is None)
                if done is not None:
                    same_bits(y, want)
                y = args[0].copy()
                assert inplace(y, *args[1:], alpha) is y
                same_bits(y, want)


FUSED = [op for op in _ops.OPS if op.kind == "fused"]


@pytest.mark.parametrize("op", FUSED, ids=lambda o: o.name)
@pytest.mark.parametrize("shape", [(0, 5), (1, 1), (1, 37), (3, 1000), (4, 7, 33), (300, 128)],
                         ids=str)
@pytest.mark.parametrize("mode", ["fast", "exact"])
def test_fused_fast_path_gives_the_ufunc_bits(op, shape, mode):
    """bias_<act>_(x, b), b along x's last axis: run_rows' pass, the ufunc's bits"""
    opi = _ufuncs.OPS.index(op.name)
    for dtype in ("float32", "float64"):
        x, b = operands(op, dtype, shape)[0], operands(op, dtype, shape[-1:], seed=1)[1]
        with fr.accuracy(mode), np.errstate(all="ignore"):
            want = getattr(fr, op.name)(x, b)
            y = x.copy()
            assert _ufuncs.inplace(opi, y, b) is y
            same_bits(y, want)
            assert getattr(fr, op.name + "_")(x, b) is x
        same_bits(x, want)


def test_fused_fast_path_declines():
    """anything but a C-contiguous x and a plain vector b of its dtype, apart
    from x, goes to the general path, which still gives the ufunc's bits"""
    opi = _ufuncs.OPS.index("bias_sigmoid")
    base = np.linspace(-6, 6, 8 * 16).reshape(8, 16)
    b = np.linspace(-1, 1, 16)
    cases = {
        "b as a row (1, units)": (base.copy(), b[None]),
        "b of another dtype": (base.copy(), b.astype(np.float32)),
        "b strided": (base.copy(), np.repeat(b, 2)[::2]),
        "b inside x": None,
        "b a scalar": (base.copy(), 0.5),
        "b of the wrong length": (base.copy(), b[:8].copy()),
        "x a row view": (base.copy()[:, :8], b[:8].copy()),
        "x 0-d": (np.array(1.0), np.array([0.5])),
        "x float16": (base.astype(np.float16), b.astype(np.float16)),
    }
    x = base.copy()
    cases["b inside x"] = (x, x[2])
    for case, (x, bb) in cases.items():
        before = np.array(x, copy=True)
        assert _ufuncs.inplace(opi, x, bb) is None, case
        np.testing.assert_array_equal(x, before, err_msg=case)
        if x.ndim and case != "b of the wrong length":
            want = fr.bias_sigmoid(before, np.array(bb, copy=True))
            assert fr.bias_sigmoid_(x, bb) is x
            same_bits(x, want)


def test_identical_operands_are_taken():
    g = np.linspace(-2, 2, 101)
    want = fr.relu_backward(g, g)
    assert _ufuncs.inplace(_ufuncs.OPS.index("relu_backward"), g, g) is g
    same_bits(g, want)


def test_declined_cases_still_work_and_raise():
    a = np.linspace(-3, 3, 64, dtype=np.float32)
    g, y = a[:-1], a[1:]                     # overlapping: numpy's ufunc copies
    want = fr.relu_backward(g.copy(), y.copy())
    fr.relu_backward_(g, y)
    same_bits(g, want)
    ro = a.copy()
    ro.flags.writeable = False
    with pytest.raises(ValueError, match="'x' is read-only"):
        fr.relu_(ro)
    with pytest.raises(TypeError, match="dtype int32"):
        fr.sigmoid_(np.arange(4, dtype=np.int32))


# ---- views whose rows are contiguous but not back to back (x[:, :k]) ------
# numpy's ufunc would run them one row per loop call; the fast path runs them
# as one rows x cols call (threaded over bands of rows).

GRID_VIEWS = {
    "[i, :, :k] (2-d)": np.s_[0, :, :37],
    "[:, :, :k]": np.s_[:, :, 3:40],
    "[::2, 1:, :k]": np.s_[::2, 1:, :29],
    "[i, a:b, :k] (2-d)": np.s_[2, 1:5, :33],
    "[:, :1, :k] (a length-1 axis)": np.s_[:, :1, :33],
}


def _view(base, key):
    v = base[key]
    return v if v.ndim >= 2 else v[None]


@pytest.mark.parametrize("op", ELEMENTWISE, ids=lambda o: o.name)
@pytest.mark.parametrize("view", list(GRID_VIEWS), ids=str)
@pytest.mark.parametrize("mode", ["fast", "exact"])
def test_row_views_give_the_ufunc_bits_and_leave_the_rest(op, view, mode):
    """every op and dtype: x's view written as the ufunc writes it, the
    elements outside the view untouched; the other operands apart from x."""
    for dtype in dtypes(op):
        base = operands(op, dtype, (6, 7, 48), seed=3)[0]
        x = _view(base, GRID_VIEWS[view])
        assert not x.flags.c_contiguous
        rest = operands(op, dtype, x.shape, seed=4)[1:]
        with fr.accuracy(mode), np.errstate(all="ignore"):
            want = base.copy()
            _view(want, GRID_VIEWS[view])[...] = getattr(fr, op.name)(x, *rest)
            assert _ufuncs.inplace(_ufuncs.OPS.index(op.name), x, *rest) is x
        same_bits(base, want)


def test_row_views_are_threaded_over_rows():
    """large enough to take the pool: the same bits as the ufunc, one row at a time"""
    base = np.linspace(-30, 30, 600 * 1000, dtype=np.float32).reshape(600, 1000)
    x = base[:, 3:997]
    want = base.copy()
    want[:, 3:997] = np.stack([fr.sigmoid(r) for r in x])
    assert fr.sigmoid_(x) is x
    same_bits(base, want)


def test_row_views_with_other_operands():
    """another operand as a view too, identical to x, or overlapping x other
    than as x (declined: numpy's ufunc copies)"""
    opi = _ufuncs.OPS.index("relu_backward")
    base = np.linspace(-2, 2, 20 * 30).reshape(20, 30)
    g, y = base[:, :10].copy(), base[:, 10:20]
    gv = np.zeros((20, 40))[:, 5:15]
    gv[...] = g
    want = fr.relu_backward(g, y)
    assert _ufuncs.inplace(opi, gv, y) is gv            # both are row views
    same_bits(gv, want)
    v = base[:, :10]
    want = fr.relu_backward(v, v)
    assert _ufuncs.inplace(opi, v, v) is v               # identical: taken
    same_bits(v, want)
    b2 = np.linspace(-1, 1, 20 * 30).reshape(20, 30)
    before = b2.copy()
    assert _ufuncs.inplace(opi, b2[:, :10], b2[:, 5:15]) is None   # overlapping rows
    same_bits(b2, before)
    want = fr.relu_backward(b2[:, :10].copy(), b2[:, 5:15].copy())
    fr.relu_backward_(b2[:, :10], b2[:, 5:15])
    same_bits(b2[:, :10], want)


def test_row_views_it_declines():
    opi = _ufuncs.OPS.index("relu")
    a = np.linspace(-3, 3, 12 * 16, dtype=np.float32).reshape(12, 16)
    ro = a.copy()
    ro.flags.writeable = False
    shared = np.lib.stride_tricks.as_strided(a, shape=(4, 8), strides=(16, 4))
    for case, x in {"strided columns": a[:, ::2][:, :5], "transposed": a[:, :8].T,
                    "read-only": ro[:, :5], "byte-swapped": a.astype(">f4")[:, :5],
                    "rows sharing memory": shared,
                    "10 axes": np.zeros((2,) * 9 + (4,), np.float32)[..., :2]}.items():
        before = np.array(x, copy=True)
        assert _ufuncs.inplace(opi, x) is None, case
        np.testing.assert_array_equal(x, before, err_msg=case)
    e = a[:0, :5]
    assert fr.relu_(e) is e
    r = a[::-1, 2:9]                         # rows in reverse: taken
    want = fr.relu(r)
    assert _ufuncs.inplace(opi, r) is r
    same_bits(r, want)
