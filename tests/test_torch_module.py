"""fastrelu.torch: every op of the table as a torch custom op (out of place and in
place) with autograd and fake kernels, the fallback for what the kernels do not
take, the nn.Module drop-ins, and torch.compile.  torch is optional: skipped
without it."""
import ast
import pathlib
import pickle
import warnings

import numpy as np
import pytest

torch = pytest.importorskip("torch")

import fastrelu as fr  # noqa: E402
import fastrelu.torch as frt  # noqa: E402
from fastrelu._ops import BY_NAME, OPS, activation  # noqa: E402
from test_import import run_py  # noqa: E402
from ulp import ulp_bound, ulp_error  # noqa: E402

F = torch.nn.functional
ops = torch.ops.fastrelu
FLOATS = [torch.float16, torch.float32, torch.float64]
LAYOUTS = ["contiguous", "strided", "transposed"]
IDS = [op.name for op in OPS]


def make_args(op, dtype=torch.float64, layout="contiguous", seed=0):
    """Arguments for op: x away from the kinks (|x| >= 0.1, and |x + b| >= 0.1 for
    the bias ops), y in (0.05, 0.95) for sigmoid_backward, alpha = 0.1; the first
    tensor a view in the given layout of zeroed storage, the others contiguous,
    of its shape (b: of its last axis)."""
    g = torch.Generator().manual_seed(seed)
    shape = {"contiguous": (6, 10), "strided": (6, 5), "transposed": (10, 6)}[layout]

    def kinkless():
        v = 3 * torch.randn(shape, generator=g, dtype=torch.float64)
        return v + 0.1 * torch.sign(v)

    b = 0.5 * torch.randn(shape[-1], generator=g, dtype=torch.float64)
    vals = {"x": kinkless() - (b if op.kind == "fused" else 0), "b": b, "alpha": 0.1,
            "grad": torch.randn(shape, generator=g, dtype=torch.float64),
            "y": (0.05 + 0.9 * torch.rand(shape, generator=g, dtype=torch.float64)
                  if op.name == "sigmoid_backward" else kinkless())}
    storage = torch.zeros(6, 10, dtype=dtype)
    first = {"contiguous": storage, "strided": storage[:, ::2], "transposed": storage.t()}[layout]
    first.copy_(vals[op.args[0]])
    return [first] + [vals[a].to(dtype) if isinstance(vals[a], torch.Tensor) else vals[a]
                      for a in op.args[1:]]


def as_np(args):
    return [a.numpy().copy() if isinstance(a, torch.Tensor) else a for a in args]


# ----------------------------------------------------------------- registration

def test_import_fastrelu_does_not_import_torch():
    r = run_py("""
        import sys, fastrelu
        assert "torch" not in sys.modules and "fastrelu.torch" not in sys.modules
        import fastrelu.torch, torch
        from fastrelu._ops import OPS
        print(all(hasattr(torch.ops.fastrelu, op.name + s) for op in OPS for s in ("", "_")))
        """)
    assert r.stdout.split()[-1] == "True"


@pytest.mark.parametrize("op", OPS, ids=IDS)
def test_every_op_is_registered_in_both_forms(op):
    for name in (op.name, op.name + "_"):
        assert getattr(frt, name).dispatched is getattr(ops, name)     # fastrelu.torch's form
        assert name in frt.__all__
    inplace = getattr(ops, op.name + "_").default
    assert inplace._schema.arguments[0].alias_info.is_write            # Tensor(a!) x
    assert torch.Tag.inplace in inplace.tags


@pytest.mark.parametrize("op", OPS, ids=IDS)
def test_opcheck(op):
    """torch's own checks: schema, fake kernel, autograd registration, aot dispatch
    (none depends on the dtype; float64's values and gradients: gradcheck below)."""
    args = make_args(op, torch.float32)
    grad_args = [a.clone().requires_grad_() if isinstance(a, torch.Tensor) else a for a in args]
    torch.library.opcheck(getattr(ops, op.name), grad_args)
    torch.library.opcheck(getattr(ops, op.name + "_"), args)


