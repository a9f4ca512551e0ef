"""sigmoid accuracy against DESIGN.md section 1, on every ISA variant x mode.

float32: ~2.9M inputs over every binade of both signs plus dense sweeps of the
subnormal-output range and of |x| in [0.5, 16), against the float64 reference
(whose own error is ~1e-9 float32 ulp).  float64: ~21k inputs against mpmath
(correctly rounded to longdouble), plus 600k in [-30, 5] against the longdouble
formula.  float16: all 65536 patterns must be correctly rounded.  Kernels run
under np.errstate(all="raise"): no floating-point warnings for any input.
The exhaustive float32 check is tools/accuracy.py.
"""

import numpy as np
import pytest

import fastrelu as fr
from fastrelu import _dispatch, _slow
from ulp import ulp_bound, ulp_error

MODES = ("fast", "exact")
COMBOS = [pytest.param(isa, mode, id=f"{isa}-{mode}")
          for isa in _dispatch.available_isas() for mode in MODES]


def run(x, isa, mode, fp="raise"):
    """fastrelu.sigmoid(x) on one ISA variant and mode; any FP warning raises."""
    with _dispatch.use_isa(isa), fr.accuracy(mode), np.errstate(all=fp):
        return fr.sigmoid(x)


def ref64(x):
    """sigmoid in float64, not rounded to x's dtype (the exact value for float32/16)."""
    return _slow.sigmoid(np.asarray(x, dtype=np.float64))


def check_bound(got, x, ref, bound, what):
    assert got.dtype == x.dtype and got.shape == x.shape
    err = ulp_error(got, ref)
    if err.max() > bound:
        worst = np.argsort(err)[::-1][:5]
        bits = x.view(f"u{x.itemsize}")
        lines = [f"  x={x[i]} (0x{int(bits[i]):0{2 * x.itemsize}x}) got={got[i]} "
                 f"ref={float(ref[i])!r} err={err[i]:.4f} ulp" for i in worst]
        n_over = int((err > bound).sum())
        pytest.fail(f"{what}: max {err.max():.4f} ulp > {bound} on {n_over} inputs; worst:\n"
                    + "\n".join(lines))
    return err


def in_unit_interval(got, x):
    nan = np.isnan(x)
    assert np.array_equal(np.isnan(got), nan), "NaN out exactly where NaN in"
    assert np.all((got[~nan] >= 0) & (got[~nan] <= 1)), "results outside [0, 1]"


# ---- float32 -----------------------------------------------------------------

F32_SPECIALS = np.array(
    [0.0, -0.0, np.inf, -np.inf, np.nan, -np.nan,
     np.finfo(np.float32).max, -np.finfo(np.float32).max,
     np.finfo(np.float32).smallest_subnormal, -np.finfo(np.float32).smallest_subnormal,
     np.finfo(np.float32).tiny, -np.finfo(np.float32).tiny], dtype=np.float32)


@pytest.fixture(scope="module")
def f32_case():
    rng = np.random.default_rng(20240601)
    top = int(np.float32(1e3).view(np.uint32) >> 23)    # exponent field of 1e3's binade
    expo = np.repeat(np.arange(top + 1, dtype=np.uint32), 3700)   # 0 = subnormals
    mag = (expo << 23) | rng.integers(0, 1 << 23, expo.size, dtype=np.uint32)
    lo, hi = np.float32(87).view(np.uint32), np.float32(104).view(np.uint32)
    sweep = np.arange(lo, hi + 1, 8, dtype=np.uint32)   # outputs subnormal for -x here
    # |x| in [0.5, 16): where a polynomial's error peaks; an odd stride dodges aliasing
    lo, hi = np.float32(0.5).view(np.uint32), np.float32(16).view(np.uint32)
    sweep = np.concatenate([sweep, np.arange(lo, hi, 61, dtype=np.uint32)])
    bits = np.concatenate([mag, sweep, mag | 0x80000000, sweep | 0x80000000])
    x = np.concatenate([bits.view(np.float32), F32_SPECIALS])
    return x, ref64(x)


def test_f32_case_size(f32_case):
    x, _ = f32_case
    assert x.size >= 10**6


@pytest.mark.parametrize("isa,mode", COMBOS)
def test_sigmoid_f32_ulp(isa, mode, f32_case):
    x, ref = f32_case
    got = run(x, isa, mode)
    check_bound(got, x, ref, ulp_bound("sigmoid", "float32", mode), f"float32 {isa}/{mode}")
    in_unit_interval(got, x)


@pytest.mark.parametrize("isa,mode", COMBOS)
def test_sigmoid_f32_specials_and_subnormals(isa, mode):
    got = run(F32_SPECIALS, isa, mode)
    assert list(got[:4]) == [0.5, 0.5, 1.0, 0.0]
    assert np.isnan(got[4]) and np.isnan(got[5])
    assert list(got[6:]) == [1.0, 0.0, 0.5, 0.5, 0.5, 0.5]
    # subnormal outputs are not flushed: sigmoid(-100) = 3.72e-44, sigmoid(-103) ~ 2^-149
    x = np.float32([-87.5, -90, -100, -103, -103.2])
    got = run(x, isa, mode)
    assert np.all(got > 0), got
    assert np.all(got < np.finfo(np.float32).tiny), got
    check_bound(got, x, ref64(x), ulp_bound("sigmoid", "float32", mode), f"float32 {isa}/{mode}")
    # below half the smallest subnormal the result is +0, never negative
    got = run(np.float32([-104, -200, -1e30]), isa, mode)
    assert np.all(got == 0), got
    # scalars go through the same loop
    assert run(np.float32(-100), isa, mode) > 0


# ---- float64 -----------------------------------------------------------------

