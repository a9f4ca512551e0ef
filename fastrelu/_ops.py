"""The op table, Python side: one row per op (kernels.h's FR_OPS is the C side,
and _ufuncs checks at import that both list the same ops in the same order).

The rows drive the ufuncs' docstrings, the in-place forms and their argument
checks, the package's exports, kernel_address's C signatures, the tests'
parametrization, (``Op.baseline``: what the op is benchmarked against,
``_baselines.Baseline``) ``python -m fastrelu bench`` and the asv suite, and
(``Op.torch``: ``TorchSpec``) fastrelu.torch's fallback, autograd and modules.

Adding an op: append its row (the order seeds the bench data: append at the
end), with its baseline forms defined above the table (the form functions'
conventions: ``_baselines``).  Plain data: this module imports numpy and
nothing of fastrelu but ``_baselines`` (``bench/benchmarks.py`` reads both
without importing the package), and nothing of torch: the torch fields are
dotted paths from the torch module, or functions that receive it.
"""
import math
from functools import partial
from typing import Callable, NamedTuple

import numpy as np

from ._baselines import (Baseline, Form, erfc_ufunc, log1p_exp_neg_abs, np_bias, sigmoid4,
                         silu4, t_bias)

FLOATS = ("float16", "float32", "float64", "longdouble", "bfloat16")
INTS = ("int8", "int16", "int32", "int64", "uint8", "uint16", "uint32", "uint64")


class TorchModule(NamedTuple):
    """The torch.nn drop-in fastrelu.torch makes for an op: a subclass of
    torch.nn.<name>, same arguments, whose forward runs the op."""
    name: str                          # the torch.nn class, and fastrelu.torch's
    args: tuple = ()                   # its attributes passed as the op's float arguments
    when: dict = {}                    # attribute values fastrelu's op computes (any
    #                                    other runs torch's own forward); never mutated
    after: Callable | None = None      # (torch, module, x, op's result) -> the result
    note: str = ""                     # appended to the class docstring


class TorchSpec(NamedTuple):
    """What fastrelu.torch needs of an op beyond the table's columns.  A bias op
    (kind "fused") has none: it is its activation's at x + b (b's gradient: x's
    summed over b's broadcast axes).  A backward op (first argument grad) has no
    grad: it is linear in grad, so its gradient in grad is the op itself at gg,
    and in its second argument v, gg * grad * second(v)."""
    native: str | Callable             # torch's own op, the fallback and the tests' reference:
    #                                    "torch.<path>", or a function (torch, *args)
    saved: tuple = ("x",)              # what grad needs: argument names, "out" for the result
    grad: Callable | None = None       # (torch, g, *saved) -> the first argument's gradient
    #                                    (the float arguments have none)
    second: Callable | None = None     # a backward op's d/dv op(1, v), as (torch, v); None if 0
    from_output: Callable | None = None  # (*float args) -> whether grad is right with the
    #                                    output for x: the module's in-place form under
    #                                    autograd then keeps the output only
    module: TorchModule | None = None  # the torch.nn drop-in, for an op torch has as a module


class Op(NamedTuple):
    name: str
    args: tuple            # argument names, in order (the first is written in place)
    kind: str              # how the kernel is called: unary, binary, ternary, fused
    inplace_dtypes: tuple  # what the in-place form accepts
    counts: str | None     # the activation fastrelu.UnitStats counts for it, if any
    accurate: bool         # has fast and exact kernels (else exact in both modes)
    doc: str               # the ufunc's docstring (numpy prepends the signature)
    baseline: Baseline     # its bench data, NumPy / torch forms and naive numba loop
    torch: TorchSpec | None = None  # fastrelu.torch's per-op knowledge (None: a bias op)


_ACC = ("\nAccuracy follows fastrelu.get_accuracy(): 'fast' <= 2 ulp, 'exact' <= 1 ulp\n"
        "(float32: correctly rounded in nearly every case); float16/bfloat16 correctly rounded.")


