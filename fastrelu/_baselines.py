"""What fastrelu is benchmarked against: one row per op of ``_ops.OPS``.

A row holds the op's bench data kind (what fills each input array, and the
operands after the arrays), its NumPy and torch baseline forms (the text the
bench table and its JSON show, and the code that text describes) and, for
the asv suite, the naive numba loop a user would write and how to make an
in-place input a fixed point of the op.  ``python -m fastrelu bench``
(``fastrelu._bench*``) and the asv suite (``bench/benchmarks.py``) are
driven from ``BASELINES``; ``tests/test_bench.py`` checks that every op of
the table has a row and that every form computes the op.

Adding an op: append its row (the order seeds the data: append at the end).
A form is a function of the operands returning a zero-argument call, so that
attribute lookups and scratch allocation happen before the timing:

* ``numpy``: ``bind(*args, out, s)``: ``args`` the arrays then the extra
  operands, ``out`` where the result goes (``args[0]`` itself in place), ``s``
  a preallocated scratch the shape of ``args[0]`` (None unless
  ``Form.scratch``); the call must not change ``args`` unless ``out`` is
  ``args[0]``.
* ``torch``: ``bind(torch, *args, out)``: the same operands as tensors sharing
  the arrays' memory; ``out`` None means in place (into ``args[0]``).

Plain data: this module imports numpy only (torch and numba are handed in or
imported by the bench), so ``bench/benchmarks.py`` can read it without
importing the fastrelu package (see the module docstring there).
"""

from __future__ import annotations

import math
from functools import partial
from typing import Callable, NamedTuple

import numpy as np

__all__ = ["Form", "Baseline", "BASELINES", "COUNTS", "ALPHA", "STATS_EPS", "DATA_KINDS",
           "IMPLS", "FUSED_ACTS", "FUSED_IMPLS", "FUSED_SHAPES", "QUICK_FUSED_SHAPES",
           "STATS_OPS", "STATS_IMPLS"]

#: slope of the leaky ops below zero (torch's default negative_slope)
ALPHA = 0.01
#: sigmoid saturation threshold on y * (1 - y) (UnitStats' default)
STATS_EPS = 1e-3
#: what fills an input array (fastrelu._bench_data._fill)
DATA_KINDS = {
    "normal4": "activations: N(0, 4^2), half negative",
    "normal": "gradients: N(0, 1)",
    "sym": "relu_backward's y: uniform(-1, 1)",
    "unit": "sigmoid outputs: uniform[0, 1)",
}

# the sections' grids (python -m fastrelu bench --sections, and asv)
#: implementations of the ops table
IMPLS = ("fastrelu", "roofline", "numpy", "torch")
#: fused bias + activation: bias_<act>_(x, b) vs <act>_(x) alone ("single") and
#: the two-pass numpy and torch forms, on (rows, units) a dense layer's output
FUSED_ACTS = ("relu", "sigmoid", "silu")
FUSED_IMPLS = ("fastrelu", "single", "numpy", "torch")
FUSED_SHAPES = ((256, 1024), (4096, 1024))
QUICK_FUSED_SHAPES = ((4096, 1024),)
#: per-unit statistics in the same pass (fastrelu.UnitStats) vs op-then-count
STATS_OPS = ("relu", "sigmoid")
STATS_IMPLS = ("fastrelu", "fastrelu+stats", "numpy+stats", "torch+stats")


class Form(NamedTuple):
    text: str           # what the bench table / JSON shows
    bind: Callable      # the operands -> a zero-argument call (module docstring)
    scratch: bool = False   # numpy: needs a preallocated array the shape of args[0]


class Baseline(NamedTuple):
    data: tuple         # DATA_KINDS of the full-size arrays (the first is written in place)
    extra: tuple        # operands after the arrays: "alpha" (ALPHA), "bias" (one per unit)
    numpy: Form
    torch: Form
    naive: tuple | None = None      # (loop, constant): the numba loop of the asv FULL grid,
    #                                  loop(*arrays, *extras, out, constant in the dtype)
    fixed_point: Callable | None = None  # makes the in-place input a fixed point of the op
    #                                  (repeated calls repeat the same work); None: restore


# --------------------------------------------------------------------------
# NumPy: the best in-place form found on this hardware.  Measured at 16M:
# np.multiply(g, y > 0) beats putmask/copyto(where=)/boolean indexing 4-10x;
# sigmoid_backward with a preallocated scratch beats the allocating
# `g *= y; g *= 1 - y` by ~30%; leaky_relu's two passes over a scratch beat
# np.where(x > 0, x, a*x) 4-8x and np.multiply(where=) 10x; the stable
# softplus/log_sigmoid in six passes beat np.logaddexp(0, x) 4-7x; silu as
# x / (1 + exp(-x)) beats x * (1 / (1 + np.exp(-x))) 2-2.5x.
# --------------------------------------------------------------------------

