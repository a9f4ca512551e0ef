"""The kernel table and its knobs: ISA ladder, accuracy, threads, fork, explain."""
import io
import os
import subprocess
import tempfile
import sys
import threading

import numpy as np
import pytest

import fastrelu as fr
from fastrelu import _dispatch, _ufuncs


def run_py(code, **env):
    e = dict(os.environ, **env)
    return subprocess.run([sys.executable, "-c", code], env=e, capture_output=True, cwd=tempfile.gettempdir(),
                          text=True, timeout=120)


def test_registry_rows_have_names_that_say_what_they_are():
    names = {k.name for k in _dispatch.KERNELS}
    assert len(names) == len(_dispatch.KERNELS)
    for k in _dispatch.KERNELS:
        short = {"float32": "f32", "float64": "f64"}.get(k.dtype, k.dtype.replace("int", "i"))
        assert k.name.startswith(short + "_") and k.name.endswith("__" + k.isa)
    for isa, _ in _dispatch.ISA_LEVELS:                   # every level has every slot
        assert {(k.op, k.dtype, k.accuracy) for k in _dispatch.KERNELS if k.isa == isa} == \
               {(k.op, k.dtype, k.accuracy) for k in _dispatch.KERNELS if k.isa == "baseline"}


@pytest.mark.ladder
def test_ladder_picks_best_available_level():
    """At import every slot of both modes took the best level this CPU has and
    FASTRELU_DISABLE_CPU_FEATURES leaves (CI runs this under each cap)."""
    best = _dispatch.available_isas()[0]
    required = dict(_dispatch.ISA_LEVELS)
    off = _dispatch.disabled_cpu_features()
    assert not set(required[best]) & off
    names = [isa for isa, _ in _dispatch.ISA_LEVELS]              # best first
    for isa in names[:names.index(best)]:       # a better level: the CPU lacks it or it is off
        assert any(not _dispatch._ufuncs.cpu_has(f) or f in off for f in required[isa]), isa
    for k in _dispatch.KERNELS:
        if k.isa == best:
            for mode in ("fast", "exact") if k.accuracy is None else (k.accuracy,):
                assert _dispatch.chosen_kernel(k.op, k.dtype, mode).isa == best, (k.name, mode)
    if _dispatch.cpu_features().get("AVX2") and "AVX2" not in off:
        assert best in ("avx2", "avx512f")


@pytest.mark.ladder
def test_use_isa_really_switches_kernels():
    for isa in _dispatch.available_isas():
        with _dispatch.use_isa(isa):
            assert fr.explain("relu", np.ones(10, np.float32)).isa == isa
            assert _dispatch.chosen_kernel("relu", "float32").name == f"f32_relu__{isa}"
    with pytest.raises(ValueError):
        with _dispatch.use_isa("no-such-isa"):
            pass


@pytest.mark.ladder
def test_disable_cpu_features_env_caps_the_level():
    r = run_py("from fastrelu import _dispatch as d; print(d.available_isas()[0]);"
               "print(d.chosen_kernel('sigmoid','float64').name)",
               FASTRELU_DISABLE_CPU_FEATURES="AVX512F,AVX2")
    assert r.returncode == 0, r.stderr
    assert r.stdout.split() == ["baseline", "f64_sigmoid_fast__baseline"]


def test_accuracy_modes_and_context():
    assert fr.get_accuracy() == "fast"
    with fr.accuracy("exact"):
        assert fr.get_accuracy() == "exact"
        assert fr.explain("sigmoid", np.ones(4)).kernel.startswith("f64_sigmoid_exact")
    assert fr.get_accuracy() == "fast"
    with pytest.raises(ValueError, match="accuracy"):
        fr.set_accuracy("sloppy")
    with pytest.raises(ValueError):
        with fr.accuracy("medium"):
            pass
    fr.set_accuracy("exact")
    try:
        assert fr.get_accuracy() == "exact"
    finally:
        fr.set_accuracy("fast")


def test_accuracy_context_is_thread_local():
    seen = {}
    inside = threading.Event()
    release = threading.Event()

    def other():
        inside.wait(5)
        seen["other"] = fr.get_accuracy()
        release.set()

    t = threading.Thread(target=other)
    t.start()
    with fr.accuracy("exact"):
        inside.set()
        release.wait(5)
        seen["main"] = fr.get_accuracy()
    t.join()
    assert seen == {"main": "exact", "other": "fast"}


def test_accuracy_env():
    r = run_py("import fastrelu as fr; print(fr.get_accuracy())", FASTRELU_ACCURACY="exact")
    assert r.stdout.strip() == "exact", r.stderr


