"""The intrinsics kernels (kernels.c's UNARY_SIMD / FUSED_SIMD rows: sigmoid,
silu, softplus, log_sigmoid and the fused bias rows,
kernels/sigmoid_simd*.h over sigmoid_avx512f.h, sigmoid_avx2.h) against
DESIGN.md section 1's reproducibility and semantics, at every ISA level (the
baseline level runs the same rows through the plain C loop, so it is checked
too):

- every size n = 0..70 at every start offset 0..15 (misaligned starts, the
  8-vector body, the one-vector loop and the masked tail in every mix) gives,
  per element, the bits of a call on that element alone;
- a large array gives the same bits on 1 and 2 threads and in odd pieces;
- special values: NaN, +-inf, +-0, subnormal inputs, inputs near the clamps
  (-105 / -115 float32, -750 / -760 float64; FR_Z_SAFE, -86 / -350, past which
  the lanes are redone, on both sides) and where e^x turns subnormal,
  subnormal results; sigmoid stays in [0, 1], silu(-0) = silu(-inf) = -0;
  no floating-point warning for any input.
Accuracy over all float32 inputs is tools/accuracy.py's (exhaustive).
"""
import functools
import re
from pathlib import Path

import numpy as np
import pytest

import fastrelu as fr
from fastrelu import _dispatch, _ops, _slow
from twins import bits, same_bits
from ulp import mp_rounded, ulp_bound, ulp_error


def simd_rows():
    """(op, dtype) of every unary and fused fast kernel written with intrinsics
    (twins.intrinsic_ops; the binary ones have tests of their own below)."""
    from twins import intrinsic_ops
    kinds = {op.name: op.kind for op in _ops.OPS}
    return sorted((op, dt) for op, dt in intrinsic_ops("fast") if kinds[op] in ("unary", "fused"))


ROWS = simd_rows()
ISAS = _dispatch.available_isas()
CASES = [pytest.param(isa, op, dt, id=f"{op}-{dt}-{isa}") for isa in ISAS for op, dt in ROWS]
UNARY_CASES = [c for c in CASES if not c.values[1].startswith("bias_")]
SIGMOID_SILU_CASES = [c for c in UNARY_CASES if c.values[1] in ("sigmoid", "silu")]
SOFTPLUS_CASES = [c for c in UNARY_CASES if c.values[1] in ("softplus", "log_sigmoid")]
F = {"float32": np.float32, "float64": np.float64}


def test_simd_rows_found():
    assert {op for op, _ in ROWS} == {"sigmoid", "silu", "softplus", "log_sigmoid",
                                      "bias_sigmoid", "bias_silu", "gelu"}
    assert {"avx2", "avx512f"} & set(ISAS) or pytest.skip("no SIMD level on this CPU")


def call(op, x, b=None):
    """The fast kernel of op on x (1-D), under errstate(raise): no FP warning."""
    with fr.accuracy("fast"), np.errstate(all="raise"):
        if op.startswith("bias_"):
            return getattr(fr, op)(x[None, :], b[None, :])[0]
        return getattr(fr, op)(x)


