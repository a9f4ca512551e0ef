"""The in-place forms of every op of the table (relu_, sigmoid_, relu_backward_,
..., bias_silu_): write into the first argument, return that same object;
clear errors, and nothing written on error."""
import array

import numpy as np
import pytest

import fastrelu as fr
from fastrelu import _ops
from layouts import EVERY_OP, OP_NAMES, op_args
from twins import same_bits, use_variant

FLOATS = ("float16", "float32", "float64")
MULTI = [op.name for op in _ops.OPS if len(op.args) > 1]    # ops of more than one argument
OP_SUBSETS = {   # tests over some ops of the table only, and why (test_op_table checks the rest)
    "test_other_arguments_broadcast_to_the_first": "the ops with arguments after the first",
    "test_python_scalar_operands_stay_weak": "the ops with arguments after the first",
}
VIEWS = {"contiguous": lambda b: b, "reversed": lambda b: b[::-1, ::-1],
         "strided": lambda b: b[::2, 1::3], "fortran": np.asfortranarray,
         "0-d": lambda b: b[2, 3:4].reshape(())}


def inplace_args(op, x, seed=1):
    """The other arguments for op_(x, ...): same shape as x (a fused op's b:
    one row along the last axis), ordinary values of x's dtype."""
    return op_args(op, x.shape, x.dtype, seed=seed, bias_row=True)[1:]


def first_arg_values(dtype, shape=(6, 8)):
    """Values for the written argument: both signs, zero, spread."""
    return np.linspace(-6, 6, int(np.prod(shape))).astype(dtype).reshape(shape)


@EVERY_OP
def test_writes_the_first_argument_and_returns_it(variants, op):
    """On every kernel variant, mode, float dtype and view of x: op_(x, ...)
    is x and holds op(x, ...) bit for bit (the ufuncs are checked against
    the slow twins in test_kernels)."""
    inplace, ufunc = getattr(fr, op + "_"), getattr(fr, op)
    for variant in variants:
        with use_variant(variant):
            for mode in ("fast", "exact"):
                with fr.accuracy(mode):
                    for dtype in FLOATS:
                        for view, make in VIEWS.items():
                            x = make(first_arg_values(dtype).copy())
                            extra = inplace_args(op, x)
                            with np.errstate(all="ignore"):      # float16 overflow of x + b
                                expected = ufunc(x.copy(), *extra)
                                r = inplace(x, *extra)
                            assert r is x, (variant, mode, dtype, view)
                            same_bits(x, expected)


@pytest.mark.parametrize("op", MULTI)
def test_other_arguments_broadcast_to_the_first(op):
    """The inputs after the first broadcast to it (a row, a scalar); the first
    is never broadcast up: ValueError, nothing written."""
    row = _ops.BY_NAME[op]
    inplace, ufunc = getattr(fr, op + "_"), getattr(fr, op)
    x = first_arg_values(np.float32, (3, 4))
    for other in (np.linspace(-1, 1, 4).astype(np.float32), np.float32(0.5),
                  np.linspace(-1, 1, 4).astype(np.float32)[None, :]):   # Python floats: below
        rest = [other] * (len(row.args) - 1)
        y = x.copy()
        assert inplace(y, *rest) is y
        same_bits(y, ufunc(x, *rest))
    before = x.copy()
    for bad in (np.ones((2, 4), np.float32), np.ones((5, 3, 4), np.float32), np.ones(3)):
        with pytest.raises(ValueError):
            inplace(x, *[bad] * (len(row.args) - 1))
        same_bits(x, before)


def test_relu_inplace_integers():
    x = np.array([-5, 0, 7], np.int16)
    assert fr.relu_(x) is x
    np.testing.assert_array_equal(x, [0, 0, 7])
    u = np.array([0, 3], np.uint8)
    fr.relu_(u)
    np.testing.assert_array_equal(u, [0, 3])


@EVERY_OP
@pytest.mark.parametrize("kind", ["array.array", "memoryview"])
def test_buffer_protocol_objects(op, kind):
    """array.array and memoryview (float32 and float64) are written in place."""
    ufunc = getattr(fr, op)
    for code, dtype in (("f", np.float32), ("d", np.float64)):
        vals = np.linspace(-3, 3, 7).astype(dtype)
        extra = op_args(op, (7,), dtype, seed=2, bias_row=True)[1:]
        want = ufunc(vals, *extra)
        if kind == "array.array":
            obj = array.array(code, vals.tolist())
        else:
            obj = memoryview(bytearray(vals.tobytes())).cast(code)
        assert getattr(fr, op + "_")(obj, *extra) is obj
        same_bits(np.frombuffer(obj, dtype), want)


