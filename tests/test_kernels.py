"""Every op x dtype of the registry on every kernel variant (each ISA level,
numba) and accuracy mode, against its slow twin (fastrelu/_slow.py), for the
sizes where a loop changes course (layouts.sizes) in every layout; then the
spec's special values and reproducibility for the first four ops.  The
issue 8 ops' own semantics: test_activations.py; the numpy backend (the slow
twins themselves): test_dispatch.py."""
import numpy as np
import pytest

import fastrelu as fr
from fastrelu import _dispatch
from fastrelu import _ops
from layouts import BIG, EVERY_OP, layouts, sizes, special_values, values
from twins import SPECIALS, Twin, call, same_bits, use_variant

FLOATS = ("float16", "float32", "float64")
INTS = ("int8", "int16", "int32", "int64", "uint8", "uint16", "uint32", "uint64")


def modes(op, dtype):
    """The accuracy modes that run different kernels for op at dtype: both
    where the two modes' kernels differ, else "fast" alone
    (test_one_kernel_serves_both_modes checks that on every variant)."""
    x = np.ones(1, dtype)
    kernel = {}
    for mode in ("fast", "exact"):
        with fr.accuracy(mode):
            kernel[mode] = fr.explain(op, x).kernel
    return ("fast", "exact") if kernel["fast"] != kernel["exact"] else ("fast",)


CASES = [(op, dt) for op in _dispatch.OPS for dt in (FLOATS + INTS if op == "relu" else FLOATS)]
ONE_MODE = [(op, dt) for op, dt in CASES if modes(op, dt) == ("fast",)]


@pytest.mark.parametrize("op,dtype", CASES, ids=[f"{op}-{dt}" for op, dt in CASES])
def test_matches_slow_twin(variants, op, dtype):
    """Each size's twin is computed once and checked against every variant,
    mode and layout (a result with the bits of one that passed is not checked
    again)."""
    runs = []                                        # (n, twin, [(layout, arrays)])
    for n in sizes(op, dtype):
        args = [values(dtype, n, seed=n + k) for k in range(getattr(fr, op).nin)]
        views = [(per_arg[0][0], [v for _, v in per_arg])
                 for per_arg in zip(*(layouts(a) for a in args))]
        if n == BIG:                                 # the layouts that change the code path
            views = [v for v in views if v[0] in ("contiguous", "every-other")]
        runs.append((n, Twin(op, dtype, args), views))
    for variant in variants:
        with use_variant(variant):
            for mode in modes(op, dtype):
                with fr.accuracy(mode):
                    for n, twin, views in runs:
                        for name, arrays in views:
                            got = call(op, *arrays).reshape(-1)    # the values' order
                            twin.check(got, mode, f"on {variant}, n={n}, {name}")


def test_one_kernel_serves_both_modes(isa):
    """Where test_matches_slow_twin runs one mode only, the other runs the same kernel."""
    for op, dtype in ONE_MODE:
        x = np.ones(1, dtype)
        with fr.accuracy("exact"):
            exact = fr.explain(op, x).kernel
        assert fr.explain(op, x).kernel == exact, (op, dtype)


@pytest.mark.parametrize("dtype", FLOATS)
def test_relu_special_values(isa, dtype):
    x = special_values(dtype)
    y = fr.relu(x)
    assert np.isnan(y[np.isnan(x)]).all()
    assert (y[x == np.inf] == np.inf).all() and (y[x == -np.inf] == 0).all()
    assert not np.signbit(fr.relu(np.array(-0.0, dtype))).item()
    assert np.signbit(np.array(-0.0, dtype)).item()      # the input really was -0.0


@pytest.mark.parametrize("dtype", FLOATS)
def test_relu_backward_subgradient(isa, dtype):
    g = np.array([5, 5, 5, 5, 5, np.nan, np.nan], dtype)
    y = np.array([1, 0, -0.0, -1, np.nan, 1, -1], dtype)
    out = fr.relu_backward(g, y)
    np.testing.assert_array_equal(out[:4], [5, 0, 0, 0])  # 0 at y == 0, as PyTorch
    assert np.isnan(out[4]) and np.isnan(out[5]) and out[6] == 0
    assert not np.signbit(out[1:4]).any()


