"""The Numba backend (fastrelu._numba) and the njit API (fastrelu.numba).

The backend's semantics are pinned by tests/test_kernels.py and
tests/test_activations.py, which run with the `isa` fixture set to "numba" too
(conftest.py); here: its registry rows (one per C row of a float dtype),
bit-identity of every op with the C kernels (fast mode: the level of the same
FMA-ness; exact mode, which never fuses: every level), the
fused kernels' bias/count cases, use inside a user's @njit functions (numba_user.py), the lazy
import and the cache fallback for a read-only site-packages.
"""
import os
import pathlib
import re
import subprocess
import sys
import textwrap

from pathlib import Path

import numpy as np
import pytest

numba = pytest.importorskip("numba")

import fastrelu as fr                                        # noqa: E402
import numba_user as user                                    # noqa: E402
from fastrelu import _dispatch, _slow                        # noqa: E402
from layouts import special_values, values                   # noqa: E402

OPS = _dispatch.OPS                                          # every registry op
PACKAGE = pathlib.Path(fr.__file__).resolve().parent
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
    assert diff.size == 0, (f"{diff.size} differ, first at {diff[:5]}: "
                            f"{a.flat[diff[:3]]} vs {b.flat[diff[:3]]}")


@pytest.fixture(scope="module")
def inputs():
    """~10^6+ values per dtype: specials, a spread over binades, a dense sweep of
    sigmoid's range incl. subnormal outputs, and random bit patterns; y and
    alpha (specials, zeros, both signs) of the same size."""
    rng = np.random.default_rng(7)
    out = {}
    for dt, lo, hi, ut in (("float32", -110, 30, np.uint32), ("float64", -760, 40, np.uint64)):
        x = np.concatenate([values(dt, N, seed=1), np.linspace(lo, hi, N // 4, dtype=dt),
                            rng.integers(0, np.iinfo(ut).max, N // 4, dtype=ut).view(dt)])
        y = values(dt, x.size, seed=2)
        alpha = values(dt, x.size, seed=3)
        alpha[::5] = 0
        out[dt] = (x, y, alpha)
    return out


def op_args(op, x, y, alpha):
    """The operands of an op's ufunc: x spans the interesting range."""
    return {"leaky_relu": (x, alpha), "silu_backward": (y, x),
            "leaky_relu_backward": (y, x, alpha)}.get(op, (x, y)[:getattr(fr, op).nin])


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


# Ops whose fast kernels at the avx2/avx512f levels are intrinsics
# (kernels.c's UNARY/BINARY/FUSED_SIMD rows, kernels/sigmoid_*.h): fast-mode
# bits differ between ISA levels and backends there, so no C level with FMA
# is numba's bit-identical twin for them (the baseline level still is, without
# FMA: test_fast_mode_without_fma_bit_identical_to_c_baseline).
def simd_fast_rows():
    """{op: dtypes} of the fast kernels the avx2/avx512f levels write with
    intrinsics with bits of their own (twins.intrinsic_ops)."""
    from twins import intrinsic_ops
    out = {}
    for op, dtype in intrinsic_ops("fast", other_bits=True):
        out.setdefault(op, set()).add(dtype)
    return out


SIMD_FAST = simd_fast_rows()


def test_simd_fast_lists_the_simd_rows():
    """the rows the skips below read are there (a regex gone stale would skip nothing)"""
    assert SIMD_FAST["sigmoid"] == {"float32", "float64"}
    assert SIMD_FAST["gelu"] == {"float32"}
    assert SIMD_FAST["silu_backward"] == {"float32", "float64"}
    assert set(SIMD_FAST) == {"sigmoid", "silu", "softplus", "log_sigmoid", "bias_sigmoid",
                              "bias_silu", "silu_backward", "gelu", "gelu_backward"}


def simd_fast(op, dtype="float32"):
    return np.dtype(dtype).name in SIMD_FAST.get(op.rstrip("_"), ())


def twin_isa(op, mode="fast", dtype="float32"):
    """fast_twin_isa() where its kernel for op is numba's bit-identical twin, else skip."""
    isa = fast_twin_isa()
    if mode == "fast" and simd_fast(op, dtype) and isa != "baseline":
        pytest.skip(f"{op}'s fast {dtype} kernels at {isa} are intrinsics: other bits than numba's")
    return isa


def run(op, args, *, backend=None, isa=None, mode="fast"):
    uf = getattr(fr, op)
    with fr.accuracy(mode), np.errstate(all="ignore"):     # x + b, alpha * x may overflow
        if isa is not None:
            with _dispatch.use_isa(isa), _dispatch.backend("cython"):
                return uf(*args)
        with _dispatch.backend(backend):
            return uf(*args)


# ---- the registry -----------------------------------------------------------
def test_cfunc_rows_mirror_the_c_registry():
    """One numba row per C row of a float dtype: same op, dtype, accuracy split
    and name (f32_silu_bwd__avx2 -> f32_silu_bwd__numba)."""
    from fastrelu import _numba
    rows = _numba.cfunc_rows()
    c_rows = {(k.op, k.dtype, k.accuracy, k.name.rsplit("__", 1)[0]) for k in _dispatch.KERNELS
              if k.backend == "cython" and k.isa == "baseline" and k.dtype in DTYPES}
    assert {(op, dt, acc, name.rsplit("__", 1)[0]) for op, dt, acc, name, _ in rows} == c_rows
    assert len(rows) == len(c_rows)
    assert {op for op, *_ in rows} == set(OPS)
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
    args = op_args(op, *inputs[dtype])
    same_bits(run(op, args, backend="numba"), run(op, args, isa=twin_isa(op, dtype=dtype)))


@pytest.mark.ci_only
@pytest.mark.numba_user        # the warm-up compiles its kernels (numba_user.compile_no_fma)
def test_fast_mode_without_fma_bit_identical_to_c_baseline(tmp_path):
    """NUMBA_CPU_NAME=generic (no FMA, SSE2): the baseline C kernels' bits
    (FR_MA two roundings, FR_PROD_ERR by Veltkamp-Dekker), for the fast
    kernels of the ops with a multiply-add to fuse (numba_user.FMA_OPS).
    In CI only: compiling 18 kernels for a second target is ~35 CPU s of a
    cold README run (numba_user.warm does it when this test is selected)."""
    r = _python(f"""
        import sys; sys.path.insert(0, {os.path.dirname(__file__)!r})
        import ctypes
        import numpy as np, fastrelu as fr
        from fastrelu import _dispatch, _numba
        from layouts import values
        from numba_user import FMA_OPS
        assert not _numba.FAST_FMA
        np.seterr(all="ignore")
        P = ctypes.c_void_p
        for dt in ("float32", "float64"):
            x, y = (values(dt, {N // 4 // 64 * 64}, seed=s) for s in (1, 2))
            for op in FMA_OPS:
                address = _numba.kernel(op, dt, "fast").address
                uf = getattr(fr, op)
                with _dispatch.use_isa("baseline"), _dispatch.backend("cython"):
                    if op.startswith("bias_"):
                        x2, b = x.reshape(-1, 64), y[:64]
                        want = uf(x2, b)
                        got = np.empty_like(x2)
                        ctypes.CFUNCTYPE(None, P, P, P, P, ctypes.c_double, ctypes.c_ssize_t,
                                         ctypes.c_ssize_t)(address)(
                            x2.ctypes.data, b.ctypes.data, got.ctypes.data, None, 0.0, *x2.shape)
                    else:
                        args = (y, x) if uf.nin == 2 else (x,)
                        want = uf(*args)
                        got = np.empty_like(x)
                        ctypes.CFUNCTYPE(None, *[P] * (uf.nin + 1), ctypes.c_ssize_t)(address)(
                            *(a.ctypes.data for a in args), got.ctypes.data, x.size)
                nan = np.isnan(got)
                assert (nan == np.isnan(want)).all(), (op, dt)
                u = "u%d" % got.itemsize
                assert (got.view(u) == want.view(u))[~nan].all(), (op, dt)
                print(op, dt)
        """, env=user.no_fma_env(), cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    assert r.stdout.split() == [w for dt in DTYPES for op in user.FMA_OPS for w in (op, dt)]


@pytest.mark.parametrize("isa", _dispatch.available_isas())
@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("op", OPS)
def test_exact_mode_bit_identical_to_c(inputs, op, dtype, isa):
    """Exact mode never fuses a multiply-add (float32 through float64 too:
    scalar.h's f64x kernels), so numba's exact kernels give every C level's bits."""
    args = op_args(op, *inputs[dtype])
    same_bits(run(op, args, backend="numba", mode="exact"), run(op, args, isa=isa, mode="exact"))


@pytest.mark.parametrize("dtype", DTYPES)
def test_in_place_and_threads(inputs, dtype):
    """out aliasing an input (each kernel kind), and the numba kernels on worker
    threads (the fused ones split by rows, counting into per-thread copies)."""
    x, y, alpha = inputs[dtype]
    x2 = x[: x.size // 64 * 64].reshape(-1, 64)
    prev = fr.get_num_threads()
    try:
        for threads in (1, 2):
            fr.set_num_threads(threads)
            for name, args in (("sigmoid_", (x,)), ("relu_backward_", (x, y)),
                               ("leaky_relu_backward_", (y, x, alpha)),
                               ("bias_sigmoid_", (x2, y[:64]))):
                if simd_fast(name, dtype) and fast_twin_isa() != "baseline":
                    continue                      # intrinsics there (SIMD_FAST)
                res = {}
                for be in ("numba", "cython"):
                    a = (args[0].copy(),) + args[1:]
                    kw = {"stats": fr.UnitStats(eps=1e-3)} if name.startswith("bias") else {}
                    with _dispatch.backend(be), _dispatch.use_isa(fast_twin_isa()), \
                            np.errstate(all="ignore"):
                        assert getattr(fr, name)(*a, **kw) is a[0]
                    res[be] = a[0], kw.get("stats")
                same_bits(res["numba"][0], res["cython"][0])
                if res["numba"][1] is not None:
                    counts = res["numba"][1].counts
                    np.testing.assert_array_equal(counts, res["cython"][1].counts)
                    assert counts.sum() > 0
    finally:
        fr.set_num_threads(prev)


@pytest.mark.parametrize("mode", ("fast", "exact"))
@pytest.mark.parametrize("op", ("bias_relu", "bias_sigmoid", "bias_silu"))
def test_fused_kernel_cases_match_c(op, mode):
    """The fused cfuncs called through their C signature next to the C kernel:
    bias NULL or not, count NULL or not, in place or not (FR_FUSED's cases;
    the ufuncs reach only some of them), on a 7 x 143 block (rows of 4 and the rest)."""
    import ctypes
    from fastrelu import _numba
    fused = ctypes.CFUNCTYPE(None, *[ctypes.c_void_p] * 4, ctypes.c_double, ctypes.c_ssize_t,
                             ctypes.c_ssize_t)
    rows, cols = 7, 143
    x = values("float64", rows * cols, seed=8)
    x[::3] = np.linspace(-30, 30, x[::3].size)            # unsaturated sigmoid too
    b = values("float64", cols, seed=9)
    nb = fused(_numba.kernel(op, "float64", mode).address)
    with fr.accuracy(mode), _dispatch.use_isa(twin_isa(op, mode, "float64")), _dispatch.backend("cython"):
        c = fused(_dispatch.kernel_address(op, "float64")[0])
    for bias in (b, None):
        for in_place in (False, True):
            for counted in (False, True):
                res = []
                for k in (nb, c):
                    src = x.copy()
                    out = src if in_place else np.full_like(x, 7.0)
                    cnt = np.full(cols, 5, np.int64)
                    k(src.ctypes.data, None if bias is None else bias.ctypes.data,
                      out.ctypes.data, cnt.ctypes.data if counted else None, 1e-3, rows, cols)
                    if not in_place:
                        same_bits(src, x)
                    res.append((out, cnt))
                same_bits(res[0][0], res[1][0])
                np.testing.assert_array_equal(res[0][1], res[1][1])
                if counted and op != "bias_silu":
                    assert (res[0][1] > 5).any() and (res[0][1] < 5 + rows).any()


# ---- fastrelu.numba inside a user's @njit function ---------------------------
@pytest.fixture(scope="module")
def frn():
    from fastrelu import numba as frn
    return frn


@pytest.mark.numba_user
@pytest.mark.parametrize("dtype", DTYPES)
def test_njit_api_scalar_loop_bit_identical(inputs, dtype):
    x = inputs[dtype][0][:200_000]
    out = np.empty_like(x)
    for exact, want in ((False, run("sigmoid", (x,), isa=twin_isa("sigmoid"))),
                        (True, run("sigmoid", (x,), isa="baseline", mode="exact"))):
        user.scalar_loop(x, out, exact)
        same_bits(out, want)


@pytest.mark.numba_user
def test_njit_api_arrays_inside_njit(dtype="float64"):
    """float64 (each compile of numba_user's functions costs seconds): the
    float32 array path is sigmoid_new_and_in_place's, below."""
    x = values(dtype, 4099, seed=3)
    g = values(dtype, 4099, seed=4)
    g0 = g.copy()
    a, s, g1, gs = user.forward_backward(x, g)
    with np.errstate(over="ignore"):         # values() holds finfo.max
        h = x + x
    with _dispatch.use_isa(twin_isa("sigmoid")):
        same_bits(a, fr.relu(h))
        same_bits(s, fr.sigmoid(h))
        same_bits(g1, fr.relu_backward(g0, h))
        same_bits(gs, fr.sigmoid_backward(g1, s))
    assert np.shares_memory(g1, g)                          # written into g


@pytest.mark.numba_user
@pytest.mark.parametrize("dtype", DTYPES)
def test_njit_api_layouts_and_semantics(frn, dtype):
    base = values(dtype, 24 * 10, seed=5).reshape(24, 10)
    with _dispatch.use_isa(twin_isa("sigmoid")):
        for view in user.views(base, dtype):
            ref = fr.sigmoid(view)
            new, got = user.sigmoid_new_and_in_place(view)
            same_bits(new, ref)                                 # a new array
            assert got is view and not np.shares_memory(new, view)
            same_bits(view, ref)                                # and in place
    sp = special_values(dtype)
    sub = np.linspace(-103, -88, 1001) if dtype == "float32" else np.linspace(-744, -709, 1001)
    (relu_sp, relu_neg0, s_inf, s_ninf, s_nan, relu_nan, rb_zero, rb_nan, s_sub,
     s_sub_exact) = user.scalar_semantics(sp, np.array(user.SCALARS, dtype), sub.astype(dtype))
    same_bits(relu_sp, _slow.relu(sp))
    assert relu_neg0 == 0 and not np.signbit(relu_neg0)
    assert s_inf == 1 and s_ninf == 0 and np.isnan(s_nan) and np.isnan(relu_nan)
    assert rb_zero == 0 and np.isnan(rb_nan)
    tiny = np.finfo(dtype).tiny
    assert (s_sub > 0).all() and (s_sub < tiny).any()
    assert (s_sub_exact > 0).all() and (s_sub_exact < tiny).any()
    same_bits(frn.relu(sp), relu_sp)           # called from Python, not only from njit code


@pytest.mark.numba_user
def test_njit_api_new_ops_scalars_bit_identical(inputs):
    """Each issue 8 function on float32 scalars inside a user's loop: the C
    kernels' bits of the same-FMA level (both modes), and the spec's special
    values."""
    x, y, alpha = (a[:100_000] for a in inputs["float32"])
    operands = {"x": x, "g": y, "a": alpha, "b": y}
    out = np.empty((len(user.NEW_SCALAR_OPS), x.size), np.float32)
    with np.errstate(all="ignore"):
        user.scalar_ops(x, y, alpha, y, out)
    for row, (op, mode, names) in enumerate(user.NEW_SCALAR_OPS):
        if mode == "fast" and simd_fast(op) and fast_twin_isa() != "baseline":
            continue                              # intrinsics there (SIMD_FAST)
        want = run(op, tuple(operands[n] for n in names), isa=fast_twin_isa(), mode=mode)
        same_bits(out[row], want)
    at = {v: np.flatnonzero(np.isclose(x, v, rtol=0, atol=0) & (np.signbit(x) == np.signbit(v)))[0]
          for v in (-np.inf, np.inf, -0.0, -100.0)}
    for row in (2, 3):                                   # silu
        assert out[row, at[-np.inf]] == 0 and np.signbit(out[row, at[-np.inf]])
        assert out[row, at[-0.0]] == 0 and np.signbit(out[row, at[-0.0]])
        assert out[row, at[np.inf]] == np.inf
    for row in (6, 7):                                   # softplus
        assert out[row, at[-np.inf]] == 0 and not np.signbit(out[row, at[-np.inf]])
        assert out[row, at[np.inf]] == np.inf
    for row in (8, 9):                                   # log_sigmoid
        assert out[row, at[-100.0]] == -100.0 and out[row, at[-np.inf]] == -np.inf
        assert out[row, at[np.inf]] == 0 and np.signbit(out[row, at[np.inf]])


@pytest.mark.numba_user
def test_njit_api_new_ops_arrays():
    """float64 (the dtype-generic plumbing; float32 math: the scalar test)."""
    x = values("float64", 24 * 10, seed=5).reshape(24, 10)
    g = values("float64", 24 * 10, seed=6).reshape(24, 10)
    alpha = np.abs(values("float64", 24 * 10, seed=7)).reshape(24, 10)
    b = values("float64", 10, seed=8)
    cnt, cnt2 = np.full(10, 3, np.int64), np.zeros(10, np.int64)
    with np.errstate(all="ignore"):
        a1, a2, a3, a4, a5, a6, a7 = user.arrays(x, g, alpha, b, cnt, cnt2)
        with _dispatch.use_isa(fast_twin_isa()):
            same_bits(a1, fr.leaky_relu(x.T, 0.1))
            same_bits(a2, fr.leaky_relu_backward(g, x, alpha))
            same_bits(a3, fr.relu_backward(g[:, ::2], x[:, ::2]))
            relu_xb = fr.relu(x + b)
            same_bits(a4, relu_xb)
            same_bits(a5, relu_xb)
            assert a5.flags.f_contiguous
            same_bits(a6, fr.relu(x[:, ::2] + b[::2]))
    # fast sigmoid: numba computes scalar.h's portable form, the avx2/avx512f
    # levels their intrinsics kernels (both <= 2 ulp): within 4 ulp of each other
    with np.errstate(all="ignore"):                   # x + b may overflow: inf
        s = fr.sigmoid(x + b)
        np.testing.assert_array_equal(np.isnan(a7), np.isnan(s))
        ok = (np.abs(a7 - s) <= 4 * np.spacing(np.abs(s))) | np.isnan(s)
        assert ok.all(), np.abs(a7 - s)[~ok]
    np.testing.assert_array_equal(cnt, 3 + 2 * (relu_xb == 0).sum(axis=0))
    np.testing.assert_array_equal(cnt2, (a7 * (1 - a7) < 0.01).sum(axis=0))


def test_njit_api_routes_every_function_to_its_op_and_mode(frn):
    """Every public function calls the generic map (_map_ for the in-place
    names) with its op's name and mode: "exact" for *_exact, "fast" for the
    other forms of an op with modes, None for an op exact in both (without
    compiling); and every op of the table has its functions."""
    from fastrelu import _ops
    covered = set()
    for name in frn.__all__:
        code = getattr(frn, name).py_func.__code__
        base = name.rstrip("_")
        exact = base.endswith("_exact")
        op = base.removesuffix("_exact")
        assert op in _ops.BY_NAME, name
        mode = "exact" if exact else ("fast" if _ops.BY_NAME[op].accurate else None)
        consts = [c for c in code.co_consts[1:] if isinstance(c, str)]    # [0]: the docstring
        assert consts == [op] + ([mode] if mode else []), (name, consts)
        assert [n for n in code.co_names if n.startswith("_map")] == [
            "_map_" if name.endswith("_") else "_map"], name
        covered.add(op)
    assert covered == set(OPS)


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
    with pytest.raises(numba.core.errors.TypingError, match="must be an array when"):
        frn.leaky_relu(1.0, np.ones(3))
    with pytest.raises(numba.core.errors.TypingError, match="1-d array"):
        frn.bias_relu_(np.ones((2, 3)), np.ones((2, 3)))
    with pytest.raises(numba.core.errors.TypingError, match="int64"):
        frn.bias_relu_(np.ones((2, 3)), np.ones(3), np.zeros(3))
    with pytest.raises(ValueError, match="same shape"):
        frn.leaky_relu_backward_(np.ones(3), np.ones(4), 0.1)
    with pytest.raises(ValueError, match="x.shape"):
        frn.bias_relu_(np.ones((2, 3)), np.ones(4))
    with pytest.raises(ValueError, match="counts must have"):
        frn.bias_relu_(np.ones((2, 3)), np.ones(3), np.zeros(4, np.int64))


# ---- the constants: one value on both sides ----------------------------------------
_NUMBER = re.compile(r"(?<![\w.])(0[xX][0-9a-fA-F]*\.?[0-9a-fA-F]*[pP][-+]?\d+|"
                     r"\d+\.?\d*(?:[eE][-+]?\d+)?|\.\d+(?:[eE][-+]?\d+)?)[fF]?(?![\w.])")
_SIGN_BEFORE = re.compile(r"(?:[(,=<>?:]|\((?:T|FR_T|float|double)\))\s*-\s*$")
_TRIVIAL = {0.0, 1.0, -1.0, 2.0, 0.5}


def _c_number(text):
    return float.fromhex(text) if text.lstrip("-")[:2].lower() == "0x" else float(text)


def _c_literals(body):
    """The numeric literals of C code, signed (a minus after an operator or a
    cast), but 0, +-1, 2 and 1/2."""
    out = set()
    for m in _NUMBER.finditer(body):
        v = _c_number(m.group(1))
        if _SIGN_BEFORE.search(body[:m.start()]):
            v = -v
        if v not in _TRIVIAL:
            out.add(v)
    return out


def _c_place(header, place):
    """What scalar.h has at a place named as in fastrelu._numba.constants."""
    text = re.sub(r"/\*.*?\*/", " ", header, flags=re.S)
    lines = text.replace("\\\n", " ").splitlines()
    if place.startswith("FR_FN("):                           # an exp_family.h function
        place = re.escape(place)
    elif place.endswith("("):                                # a macro's body
        [d] = [ln for ln in lines if ln.startswith(f"#define {place}")]
        return _c_literals(d[d.index(")") + 1:])
    elif "(" in place:                                       # a macro's invocation
        [call] = re.findall(rf"^{re.escape(place)}\s*,([^)]*)\)", text, re.M)
        args = call.split(",")
        return tuple(-_c_number(a.strip()[1:].rstrip("fF")) if a.strip().startswith("-")
                     else _c_number(a.strip().rstrip("fF"))
                     for a in args if _NUMBER.fullmatch(a.strip().lstrip("-")))
    define = [ln for ln in lines if re.match(rf"#define {place}\s", ln)]
    if define:                                               # #define NAME <arithmetic>
        [d] = define
        expr = _NUMBER.sub(lambda m: repr(_c_number(m.group(1))), d.split(None, 2)[2])
        assert re.fullmatch(r"[-+*/() .0-9e]+", expr), expr
        return eval(expr, {"__builtins__": {}})
    array = re.search(rf"static const double {place}(?:\[\d*\])+\s*=\s*{{(.*?)}};", text, re.S)
    if array:                                                # 2-D: the rows one after the other
        values = re.sub(r"[{}]", " ", array.group(1)).split(",")
        return tuple(_c_number(v.strip().rstrip("fF")) for v in values if v.strip())
    m = re.search(rf"FR_INLINE [\w ()]+?\b{place}\(", text)   # a function's body
    assert m, f"scalar.h has no {place}"
    start = text.index("{", m.end())
    depth, i = 0, start
    while True:
        depth += {"{": 1, "}": -1}.get(text[i], 0)
        if depth == 0:
            return _c_literals(text[start:i])
        i += 1


def _scalar_h_mismatches(header):
    from fastrelu._numba import constants, scalar
    bad = []
    for place, ours in {**constants.SCALAR_H, **scalar.SCALAR_H}.items():
        try:
            theirs = _c_place(header, place)
        except (AssertionError, ValueError) as e:
            bad.append((place, f"not found: {e}"))
            continue
        if isinstance(ours, set):
            ours = {float(v) for v in ours} - _TRIVIAL
        elif isinstance(ours, tuple):
            ours = tuple(float(v) for v in ours)
        else:
            ours = float(ours)
        if ours != theirs:
            bad.append((place, ours, theirs))
    return bad


def _scalar_h():
    """scalar.h with the exp_family.h template it includes."""
    return "\n".join((PACKAGE / "kernels" / f).read_text() for f in ("scalar.h", "exp_family.h"))


def test_constants_match_scalar_h():
    """Every constant of the numba twins (fastrelu/_numba/constants.py, and
    the ones beside their twin in scalar.py) has
    scalar.h's value at the place it names: the #defines, the static tables,
    the literals of each function and macro body, the macro arguments."""
    assert _scalar_h_mismatches(_scalar_h()) == []


def test_gelu_tables_are_read_from_scalar_h():
    """The twin's tables are scalar.h's, read at import (not a copy)."""
    from fastrelu._numba import constants, scalar
    header = _scalar_h()
    for name, tab in (("fr_gelu_n_tab", scalar.GELU_N_TAB), ("fr_gelu_w_tab", scalar.GELU_W_TAB)):
        assert tab.shape == (25, scalar.GELU_ROW) and not tab.flags.writeable
        assert tuple(tab.ravel()) == _c_place(header, name)
    with pytest.raises(LookupError, match="no_such_tab"):
        constants.header_table("no_such_tab")


@pytest.mark.parametrize("old, new", [
    ("#define FR_LN2_LO_F32 0x1.7f7d1cp-20f", "#define FR_LN2_LO_F32 0x1.7f7d1ep-20f"),
    ("0x1.03d299f705bdbp-8", "0x1.03d299f705bdcp-8"),                 # a Pade coefficient
    ("zf < -105.0f ? -105.0f : zf", "zf < -104.0f ? -104.0f : zf"),    # a clamp
    ("0x1.8618618618618p-4,", "0x1.8618618618619p-4,"),               # fr_atanh_coef_f64
    ("int late = x < -37.0;", "int late = x < -36.0;"),               # gelu's macro body
    ("#define FR_ZMIN_SILU_F32 -115.0f", "#define FR_ZMIN_SILU_F32 -116.0f"),
    ("(FR_T)-0.5, E.e, (FR_T)0.9571", "(FR_T)0.5, E.e, (FR_T)0.9571"),  # a sign in fr_ratio
    ("0x1p-36, hard", "0x1p-35, hard"),                               # the exact f32 test's eps
])
def test_constants_check_fails_on_a_changed_header(old, new):
    header = _scalar_h()
    assert header.count(old) == 1
    assert _scalar_h_mismatches(header.replace(old, new)) != []


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


def test_slow_twins_and_the_constants_do_not_import_numba(tmp_path):
    """_slow's silu_backward reads scalar.h's constants from fastrelu._numba.constants
    (plain data): the numpy backend and the tests' references stay numba-free."""
    r = _python("""
        import sys, numpy as np
        from fastrelu import _slow
        _slow.silu_backward(np.ones(3), np.array([-1.28, 0.5, 3.0]))
        assert "numba" not in sys.modules, "_slow imported numba"
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
            if os.path.abspath(py_file).startswith(pkg + os.sep):
                return None              # as if this location were not writable
            return _orig(cls, py_func, py_file)
        cls.from_function = classmethod(from_function)
    with warnings.catch_warnings(record=True) as w:
        warnings.simplefilter("always")
        import ctypes
        from fastrelu import _numba
        # one kernel of each kind (backend("numba") builds every row through the same _cfunc)
        ks = [_numba.kernel(op, dt) for op, dt in (
            ("relu", "float64"), ("leaky_relu", "float32"), ("leaky_relu_backward", "float64"),
            ("bias_relu", "float32"))]
        x = np.linspace(-5, 5, 101)
        out = np.empty_like(x)
        ctypes.CFUNCTYPE(None, ctypes.c_void_p, ctypes.c_void_p, ctypes.c_ssize_t)(
            ks[0].address)(x.ctypes.data, out.ctypes.data, x.size)
        assert (out == np.maximum(x, 0)).all()
    print("HITS", sum(k.cache_hits for k in ks), len(ks))
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


@pytest.mark.ci_only            # subprocesses compiling into fresh caches (~5 s each)
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
    assert "HITS 0 4" in first.stdout and "WARN False" in first.stdout, first.stdout
    cached = [f for _, _, fs in os.walk(tmp_path / "xdg" / "numba") for f in fs]
    assert any(f.startswith("cfuncs.") and f.endswith(".nbi") for f in cached), cached
    second = _python(code, env=env, cwd=tmp_path)     # loads every kernel from the cache
    assert second.returncode == 0, second.stderr
    assert "HITS 4 4" in second.stdout, second.stdout


@pytest.mark.ci_only            # subprocesses compiling into fresh caches (~5 s each)
def test_no_writable_cache_dir_compiles_uncached(tmp_path):
    env = _cache_env(tmp_path)
    code = _CACHE_PROBE.format(refuse=["InTreeCacheLocator", "UserWideCacheLocator"])
    r = _python(code, env=env, cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    assert "HITS 0 4" in r.stdout and "WARN True" in r.stdout, r.stdout
