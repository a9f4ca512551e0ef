"""fastrelu's kernels inside torch: custom ops with autograd and fake kernels,
and nn.Module drop-ins, all generated from fastrelu's op table (fastrelu._ops:
each row's columns, and its TorchSpec for what is torch's).  torch is an
optional extra (`fastrelu[torch]`): `import fastrelu` never imports it;
`import fastrelu.torch` does, and registers the ops.

    import torch
    import fastrelu.torch as frt
    y = torch.ops.fastrelu.relu(x)        # or frt.relu(x); differentiable
                                          # (frt.relu: no dispatcher in plain eager calls)
    torch.ops.fastrelu.relu_(x)           # in place: writes x, returns x
    model = torch.nn.Sequential(torch.nn.Linear(64, 64), frt.ReLU(), torch.nn.Linear(64, 1))
    torch.compile(fn, fullgraph=True)     # the ops have fake kernels

Ops: every op of the table, out of place (`relu`) and in place (`relu_`,
tagged torch.Tag.inplace), with the ufuncs' arguments: tensors, except the
float ones (alpha).  The other tensors share the first one's dtype and device
(else TypeError) and broadcast to its shape (else ValueError); a bias op's b
runs along x's last axis: shape (units,), (1, ..., units) or a scalar.

Where they run: CPU tensors of the dtypes the op's kernels take (float16,
float32, float64; some ops also the integer types) run fastrelu's ufuncs on
numpy views of the tensors' own storage, any strides, nothing copied; results
are allocated by torch (torch.empty_like, so they keep the input's layout).
fastrelu's accuracy mode and thread count apply (fastrelu.set_num_threads:
fastrelu's pool, not torch's).  Everything else runs torch's own op (the row's
TorchSpec.native), with a FallbackWarning once per op, so a model keeps
running: CUDA and other devices, bfloat16 (fastrelu's bfloat16 loops, through
ml_dtypes: the forward ops are table lookups, faster than torch's, but the
backward ops autograd calls are 1.3-2.1x slower than torch's), other dtypes,
sparse tensors.

Autograd (out-of-place ops) comes from fastrelu's own backward kernels, as
each row's TorchSpec.grad says (from the input or from the output); a bias
op's x gets its activation's gradient at x + b, and b that summed over b's
broadcast axes.  The backward ops are differentiable too (linear in grad; the
row's TorchSpec.second), so double backward works.  The in-place ops have
none: torch.library takes no autograd formula for an op that mutates an
input, so backward through them raises (and on a leaf that requires grad they
write where torch would raise: their kernels cannot see the grad mode).  Use
them where no gradient is recorded; the modules' inplace=True chooses (below).

Modules: one per row with a torch.nn counterpart (TorchSpec.module), a
subclass of it with the same name and arguments (isinstance(frt.ReLU(),
torch.nn.ReLU)).  Where they differ from torch's (each class's docstring says
its own):
- Argument values fastrelu's op does not compute (TorchModule.when) run
  torch's own forward.
- inplace=True writes in place when no gradient is recorded.  With one, an op
  whose gradient can come from its output (TorchSpec.from_output) still does
  in eager mode (an autograd.Function saving the output, as torch does); the
  others and torch.compile'd code (dynamo does not trace mark_dirty) run out
  of place.
- Values are fastrelu's (see the README's "Semantics"): e.g. fast-mode
  results within 2 ulp and subnormal results kept, where torch flushes them.
"""
import functools
import inspect
import sys
import warnings

import torch

import fastrelu as fr
from ._ops import BY_NAME, OPS, activation

__all__ = ([name for op in OPS for name in (op.name, op.name + "_")]
           + [op.torch.module.name for op in OPS if op.torch and op.torch.module]
           + ["FallbackWarning"])

ops = torch.ops.fastrelu
_FLOAT_ARGS = ("alpha",)          # the only non-tensor arguments in the table


