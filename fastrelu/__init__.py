"""fastrelu: ReLU and sigmoid, forward and backward, as native numpy ufuncs.

    fr.relu(x), fr.sigmoid(x), fr.relu_backward(grad, y), fr.sigmoid_backward(grad, y)
    fr.relu_(x), fr.sigmoid_(x), fr.relu_backward_(grad, y), fr.sigmoid_backward_(grad, y)
    fr.leaky_relu(x, alpha), fr.silu(x), fr.softplus(x), fr.log_sigmoid(x) and their
    backward / in-place forms; fr.bias_relu_(x, b, stats=fr.UnitStats()) and friends

The exact semantics of every op: the "Semantics" section of the README.
"""
from ._version import __version__
from ._include import get_include
from ._ops import OPS as _OPS
from ._ufuncs import UFUNCS as _UFUNCS
from ._inplace import INPLACE as _INPLACE
# every op of the table: its ufunc and its in-place form
globals().update(_UFUNCS)
globals().update(_INPLACE)
from ._stats import UnitStats
from ._dispatch import (accuracy, backend, get_accuracy, get_num_threads, kernel_address,
                        set_accuracy, set_num_threads)
from ._report import explain, show_config
from . import _wisdom
_wisdom.load()          # tuned choices, if `fastrelu tune` ran on this machine


def tune(**kwargs):
    """Time every candidate kernel and thread count on this machine and store
    the winners as wisdom (see fastrelu._tune.tune); returns the wisdom dict."""
    from . import _tune
    return _tune.tune(**kwargs)[0]


# pickle finds ufuncs by name in the module they report
for _uf in _UFUNCS.values():
    try:
        _uf.__module__ = __name__
    except (AttributeError, TypeError):
        pass
del _uf

__all__ = ([name for op in _OPS for name in (op.name, op.name + "_")]
           + ["UnitStats", "accuracy", "set_accuracy", "get_accuracy", "set_num_threads",
              "get_num_threads", "explain", "show_config", "kernel_address", "backend", "tune",
              "get_include", "__version__"])
