"""float16 and bfloat16: every op over all 2^16 bit patterns (issue 8 spec).

- relu, leaky_relu, leaky_relu_backward, bias_relu: exact (the slow twins, bit for bit).
- sigmoid, silu, softplus, log_sigmoid: correctly rounded (computed in float64,
  rounded once), in both accuracy modes, on every kernel variant.
- backward ops: the float32 op rounded once, i.e. equal to the ufunc on
  float32 copies of the inputs, rounded to the 16-bit type.
- bias ops: the activation of x + b rounded to the 16-bit type, bit for bit
  (the spec's "bias_sigmoid(x, b) == fr.sigmoid(x + b)"; its other line, "bias
  ops computed in float32 and rounded once", would round twice: the
  implementation follows the first, and so does this test).

The correctly rounded reference for all 65536 inputs is the float64 twin
(relative error < 2^-52) rounded once, except where that value lies within
2^-30 ulp of a rounding midpoint: there mpmath decides (_slow.rounded_mpmath).
test_reference_is_correctly_rounded checks the shortcut against mpmath.
"""
import contextlib
import functools

import numpy as np
import pytest

import fastrelu as fr
from fastrelu import _ops, _slow, _ufuncs

LOW = ("float16", "bfloat16")
FORMAT = {"float16": (10, -14), "bfloat16": (7, -126)}       # nmant, minexp
# the op table's ops by how their 16-bit results are defined
ROUNDED = tuple(op.name for op in _ops.OPS if op.kind == "unary" and op.accurate)
EXACT = tuple(op.name for op in _ops.OPS                    # relu, leaky_relu
              if op.args[0] == "x" and op.kind != "fused" and not op.accurate)
VIA_F32 = tuple(op.name for op in _ops.OPS if op.args[0] == "grad")     # backward ops
BIAS = tuple(op.name for op in _ops.OPS if op.kind == "fused")
LOOKUP = tuple(op.name for op in _ops.OPS if op.kind in ("unary", "fused"))   # 16-bit tables
OP_SUBSETS = {   # each test takes one kind of op; together they take the table
    "test_reference_is_correctly_rounded": "the correctly rounded unary ops",
    "test_correctly_rounded_all_patterns": "the correctly rounded unary ops",
    "test_exact_ops_all_patterns": "the exact forward ops",
    "test_float32_rounded_once": "the backward ops",
    "test_bias_is_activation_of_rounded_sum": "the fused ops",
    "test_lookup_is_the_block_path": "the ops with a table (of one argument, and the fused "
                                     "ops: their activation's)",
}


def low_dtype(name):
    if name == "bfloat16":
        return np.dtype(pytest.importorskip("ml_dtypes").bfloat16)
    return np.dtype(np.float16)


@functools.lru_cache(maxsize=None)
def all_patterns(name):
    return np.arange(1 << 16, dtype=np.uint32).astype(np.uint16).view(low_dtype(name))


@functools.lru_cache(maxsize=None)
def shuffled(name, seed):
    return np.random.default_rng(seed).permutation(all_patterns(name))


def near_midpoint(w, name):
    """Where the float64 values w lie within 2^-30 ulp of a midpoint of `name`."""
    nmant, minexp = FORMAT[name]
    with np.errstate(all="ignore"):
        _, e = np.frexp(w)
        scaled = np.abs(np.ldexp(w, -(np.maximum(e - 1, minexp) - nmant)))
        return np.isfinite(w) & (np.abs(scaled - np.floor(scaled) - 0.5) < 2.0**-30)


@functools.lru_cache(maxsize=None)
def correctly_rounded(op, name):
    """(x, op(x) correctly rounded to the 16-bit type, mask of the mpmath cases)."""
    dt = low_dtype(name)
    x = all_patterns(name)
    with np.errstate(all="ignore"):        # signalling NaN patterns: 'invalid' on the cast
        w = np.asarray(_slow.SLOW[op](x.astype(np.float64)))   # longdouble, rounded to f64
    ref = _slow._round(w, dt)
    near = near_midpoint(w, name)
    if near.any():
        ref[near] = _slow.rounded_mpmath(op, x[near], dt)
    return x, ref, near