# ------------------------------------------------------- values: the kernels' own

@pytest.mark.parametrize("op", OPS, ids=IDS)
@pytest.mark.parametrize("dtype", FLOATS, ids=str)
@pytest.mark.parametrize("layout", LAYOUTS)
@pytest.mark.parametrize("form", [ops, frt], ids=["torch.ops.fastrelu", "fastrelu.torch"])
def test_ops_compute_the_ufuncs_bits(op, dtype, layout, mode, form):
    """Out of place and in place, any layout, through the dispatcher and
    fastrelu.torch's eager path: the ufunc's result on the same values, bit for
    bit, in either accuracy mode."""
    args = make_args(op, dtype, layout)
    expected = getattr(fr, op.name)(*as_np(args))
    out = getattr(form, op.name)(*args)
    assert out.dtype == dtype and out.shape == args[0].shape
    # torch.empty_like keeps a dense layout (transposed too), else is contiguous
    assert out.stride() == (out.contiguous().stride() if layout == "strided" else args[0].stride())
    np.testing.assert_array_equal(out.numpy(), expected)
    x = args[0]
    base = x._base if x._base is not None else x
    before = base.clone()
    version = x._version
    r = getattr(form, op.name + "_")(*args)
    assert r is x and x._version > version            # autograd sees the write
    np.testing.assert_array_equal(x.numpy(), expected)
    untouched = torch.ones_like(base, dtype=torch.bool)
    untouched.as_strided(x.shape, x.stride(), x.storage_offset()).fill_(False)
    assert torch.equal(base[untouched], before[untouched])  # a view writes only itself


@pytest.mark.parametrize("dtype", [torch.int8, torch.int32, torch.int64, torch.uint8])
def test_relu_takes_integers(dtype):
    x = torch.tensor([-5, 0, 7, 100], dtype=torch.int64).clamp(min=-5).to(dtype)
    assert torch.equal(ops.relu(x), torch.relu(x))
    y = x.clone()
    assert ops.relu_(y) is y and torch.equal(y, torch.relu(x))


def test_argument_errors():
    x = torch.randn(4, 3)
    with pytest.raises(TypeError, match="y .*float64.* must have grad's dtype"):
        ops.relu_backward(x, x.double())
    with pytest.raises(ValueError, match="does not broadcast to grad's shape"):
        ops.sigmoid_backward(x, torch.rand(4, 2))
    with pytest.raises(ValueError, match="does not broadcast along x's last axis"):
        ops.bias_relu(x, torch.randn(4, 1))
    with pytest.raises(ValueError, match="does not broadcast along x's last axis"):
        ops.bias_sigmoid_(x, torch.randn(4))
    y = ops.sigmoid_backward(x, torch.rand(3))                 # y broadcasts to grad
    assert y.shape == x.shape
    assert torch.equal(ops.bias_relu(x, torch.tensor(0.5)), torch.relu(x + 0.5))


# --------------------------------------------------------- values against torch

NATIVE = {"relu": torch.relu, "sigmoid": torch.sigmoid, "silu": F.silu,
          "softplus": lambda x: torch.logaddexp(x, torch.zeros_like(x)),
          "log_sigmoid": F.logsigmoid, "leaky_relu": lambda x: F.leaky_relu(x, 0.01)}


def ours(name, x):
    return ops.leaky_relu(x, 0.01) if name == "leaky_relu" else getattr(ops, name)(x)


def wide_values(dtype):
    g = torch.Generator().manual_seed(1)
    x = torch.cat([torch.linspace(-40, 40, 4001, dtype=torch.float64),
                   8 * torch.randn(20000, generator=g, dtype=torch.float64),
                   torch.tensor([0.0, -0.0, 1e-30, -1e-30, 700.0, -700.0], dtype=torch.float64)])
    return x.to(dtype)


