"""The benchmark tools run and report every row (no timing assertions).

Covers ``python -m fastrelu bench`` / ``info`` (fastrelu/_bench.py,
fastrelu/__main__.py), the asv suite (bench/benchmarks.py, run once per
benchmark at a tiny size) and asv.conf.json.
"""
import importlib.util
import itertools
import json
import math
import os
import re
import subprocess
import sys
from typing import NamedTuple
from pathlib import Path

import numpy as np
import pytest

import fastrelu
from fastrelu import _baselines, _bench, _bench_mixed, _dispatch, _ops

ROOT = Path(__file__).resolve().parents[1]
REGISTRY_OPS = list(dict.fromkeys(k.op for k in _dispatch.KERNELS))
BENCH_NAMES = [b.name for b in _bench.bench_ops()]
FUSED_ACTS = list(_bench.FUSED_ACTS)
STATS_OPS = ["relu", "sigmoid"]          # the ops with stats= (fastrelu.UnitStats)
MIXED_ACTS = [a for a in _bench_mixed.ACTS if a in REGISTRY_OPS]
ISSUE8_OPS = ["leaky_relu", "leaky_relu_backward", "silu", "silu_backward", "softplus",
              "log_sigmoid", "bias_relu", "bias_sigmoid", "bias_silu"]

try:
    import torch  # noqa: F401

    HAVE_TORCH = True
except Exception:
    HAVE_TORCH = False
HAVE_THREADPOOLCTL = importlib.util.find_spec("threadpoolctl") is not None


#: the tests check the tables' structure, not their numbers: a tenth of --quick's timing
SMOKE = ("--budget", "0.1")


def run_cli(*args, cwd):
    # cwd outside the source tree: `python -m` puts cwd first on sys.path; the
    # child imports the fastrelu this process imported (a checkout's in-place
    # build, not another install of it)
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(
        [str(Path(fastrelu.__file__).resolve().parents[1])]
        + [p for p in env.get("PYTHONPATH", "").split(os.pathsep) if p])
    return subprocess.run([sys.executable, "-m", "fastrelu", *args], cwd=cwd, env=env,
                          capture_output=True, text=True, timeout=900)


class Ran(NamedTuple):
    returncode: int
    stdout: str
    stderr: str


def run_bench(capsys, *args):
    """`fastrelu bench ARGS` in this process (test_info_calls_show_config and
    test_bench_cli_rejects_unknown_op run the real command)."""
    capsys.readouterr()
    code = _bench.main(list(args))
    out = capsys.readouterr()
    return Ran(code, out.out, out.err)


def finite_positive(v):
    return isinstance(v, (int, float)) and math.isfinite(v) and v > 0


# --------------------------------------------------------------------------
# python -m fastrelu bench / info
# --------------------------------------------------------------------------

def test_bench_cli_json_has_every_row(tmp_path, capsys):
    out = tmp_path / "bench.json"
    sizes = [1000, 3001]
    shapes = [(4, 256)]
    res = run_bench(capsys, "--quick", *SMOKE, "--sizes", *map(str, sizes), "--shapes", "4x256",
                    "--dtypes", "float32", "float64", "--json", str(out))
    assert res.returncode == 0, res.stderr
    data = json.loads(out.read_text())
    names = [b.name for b in _bench.bench_ops()]
    assert "sigmoid[exact]" in names
    got = {(r["op"], r["dtype"], r["size"]): r for r in data["rows"]}
    want = set(itertools.product(names, ["float32", "float64"], sizes))
    assert set(got) == want
    for key, r in got.items():
        for field in ("fastrelu_s", "roofline_s", "numpy_s", "gbps", "roofline_pct",
                      "speedup_numpy", "bytes"):
            assert finite_positive(r[field]), (key, field, r)
        if HAVE_TORCH:
            assert finite_positive(r["torch_s"]), (key, r)
            assert finite_positive(r["speedup_torch"]), (key, r)
        else:
            assert r["torch_s"] is None and r["speedup_torch"] is None
        assert r["threads"] == fastrelu.get_num_threads()
        assert r["bytes"] == (3 if "backward" in key[0] else 2) * key[2] * np.dtype(key[1]).itemsize
        assert math.prod(r["shape"]) == key[2]
        if r["base_op"].startswith("bias_"):
            assert len(r["shape"]) == 2
    # the fused table: every bias op x dtype x shape
    fused = {(r["act"], r["dtype"], tuple(r["shape"])): r for r in data["fused"]}
    assert set(fused) == set(itertools.product(FUSED_ACTS, ["float32", "float64"], shapes))
    for key, r in fused.items():
        assert r["op"] == "bias_" + key[0] and r["accuracy"] == "fast"
        for field in ("fastrelu_s", "single_s", "numpy_s", "fused_vs_single",
                      "speedup_numpy"):
            assert finite_positive(r[field]), (key, field, r)
        assert finite_positive(r["speedup_torch"]) == HAVE_TORCH, (key, r)
    # the statistics table: relu and sigmoid x dtype x shape
    stats = {(r["op"], r["dtype"], tuple(r["shape"])): r for r in data["stats"]}
    want_stats = set(itertools.product(["relu", "sigmoid"], ["float32", "float64"], shapes))
    assert set(stats) == want_stats
    for key, r in stats.items():
        for field in ("fastrelu_s", "fastrelu+stats_s", "numpy+stats_s", "speedup_numpy"):
            assert finite_positive(r[field]), (key, field, r)
        assert math.isfinite(r["stats_overhead_pct"]) and r["stats_overhead_pct"] > -100
        assert finite_positive(r["speedup_torch"]) == HAVE_TORCH, (key, r)
    # the mixed table: every activation x dtype x shape, the BLAS as it is
    mixed = {(r["act"], r["dtype"], tuple(r["shape"])): r for r in data["mixed"]}
    assert set(mixed) == set(itertools.product(MIXED_ACTS, ["float32", "float64"], shapes))
    assert all(r["blas_limit"] is None for r in data["mixed"])
    assert data["quick"] is True
    assert data["environment"]["numpy"] == np.__version__
    # the table: a header and one line per row
    lines = res.stdout.splitlines()
    assert any(re.match(r"^op\s+dtype\s+size\s+fastrelu\s+GB/s", l) for l in lines)
    for name in names:
        assert any(l.startswith(name + " ") for l in lines), name
    for act in FUSED_ACTS:
        assert any(re.match(rf"^bias_{act}_\s+float32\s+4x256\s", l) for l in lines), act
    assert any(l.startswith("relu_(x, stats=st) ") for l in lines)
    assert "[1/" in res.stderr  # progress


