"""fastrelu: ReLU and sigmoid, forward and backward, as native numpy ufuncs.

    fr.relu(x), fr.sigmoid(x), fr.relu_backward(grad, y), fr.sigmoid_backward(grad, y)
    fr.relu_(x), fr.sigmoid_(x), fr.relu_backward_(grad, y), fr.sigmoid_backward_(grad, y)
    fr.leaky_relu(x, alpha), fr.silu(x), fr.softplus(x), fr.log_sigmoid(x) and their
    backward / in-place forms; fr.bias_relu_(x, b, stats=fr.UnitStats()) and friends

The exact semantics of every op: the "Semantics" section of the README.
"""
from ._version import __version__
from ._include import get_include
from ._ufuncs import (relu, relu_backward, sigmoid, sigmoid_backward, leaky_relu,
                      leaky_relu_backward, silu, silu_backward, softplus, log_sigmoid,
                      bias_relu, bias_sigmoid, bias_silu)
from ._inplace import (relu_, relu_backward_, sigmoid_, sigmoid_backward_, leaky_relu_,
                       leaky_relu_backward_, silu_, silu_backward_, softplus_, log_sigmoid_,
                       bias_relu_, bias_sigmoid_, bias_silu_)
from ._stats import UnitStats
from ._dispatch import (accuracy, backend, explain, get_accuracy, get_num_threads, kernel_address,
                        set_accuracy, set_num_threads, show_config)


def tune(**kwargs):
    """Time every candidate kernel and thread count on this machine and store
    the winners as wisdom (see fastrelu._tune.tune); returns the wisdom dict."""
    from . import _tune
    return _tune.tune(**kwargs)[0]


# pickle finds ufuncs by name in the module they report
for _uf in (relu, sigmoid, relu_backward, sigmoid_backward, leaky_relu, leaky_relu_backward,
            silu, silu_backward, softplus, log_sigmoid, bias_relu, bias_sigmoid, bias_silu):
    try:
        _uf.__module__ = __name__
    except (AttributeError, TypeError):
        pass
del _uf

__all__ = ["relu", "sigmoid", "relu_backward", "sigmoid_backward", "relu_", "sigmoid_",
           "relu_backward_", "sigmoid_backward_", "leaky_relu", "leaky_relu_", "leaky_relu_backward",
           "leaky_relu_backward_", "silu", "silu_", "silu_backward", "silu_backward_", "softplus",
           "softplus_", "log_sigmoid", "log_sigmoid_", "bias_relu", "bias_relu_", "bias_sigmoid",
           "bias_sigmoid_", "bias_silu", "bias_silu_", "UnitStats", "accuracy", "set_accuracy", "get_accuracy",
           "set_num_threads", "get_num_threads", "explain", "show_config", "kernel_address",
           "backend", "tune", "get_include",
           "__version__"]
