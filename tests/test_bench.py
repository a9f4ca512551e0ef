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
from pathlib import Path

import numpy as np
import pytest

import fastrelu
from fastrelu import _bench, _dispatch

ROOT = Path(__file__).resolve().parents[1]
REGISTRY_OPS = list(dict.fromkeys(k.op for k in _dispatch.KERNELS))

try:
    import torch  # noqa: F401

    HAVE_TORCH = True
except Exception:
    HAVE_TORCH = False


def run_cli(*args, cwd):
    # cwd outside the source tree: `python -m` puts cwd first on sys.path
    return subprocess.run([sys.executable, "-m", "fastrelu", *args], cwd=cwd,
                          capture_output=True, text=True, timeout=900)


def finite_positive(v):
    return isinstance(v, (int, float)) and math.isfinite(v) and v > 0


# --------------------------------------------------------------------------
# python -m fastrelu bench / info
# --------------------------------------------------------------------------

def test_bench_cli_json_has_every_row(tmp_path):
    out = tmp_path / "bench.json"
    sizes = [1000, 3001]
    res = run_cli("bench", "--quick", "--sizes", *map(str, sizes),
                  "--dtypes", "float32", "float64", "--json", str(out), cwd=tmp_path)
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
    assert data["quick"] is True
    assert data["environment"]["numpy"] == np.__version__
    # the table: a header and one line per row
    lines = res.stdout.splitlines()
    assert any(re.match(r"^op\s+dtype\s+size\s+fastrelu\s+GB/s", l) for l in lines)
    for name in names:
        assert any(l.startswith(name + " ") for l in lines), name
    assert "[1/" in res.stderr  # progress


def test_bench_cli_subset_threads_no_torch(tmp_path):
    out = tmp_path / "b.json"
    res = run_cli("bench", "--quick", "--ops", "relu", "sigmoid[exact]", "--dtypes", "float32",
                  "--sizes", "2k", "--threads", "1", "--no-torch", "--no-progress",
                  "--json", str(out), cwd=tmp_path)
    assert res.returncode == 0, res.stderr
    rows = json.loads(out.read_text())["rows"]
    assert [(r["op"], r["size"], r["threads"]) for r in rows] == [
        ("relu", 2000, 1), ("sigmoid[exact]", 2000, 1)]
    assert all(r["torch_s"] is None for r in rows)
    assert rows[1]["accuracy"] == "exact"
    assert res.stderr == ""


def test_bench_cli_isa_variant(tmp_path):
    isa = _dispatch.available_isas()[-1]
    out = tmp_path / "b.json"
    res = run_cli("bench", "--quick", "--ops", "relu_backward", "--dtypes", "float64",
                  "--sizes", "1000", "--isa", isa, "--no-torch", "--json", str(out),
                  cwd=tmp_path)
    assert res.returncode == 0, res.stderr
    (row,) = json.loads(out.read_text())["rows"]
    assert row["isa"] == isa and finite_positive(row["fastrelu_s"])


def test_bench_cli_rejects_unknown_op(tmp_path):
    res = run_cli("bench", "--ops", "gelu", cwd=tmp_path)
    assert res.returncode == 2
    assert "unknown op" in res.stderr


def test_info_calls_show_config(tmp_path):
    res = run_cli("info", cwd=tmp_path)
    assert res.returncode == 0, res.stderr
    assert "fastrelu" in res.stdout and fastrelu.__version__ in res.stdout


def test_bench_plot(tmp_path):
    pytest.importorskip("matplotlib")
    png = tmp_path / "speedup.png"
    assert _bench.main(["--quick", "--ops", "relu", "sigmoid", "--dtypes", "float32",
                        "--sizes", "1000", "4000", "--no-torch", "--no-progress",
                        "--plot", str(png)]) == 0
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


@pytest.mark.parametrize("text, n", [("1000", 1000), ("64k", 64000), ("16M", 16_000_000),
                                     ("1e6", 1_000_000), ("65_536", 65536)])
def test_parse_size(text, n):
    assert _bench.parse_size(text) == n


def test_every_registry_op_is_benchmarked():
    ops = {b.op for b in _bench.bench_ops()}
    assert set(REGISTRY_OPS) <= ops
    for op in REGISTRY_OPS:
        rows = [k for k in _dispatch.KERNELS if k.op == op]
        has_exact = any(b.name == op + "[exact]" for b in _bench.bench_ops())
        assert has_exact == _bench.exact_differs(rows, op)


@pytest.mark.parametrize("bop", _bench.bench_ops(), ids=lambda b: b.name)
@pytest.mark.parametrize("impl", ["numpy", "torch"])
@pytest.mark.parametrize("inplace", [True, False], ids=["inplace", "out"])
def test_baselines_compute_the_op(bop, impl, inplace):
    """The baselines do the same work as fastrelu (same result, loosely)."""
    ins = _bench.make_inputs(bop, "float64", 257)
    args = tuple(a.copy() for a in ins)
    out = None if inplace else np.empty_like(args[0])
    if impl == "torch":
        if not HAVE_TORCH:
            pytest.skip("torch not installed")
        call = _bench.torch_call(bop.op, args, out)
    else:
        call = _bench.numpy_call(bop.op, args, out)
    with np.errstate(all="ignore"):
        call()
    with fastrelu.accuracy(bop.accuracy):
        want = getattr(fastrelu, bop.op)(*ins)
    got = args[0] if inplace else out
    np.testing.assert_allclose(got, want, rtol=1e-12, atol=0)
    if not inplace:  # inputs untouched
        np.testing.assert_array_equal(args[0], ins[0])


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


@pytest.mark.parametrize("family", ["Relu", "Sigmoid", "ReluBackward", "SigmoidBackward"])
def test_asv_time_benchmarks_run_once(asvbench, family):
    cls = getattr(asvbench, family)
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
    # only unavailable ISAs, out-of-place roofline and missing optional packages skip
    for p in skipped:
        name, isa, _ = asvbench.parse_impl(p[3])
        assert (isa and isa not in _dispatch.available_isas()) or name in (
            "numba", "torch") or (name == "roofline" and not p[0].endswith("_")), p


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


def test_asv_peakmem_benchmarks(asvbench):
    b = asvbench.InPlaceMemory()
    b.size = 4096
    for params in asvbench.all_param_sets(asvbench.InPlaceMemory):
        try:
            b.setup(*params)
        except NotImplementedError:
            assert params[2] == "torch" and not HAVE_TORCH
            continue
        try:
            b.peakmem_inplace(*params)
            assert b.track_added_rss_mib(*params) >= 0
        finally:
            b.teardown(*params)