def test_bench_cli_subset_threads_no_torch(tmp_path, capsys):
    out = tmp_path / "b.json"
    res = run_bench(capsys, "--quick", *SMOKE, "--ops", "relu", "sigmoid[exact]",
                    "--dtypes", "float32", "--sizes", "2k", "--threads", "1", "--no-torch", "--no-progress",
                    "--json", str(out))
    assert res.returncode == 0, res.stderr
    rows = json.loads(out.read_text())["rows"]
    assert [(r["op"], r["size"], r["threads"]) for r in rows] == [
        ("relu", 2000, 1), ("sigmoid[exact]", 2000, 1)]
    assert all(r["torch_s"] is None for r in rows)
    assert rows[1]["accuracy"] == "exact"
    assert res.stderr == ""


def test_bench_cli_sections(tmp_path, capsys):
    out = tmp_path / "b.json"
    res = run_bench(capsys, "--quick", *SMOKE, "--sections", "fused", "stats",
                    "--dtypes", "float32", "--shapes", "3x128", "16x64", "--no-torch", "--no-progress",
                    "--json", str(out))
    assert res.returncode == 0, res.stderr
    data = json.loads(out.read_text())
    assert data["rows"] == []
    assert [(r["act"], r["shape"]) for r in data["fused"]] == [
        (a, s) for a in FUSED_ACTS for s in ([3, 128], [16, 64])]
    assert [(r["op"], r["shape"]) for r in data["stats"]] == [
        (o, s) for o in ("relu", "sigmoid") for s in ([3, 128], [16, 64])]
    assert all(r["torch_s"] is None for r in data["fused"])
    assert "fused/1 pass" in res.stdout and "with stats" in res.stdout
    assert not re.search(r"^relu\s+float32", res.stdout, flags=re.M)  # no ops table


def check_mixed_row(r):
    """The fields of one mixed row are there and consistent (no timing claim)."""
    for field in ("matmul_s", "fastrelu_s", "numpy_s", "vs_numpy"):
        assert finite_positive(r[field]), (field, r)
    assert r["vs_numpy"] == pytest.approx(r["fastrelu_s"] / r["numpy_s"])
    if r["torch_s"] is not None:
        assert finite_positive(r["torch_s"]) and finite_positive(r["torch_threads"])
        assert r["vs_torch"] == pytest.approx(r["fastrelu_s"] / r["torch_s"])
    else:
        assert r["vs_torch"] is None
    assert r["steps"] >= _bench_mixed.QUICK.min_steps
    assert r["threads"] == fastrelu.get_num_threads()
    assert "unavailable" not in r, r
    if r["blas_limit"] is not None:
        assert 1 <= r["blas_threads"] <= r["blas_limit"]