def _sigmoid4(x, out):
    """out = 1 / (1 + exp(-x)), four passes, no temporary (out may be x)."""
    np.negative(x, out=out)
    np.exp(out, out=out)
    out += 1
    np.reciprocal(out, out=out)


def _silu4(x, out, s):
    """out = x / (1 + exp(-x)) through the scratch ``s`` (out may be x)."""
    np.negative(x, out=s)
    np.exp(s, out=s)
    s += 1
    np.divide(x, s, out=out)


def _log1p_exp_neg_abs(x, s):
    """s = log1p(exp(-|x|)): the bounded part of softplus / log_sigmoid."""
    np.abs(x, out=s)
    np.negative(s, out=s)
    np.exp(s, out=s)
    np.log1p(s, out=s)


def _np_relu(x, out, s):
    return partial(np.maximum, x, 0, out=out)


def _np_sigmoid(x, out, s):
    return partial(_sigmoid4, x, out)


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
    return partial(_silu4, x, out, s)


def _np_silu_backward(g, x, out, s):
    def silu_backward_np(g=g, x=x, out=out, s=s):
        _sigmoid4(x, s)
        np.multiply(g, s, out=out)
        np.subtract(1, s, out=s)
        s *= x
        s += 1
        out *= s
    return silu_backward_np


def _np_softplus(x, out, s):
    def softplus_np(x=x, out=out, s=s):
        _log1p_exp_neg_abs(x, s)
        np.maximum(x, 0, out=out)
        out += s
    return softplus_np


def _np_log_sigmoid(x, out, s):
    def log_sigmoid_np(x=x, out=out, s=s):
        _log1p_exp_neg_abs(x, s)
        np.minimum(x, 0, out=out)
        out -= s
    return log_sigmoid_np


def _erfc():
    """Phi(x) = erfc(-x / sqrt 2) / 2 needs erfc (not 1 + erf: it cancels for
    x < 0, where a form must still match within 1e-12): scipy's ufunc, else
    math.erfc per element."""
    try:
        from scipy.special import erfc
        return erfc
    except ImportError:
        import math
        f = np.frompyfunc(math.erfc, 1, 1)
        return lambda v, out: np.copyto(out, f(v), casting="unsafe")


def _np_gelu(x, out, s):
    erfc, c = _erfc(), -1 / np.sqrt(2)

    def gelu_np(x=x, out=out, s=s):
        np.multiply(x, c, out=s)
        erfc(s, out=s)
        s *= 0.5
        np.multiply(x, s, out=out)
    return gelu_np


def _np_gelu_backward(g, x, out, s):
    erfc, c, d = _erfc(), -1 / np.sqrt(2), 1 / np.sqrt(2 * np.pi)

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


def _np_bias(act: Form, text: str) -> Form:
    """x += b (into out), then the activation's form in place on out."""
    def bind(x, b, out, s):
        act_call = act.bind(out, out, s)

        def bias_act_np(x=x, b=b, out=out, act_call=act_call):
            np.add(x, b, out=out)
            act_call()
        return bias_act_np
    return Form(text, bind, act.scratch)


# --------------------------------------------------------------------------
# torch: its in-place CPU op (out=None) or its out= form; the bench sets
# torch.set_num_threads to fastrelu's thread count
# --------------------------------------------------------------------------

def _t_relu(torch, x, out):
    # torch.relu runs clamp_min; out-of-place into a preallocated out
    return partial(torch.relu_, x) if out is None else partial(torch.clamp_min, x, 0, out=out)


def _t_sigmoid(torch, x, out):
    return partial(torch.sigmoid_, x) if out is None else partial(torch.sigmoid, x, out=out)


def _t_relu_backward(torch, g, y, out):
    return partial(torch.ops.aten.threshold_backward.grad_input, g, y, 0,
                   grad_input=g if out is None else out)


def _t_sigmoid_backward(torch, g, y, out):
    return partial(torch.ops.aten.sigmoid_backward.grad_input, g, y,
                   grad_input=g if out is None else out)


def _t_leaky_relu(torch, x, a, out):
    if out is None:
        return partial(torch.nn.functional.leaky_relu_, x, a)
    return partial(torch._C._nn.leaky_relu, x, a, out=out)


