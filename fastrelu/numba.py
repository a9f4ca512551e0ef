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
One function per op of the table (fastrelu._ops.OPS) and its in-place form
``<op>_``; the ops with accuracy modes add ``<op>_exact`` and ``<op>_exact_``.
Accuracy:

- the ops with accuracy modes (sigmoid, silu, softplus, ...; ``__all__`` has
  them all) use fast mode, bit-identical to the ufunc's fast kernel of the ISA level with the same
  FMA-ness as numba's target: avx2/avx512f on an FMA machine (what the ufunc
  runs there by default), baseline otherwise;
- their ``*_exact`` forms use exact mode, bit-identical to the ufunc under
  ``fr.accuracy("exact")`` on every ISA level (exact mode never fuses a
  multiply-add, in C or here);
- the others (relu, leaky_relu, their backward forms, sigmoid_backward,
  bias_relu) are exact in both modes.

These functions compile on first use with your code (they are not disk-cached
themselves: cache your own ``@njit(cache=True)`` function instead).  Importing
this module imports numba; ``import fastrelu`` alone never does.
"""
import re

import numba

from . import _ops
from ._numba import table
from ._numba.arrays import _map, _map_

# a fused op's in-place form by what it counts: (extra parameters, what
# _map_ gets for counts and eps, the docstring's sentence on counts)
_COUNTING = {
    "relu": ("counts=None", "counts, 0.0",
             "counts (int64, x.shape[-1]): += 1 per unit where the output is 0 (dead ReLU)."),
    "sigmoid": ("counts=None, eps=1e-3", "counts, eps",
                "counts (int64, x.shape[-1]): += 1 per unit where y * (1 - y) < eps "
                "(saturated)."),
    None: ("", "None, 0.0", ""),
}


def _doc(op, mode, in_place):
    what = re.split(r"(?<=\.)\s", " ".join(op.doc.split()))[0].rstrip(".")   # first sentence
    if mode is not None:
        what += f"; {mode} mode"
    if not in_place:
        return what + "."
    first = op.args[0]
    doc = f"{what}; written into the array {first}, which it returns."
    if op.kind == "fused" and _COUNTING[op.counts][2]:
        doc += "  " + _COUNTING[op.counts][2]
    return doc


def _define(op, name, mode, in_place):
    """One public function: `def name(<op's arguments>): return _map...`,
    written as source so its parameters have the op's argument names."""
    args = ", ".join(op.args)
    params, call = args, f"_map({op.name!r}, {mode!r}, {args})"
    if in_place and op.kind == "fused":
        extra, passed, _ = _COUNTING[op.counts]
        params = f"{args}, {extra}" if extra else args
        call = f"_map_({op.name!r}, {mode!r}, {args}, None, {passed})"
    elif in_place:
        call = f"_map_({op.name!r}, {mode!r}, {args})"
    ns = {"_map": _map, "_map_": _map_}
    exec(f"def {name}({params}):\n    return {call}\n", ns)
    f = ns[name]
    f.__doc__, f.__module__, f.__qualname__ = _doc(op, mode, in_place), __name__, name
    return numba.njit(f)


def _forms(op):
    """(name, mode, in place) of each public function of op."""
    for mode in (("fast", "exact") if op.accurate else (None,)):
        name = op.name + ("_exact" if mode == "exact" else "")
        yield name, mode, False
        yield name + "_", mode, True


__all__ = []
for _op in _ops.OPS:
    if table.row(_op.name) is not None:
        for _name, _mode, _in_place in _forms(_op):
            globals()[_name] = _define(_op, _name, _mode, _in_place)
            __all__.append(_name)
del _op, _name, _mode, _in_place
