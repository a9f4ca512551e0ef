"""fastrelu's ops as Numba functions, for use inside your own ``@njit`` code.

    import numba
    from fastrelu import numba as frn

    @numba.njit
    def layer(w, x, b):
        h = w * x + b
        return frn.relu_(h)                 # in place, returns h

    @numba.njit
    def gate(x):
        s = 0.0
        for v in x:
            s += frn.sigmoid(v)             # scalars too: the loop stays vectorizable
        return s

Element-wise on float32/float64 scalars and arrays (any layout; a new array
for the out-of-place forms, C order).  The in-place forms write into their
first argument and return it.  Backward ops take two scalars or two arrays of
the same dtype and shape (no broadcasting; use the ufuncs for that).

The math is fastrelu's own (kernels/scalar.h), with the same semantics as the
ufuncs: relu(-0.0) = +0.0, NaN propagates, sigmoid never warns, is in [0, 1],
and keeps subnormal results.  Accuracy:

- ``sigmoid``/``sigmoid_`` use fast mode (<= 2 ulp), bit-identical to
  ``fr.sigmoid``'s fast kernel of the ISA level with the same FMA-ness as
  numba's target: avx2/avx512f on an FMA machine (what ``fr.sigmoid`` runs
  there by default), baseline otherwise;
- ``sigmoid_exact``/``sigmoid_exact_`` use exact mode (float32 correctly
  rounded but for double rounding, float64 <= 1 ulp), bit-identical to
  ``fr.sigmoid`` under ``fr.accuracy("exact")`` on every ISA level.

These functions compile on first use with your code (they are not disk-cached
themselves: cache your own ``@njit(cache=True)`` function instead).  Importing
this module imports numba; ``import fastrelu`` alone never does.
"""
import numba

from ._numba import _map1, _map1_, _map2, _map2_

__all__ = ["relu", "sigmoid", "sigmoid_exact", "relu_backward", "sigmoid_backward",
           "relu_", "sigmoid_", "sigmoid_exact_", "relu_backward_", "sigmoid_backward_"]


@numba.njit
def relu(x):
    """relu(x): x where x > 0, else +0.0; NaN stays NaN."""
    return _map1("relu", x)


@numba.njit
def sigmoid(x):
    """sigmoid(x) = 1 / (1 + exp(-x)), fast mode (<= 2 ulp)."""
    return _map1("sigmoid_fast", x)


@numba.njit
def sigmoid_exact(x):
    """sigmoid(x), exact mode (float32 correctly rounded, float64 <= 1 ulp)."""
    return _map1("sigmoid_exact", x)


@numba.njit
def relu_backward(grad, y):
    """grad where y > 0, +0.0 where y <= 0, NaN where y is NaN."""
    return _map2("relu_bwd", grad, y)


@numba.njit
def sigmoid_backward(grad, y):
    """grad * y * (1 - y) in the input dtype, y = sigmoid's output."""
    return _map2("sigmoid_bwd", grad, y)


@numba.njit
def relu_(x):
    """relu(x) written into the array x; returns x."""
    return _map1_("relu", x)


@numba.njit
def sigmoid_(x):
    """sigmoid(x), fast mode, written into the array x; returns x."""
    return _map1_("sigmoid_fast", x)


@numba.njit
def sigmoid_exact_(x):
    """sigmoid_exact(x) written into the array x; returns x."""
    return _map1_("sigmoid_exact", x)


@numba.njit
def relu_backward_(grad, y):
    """relu_backward(grad, y) written into the array grad; returns grad."""
    return _map2_("relu_bwd", grad, y)


@numba.njit
def sigmoid_backward_(grad, y):
    """sigmoid_backward(grad, y) written into the array grad; returns grad."""
    return _map2_("sigmoid_bwd", grad, y)
