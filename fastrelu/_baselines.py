"""What fastrelu is benchmarked against: the vocabulary of the baseline rows
(each op's row is ``_ops.OPS[...].baseline``), the forms' shared pieces, the
bench's grids and the statistics section's counting forms.

A ``Baseline`` holds an op's bench data kind (what fills each input array, and
the operands after the arrays), its NumPy and torch baseline forms (the text
the bench table and its JSON show, and the code that text describes) and, for
the asv suite, the naive numba loop a user would write and how to make an
in-place input a fixed point of the op.  ``python -m fastrelu bench``
(``fastrelu._bench*``) and the asv suite (``bench/benchmarks.py``) are
driven from ``_ops.BASELINES``; ``tests/test_bench.py`` checks that every op
of the table has a row and that every form computes the op.

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

from typing import Callable, NamedTuple

import numpy as np

__all__ = ["Form", "Baseline", "COUNTS", "ALPHA", "STATS_EPS", "DATA_KINDS",
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
# NumPy: each op's form (in _ops) is the best in-place form found on this
# hardware.  Measured at 16M:
# np.multiply(g, y > 0) beats putmask/copyto(where=)/boolean indexing 4-10x;
# sigmoid_backward with a preallocated scratch beats the allocating
# `g *= y; g *= 1 - y` by ~30%; leaky_relu's two passes over a scratch beat
# np.where(x > 0, x, a*x) 4-8x and np.multiply(where=) 10x; the stable
# softplus/log_sigmoid in six passes beat np.logaddexp(0, x) 4-7x; silu as
# x / (1 + exp(-x)) beats x * (1 / (1 + np.exp(-x))) 2-2.5x.
# --------------------------------------------------------------------------

def sigmoid4(x, out):
    """out = 1 / (1 + exp(-x)), four passes, no temporary (out may be x)."""
    np.negative(x, out=out)
    np.exp(out, out=out)
    out += 1
    np.reciprocal(out, out=out)


def silu4(x, out, s):
    """out = x / (1 + exp(-x)) through the scratch ``s`` (out may be x)."""
    np.negative(x, out=s)
    np.exp(s, out=s)
    s += 1
    np.divide(x, s, out=out)


def log1p_exp_neg_abs(x, s):
    """s = log1p(exp(-|x|)): the bounded part of softplus / log_sigmoid."""
    np.abs(x, out=s)
    np.negative(s, out=s)
    np.exp(s, out=s)
    np.log1p(s, out=s)


def erfc_ufunc():
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


def np_bias(act: Form, text: str) -> Form:
    """x += b (into out), then the activation's form in place on out."""
    def bind(x, b, out, s):
        act_call = act.bind(out, out, s)

        def bias_act_np(x=x, b=b, out=out, act_call=act_call):
            np.add(x, b, out=out)
            act_call()
        return bias_act_np
    return Form(text, bind, act.scratch)


# --------------------------------------------------------------------------
# torch
# --------------------------------------------------------------------------

def t_bias(act: Form, text: str) -> Form:
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