@pytest.mark.skipif(not MIXED_ACTS, reason="no relu/sigmoid/silu in this build")
@pytest.mark.skipif(not HAVE_THREADPOOLCTL, reason="--blas-threads needs threadpoolctl")
def test_bench_cli_mixed_section(tmp_path, capsys):
    """--sections mixed: one row per BLAS limit x dtype x shape x activation,
    and the table with its header."""
    out = tmp_path / "b.json"
    res = run_bench(capsys, "--quick", *SMOKE, "--sections", "mixed", "--dtypes", "float64",
                    "--shapes", "8x64", "32x128", "--blas-threads", "1", "2", "--no-progress",
                    "--json", str(out))
    assert res.returncode == 0, res.stderr
    data = json.loads(out.read_text())
    assert data["rows"] == data["fused"] == data["stats"] == []
    got = [(r["blas_limit"], r["dtype"], tuple(r["shape"]), r["act"]) for r in data["mixed"]]
    assert got == list(itertools.product([1, 2], ["float64"], [(8, 64), (32, 128)],
                                         MIXED_ACTS))
    for r in data["mixed"]:
        check_mixed_row(r)
        assert (r["torch_s"] is not None) == HAVE_TORCH
    assert "numpy matmul" not in data["environment"]["mixed_forms"]
    assert data["environment"]["mixed_forms"]["numpy relu"] == (
        "np.matmul(A, W, out=h); np.maximum(h, 0, out=h)")
    lines = res.stdout.splitlines()
    assert any(re.match(r"^mixed\s+dtype\s+rows x units\s+BLAS thr\s+matmul alone\s+"
                        r"fastrelu\s+numpy\s+fr/numpy", l) for l in lines)
    assert any(l.startswith("BLAS: ") and "fastrelu" in l for l in lines)
    for act in MIXED_ACTS:
        assert any(re.match(rf"^{act}_\s+float64\s+32x128\s+1\s", l) for l in lines), act
    assert not re.search(r"^relu\s+float32", res.stdout, flags=re.M)  # no ops table


@pytest.mark.skipif(not MIXED_ACTS, reason="no relu/sigmoid/silu in this build")
def test_bench_mixed_quick_defaults(tmp_path, capsys):
    """--quick: float32 only, the BLAS's own threads; --ops picks the activations."""
    out = tmp_path / "b.json"
    assert _bench.main(["--quick", *SMOKE, "--sections", "mixed", "--ops", "relu",
                        "--shapes", "16x32", "--no-torch", "--no-progress", "--json", str(out)]) == 0
    (r,) = json.loads(out.read_text())["mixed"]
    assert (r["act"], r["dtype"], r["shape"], r["blas_limit"]) == ("relu", "float32",
                                                                  [16, 32], None)
    check_mixed_row(r)
    assert r["torch_s"] is None and r["torch_threads"] is None
    assert "fr/numpy" in capsys.readouterr().out


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_mixed_steps_compute_the_activation(dtype):
    """Every step form is its matmul, then the activation of h in place."""
    case = _bench_mixed.MixedCase(dtype, (16, 64))
    assert case.W.shape == (64, 64) and case.h.shape == (16, 64)
    pre = np.matmul(case.A, case.W)
    assert 0.3 < pre.std() < 3  # W scaled by 1/sqrt(units): h about N(0, 1)
    rtol = 1e-12 if dtype == "float64" else 1e-5
    for (impl, act), (form, _) in _bench_mixed.ACT_FORMS.items():
        if act is not None and act not in REGISTRY_OPS:
            continue
        try:
            step = case.step(impl, act)
        except ImportError:
            assert impl == "torch" and not HAVE_TORCH
            continue
        case.h.fill(np.nan)
        with np.errstate(all="ignore"):
            step()
        want = pre if act is None else getattr(fastrelu, act)(pre)
        np.testing.assert_allclose(case.h, want, rtol=rtol, atol=rtol,
                                   err_msg=f"{impl} {act}: {form}")
    assert [c[1] for c in _bench_mixed.cells(["relu"], _bench_mixed.IMPLS)] == list(
        _bench_mixed.IMPLS)
    assert _bench_mixed.cells(["relu", "silu"], ["fastrelu"]) == [("relu", "fastrelu"),
                                                                  ("silu", "fastrelu")]


def test_bench_cli_isa_variant(tmp_path, capsys):
    isa = _dispatch.available_isas()[-1]
    out = tmp_path / "b.json"
    res = run_bench(capsys, "--quick", *SMOKE, "--ops", "relu_backward", "--dtypes", "float64",
                    "--sizes", "1000", "--isa", isa, "--no-torch", "--json", str(out))
    assert res.returncode == 0, res.stderr
    (row,) = json.loads(out.read_text())["rows"]
    assert row["isa"] == isa and finite_positive(row["fastrelu_s"])


def test_bench_cli_rejects_unknown_op(tmp_path):
    res = run_cli("bench", "--ops", "no_such_op", cwd=tmp_path)
    assert res.returncode == 2
    assert "unknown op" in res.stderr


@pytest.mark.parametrize("budget", ["0", "-1", "nan"])
def test_bench_rejects_a_budget_not_above_zero(budget, capsys):
    assert _bench.main(["--quick", "--budget", budget, "--ops", "relu", "--no-torch",
                        "--no-progress"]) == 2
    assert "--budget must be > 0" in capsys.readouterr().err


def test_info_calls_show_config(tmp_path):
    res = run_cli("info", cwd=tmp_path)
    assert res.returncode == 0, res.stderr
    assert "fastrelu" in res.stdout and fastrelu.__version__ in res.stdout


def test_bench_plot(tmp_path):
    pytest.importorskip("matplotlib")
    png = tmp_path / "speedup.png"
    assert _bench.main(["--quick", *SMOKE, "--ops", "relu", "sigmoid", "--dtypes", "float32",
                        "--sizes", "1000", "4000", "--no-torch", "--no-progress",
                        "--plot", str(png)]) == 0
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