@pytest.fixture(scope="module")
def f64_case():
    rng = np.random.default_rng(7)
    top = int(np.float64(1e3).view(np.uint64) >> 52)
    expo = np.repeat(np.arange(top + 1, dtype=np.uint64), 8)       # every binade
    mag = (expo << np.uint64(52)) | rng.integers(0, 1 << 52, expo.size, dtype=np.uint64)
    x = np.concatenate([
        mag.view(np.float64), -mag.view(np.float64),
        rng.uniform(-745.2, -708.0, 3000),       # subnormal outputs
        rng.uniform(-40, 40, 1000),
        [0.0, -0.0, np.inf, -np.inf, np.nan, 1.7976931348623157e308,
         -1.7976931348623157e308, 5e-324, -5e-324, -740.0, -744.4, -745.2, 37.5, 38.0],
    ])
    return x, _slow.sigmoid_mpmath(x, dtype=np.longdouble)


@pytest.mark.parametrize("isa,mode", COMBOS)
def test_sigmoid_f64_ulp(isa, mode, f64_case):
    x, ref = f64_case
    got = run(x, isa, mode)
    check_bound(got, x, ref, ulp_bound("sigmoid", "float64", mode), f"float64 {isa}/{mode}")
    in_unit_interval(got, x)
    sub = run(np.array([-710.0, -740.0, -744.4]), isa, mode)
    assert np.all((sub > 0) & (sub < np.finfo(np.float64).tiny)), sub


@pytest.fixture(scope="module")
def f64_dense_case():
    """600k inputs where the polynomial's error peaks, against the longdouble
    formula (its own error is ~2^-10 float64 ulp: mpmath would take minutes)."""
    x = np.random.default_rng(11).uniform(-30, 5, 600_000)
    w = x.astype(np.longdouble)
    z = np.exp(-np.abs(w))
    return x, np.where(w >= 0, 1 / (1 + z), z / (1 + z))


@pytest.mark.parametrize("isa,mode", COMBOS)
def test_sigmoid_f64_ulp_dense(isa, mode, f64_dense_case):
    x, ref = f64_dense_case
    check_bound(run(x, isa, mode), x, ref, ulp_bound("sigmoid", "float64", mode),
                f"float64 {isa}/{mode}")


# ---- float16: every pattern ----------------------------------------------------

F16_ALL = np.arange(1 << 16, dtype=np.uint32).astype(np.uint16).view(np.float16)


@pytest.mark.parametrize("isa,mode", COMBOS)
def test_sigmoid_f16_all_correctly_rounded(isa, mode):
    x = F16_ALL
    got = run(x, isa, mode, fp="ignore")       # FP flags: the next test
    check_bound(got, x, ref64(x), ulp_bound("sigmoid", "float16", mode), f"float16 {isa}/{mode}")
    in_unit_interval(got, x)


@pytest.mark.parametrize("isa,mode", COMBOS)
def test_sigmoid_f16_no_fp_warnings(isa, mode):
    try:
        run(F16_ALL, isa, mode)
    except FloatingPointError as e:
        bad = []
        for x in np.array_split(F16_ALL, 256):     # narrow down the offending inputs
            try:
                run(x, isa, mode)
            except FloatingPointError as eb:
                bad.append(f"[{x[0]}, {x[-1]}]: {eb}")
        pytest.fail(f"{e}; {len(bad)} of 256 blocks raise alone, e.g. " + "; ".join(bad[:4]))


# ---- the yardsticks themselves ---------------------------------------------------

def test_reference_f64_formula_vs_mpmath():
    """The float64 reference is far more accurate than the float32 ulp it measures."""
    rng = np.random.default_rng(3)
    x = np.concatenate([rng.uniform(-110, 20, 1500),
                        np.ldexp(rng.uniform(-1, 1, 500), rng.integers(-30, 4, 500))])
    x = x.astype(np.float32).astype(np.float64)
    exact = _slow.sigmoid_mpmath(x, dtype=np.longdouble)
    rel = np.abs((ref64(x) - exact) / exact).max()
    assert rel < 2.0**-50
    assert np.array_equal(_slow.sigmoid(x.astype(np.float32)),
                          _slow.sigmoid_mpmath(x, dtype=np.float32))


def test_ulp_error_helper():
    f32, ld = np.float32, np.longdouble
    one = np.float32(1)
    below = np.nextafter(one, f32(0))
    # just below 1 the ulp is 2^-24 even when the value rounds up to 1.0
    assert ulp_error(np.float32([1.0]), np.float64([1 - 2.0**-26]))[0] == 0.25
    assert ulp_error(np.float32([below]), np.float64([1 - 2.0**-26]))[0] == 0.75
    assert ulp_error(np.float32([1.0]), np.float64([1 + 2.0**-25]))[0] == 0.25
    # subnormal spacing, and 0 as reference
    assert ulp_error(np.float32([0]), np.float64([2.0**-150]))[0] == 0.5
    assert ulp_error(np.float32([2.0**-149]), np.float64([0.0]))[0] == 1.0
    assert ulp_error(np.float32([3 * 2.0**-149]), np.float64([2.0**-148]))[0] == 1.0
    assert ulp_error(np.float64([0]), np.array([ld(2.0) ** -1076], ld))[0] == 0.25
    # specials
    g = np.float32([np.nan, np.inf, -np.inf, np.nan, 1.0, np.inf])
    r = np.float64([np.nan, np.inf, np.inf, 1.0, np.nan, 1.0])
    assert list(ulp_error(g, r)) == [0, 0, np.inf, np.inf, np.inf, np.inf]
    with pytest.raises(TypeError):
        ulp_error(np.float64([1.0]), np.float64([1.0]))