@pytest.mark.parametrize("name", list(NATIVE))
def test_float32_within_the_ulp_bound_of_torchs_float64(name, mode):
    """fastrelu's float32 against torch's own op in float64, rounded nowhere: within
    the op's bound of tests/ulp.py; relu and leaky_relu exactly torch's float32."""
    x = wide_values(torch.float32)
    got = ours(name, x)
    if name in ("relu", "leaky_relu"):
        assert torch.equal(got, NATIVE[name](x))
        return
    ref = NATIVE[name](x.double())
    # + 1e-6: torch's float64 op is not exact (its error: ~1e-9 float32 ulp)
    assert ulp_error(got.numpy(), ref.numpy()).max() <= ulp_bound(name, "float32", mode) + 1e-6
    torch.testing.assert_close(got, NATIVE[name](x))             # and near torch's float32


@pytest.mark.parametrize("name", list(NATIVE))
def test_float64_close_to_torch(name):
    x = wide_values(torch.float64)
    got, ref = ours(name, x), NATIVE[name](x)
    if name in ("relu", "leaky_relu"):
        assert torch.equal(got, ref)
    else:
        torch.testing.assert_close(got, ref, rtol=8 * 2.0 ** -52, atol=0)


@pytest.mark.parametrize("name", list(NATIVE))
def test_gradients_match_torchs(name):
    x = wide_values(torch.float64)[:4001].requires_grad_()      # the linspace, kinks included
    g = torch.randn(x.shape, dtype=torch.float64, generator=torch.Generator().manual_seed(2))
    (a,) = torch.autograd.grad(ours(name, x), x, g)
    (b,) = torch.autograd.grad(NATIVE[name](x), x, g)
    # atol: silu' crosses 0 near x = -1.28, where torch's formula cancels
    torch.testing.assert_close(a, b, rtol=1e-13, atol=1e-14)


FUSED = [op.name for op in OPS if op.kind == "fused"]


@pytest.mark.parametrize("name", FUSED)
def test_bias_gradients_match_torchs(name):
    act = frt._native(BY_NAME[activation(name)])          # torch's own activation
    x, b = [a.requires_grad_() for a in make_args(BY_NAME[name])]
    g = torch.randn(x.shape, dtype=torch.float64)
    ours_g = torch.autograd.grad(getattr(ops, name)(x, b), (x, b), g)
    theirs_g = torch.autograd.grad(act(x + b), (x, b), g)
    for a, t in zip(ours_g, theirs_g):
        torch.testing.assert_close(a, t, rtol=1e-13, atol=1e-13)


@pytest.mark.parametrize("op", OPS, ids=IDS)
def test_native_forms_agree_with_the_kernels(op):
    """Each row's TorchSpec.native (the fallback) is torch's form of the same op."""
    args = make_args(op)
    torch.testing.assert_close(frt._native(op)(*args), getattr(ops, op.name)(*args),
                               rtol=1e-12, atol=1e-15)


# ---------------------------------------------------------------------- autograd

@pytest.mark.parametrize("op", OPS, ids=IDS)
def test_gradcheck_and_gradgradcheck(op):
    args = [a.requires_grad_() if isinstance(a, torch.Tensor) else a for a in make_args(op)]
    fn = getattr(ops, op.name)
    assert torch.autograd.gradcheck(fn, args)
    assert torch.autograd.gradgradcheck(fn, args)


def _dispatched(fn, *args):
    """whether fn(*args) went through the dispatcher (the profiler records the
    custom op's call there); returns (that, the result)"""
    with torch.profiler.profile(activities=[torch.profiler.ProfilerActivity.CPU]) as prof:
        out = fn(*args)
    return any(e.name.startswith("fastrelu::") for e in prof.events()), out


def test_eager_calls_skip_the_dispatcher_only_when_nothing_records():
    x = torch.randn(4, 8)
    assert not _dispatched(frt.sigmoid, x)[0]
    assert _dispatched(ops.sigmoid, x)[0]                    # the profiler does see the op
    assert not _dispatched(frt.bias_relu_, x.clone(), torch.randn(8))[0]
    xr = x.clone().requires_grad_()
    took, y = _dispatched(frt.sigmoid, xr)
    assert took and y.grad_fn is not None                    # autograd records: the op
    with torch.no_grad():
        took, y = _dispatched(frt.sigmoid, xr)
    assert not took and y.grad_fn is None
    took, _ = _dispatched(frt.relu, torch.nn.Parameter(x.clone(), requires_grad=False))
    assert took                                              # a subclass: the op


