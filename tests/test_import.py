"""`import fastrelu` is light (issue 15): it imports none of its optional
partners, and their integration (bfloat16 loops, the threadpoolctl
controller) is set up whichever of the two is imported first.  Every test runs
a fresh interpreter on the fastrelu under test."""
import os
import subprocess
import sys
import tempfile
import textwrap

import fastrelu as fr

HEAVY = ("ml_dtypes", "numba", "torch", "dask", "threadpoolctl", "mpmath", "scipy")
BUDGET_MS = 60           # fastrelu's import time net of numpy's


def run_py(*parts, flags=(), env=None):
    """Run the code parts, one after the other, in a fresh interpreter that imports
    this fastrelu (not another install); env: variables to set (None: unset)."""
    here = os.path.dirname(os.path.dirname(os.path.abspath(fr.__file__)))
    path = [p for p in [here] + os.environ.get("PYTHONPATH", "").split(os.pathsep) if p]
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(path), **(env or {}))
    env = {k: v for k, v in env.items() if v is not None}
    code = "\n".join(textwrap.dedent(p) for p in parts)
    # which fastrelu ran is checked last: checking it first would change the import order
    code += f"\nimport fastrelu as _fr; assert _fr.__file__ == {fr.__file__!r}, _fr.__file__\n"
    r = subprocess.run([sys.executable, *flags, "-c", code], env=env, capture_output=True,
                       text=True, timeout=300, cwd=tempfile.gettempdir())
    assert r.returncode == 0, r.stderr
    return r


def test_import_imports_no_optional_partner():
    r = run_py("""
        import sys, fastrelu
        print(sorted(m for m in sys.modules if m.split('.')[0] in %r))
        """ % (HEAVY,))
    assert r.stdout.strip() == "[]"


BFLOAT16_CHECK = """
    import numpy as np
    bf16 = ml_dtypes.bfloat16
    assert fr._ufuncs.bfloat16_dtype() == np.dtype(bf16)
    x = np.array([-1, 2], bf16)
    y = fr.relu(x)
    assert y.dtype == bf16 and y.tolist() == [0, 2], y
    s = fr.sigmoid(x)
    assert s.dtype == bf16, s.dtype
    assert s.astype(np.float32).tolist() == [0.26953125, 0.87890625], s  # sigmoid(-1), (2) rounded
    z = x.copy()
    assert fr.relu_(z) is z and z.dtype == bf16 and z.tolist() == [0, 2], z
    assert fr.sigmoid_(x) is x and x.astype(np.float32).tolist() == [0.26953125, 0.87890625], x
    assert fr.relu_(np.array([-3, 4], bf16)[::-1]).tolist() == [4, 0]
    assert ml_dtypes.__loader__ is ml_dtypes.__spec__.loader
    assert type(ml_dtypes.__loader__).__name__ == "SourceFileLoader"      # its own, not the hook's
"""


def test_bfloat16_when_ml_dtypes_is_imported_first():
    run_py("import ml_dtypes\nimport fastrelu as fr", BFLOAT16_CHECK)


def test_bfloat16_when_ml_dtypes_is_imported_after():
    run_py("""
        import sys
        import fastrelu as fr
        assert "ml_dtypes" not in sys.modules and fr._ufuncs.bfloat16_dtype() is None
        import ml_dtypes
        """, BFLOAT16_CHECK)


def test_bfloat16_when_a_submodule_of_ml_dtypes_is_imported_after():
    run_py("""
        import fastrelu as fr
        from ml_dtypes import finfo
        import ml_dtypes
        """, BFLOAT16_CHECK)


THREADPOOL_CHECK = """
    import threadpoolctl
    ours = [i for i in threadpoolctl.threadpool_info() if i["internal_api"] == "fastrelu"]
    assert len(ours) == 1 and ours[0]["num_threads"] == fr.get_num_threads(), ours
    with threadpoolctl.threadpool_limits(1):
        assert fr.get_num_threads() == 1
"""


def test_threadpoolctl_sees_fastrelu_when_imported_first():
    run_py("import threadpoolctl\nimport fastrelu as fr", THREADPOOL_CHECK)


def test_threadpoolctl_sees_fastrelu_when_imported_after():
    run_py("""
        import sys
        import fastrelu as fr
        assert "threadpoolctl" not in sys.modules
        """, THREADPOOL_CHECK)


def test_the_hook_leaves_once_both_partners_are_imported():
    run_py("""
        import sys
        import fastrelu as fr
        from fastrelu import _import_hooks
        assert _import_hooks._finder in sys.meta_path
        import ml_dtypes
        assert _import_hooks._finder in sys.meta_path          # threadpoolctl still pending
        import threadpoolctl
        assert _import_hooks._finder not in sys.meta_path and not _import_hooks._pending
        """)


def test_a_failing_callback_warns_and_does_not_break_the_import():
    run_py("""
        import sys, warnings
        from fastrelu import _import_hooks
        def boom(module):
            raise RuntimeError("boom")
        _import_hooks.when_imported("colorsys", boom)
        with warnings.catch_warnings(record=True) as w:
            warnings.simplefilter("always")
            import colorsys
        assert colorsys.hsv_to_rgb(0, 0, 1) == (1, 1, 1)
        assert any("boom" in str(x.message) for x in w), w
        """)


def _import_ms(stderr):
    """fastrelu's cumulative -X importtime, less numpy's when fastrelu imported it (ms)."""
    rows = []                                   # (depth, name, cumulative us), in print order
    for line in stderr.splitlines():
        if not line.startswith("import time:") or "cumulative" in line:
            continue
        _, cumulative, name = line[len("import time:"):].split("|")
        rows.append(((len(name) - len(name.lstrip())) // 2, name.strip(), int(cumulative)))
    i = next(i for i, r in enumerate(rows) if r[1] == "fastrelu")
    depth, total = rows[i][0], rows[i][2]
    # a module prints after its children: fastrelu's subtree is the run of deeper rows before it
    j = i
    while j > 0 and rows[j - 1][0] > depth:
        j -= 1
    numpy = sum(us for _, name, us in rows[j:i] if name == "numpy")
    return (total - numpy) / 1e3


def test_import_time_net_of_numpy_is_within_budget(tmp_path):
    # Timed as installed, with bytecode cached (a first, untimed run writes it, under
    # tmp_path): compiling the sources, as a checkout with PYTHONDONTWRITEBYTECODE
    # does on every run, is no part of the budget.
    env = {"PYTHONPYCACHEPREFIX": str(tmp_path), "PYTHONDONTWRITEBYTECODE": None}
    # the importing thread's CPU time, numpy imported first: the suite runs beside
    # the numba warm-ups, which share the cores, and wall time would count their
    # load too (and the process's CPU time the OpenBLAS workers numpy just
    # started, which spin for a while: ~30 ms of it)
    run_py("import fastrelu", env=env)
    runs = [float(run_py(_TIMED_IMPORT, env=env).stdout.split()[0]) for _ in range(3)]
    if min(runs) >= BUDGET_MS:
        wall = _import_ms(run_py("import fastrelu", flags=("-X", "importtime"), env=env).stderr)
        pytest.fail(f"import fastrelu took {runs} ms of CPU over numpy (budget {BUDGET_MS}; "
                    f"-X importtime: {wall} ms)")


_TIMED_IMPORT = """
import time
import numpy
t = time.thread_time()
import fastrelu
print((time.thread_time() - t) * 1e3)
"""
