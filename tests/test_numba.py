"""The Numba backend (fastrelu._numba) and the njit API (fastrelu.numba).

The backend's semantics are pinned by tests/test_kernels.py, which runs with
the `isa` fixture set to "numba" too (conftest.py); here: its registry rows,
bit-identity with the C kernels, use inside a user's @njit function, the lazy
import and the cache fallback for a read-only site-packages.
"""
import os
import subprocess
import sys
import textwrap

import numpy as np
import pytest

numba = pytest.importorskip("numba")

import fastrelu as fr                                        # noqa: E402
from fastrelu import _dispatch, _slow                        # noqa: E402
from layouts import special_values, values                   # noqa: E402

OPS = ("relu", "sigmoid", "relu_backward", "sigmoid_backward")
DTYPES = ("float32", "float64")
N = 10**6


def same_bits(a, b):
    """Identical bits, NaN payloads aside (DESIGN: payload not required)."""
    a, b = np.asarray(a), np.asarray(b)
    assert a.dtype == b.dtype and a.shape == b.shape
    nan = np.isnan(a)
    np.testing.assert_array_equal(nan, np.isnan(b))
    u = f"u{a.itemsize}"
    diff = np.flatnonzero((a.view(u) != b.view(u)) & ~nan)
    assert diff.size == 0, f"{diff.size} differ, first at {diff[:5]}"