def test_eager_inplace_write_is_seen_by_autograd():
    """a tensor saved for backward, then written in place under no_grad: the
    version counter catches it, as with torch's own in-place ops"""
    a = torch.randn(10, requires_grad=True)
    y = a.sigmoid()                                          # saves its output
    with torch.no_grad():
        assert not _dispatched(frt.relu_, y)[0]
    with pytest.raises(RuntimeError, match="modified by an inplace operation"):
        y.sum().backward()


def test_eager_form_under_transforms_and_modes():
    """vmap, fake tensors and a dispatch mode see fastrelu.torch's calls as the op"""
    from torch._subclasses.fake_tensor import FakeTensorMode
    from torch.utils._python_dispatch import TorchDispatchMode

    x = torch.randn(3, 5)
    np.testing.assert_array_equal(torch.vmap(frt.sigmoid)(x).numpy(), fr.sigmoid(x.numpy()))

    class Seen(TorchDispatchMode):
        def __init__(self):
            super().__init__()
            self.names = []

        def __torch_dispatch__(self, func, types, args=(), kwargs=None):
            self.names.append(str(func))
            return func(*args, **(kwargs or {}))

    with Seen() as seen:
        frt.relu(x)
    assert any(n.startswith("fastrelu.relu") for n in seen.names), seen.names
    lin = torch.nn.Linear(5, 5)
    traced = torch.fx.symbolic_trace(torch.nn.Sequential(lin, frt.SiLU()))
    assert any("fastrelu" in str(n.target) for n in traced.graph.nodes), traced.graph
    with torch.no_grad():
        np.testing.assert_array_equal(traced(x).numpy(), fr.silu(lin(x).numpy()))
    with torch.no_grad():
        jitted = torch.jit.trace(lambda t: frt.relu(t * 2), x)
    assert "fastrelu::relu" in str(jitted.graph), jitted.graph
    with FakeTensorMode() as mode:
        fake = mode.from_tensor(x) if hasattr(mode, "from_tensor") else torch.empty(3, 5)
        y = frt.silu(fake)
    assert type(y).__name__ == "FakeTensor" and y.shape == x.shape


def test_inplace_refuses_expanded_tensors():
    x = torch.randn(1, 3).expand(4, 3)
    with pytest.raises(RuntimeError, match="expanded"):
        ops.relu_backward_(x, torch.randn(4, 3))


def test_inplace_ops_have_no_autograd():
    h = torch.randn(5, requires_grad=True) * 1
    with pytest.raises(RuntimeError, match="no autograd formula"):
        ops.sigmoid_(h).sum().backward()


# ---------------------------------------------------------- fallback (bfloat16, devices)

@pytest.fixture
def fresh_warnings(monkeypatch):
    monkeypatch.setattr(frt, "_warned", set())
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        yield caught


def fallback_warnings(caught):
    return [w for w in caught if issubclass(w.category, frt.FallbackWarning)]


def test_bfloat16_runs_torchs_op_and_warns_once_per_op(fresh_warnings):
    x = torch.linspace(-5, 5, 41, dtype=torch.bfloat16)
    assert torch.equal(ops.sigmoid(x), torch.sigmoid(x))
    assert torch.equal(ops.sigmoid(x), torch.sigmoid(x))
    assert torch.equal(ops.silu(x), F.silu(x))
    assert len(fallback_warnings(fresh_warnings)) == 2               # sigmoid, silu: once each
    assert "bfloat16" in str(fallback_warnings(fresh_warnings)[0].message)
    y = x.clone()
    assert ops.relu_(y) is y and torch.equal(y, torch.relu(x))
    xg = x.clone().requires_grad_()
    (grad,) = torch.autograd.grad(ops.sigmoid(xg).sum(), xg)       # autograd falls back too
    (ref,) = torch.autograd.grad(torch.sigmoid(xg).sum(), xg)
    torch.testing.assert_close(grad, ref)
    assert frt.Softplus()(x).dtype == torch.bfloat16


