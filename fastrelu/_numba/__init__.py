"""The Numba backend: the per-element math of kernels/scalar.h in Python, the
kernel-table cfuncs built from it, and the plumbing of the njit API
(fastrelu.numba).

Imported lazily (by ``_dispatch._ensure_numba()`` for ``backend("numba")``, and
by ``fastrelu.numba``); importing fastrelu never imports numba.  The modules,
each importing only those above it:

- ``constants``: scalar.h's constants, each named after its place there
  (tests/test_numba.py checks them against scalar.h);
- ``intrinsics``: the LLVM primitives (bit casts, select, fma, one division)
  and ``FAST_FMA``, whether fast mode fuses on numba's target CPU;
- ``scalar``: the twins, scalar.h operation for operation, and ``TWINS``,
  their table by op name and accuracy mode;
- ``table``: TWINS read through the op table (fastrelu._ops.OPS);
- ``arrays``: one generic overload, ``_map``/``_map_``, applying a twin to
  scalars and arrays, and the loops;
- ``cfuncs``: the kernel-table rows (``cfunc_rows()``, ``kernel()``).

The cfuncs are bit-identical to the C kernels of the ISA level with the same
FMA-ness in fast mode (avx2/avx512f on an FMA machine, the kernels the ufuncs
pick there; baseline otherwise, and ``NUMBA_CPU_NAME=generic`` gives that on
any machine), and to every level in exact mode, where neither side fuses.
Only NaN payloads may differ.
"""
import importlib

__all__ = ["cfunc_rows", "kernel", "FAST_FMA", "TWINS", "STAMP"]
# where each public name lives: imported on first use (PEP 562), so that
# ``constants``, plain data, can be imported (by fastrelu._slow) without numba
_HOME = {"cfunc_rows": "cfuncs", "kernel": "cfuncs", "STAMP": "cfuncs",
         "FAST_FMA": "intrinsics", "TWINS": "scalar"}


def __getattr__(name):
    if name in _HOME:
        return getattr(importlib.import_module(f".{_HOME[name]}", __name__), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