def mixed_values(dtype, n, seed):
    """n values where the kernels branch: every range of e^-|x| and the specials."""
    t = F[dtype]
    fi = np.finfo(t)
    zmin, zsilu = (-105, -115) if t is np.float32 else (-750, -760)
    # where the kernels clamp z (sigmoid_simd.h's FR_Z_SAFE) and the lanes
    # beyond it are redone (fr_tiny_fix), on both sides (log_sigmoid's is +)
    zsafe = -86 if t is np.float32 else -350
    edges = [v for z in (zsafe, -zsafe)
             for v in (z, np.nextafter(t(z), t(0)), np.nextafter(t(z), t(np.copysign(1e9, z))))]
    special = np.array([0.0, -0.0, np.inf, -np.inf, np.nan, -np.nan, fi.max, -fi.max,
                        fi.smallest_subnormal, -fi.smallest_subnormal, fi.tiny, -fi.tiny,
                        zmin, zmin - 0.5, zmin + 1, zsilu, zsilu + 1, zsilu - 1,
                        -zmin, -zmin + 0.5, -zsilu, -1e4, 1e4, *edges,
                        -87.5, -103.0, -705.0, -709.0, -740.0, 1.0, -1.0, 0.5, -0.5], dtype=t)
    rng = np.random.default_rng(seed)
    x = np.concatenate([
        rng.standard_normal(n) * 4,
        rng.uniform(-1.1 * abs(zsilu), 30, n),
        np.ldexp(rng.uniform(-1, 1, n), rng.integers(-30, 8, n)),
    ]).astype(t)
    x[rng.integers(0, x.size, special.size)] = special
    return rng.permutation(np.concatenate([x, special]))[: max(n, special.size)]


@pytest.mark.parametrize("isa,op,dtype", CASES)
def test_every_size_and_offset_gives_the_single_element_bits(isa, op, dtype):
    base = mixed_values(dtype, 86, seed=hash((op, dtype)) & 0xFFFF)
    assert base.size >= 85
    b = None
    if op.startswith("bias_"):
        b = np.random.default_rng(1).standard_normal(base.size).astype(dtype)
    with _dispatch.use_isa(isa):
        alone = np.concatenate([call(op, base[i:i + 1], None if b is None else b[i:i + 1])
                                for i in range(base.size)])
        for off in range(16):
            for n in range(71):
                x = base[off:off + n]
                got = call(op, x, None if b is None else b[off:off + n])
                assert got.size == n
                if not np.array_equal(bits(got), bits(alone[off:off + n])) and n:
                    bad = np.flatnonzero(bits(got) != bits(alone[off:off + n]))[0]
                    pytest.fail(f"n={n} offset={off}: element {bad} (x={x[bad]!r}) gives "
                                f"{got[bad]!r} in the array, {alone[off + bad]!r} alone")
    if b is not None:               # bias_op(x, b) is op(x + b), bit for bit
        with _dispatch.use_isa(isa):
            same_bits(alone, call(op[5:], base + b))