class FallbackWarning(UserWarning):
    """A fastrelu.torch op ran torch's own op (shown once per op)."""


def _native(op):
    """torch's own form of op: the fallback, and the tests' reference."""
    if op.kind == "fused":
        act = _native(BY_NAME[activation(op.name)])
        return lambda x, b: act(x + b)
    if callable(op.torch.native):
        return functools.partial(op.torch.native, torch)
    root, *path = op.torch.native.split(".")
    assert root == "torch", op.torch.native
    return functools.reduce(getattr, path, torch)


class _EagerTorch:
    """torch, but with torch.ops.fastrelu as this module's forms: the table's
    gradient formulas (TorchSpec.grad, .second) call the backward ops through
    it, so a backward pass that autograd does not record (no create_graph)
    runs them without the dispatcher too (_eager)."""

    def __init__(self, module):
        self.ops = type("ops", (), {"fastrelu": module})

    def __getattr__(self, name):
        return getattr(torch, name)


def _autograd(op):
    """(what backward needs: argument names, "out" for the result; the gradient
    of each argument from (g, *those))."""
    nones = (None,) * (len(op.args) - 1)
    if op.kind == "fused":
        act = BY_NAME[activation(op.name)].torch
        if act.saved == ("out",):
            return ("b", "out"), lambda g, b, y: _with_bias_grad(act.grad(_torch, g, y), b)
        assert act.saved == ("x",), act.saved
        return ("x", "b"), lambda g, x, b: _with_bias_grad(act.grad(_torch, g, x + b), b)
    spec = op.torch
    if op.args[0] == "grad":
        # a backward op op(grad, v, *floats) is linear in grad
        if spec.second is None:
            return op.args[1:], lambda gg, v, *f: (getattr(ops, op.name)(gg, v, *f),) + nones
        return op.args, lambda gg, g, v, *f: ((getattr(ops, op.name)(gg, v, *f),
                                               gg * g * spec.second(_torch, v)) + nones[1:])
    assert all(a in _FLOAT_ARGS for a in op.args[1:]), op.args
    return spec.saved, lambda g, *saved: (spec.grad(_torch, g, *saved),) + nones


def _with_bias_grad(dx, b):
    return dx, dx.sum_to_size(b.shape)


def _np(a):
    """A numpy view of a CPU tensor's storage (any strides), never a copy; other
    arguments as they are.  (detach only where needed: it costs ~1 us)"""
    if isinstance(a, torch.Tensor):
        return (a.detach() if a.requires_grad else a).numpy()
    return a


def _check(op, args):
    """The arguments' dtypes, devices and shapes, in eager and fake mode alike."""
    x, first = args[0], op.args[0]
    for name, a in zip(op.args[1:], args[1:]):
        if not isinstance(a, torch.Tensor):
            continue
        if a.dtype != x.dtype or a.device != x.device:
            raise TypeError(f"fastrelu.{op.name}: {name} ({a.dtype} on {a.device}) must have "
                            f"{first}'s dtype and device ({x.dtype} on {x.device})")
        if op.kind == "fused":
            ok = (a.dim() <= max(x.dim(), 1) and all(d == 1 for d in a.shape[:-1])
                  and (a.dim() == 0 or a.shape[-1] in (1, x.shape[-1] if x.dim() else 1)))
        else:
            try:
                ok = torch.broadcast_shapes(a.shape, x.shape) == x.shape
            except RuntimeError:                  # torch's "cannot broadcast"
                ok = False
        if not ok:
            raise ValueError(f"fastrelu.{op.name}: {name} with shape {tuple(a.shape)} does not "
                             f"broadcast {'along' if op.kind == 'fused' else 'to'} {first}'s "
                             f"{'last axis' if op.kind == 'fused' else 'shape'} "
                             f"(shape {tuple(x.shape)})")


_warned = set()