@pytest.mark.parametrize("dtype", FLOATS)
def test_sigmoid_special_values(isa, mode, dtype):
    x = np.array([np.inf, -np.inf, np.nan, 0.0, -0.0], dtype)
    y = fr.sigmoid(x)
    assert y[0] == 1 and y[1] == 0 and np.isnan(y[2]) and y[3] == 0.5 and y[4] == 0.5
    big = np.array([np.finfo(dtype).max, -np.finfo(dtype).max], dtype)
    np.testing.assert_array_equal(fr.sigmoid(big), [1, 0])


def test_sigmoid_subnormal_outputs_not_flushed(isa, mode):
    x32 = np.linspace(-103, -88, 1001, dtype=np.float32)
    y32 = fr.sigmoid(x32)
    assert (y32 > 0).all() and (y32 < np.finfo(np.float32).tiny).any()
    x64 = np.linspace(-744, -709, 1001)
    y64 = fr.sigmoid(x64)
    assert (y64 > 0).all() and (y64 < np.finfo(np.float64).tiny).any()


@pytest.mark.parametrize("dtype", FLOATS + ("longdouble",))
@EVERY_OP
def test_special_values_table(isa, mode, op, dtype):
    """The semantics table's special values (twins.SPECIALS), bit for bit, in
    an array and as 0-d scalars."""
    rows = SPECIALS[op]
    top = np.finfo(dtype).max
    value = lambda v: {"max": top, "-max": -top}.get(v, v) if isinstance(v, str) else v
    args = [np.array([value(r[0][k]) for r in rows], dtype) for k in range(len(rows[0][0]))]
    want = np.array([value(r[1]) for r in rows], dtype)
    same_bits(call(op, *args), want)
    for i in range(len(rows)):
        got = call(op, *(a[i] for a in args))
        assert isinstance(got, np.generic) and got.dtype == want.dtype
        same_bits(np.asarray(got), want[i])


@pytest.mark.parametrize("dtype", FLOATS)
def test_silu_backward_at_minus_inf_kernels_agree_with_twin(dtype):
    from fastrelu import _slow
    g, x = np.array([3.0, -3.0], dtype), np.array([-np.inf, -np.inf], dtype)
    same_bits(fr.silu_backward(g, x), _slow.silu_backward(g, x))


@pytest.mark.parametrize("dtype", FLOATS)
@EVERY_OP
def test_zero_d_and_broadcast_match_twin(isa, mode, op, dtype):
    """0-d operands and operands broadcast from a row, a column and a scalar
    (stride-0 inner loops): the twin's values."""
    nin = getattr(fr, op).nin
    vals = [values(dtype, 40, seed=k) for k in range(nin)]
    twin = Twin(op, dtype, vals)
    for i in range(0, 40, 7):                    # 0-d in, scalar out
        got = call(op, *(np.asarray(v[i]) for v in vals))
        assert np.ndim(got) == 0
        Twin(op, dtype, [np.asarray(v[i]) for v in vals]).check(np.asarray(got), mode)
    shapes = [(5, 8), (5, 1), (1, 8), ()]
    for k in range(nin):                         # each operand broadcast in turn
        for shape in shapes[1:]:
            args = [v.reshape(5, 8) for v in vals]
            args[k] = args[k][tuple(slice(0, s) for s in shape)] if shape else args[k][0, 0]
            Twin(op, dtype, args).check(call(op, *args), mode, f"arg {k} shaped {shape}")
    twin.check(call(op, *vals), mode)


