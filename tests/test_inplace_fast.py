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
        "scalar alpha": (opi("leaky_relu"), a, 0.1),
        "other dtype": (opi("relu_backward"), a, a.astype(np.float64)),
        "partial overlap": (opi("relu_backward"), a[:-1], a[1:]),
        "fused": (opi("bias_relu"), a.reshape(8, 8), a[:8].copy()),
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