def test_sparse_tensors_run_torchs_op(fresh_warnings):
    x = torch.randn(4, 3).to_sparse()
    y = ops.relu(x)
    assert y.layout == torch.sparse_coo and torch.equal(y.to_dense(), torch.relu(x.to_dense()))
    (w,) = fallback_warnings(fresh_warnings)
    assert "sparse_coo" in str(w.message)


def test_meta_tensors_take_the_fake_kernels(fresh_warnings):
    """No GPU here to try CUDA's fallback (the same branch as bfloat16's); meta
    tensors run the fake kernels, which check the arguments."""
    x = torch.empty(4, 3, device="meta")
    y = ops.bias_silu(x, torch.empty(3, device="meta"))
    assert y.device.type == "meta" and y.shape == (4, 3)
    with pytest.raises(ValueError, match="last axis"):
        ops.bias_silu(x, torch.empty(4, device="meta"))
    assert not fallback_warnings(fresh_warnings)


# ----------------------------------------------------------------------- modules

MODULES = [(frt.ReLU, torch.nn.ReLU, {}), (frt.ReLU, torch.nn.ReLU, {"inplace": True}),
           (frt.LeakyReLU, torch.nn.LeakyReLU, {"negative_slope": 0.2}),
           (frt.LeakyReLU, torch.nn.LeakyReLU, {"inplace": True}),
           (frt.Sigmoid, torch.nn.Sigmoid, {}), (frt.SiLU, torch.nn.SiLU, {"inplace": True}),
           (frt.Softplus, torch.nn.Softplus, {}), (frt.Softplus, torch.nn.Softplus, {"beta": 2.0}),
           (frt.Softplus, torch.nn.Softplus, {"threshold": 5.0}),
           (frt.LogSigmoid, torch.nn.LogSigmoid, {})]
MODULE_IDS = [f"{m[0].__name__}({','.join(map(str, m[2].values()))})" for m in MODULES]


@pytest.mark.parametrize("cls,torch_cls,kwargs", MODULES, ids=MODULE_IDS)
def test_modules_are_drop_ins(cls, torch_cls, kwargs):
    m, t = cls(**kwargs), torch_cls(**kwargs)
    assert isinstance(m, torch_cls) and repr(m) == repr(t)
    x = wide_values(torch.float64)[:24000].reshape(-1, 10)[:, ::2]     # strided
    with torch.no_grad():
        torch.testing.assert_close(m(x.clone()), t(x.clone()), rtol=8 * 2.0 ** -52, atol=0)
    xg = x.clone().requires_grad_()
    y = m(xg * 1)                                   # a non-leaf, as in a model
    torch.testing.assert_close(y, t(x.clone()), rtol=8 * 2.0 ** -52, atol=0)
    (ga,) = torch.autograd.grad(y.sum(), xg)
    (gb,) = torch.autograd.grad(t(xg * 1).sum(), xg)
    torch.testing.assert_close(ga, gb, rtol=1e-13, atol=1e-14)


@pytest.mark.parametrize("cls,kwargs", [(frt.ReLU, {}), (frt.LeakyReLU, {"negative_slope": 0.1}),
                                        (frt.LeakyReLU, {"negative_slope": -0.1}),
                                        (frt.SiLU, {})], ids=["ReLU", "LeakyReLU", "LeakyReLU(-)",
                                                              "SiLU"])
def test_inplace_modules(cls, kwargs):
    m = cls(inplace=True, **kwargs)
    ref = getattr(torch.nn, cls.__name__)(**kwargs)
    x = torch.randn(5, 4)
    expected = ref(x)
    with torch.no_grad():
        assert m(x) is x                                 # no gradient: in place
    torch.testing.assert_close(x, expected)
    leaf = torch.randn(5, 4, requires_grad=True)
    h = leaf * 1
    y = m(h)
    # with a gradient: in place where it comes from the output (relu, slope >= 0)
    from_output = cls is frt.ReLU or (cls is frt.LeakyReLU and kwargs["negative_slope"] >= 0)
    assert (y is h) == from_output
    y.sum().backward()
    (expected_grad,) = torch.autograd.grad(ref(leaf * 1).sum(), leaf)
    torch.testing.assert_close(leaf.grad, expected_grad)