@pytest.mark.parametrize("dtype", ("float32", "float64"))
@EVERY_OP
def test_same_bits_whatever_size_stride_threads(isa, mode, op, dtype):
    """Reproducibility (DESIGN §1): one value, one result, however it is called."""
    ufunc = getattr(fr, op)
    n = 2**18 + 3
    args = [values(dtype, n, seed=k) for k in range(ufunc.nin)]
    whole = ufunc(*args)
    prev = fr.get_num_threads()
    try:
        fr.set_num_threads(1)
        serial = ufunc(*args)
    finally:
        fr.set_num_threads(prev)
    pieces = np.concatenate([ufunc(*(a[i:i + 7] for a in args)) for i in range(0, 700, 7)])
    strided = ufunc(*(np.repeat(a, 2)[::2] for a in args))
    scalars = np.array([ufunc(*(a[i] for a in args)) for i in range(0, n, 997)], dtype)
    # bit for bit; a NaN's sign and payload are free (README: "same payload not
    # required"; several ops' NaN signs differ between vector body and tail)
    same_bits(whole, serial)
    same_bits(whole[:700], pieces)
    same_bits(whole, strided)
    same_bits(whole[::997], scalars)


ALPHA_OPS = [op.name for op in _ops.OPS if op.args[-1] == "alpha"]


@pytest.mark.parametrize("dtype", ("float32", "float64"))
@pytest.mark.parametrize("op", ALPHA_OPS)
def test_scalar_alpha_same_bits_as_an_array_of_it(isa, op, dtype):
    """A scalar alpha (numpy broadcasts it: step 0) runs the rows' last_scalar
    kernels, threaded, with a scalar head to out's cache line: the bits of
    the same alpha as an array, at every size, offset and thread count, in
    place too."""
    ufunc = getattr(fr, op)
    n = 2**19 + 5
    args = [values(dtype, n + 1, seed=k) for k in range(ufunc.nin - 1)]
    for alpha in (0.01, 0.0, -0.0, -1.5, 3.0, np.inf, np.nan):
        a = np.asarray(alpha, dtype)
        for size in (0, 1, 4095, 4096 + 17, n):       # below / above the head, threaded
            for off in (0, 1):                      # 16-byte aligned or not
                xs = [v[off:off + size] for v in args]
                want = ufunc(*xs, np.full(size, a))
                same_bits(ufunc(*xs, a), want)
                same_bits(ufunc(*xs, float(alpha)), want)
                out = np.empty(size + 1, dtype)[off:off + size]
                same_bits(ufunc(*xs, a, out=out), want)
                inplace = np.empty(size + 1, dtype)[off:off + size]
                inplace[...] = xs[0]                    # the first argument written
                getattr(fr, op + "_")(inplace, *xs[1:], alpha)
                same_bits(inplace, want)
        prev = fr.get_num_threads()
        try:
            fr.set_num_threads(1)
            same_bits(ufunc(*args, a), ufunc(*args, np.full(n + 1, a)))
        finally:
            fr.set_num_threads(prev)


ACCURATE = [op.name for op in _ops.OPS if op.accurate]
OP_SUBSETS = {"test_exact_mode_same_bits_on_every_variant":
              "the ops with accuracy modes (the others: one exact kernel, test_matches_slow_twin)",
              "test_scalar_alpha_same_bits_as_an_array_of_it":
              "the ops with an alpha (their kernels' last_scalar form)"}


@pytest.mark.parametrize("op", ACCURATE)
def test_exact_mode_same_bits_on_every_variant(variants, op):
    """DESIGN section 1: exact mode gives the same bits on every ISA level and backend."""
    for dtype, seed in (("float32", 3), ("float64", 4)):
        args = [values(dtype, 100_003, seed=seed + k) for k in range(getattr(fr, op).nin)]
        results = []
        with fr.accuracy("exact"):
            for variant in variants:
                with use_variant(variant):
                    results.append((variant, call(op, *args)))
        for variant, r in results[1:]:
            try:
                same_bits(r, results[0][1])
            except AssertionError as e:
                raise AssertionError(f"{op} {dtype}: {variant} vs {results[0][0]}: {e}") from None


def test_accuracy_modes_really_differ():
    """The mode switch reaches the kernels: the two modes disagree somewhere."""
    x = values("float32", 200_000, seed=5)
    with fr.accuracy("fast"):
        fast = fr.sigmoid(x)
    with fr.accuracy("exact"):
        exact = fr.sigmoid(x)
    assert (fast.view(np.uint32) != exact.view(np.uint32)).any()