def f32(a):
    with np.errstate(all="ignore"):        # signalling NaN patterns: 'invalid' on the cast
        return np.asarray(a).astype(np.float32)


def to_low(a, dt):
    return _slow._round(np.asarray(a, np.float32), dt)     # float32 -> 16 bits: one rounding


def assert_same_values(got, want, what, *inputs):
    """Same values (+0.0 == -0.0) and NaN in the same places."""
    assert got.dtype == want.dtype, (got.dtype, want.dtype)
    g, w = f32(got), f32(want)
    bad = np.flatnonzero(~((g == w) | (np.isnan(g) & np.isnan(w))))
    if bad.size:
        lines = ["  inputs " + ", ".join(
                     f"{a.flat[i]!r} (0x{int(np.asarray(a).view(np.uint16).flat[i]):04x})"
                     for a in inputs) + f": got {got.flat[i]!r} want {want.flat[i]!r}"
                 for i in bad[:6]]
        pytest.fail(f"{what}: {bad.size} of {got.size} differ:\n" + "\n".join(lines))


def assert_same_bits(got, want, what, *inputs):
    """Bit for bit (NaN payloads free)."""
    assert_same_values(got, want, what, *inputs)
    gb, wb = got.view(np.uint16), want.view(np.uint16)
    bad = np.flatnonzero((gb != wb) & ~np.isnan(f32(want)))
    assert bad.size == 0, (f"{what}: signed zeros differ at {bad.size} inputs, e.g. "
                           f"{[inp.flat[bad[0]] for inp in inputs]}: got {got.flat[bad[0]]!r}")


# ---- the reference itself ------------------------------------------------------

@pytest.mark.parametrize("name", LOW)
@pytest.mark.parametrize("op", ROUNDED)
def test_reference_is_correctly_rounded(op, name):
    """The float64 shortcut agrees with mpmath on a sample, and the near-midpoint
    cases it hands to mpmath are few."""
    x, ref, near = correctly_rounded(op, name)
    idx = np.random.default_rng(5).choice(x.size, 200, replace=False)
    assert_same_bits(ref[idx], _slow.rounded_mpmath(op, x[idx], x.dtype), f"{op} {name}", x[idx])
    assert near.sum() < 600, near.sum()


def test_bfloat16_rounding_is_single():
    """ml_dtypes' float64 -> bfloat16 cast rounds twice (via float32); the
    reference must not: 1 + 2^-8 + 2^-30 is above the midpoint, so 1 + 2^-7."""
    dt = low_dtype("bfloat16")
    w = np.array([1 + 2.0**-8 + 2.0**-30, 1 + 2.0**-8, 1 + 3 * 2.0**-8, 2.0**-134 * 1.5,
                  2.0**-134, 3.3962e38, -0.0])
    got = _slow._round(w, dt).astype(np.float64)
    assert list(got[:5]) == [1 + 2.0**-7, 1.0, 1 + 2 * 2.0**-7, 2.0**-133, 0.0]
    assert got[5] == np.inf and got[6] == 0 and np.signbit(got[6])


# ---- unary ops: correctly rounded ---------------------------------------------

@pytest.mark.parametrize("name", LOW)
@pytest.mark.parametrize("op", ROUNDED)
def test_correctly_rounded_all_patterns(isa, mode, op, name):
    x, ref, _ = correctly_rounded(op, name)
    with np.errstate(all="ignore"):          # FP flags: test_no_fp_warnings
        got = getattr(fr, op)(x)
    assert_same_values(got, ref, f"{op} {name} {isa}/{mode}", x)


@pytest.mark.parametrize("name", LOW)
def test_no_fp_warnings(isa, mode, name):
    x = all_patterns(name)
    bad = []
    for op in ROUNDED + ("relu",):
        for block in np.array_split(x, 64):
            try:
                getattr(fr, op)(block)
            except FloatingPointError as e:
                bad.append(f"{op} [{block[0]}, {block[-1]}]: {e}")
    assert not bad, f"{len(bad)} blocks raise, e.g. " + "; ".join(bad[:4])


# ---- unary ops: the tables ---------------------------------------------------------

