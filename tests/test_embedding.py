"""fastrelu embedded in other frameworks, each run for real: dask (lazy and on a
distributed LocalCluster), xarray, torch autograd and tensors, C kernels through
ctypes, and the numpy MLP example.  Optional frameworks skip when missing."""
import ctypes
import importlib.util
import pathlib

import numpy as np
import pytest

import fastrelu as fr
from fastrelu import _ops, _slow
from layouts import EVERY_OP, op_args
from twins import check, same_bits

EXAMPLES = pathlib.Path(__file__).resolve().parent.parent / "examples"


def _load_example(name):
    spec = importlib.util.spec_from_file_location(f"fastrelu_example_{name}", EXAMPLES / f"{name}.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def _args(op, shape, dtype, seed=0):
    return op_args(op, shape, dtype, seed)


def _assert_values(op, got, *args):
    """got = op(*args): the slow twin's values (bit for bit, or within the op's
    bound of tests/ulp.py)."""
    check(op, np.asarray(got).dtype, fr.get_accuracy(), np.asarray(got), list(args))


# ---- dask ------------------------------------------------------------------
@pytest.fixture
def da():
    pytest.importorskip("dask")
    return pytest.importorskip("dask.array")


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@EVERY_OP
def test_dask_ufunc_stays_lazy(da, op, dtype):
    args = _args(op, (37, 23), dtype)
    dargs = [da.from_array(a, chunks=(10, 8)) for a in args]
    res = getattr(fr, op)(*dargs)
    assert isinstance(res, da.Array)                 # nothing computed yet
    assert res.dtype == np.dtype(dtype) and res.chunks == dargs[0].chunks
    got = res.compute(scheduler="sync")
    assert isinstance(got, np.ndarray)
    np.testing.assert_array_equal(got, getattr(fr, op)(*args))   # chunking changes no bit
    _assert_values(op, got, *args)


def test_dask_ufunc_broadcasts_and_takes_dtype(da):
    g = da.from_array(np.arange(-6.0, 6.0).reshape(3, 4), chunks=2)
    y = da.from_array(np.array([1.0, -1.0, 0.0, 2.0]), chunks=2)
    res = fr.relu_backward(g, y)
    assert isinstance(res, da.Array) and res.shape == (3, 4)
    np.testing.assert_array_equal(res.compute(), np.where(y.compute() > 0, g.compute(), 0.0))
    r32 = fr.sigmoid(g, dtype=np.float32)
    assert isinstance(r32, da.Array) and r32.dtype == np.float32
    # dask reads dtype= as the result's dtype: it computes in float64 and casts, as it
    # does for np.exp(g, dtype=np.float32); numpy would compute in float32
    np.testing.assert_array_equal(r32.compute(), fr.sigmoid(g.compute()).astype(np.float32))


@EVERY_OP
def test_dask_in_place_raises_type_error(da, op):
    dargs = [da.ones(8, chunks=4) for _ in _ops.BY_NAME[op].args]
    with pytest.raises(TypeError, match=f"fastrelu.{op}"):
        getattr(fr, op + "_")(*dargs)


@pytest.mark.ci_only
def test_dask_distributed_local_cluster(da, monkeypatch):
    distributed = pytest.importorskip("distributed")
    # let the nanny's OMP_NUM_THREADS=1 decide the workers' pool, as a user's would
    monkeypatch.delenv("FASTRELU_NUM_THREADS", raising=False)
    monkeypatch.delenv("OMP_NUM_THREADS", raising=False)

    def _worker_threads():                 # a closure: cloudpickle ships it by value
        import os

        import fastrelu
        return fastrelu.get_num_threads(), os.environ.get("OMP_NUM_THREADS")

    rng = np.random.default_rng(5)
    x = rng.standard_normal((400, 300)) * 5
    g_np = rng.standard_normal((400, 300))
    y_np = fr.sigmoid(x)
    with distributed.LocalCluster(n_workers=2, processes=True, threads_per_worker=1,
                                  dashboard_address=None, silence_logs=40) as cluster, \
            distributed.Client(cluster) as client:
        g = da.from_array(g_np, chunks=(100, 150))
        y = da.from_array(y_np, chunks=(100, 150))
        res = fr.sigmoid_backward(g, y)
        assert isinstance(res, da.Array) and res.npartitions == 8
        got = client.compute(res).result(timeout=60)
        np.testing.assert_array_equal(got, fr.sigmoid_backward(g_np, y_np))
        _assert_values("sigmoid_backward", got, g_np, y_np)
        # every worker process imported fastrelu with a pool of one thread
        per_worker = client.run(_worker_threads)
        assert len(per_worker) == 2
        assert all(v == (1, "1") for v in per_worker.values()), per_worker
        # and so does a task running there
        assert client.submit(_worker_threads, pure=False).result(timeout=30)[0] == 1
        # the ufunc itself travels to the workers (pickled by name)
        fut = client.submit(fr.relu, np.array([-1.0, 2.0]))
        np.testing.assert_array_equal(fut.result(timeout=30), [0.0, 2.0])


# ---- xarray ----------------------------------------------------------------
@pytest.fixture
def xr():
    return pytest.importorskip("xarray")


def _data_array(xr, dtype="float64"):
    x = np.linspace(-6, 6, 12).reshape(3, 4).astype(dtype)
    return xr.DataArray(x, dims=("time", "unit"), name="pre",
                        coords={"time": [10, 20, 30], "unit": list("abcd"),
                                "gain": ("unit", [1.0, 2.0, 3.0, 4.0])},
                        attrs={"units": "V", "note": "pre-activation"})


@pytest.mark.parametrize("keep_attrs", [None, True, False])
def test_xarray_unary_keeps_labels_like_numpy_ufuncs(xr, keep_attrs):
    arr = _data_array(xr)
    opts = {} if keep_attrs is None else {"keep_attrs": keep_attrs}
    with xr.set_options(**opts):
        res = fr.sigmoid(arr)
        res_relu = fr.relu(arr)
        ref = np.tanh(arr)                         # how xarray treats a numpy ufunc
    assert isinstance(res, xr.DataArray)
    assert res.dims == arr.dims and res.name == ref.name == "pre"
    assert res.attrs == ref.attrs
    xr.testing.assert_identical(res.coords.to_dataset(), arr.coords.to_dataset())
    np.testing.assert_array_equal(res.values, fr.sigmoid(arr.values))
    expected = arr.copy(data=fr.relu(arr.values))
    expected.attrs = dict(ref.attrs)
    xr.testing.assert_identical(res_relu, expected)


@EVERY_OP
def test_xarray_every_op_keeps_dims_and_coords(xr, op):
    """Every op on DataArrays: a DataArray with the operands' dims and coords,
    holding the op's values on the raw arrays (the later operands broadcast
    by dimension name, given as a 1-d array along "unit")."""
    arr = _data_array(xr)
    rest = [xr.DataArray(a, dims=("unit",), coords={"unit": list("abcd")})
            for a in op_args(op, (4,), "float64", seed=5)[1:]]
    res = getattr(fr, op)(arr, *rest)
    assert isinstance(res, xr.DataArray) and res.dims == arr.dims
    xr.testing.assert_identical(res.coords.to_dataset(), arr.coords.to_dataset())
    want = getattr(fr, op)(arr.values, *(r.values[None, :] for r in rest))
    same_bits(res.values, want)


def test_xarray_backward_aligns_by_dimension_name(xr):
    y = _data_array(xr)
    grad = xr.DataArray(np.array([1.0, 2.0, 3.0, 4.0]), dims=("unit",),
                        coords={"unit": list("abcd")})
    res = fr.relu_backward(grad, y)            # broadcast by name, not by position
    assert set(res.dims) == {"time", "unit"}
    expected = np.where(y.values > 0, grad.values[None, :], 0.0)
    np.testing.assert_array_equal(res.transpose("time", "unit").values, expected)


def test_xarray_dask_backed_stays_lazy(xr, da):
    arr = _data_array(xr).chunk({"time": 1})
    res = fr.sigmoid(arr)
    assert isinstance(res.data, da.Array)
    np.testing.assert_array_equal(res.compute().values, fr.sigmoid(arr.values))


# ---- torch -----------------------------------------------------------------
@pytest.fixture(scope="module")
def torch():
    return pytest.importorskip("torch")


@pytest.fixture(scope="module")
def frt(torch):
    import fastrelu.torch
    return fastrelu.torch


def _away_from_kink(torch, shape, dtype, seed=0):
    gen = torch.Generator().manual_seed(seed)
    x = torch.randn(shape, dtype=dtype, generator=gen)
    return x + 0.05 * torch.sign(x)


@pytest.mark.parametrize("name", ["relu", "sigmoid"])
def test_torch_gradcheck_float64(torch, frt, name):
    fn = getattr(torch.ops.fastrelu, name)
    x = _away_from_kink(torch, (16, 5), torch.float64).requires_grad_()
    assert torch.autograd.gradcheck(fn, (x,), eps=1e-6, atol=1e-8, rtol=1e-6)
    # also through a non-contiguous input
    xt = _away_from_kink(torch, (5, 16), torch.float64, seed=1).t().requires_grad_()
    assert not xt.is_contiguous()
    assert torch.autograd.gradcheck(fn, (xt,), eps=1e-6, atol=1e-8, rtol=1e-6)


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("name", ["relu", "sigmoid"])
def test_torch_autograd_matches_torch(torch, frt, name, dtype):
    dt = getattr(torch, dtype)
    fn, ref = getattr(torch.ops.fastrelu, name), getattr(torch, name)
    x = torch.randn(64, 33, dtype=dt, generator=torch.Generator().manual_seed(2)) * 4
    x[0, :4] = torch.tensor([0.0, -0.0, float("inf"), float("-inf")], dtype=dt)
    x.requires_grad_()
    upstream = torch.randn(64, 33, dtype=dt, generator=torch.Generator().manual_seed(3))
    y = fn(x)
    (gx,) = torch.autograd.grad(y, x, upstream)
    y_ref = ref(x)
    (gx_ref,) = torch.autograd.grad(y_ref, x, upstream)
    assert y.dtype == dt and gx.dtype == dt and gx.shape == x.shape
    if name == "relu":
        assert torch.equal(y, y_ref) and torch.equal(gx, gx_ref)     # exact, incl. grad 0 at 0
    else:
        eps = torch.finfo(dt).eps
        torch.testing.assert_close(y, y_ref.detach(), rtol=4 * eps, atol=0)
        # where y rounds near 1, (1 - y) carries an absolute error ~ eps in both
        # libraries (each evaluates grad * y * (1 - y) from its own rounded y)
        torch.testing.assert_close(gx, gx_ref, rtol=8 * eps, atol=8 * eps)


def test_torch_modules_train_a_step(torch, frt):
    net = torch.nn.Sequential(torch.nn.Linear(4, 8), frt.ReLU(), torch.nn.Linear(8, 1), frt.Sigmoid())
    x = torch.randn(32, 4, generator=torch.Generator().manual_seed(4))
    loss = net(x).mean()
    loss.backward()
    assert all(p.grad is not None and torch.isfinite(p.grad).all() for p in net.parameters())


def test_torch_example_runs(torch, frt, capsys):
    _load_example("torch_autograd").main(steps=3)
    out = capsys.readouterr().out
    assert out.count(": True") == 5
    losses = [line.split()[-1] for line in out.splitlines() if "loss after" in line]
    assert len(losses) == 2 and float(losses[0]) == pytest.approx(float(losses[1]), rel=1e-5)


def _tensor_layouts(torch, dt):
    gen = torch.Generator().manual_seed(9)
    base = torch.randn(24, 18, dtype=dt, generator=gen) * 4
    return {
        "contiguous": base.clone(),
        "transposed": base.clone().t(),
        "strided": base.clone()[::2, 1::3],
        "offset": base.clone()[3:, 5:],
    }


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@EVERY_OP
def test_torch_in_place_writes_own_storage(torch, op, dtype):
    """op_(tensor, ...) on every layout of a tensor view: the same object and
    storage, op's bits inside the view, nothing outside it touched."""
    dt = getattr(torch, dtype)
    for layout, t in _tensor_layouts(torch, dt).items():
        storage_before = t.untyped_storage().data_ptr()
        whole = torch.as_strided(t, (t.untyped_storage().nbytes() // t.element_size(),), (1,), 0)
        whole_before = whole.clone()
        rest = op_args(op, tuple(t.shape), dtype, seed=1, bias_row=True)[1:]
        x_np = t.numpy().copy()
        ptr = t.data_ptr()
        ret = getattr(fr, op + "_")(t, *rest)
        assert ret is t, layout
        assert t.data_ptr() == ptr and t.untyped_storage().data_ptr() == storage_before, layout
        with np.errstate(all="ignore"):
            same_bits(t.numpy(), getattr(fr, op)(x_np, *rest))
        # elements of the storage outside the view are untouched
        touched = torch.zeros_like(whole, dtype=torch.bool)
        torch.as_strided(touched, t.shape, t.stride(), t.storage_offset()).fill_(True)
        assert torch.equal(whole[~touched], whole_before[~touched]), layout
        if op == "relu":
            assert torch.equal(t, torch.relu(torch.from_numpy(x_np))), layout


# ---- C kernels through ctypes ----------------------------------------------
_CTYPE = {"float32": ctypes.c_float, "float64": ctypes.c_double}


@pytest.mark.parametrize("mode", ["fast", "exact"])
@pytest.mark.parametrize("dtype", ["float32", "float64"])
@EVERY_OP
def test_ctypes_kernel_address_matches_ufunc(op, dtype, mode):
    """Every op's serial kernel called through ctypes with the C signature
    kernel_address gives: the ufunc's bits (special values included), and n
    counts elements (a fused op's: rows x cols, with its per-unit counts)."""
    row = _ops.BY_NAME[op]
    ct = _CTYPE[dtype]
    ptr = ctypes.POINTER(ct)
    with fr.accuracy(mode):
        addr, sig = fr.kernel_address(op, dtype)
        assert isinstance(addr, int) and addr != 0
        args = [np.ascontiguousarray(a) for a in _args(op, (1000 + 3,), dtype, seed=11)]
        args[0][:6] = [0.0, -0.0, np.inf, -np.inf, np.nan, 1e-40]
        if row.kind == "fused":
            assert sig.startswith(f"void (const {'float' if dtype == 'float32' else 'double'} *x")
            rows, cols = 17, 59                       # x: (rows, cols), bias: (cols,)
            x = args[0][:rows * cols].reshape(rows, cols)
            b = args[1][:cols].copy()
            counts = np.zeros(cols, np.int64)
            kernel = ctypes.CFUNCTYPE(None, ptr, ptr, ptr, ctypes.POINTER(ctypes.c_int64),
                                      ctypes.c_double, ctypes.c_ssize_t, ctypes.c_ssize_t)(addr)
            out = np.full_like(x, 7.0)
            kernel(x.ctypes.data_as(ptr), b.ctypes.data_as(ptr), out.ctypes.data_as(ptr),
                   counts.ctypes.data_as(ctypes.POINTER(ctypes.c_int64)), 1e-3, rows, cols)
            expected = getattr(fr, op)(x, b)
            if row.counts is not None:
                np.testing.assert_array_equal(counts, _slow.unit_counts(row.counts, expected, 1e-3))
            args = None
        else:
            nin = len(row.args)
            assert sig.count("const") == nin and "intptr_t n" in sig
            for name in row.args if nin > 1 else ("in",):      # the table's argument names
                assert f"*{name}," in sig
            kernel = ctypes.CFUNCTYPE(None, *([ptr] * (nin + 1)), ctypes.c_ssize_t)(addr)
            out = np.full_like(args[0], 7.0)
            kernel(*(a.ctypes.data_as(ptr) for a in args), out.ctypes.data_as(ptr), out.size)
            with np.errstate(all="ignore"):
                expected = getattr(fr, op)(*args)
    same_bits(out, expected)
    if args is not None:                      # n counts elements: the rest is left alone
        out[:] = 7.0
        kernel(*(a.ctypes.data_as(ptr) for a in args), out.ctypes.data_as(ptr), 10)
        assert (out[10:] == 7.0).all()


# ---- the MLP example -------------------------------------------------------
@pytest.mark.parametrize("act", ["relu", "sigmoid"])
def test_mlp_example_loss_falls(act, capsys):
    mlp = _load_example("mlp")
    losses = mlp.main(n=300, epochs=60, seed=1, act=act)
    assert len(losses) == 60 and all(np.isfinite(losses))
    assert losses[-1] < 0.8 * losses[0], losses
    assert min(losses[-5:]) < min(losses[:5])
    assert "loss" in capsys.readouterr().out