# --------------------------------------------------------------------------
# NumPy baseline forms: the best in-place form found on this hardware
# (measured choices: _baselines' module comment)
# --------------------------------------------------------------------------

def _np_relu(x, out, s):
    return partial(np.maximum, x, 0, out=out)


def _np_sigmoid(x, out, s):
    return partial(sigmoid4, x, out)


def _np_relu_backward(g, y, out, s):
    def relu_backward_np(g=g, y=y, out=out):
        np.multiply(g, y > 0, out=out)
    return relu_backward_np


def _np_sigmoid_backward(g, y, out, s):
    def sigmoid_backward_np(g=g, y=y, out=out, s=s):
        np.subtract(1, y, out=s)
        np.multiply(g, y, out=out)
        np.multiply(out, s, out=out)
    return sigmoid_backward_np


def _np_leaky_relu(x, a, out, s):
    def leaky_relu_np(x=x, a=a, out=out, s=s):
        np.multiply(x, a, out=s)
        np.maximum(x, s, out=out)
    return leaky_relu_np


def _np_leaky_relu_backward(g, x, a, out, s):
    def leaky_relu_backward_np(g=g, x=x, a=a, out=out, s=s):
        np.greater(x, 0, out=s)
        s *= 1 - a
        s += a
        np.multiply(g, s, out=out)
    return leaky_relu_backward_np


def _np_silu(x, out, s):
    return partial(silu4, x, out, s)


def _np_silu_backward(g, x, out, s):
    def silu_backward_np(g=g, x=x, out=out, s=s):
        sigmoid4(x, s)
        np.multiply(g, s, out=out)
        np.subtract(1, s, out=s)
        s *= x
        s += 1
        out *= s
    return silu_backward_np


def _np_softplus(x, out, s):
    def softplus_np(x=x, out=out, s=s):
        log1p_exp_neg_abs(x, s)
        np.maximum(x, 0, out=out)
        out += s
    return softplus_np


def _np_log_sigmoid(x, out, s):
    def log_sigmoid_np(x=x, out=out, s=s):
        log1p_exp_neg_abs(x, s)
        np.minimum(x, 0, out=out)
        out -= s
    return log_sigmoid_np


def _np_gelu(x, out, s):
    erfc, c = erfc_ufunc(), -1 / np.sqrt(2)

    def gelu_np(x=x, out=out, s=s):
        np.multiply(x, c, out=s)
        erfc(s, out=s)
        s *= 0.5
        np.multiply(x, s, out=out)
    return gelu_np


def _np_gelu_backward(g, x, out, s):
    erfc, c, d = erfc_ufunc(), -1 / np.sqrt(2), 1 / np.sqrt(2 * np.pi)

    def gelu_backward_np(g=g, x=x, out=out, s=s):
        np.multiply(x, x, out=s)                 # x phi(x) into out (out may be g: after g's use)
        s *= -0.5
        np.exp(s, out=s)
        s *= x
        s *= d
        t = np.multiply(x, c)                    # Phi(x): one temporary
        erfc(t, out=t)
        t *= 0.5
        s += t
        np.multiply(g, s, out=out)
    return gelu_backward_np


# --------------------------------------------------------------------------
# torch: its in-place CPU op (out=None) or its out= form; the bench sets
# torch.set_num_threads to fastrelu's thread count
# --------------------------------------------------------------------------

def _t_grad_input(aten_op, *after):
    """The backward ops' torch form: torch.ops.aten.<aten_op>.grad_input(*args,
    *after, grad_input=...), into the grad (args[0]) in place."""
    def bind(torch, *args, out):
        return partial(getattr(torch.ops.aten, aten_op).grad_input, *args, *after,
                       grad_input=args[0] if out is None else out)
    return bind