@pytest.mark.parametrize("isa,op,dtype", UNARY_CASES)
def test_in_place_and_out_give_the_same_bits(isa, op, dtype):
    x = mixed_values(dtype, 333, seed=3)
    with _dispatch.use_isa(isa):
        want = call(op, x)
        y = x.copy()
        with fr.accuracy("fast"), np.errstate(all="raise"):
            getattr(fr, op + "_")(y)
        same_bits(y, want)
        out = np.empty_like(x)
        with fr.accuracy("fast"), np.errstate(all="raise"):
            getattr(fr, op)(x, out=out)
        same_bits(out, want)
    # a call of 4 MiB or more out of place streams its stores (sigmoid_simd_body.h):
    # an output that starts off the vector alignment, one thread, same bits
    big = np.resize(x, (4 << 20) // x.itemsize + 37)
    out = np.empty(big.size + 1, big.dtype)[1:]
    prev = fr.get_num_threads()
    try:
        fr.set_num_threads(1)
        with _dispatch.use_isa(isa), fr.accuracy("fast"), np.errstate(all="raise"):
            getattr(fr, op)(big, out=out)
            getattr(fr, op + "_")(big)
    finally:
        fr.set_num_threads(prev)
    same_bits(out, big)


@pytest.mark.parametrize("isa,op,dtype", UNARY_CASES)
def test_threads_and_chunking_give_the_same_bits(isa, op, dtype):
    n = max(1 << 20, _dispatch._ufuncs.get_parallel_min(op) * 4) + 13
    x = mixed_values(dtype, n // 3 + 1, seed=4)[:n]
    x = np.resize(x, n)
    prev = fr.get_num_threads()
    try:
        with _dispatch.use_isa(isa):
            fr.set_num_threads(1)
            one = call(op, x)
            fr.set_num_threads(2)
            two = call(op, x[1:])                 # another start, other chunk edges
            pieces = np.concatenate([call(op, x[i:i + 997]) for i in range(0, 50 * 997, 997)])
    finally:
        fr.set_num_threads(prev)
    same_bits(two, one[1:])
    same_bits(pieces, one[:pieces.size])


def ref(op, x):
    """The exact value: float64 for float32 x (error ~1e-9 ulp), mpmath for float64."""
    if x.dtype == np.float64:
        return mp_rounded(op, x, np.longdouble)
    w = x.astype(np.float64)
    with np.errstate(all="ignore"):
        s = np.where(w >= 0, 1 / (1 + np.exp(-w)), np.exp(w) / (1 + np.exp(w)))
        return s if op == "sigmoid" else np.where(np.isinf(w), np.where(w > 0, w, -0.0), w * s)


@functools.cache
def clamp_region(op, dtype):
    """Inputs around the clamps and where e^x or the result turns subnormal,
    and their exact values (computed once for every ISA level)."""
    t = F[dtype]
    lo, hi = (-120.0, 20.0) if t is np.float32 else (-770.0, 20.0)
    x = np.concatenate([np.linspace(lo, hi, 20001),
                        np.linspace(-106 if t is np.float32 else -751, -80
                                    if t is np.float32 else -700, 20001)]).astype(t)
    x = np.concatenate([x, np.nextafter(x, t(-np.inf)), -np.abs(mixed_values(dtype, 2000, 9))])
    return x, ref(op, x)


@pytest.mark.parametrize("isa,op,dtype", SIGMOID_SILU_CASES)
def test_special_values(isa, op, dtype):
    t = F[dtype]
    fi = np.finfo(t)
    with _dispatch.use_isa(isa):
        f = lambda v: call(op, np.array(v, dtype=t))        # noqa: E731
        got = f([np.nan, -np.nan, np.inf, -np.inf, 0.0, -0.0])
        assert np.isnan(got[0]) and np.isnan(got[1])
        if op == "sigmoid":
            assert list(got[2:]) == [1.0, 0.0, 0.5, 0.5]
        else:
            assert got[2] == np.inf
            assert got[3] == 0 and np.signbit(got[3]), "silu(-inf) = -0"
            assert got[4] == 0 and not np.signbit(got[4]), "silu(+0) = +0"
            assert got[5] == 0 and np.signbit(got[5]), "silu(-0) = -0"
        # subnormal and tiny inputs: 1/2, or x/2 rounded
        tiny = np.array([1, -1, 3, 2**20 + 1, -(2**20 + 1), 2**23, -2**23], dtype=t) \
            * fi.smallest_subnormal
        got = call(op, tiny)
        if op == "sigmoid":
            assert np.all(got == 0.5)
        else:
            assert np.all(ulp_error(got, ref(op, tiny)) <= 1.0), (tiny, got)
        x, want = clamp_region(op, dtype)
        got = call(op, x)
        err = ulp_error(got, want)
        worst = int(np.nanargmax(err))
        assert err[worst] <= ulp_bound(op, dtype, "fast"), (x[worst], got[worst], err[worst])
        neg = x < 0
        if op == "sigmoid":
            ok = ~np.isnan(x)
            assert np.all((got[ok] >= 0) & (got[ok] <= 1))
            sub = got[(got > 0) & (got < fi.tiny)]
            assert sub.size > 100, "subnormal results are kept, not flushed"
        else:
            assert np.all(np.signbit(got[neg])), "silu(x < 0) <= 0, -0 when it underflows"
            sub = got[(got < 0) & (got > -fi.tiny)]
            assert sub.size > 100, "subnormal results are kept, not flushed"
            far = np.array([2 * (-115.0 if t is np.float32 else -760.0), -1e30, -fi.max], dtype=t)
            r = call(op, far)
            assert np.all(r == 0) and np.all(np.signbit(r))
        big = call(op, np.array([fi.max, 1e30, 200.0], dtype=t))
        assert list(big) == ([1.0, 1.0, 1.0] if op == "sigmoid" else [fi.max, t(1e30), 200.0])


@functools.cache
def softplus_region(op, dtype):
    """Inputs around the clamp and where e^-|x| turns subnormal (negated for
    log_sigmoid), and their exact values (computed once for every ISA level)."""
    t = F[dtype]
    sign = 1 if op == "softplus" else -1
    lo, hi = (-120.0, 20.0) if t is np.float32 else (-770.0, 40.0)
    x = np.concatenate([np.linspace(lo, hi, 40001), -np.abs(mixed_values(dtype, 2000, 9)),
                        mixed_values(dtype, 2000, 10)]).astype(t) * sign
    x = x[~np.isnan(x)]
    return x, (_slow.float64_value(op, x) if t is np.float32
               else _slow.rounded_mpmath(op, x, np.longdouble))


@pytest.mark.parametrize("isa,op,dtype", SOFTPLUS_CASES)
def test_softplus_special_values(isa, op, dtype):
    """softplus = max(x, 0) + log1p(e^-|x|) and log_sigmoid = -softplus(-x):
    the limits, subnormal results kept, >= 0 (<= 0), within the fast bound
    around the clamp and where e^-|x| turns subnormal."""
    t = F[dtype]
    fi = np.finfo(t)
    sign = 1 if op == "softplus" else -1
    with _dispatch.use_isa(isa):
        got = call(op, np.array([np.nan, np.inf, -np.inf, 0.0, -0.0], dtype=t))
        assert np.isnan(got[0])
        assert list(got[1:3] * sign) == [np.inf, 0.0][::sign]
        assert np.signbit(got[2 if sign > 0 else 1]) == (sign < 0)   # softplus(-inf) = +0
        assert got[3] == got[4] == sign * t(np.log(2))
        x, want = softplus_region(op, dtype)
        got = call(op, x)
        err = ulp_error(got, want)
        worst = int(np.nanargmax(err))
        assert err[worst] <= ulp_bound(op, dtype, "fast"), (x[worst], got[worst], err[worst])
        assert np.all(got * sign >= 0)
        sub = got[(got * sign > 0) & (got * sign < fi.tiny)]
        assert sub.size > 100, "subnormal results are kept, not flushed"


@pytest.mark.parametrize("isa,op,dtype", CASES)
def test_no_fp_warnings_for_any_value(isa, op, dtype):
    """Under np.errstate(all='raise') (call() sets it): the kernels' inner
    overflow, underflow and NaN compares never reach the caller."""
    t = F[dtype]
    x = mixed_values(dtype, 5000, seed=12)
    rng = np.random.default_rng(13)
    raw = rng.integers(0, 1 << (8 * x.itemsize), 20000, dtype=np.uint64, endpoint=False)
    x = np.concatenate([x, raw.astype(f"u{x.itemsize}").view(t)])
    b = np.zeros(x.size, t) if op.startswith("bias_") else None
    with _dispatch.use_isa(isa):
        got = call(op, x, b)
        for n in (1, 7, 17, 33):
            call(op, x[:n], None if b is None else b[:n])
    assert np.array_equal(np.isnan(got), np.isnan(x))


@pytest.mark.parametrize("isa", ISAS)
@pytest.mark.parametrize("mode", ["fast", "exact"])
@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_silu_underflow_keeps_the_sign(isa, mode, dtype):
    """silu(x) < 0 for x < 0: where it rounds to zero, the zero is -0 (the
    scalar silu of exp_family.h, hence float32 exact mode, once gave +0
    where x e^x underflows: float64 -758, -755)."""
    t = F[dtype]
    fi = np.finfo(t)
    x = np.array([-1, -2, -3, -1e5], dtype=t) * fi.smallest_subnormal
    x = np.concatenate([x, np.array([-104.0, -115.0, -745.0, -755.0, -758.56, -760.0],
                                    dtype=t)])
    with _dispatch.use_isa(isa), fr.accuracy(mode), np.errstate(all="raise"):
        got = fr.silu(x)
    assert np.all(np.signbit(got)), (x, got)


# ---- float32 fast kernels over float64 lanes (fr_wide_loop): silu_backward,
# gelu, gelu_backward; each op's root (where its value cancels) and the edges
# of its kernel's ranges
WIDE = {"silu_backward": (-1.2784645427610738,      # silu'(x0) = 0: 1 + x sigmoid(-x)
                          [-700.0, -705.0, -745.0, -760.0, -761.0, 760.0, 761.0, -200.0,
                           -110.0, -104.0]),
        "gelu": (None, [-14.3, -14.36, -14.4, -14.5, -14.51, 14.5, 14.51, 8.1, -13.0,
                        -13.1, 3e-45, -3e-45, 1e-40, -1e-40, 2e-38, -2e-38]),
        "gelu_backward": (-0.7517915246935645,      # gelu'(-a0) = 0: Phi(x) + x phi(x)
                          [-19.5, -19.6, -19.7, -20.0, -20.01, 20.0, 20.01, -14.5, 14.5])}
WIDE_CASES = [pytest.param(op, isa, id=f"{op}-{isa}") for op in WIDE for isa in ISAS]


def wide_values(op, n, seed):
    rng = np.random.default_rng(seed)
    root, edges = WIDE[op]
    near = [] if root is None else [np.float32(root) + np.arange(-300, 300, dtype=np.float32)
                                    * np.float32(abs(root) * 1e-7)]
    x = np.concatenate([mixed_values("float32", n, seed), *near, np.array(edges, np.float32)])
    g = rng.standard_normal(x.size).astype(np.float32)
    g[::7] = 1.0
    g[3::11] = rng.choice(np.array([0.0, -0.0, np.inf, -np.inf, np.nan, 3e38, 1e-40],
                                   np.float32), g[3::11].size)
    return (g, x) if op.endswith("_backward") else (x,)


def call_wide(op, args, mode="fast"):
    with fr.accuracy(mode), np.errstate(all="raise"):
        return getattr(fr, op)(*args)


@pytest.mark.parametrize("op,isa", WIDE_CASES)
def test_wide_float32_accuracy_and_semantics(op, isa):
    """within the fast bound of the exact value (float64 formula, mpmath-checked
    in _slow), next to the op's root too; NaN, inf and zero patterns (signs
    included) as the baseline level's (scalar.h, the semantics)"""
    args = wide_values(op, 3000, 41)
    with _dispatch.use_isa(isa):
        got = call_wide(op, args)
    with _dispatch.use_isa("baseline"):
        base = call_wide(op, args)
    want = getattr(_slow, op)(*(a.astype(np.float64) for a in args))
    fin = np.isfinite(want) & np.isfinite(got)
    err = ulp_error(got[fin], want[fin])
    worst = int(np.argmax(err))
    assert err[worst] <= ulp_bound(op, "float32", "fast"), \
        ([a[fin][worst] for a in args], got[fin][worst], err[worst])
    assert np.array_equal(np.isnan(got), np.isnan(base))
    assert np.array_equal(np.isinf(got), np.isinf(base))
    assert np.array_equal(got[np.isinf(got)], base[np.isinf(base)])
    zero = base == 0
    assert np.array_equal(got == 0, zero) and np.array_equal(np.signbit(got[zero]),
                                                              np.signbit(base[zero]))


@pytest.mark.parametrize("op,isa", WIDE_CASES)
def test_wide_float32_every_size_offset_and_in_place(op, isa):
    args0 = wide_values(op, 60, 42)
    with _dispatch.use_isa(isa):
        alone = np.concatenate([call_wide(op, [a[i:i + 1] for a in args0])
                                for i in range(args0[-1].size)])
        for off in range(16):
            for n in range(71):
                got = call_wide(op, [a[off:off + n] for a in args0])
                same_bits(got, alone[off:off + n])
        first = args0[0].copy()
        with fr.accuracy("fast"), np.errstate(all="raise"):
            getattr(fr, op + "_")(first, *args0[1:])       # into the first argument
        same_bits(first, alone)


# ---- exact float32 (correctly rounded) at the SIMD levels -------------------
# kernels.c's UNARY_CR / FUSED_CR rows, and the float32 exact rows of kernels.h's
# FLOAT_MODES_SIMD ops (gelu; twins.intrinsic_rows), run sigmoid_simd_body.h's fr_cr_loop at
# the avx2 and avx512f levels, scalar.h's kernels at baseline; correctly
# rounded, they must agree bit for bit.
def cr_rows():
    from twins import intrinsic_ops
    return sorted(op for op, dt in intrinsic_ops("exact") if dt == "float32")


CR_OPS = cr_rows()
CR_CASES = [pytest.param(isa, op, id=f"{op}-{isa}") for isa in ISAS if isa != "baseline"
            for op in CR_OPS]


def call_exact(op, x, b=None):
    with fr.accuracy("exact"), np.errstate(all="raise"):
        if op.startswith("bias_"):
            return getattr(fr, op)(x[None, :], b[None, :])[0]
        return getattr(fr, op)(x)


@functools.cache
def midpoint_draws():
    rng = np.random.default_rng(21)
    return np.concatenate([rng.standard_normal(15 << 19) * 6,
                           rng.uniform(-104, -87, 1 << 19)]).astype(np.float32)


@functools.cache
def near_midpoints(op, n=64):
    """float32 inputs whose exact op(x) lies within 2^9 float64 units of a
    rounding midpoint between two floats (about 1 in 2^19), inside the
    window the kernels' rounding test leaves open (2^10: the slow path):
    found from fastrelu's exact float64 value (<= 1 ulp) among 2^23 draws."""
    x = midpoint_draws()
    with fr.accuracy("exact"):
        y = np.abs(getattr(fr, op)(x.astype(np.float64)))
    y = np.where(y < 2.0**-126, y + 2.0**-126, y)          # the subnormal grid, as the test
    low = y.view(np.uint64) & np.uint64(2**29 - 1)
    near = np.abs(low.astype(np.int64) - 2**28) < 2**9
    return x[near][:n]


def test_cr_rows_found():
    assert set(CR_OPS) == {"sigmoid", "silu", "softplus", "log_sigmoid", "bias_sigmoid",
                           "bias_silu", "gelu"}
    assert all(near_midpoints(op).size >= 8 for op in ("sigmoid", "silu", "softplus"))
    assert near_midpoints("gelu").size >= 4


@pytest.mark.parametrize("isa,op", CR_CASES)
def test_exact_float32_gives_the_baseline_bits(isa, op):
    """every size n = 0..70 at every start offset 0..15, in place too, with the
    special values and inputs next to a rounding midpoint mixed in"""
    act = op[5:] if op.startswith("bias_") else op
    base = mixed_values("float32", 120, seed=31)
    hard = near_midpoints(act)
    base = np.concatenate([base, hard, -hard])
    np.random.default_rng(5).shuffle(base)
    b = np.random.default_rng(6).standard_normal(base.size).astype(np.float32) \
        if op.startswith("bias_") else None
    with _dispatch.use_isa("baseline"):
        want = call_exact(op, base, b)
    with _dispatch.use_isa(isa):
        same_bits(call_exact(op, base, b), want)
        for off in range(16):
            for n in range(71):
                sl = slice(off, off + n)
                got = call_exact(op, base[sl], None if b is None else b[sl])
                if not np.array_equal(bits(got), bits(want[sl])):
                    bad = np.flatnonzero(bits(got) != bits(want[sl]))[0]
                    pytest.fail(f"n={n} offset={off}: x={base[off + bad]!r} gives "
                                f"{got[bad]!r}, the baseline level {want[off + bad]!r}")
        if b is None:
            y = base.copy()
            with fr.accuracy("exact"), np.errstate(all="raise"):
                getattr(fr, op + "_")(y)
            same_bits(y, want)


@pytest.mark.parametrize("isa,op", CR_CASES)
def test_exact_float32_near_midpoints_are_correctly_rounded(isa, op):
    """the slow path's inputs against mpmath's correctly rounded value"""
    if op.startswith("bias_"):
        pytest.skip("the bias rows add b first: covered by the baseline comparison")
    x = near_midpoints(op, 16)
    with _dispatch.use_isa(isa):
        got = call_exact(op, x)
    same_bits(got, mp_rounded(op, x, np.float32))


@pytest.mark.parametrize("isa,op", CR_CASES)
def test_exact_float32_no_fp_warnings(isa, op):
    raw = np.random.default_rng(14).integers(0, 1 << 32, 20000, dtype=np.uint64)
    x = np.concatenate([mixed_values("float32", 2000, 15), raw.astype(np.uint32).view(np.float32)])
    b = np.zeros(x.size, np.float32) if op.startswith("bias_") else None
    with _dispatch.use_isa(isa):
        got = call_exact(op, x, b)
    assert np.array_equal(np.isnan(got), np.isnan(x))


# ---- float64 silu_backward (fr_pair_loop): far-out x ---------------------------
# The kernel clamps z at FR_Z_SAFE (-350) and redoes the lanes below it out of
# line (fr_dsilu_bwd_tiny): -inf, -1e4 and x < -760 give g * -0 directly.
FAR_X = np.array([-np.inf, -1e4, -1e300, -800.0, -761.0, -760.5, -760.0, -745.0, -720.0,
                  -708.5, -400.0, -350.5, -350.0, np.nextafter(-350.0, 0), -349.0, -1.0,
                  -1.2784645427610738, 0.0, -0.0, 1.0, 349.0, 350.5, 400.0, 1e4, np.inf,
                  np.nan], np.float64)


def far_pairs(seed):
    rng = np.random.default_rng(seed)
    x = rng.permutation(np.concatenate([FAR_X, FAR_X, rng.uniform(-800, 800, 40)]))
    g = rng.standard_normal(x.size)
    g[::5] = 1.0
    g[2::9] = rng.choice(np.array([0.0, -0.0, np.inf, -np.inf, np.nan, 1e308, 5e-324]),
                         g[2::9].size)
    return g, x


@pytest.mark.parametrize("isa", ISAS)
def test_float64_silu_backward_far_out_inputs(isa):
    g, x = far_pairs(5)
    call_b = lambda g, x: call_wide("silu_backward", (g, x))          # noqa: E731
    with _dispatch.use_isa(isa):
        alone = np.concatenate([call_b(g[i:i + 1], x[i:i + 1]) for i in range(x.size)])
        for off in range(9):
            for n in range(0, x.size - off, 5):
                same_bits(call_b(g[off:off + n], x[off:off + n]), alone[off:off + n])
        ones = call_b(np.ones_like(x), x)
    with _dispatch.use_isa("baseline"):
        base = call_b(g, x)
    check_float64_fast(ones, alone, base, "silu_backward", x)


def check_float64_fast(ones, got, base, op, x):
    """got's NaN, inf and zero patterns (signs included) as the baseline
    level's (scalar.h, the semantics), and op(x) at grad = 1 (ones) within the
    fast bound of mpmath's"""
    assert np.array_equal(np.isnan(got), np.isnan(base))
    assert np.array_equal(got[np.isinf(base)], base[np.isinf(base)])
    zero = base == 0
    assert np.array_equal(got == 0, zero)
    assert np.array_equal(np.signbit(got[zero]), np.signbit(base[zero]))
    ok = np.isfinite(x)
    err = ulp_error(ones[ok], mp_rounded(op, x[ok], np.longdouble))
    assert err.max() <= ulp_bound(op, "float64", "fast"), (x[ok][np.argmax(err)], err.max())


# ---- float64 gelu and gelu_backward (fast mode) ---------------------------
# sigmoid_simd_body.h's fr_gelu64 / fr_gelu64_bwd are scalar.h's FMA variant
# (fr_gelu_f64, fr_gelu_backward_f64) lane by lane, operation for operation,
# with the table's rows looked up by permutes (avx512f) or gathers (avx2):
# the two levels give the same bits, at every size and offset.
GELU64_X = np.array([0.0, -0.0, np.inf, -np.inf, np.nan, 5e-324, -5e-324, 1e-310, -1e-310,
                     1e-160, -1e-160, 39.0, -39.0, 38.9999, -38.9999, 39.0001, -39.0001,
                     -37.0, -37.0000001, -36.9999, 1e300, -1e300, 1.0, -1.0, 0.9999999999,
                     -0.75, -0.7517915246935645, 8.3, -8.3, 27.0, -27.0, 2.0**-1022])


@np.errstate(under="ignore")                      # the subnormal inputs
def gelu64_pairs(seed, n=3000):
    rng = np.random.default_rng(seed)
    x = np.concatenate([GELU64_X, rng.uniform(-45, 45, n), rng.standard_normal(n) * 3,
                        rng.uniform(-39.5, -35, n // 4), rng.uniform(-0.76, -0.74, n // 4),
                        rng.uniform(-1, 1, n // 4) * 2.0 ** rng.integers(-1074, 0, n // 4)])
    x = rng.permutation(x)
    g = rng.standard_normal(x.size) * 10.0 ** rng.integers(-300, 300, x.size)
    g[::7] = 1.0
    g[3::11] = rng.choice(np.array([0.0, -0.0, np.inf, -np.inf, np.nan, 1e308, 2.0**995,
                                    5e-324]), g[3::11].size)
    return g, x


SIMD_ISAS = [isa for isa in ISAS if isa != "baseline"]


@pytest.mark.skipif(not {"avx2", "avx512f"} <= set(ISAS), reason="needs both SIMD levels")
@pytest.mark.parametrize("op", ["gelu", "gelu_backward"])
def test_float64_gelu_same_bits_at_both_simd_levels(op):
    g, x = gelu64_pairs(3)
    args = (g, x) if op == "gelu_backward" else (x,)
    with np.errstate(all="ignore"):
        outs = []
        for isa in ("avx2", "avx512f"):
            with _dispatch.use_isa(isa), fr.accuracy("fast"):
                outs.append(getattr(fr, op)(*args))
    same_bits(outs[0], outs[1])


@pytest.mark.parametrize("isa", SIMD_ISAS)
@pytest.mark.parametrize("op", ["gelu", "gelu_backward"])
def test_float64_gelu_sizes_offsets_accuracy(isa, op):
    g, x = gelu64_pairs(4, 40)
    args = (g, x) if op == "gelu_backward" else (x,)
    call = lambda *a: call_wide(op, a)                                   # noqa: E731
    with _dispatch.use_isa(isa), np.errstate(all="ignore"):
        alone = np.concatenate([call(*(a[i:i + 1] for a in args)) for i in range(x.size)])
        for off in range(9):
            for n in range(0, x.size - off, 7):
                same_bits(call(*(a[off:off + n] for a in args)), alone[off:off + n])
        y = call(*((np.ones_like(x), x) if op == "gelu_backward" else (x,)))
    with _dispatch.use_isa("baseline"), np.errstate(all="ignore"):
        base = call(*args)
    check_float64_fast(y, alone, base, op, x)
