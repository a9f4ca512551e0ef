"""Completeness: every op of the table (fastrelu/_ops.py, mirrored by C's
FR_OPS) has its ufunc, in-place form, export, kernels on every ISA level, slow
twin, numba twin, benchmark family, bench forms and README entry."""
import importlib
import inspect
import pathlib
import re

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
        want_of = _ops.activation(op.name) if op.kind == "fused" else op.name
        assert _ufuncs.OP_OF[op.name] == want_of, (op.name, _ufuncs.OP_OF[op.name])


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
    # fastrelu.numba has the op's functions, with its argument names (not
    # compiled: that is test_numba's job)
    if importlib.util.find_spec("numba"):
        frn = importlib.import_module("fastrelu.numba")
        names = [op.name, op.name + "_"] + ([op.name + "_exact", op.name + "_exact_"]
                                            if op.accurate else [])
        for name in names:
            params = tuple(inspect.signature(getattr(frn, name).py_func).parameters)
            assert params[:len(op.args)] == op.args, (name, params)
        assert set(names) <= set(frn.__all__)


@pytest.mark.parametrize("op", _ops.OPS, ids=OP_NAMES)
def test_every_op_is_benchmarked_and_documented(op):
    # the asv family: bench/benchmarks.py makes one per op of the table (the
    # families' parameters: test_bench.test_asv_families_cover_the_registry)
    bench = (ROOT / "bench" / "benchmarks.py").read_text()
    assert "for _op in _ops.OPS:" in bench and "type(_name, (_Family,)" in bench, "no asv family"
    from fastrelu import _bench
    assert op.name in _bench.NUMPY_FORMS and op.name in _bench.TORCH_FORMS
    readme = (ROOT / "README.md").read_text()
    assert f"`{op.name}(" in readme or f"fr.{op.name}(" in readme


# ---- every property suite runs every op; every docs table lists every op ----------

# The suites whose tests go by property over the op table.  Each must run every
# op (the union of its tests' `op` parameters, as conftest records them); a
# test function parametrized over only some ops must say why in its module's
# OP_SUBSETS.
PROPERTY_SUITES = ("test_kernels.py", "test_ufunc.py", "test_inplace.py",
                   "test_activations.py", "test_reliability.py", "test_embedding.py",
                   "test_low_precision.py", "test_longdouble.py")


def _collected_elsewhere(config, suites):
    """What `pytest --collect-only` records for suites this session did not
    collect in full (one subprocess)."""
    import json
    import os
    import subprocess
    import sys
    import tempfile
    here = pathlib.Path(__file__).resolve().parent
    with tempfile.TemporaryDirectory() as tmp:
        dump = pathlib.Path(tmp) / "coverage.json"
        r = subprocess.run(
            [sys.executable, "-m", "pytest", "--collect-only", "-q", "-p", "no:cacheprovider",
             *(str(here / s) for s in suites)],
            cwd=str(ROOT), capture_output=True, text=True, timeout=300,
            env=dict(os.environ, FASTRELU_OP_COVERAGE=str(dump)))
        assert r.returncode == 0, r.stdout[-2000:] + r.stderr[-2000:]
        return {m: {fn: (set(ops), why) for fn, (ops, why) in fns.items()}
                for m, fns in json.loads(dump.read_text()).items()}


@pytest.fixture(scope="module")
def op_coverage(request):
    config = request.config
    # the key of the conftest pytest loaded (importing conftest again would make a new one)
    keys = [p.OP_COVERAGE for p in config.pluginmanager.get_plugins()
            if hasattr(p, "OP_COVERAGE") and hasattr(p, "uses_numba")]
    cov = dict(config.stash.get(keys[0], {})) if keys else {}
    # conftest records before -k / -m deselect: only node ids (file::test) collect part of a file
    partial = any("::" in a for a in config.args)
    missing = [s for s in PROPERTY_SUITES if partial or s not in cov]
    if missing:
        cov.update(_collected_elsewhere(config, missing))
    return cov


def _check_suite(suite, fns):
    """fns: {test function: (ops it ran, why a subset or None)}."""
    covered = set().union(*(ops for ops, _ in fns.values())) if fns else set()
    missing = [op for op in OP_NAMES if op not in covered]
    assert not missing, f"{suite} never runs {missing}"
    partial = {fn: sorted(set(OP_NAMES) - ops) for fn, (ops, why) in fns.items()
               if set(OP_NAMES) - ops and not why}
    assert not partial, (f"{suite}: tests over a hand-picked subset of the ops (parametrize "
                         f"from the table, or say why in OP_SUBSETS): missing {partial}")