def _t_relu(torch, x, out):
    # torch.relu runs clamp_min; out-of-place into a preallocated out
    return partial(torch.relu_, x) if out is None else partial(torch.clamp_min, x, 0, out=out)


def _t_sigmoid(torch, x, out):
    return partial(torch.sigmoid_, x) if out is None else partial(torch.sigmoid, x, out=out)


def _t_leaky_relu(torch, x, a, out):
    if out is None:
        return partial(torch.nn.functional.leaky_relu_, x, a)
    return partial(torch._C._nn.leaky_relu, x, a, out=out)


def _t_silu(torch, x, out):
    if out is None:
        return partial(torch.nn.functional.silu, x, inplace=True)
    return partial(torch._C._nn.silu, x, out=out)


def _t_softplus(torch, x, out):
    # F.softplus(x) with its defaults beta=1, threshold=20
    return partial(torch._C._nn.softplus, x, 1, 20, out=x if out is None else out)


def _t_log_sigmoid(torch, x, out):
    return partial(torch._C._nn.log_sigmoid, x, out=x if out is None else out)


def _t_gelu(torch, x, out):                    # F.gelu has no inplace=: aten's gelu_
    if out is None:
        return partial(torch.ops.aten.gelu_, x)
    return partial(torch._C._nn.gelu, x, out=out)


# --------------------------------------------------------------------------
# naive numba loops (asv's FULL grid): what a user would write; the bench
# jits them lazily, so nothing here imports numba
# --------------------------------------------------------------------------

def _nb_relu(x, out, zero):
    for i in range(x.shape[0]):
        v = x[i]
        out[i] = v if v > zero else zero


def _nb_sigmoid(x, out, one):
    for i in range(x.shape[0]):
        out[i] = one / (one + np.exp(-x[i]))


def _nb_relu_backward(g, y, out, zero):
    for i in range(g.shape[0]):
        out[i] = g[i] if y[i] > zero else zero


def _nb_sigmoid_backward(g, y, out, one):
    for i in range(g.shape[0]):
        out[i] = g[i] * y[i] * (one - y[i])


def _nb_leaky_relu(x, alpha, out, zero):
    for i in range(x.shape[0]):
        v = x[i]
        out[i] = v if v > zero else alpha * v


def _nb_leaky_relu_backward(g, x, alpha, out, zero):
    for i in range(g.shape[0]):
        out[i] = g[i] if x[i] > zero else alpha * g[i]


def _nb_silu(x, out, one):
    for i in range(x.shape[0]):
        v = x[i]
        out[i] = v / (one + np.exp(-v))


def _nb_silu_backward(g, x, out, one):
    for i in range(g.shape[0]):
        s = one / (one + np.exp(-x[i]))
        out[i] = g[i] * s * (one + x[i] * (one - s))


def _nb_softplus(x, out, zero):
    for i in range(x.shape[0]):
        v = x[i]
        out[i] = max(v, zero) + np.log1p(np.exp(-abs(v)))


def _nb_log_sigmoid(x, out, zero):
    for i in range(x.shape[0]):
        v = x[i]
        out[i] = min(v, zero) - np.log1p(np.exp(-abs(v)))


def _nb_gelu(x, out, half):
    for i in range(x.shape[0]):
        v = x[i]
        out[i] = v * half * math.erfc(-v * 0.7071067811865476)


def _nb_gelu_backward(g, x, out, half):
    for i in range(g.shape[0]):
        v = x[i]
        out[i] = g[i] * (half * math.erfc(-v * 0.7071067811865476)
                         + v * math.exp(-half * v * v) * 0.3989422804014327)


def _nb_bias_relu(x, b, out, zero):
    for i in range(x.shape[0]):
        for j in range(x.shape[1]):
            v = x[i, j] + b[j]
            out[i, j] = v if v > zero else zero


def _nb_bias_sigmoid(x, b, out, one):
    for i in range(x.shape[0]):
        for j in range(x.shape[1]):
            out[i, j] = one / (one + np.exp(-(x[i, j] + b[j])))


