"""fastrelu: ReLU and sigmoid, forward and backward, as native numpy ufuncs.

    fr.relu(x), fr.sigmoid(x), fr.relu_backward(grad, y), fr.sigmoid_backward(grad, y)
    fr.relu_(x), fr.sigmoid_(x), fr.relu_backward_(grad, y), fr.sigmoid_backward_(grad, y)

See shared/DESIGN.md for the exact semantics.
"""
from ._version import __version__
from ._include import get_include
from ._ufuncs import relu, relu_backward, sigmoid, sigmoid_backward
from ._inplace import relu_, relu_backward_, sigmoid_, sigmoid_backward_
from ._dispatch import (accuracy, backend, explain, get_accuracy, get_num_threads, kernel_address,
                        set_accuracy, set_num_threads, show_config)


def tune(**kwargs):
    """Time every candidate kernel and thread count on this machine and store
    the winners as wisdom (see fastrelu._tune.tune); returns the wisdom dict."""
    from . import _tune
    return _tune.tune(**kwargs)[0]


# pickle finds ufuncs by name in the module they report
for _uf in (relu, sigmoid, relu_backward, sigmoid_backward):
    try:
        _uf.__module__ = __name__
    except (AttributeError, TypeError):
        pass
del _uf

__all__ = ["relu", "sigmoid", "relu_backward", "sigmoid_backward", "relu_", "sigmoid_",
           "relu_backward_", "sigmoid_backward_", "accuracy", "set_accuracy", "get_accuracy",
           "set_num_threads", "get_num_threads", "explain", "show_config", "kernel_address",
           "backend", "tune", "get_include",
           "__version__"]
