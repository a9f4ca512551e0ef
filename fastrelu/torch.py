"""fastrelu's kernels inside torch: custom ops with autograd and fake kernels,
and nn.Module drop-ins.  torch is an optional extra (`fastrelu[torch]`):
`import fastrelu` never imports it; `import fastrelu.torch` does, and
registers the ops.

    import torch
    import fastrelu.torch as frt
    y = torch.ops.fastrelu.sigmoid(x)     # or frt.sigmoid(x); differentiable
    torch.ops.fastrelu.relu_(x)           # in place: writes x, returns x
    model = torch.nn.Sequential(torch.nn.Linear(64, 64), frt.ReLU(), torch.nn.Linear(64, 1))
    torch.compile(fn, fullgraph=True)     # the ops have fake kernels

Ops: every op of fastrelu's table (fastrelu._ops), out of place (`relu`) and
in place (`relu_`, tagged torch.Tag.inplace), with the ufuncs' arguments:
tensors, except the leaky ops' alpha (a float).  The other tensors share the
first one's dtype and device (else TypeError) and broadcast to its shape
(else ValueError); a bias op's b runs along x's last axis: shape (units,),
(1, ..., units) or a scalar.

Where they run: CPU tensors of the dtypes the op's kernels take (float16,
float32, float64; relu also the integer types) run fastrelu's ufuncs on numpy
views of the tensors' own storage, any strides, nothing copied; results are
allocated by torch (torch.empty_like, so they keep the input's layout).
fastrelu's accuracy mode and thread count apply (fastrelu.set_num_threads:
fastrelu's pool, not torch's).  Everything else runs torch's own op, with a
FallbackWarning once per op, so a model keeps running: CUDA and other
devices, bfloat16 (fastrelu's bfloat16 loops, through ml_dtypes, are 30-50x
slower than torch's bfloat16 ops), other dtypes, sparse tensors.

Autograd (out-of-place ops) comes from fastrelu's own backward kernels:
relu -> relu_backward(g, out), sigmoid -> sigmoid_backward(g, out),
leaky_relu -> leaky_relu_backward(g, x, alpha), silu -> silu_backward(g, x),
softplus -> g * sigmoid(x), log_sigmoid -> g * sigmoid(-x),
gelu -> gelu_backward(g, x); a bias op's x
gets its activation's gradient and b that summed over b's broadcast axes.
The backward ops have formulas too, so double backward works.  The in-place
ops have none: torch.library takes no autograd formula for an op that
mutates an input, so backward through them raises (and on a leaf that
requires grad they write where torch would raise: their kernels cannot see
the grad mode).  Use them where no gradient is recorded; the modules'
inplace=True chooses (below).

Modules: ReLU, LeakyReLU, Sigmoid, SiLU, GELU, Softplus, LogSigmoid, subclasses of
torch.nn's (same arguments, isinstance(frt.ReLU(), torch.nn.ReLU)).  Where
they differ from torch's:
- inplace=True writes in place when no gradient is recorded.  With one, ReLU
  and LeakyReLU (negative_slope >= 0) still do in eager mode (an
  autograd.Function saving the output, as torch does); SiLU, a negative slope
  and torch.compile'd code (dynamo does not trace mark_dirty) run out of place.
- GELU(approximate='none') is fastrelu's gelu (x Phi(x), relative accuracy
  also for x << 0, where torch's 0.5 x (1 + erf(x / sqrt 2)) cancels);
  approximate='tanh' runs torch's own F.gelu(x, approximate='tanh'):
  fastrelu has no tanh form.
- Softplus(beta=1) applies torch's threshold: x where x > threshold.  Any
  other beta runs torch's F.softplus: fastrelu's softplus has beta = 1.
- Values are fastrelu's (see the README's "Semantics"): e.g. fast-mode
  sigmoid within 2 ulp and subnormal results kept, where torch flushes them.
"""
import warnings

import torch
import torch.nn.functional as F

import fastrelu as fr
from ._ops import OPS

__all__ = ([name for op in OPS for name in (op.name, op.name + "_")]
           + ["ReLU", "LeakyReLU", "Sigmoid", "SiLU", "GELU", "Softplus", "LogSigmoid",
              "FallbackWarning"])

ops = torch.ops.fastrelu
_FLOAT_ARGS = ("alpha",)          # the only non-tensor arguments in the table


class FallbackWarning(UserWarning):
    """A fastrelu.torch op ran torch's own op (shown once per op)."""