def _nb_bias_silu(x, b, out, one):
    for i in range(x.shape[0]):
        for j in range(x.shape[1]):
            v = x[i, j] + b[j]
            out[i, j] = v / (one + np.exp(-v))


def _relu_fixed(x):
    np.maximum(x, 0, out=x)              # negatives -> +0.0: relu_ changes nothing


def _relu_backward_fixed(g, y):
    np.copyto(g, 0, where=y <= 0)        # grad already masked


# --------------------------------------------------------------------------
# fastrelu.torch (Op.torch): functions of the torch module, which this module
# never imports; `torch.ops.fastrelu` holds the ops fastrelu.torch registers
# --------------------------------------------------------------------------

def _torch_softplus(torch, x):
    # without torch's threshold: fastrelu's softplus has none (the module applies it)
    return x.clamp(min=0) + torch.log1p(torch.exp(-x.abs()))


def _times_sigmoid(torch, g, x, negate=False):
    """g * sigmoid(-x if negate else x), in one temporary written in place, unless
    autograd records this backward (double backward needs sigmoid's output)."""
    ops = torch.ops.fastrelu
    if torch.is_grad_enabled():
        return g * ops.sigmoid(-x if negate else x)
    s = ops.sigmoid_(torch.neg(x)) if negate else ops.sigmoid(x)
    return s.mul_(g)


def _silu_second(torch, x):
    """silu''(x) = s (1 - s) (2 + x (1 - 2 s)), s = sigmoid(x)."""
    s = torch.ops.fastrelu.sigmoid(x)
    return s * (1 - s) * (2 + x * (1 - 2 * s))


def _gelu_second(torch, x):
    """gelu''(x) = phi(x) (2 - x^2), phi the normal density."""
    return torch.exp(-0.5 * x * x) * (2 - x * x) * 0.3989422804014327


def _softplus_threshold(torch, m, x, y):
    """torch.nn.Softplus's threshold on fastrelu's softplus y: x where x > threshold.
    float16/float32 x > 20: fastrelu's softplus(x) is x itself (x + log1p(e^-x)
    rounds to x; the tests check every such value), so the threshold changes
    nothing there and its pass is skipped.  float64 keeps the log1p(e^-x) ~ 2e-9
    that torch drops."""
    if m.threshold >= 20 and x.dtype in (torch.float16, torch.float32):
        return y
    return torch.where(x > m.threshold, x, y)


_NP_SIGMOID = Form("np.negative(x, out=x); np.exp(x, out=x); x += 1; "
                   "np.reciprocal(x, out=x)  [errstate ignore]", _np_sigmoid)
_NP_SILU = Form("np.negative(x, out=s); np.exp(s, out=s); s += 1; np.divide(x, s, out=x)  "
                "[s preallocated, errstate ignore]", _np_silu, scratch=True)
_NP_RELU = Form("np.maximum(x, 0, out=x)", _np_relu)
_T_RELU = Form("torch.relu_(x)", _t_relu)
_T_SIGMOID = Form("torch.sigmoid_(x)", _t_sigmoid)
_T_SILU = Form("torch.nn.functional.silu(x, inplace=True)", _t_silu)