MODULE_ROWS = [op for op in OPS if op.torch and op.torch.module]


@pytest.mark.parametrize("op", MODULE_ROWS, ids=[op.torch.module.name for op in MODULE_ROWS])
def test_every_module_row_has_its_drop_in(op):
    name = op.torch.module.name
    cls, torch_cls = getattr(frt, name), getattr(torch.nn, name)
    assert issubclass(cls, torch_cls) and cls is not torch_cls and name in frt.__all__
    assert cls.__module__ == "fastrelu.torch" and cls.__qualname__ == name
    assert f"fastrelu's {op.name}" in cls.__doc__
    m = pickle.loads(pickle.dumps(cls()))
    assert type(m) is cls and repr(m) == repr(torch_cls())
    x = torch.linspace(-5, 5, 101, dtype=torch.float64)
    with torch.no_grad():
        assert torch.equal(cls()(x), getattr(ops, op.name)(x, *[
            float(getattr(m, a)) for a in op.torch.module.args]))


def test_torch_py_names_no_op():
    """fastrelu/torch.py learns every op from the table: outside its docstring it
    names no op and no module (adding an op is a row of fastrelu/_ops.py)."""
    src = pathlib.Path(frt.__file__).read_text()
    tree = ast.parse(src)
    doc = tree.body[0]
    assert isinstance(doc, ast.Expr) and isinstance(doc.value, ast.Constant)
    code = "\n".join(src.splitlines()[doc.end_lineno:]).lower().replace("fastrelu", "")
    names = {op.name for op in OPS} | {op.torch.module.name for op in MODULE_ROWS}
    assert not [n for n in names if n.lower() in code]


def test_softplus_threshold():
    """torch's threshold: x itself where x > threshold, and gradient 1 there."""
    x = torch.tensor([-30.0, 0.0, 19.9, 20.0, 20.0000001, 21.0, 30.0, 1e300],
                     dtype=torch.float64, requires_grad=True)
    m, t = frt.Softplus(), torch.nn.Softplus()
    y, yt = m(x), t(x)
    assert torch.equal(y[x > 20], x[x > 20]) and torch.equal(y[x > 20], yt[x > 20])
    assert ops.softplus(x)[5] != x[5]                  # the op alone keeps log1p(e^-21)
    torch.testing.assert_close(y, yt, rtol=8 * 2.0 ** -52, atol=0)
    (g,) = torch.autograd.grad(y.sum(), x)
    (gt,) = torch.autograd.grad(yt.sum(), x)
    assert torch.equal(g[x > 20], gt[x > 20])
    x32 = torch.linspace(0, 10, 101)
    assert torch.equal(frt.Softplus(threshold=5.0)(x32)[x32 > 5], x32[x32 > 5])


def test_softplus_is_x_above_20_in_float16_and_float32(mode):
    """Why Softplus skips the threshold pass for float16/float32: fastrelu's softplus
    of every float32 in (20, 256] is x itself (and above: softplus(x) - x < e^-256),
    and of every finite float16 above 20."""
    lo = int(np.array(20, np.float32).view(np.uint32)) + 1
    hi = int(np.array(256, np.float32).view(np.uint32))
    for start in range(lo, hi + 1, 1 << 23):
        x = np.arange(start, min(start + (1 << 23), hi + 1), dtype=np.uint32).view(np.float32)
        assert np.array_equal(fr.softplus(x), x)
    rng = np.random.default_rng(0)
    big = rng.integers(hi, int(np.array(np.finfo(np.float32).max).view(np.uint32)), 100000,
                       dtype=np.uint32).view(np.float32)
    assert np.array_equal(fr.softplus(big), big)
    h = np.arange(0, 0x7c00, dtype=np.uint16).view(np.float16)
    h = h[h > 20]
    assert np.array_equal(fr.softplus(h), h)


# ----------------------------------------------------- training, torch.compile

