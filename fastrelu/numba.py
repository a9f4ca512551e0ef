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
first argument and return it.  Ops of several operands take all scalars, or
an array first and, for each other operand, an array of its dtype and shape
or a scalar (broadcast, cast to the array's dtype, as numpy casts a Python
scalar); use the ufuncs for general broadcasting.  The fused ops
``bias_*(x, b)`` compute act(x + b) with b a scalar or a 1-d array along x's
last axis; their in-place forms can count per unit (``counts``, an int64
array of x.shape[-1], incremented where relu's output is 0 or sigmoid's is
saturated, y * (1 - y) < eps), as ``fr.UnitStats`` does.

The math is fastrelu's own (kernels/scalar.h), with the same semantics as the
ufuncs: relu(-0.0) = +0.0, NaN propagates, sigmoid never warns, is in [0, 1],
and keeps subnormal results; leaky_relu with alpha = 0 is relu bit for bit.
Accuracy:

- ``sigmoid``, ``silu``, ``softplus``, ``log_sigmoid``, ``gelu``, ``silu_backward``,
  ``gelu_backward``, ``bias_sigmoid``, ``bias_silu`` (and their in-place forms) use fast mode,
  bit-identical to the ufunc's fast kernel of the ISA level with the same
  FMA-ness as numba's target: avx2/avx512f on an FMA machine (what the ufunc
  runs there by default), baseline otherwise;
- their ``*_exact`` forms use exact mode, bit-identical to the ufunc under
  ``fr.accuracy("exact")`` on every ISA level (exact mode never fuses a
  multiply-add, in C or here);
- relu, leaky_relu, their backward forms, sigmoid_backward and bias_relu are
  exact in both modes.

These functions compile on first use with your code (they are not disk-cached
themselves: cache your own ``@njit(cache=True)`` function instead).  Importing
this module imports numba; ``import fastrelu`` alone never does.
"""
import numba

from ._numba.arrays import _map, _map_

__all__ = ["relu", "sigmoid", "sigmoid_exact", "relu_backward", "sigmoid_backward",
           "relu_", "sigmoid_", "sigmoid_exact_", "relu_backward_", "sigmoid_backward_",
           "leaky_relu", "leaky_relu_", "leaky_relu_backward", "leaky_relu_backward_",
           "silu", "silu_exact", "silu_", "silu_exact_",
           "silu_backward", "silu_backward_exact", "silu_backward_", "silu_backward_exact_",
           "softplus", "softplus_exact", "softplus_", "softplus_exact_",
           "log_sigmoid", "log_sigmoid_exact", "log_sigmoid_", "log_sigmoid_exact_",
           "gelu", "gelu_exact", "gelu_", "gelu_exact_",
           "gelu_backward", "gelu_backward_exact", "gelu_backward_", "gelu_backward_exact_",
           "bias_relu", "bias_sigmoid", "bias_sigmoid_exact", "bias_silu", "bias_silu_exact",
           "bias_relu_", "bias_sigmoid_", "bias_sigmoid_exact_", "bias_silu_", "bias_silu_exact_"]


@numba.njit
def relu(x):
    """relu(x): x where x > 0, else +0.0; NaN stays NaN."""
    return _map("relu", None, x)


@numba.njit
def sigmoid(x):
    """sigmoid(x) = 1 / (1 + exp(-x)), fast mode (<= 2 ulp)."""
    return _map("sigmoid", "fast", x)


@numba.njit
def sigmoid_exact(x):
    """sigmoid(x), exact mode (float32 correctly rounded, float64 <= 1 ulp)."""
    return _map("sigmoid", "exact", x)


@numba.njit
def relu_backward(grad, y):
    """grad where y > 0, +0.0 where y <= 0, NaN where y is NaN."""
    return _map("relu_backward", None, grad, y)


@numba.njit
def sigmoid_backward(grad, y):
    """grad * y * (1 - y) in the input dtype, y = sigmoid's output."""
    return _map("sigmoid_backward", None, grad, y)