def _fall_back(name, x):
    if name not in _warned:
        _warned.add(name)
        layout = "" if x.layout == torch.strided else f" {x.layout}"
        warnings.warn(f"fastrelu.torch: {name} on a {x.dtype}{layout} tensor on {x.device} runs "
                      f"torch's own op (fastrelu's kernels take strided CPU float16/32/64 "
                      f"tensors); shown once per op", FallbackWarning, stacklevel=2)


def _direct(args):
    """A plain eager call: the kernel function may run without the dispatcher
    (a custom op's Python dispatch costs ~10 us a call, torch's own op on 1000
    elements ~1 us).  Not when autograd records (a tensor requires grad), for
    anything but plain tensors and Python numbers (tensor subclasses such as
    FakeTensor or Parameter, torch.fx's proxies), under functorch transforms,
    torch function or dispatch modes, or while torch.compile or torch.jit.trace
    traces: those take torch.ops.fastrelu, which is what they intercept."""
    grad = torch.is_grad_enabled()
    for a in args:
        if type(a) is torch.Tensor:
            if grad and a.requires_grad:
                return False
        elif type(a) not in (float, int):
            return False
    return not (torch.compiler.is_compiling() or torch._C._is_torch_function_mode_enabled()
                or torch._C._len_torch_dispatch_stack()
                or torch._C._functorch.peek_interpreter_stack() is not None
                or torch._C._get_tracing_state() is not None)


def _eager(name, kernel, dispatched, writes):
    """fastrelu.torch.<name>: torch.ops.fastrelu.<name> (`dispatched`), with
    plain eager calls running its kernel function directly (same checks, same
    values).  writes: an in-place form, which bumps x's version counter as the
    dispatcher does, so autograd still sees the write."""
    def call(*args):
        if not _direct(args):
            return dispatched(*args)
        out = kernel(*args)
        if writes:
            torch.autograd.graph.increment_version(out)
        return out

    call.__name__ = call.__qualname__ = name
    call.__doc__ = (f"torch.ops.fastrelu.{name}, run without the dispatcher where nothing "
                    f"records or intercepts the call (no gradient, no mode, not compiling)")
    call.dispatched = dispatched
    return call


def _register(op):
    """torch.ops.fastrelu.<name> and <name>_ for one row of the op table;
    returns fastrelu.torch's two functions (_eager)."""
    ufunc, inplace_form = getattr(fr, op.name), getattr(fr, op.name + "_")
    native = _native(op)
    dtypes = frozenset(getattr(torch, d) for d in op.inplace_dtypes
                       if d != "bfloat16" and hasattr(torch, d))
    params = [f"{'float' if a in _FLOAT_ARGS else 'Tensor'} {a}" for a in op.args]

    def ours(x):
        return x.is_cpu and x.dtype in dtypes and x.layout == torch.strided

    def forward(*args):
        _check(op, args)
        x = args[0]
        if not ours(x):
            _fall_back(op.name, x)
            return native(*args)
        out = torch.empty_like(x)
        ufunc(*map(_np, args), out=out.numpy())
        return out

    def inplace(*args):
        _check(op, args)
        x = args[0]
        if any(st == 0 and n > 1 for st, n in zip(x.stride(), x.shape)):
            raise RuntimeError(f"fastrelu.{op.name}_: {op.args[0]} is expanded (elements share "
                               f"memory): it cannot be written in place, as in torch")
        if ours(x):
            inplace_form(*map(_np, args))
        else:
            _fall_back(op.name + "_", x)
            x.copy_(native(*args))
        return x

    def fake(*args):
        _check(op, args)
        return torch.empty_like(args[0])

    fwd = torch.library.custom_op(f"fastrelu::{op.name}", forward, mutates_args=(),
                                  schema=f"({', '.join(params)}) -> Tensor")
    fwd.register_fake(fake)
    saved, grads = _autograd(op)

    def setup_context(ctx, inputs, output):
        values = dict(zip(op.args, inputs), out=output)
        keep = [values[n] for n in saved]
        ctx.save_for_backward(*[v for v in keep if isinstance(v, torch.Tensor)])
        ctx.scalars = [None if isinstance(v, torch.Tensor) else v for v in keep]

    def backward(ctx, g):
        tensors = iter(ctx.saved_tensors)
        return grads(g, *[next(tensors) if s is None else s for s in ctx.scalars])

    fwd.register_autograd(backward, setup_context=setup_context)
    # in place: torch generates the fake kernel (it returns x) of a Tag.inplace op
    params[0] = params[0].replace("Tensor ", "Tensor(a!) ")
    torch.library.custom_op(f"fastrelu::{op.name}_", inplace, mutates_args=(op.args[0],),
                            schema=f"({', '.join(params)}) -> Tensor(a!)",
                            tags=torch.Tag.inplace)
    return (_eager(op.name, forward, getattr(ops, op.name), False),
            _eager(op.name + "_", inplace, getattr(ops, op.name + "_"), True))