@contextlib.contextmanager
def block_path():
    prev = _ufuncs.set_narrow_lookups(False)
    try:
        yield
    finally:
        _ufuncs.set_narrow_lookups(prev)


@pytest.mark.parametrize("name", LOW)
@pytest.mark.parametrize("op", LOOKUP)
def test_lookup_is_the_block_path(isa, op, name):
    """A one-argument op over a 16-bit type looks its results up in a table
    made once by the block path (widen, the C exact float64 kernel, round
    once; relu by its bits), and a fused op its activation's at x + b
    rounded: this variant's block path, bit for bit, for every layout, out=,
    in place, and on the pool's threads.  NaN payloads too, but on the numba
    backend, whose exact kernels may give a NaN another sign, and for the
    fused ops, where x + b of two NaNs keeps the one the compiler put first
    (NaN payloads are not part of the contract)."""
    x = all_patterns(name)
    cases = {"contiguous": x, "reversed": x[::-1], "stride 3": np.repeat(x, 3)[1::3],
             "threaded": np.tile(shuffled(name, 7), 5)}     # past the lookups' thread threshold
    if _ops.BY_NAME[op].kind == "fused":         # b: every pattern again, in another order
        def f(v, **kw):
            return getattr(fr, op)(v, np.resize(shuffled(name, 3), v.size), **kw)

        def f_(v):
            return getattr(fr, op + "_")(v, np.resize(shuffled(name, 3), v.size))
    else:
        f, f_ = getattr(fr, op), getattr(fr, op + "_")

    def check(got, want, what, inp):
        if isa == "numba" or _ops.BY_NAME[op].kind == "fused":
            assert_same_bits(got, want, f"{op} {name} {what}", inp)
            return
        bad = np.flatnonzero(got.view(np.uint16) != want.view(np.uint16))
        assert bad.size == 0, (f"{op} {name} {what}: {bad.size} differ, e.g. input "
                               f"0x{int(inp.view(np.uint16)[bad[0]]):04x}: "
                               f"0x{int(got.view(np.uint16)[bad[0]]):04x}, block path "
                               f"0x{int(want.view(np.uint16)[bad[0]]):04x}")

    with np.errstate(all="ignore"):                # signalling NaN patterns
        with block_path():
            want = {k: f(v) for k, v in cases.items()}
        for k, v in cases.items():
            check(f(v), want[k], k, v)
        out = np.zeros(2 * x.size, x.dtype)[::2]
        f(x, out=out)
        check(out, want["contiguous"], "out= every other", x)
        y = x.copy()
        assert f_(y) is y
        check(y, want["contiguous"], "in place", x)


# ---- exact ops ---------------------------------------------------------------------

@pytest.mark.parametrize("name", LOW)
@pytest.mark.parametrize("op", EXACT)
def test_exact_ops_all_patterns(isa, op, name):
    """The exact forward ops: the twins bit for bit over every pattern (and,
    for an op with more arguments, every pattern in each of them too)."""
    dt = low_dtype(name)
    x = all_patterns(name)
    nin = len(_ops.BY_NAME[op].args)
    if nin == 1:
        assert_same_bits(getattr(fr, op)(x), _slow.SLOW[op](x), f"{op} {name}", x)
        return
    rest = [shuffled(name, 2 + k) for k in range(nin - 1)]
    with np.errstate(all="ignore"):
        assert_same_bits(getattr(fr, op)(x, *rest), _slow.SLOW[op](x, *rest),
                         f"{op} {name} all patterns", x, *rest)
    if op != "leaky_relu":
        return
    g = shuffled(name, 1)
    for alpha in (0.0, 0.01, 0.2, 1.0, -0.5, 3.0):
        a = np.asarray(alpha).astype(dt)
        with np.errstate(all="ignore"):
            assert_same_bits(fr.leaky_relu(x, a), _slow.leaky_relu(x, a),
                             f"leaky_relu {name} alpha={alpha}", x)
            assert_same_bits(fr.leaky_relu_backward(g, x, a), _slow.leaky_relu_backward(g, x, a),
                             f"leaky_relu_backward {name} alpha={alpha}", g, x)
    alpha = shuffled(name, 2)                      # every pattern as alpha too (leaky_relu: above)
    with np.errstate(all="ignore"):
        assert_same_bits(fr.leaky_relu_backward(g, x, alpha),
                         _slow.leaky_relu_backward(g, x, alpha),
                         f"leaky_relu_backward {name} alpha=all", g, x, alpha)
    assert_same_bits(fr.leaky_relu(x, np.zeros((), dt)), fr.relu(x), f"alpha=0 {name}", x)