@numba.njit
def relu_(x):
    """relu(x) written into the array x; returns x."""
    return _map_("relu", None, x)


@numba.njit
def sigmoid_(x):
    """sigmoid(x), fast mode, written into the array x; returns x."""
    return _map_("sigmoid", "fast", x)


@numba.njit
def sigmoid_exact_(x):
    """sigmoid_exact(x) written into the array x; returns x."""
    return _map_("sigmoid", "exact", x)


@numba.njit
def relu_backward_(grad, y):
    """relu_backward(grad, y) written into the array grad; returns grad."""
    return _map_("relu_backward", None, grad, y)


@numba.njit
def sigmoid_backward_(grad, y):
    """sigmoid_backward(grad, y) written into the array grad; returns grad."""
    return _map_("sigmoid_backward", None, grad, y)


# ---- leaky relu, silu, softplus, log_sigmoid, gelu, fused bias ops ------------
@numba.njit
def leaky_relu(x, alpha):
    """x where x > 0, alpha * x where x < 0, +0.0 at +-0 or alpha == 0; NaN stays NaN."""
    return _map("leaky_relu", None, x, alpha)


@numba.njit
def leaky_relu_(x, alpha):
    """leaky_relu(x, alpha) written into the array x; returns x."""
    return _map_("leaky_relu", None, x, alpha)


@numba.njit
def leaky_relu_backward(grad, x, alpha):
    """grad where x > 0, alpha * grad where x <= 0 (+0.0 for alpha == 0), NaN where x is NaN."""
    return _map("leaky_relu_backward", None, grad, x, alpha)


@numba.njit
def leaky_relu_backward_(grad, x, alpha):
    """leaky_relu_backward(grad, x, alpha) written into the array grad; returns grad."""
    return _map_("leaky_relu_backward", None, grad, x, alpha)


@numba.njit
def silu(x):
    """x * sigmoid(x), fast mode (<= 2 ulp); silu(-inf) = -0.0."""
    return _map("silu", "fast", x)


@numba.njit
def silu_exact(x):
    """silu(x), exact mode (<= 1 ulp)."""
    return _map("silu", "exact", x)


@numba.njit
def silu_(x):
    """silu(x), fast mode, written into the array x; returns x."""
    return _map_("silu", "fast", x)


@numba.njit
def silu_exact_(x):
    """silu_exact(x) written into the array x; returns x."""
    return _map_("silu", "exact", x)


@numba.njit
def silu_backward(grad, x):
    """grad * s * (1 + x * (1 - s)), s = sigmoid(x), x = silu's input; fast mode."""
    return _map("silu_backward", "fast", grad, x)


@numba.njit
def silu_backward_exact(grad, x):
    """silu_backward(grad, x), exact mode."""
    return _map("silu_backward", "exact", grad, x)


@numba.njit
def silu_backward_(grad, x):
    """silu_backward(grad, x) written into the array grad; returns grad."""
    return _map_("silu_backward", "fast", grad, x)


@numba.njit
def silu_backward_exact_(grad, x):
    """silu_backward_exact(grad, x) written into the array grad; returns grad."""
    return _map_("silu_backward", "exact", grad, x)


@numba.njit
def softplus(x):
    """log(1 + exp(x)) without overflow, fast mode (<= 2 ulp)."""
    return _map("softplus", "fast", x)


@numba.njit
def softplus_exact(x):
    """softplus(x), exact mode (<= 1 ulp)."""
    return _map("softplus", "exact", x)


@numba.njit
def softplus_(x):
    """softplus(x), fast mode, written into the array x; returns x."""
    return _map_("softplus", "fast", x)


@numba.njit
def softplus_exact_(x):
    """softplus_exact(x) written into the array x; returns x."""
    return _map_("softplus", "exact", x)


@numba.njit
def log_sigmoid(x):
    """log(sigmoid(x)) = -softplus(-x), fast mode; log_sigmoid(-1000) = -1000."""
    return _map("log_sigmoid", "fast", x)