OPS = (
    Op("relu", ("x",), "unary", FLOATS + INTS, "relu", False,
       "Rectified linear unit: x where x > 0, else +0.0; NaN stays NaN.\n"
       "Signed integers keep their type; unsigned integers are returned unchanged.",
       Baseline(
           ("normal4",), (), _NP_RELU, _T_RELU, (_nb_relu, 0), _relu_fixed),
       torch=TorchSpec("torch.relu", ("out",),
                       lambda torch, g, y: torch.ops.fastrelu.relu_backward(g, y),
                       from_output=lambda: True, module=TorchModule("ReLU"))),
    Op("sigmoid", ("x",), "unary", FLOATS, "sigmoid", True,
       "Logistic sigmoid 1 / (1 + exp(-x)), in [0, 1], without overflow warnings.\n"
       "Accuracy follows fastrelu.get_accuracy(): 'fast' <= 2 ulp, 'exact' correctly\n"
       "rounded (float32) / <= 1 ulp (float64). Integers promote like np.exp.",
       Baseline(
           ("normal4",), (), _NP_SIGMOID, _T_SIGMOID, (_nb_sigmoid, 1)),
       torch=TorchSpec("torch.sigmoid", ("out",),
                       lambda torch, g, y: torch.ops.fastrelu.sigmoid_backward(g, y),
                       module=TorchModule("Sigmoid"))),
    Op("relu_backward", ("grad", "y"), "binary", FLOATS, None, False,
       "Gradient of relu: grad where y > 0, +0.0 where y <= 0, NaN where y is NaN\n"
       "(y may be relu's input or its output).",
       Baseline(
           ("normal", "sym"), (),
           Form("np.multiply(g, y > 0, out=g)", _np_relu_backward),
           Form("torch.ops.aten.threshold_backward.grad_input(g, y, 0, grad_input=g)",
                _t_grad_input("threshold_backward", 0)),
           (_nb_relu_backward, 0), _relu_backward_fixed),
       # piecewise linear in grad, constant in y: no second derivative
       torch=TorchSpec(lambda torch, grad, y: torch.ops.aten.threshold_backward(grad, y, 0))),
    Op("sigmoid_backward", ("grad", "y"), "binary", FLOATS, None, False,
       "Gradient of sigmoid from its output y: grad * y * (1 - y), in the input dtype.",
       Baseline(
           ("normal", "unit"), (),
           Form("np.subtract(1, y, out=s); np.multiply(g, y, out=g); "
                "np.multiply(g, s, out=g)  [s preallocated]", _np_sigmoid_backward, scratch=True),
           Form("torch.ops.aten.sigmoid_backward.grad_input(g, y, grad_input=g)",
                _t_grad_input("sigmoid_backward")),
           (_nb_sigmoid_backward, 1)),
       torch=TorchSpec("torch.ops.aten.sigmoid_backward", second=lambda torch, y: 1 - 2 * y)),
    Op("leaky_relu", ("x", "alpha"), "binary", FLOATS, None, False,
       "Leaky ReLU: x where x > 0, alpha * x where x < 0, +0.0 at x = +-0; alpha = 0\n"
       "gives relu's exact bits. alpha broadcasts (a scalar, or one per channel).",
       Baseline(
           ("normal4",), ("alpha",),
           Form("np.multiply(x, a, out=s); np.maximum(x, s, out=x)  [s preallocated]",
                _np_leaky_relu, scratch=True),
           Form("torch.nn.functional.leaky_relu_(x, a)", _t_leaky_relu),
           (_nb_leaky_relu, 0)),
       torch=TorchSpec(
           "torch.nn.functional.leaky_relu", ("x", "alpha"),
           lambda torch, g, x, a: torch.ops.fastrelu.leaky_relu_backward(g, x, a),
           from_output=lambda alpha: alpha >= 0,           # y > 0 exactly where x > 0
           module=TorchModule("LeakyReLU", ("negative_slope",),
                              note="In place under autograd for negative_slope >= 0 only."))),
    Op("leaky_relu_backward", ("grad", "x", "alpha"), "ternary", FLOATS, None, False,
       "Gradient of leaky_relu: grad where x > 0, alpha * grad where x <= 0 (+0.0 if\n"
       "alpha = 0), NaN where x is NaN. x is the input (or the output, for alpha > 0).",
       Baseline(
           ("normal", "sym"), ("alpha",),
           Form("np.greater(x, 0, out=s); s *= 1 - a; s += a; "
                "np.multiply(g, s, out=g)  [s preallocated]", _np_leaky_relu_backward,
                scratch=True),
           Form("torch.ops.aten.leaky_relu_backward.grad_input(g, x, a, False, grad_input=g)",
                _t_grad_input("leaky_relu_backward", False)),  # self_is_result=False
           (_nb_leaky_relu_backward, 0)),
       # piecewise linear in grad, constant in x: no second derivative
       torch=TorchSpec(lambda torch, grad, x, alpha: torch.ops.aten.leaky_relu_backward(
           grad, x, alpha, False))),
    Op("silu", ("x",), "unary", FLOATS, None, True,
       "SiLU (swish): x * sigmoid(x)." + _ACC,
       Baseline(
           ("normal4",), (), _NP_SILU, _T_SILU, (_nb_silu, 1)),
       torch=TorchSpec("torch.nn.functional.silu", ("x",),
                       lambda torch, g, x: torch.ops.fastrelu.silu_backward(g, x),
                       module=TorchModule("SiLU"))),
    Op("silu_backward", ("grad", "x"), "binary", FLOATS, None, True,
       "Gradient of silu from its INPUT x: grad * s * (1 + x * (1 - s)), s = sigmoid(x),\n"
       "1 - s computed as sigmoid(-x); float32 computed in float64.",
       Baseline(
           ("normal", "normal4"), (),      # (grad, x): silu's input
           Form("s = sigmoid(x) (4 passes as sigmoid, into s); g *= s; "
                "np.subtract(1, s, out=s); s *= x; s += 1; g *= s  [s preallocated]",
                _np_silu_backward, scratch=True),
           Form("torch.ops.aten.silu_backward.grad_input(g, x, grad_input=g)",
                _t_grad_input("silu_backward")),
           (_nb_silu_backward, 1)),
       torch=TorchSpec("torch.ops.aten.silu_backward", second=_silu_second)),
    Op("softplus", ("x",), "unary", FLOATS, None, True,
       "log(1 + exp(x)) = max(x, 0) + log1p(exp(-|x|)): never overflows, no warnings." + _ACC,
       Baseline(
           ("normal4",), (),
           Form("np.abs(x, out=s); np.negative(s, out=s); np.exp(s, out=s); "
                "np.log1p(s, out=s); np.maximum(x, 0, out=x); x += s  [s preallocated]",
                _np_softplus, scratch=True),
           Form("torch._C._nn.softplus(x, 1, 20, out=x)  (= F.softplus: x itself above 20)",
                _t_softplus),
           (_nb_softplus, 0)),
       torch=TorchSpec(
           _torch_softplus, ("x",), _times_sigmoid,
           module=TorchModule("Softplus", when={"beta": 1}, after=_softplus_threshold,
                              note="With torch's threshold: x where x > threshold (and "
                                   "gradient 1); fastrelu's softplus has beta = 1."))),
    Op("log_sigmoid", ("x",), "unary", FLOATS, None, True,
       "log(sigmoid(x)) = -softplus(-x): log_sigmoid(-1000) is -1000 exactly." + _ACC,
       Baseline(
           ("normal4",), (),
           Form("np.abs(x, out=s); np.negative(s, out=s); np.exp(s, out=s); "
                "np.log1p(s, out=s); np.minimum(x, 0, out=x); x -= s  [s preallocated]",
                _np_log_sigmoid, scratch=True),
           Form("torch._C._nn.log_sigmoid(x, out=x)  (= F.logsigmoid)", _t_log_sigmoid),
           (_nb_log_sigmoid, 0)),
       torch=TorchSpec("torch.nn.functional.logsigmoid", ("x",),
                       lambda torch, g, x: _times_sigmoid(torch, g, x, negate=True),
                       module=TorchModule("LogSigmoid"))),
    Op("bias_relu", ("x", "b"), "fused", FLOATS, "relu", False,
       "relu(x + b) in one pass (x + b rounded to the dtype first). In place, with\n"
       "statistics: fastrelu.bias_relu_(x, b, stats=...).",
       Baseline(
           ("normal4",), ("bias",),
           np_bias(_NP_RELU, "x += b; np.maximum(x, 0, out=x)"),
           t_bias(_T_RELU, "x.add_(b); torch.relu_(x)"),
           (_nb_bias_relu, 0))),
    Op("bias_sigmoid", ("x", "b"), "fused", FLOATS, "sigmoid", True,
       "sigmoid(x + b) in one pass (x + b rounded to the dtype first). In place, with\n"
       "statistics: fastrelu.bias_sigmoid_(x, b, stats=...).",
       Baseline(
           ("normal4",), ("bias",),
           np_bias(_NP_SIGMOID, "x += b; then sigmoid's 4 passes in place"),
           t_bias(_T_SIGMOID, "x.add_(b); torch.sigmoid_(x)"),
           (_nb_bias_sigmoid, 1))),
    Op("bias_silu", ("x", "b"), "fused", FLOATS, None, True,
       "silu(x + b) in one pass (x + b rounded to the dtype first).",
       Baseline(
           ("normal4",), ("bias",),
           np_bias(_NP_SILU, "x += b; then silu's 4 passes  [s preallocated]"),
           t_bias(_T_SILU, "x.add_(b); torch.nn.functional.silu(x, inplace=True)"),
           (_nb_bias_silu, 1))),
    Op("gelu", ("x",), "unary", FLOATS, None, True,
       "GELU, the exact (erf) form: x * Phi(x), Phi(x) = erfc(-x / sqrt(2)) / 2 (torch's\n"
       "approximate='none'); gelu(-inf) = -0.0, subnormal results kept, no warnings." + _ACC,
       Baseline(
           ("normal4",), (),
           Form("np.multiply(x, -1/sqrt(2), out=s); erfc(s, out=s); s *= 0.5; "
                "np.multiply(x, s, out=x)  [s preallocated; scipy.special.erfc, "
                "else math.erfc per element]", _np_gelu, scratch=True),
           Form("torch.ops.aten.gelu_(x)  (= F.gelu in place)", _t_gelu),
           (_nb_gelu, 0.5)),
       torch=TorchSpec(
           "torch.nn.functional.gelu", ("x",),
           lambda torch, g, x: torch.ops.fastrelu.gelu_backward(g, x),
           module=TorchModule("GELU", when={"approximate": "none"},
                              note="fastrelu's gelu is x Phi(x): relative accuracy also for "
                                   "x << 0, where torch's 0.5 x (1 + erf(x / sqrt 2)) cancels; "
                                   "fastrelu has no tanh form."))),
    Op("gelu_backward", ("grad", "x"), "binary", FLOATS, None, True,
       "Gradient of gelu from its INPUT x: grad * (Phi(x) + x * phi(x)), phi the normal\n"
       "density; grad * 1 at +inf, grad * -0.0 at -inf. float32 computed in float64." + _ACC,
       Baseline(
           ("normal", "normal4"), (),      # (grad, x): gelu's input
           Form("s = x exp(-x^2/2) / sqrt(2 pi) (5 passes); s += erfc(-x/sqrt 2) / 2 "
                "(3 passes, one temporary); g *= s  [s preallocated]",
                _np_gelu_backward, scratch=True),
           Form("torch.ops.aten.gelu_backward.grad_input(g, x, grad_input=g)",
                _t_grad_input("gelu_backward")),
           (_nb_gelu_backward, 0.5)),
       torch=TorchSpec("torch.ops.aten.gelu_backward", second=_gelu_second)),
)

BY_NAME = {op.name: op for op in OPS}
#: op name -> its baseline row, in table order
BASELINES = {op.name: op.baseline for op in OPS}


def activation(op_name):
    """The activation a fused op applies (bias_relu -> relu)."""
    return op_name.removeprefix("bias_")