@pytest.mark.parametrize("text, n", [("1000", 1000), ("64k", 64000), ("16M", 16_000_000),
                                     ("1e6", 1_000_000), ("65_536", 65536)])
def test_parse_size(text, n):
    assert _bench.parse_size(text) == n


def test_parse_shape():
    assert _bench.parse_shape("4096x1024") == (4096, 1024)
    assert _bench.parse_shape("4kx1k") == (4000, 1000)
    with pytest.raises(ValueError):
        _bench.parse_shape("4096")


@pytest.mark.parametrize("size, units", [(1000, 1000), (65536, 1024), (1_000_000, 1000),
                                         (16_000_000, 1024), (3001, 3001), (4096, 1024),
                                         (6, 6)])
def test_bias_ops_take_rows_by_units(size, units):
    assert _bench.bias_units(size) == units
    assert _bench.shape_for("bias_relu", size) == (size // units, units)
    assert _bench.shape_for("relu", size) == (size,)


def test_quick_plan():
    """--quick: the core ops at every quick size, the others' fast rows at one."""
    for b in _bench.bench_ops():
        sizes = _bench.quick_sizes(b)
        if b.op in ("relu", "sigmoid", "relu_backward", "sigmoid_backward"):
            assert sizes == _bench.QUICK_SIZES
        else:
            assert sizes == (_bench.QUICK_EXTRA_SIZES if b.accuracy == "fast" else ())


def test_issue8_ops_are_known():
    """Every op of issue 8 is in the registry and benchmarked, with its data,
    numpy and torch forms; every fused activation has its bias op."""
    for op in ISSUE8_OPS:
        assert op in REGISTRY_OPS and op in BENCH_NAMES
        assert op in _bench.ARITY and op in _bench.NUMPY_FORMS and op in _bench.TORCH_FORMS
    assert _bench.ARITY["silu_backward"] == 2 and _bench.ARITY["leaky_relu_backward"] == 2
    assert _bench.EXTRA["leaky_relu"] == ("alpha",)
    assert _bench.EXTRA["bias_silu"] == ("bias",)
    assert {"bias_" + a for a in FUSED_ACTS} <= set(REGISTRY_OPS) and FUSED_ACTS


def test_make_inputs_extras():
    bop = _bench.BenchOp("leaky_relu_backward", "leaky_relu_backward", "fast", 2)
    g, x, a = _bench.make_inputs(bop, "float32", 100)
    assert g.shape == x.shape == (100,) and a == _bench.ALPHA
    bop = _bench.BenchOp("bias_silu", "bias_silu", "fast", 1)
    x, b = _bench.make_inputs(bop, "float64", 4096)
    assert x.shape == (4, 1024) and b.shape == (1024,) and b.dtype == np.float64
    x2, b2 = _bench.make_inputs(bop, "float64", 4096, shape=(64, 64))
    assert x2.shape == (64, 64) and b2.shape == (64,)
    np.testing.assert_array_equal(x2.ravel(), x.ravel())  # same data, any shape
    with pytest.raises(ValueError):
        _bench.make_inputs(bop, "float64", 4096, shape=(3, 64))


def test_every_registry_op_is_benchmarked():
    ops = {b.op for b in _bench.bench_ops()}
    assert set(REGISTRY_OPS) <= ops
    for op in REGISTRY_OPS:
        rows = [k for k in _dispatch.KERNELS if k.op == op]
        has_exact = any(b.name == op + "[exact]" for b in _bench.bench_ops())
        assert has_exact == _bench.exact_differs(rows, op)


def test_every_op_has_a_baseline_row():
    """One row per op of the table, its operands matching the op's arguments."""
    assert list(_ops.BASELINES) == [op.name for op in _ops.OPS]
    for op in _ops.OPS:
        row = _ops.BASELINES[op.name]
        assert len(row.data) + len(row.extra) == len(op.args), op.name
        assert set(row.data) <= set(_baselines.DATA_KINDS)
        assert set(row.extra) <= {"alpha", "bias"}
        assert row.numpy.text and row.torch.text
        assert _bench.NUMPY_FORMS[op.name] == row.numpy.text
    for act in _baselines.FUSED_ACTS:
        assert "bias_" + act in _ops.BASELINES
    assert {op.counts for op in _ops.OPS} - {None} <= set(_baselines.COUNTS)


@pytest.mark.parametrize("op", [o for o, r in _ops.BASELINES.items() if r.fixed_point])
def test_fixed_point_inputs_are_fixed(op):
    """asv repeats these in-place ops without restoring: after fixed_point, the
    op changes nothing (and the input still has both signs)."""
    bop = _bench.BenchOp(op, op, "fast", _bench.ARITY[op])
    ins = _bench.make_inputs(bop, "float32", 4096)
    _ops.BASELINES[op].fixed_point(*ins[:bop.nargs])
    before = ins[0].copy()
    getattr(fastrelu, op + "_")(*ins)
    np.testing.assert_array_equal(ins[0], before)
    assert (before > 0).any() and (before == 0).any()


@pytest.mark.parametrize("bop", _bench.bench_ops(), ids=lambda b: b.name)
@pytest.mark.parametrize("impl", ["numpy", "torch", "numba"])
@pytest.mark.parametrize("inplace", [True, False], ids=["inplace", "out"])
def test_baselines_compute_the_op(bop, impl, inplace):
    """The baselines do the same work as fastrelu (same result, loosely)."""
    ins = _bench.make_inputs(bop, "float64", 257 if not bop.op.startswith("bias_") else 514)
    args = tuple(a.copy() if isinstance(a, np.ndarray) else a for a in ins)
    out = None if inplace else np.empty_like(args[0])
    if impl == "torch":
        if not HAVE_TORCH:
            pytest.skip("torch not installed")
        call = _bench.torch_call(bop.op, args, out)
    elif impl == "numba":
        if importlib.util.find_spec("numba") is None:
            pytest.skip("numba not installed")
        if bop.accuracy == "exact":
            pytest.skip("one naive loop per op")
        before = args[0].copy()
        call = _bench.numba_call(bop.op, args, out)   # compiles and runs it once
        np.copyto(args[0], before)
    else:
        call = _bench.numpy_call(bop.op, args, out)
    with np.errstate(all="ignore"):
        call()
    with fastrelu.accuracy(bop.accuracy):
        want = getattr(fastrelu, bop.op)(*ins)
    got = args[0] if inplace else out
    # torch's gelu is the same function as 0.5 x (1 + erf(x / sqrt 2)), whose
    # 1 + erf cancels for x << 0: rounding-level accuracy there is absolute
    # (~1e-16 of the largest value), not relative
    atol = 1e-15 * np.abs(want).max() if impl == "torch" and bop.op.startswith("gelu") else 0
    np.testing.assert_allclose(got, want, rtol=1e-12, atol=atol)
    if not inplace:  # inputs untouched
        np.testing.assert_array_equal(args[0], ins[0])


def _fresh(case):
    case.restore(0)
    return case.bufs[0]


@pytest.mark.parametrize("act", FUSED_ACTS)
@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_fused_section_computes_the_ops(act, dtype):
    """fused = act(x + b); single = act(x) alone; the two-pass forms = act(x + b)."""
    case = _bench.Case(_bench.get_op("bias_" + act), dtype, 8 * 64, slots=1, shape=(8, 64))
    x0, b = case.src, case.rest[0]
    assert x0.shape == (8, 64) and b.shape == (64,)
    act_f = getattr(fastrelu, act)
    with np.errstate(all="ignore"):
        want_fused = act_f(np.add(x0, b))
        for impl in ["fastrelu", "numpy"] + (["torch"] if HAVE_TORCH else []):
            call = _bench.bind(impl, case, 0)
            _fresh(case)
            call()
            rtol = 1e-12 if dtype == "float64" else 1e-5  # the kernels' tests pin bits
            np.testing.assert_allclose(case.bufs[0], want_fused, rtol=rtol, atol=1e-300,
                                       err_msg=impl)
        call = _bench.bind("single", case, 0)
        _fresh(case)
        call()
        np.testing.assert_array_equal(case.bufs[0], act_f(x0))
    assert _bench.FUSED_IMPLS == ("fastrelu", "single", "numpy", "torch")
    with pytest.raises(_bench.Unavailable):
        _bench.bind("single", _bench.Case(_bench.get_op("relu"), dtype, 64), 0)


@pytest.mark.parametrize("op", STATS_OPS)
@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_stats_section_counts_alike(op, dtype):
    """fastrelu+stats counts what the numpy and torch forms count, per unit."""
    case = _bench.Case(_bench.get_op(op), dtype, 16 * 32, slots=1, shape=(16, 32))
    x0 = case.src
    with np.errstate(all="ignore"):
        y = getattr(fastrelu, op)(x0)
        want = ((y == 0) if op == "relu" else (y * (1 - y) < _bench.STATS_EPS)).sum(axis=0)
        call = _bench.bind("fastrelu+stats", case, 0)
        st = case.unit_stats()
        _fresh(case)
        call()
        np.testing.assert_array_equal(case.bufs[0], y)
        np.testing.assert_array_equal(st.counts, want)
        assert st.rows == 16
        assert 0 < want.sum() < y.size  # the data exercises the count
        for impl in ["numpy+stats"] + (["torch+stats"] if HAVE_TORCH else []):
            call = _bench.bind(impl, case, 0)
            _fresh(case)
            got = call()
            np.testing.assert_array_equal(np.asarray(got), want, err_msg=impl)
            np.testing.assert_allclose(case.bufs[0], y, rtol=1e-6 if dtype == "float32"
                                       else 1e-12, err_msg=impl)


def test_time_call_restores_inputs():
    """Every timed call starts from the saved input."""
    case = _bench.Case(_bench.get_op("sigmoid"), "float32", 1000)
    seen = []

    def make(k):
        def call():
            seen.append(case.bufs[k].copy())
            fastrelu.sigmoid_(case.bufs[k])
        return call

    t = _bench.time_call(case, [make(k) for k in range(len(case.bufs))],
                         _bench.Settings(0.0, 3, 3))
    assert t.number >= 1 and t.repeats == 3 and t.seconds > 0
    for s in seen:
        np.testing.assert_array_equal(s, case.src)


# --------------------------------------------------------------------------
# the asv suite
# --------------------------------------------------------------------------

@pytest.fixture(scope="module")
def asvbench():
    """The asv module with its full grid (FASTRELU_ASV_FULL=1), so every
    implementation is checked once."""
    os.environ["FASTRELU_ASV_FULL"] = "1"
    path = ROOT / "bench" / "benchmarks.py"
    if not path.exists():
        pytest.skip("no bench/ beside the tests (installed package only)")
    # the name asv gives it: numba's on-disk cache records the defining module
    name = "bench.benchmarks"
    if name in sys.modules:
        return sys.modules[name]
    spec = importlib.util.spec_from_file_location(name, path)
    mod = importlib.util.module_from_spec(spec)
    sys.modules[name] = mod
    try:
        spec.loader.exec_module(mod)
    except BaseException:
        del sys.modules[name]
        raise
    return mod


def _small(cls, size):
    """Parameter sets of an asv class with the size axis cut to ``size``."""
    names = cls.param_names
    params = [([size] if n == "size" else p) for n, p in zip(names, cls.params)]
    return list(itertools.product(*params))


def test_asv_conf():
    text = (ROOT / "asv.conf.json").read_text()
    conf = json.loads(re.sub(r"^\s*//.*$", "", text, flags=re.M))
    assert conf["version"] == 1 and conf["repo"] == "." and conf["branches"] == ["main"]
    assert conf["environment_type"] == "virtualenv" and conf["benchmark_dir"] == "bench"
    assert any("{build_cache_dir}" in c for c in conf["build_command"])
    assert all(conf[k].startswith(".asv/") for k in ("results_dir", "html_dir", "env_dir"))


def test_asv_families_cover_the_registry(asvbench):
    fams = {cls.op: cls for cls in asvbench.FAMILIES}
    assert set(REGISTRY_OPS) <= set(fams)
    for op, cls in fams.items():
        assert cls.param_names == ["op", "dtype", "size", "impl"]
        assert cls.params[0] == [op, op + "_"]
        impls = cls.params[3]
        variants = {k.isa for k in _dispatch.KERNELS if k.op == op and k.backend == "cython"}
        for isa in variants | {"numba"}:
            assert f"fastrelu@{isa}" in impls
        assert {"fastrelu", "numpy", "numba", "torch", "roofline"} <= set(impls)
        assert cls.params[2] == [1000, 65536, 1_000_000, 16_000_000]
        # [exact] twins (from Op.accurate) exactly where the registry has exact kernels
        rows = [k for k in _dispatch.KERNELS if k.op == op]
        assert ("fastrelu[exact]" in impls) == _bench.exact_differs(rows, op), op
    assert asvbench.bench_names() == BENCH_NAMES


_IMPORT_SUITE = """
import json, sys
sys.path.insert(0, {root!r})
import bench.benchmarks as b
print(json.dumps({{"fastrelu": sorted(m for m in sys.modules if m.startswith("fastrelu")),
                  "ratios": b.Ratios.params, "relu": b.Relu.params,
                  "memory": b.InPlaceMemory.params}}))
"""


def test_asv_suite_imports_without_fastrelu(tmp_path):
    """asv's fork server imports the suite, then forks a child per benchmark:
    the suite must not import the fastrelu package (a child of a process that
    imported it runs serially), and its parameters, read from the plain-data
    modules, are those of the registry."""
    env = dict(os.environ, FASTRELU_ASV_FULL="0")
    env["PYTHONPATH"] = os.pathsep.join(
        [str(Path(fastrelu.__file__).resolve().parents[1])]
        + [p for p in env.get("PYTHONPATH", "").split(os.pathsep) if p])
    r = subprocess.run([sys.executable, "-c", _IMPORT_SUITE.format(root=str(ROOT))],
                       cwd=tmp_path, env=env, capture_output=True, text=True, timeout=300)
    assert r.returncode == 0, r.stderr
    got = json.loads(r.stdout)
    assert got["fastrelu"] == []
    assert got["ratios"][0] == BENCH_NAMES
    assert got["relu"] == [["relu_"], ["float32", "float64"], [1000, 65536, 16_000_000],
                           ["fastrelu", "numpy", "torch", "roofline"]]
    assert got["memory"][0] == [op + "_" for op in REGISTRY_OPS]


def test_asv_conf_forkserver():
    text = (ROOT / "asv.conf.json").read_text()
    conf = json.loads(re.sub(r"^\s*//.*$", "", text, flags=re.M))
    assert conf["launch_method"] == "forkserver"


# one asv family per op of the table, named for it (relu_backward: ReluBackward)
FAMILY_NAMES = ["".join(w.capitalize() for w in op.name.split("_")) for op in _ops.OPS]


def test_asv_family_names(asvbench):
    assert [c.__name__ for c in asvbench.FAMILIES] == FAMILY_NAMES


@pytest.mark.numba          # fastrelu@numba and the naive numba loops
@pytest.mark.parametrize("family", FAMILY_NAMES)
def test_asv_time_benchmarks_run_once(asvbench, family):
    cls = getattr(asvbench, family)
    assert cls.op in REGISTRY_OPS
    ran, skipped = [], []
    bench = cls()
    for params in _small(cls, 1000):
        try:
            bench.setup(*params)
        except NotImplementedError:
            skipped.append(params)
            continue
        try:
            bench.time_op(*params)
            bench.teardown(*params)
            bench.setup(*params)  # asv re-runs setup between calls: restores the input
            before = bench._call  # same bound call, no re-allocation
            bench.time_op(*params)
            assert bench._call is before
        finally:
            bench.teardown(*params)
        ran.append(params)
    impls_ran = {p[3] for p in ran}
    assert {"fastrelu", "numpy", "roofline"} <= impls_ran
    assert all(f"fastrelu@{isa}" in impls_ran for isa in _dispatch.available_isas())
    if HAVE_TORCH:
        assert "torch" in impls_ran
    # only unavailable ISAs (numba: when the backend lacks the op), out-of-place
    # roofline and missing optional packages skip
    for p in skipped:
        name, isa, _ = asvbench.parse_impl(p[3])
        assert (isa and isa not in _dispatch.available_isas()) or name in (
            "numba", "torch") or (name == "roofline" and not p[0].endswith("_")), p
    if importlib.util.find_spec("numba") is not None:
        assert "numba" in impls_ran  # the naive loop of every op compiles


def test_asv_inplace_restores_between_calls(asvbench):
    """sigmoid_ is not idempotent: setup must restore its input before every call."""
    b = asvbench.Sigmoid()
    params = ("sigmoid_", "float64", 1000, "fastrelu")
    b.setup(*params)
    try:
        b.time_op(*params)
        first = b._call.args[0].copy()
    finally:
        b.teardown(*params)
    b.setup(*params)
    try:
        b.time_op(*params)
        np.testing.assert_array_equal(b._call.args[0], first)
    finally:
        b.teardown(*params)


def test_asv_track_benchmarks(asvbench, monkeypatch):
    monkeypatch.setattr(asvbench, "RATIO_SIZES", [1000])
    monkeypatch.setattr(asvbench, "RATIO_SETTINGS", _bench.Settings(0.0, 1, 1))
    rows = asvbench._ratios_cache()
    b = asvbench.Ratios()
    tracks = [n for n in dir(b) if n.startswith("track_")]
    assert {"track_speedup_vs_numpy", "track_gbps", "track_roofline_pct"} <= set(tracks)
    for params in _small(asvbench.Ratios, 1000):
        for name in tracks:
            try:
                v = getattr(b, name)(rows, *params)
            except asvbench.SkipNotImplemented:
                assert name == "track_speedup_vs_torch" and not HAVE_TORCH
                continue
            assert finite_positive(v), (name, params, v)


def _run_once(bench, timer, p, shape):
    """setup, one timed call on a case of `shape`, teardown; False when setup
    says the parameter set does not apply here (NotImplementedError)."""
    try:
        bench.setup(*p)
    except NotImplementedError:
        return False
    try:
        getattr(bench, timer)(*p)
        assert bench._case.shape == shape
    finally:
        bench.teardown(*p)
    return True


@pytest.mark.parametrize("cls_name", ["FusedBias", "UnitStatsOverhead"])
def test_asv_sections_run_once(asvbench, cls_name):
    cls = getattr(asvbench, cls_name)
    bench = cls()
    timer = next(n for n in dir(cls) if n.startswith("time_"))
    names = cls.param_names
    params = [(["8x64"] if n == "shape" else p) for n, p in zip(names, cls.params)]
    ran, skipped = [], []
    for p in itertools.product(*params):
        if not _run_once(bench, timer, p, (8, 64)):
            skipped.append(p)
            continue
        bench.setup(*p)  # restores the input before every call
        try:
            np.testing.assert_array_equal(bench._case.bufs[0], bench._case.src)
        finally:
            bench.teardown(*p)
        ran.append(p)
    available = FUSED_ACTS if cls_name == "FusedBias" else STATS_OPS
    assert {p[0] for p in ran} == set(available)
    for p in skipped:
        assert p[0] not in available or (p[3].startswith("torch") and not HAVE_TORCH), p


def test_asv_section_tracks(asvbench, monkeypatch):
    monkeypatch.setattr(asvbench, "SHAPES", ["8x64"])
    monkeypatch.setattr(asvbench, "RATIO_SETTINGS", _bench.Settings(0.0, 1, 1))
    for cls, cache, want in ((asvbench.FusedRatios, asvbench._fused_cache, FUSED_ACTS),
                             (asvbench.StatsRatios, asvbench._stats_cache, STATS_OPS)):
        rows = cache()
        assert {k[0] for k in rows} == set(want)
        b = cls()
        tracks = [n for n in dir(b) if n.startswith("track_")]
        assert len(tracks) == 3
        for p in itertools.product(*[(["8x64"] if n == "shape" else v)
                                     for n, v in zip(cls.param_names, cls.params)]):
            for name in tracks:
                try:
                    v = getattr(b, name)(rows, *p)
                except asvbench.SkipNotImplemented:
                    assert p[0] not in want or (name == "track_speedup_vs_torch"
                                                and not HAVE_TORCH), (name, p)
                    continue
                assert finite_positive(v), (name, p, v)


def test_asv_mixed_loop_runs_once(asvbench):
    cls = asvbench.MixedBlasLoop
    assert cls.param_names == ["activation", "rows", "impl"]
    assert cls.params[1] == [512, 4096]
    bench = cls()
    ran, skipped = [], []
    for act, impl in itertools.product(cls.params[0], cls.params[2]):
        p = (act, 16, impl)
        if _run_once(bench, "time_mixed_loop", p, (16, asvbench.MIXED_UNITS)):
            ran.append(p)
        else:
            skipped.append(p)
    for act in MIXED_ACTS:
        assert {(act, 16, "fastrelu"), (act, 16, "numpy")} <= set(ran)
        assert ((act, 16, "torch") in ran) == HAVE_TORCH
    assert [p for p in ran if p[2] == "matmul"] == [(_bench_mixed.ACTS[0], 16, "matmul")]
    for p in skipped:
        assert p[2] == "matmul" or p[0] not in MIXED_ACTS or (
            p[2] == "torch" and not HAVE_TORCH), p


def test_asv_mixed_ratios(asvbench, monkeypatch):
    monkeypatch.setattr(asvbench, "MIXED_ROWS", [8])
    monkeypatch.setattr(asvbench, "MIXED_SETTINGS", _bench_mixed.Settings(0.0, 2, 0.0, 1, 1))
    cache = asvbench._mixed_cache()
    assert set(cache) == {(a, 8) for a in _bench_mixed.ACTS}
    b = asvbench.MixedRatios()
    for act in MIXED_ACTS:
        assert finite_positive(b.track_step_vs_numpy(cache, act, 8))
        if HAVE_TORCH:
            assert finite_positive(b.track_step_vs_torch(cache, act, 8))
        else:
            with pytest.raises(asvbench.SkipNotImplemented):
                b.track_step_vs_torch(cache, act, 8)


def test_asv_peakmem_benchmarks_run(asvbench):
    """Every parameter set sets up and runs (only torch may be missing)."""
    b = asvbench.InPlaceMemory()
    b.size = 4096
    ran = 0
    for params in asvbench.all_param_sets(asvbench.InPlaceMemory):
        try:
            b.setup(*params)
        except NotImplementedError:
            assert params[2] == "torch" and not HAVE_TORCH
            continue
        try:
            b.peakmem_inplace(*params)
            b.track_added_rss_mib(*params)
        finally:
            b.teardown(*params)
        ran += 1
    every = asvbench.all_param_sets(asvbench.InPlaceMemory)
    assert ran == sum(HAVE_TORCH or p[2] != "torch" for p in every)


_ADDED_RSS_PROBE = """
import os, sys
# Linux keeps ru_maxrss across exec, so this process starts at the peak of the
# one that spawned it (pytest); a forked child starts at its own size
pid = os.fork()
if pid:
    sys.exit(os.waitstatus_to_exitcode(os.waitpid(pid, 0)[1]))
import importlib.util
import numpy as np
spec = importlib.util.spec_from_file_location("bench.benchmarks", {path!r})
mod = importlib.util.module_from_spec(spec)
sys.modules["bench.benchmarks"] = mod
spec.loader.exec_module(mod)
b = mod.InPlaceMemory()
b.size = 1 << 22                                  # 32 MiB of float64
x = np.ones(b.size)
b.setup("sigmoid_", "float64", "fastrelu")
in_place = b.track_added_rss_mib("sigmoid_", "float64", "fastrelu")
kept = b._call                                    # (its arrays stay allocated)
b._call = lambda: np.exp(x)                       # a call that makes a 32 MiB temporary
temporary = b.track_added_rss_mib("sigmoid_", "float64", "fastrelu")
b.teardown("sigmoid_", "float64", "fastrelu")
print(in_place, temporary)
"""


def test_asv_added_rss_measures_temporaries(tmp_path):
    """track_added_rss_mib (in a fresh process, whose peak is the arrays): about
    0 for fastrelu's in-place call, the array's size for a call that allocates
    a temporary like it."""
    code = _ADDED_RSS_PROBE.format(path=str(ROOT / "bench" / "benchmarks.py"))
    r = subprocess.run([sys.executable, "-c", code], cwd=tmp_path, capture_output=True,
                       text=True, timeout=300)
    assert r.returncode == 0, r.stderr
    in_place, temporary = map(float, r.stdout.split())
    assert in_place < 4, in_place
    assert 28 < temporary < 40, temporary