@pytest.mark.parametrize("suite", PROPERTY_SUITES)
def test_every_property_suite_runs_every_op(op_coverage, suite):
    assert (pathlib.Path(__file__).parent / suite).exists()
    _check_suite(suite, op_coverage.get(suite, {}))


def test_the_completeness_check_can_fail():
    """A suite missing an op, and a test over an unexplained subset, fail."""
    every = set(OP_NAMES)
    with pytest.raises(AssertionError, match=f"never runs \\['{OP_NAMES[-1]}'\\]"):
        _check_suite("fake.py", {"t": (every - {OP_NAMES[-1]}, None)})
    with pytest.raises(AssertionError, match="hand-picked"):
        _check_suite("fake.py", {"t": (every, None), "u": ({OP_NAMES[0]}, None)})
    _check_suite("fake.py", {"t": (every, None), "u": ({OP_NAMES[0]}, "one op only")})


def test_every_op_has_special_value_expectations():
    """twins.SPECIALS, the one table of per-op special-value expectations
    (checked on every variant by test_kernels.test_special_values_table)."""
    from twins import SPECIALS
    assert set(SPECIALS) == set(OP_NAMES), set(OP_NAMES) ^ set(SPECIALS)
    for op in OP_NAMES:
        assert all(len(a) == len(_ops.BY_NAME[op].args) for a, _ in SPECIALS[op]), op


def _section(text, heading):
    """The README section under `heading` (to the next heading of its level)."""
    level = heading.split()[0]
    start = text.index("\n" + heading + "\n")
    nxt = [i for i in (text.find(f"\n{level} ", start + 1),) if i > 0]
    return text[start:nxt[0] if nxt else len(text)]


def _table_first_column(text):
    """The ops named in the first column of the markdown tables in text."""
    names = set()
    for line in text.splitlines():
        if line.startswith("|") and not line.startswith("|---"):
            cell = re.sub(r"\([^)]*\)", "", line.split("|")[1])     # drop the arguments
            names |= {w.strip("` ") for w in cell.split(",")}
    return names


def _docs_missing(op, readme, embedding):
    """Where op is missing: README's API section (the ufunc or its in-place
    form), its semantics table, the long double accuracy table (every op), the
    float32/float64 accuracy tables (an op with accuracy modes), and
    docs/embedding.md's table of kernel signatures."""
    missing = []
    api = _section(readme, "## API")
    if not any(s in api for s in (f"fr.{op.name}(", f"fr.{op.name}_(", f"{op.name}_(")):
        missing.append("README API section")
    if op.name not in _table_first_column(_section(readme, "## Semantics")):
        missing.append("README semantics table")
    acc = readme[readme.index("Accuracy of sigmoid"):readme.index("## Threads")]
    tables = acc.split("Accuracy of `np.longdouble`")
    if op.name not in _table_first_column(tables[1]):
        missing.append("README long double accuracy table")
    named = _table_first_column(tables[0]) | {"sigmoid"}      # the sigmoid table's own title
    if op.accurate and op.kind == "unary" and op.name not in named:
        missing.append("README float32/float64 accuracy tables")
    if op.name not in _table_first_column(embedding):
        missing.append("docs/embedding.md signature table")
    return missing


@pytest.mark.parametrize("op", _ops.OPS, ids=OP_NAMES)
def test_every_op_is_in_every_docs_table(op):
    readme = (ROOT / "README.md").read_text()
    embedding = (ROOT / "docs" / "embedding.md").read_text()
    assert not _docs_missing(op, readme, embedding)


def test_the_docs_check_can_fail():
    """A README and embedding.md whose rows for silu are gone: every place is
    reported; table cells list several ops, with or without arguments."""
    assert _table_first_column("| `a(x)`, `b(x, y)` | z |\n|---|---|\n| c, d | e |") == \
        {"a", "b", "c", "d"}
    readme = (ROOT / "README.md").read_text()
    embedding = (ROOT / "docs" / "embedding.md").read_text()
    strip = lambda text: "\n".join(line for line in text.splitlines()
                                   if not (line.startswith("|") and "silu" in line.split("|")[1])
                                   and "fr.silu" not in line and "silu_(" not in line)
    assert _docs_missing(_ops.BY_NAME["silu"], strip(readme), strip(embedding)) == [
        "README API section", "README semantics table", "README long double accuracy table",
        "README float32/float64 accuracy tables", "docs/embedding.md signature table"]