# torch's own form of each op: the fallback, and the tests' reference.  softplus
# without torch's threshold (fastrelu's has none; the Softplus module applies it).
_NATIVE = {
    "relu": torch.relu,
    "sigmoid": torch.sigmoid,
    "relu_backward": lambda grad, y: torch.ops.aten.threshold_backward(grad, y, 0),
    "sigmoid_backward": torch.ops.aten.sigmoid_backward,
    "leaky_relu": F.leaky_relu,
    "leaky_relu_backward": lambda grad, x, alpha: torch.ops.aten.leaky_relu_backward(
        grad, x, alpha, False),
    "silu": F.silu,
    "silu_backward": torch.ops.aten.silu_backward,
    "softplus": lambda x: x.clamp(min=0) + torch.log1p(torch.exp(-x.abs())),
    "log_sigmoid": F.logsigmoid,
    "bias_relu": lambda x, b: torch.relu(x + b),
    "bias_sigmoid": lambda x, b: torch.sigmoid(x + b),
    "bias_silu": lambda x, b: F.silu(x + b),
    "gelu": F.gelu,
    "gelu_backward": torch.ops.aten.gelu_backward,
}


def _times_sigmoid(g, x, negate=False):
    """g * sigmoid(-x if negate else x), in one temporary written in place, unless
    autograd records this backward (double backward needs sigmoid's output)."""
    if torch.is_grad_enabled():
        return g * ops.sigmoid(-x if negate else x)
    s = ops.sigmoid_(torch.neg(x)) if negate else ops.sigmoid(x)
    return s.mul_(g)


def _silu_second(x):
    """silu''(x) = s (1 - s) (2 + x (1 - 2 s)), s = sigmoid(x)."""
    s = ops.sigmoid(x)
    return s * (1 - s) * (2 + x * (1 - 2 * s))


# Autograd of the out-of-place ops: what backward needs (argument names, "out"
# for the result), then the gradient of each argument from (g, *those).
_GRADS = {
    "relu": (("out",), lambda g, y: (ops.relu_backward(g, y),)),
    "sigmoid": (("out",), lambda g, y: (ops.sigmoid_backward(g, y),)),
    "leaky_relu": (("x", "alpha"), lambda g, x, a: (ops.leaky_relu_backward(g, x, a), None)),
    "silu": (("x",), lambda g, x: (ops.silu_backward(g, x),)),
    "softplus": (("x",), lambda g, x: (_times_sigmoid(g, x),)),
    "log_sigmoid": (("x",), lambda g, x: (_times_sigmoid(g, x, negate=True),)),
    "bias_relu": (("b", "out"), lambda g, b, y: _with_bias_grad(ops.relu_backward(g, y), b)),
    "bias_sigmoid": (("b", "out"),
                     lambda g, b, y: _with_bias_grad(ops.sigmoid_backward(g, y), b)),
    "bias_silu": (("x", "b"), lambda g, x, b: _with_bias_grad(ops.silu_backward(g, x + b), b)),
    # the backward ops, for double backward (relu's and leaky_relu's are
    # piecewise linear in grad and constant in y / x)
    "relu_backward": (("y",), lambda gg, y: (ops.relu_backward(gg, y), None)),
    "sigmoid_backward": (("grad", "y"), lambda gg, g, y: (ops.sigmoid_backward(gg, y),
                                                          gg * g * (1 - 2 * y))),
    "leaky_relu_backward": (("x", "alpha"),
                            lambda gg, x, a: (ops.leaky_relu_backward(gg, x, a), None, None)),
    "silu_backward": (("grad", "x"), lambda gg, g, x: (ops.silu_backward(gg, x),
                                                       gg * g * _silu_second(x))),
    "gelu": (("x",), lambda g, x: (ops.gelu_backward(g, x),)),
    "gelu_backward": (("grad", "x"), lambda gg, g, x: (ops.gelu_backward(gg, x),
                                                       gg * g * _gelu_second(x))),
}


def _gelu_second(x):
    """gelu''(x) = phi(x) (2 - x^2), phi the normal density."""
    return torch.exp(-0.5 * x * x) * (2 - x * x) * 0.3989422804014327


def _with_bias_grad(dx, b):
    return dx, dx.sum_to_size(b.shape)


def _np(a):
    """A numpy view of a CPU tensor's storage (any strides), never a copy; other
    arguments as they are."""
    return a.detach().numpy() if isinstance(a, torch.Tensor) else a


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