def _t_leaky_relu_backward(torch, g, x, a, out):
    # self_is_result=False: x is the forward's input
    return partial(torch.ops.aten.leaky_relu_backward.grad_input, g, x, a, False,
                   grad_input=g if out is None else out)


def _t_silu(torch, x, out):
    if out is None:
        return partial(torch.nn.functional.silu, x, inplace=True)
    return partial(torch._C._nn.silu, x, out=out)


def _t_silu_backward(torch, g, x, out):
    return partial(torch.ops.aten.silu_backward.grad_input, g, x,
                   grad_input=g if out is None else out)


def _t_softplus(torch, x, out):
    # F.softplus(x) with its defaults beta=1, threshold=20
    return partial(torch._C._nn.softplus, x, 1, 20, out=x if out is None else out)


def _t_log_sigmoid(torch, x, out):
    return partial(torch._C._nn.log_sigmoid, x, out=x if out is None else out)


def _t_gelu(torch, x, out):                    # F.gelu has no inplace=: aten's gelu_
    if out is None:
        return partial(torch.ops.aten.gelu_, x)
    return partial(torch._C._nn.gelu, x, out=out)


def _t_gelu_backward(torch, g, x, out):
    return partial(torch.ops.aten.gelu_backward.grad_input, g, x,
                   grad_input=g if out is None else out)


def _t_bias(act: Form, text: str) -> Form:
    """torch.add(x, b, out=out or x), then the activation in place on it."""
    def bind(torch, x, b, out):
        to = x if out is None else out
        act_call = act.bind(torch, to, None)

        def bias_act_torch(x=x, b=b, to=to, act_call=act_call):
            torch.add(x, b, out=to)
            act_call()
        return bias_act_torch
    return Form(text, bind)


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
# the rows
# --------------------------------------------------------------------------

_NP_SIGMOID = Form("np.negative(x, out=x); np.exp(x, out=x); x += 1; "
                   "np.reciprocal(x, out=x)  [errstate ignore]", _np_sigmoid)
_NP_SILU = Form("np.negative(x, out=s); np.exp(s, out=s); s += 1; np.divide(x, s, out=x)  "
                "[s preallocated, errstate ignore]", _np_silu, scratch=True)
_NP_RELU = Form("np.maximum(x, 0, out=x)", _np_relu)
_T_RELU = Form("torch.relu_(x)", _t_relu)
_T_SIGMOID = Form("torch.sigmoid_(x)", _t_sigmoid)
_T_SILU = Form("torch.nn.functional.silu(x, inplace=True)", _t_silu)