@pytest.fixture(scope="module")
def inputs():
    """~10^6+ values per dtype: specials, a spread over binades, a dense sweep of
    sigmoid's range incl. subnormal outputs, and random bit patterns."""
    rng = np.random.default_rng(7)
    out = {}
    for dt, lo, hi, ut in (("float32", -110, 30, np.uint32), ("float64", -760, 40, np.uint64)):
        x = np.concatenate([values(dt, N, seed=1), np.linspace(lo, hi, N // 4, dtype=dt),
                            rng.integers(0, np.iinfo(ut).max, N // 4, dtype=ut).view(dt)])
        y = values(dt, x.size, seed=2)
        out[dt] = (x, y)
    return out


def fast_twin_isa():
    """The C ISA level whose fast kernels the numba ones match bit for bit: an
    FMA level when numba's target has FMA (as scalar.h's FR_MA), else baseline."""
    from fastrelu import _numba
    if not _numba.FAST_FMA:
        return "baseline"
    req = dict(_dispatch.ISA_LEVELS)
    fma = [isa for isa in _dispatch.available_isas() if "FMA" in req[isa]]
    if not fma:
        pytest.skip("numba targets FMA but no C level with FMA is available")
    return fma[0]


def run(op, args, *, backend=None, isa=None, mode="fast"):
    uf = getattr(fr, op)
    with fr.accuracy(mode):
        if isa is not None:
            with _dispatch.use_isa(isa), _dispatch.backend("cython"):
                return uf(*args)
        with _dispatch.backend(backend):
            return uf(*args)


# ---- the registry -----------------------------------------------------------
def test_cfunc_rows_complete():
    from fastrelu import _numba
    rows = _numba.cfunc_rows()
    want = {(op, dt, acc) for dt in DTYPES
            for op, acc in (("relu", None), ("relu_backward", None), ("sigmoid_backward", None),
                            ("sigmoid", "fast"), ("sigmoid", "exact"))}
    assert {(op, dt, acc) for op, dt, acc, _, _ in rows} == want
    assert len(rows) == len(want)
    for op, dt, acc, name, addr in rows:
        assert name.endswith("__numba") and name.startswith({"float32": "f32_", "float64": "f64_"}[dt])
        assert isinstance(addr, int) and addr


@pytest.mark.parametrize("mode", ("fast", "exact"))
@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("op", OPS)
def test_backend_installs_numba_kernels(op, dtype, mode):
    with _dispatch.backend("numba"), fr.accuracy(mode):
        k = _dispatch.chosen_kernel(op, dtype)
        assert k.backend == "numba" and k.name.endswith("__numba")
        assert fr.explain(op, np.zeros(3, dtype)).backend == "numba"
    assert _dispatch.chosen_kernel(op, dtype, mode).backend == "cython"   # outside: untouched


# ---- bit-identity with the C kernels -----------------------------------------
@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("op", OPS)
def test_fast_mode_bit_identical_to_c_same_fma_level(inputs, op, dtype):
    """Same expressions, FMA where the C level has it: that C kernel, bit for bit."""
    x, y = inputs[dtype]
    args = (x,) if op in ("relu", "sigmoid") else (x, y)
    same_bits(run(op, args, backend="numba"), run(op, args, isa=fast_twin_isa()))


def test_fast_mode_without_fma_bit_identical_to_c_baseline(tmp_path):
    """NUMBA_CPU_NAME=generic (no FMA, SSE2): the baseline C kernels' bits."""
    env = dict(os.environ, NUMBA_CPU_NAME="generic")
    env.pop("NUMBA_CPU_FEATURES", None)
    r = _python(f"""
        import sys; sys.path.insert(0, {os.path.dirname(__file__)!r})
        import numpy as np, fastrelu as fr
        from fastrelu import _dispatch, _numba
        from layouts import values
        assert not _numba.FAST_FMA
        for dt in ("float32", "float64"):
            x, y = values(dt, {N}, seed=1), values(dt, {N}, seed=2)
            for op in ("relu", "sigmoid", "relu_backward", "sigmoid_backward"):
                uf = getattr(fr, op); args = (x,) if uf.nin == 1 else (x, y)
                with _dispatch.backend("numba"):
                    got = uf(*args)
                with _dispatch.use_isa("baseline"), _dispatch.backend("cython"):
                    want = uf(*args)
                nan = np.isnan(got)
                assert (nan == np.isnan(want)).all(), (op, dt)
                u = "u%d" % got.itemsize
                assert (got.view(u) == want.view(u))[~nan].all(), (op, dt)
        print("OK")
        """, env=env, cwd=tmp_path)
    assert r.returncode == 0 and "OK" in r.stdout, r.stderr


@pytest.mark.parametrize("isa", _dispatch.available_isas())
@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("op", OPS)
def test_exact_mode_bit_identical_to_every_c_level(inputs, op, dtype, isa):
    x, y = inputs[dtype]
    args = (x,) if op in ("relu", "sigmoid") else (x, y)
    same_bits(run(op, args, backend="numba", mode="exact"), run(op, args, isa=isa, mode="exact"))


@pytest.mark.parametrize("dtype", DTYPES)
def test_in_place_and_threads(inputs, dtype):
    """out aliasing the input, and the numba kernels on worker threads."""
    x, y = inputs[dtype]
    ref = run("sigmoid", (x,), isa=fast_twin_isa())
    prev = fr.get_num_threads()
    try:
        for threads in (1, 2):
            fr.set_num_threads(threads)
            for op, args, want in (("sigmoid_", (x.copy(),), ref),
                                   ("relu_backward_", (x.copy(), y),
                                    run("relu_backward", (x, y), isa=fast_twin_isa()))):
                with _dispatch.backend("numba"):
                    got = getattr(fr, op)(*args)
                assert got is args[0]
                same_bits(got, want)
    finally:
        fr.set_num_threads(prev)


# ---- fastrelu.numba inside a user's @njit function ---------------------------
@pytest.fixture(scope="module")
def frn():
    from fastrelu import numba as frn
    return frn


@pytest.fixture(scope="module")
def user_funcs(frn):
    @numba.njit
    def scalar_loop(x, out, exact):
        for i in range(x.size):
            out[i] = frn.sigmoid_exact(x[i]) if exact else frn.sigmoid(x[i])

    @numba.njit
    def forward_backward(x, g):
        h = x + x
        a = frn.relu(h)
        s = frn.sigmoid(h)
        frn.relu_backward_(g, h)
        return a, s, g, frn.sigmoid_backward(g, s)

    @numba.njit
    def in_place(x):
        frn.sigmoid_(x)
        return x

    return scalar_loop, forward_backward, in_place


@pytest.mark.parametrize("dtype", DTYPES)
def test_njit_api_scalar_loop_bit_identical(user_funcs, inputs, dtype):
    scalar_loop = user_funcs[0]
    x = inputs[dtype][0][:200_000]
    out = np.empty_like(x)
    for exact, want in ((False, run("sigmoid", (x,), isa=fast_twin_isa())),
                        (True, run("sigmoid", (x,), isa="baseline", mode="exact"))):
        scalar_loop(x, out, exact)
        same_bits(out, want)


@pytest.mark.parametrize("dtype", DTYPES)
def test_njit_api_arrays_inside_njit(user_funcs, dtype):
    forward_backward = user_funcs[1]
    x = values(dtype, 4099, seed=3)
    g = values(dtype, 4099, seed=4)
    g0 = g.copy()
    a, s, g1, gs = forward_backward(x, g)
    with np.errstate(over="ignore"):         # values() holds finfo.max
        h = x + x
    with _dispatch.use_isa(fast_twin_isa()):
        same_bits(a, fr.relu(h))
        same_bits(s, fr.sigmoid(h))
        same_bits(g1, fr.relu_backward(g0, h))
        same_bits(gs, fr.sigmoid_backward(g1, s))
    assert np.shares_memory(g1, g)                          # written into g


@pytest.mark.parametrize("dtype", DTYPES)
def test_njit_api_layouts_and_semantics(frn, user_funcs, dtype):
    in_place = user_funcs[2]
    base = values(dtype, 24 * 10, seed=5).reshape(24, 10)
    with _dispatch.use_isa(fast_twin_isa()):
        for view in (base.copy(), np.asfortranarray(base), base.copy()[::2, ::3], base.copy()[::-1]):
            ref = fr.sigmoid(view)
            same_bits(frn.sigmoid(view), ref)                 # new array
            got = in_place(view)
            assert got is view
            same_bits(view, ref)
    T = np.dtype(dtype).type
    sp = special_values(dtype)
    same_bits(frn.relu(sp), _slow.relu(sp))
    assert not np.signbit(frn.relu(T(-0.0)))
    assert frn.sigmoid(T(np.inf)) == 1 and frn.sigmoid(T(-np.inf)) == 0
    assert np.isnan(frn.sigmoid(T(np.nan))) and np.isnan(frn.relu(T(np.nan)))
    assert frn.relu_backward(T(5), T(0)) == 0 and np.isnan(frn.relu_backward(T(5), T(np.nan)))
    y = np.linspace(-103, -88, 1001, dtype=np.float32)
    assert (frn.sigmoid(y) > 0).all() and (frn.sigmoid_exact(y) > 0).all()


def test_njit_api_errors(frn):
    with pytest.raises(numba.core.errors.TypingError, match="float32/float64"):
        frn.relu(np.arange(3))
    with pytest.raises(numba.core.errors.TypingError, match="same dtype"):
        frn.relu_backward(np.ones(3), np.ones(3, np.float32))
    with pytest.raises(ValueError, match="same shape"):
        frn.sigmoid_backward_(np.ones(3), np.ones(4))
    ro = np.ones(3)
    ro.flags.writeable = False
    with pytest.raises(numba.core.errors.TypingError, match="read-only"):
        frn.relu_(ro)


# ---- import and cache ---------------------------------------------------------
def _python(code, env=None, cwd=None):
    return subprocess.run([sys.executable, "-c", textwrap.dedent(code)], env=env, cwd=cwd,
                          capture_output=True, text=True, timeout=600)


def test_import_fastrelu_does_not_import_numba(tmp_path):
    r = _python("""
        import sys, numpy as np, fastrelu as fr
        fr.sigmoid(np.ones(3)); fr.show_config(file=open("/dev/null", "w"))
        assert "numba" not in sys.modules, "fastrelu imported numba"
        assert "fastrelu._numba" not in sys.modules
        """, cwd=tmp_path)
    assert r.returncode == 0, r.stderr


# Run in a fresh process: the package dir is made unwritable (really, when not
# root; as root, where permissions do not stop writes, by refusing numba's
# in-tree locator for it), NUMBA_CACHE_DIR unset, HOME/XDG_CACHE_HOME in tmp.
_CACHE_PROBE = """
    import os, sys, warnings
    import numba.core.caching as c
    import fastrelu, numpy as np
    pkg = os.path.dirname(fastrelu.__file__)
    refuse = {refuse!r}
    for name in refuse:
        cls = getattr(c, name)
        orig = cls.from_function.__func__
        def from_function(cls, py_func, py_file, _orig=orig):
            if os.path.dirname(os.path.abspath(py_file)) == pkg:
                return None              # as if this location were not writable
            return _orig(cls, py_func, py_file)
        cls.from_function = classmethod(from_function)
    with warnings.catch_warnings(record=True) as w:
        warnings.simplefilter("always")
        from fastrelu import _dispatch, _numba
        with _dispatch.backend("numba"):
            x = np.linspace(-5, 5, 101)
            assert np.allclose(fastrelu.sigmoid(x), 1 / (1 + np.exp(-x)))
    print("HITS", sum(k.cache_hits for k in _numba._compiled.values()), len(_numba._compiled))
    print("WARN", any("cache" in str(m.message) for m in w))
"""


def _cache_env(tmp_path):
    env = {k: v for k, v in os.environ.items() if not k.startswith("NUMBA_CACHE")}
    env["HOME"] = str(tmp_path / "home")
    env["XDG_CACHE_HOME"] = str(tmp_path / "xdg")
    return env


def _readonly_package(tmp_path):
    """A read-only copy of the installed package; None if read-only means
    nothing here (root)."""
    import shutil
    src = os.path.dirname(fr.__file__)
    dst = tmp_path / "site" / "fastrelu"
    shutil.copytree(src, dst, ignore=shutil.ignore_patterns("__pycache__"))
    for root, dirs, files in os.walk(dst):
        for name in dirs + files:
            os.chmod(os.path.join(root, name), 0o555)
        os.chmod(root, 0o555)
    if os.access(dst, os.W_OK):                  # root: permissions do not apply
        return None
    return str(dst.parent)


def test_cache_falls_back_to_user_dir_when_package_read_only(tmp_path):
    env = _cache_env(tmp_path)
    site = _readonly_package(tmp_path)
    if site is not None:
        env["PYTHONPATH"] = site + os.pathsep + env.get("PYTHONPATH", "")
        refuse = []
    else:
        refuse = ["InTreeCacheLocator"]
    code = _CACHE_PROBE.format(refuse=refuse)
    first = _python(code, env=env, cwd=tmp_path)
    assert first.returncode == 0, first.stderr
    assert "HITS 0 10" in first.stdout and "WARN False" in first.stdout, first.stdout
    cached = [f for _, _, fs in os.walk(tmp_path / "xdg" / "numba") for f in fs]
    assert any(f.startswith("_numba.") and f.endswith(".nbi") for f in cached), cached
    second = _python(code, env=env, cwd=tmp_path)     # loads every kernel from the cache
    assert second.returncode == 0, second.stderr
    assert "HITS 10 10" in second.stdout, second.stdout


def test_no_writable_cache_dir_compiles_uncached(tmp_path):
    env = _cache_env(tmp_path)
    code = _CACHE_PROBE.format(refuse=["InTreeCacheLocator", "UserWideCacheLocator"])
    r = _python(code, env=env, cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    assert "HITS 0 10" in r.stdout and "WARN True" in r.stdout, r.stdout