@numba.njit
def log_sigmoid_exact(x):
    """log_sigmoid(x), exact mode (<= 1 ulp)."""
    return _map("log_sigmoid", "exact", x)


@numba.njit
def log_sigmoid_(x):
    """log_sigmoid(x), fast mode, written into the array x; returns x."""
    return _map_("log_sigmoid", "fast", x)


@numba.njit
def log_sigmoid_exact_(x):
    """log_sigmoid_exact(x) written into the array x; returns x."""
    return _map_("log_sigmoid", "exact", x)


@numba.njit
def gelu(x):
    """x * Phi(x) (erf form, torch's approximate='none'), fast mode; gelu(-inf) = -0.0."""
    return _map("gelu", "fast", x)


@numba.njit
def gelu_exact(x):
    """gelu(x), exact mode."""
    return _map("gelu", "exact", x)


@numba.njit
def gelu_(x):
    """gelu(x), fast mode, written into the array x; returns x."""
    return _map_("gelu", "fast", x)


@numba.njit
def gelu_exact_(x):
    """gelu_exact(x) written into the array x; returns x."""
    return _map_("gelu", "exact", x)


@numba.njit
def gelu_backward(grad, x):
    """grad * (Phi(x) + x * phi(x)), x = gelu's input; fast mode."""
    return _map("gelu_backward", "fast", grad, x)


@numba.njit
def gelu_backward_exact(grad, x):
    """gelu_backward(grad, x), exact mode."""
    return _map("gelu_backward", "exact", grad, x)


@numba.njit
def gelu_backward_(grad, x):
    """gelu_backward(grad, x) written into the array grad; returns grad."""
    return _map_("gelu_backward", "fast", grad, x)


@numba.njit
def gelu_backward_exact_(grad, x):
    """gelu_backward_exact(grad, x) written into the array grad; returns grad."""
    return _map_("gelu_backward", "exact", grad, x)


@numba.njit
def bias_relu(x, b):
    """relu(x + b), x + b rounded to the dtype first; b along x's last axis."""
    return _map("bias_relu", None, x, b)


@numba.njit
def bias_sigmoid(x, b):
    """sigmoid(x + b), fast mode."""
    return _map("bias_sigmoid", "fast", x, b)


@numba.njit
def bias_sigmoid_exact(x, b):
    """sigmoid(x + b), exact mode."""
    return _map("bias_sigmoid", "exact", x, b)


@numba.njit
def bias_silu(x, b):
    """silu(x + b), fast mode."""
    return _map("bias_silu", "fast", x, b)


@numba.njit
def bias_silu_exact(x, b):
    """silu(x + b), exact mode."""
    return _map("bias_silu", "exact", x, b)


@numba.njit
def bias_relu_(x, b, counts=None):
    """relu(x + b) written into the array x, in one pass; returns x.  counts
    (int64, x.shape[-1]): += 1 per unit where the output is 0 (dead ReLU)."""
    return _map_("bias_relu", None, x, b, None, counts, 0.0)


@numba.njit
def bias_sigmoid_(x, b, counts=None, eps=1e-3):
    """sigmoid(x + b), fast mode, written into the array x; returns x.  counts
    (int64, x.shape[-1]): += 1 per unit where y * (1 - y) < eps (saturated)."""
    return _map_("bias_sigmoid", "fast", x, b, None, counts, eps)


@numba.njit
def bias_sigmoid_exact_(x, b, counts=None, eps=1e-3):
    """bias_sigmoid_exact(x, b) written into the array x; counts as bias_sigmoid_."""
    return _map_("bias_sigmoid", "exact", x, b, None, counts, eps)


@numba.njit
def bias_silu_(x, b):
    """silu(x + b), fast mode, written into the array x; returns x."""
    return _map_("bias_silu", "fast", x, b, None, None, 0.0)


@numba.njit
def bias_silu_exact_(x, b):
    """bias_silu_exact(x, b) written into the array x; returns x."""
    return _map_("bias_silu", "exact", x, b, None, None, 0.0)
