"""The op table, Python side: one row per op (kernels.h's FR_OPS is the C side,
and _ufuncs checks at import that both list the same ops in the same order).

The rows drive the ufuncs' docstrings, the in-place forms and their argument
checks, the package's exports, kernel_address's C signatures and the tests'
parametrization.  Plain data: importing this module imports nothing.
"""
from typing import NamedTuple

FLOATS = ("float16", "float32", "float64", "longdouble", "bfloat16")
INTS = ("int8", "int16", "int32", "int64", "uint8", "uint16", "uint32", "uint64")


class Op(NamedTuple):
    name: str
    args: tuple            # argument names, in order (the first is written in place)
    kind: str              # how the kernel is called: unary, binary, ternary, fused
    inplace_dtypes: tuple  # what the in-place form accepts
    counts: str | None     # the activation fastrelu.UnitStats counts for it, if any
    accurate: bool         # has fast and exact kernels (else exact in both modes)
    doc: str               # the ufunc's docstring (numpy prepends the signature)


_ACC = ("\nAccuracy follows fastrelu.get_accuracy(): 'fast' <= 2 ulp, 'exact' <= 1 ulp\n"
        "(float32: correctly rounded in nearly every case); float16/bfloat16 correctly rounded.")

OPS = (
    Op("relu", ("x",), "unary", FLOATS + INTS, "relu", False,
       "Rectified linear unit: x where x > 0, else +0.0; NaN stays NaN.\n"
       "Signed integers keep their type; unsigned integers are returned unchanged."),
    Op("sigmoid", ("x",), "unary", FLOATS, "sigmoid", True,
       "Logistic sigmoid 1 / (1 + exp(-x)), in [0, 1], without overflow warnings.\n"
       "Accuracy follows fastrelu.get_accuracy(): 'fast' <= 2 ulp, 'exact' correctly\n"
       "rounded (float32) / <= 1 ulp (float64). Integers promote like np.exp."),
    Op("relu_backward", ("grad", "y"), "binary", FLOATS, None, False,
       "Gradient of relu: grad where y > 0, +0.0 where y <= 0, NaN where y is NaN\n"
       "(y may be relu's input or its output)."),
    Op("sigmoid_backward", ("grad", "y"), "binary", FLOATS, None, False,
       "Gradient of sigmoid from its output y: grad * y * (1 - y), in the input dtype."),
    Op("leaky_relu", ("x", "alpha"), "binary", FLOATS, None, False,
       "Leaky ReLU: x where x > 0, alpha * x where x < 0, +0.0 at x = +-0; alpha = 0\n"
       "gives relu's exact bits. alpha broadcasts (a scalar, or one per channel)."),
    Op("leaky_relu_backward", ("grad", "x", "alpha"), "ternary", FLOATS, None, False,
       "Gradient of leaky_relu: grad where x > 0, alpha * grad where x <= 0 (+0.0 if\n"
       "alpha = 0), NaN where x is NaN. x is the input (or the output, for alpha > 0)."),
    Op("silu", ("x",), "unary", FLOATS, None, True,
       "SiLU (swish): x * sigmoid(x)." + _ACC),
    Op("silu_backward", ("grad", "x"), "binary", FLOATS, None, True,
       "Gradient of silu from its INPUT x: grad * s * (1 + x * (1 - s)), s = sigmoid(x),\n"
       "1 - s computed as sigmoid(-x); float32 computed in float64."),
    Op("softplus", ("x",), "unary", FLOATS, None, True,
       "log(1 + exp(x)) = max(x, 0) + log1p(exp(-|x|)): never overflows, no warnings." + _ACC),
    Op("log_sigmoid", ("x",), "unary", FLOATS, None, True,
       "log(sigmoid(x)) = -softplus(-x): log_sigmoid(-1000) is -1000 exactly." + _ACC),
    Op("bias_relu", ("x", "b"), "fused", FLOATS, "relu", False,
       "relu(x + b) in one pass (x + b rounded to the dtype first). In place, with\n"
       "statistics: fastrelu.bias_relu_(x, b, stats=...)."),
    Op("bias_sigmoid", ("x", "b"), "fused", FLOATS, "sigmoid", True,
       "sigmoid(x + b) in one pass (x + b rounded to the dtype first). In place, with\n"
       "statistics: fastrelu.bias_sigmoid_(x, b, stats=...)."),
    Op("bias_silu", ("x", "b"), "fused", FLOATS, None, True,
       "silu(x + b) in one pass (x + b rounded to the dtype first)."),
    Op("gelu", ("x",), "unary", FLOATS, None, True,
       "GELU, the exact (erf) form: x * Phi(x), Phi(x) = erfc(-x / sqrt(2)) / 2 (torch's\n"
       "approximate='none'); gelu(-inf) = -0.0, subnormal results kept, no warnings." + _ACC),
    Op("gelu_backward", ("grad", "x"), "binary", FLOATS, None, True,
       "Gradient of gelu from its INPUT x: grad * (Phi(x) + x * phi(x)), phi the normal\n"
       "density; grad * 1 at +inf, grad * -0.0 at -inf. float32 computed in float64." + _ACC),
)

BY_NAME = {op.name: op for op in OPS}


def activation(op_name):
    """The activation a fused op applies (bias_relu -> relu)."""
    return op_name.removeprefix("bias_")