# ---- backward and bias ops: the float32 op, rounded once -------------------------

def via_f32(op, args, dt):
    """What a 16-bit backward op must give: the float32 op on float32 copies,
    rounded once to dt."""
    return to_low(getattr(fr, op)(*(f32(a) for a in args)), dt)


def args_for(op, name, second):
    """x: every pattern; the other argument: every pattern shuffled, or a smooth
    spread (bias: one b per unit, broadcast along the last axis)."""
    dt = low_dtype(name)
    x = all_patterns(name)
    if op.startswith("bias_"):
        x = x.reshape(256, 256)
        if second == "smooth":                    # b along the last axis
            rng = np.random.default_rng(3)
            b = (rng.standard_normal(256) * np.exp(rng.uniform(-8, 8, 256))).astype(np.float32)
            return [x, to_low(b, dt)]
        return [x, shuffled(name, 3).reshape(256, 256)]
    g = shuffled(name, 4) if second == "all-patterns" else to_low(np.linspace(-3, 3, x.size), dt)
    if op == "leaky_relu_backward":
        return [g, x, np.asarray(0.1).astype(dt)]
    return [g, x]


@pytest.mark.parametrize("second", ("all-patterns", "smooth"))
@pytest.mark.parametrize("name", LOW)
@pytest.mark.parametrize("op", VIA_F32)
def test_float32_rounded_once(isa, mode, op, name, second):
    dt = low_dtype(name)
    args = args_for(op, name, second)
    with np.errstate(all="ignore"):                # x + b, g * inf: numpy's own rules
        got = getattr(fr, op)(*args)
        want = via_f32(op, args, dt)
    shape = np.broadcast_shapes(*(np.shape(a) for a in args))
    inputs = [np.broadcast_to(a, shape) for a in args]
    assert_same_values(got, want, f"{op} {name} {isa}/{mode}", *inputs)
    if op in ("leaky_relu_backward", "relu_backward"):       # exact: the twins too
        with np.errstate(all="ignore"):
            assert_same_values(got, _slow.SLOW[op](*inputs), f"{op} {name} twin", *inputs)


@pytest.mark.parametrize("second", ("all-patterns", "smooth"))
@pytest.mark.parametrize("name", LOW)
@pytest.mark.parametrize("op", BIAS)
def test_bias_is_activation_of_rounded_sum(isa, mode, op, name, second):
    dt = low_dtype(name)
    x, b = args_for(op, name, second)
    with np.errstate(all="ignore"):                # x + b may overflow, as np.add
        got = getattr(fr, op)(x, b)
        t = np.add(x, b)                           # rounded to the 16-bit type
        want = getattr(fr, op[len("bias_"):])(t)
    assert t.dtype == dt
    xb, bb = np.broadcast_arrays(x, b)
    assert_same_bits(got, want, f"{op} {name} {isa}/{mode}", xb, bb)
    if op != "bias_relu":                          # so correctly rounded (unary test)
        return
    with np.errstate(all="ignore"):
        assert_same_bits(got, _slow.bias_relu(x, b), f"bias_relu {name} twin", xb, bb)


@pytest.mark.parametrize("name", LOW)
def test_inplace_16bit(isa, mode, name):
    """The in-place forms write the same values as the ufuncs."""
    dt = low_dtype(name)
    x = all_patterns(name).reshape(256, 256)
    b = to_low(np.linspace(-2, 2, 256), dt)
    for op in (op.name for op in _ops.OPS):             # the others broadcast along the last axis
        extra = [b] * (len(_ops.BY_NAME[op].args) - 1)
        with np.errstate(all="ignore"):
            want = getattr(fr, op)(x, *extra)
            y = x.copy()
            assert getattr(fr, op + "_")(y, *extra) is y
        assert_same_values(y, want, f"{op}_ {name}", x)