BASELINES = {
    "relu": Baseline(
        ("normal4",), (), _NP_RELU, _T_RELU, (_nb_relu, 0), _relu_fixed),
    "sigmoid": Baseline(
        ("normal4",), (), _NP_SIGMOID, _T_SIGMOID, (_nb_sigmoid, 1)),
    "relu_backward": Baseline(
        ("normal", "sym"), (),
        Form("np.multiply(g, y > 0, out=g)", _np_relu_backward),
        Form("torch.ops.aten.threshold_backward.grad_input(g, y, 0, grad_input=g)",
             _t_relu_backward),
        (_nb_relu_backward, 0), _relu_backward_fixed),
    "sigmoid_backward": Baseline(
        ("normal", "unit"), (),
        Form("np.subtract(1, y, out=s); np.multiply(g, y, out=g); "
             "np.multiply(g, s, out=g)  [s preallocated]", _np_sigmoid_backward, scratch=True),
        Form("torch.ops.aten.sigmoid_backward.grad_input(g, y, grad_input=g)",
             _t_sigmoid_backward),
        (_nb_sigmoid_backward, 1)),
    "leaky_relu": Baseline(
        ("normal4",), ("alpha",),
        Form("np.multiply(x, a, out=s); np.maximum(x, s, out=x)  [s preallocated]",
             _np_leaky_relu, scratch=True),
        Form("torch.nn.functional.leaky_relu_(x, a)", _t_leaky_relu),
        (_nb_leaky_relu, 0)),
    "leaky_relu_backward": Baseline(
        ("normal", "sym"), ("alpha",),
        Form("np.greater(x, 0, out=s); s *= 1 - a; s += a; "
             "np.multiply(g, s, out=g)  [s preallocated]", _np_leaky_relu_backward,
             scratch=True),
        Form("torch.ops.aten.leaky_relu_backward.grad_input(g, x, a, False, grad_input=g)",
             _t_leaky_relu_backward),
        (_nb_leaky_relu_backward, 0)),
    "silu": Baseline(
        ("normal4",), (), _NP_SILU, _T_SILU, (_nb_silu, 1)),
    "silu_backward": Baseline(
        ("normal", "normal4"), (),      # (grad, x): silu's input
        Form("s = sigmoid(x) (4 passes as sigmoid, into s); g *= s; "
             "np.subtract(1, s, out=s); s *= x; s += 1; g *= s  [s preallocated]",
             _np_silu_backward, scratch=True),
        Form("torch.ops.aten.silu_backward.grad_input(g, x, grad_input=g)",
             _t_silu_backward),
        (_nb_silu_backward, 1)),
    "softplus": Baseline(
        ("normal4",), (),
        Form("np.abs(x, out=s); np.negative(s, out=s); np.exp(s, out=s); "
             "np.log1p(s, out=s); np.maximum(x, 0, out=x); x += s  [s preallocated]",
             _np_softplus, scratch=True),
        Form("torch._C._nn.softplus(x, 1, 20, out=x)  (= F.softplus: x itself above 20)",
             _t_softplus),
        (_nb_softplus, 0)),
    "log_sigmoid": Baseline(
        ("normal4",), (),
        Form("np.abs(x, out=s); np.negative(s, out=s); np.exp(s, out=s); "
             "np.log1p(s, out=s); np.minimum(x, 0, out=x); x -= s  [s preallocated]",
             _np_log_sigmoid, scratch=True),
        Form("torch._C._nn.log_sigmoid(x, out=x)  (= F.logsigmoid)", _t_log_sigmoid),
        (_nb_log_sigmoid, 0)),
    "bias_relu": Baseline(
        ("normal4",), ("bias",),
        _np_bias(_NP_RELU, "x += b; np.maximum(x, 0, out=x)"),
        _t_bias(_T_RELU, "x.add_(b); torch.relu_(x)"),
        (_nb_bias_relu, 0)),
    "bias_sigmoid": Baseline(
        ("normal4",), ("bias",),
        _np_bias(_NP_SIGMOID, "x += b; then sigmoid's 4 passes in place"),
        _t_bias(_T_SIGMOID, "x.add_(b); torch.sigmoid_(x)"),
        (_nb_bias_sigmoid, 1)),
    "bias_silu": Baseline(
        ("normal4",), ("bias",),
        _np_bias(_NP_SILU, "x += b; then silu's 4 passes  [s preallocated]"),
        _t_bias(_T_SILU, "x.add_(b); torch.nn.functional.silu(x, inplace=True)"),
        (_nb_bias_silu, 1)),
    "gelu": Baseline(
        ("normal4",), (),
        Form("np.multiply(x, -1/sqrt(2), out=s); erfc(s, out=s); s *= 0.5; "
             "np.multiply(x, s, out=x)  [s preallocated; scipy.special.erfc, "
             "else math.erfc per element]", _np_gelu, scratch=True),
        Form("torch.ops.aten.gelu_(x)  (= F.gelu in place)", _t_gelu),
        (_nb_gelu, 0.5)),
    "gelu_backward": Baseline(
        ("normal", "normal4"), (),      # (grad, x): gelu's input
        Form("s = x exp(-x^2/2) / sqrt(2 pi) (5 passes); s += erfc(-x/sqrt 2) / 2 "
             "(3 passes, one temporary); g *= s  [s preallocated]",
             _np_gelu_backward, scratch=True),
        Form("torch.ops.aten.gelu_backward.grad_input(g, x, grad_input=g)",
             _t_gelu_backward),
        (_nb_gelu_backward, 0.5)),
}


# --------------------------------------------------------------------------
# the statistics section: how numpy and torch users count per unit, keyed by
# the activation fastrelu.UnitStats counts (_ops.Op.counts)
# --------------------------------------------------------------------------

class Count(NamedTuple):
    text: str
    numpy: Callable     # y (2-d view, rows x units), eps -> counts per unit
    torch: Callable     # the same on a tensor


COUNTS = {
    "relu": Count("numpy: relu's form, then (x == 0).sum(axis=0); "
                  "torch: torch.relu_(x), then (x == 0).sum(0)",
                  lambda y, eps: (y == 0).sum(axis=0),
                  lambda t, eps: (t == 0).sum(0)),
    "sigmoid": Count("numpy: sigmoid's form, then (x * (1 - x) < eps).sum(axis=0); "
                     "torch: torch.sigmoid_(x), then (x * (1 - x) < eps).sum(0)",
                     lambda y, eps: (y * (1 - y) < eps).sum(axis=0),
                     lambda t, eps: (t * (1 - t) < eps).sum(0)),
}