@EVERY_OP
def test_torch_tensors_zero_copy(op):
    torch = pytest.importorskip("torch")
    ufunc = getattr(fr, op)
    for dt in (torch.float32, torch.float64):
        for t in (torch.linspace(-3, 3, 24, dtype=dt).reshape(4, 6),
                  torch.linspace(-3, 3, 24, dtype=dt).reshape(4, 6).t()):   # non-contiguous
            ptr = t.data_ptr()
            extra = op_args(op, tuple(t.shape), t.numpy().dtype, seed=3, bias_row=True)[1:]
            want = ufunc(t.numpy().copy(), *extra)
            assert getattr(fr, op + "_")(t, *extra) is t
            assert t.data_ptr() == ptr
            same_bits(t.numpy(), want)


def wrong_dtype(op):
    """A dtype op_ cannot write (named in its TypeError)."""
    allowed = _ops.BY_NAME[op].inplace_dtypes
    return np.dtype("int64" if "int64" not in allowed else "complex128")


@EVERY_OP
def test_errors_name_the_argument_and_write_nothing(op):
    """Read-only first argument: ValueError naming it; a dtype op_ cannot
    write: TypeError naming the dtype; not an array: TypeError naming the
    argument; a bad later argument: an error, nothing written either way."""
    row = _ops.BY_NAME[op]
    inplace = getattr(fr, op + "_")
    first = row.args[0]
    x = first_arg_values(np.float64, (4, 5))
    extra = inplace_args(op, x)
    ro = x.copy()
    ro.flags.writeable = False
    with pytest.raises(ValueError, match=f"'{first}' is read-only"):
        inplace(ro, *extra)
    with pytest.raises(ValueError, match="read-only"):          # a read-only buffer
        inplace(memoryview(x.tobytes()).cast("d", x.shape), *extra)
    # read-only inputs after the first are fine: they are only read
    y = x.copy()
    for e in extra:
        e.flags.writeable = False
    same_bits(inplace(y, *extra), getattr(fr, op)(x, *extra))
    bad = wrong_dtype(op)
    xi = np.arange(-10, 10).reshape(4, 5).astype(bad)
    before = xi.copy()
    with pytest.raises(TypeError, match=bad.name):
        inplace(xi, *extra)
    np.testing.assert_array_equal(xi, before)                 # nothing written
    with pytest.raises(TypeError, match=f"'{first}'"):
        inplace(x.tolist(), *extra)
    with pytest.raises(TypeError):
        inplace(3.0, *extra)
    if len(row.args) > 1:
        y = x.copy()
        with pytest.raises(TypeError):
            inplace(y, *[np.array(["a"] * 5)] * len(extra))   # strings: no loop
        same_bits(y, x)
        with pytest.raises(TypeError):
            inplace(y)                                        # missing arguments
        same_bits(y, x)


def test_read_only_message_names_each_ops_first_argument():
    """The names come from the table (x, grad, ...): every one appears."""
    seen = set()
    for op in OP_NAMES:
        x = first_arg_values(np.float32, (2, 3))
        x.flags.writeable = False
        with pytest.raises(ValueError) as e:
            getattr(fr, op + "_")(x, *inplace_args(op, x))
        seen.add(str(e.value).split("'")[1])
    assert seen == {op.args[0] for op in _ops.OPS}


def test_byteswapped_inplace():
    x = np.linspace(-2, 2, 9).astype(">f4")
    expected = fr.sigmoid(x.astype("<f4"))
    fr.sigmoid_(x)
    np.testing.assert_array_equal(x.astype("<f4"), expected)




@pytest.mark.parametrize("op", [op.name for op in _ops.OPS if op.name in MULTI])
def test_python_scalar_operands_stay_weak(op):
    """op_(x, 0.3) writes op(x, 0.3): the Python scalar takes x's dtype, as in
    the ufunc, for an ndarray x and for an array.array."""
    x = np.linspace(-6, 6, 12).astype(np.float32)
    rest = [0.3] * (len(_ops.BY_NAME[op].args) - 1)
    want = getattr(fr, op)(x, *rest)
    y = x.copy()
    getattr(fr, op + "_")(y, *rest)
    a = array.array("f", x.tolist())
    getattr(fr, op + "_")(a, *rest)
    same_bits(y, want)
    same_bits(np.frombuffer(a, np.float32), want)