def test_training_matches_torch_modules():
    g = torch.Generator().manual_seed(3)
    data = torch.randn(256, 8, generator=g)
    target = (data[:, :1] + data[:, 1:2] > 0).float()
    losses = {}
    for name, acts in {"torch": (torch.nn.ReLU(), torch.nn.SiLU(), torch.nn.Sigmoid()),
                       "fastrelu": (frt.ReLU(inplace=True), frt.SiLU(), frt.Sigmoid())}.items():
        torch.manual_seed(0)                              # same init for both
        model = torch.nn.Sequential(torch.nn.Linear(8, 32), acts[0], torch.nn.Linear(32, 32),
                                    acts[1], torch.nn.Linear(32, 1), acts[2])
        opt = torch.optim.SGD(model.parameters(), lr=0.5)
        losses[name] = []
        for _ in range(20):
            opt.zero_grad()
            loss = F.binary_cross_entropy(model(data), target)
            loss.backward()
            opt.step()
            losses[name].append(loss.item())
    assert losses["fastrelu"][-1] < 0.6 * losses["fastrelu"][0]         # it learns
    np.testing.assert_allclose(losses["fastrelu"], losses["torch"], rtol=1e-5)


def test_torch_compile_fullgraph_matches_eager():
    """backend="aot_eager": dynamo, fake kernels, functionalization of the in-place
    op and AOT autograd, without inductor's C++ build (which also works, ~1 min)."""
    def fn(x, b, z):
        h = ops.bias_relu(x, b)
        s = ops.silu(ops.sigmoid(h * 2) + 1)
        ops.leaky_relu_(z, 0.1)                           # in place on an input
        return ops.softplus(s).sum() + (z * 3).sum()

    g = torch.Generator().manual_seed(4)
    x0, b0, z0 = torch.randn(8, 16, generator=g), torch.randn(16, generator=g), torch.randn(8, 16)
    results = []
    for f in (fn, torch.compile(fn, fullgraph=True, backend="aot_eager")):
        x, b, z = x0.clone().requires_grad_(), b0.clone().requires_grad_(), z0.clone()
        y = f(x, b, z)
        y.backward()
        results.append((y.detach(), x.grad, b.grad, z))
    for eager, compiled in zip(*results):
        torch.testing.assert_close(compiled, eager, rtol=1e-6, atol=1e-6)


# ---------------------------------------------------------------------- GELU

def test_gelu_module_is_a_drop_in():
    """GELU(): fastrelu's gelu, close to torch's in absolute terms (torch's
    0.5 x (1 + erf(x / sqrt 2)) cancels for x << 0, so not relatively), and its
    gradient from gelu_backward; GELU(approximate='tanh'): torch's own, exactly."""
    m, t = frt.GELU(), torch.nn.GELU()
    assert isinstance(m, torch.nn.GELU) and repr(m) == repr(t)
    x = wide_values(torch.float64)[:24000].reshape(-1, 10)[:, ::2]
    xg = x.clone().requires_grad_()
    y = m(xg * 1)
    torch.testing.assert_close(y, t(x), rtol=8 * 2.0 ** -52, atol=1e-15)
    assert torch.equal(y, ops.gelu(x))
    g = torch.randn(y.shape, dtype=torch.float64, generator=torch.Generator().manual_seed(3))
    (ga,) = torch.autograd.grad(y, xg, g)
    (gb,) = torch.autograd.grad(t(xg * 1), xg, g)
    torch.testing.assert_close(ga, gb, rtol=1e-13, atol=1e-14)
    assert torch.equal(ga, ops.gelu_backward(g, x))
    m, t = frt.GELU(approximate="tanh"), torch.nn.GELU(approximate="tanh")
    assert repr(m) == repr(t)
    assert torch.equal(m(x), t(x))


def test_gelu_double_backward():
    x = torch.linspace(-6, 6, 241, dtype=torch.float64, requires_grad=True)
    assert torch.autograd.gradcheck(ops.gelu, (x,))
    assert torch.autograd.gradgradcheck(ops.gelu, (x,))
