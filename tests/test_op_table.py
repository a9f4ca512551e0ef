"""Completeness: every op of the table (fastrelu/_ops.py, mirrored by C's
FR_OPS) has its ufunc, in-place form, export, kernels on every ISA level, slow
twin, numba twin, benchmark family, bench forms and README entry."""
import inspect
import pathlib

import numpy as np
import pytest

import fastrelu as fr
from fastrelu import _dispatch, _ops, _slow, _ufuncs

ROOT = pathlib.Path(__file__).resolve().parent.parent      # the checkout (or unpacked sdist)
PACKAGE = pathlib.Path(fr.__file__).resolve().parent       # the fastrelu under test
OP_NAMES = [op.name for op in _ops.OPS]


def test_c_and_python_tables_agree():
    assert _ufuncs.OPS == tuple(OP_NAMES)
    for op in _ops.OPS:
        assert _ufuncs.OP_KIND[op.name] == op.kind
        assert _ufuncs.NIN[op.name] == len(op.args)
        assert _ufuncs.get_parallel_min(op.name) > 0      # a threshold for every op


@pytest.mark.parametrize("op", _ops.OPS, ids=OP_NAMES)
def test_every_op_is_public_and_complete(op):
    uf = getattr(fr, op.name)
    assert isinstance(uf, np.ufunc) and uf.nin == len(op.args) and uf.__name__ == op.name
    assert op.name in fr.__all__ and op.name + "_" in fr.__all__
    inplace = getattr(fr, op.name + "_")
    assert inplace.__name__ == op.name + "_"
    params = list(inspect.signature(inplace).parameters)
    assert ("stats" in params) == (op.counts is not None), params
    assert op.doc.splitlines()[0] in uf.__doc__
    # kernels: both float dtypes on every compiled level, fast and exact where it has modes
    for isa, _ in _dispatch.ISA_LEVELS:
        rows = [k for k in _dispatch.KERNELS if k.op == op.name and k.isa == isa]
        for dt in ("float32", "float64"):
            accs = {k.accuracy for k in rows if k.dtype == dt}
            assert accs in ({None}, {"fast", "exact"}), (isa, dt, accs)
    assert op.name in _slow.SLOW
    # fastrelu.numba has the op (text only: compiling it is test_numba's job)
    assert f"\ndef {op.name}(" in (PACKAGE / "numba.py").read_text()


@pytest.mark.parametrize("op", _ops.OPS, ids=OP_NAMES)
def test_every_op_is_benchmarked_and_documented(op):
    bench = (ROOT / "bench" / "benchmarks.py").read_text()
    assert f'op = "{op.name}"' in bench, "no asv family"
    from fastrelu import _bench
    assert op.name in _bench.NUMPY_FORMS and op.name in _bench.TORCH_FORMS
    readme = (ROOT / "README.md").read_text()
    assert f"`{op.name}(" in readme or f"fr.{op.name}(" in readme