_torch = _EagerTorch(sys.modules[__name__])
for _op in OPS:
    globals()[_op.name], globals()[_op.name + "_"] = _register(_op)
del _op


# nn.Module drop-ins

class _InplaceFromOutput(torch.autograd.Function):
    """An in-place op under autograd whose gradient comes from its output
    (TorchSpec.from_output): it saves the output, as torch's own in-place op does."""

    @staticmethod
    def forward(ctx, x, name, *floats):
        getattr(ops, name + "_")(x, *floats)
        ctx.mark_dirty(x)
        ctx.save_for_backward(x)
        ctx.name, ctx.floats = name, floats
        return x

    @staticmethod
    def backward(ctx, g):
        (y,) = ctx.saved_tensors
        op = BY_NAME[ctx.name]
        values = dict(zip(op.args[1:], ctx.floats), out=y)
        values[op.args[0]] = y                  # the output stands for the input
        dx = op.torch.grad(_torch, g, *[values[n] for n in op.torch.saved])
        return (dx, None) + (None,) * len(ctx.floats)


def _activation(op, x, inplace, floats):
    """op(x, *floats), in place when asked and autograd allows it."""
    if inplace:
        if not (torch.is_grad_enabled() and x.requires_grad):
            return globals()[op.name + "_"](x, *floats)
        from_output = op.torch.from_output
        if from_output and from_output(*floats) and not torch.compiler.is_compiling():
            return _InplaceFromOutput.apply(x, op.name, *floats)
    return globals()[op.name](x, *floats)


def _module(op):
    """torch.nn.<name> computed by op, for the row's TorchModule."""
    m = op.torch.module
    base = getattr(torch.nn, m.name)
    params = list(inspect.signature(base.__init__).parameters.values())[1:]
    has_inplace = any(p.name == "inplace" for p in params)

    def forward(self, x):
        if any(getattr(self, k) != v for k, v in m.when.items()):
            return base.forward(self, x)
        y = _activation(op, x, has_inplace and self.inplace,
                        [float(getattr(self, a)) for a in m.args])
        return y if m.after is None else m.after(torch, self, x, y)

    defaults = ", ".join(f"{p.name}={p.default!r}" for p in params if p.default is not p.empty)
    doc = f"torch.nn.{m.name}({defaults}) computed by fastrelu's {op.name}"
    if m.when:
        doc += (f" for {', '.join(f'{k}={v!r}' for k, v in m.when.items())}; other values "
                f"run torch's own")
    if has_inplace:
        doc += ("; inplace=True writes in place where no gradient is recorded"
                + (", or in eager mode where the gradient can come from the output"
                   if op.torch.from_output else ""))
    doc += "." + (f"\n{m.note}" if m.note else "")
    return type(m.name, (base,), {"forward": forward, "__doc__": doc, "__module__": __name__,
                                  "__qualname__": m.name})


for _op in OPS:
    if _op.torch and _op.torch.module:
        globals()[_op.torch.module.name] = _module(_op)
del _op