def test_threads_knob_and_env():
    prev = fr.get_num_threads()
    try:
        fr.set_num_threads(1)
        assert fr.get_num_threads() == 1
        assert fr.explain("relu", np.ones(2**20, np.float32)).threads == 1
        for bad in (0, -1, 1.5, "2", True):
            with pytest.raises(ValueError):
                fr.set_num_threads(bad)
    finally:
        fr.set_num_threads(prev)
    r = run_py("import fastrelu as fr; print(fr.get_num_threads())", FASTRELU_NUM_THREADS="1")
    assert r.stdout.strip() == "1", r.stderr


def test_small_work_stays_on_calling_thread():
    if not _dispatch._ufuncs.have_threads() or fr.get_num_threads() < 2:
        pytest.skip("needs a build with threads and 2 threads")
    threshold = _dispatch._ufuncs.get_parallel_min("relu")
    assert fr.explain("relu", np.ones(threshold - 1, np.float32)).threads == 1
    assert fr.explain("relu", np.ones(threshold, np.float32)).threads == fr.get_num_threads()
    # strided calls run in blocks, an element weighing 2 min(step, 64) / itemsize
    # (x[::2]: 4), and in more than one chunk (16384 elements) only
    f32, nt = np.float32, fr.get_num_threads()
    assert fr.explain("relu", np.ones((threshold // 4, 2), f32)[:, 0]).threads == nt
    assert fr.explain("relu", np.ones((threshold // 4 - 1, 2), f32)[:, 0]).threads == 1
    assert fr.explain("relu", np.ones((16385, 16), f32)[:, 0]).threads == nt
    assert fr.explain("relu", np.ones((16384, 16), f32)[:, 0]).threads == 1
    # the threshold counts float32-sized elements: float64 from half as many
    half = threshold // 2
    assert fr.explain("relu", np.ones(half, np.float64)).threads == nt
    assert fr.explain("relu", np.ones(half - 1, np.float64)).threads == 1
    assert fr.explain("relu", np.ones((half // 4, 2))[:, 0]).threads == nt
    assert fr.explain("relu", np.ones((half // 4 - 1, 2))[:, 0]).threads == 1
    assert fr.explain("relu", np.ones(4 * threshold - 4, np.int8)).threads == 1
    assert fr.explain("relu", np.ones(4 * threshold, np.int8)).threads == fr.get_num_threads()


def test_explain_and_show_config():
    e = fr.explain("sigmoid", np.ones(10, np.float32))
    assert e.op == "sigmoid" and e.dtype == "float32" and e.backend == "cython"
    assert e.kernel.startswith("f32_sigmoid_fast__") and "threshold" in e.why
    assert "f32_sigmoid_fast" in str(e)
    assert fr.explain("sigmoid", np.ones(3, np.int16)).dtype == "float32"
    assert fr.explain("relu", np.ones(3, np.float16)).path.startswith("float16")
    with pytest.raises(ValueError):
        fr.explain("tanh", np.ones(3))
    buf = io.StringIO()
    fr.show_config(file=buf)
    text = buf.getvalue()
    for needle in ("fastrelu " + fr.__version__, "cpu features", "compiled ISA levels",
                   "accuracy", "threads", "f32_relu__"):
        assert needle in text


def test_import_is_light():
    r = run_py("import sys, fastrelu; bad = [m for m in ('numba', 'torch', 'mpmath', 'scipy')"
               " if m in sys.modules]; print(bad)")
    assert r.stdout.strip() == "[]", r.stderr


@pytest.mark.skipif(not hasattr(os, "fork"), reason="needs fork")
def test_fork_child_runs_every_op_without_hanging():
    code = """
import os, sys, numpy as np, fastrelu as fr
x = np.linspace(-5, 5, 2**21).astype(np.float32)
fr.set_num_threads(2)
fr.sigmoid(x); fr.relu(x)              # the parent's pool threads now exist
pid = os.fork()
if pid == 0:
    y = fr.sigmoid(x); g = fr.relu_backward(x, x); fr.sigmoid_backward_(g, y); fr.relu_(x)
    ok = fr.explain('relu', x).threads == 1 and np.isfinite(y).all()
    os._exit(0 if ok else 3)
_, status = os.waitpid(pid, 0)
if os.waitstatus_to_exitcode(status):
    sys.exit(os.waitstatus_to_exitcode(status))
import multiprocessing as mp
def work(i):
    return float(fr.sigmoid(x)[i]), fr.explain('sigmoid', x).threads
with mp.get_context('fork').Pool(2) as pool:
    res = pool.map(work, [0, 2**20])
assert res[0][1] == res[1][1] == 1 and res[1][0] == float(fr.sigmoid(x)[2**20]), res
"""
    r = run_py(code)
    assert r.returncode == 0, r.stderr


@pytest.mark.skipif(not hasattr(os, "fork") or not _ufuncs.have_threads(),
                    reason="needs fork and a threaded build")
def test_child_forked_before_the_pool_started_keeps_its_threads():
    code = """
import os, sys, numpy as np, fastrelu as fr
from fastrelu import _ufuncs
fr.set_num_threads(2)
assert _ufuncs.pool_workers() == 0      # no threaded call yet: no worker
x = np.linspace(-5, 5, 2**21).astype(np.float32)
want = fr.sigmoid(x[:1000])
pid = os.fork()
if pid == 0:
    ok = fr.explain('sigmoid', x).threads == 2 and not _ufuncs.is_serial_only()
    y = fr.sigmoid(x)
    ok = ok and _ufuncs.pool_workers() == 1 and np.array_equal(y[:1000], want)
    os._exit(0 if ok else 3)
_, status = os.waitpid(pid, 0)
sys.exit(os.waitstatus_to_exitcode(status))
"""
    r = run_py(code)
    assert r.returncode == 0, r.stderr


def test_threadpoolctl_sees_and_limits_the_pool():
    threadpoolctl = pytest.importorskip("threadpoolctl")
    ours = [i for i in threadpoolctl.threadpool_info() if i["internal_api"] == "fastrelu"]
    assert len(ours) == 1 and ours[0]["num_threads"] == fr.get_num_threads()
    before = fr.get_num_threads()
    with threadpoolctl.threadpool_limits(1):
        assert fr.get_num_threads() == 1
        assert fr.explain("relu", np.ones(2**20, np.float32)).threads == 1
    assert fr.get_num_threads() == before


@pytest.mark.parametrize("name", ["cython", "numpy"])
def test_backend_override_is_used_and_thread_local(name):
    x = np.linspace(-3, 3, 1001).astype(np.float32)
    seen = {}

    def other():
        seen["other"] = fr.explain("sigmoid", x).backend

    with _dispatch.backend(name):
        assert fr.explain("sigmoid", x).backend == name
        assert fr.explain("relu", np.ones(3, np.int8)).backend == "cython"   # int relu: cython
        t = threading.Thread(target=other)
        t.start()
        t.join()
        y = fr.sigmoid(x)
    assert seen["other"] == "cython" and fr.explain("sigmoid", x).backend == "cython"
    from twins import check
    check("sigmoid", "float32", fr.get_accuracy(), y, [x])     # the twin, whichever backend ran
    with pytest.raises(ValueError):
        with _dispatch.backend("cuda"):
            pass


def test_numpy_backend_runs_the_numpy_formula(monkeypatch):
    """Observable: the numpy backend really calls the numpy formula."""
    from fastrelu import _ufuncs
    calls = []
    orig = _ufuncs.numpy_formulas["relu"]
    monkeypatch.setitem(_ufuncs.numpy_formulas, "relu",
                        lambda *a, out: (calls.append(out.size), orig(*a, out=out)))
    with _dispatch.backend("numpy"):
        fr.relu(np.ones(10))
    assert calls == [10]


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_numpy_backend_hands_the_loops_memory_to_the_twins(dtype):
    """backend("numpy") runs the slow twins themselves, so its values prove
    nothing about the math; what it adds is the hook between the ufunc loops
    and the twins (operands as arrays of the right shape, a fused op's bias row
    or none, counts, the caller's FP flags kept).  Every op, on the contiguous
    and blocked strided paths, and the fused in-place forms with counts: the
    twins' bits."""
    from fastrelu import _slow
    from layouts import BLOCK, layouts, values
    from twins import call, same_bits
    for op in _dispatch.OPS:
        nin = getattr(fr, op).nin
        for n in (0, 1, 17, BLOCK + 1, _dispatch._ufuncs.get_parallel_min(op) + 1):
            args = [values(dtype, n, seed=n + k) for k in range(nin)]
            for per_arg in zip(*(layouts(a) for a in args)):
                arrays = [v for _, v in per_arg]
                with _dispatch.backend("numpy"):
                    got = call(op, *arrays)
                with np.errstate(all="ignore"):
                    want = _slow.SLOW[op](*arrays)
                same_bits(got, want)
    rng = np.random.default_rng(3)
    x = (rng.standard_normal((64, 33)) * 4).astype(dtype)
    b = rng.standard_normal(33).astype(dtype)
    for act in ("relu", "sigmoid", "silu"):
        want = _slow.SLOW["bias_" + act](x, b)
        for bias in (b, None):
            y = x.copy()
            st = fr.UnitStats(eps=1e-3) if act != "silu" else None
            with _dispatch.backend("numpy"):
                kw = {"stats": st} if st is not None else {}   # silu counts nothing
                if bias is None:
                    getattr(fr, act + "_")(y, **kw)
                else:
                    getattr(fr, "bias_" + act + "_")(y, bias, **kw)
            same_bits(y, want if bias is not None else _slow.SLOW[act](x))
            if st is not None:
                np.testing.assert_array_equal(st.counts, _slow.unit_counts(act, y, 1e-3))
                assert st.rows == 64 and 0 < st.counts.sum() < y.size