def _register(op):
    """torch.ops.fastrelu.<name> and <name>_ for one row of the op table."""
    ufunc, inplace_form = getattr(fr, op.name), getattr(fr, op.name + "_")
    native = _NATIVE[op.name]
    dtypes = frozenset(getattr(torch, d) for d in op.inplace_dtypes
                       if d != "bfloat16" and hasattr(torch, d))
    params = [f"{'float' if a in _FLOAT_ARGS else 'Tensor'} {a}" for a in op.args]

    def ours(x):
        return x.device.type == "cpu" and x.dtype in dtypes and x.layout == torch.strided

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
    saved, grads = _GRADS[op.name]

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


for _op in OPS:
    _register(_op)
    globals()[_op.name] = getattr(ops, _op.name)
    globals()[_op.name + "_"] = getattr(ops, _op.name + "_")
del _op


# nn.Module drop-ins

class _InplaceFromOutput(torch.autograd.Function):
    """relu_ / leaky_relu_ (alpha >= 0) under autograd: the gradient comes from the
    output (y > 0 exactly where x > 0), as in torch's own in-place ReLU."""

    @staticmethod
    def forward(ctx, x, alpha):
        if alpha is None:
            ops.relu_(x)
        else:
            ops.leaky_relu_(x, alpha)
        ctx.mark_dirty(x)
        ctx.save_for_backward(x)
        ctx.alpha = alpha
        return x

    @staticmethod
    def backward(ctx, g):
        (y,) = ctx.saved_tensors
        if ctx.alpha is None:
            return ops.relu_backward(g, y), None
        return ops.leaky_relu_backward(g, y, ctx.alpha), None


def _activation(name, x, inplace, *alpha, from_output=False):
    """name(x, *alpha), in place when asked and autograd allows it."""
    if inplace:
        if not (torch.is_grad_enabled() and x.requires_grad):
            return getattr(ops, name + "_")(x, *alpha)
        if from_output and not torch.compiler.is_compiling():
            return _InplaceFromOutput.apply(x, alpha[0] if alpha else None)
    return getattr(ops, name)(x, *alpha)


class ReLU(torch.nn.ReLU):
    """torch.nn.ReLU(inplace=False) computed by fastrelu's relu."""

    def forward(self, x):
        return _activation("relu", x, self.inplace, from_output=True)


class LeakyReLU(torch.nn.LeakyReLU):
    """torch.nn.LeakyReLU(negative_slope=0.01, inplace=False) computed by fastrelu."""

    def forward(self, x):
        slope = float(self.negative_slope)
        return _activation("leaky_relu", x, self.inplace, slope, from_output=slope >= 0)


class Sigmoid(torch.nn.Sigmoid):
    """torch.nn.Sigmoid() computed by fastrelu's sigmoid."""

    def forward(self, x):
        return ops.sigmoid(x)


class SiLU(torch.nn.SiLU):
    """torch.nn.SiLU(inplace=False) computed by fastrelu's silu; in place only when no
    gradient is recorded (the backward needs the input)."""

    def forward(self, x):
        return _activation("silu", x, self.inplace)


class GELU(torch.nn.GELU):
    """torch.nn.GELU(approximate='none') computed by fastrelu's gelu;
    approximate='tanh' runs torch's own (fastrelu has no tanh form)."""

    def forward(self, x):
        if self.approximate != "none":
            return F.gelu(x, approximate=self.approximate)
        return ops.gelu(x)


class LogSigmoid(torch.nn.LogSigmoid):
    """torch.nn.LogSigmoid() computed by fastrelu's log_sigmoid."""

    def forward(self, x):
        return ops.log_sigmoid(x)


# float16/float32 x > 20: fastrelu's softplus(x) is x itself (x + log1p(e^-x)
# rounds to x; the tests check every such value), so torch's threshold changes
# nothing there.  float64 keeps the log1p(e^-x) ~ 2e-9 that torch drops.
_SOFTPLUS_IS_X_ABOVE_20 = (torch.float16, torch.float32)


class Softplus(torch.nn.Softplus):
    """torch.nn.Softplus(beta=1.0, threshold=20.0): fastrelu's softplus for beta = 1
    with torch's threshold (x where x > threshold); torch's own for other betas."""

    def forward(self, x):
        if self.beta != 1:
            return F.softplus(x, self.beta, self.threshold)
        y = ops.softplus(x)
        if self.threshold >= 20 and x.dtype in _SOFTPLUS_IS_X_ABOVE_20:
            return y
        return torch.where(x > self.threshold, x, y)
