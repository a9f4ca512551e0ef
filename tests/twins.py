"""Checking a ufunc's results against its slow twin (fastrelu/_slow.py): the
exact ops bit for bit, the rounded ones within their bound (ulp.ULP_BOUNDS);
and the kernel variants to run them on.  A helper for the test modules, not a
test module."""
import contextlib
import re
from pathlib import Path

import numpy as np
import pytest

import fastrelu as fr
from fastrelu import _dispatch, _slow
from fastrelu import _ops
from layouts import POOL
from ulp import ULP_BOUNDS, ulp_bound, ulp_error

# the rounded ops of one argument (fast and exact modes), from the table
ROUNDED_UNARY = tuple(op.name for op in _ops.OPS if op.accurate and op.kind == "unary")


def intrinsic_rows():
    """Base names (f32_sigmoid_fast, ...) of the kernels the avx2/avx512f levels
    write with intrinsics: kernels.c's UNARY/BINARY/FUSED _SIMD and UNARY/FUSED
    _CR rows (BINARY_CR is scalar.h's code, which gcc vectorizes), and the
    rows of kernels.h's FLOAT_MODES_SIMD ops (float32 and float64, fast and
    exact) and FLOAT_MODES_SIMD_CR ops (all but float32 exact)."""
    kdir = Path(fr.__file__).parent / "kernels"
    names = re.findall(r"K\((?:(?:UNARY|BINARY|FUSED)_SIMD|(?:UNARY|FUSED)_CR), (\w+),",
                       (kdir / "kernels.c").read_text())
    for op, col in re.findall(r"X\(\w+,\s*(\w+),\s*\w+,\s*[^,]+,\s*(FLOAT_MODES_SIMD\w*),",
                              (kdir / "kernels.h").read_text()):
        names += [f"f32_{op}_fast", f"f64_{op}_fast", f"f64_{op}_exact"]
        if col == "FLOAT_MODES_SIMD":
            names += [f"f32_{op}_exact"]
    return frozenset(names)


# Intrinsics rows written as scalar.h's code lane by lane, operation for
# operation (float64 gelu, gelu_backward: sigmoid_simd_body.h's fr_gelu64;
# fast the FMA variant, exact the other): the same bits as that scalar code,
# so as numba's twins.
SCALAR_BITS_ROWS = frozenset({"f64_gelu_fast", "f64_gelu_exact", "f64_gelu_backward_fast",
                              "f64_gelu_backward_exact"})


def intrinsic_ops(mode, other_bits=False):
    """(op, dtype) of intrinsic_rows() in one accuracy mode, op as the table
    names it (f32_silu_bwd_fast: ("silu_backward", "float32")); other_bits:
    only those whose bits differ from scalar.h's (not SCALAR_BITS_ROWS)."""
    out = set()
    for name in intrinsic_rows() - (SCALAR_BITS_ROWS if other_bits else frozenset()):
        dt, _, rest = name.partition("_")
        if rest.endswith("_" + mode):
            op = rest[:-len(mode) - 1].replace("_bwd", "_backward")
            out.add((op, {"f32": "float32", "f64": "float64"}[dt]))
    return out


def wide(dtype):
    """The type an exact reference for a dtype result is kept in."""
    return np.longdouble if np.dtype(dtype) == np.float64 else np.float64


def bits(a):
    a = np.asarray(a)
    return a.view(f"u{a.itemsize}")


def same_bits(got, want):
    """Equal bit for bit, but any NaN matches any NaN (payloads are free)."""
    got, want = np.asarray(got), np.asarray(want)
    assert got.dtype == want.dtype and got.shape == want.shape
    nan = np.isnan(want) if want.dtype.kind == "f" else np.zeros(want.shape, bool)
    if want.dtype.kind == "f":
        assert np.array_equal(np.isnan(got), nan), "NaN in the wrong places"
    if want.dtype.itemsize > 8:         # long double: padding bytes; value and sign are the bits
        with np.errstate(invalid="ignore"):
            differ = (got != want) | (np.signbit(got) != np.signbit(want))
    else:
        differ = bits(got) != bits(want)
    bad = np.flatnonzero(differ & ~nan)
    assert bad.size == 0, (f"{bad.size} differ; first at {bad[0]}: got {got.flat[bad[0]]!r} "
                           f"want {want.flat[bad[0]]!r}")


def call(op, *args):
    """The ufunc on arbitrary values: overflow of x + b, alpha * x or g * inf
    may raise numpy's own warnings there (as np.add does), so they are off
    (test_activations.test_no_fp_warnings pins the promise for ordinary
    operands); for the other ops no input may raise one (DESIGN section 1)."""
    quiet = op.startswith(("bias_", "leaky_")) or op in ("silu_backward", "gelu_backward")
    with np.errstate(all="ignore" if quiet else "raise"):
        return getattr(fr, op)(*args)


class Twin:
    """What op(*args) at dtype must give, from the slow twin, computed once to
    check many results against (every kernel variant, layout and mode): the
    exact ops bit for bit (so relu gives +0.0, never -0.0), the others within
    ULP_BOUNDS of the exact value.  A result with the same bits as one that
    already passed against a bound at least as tight passes at once."""

    def __init__(self, op, dtype, args):
        self.op, self.dtype = op, np.dtype(dtype)
        self.shape = np.broadcast_shapes(*(np.shape(a) for a in args))
        self.args = args = [np.broadcast_to(a, self.shape) for a in args]
        self.passed = []                        # [(bits, bound)]
        if 0 in self.shape:
            return
        distinct, inverse = _distinct(args)
        self._reference(op, dtype, distinct)
        if inverse is not None:                 # the reference of every element from its tuple's
            for k, v in list(vars(self).items()):
                if isinstance(v, np.ndarray):
                    setattr(self, k, v[inverse].reshape(self.shape))

    def _reference(self, op, dtype, args):
        """The reference values (want, or ref and what its check needs) of args."""
        if op not in ULP_BOUNDS:
            self.want = _slow.SLOW[op](*args)
        elif op == "silu_backward":
            self._silu_backward_reference(*args)
        elif op == "sigmoid_backward":          # the formula in the dtype, unrounded
            self.ref = _slow.SLOW[op](*args).astype(wide(dtype))
        else:
            if op.startswith("bias_"):          # x + b rounded to the dtype, then the activation
                with np.errstate(all="ignore"):
                    x = np.add(args[0], args[1], dtype=dtype)
                act = op[len("bias_"):]
                self.ref = _slow.SLOW[act](x.astype(wide(dtype)))    # unrounded
            else:                               # the op's twin in the wide type, unrounded
                ref = _slow.SLOW[op](*(a.astype(wide(dtype)) for a in args))
                with np.errstate(all="ignore"):     # g * d overflowing dt: inf is right
                    over = np.isfinite(ref) & np.isinf(ref.astype(dtype))
                    self.ref = np.where(over, np.inf * np.sign(ref), ref)

    def check(self, got, mode, what=""):
        what = f"{self.op} {self.dtype} {mode} {what}".rstrip()
        assert got.dtype == self.dtype, what
        assert got.shape == self.shape, what
        if got.size == 0:
            return
        if self.op not in ULP_BOUNDS:
            try:
                same_bits(got, self.want)
            except AssertionError as e:
                raise AssertionError(f"{what}: {e}") from None
            return
        bound = ulp_bound(self.op, self.dtype, mode)
        b = bits(got)
        if any(pb <= bound and np.array_equal(prev, b) for prev, pb in self.passed):
            return
        err = self._silu_backward_error(got, mode) if self.op == "silu_backward" \
            else ulp_error(got, self.ref)
        if err.max() > bound:
            i = int(np.argmax(err))
            pytest.fail(f"{what}: {err.max():.3f} ulp > {bound} at "
                        + ", ".join(f"{a.flat[i]!r} (0x{int(bits(a).flat[i]):x})"
                                    for a in self.args) + f": got {got.flat[i]!r}")
        self.passed.append((b.copy(), bound))

    def _silu_backward_reference(self, g, x):
        """silu_backward: float32 (and 16-bit) against the exact value; float64
        also pays the rounding of 1 + x * (1 - s) relative to its terms (a few
        eps, fast mode more), and s's own subnormal rounding."""
        dt = self.dtype
        ref = _slow.silu_backward(g.astype(wide(dt)), x.astype(wide(dt)))
        with np.errstate(all="ignore"):         # overflow of the result: inf is right
            self.over = np.isfinite(ref) & np.isinf(ref.astype(dt))
            self.ref_over = np.where(self.over, np.inf * np.sign(ref), ref)
        self.g_inf, self.x = np.isinf(g), x
        if dt != np.float64:
            return
        w = x.astype(np.longdouble)
        s, t = _slow.sigmoid(w), _slow.sigmoid(-w)
        with np.errstate(all="ignore"):
            scale = np.abs(g.astype(np.longdouble)) * s * (1 + np.where(np.isinf(w), 0, np.abs(w * t)))
            self.ulp = np.spacing(np.abs(ref).astype(np.float64)).astype(np.longdouble)
            self.eps_slack = np.finfo(np.float64).eps * scale / self.ulp
            # silu'(x) is computed in float64: where s is subnormal (x < -708) or
            # underflows (x < -745, as in torch), it is good to 2^-1074 absolute only
            sub = np.abs(g.astype(np.longdouble)) * (1 + np.where(np.isinf(w), 0, np.abs(w))) \
                * np.longdouble(2.0**-1074)
            self.sub_slack = np.where(w < -700, sub / self.ulp, 0)
        self.ref = ref

    def _silu_backward_error(self, got, mode):
        dt = self.dtype
        # g = +-inf where silu' underflows in the compute type (float64: x < -745;
        # the twin's long double does not): inf * 0 = NaN is fair; and a result
        # that rounds just past the largest finite value may stop at it (1 ulp)
        free = (self.g_inf & (self.x < -700) & np.isnan(got)) \
            | (self.over & (np.abs(got) == np.finfo(dt).max))
        err = ulp_error(got, self.ref_over)
        if dt == np.float64:
            with np.errstate(all="ignore"):
                slack = (8 if mode == "fast" else 2) * self.eps_slack + self.sub_slack
                near = np.abs(got.astype(np.longdouble) - self.ref) / self.ulp - slack
                err = np.where(np.isfinite(self.ref_over) & np.isfinite(got), near,
                               err).astype(np.float64)
        return np.where(free, 0, err)


def _distinct(args):
    """(args' distinct element tuples as 1-d arrays, the inverse that maps them
    back), or (args, None) where that saves little (inputs of layouts.values
    longer than 2 POOL repeat POOL tuples)."""
    size = args[0].size
    if size <= 2 * POOL or args[0].dtype.itemsize > 8:
        return args, None
    flat = [np.ascontiguousarray(a).reshape(-1) for a in args]
    key = np.zeros(size, np.int64)              # the tuple's index in a mixed radix
    for f in flat:
        ids, ids_of = np.unique(bits(f), return_inverse=True)
        if key.max() >= 2**62 // ids.size:
            return args, None
        key = key * ids.size + ids_of.reshape(-1)
    _, first, inverse = np.unique(key, return_index=True, return_inverse=True)
    if first.size > size // 4:
        return args, None
    distinct = [f[first] for f in flat]
    inverse = inverse.reshape(-1)
    return distinct, inverse


def check(op, dtype, mode, got, args):
    """got = op(*args) against the twin (see Twin)."""
    Twin(op, dtype, args).check(got, mode)


def use_variant(name):
    """The context that runs calls on one kernel variant: an ISA level of the
    compiled kernels, the numba backend, or "default" (the ladder's choice)."""
    if name == "default":
        return contextlib.nullcontext(name)
    if name in _dispatch.available_isas():
        return _dispatch.use_isa(name)
    return _dispatch.backend(name)


# ---- the semantics table's special values, one table for every op ---------------
#
# SPECIALS[op]: (arguments, result) pairs the README's semantics table promises,
# exact in both accuracy modes and in every float dtype (so they are checked bit
# for bit, signed zeros included; NaN is any NaN; "max" / "-max" are the dtype's
# largest finite values).  test_op_table fails for an op of fastrelu/_ops.py
# that has no row here.
inf, nan = float("inf"), float("nan")
SPECIALS = {
    "relu": [((-0.0,), 0.0), ((nan,), nan), ((inf,), inf), ((-inf,), 0.0), ((-2.0,), 0.0),
             ((3.0,), 3.0)],
    "sigmoid": [((inf,), 1.0), ((-inf,), 0.0), ((nan,), nan), ((0.0,), 0.5), ((-0.0,), 0.5),
                (("-max",), 0.0), (("max",), 1.0)],
    "relu_backward": [((5.0, 1.0), 5.0), ((5.0, 0.0), 0.0), ((5.0, -0.0), 0.0),
                      ((5.0, -1.0), 0.0), ((5.0, nan), nan), ((nan, 1.0), nan),
                      ((nan, -1.0), 0.0), ((-inf, -1.0), 0.0), ((-3.0, 2.0), -3.0)],
    "sigmoid_backward": [((1.0, 0.5), 0.25), ((2.0, 0.0), 0.0), ((2.0, 1.0), 0.0),
                         ((nan, 0.5), nan), ((1.0, nan), nan), ((inf, 0.5), inf)],
    "leaky_relu": [((-0.0, 0.01), 0.0), ((0.0, -2.0), 0.0), ((nan, 0.01), nan),
                   ((inf, 0.01), inf), ((-inf, 0.0), 0.0), ((-inf, 0.5), -inf),
                   ((-2.0, 0.5), -1.0), ((-2.0, 0.0), 0.0), ((3.0, 0.5), 3.0)],
    "leaky_relu_backward": [((3.0, 1.0, 0.5), 3.0), ((3.0, -1.0, 0.5), 1.5),
                            ((3.0, 0.0, 0.5), 1.5), ((3.0, -1.0, 0.0), 0.0),
                            ((-3.0, -1.0, 0.0), 0.0), ((3.0, nan, 0.5), nan),
                            ((3.0, -0.0, 0.0), 0.0)],
    "silu": [((inf,), inf), ((-inf,), -0.0), ((nan,), nan), ((0.0,), 0.0), ((-0.0,), -0.0),
             ((100.0,), 100.0)],
    "silu_backward": [((1.0, 0.0), 0.5), ((2.0, 0.0), 1.0), ((3.0, inf), 3.0),
                      ((1.0, nan), nan), ((nan, 1.0), nan)],
    "softplus": [((inf,), inf), ((-inf,), 0.0), ((nan,), nan), ((100.0,), 100.0),
                 (("-max",), 0.0), (("max",), "max")],
    "log_sigmoid": [((inf,), -0.0), ((-inf,), -inf), ((nan,), nan), ((-100.0,), -100.0),
                    (("max",), -0.0), (("-max",), "-max")],
    "bias_relu": [((-0.0, -0.0), 0.0), ((-1.0, 1.0), 0.0), ((1.0, -1.0), 0.0),
                  ((nan, 1.0), nan), ((inf, 1.0), inf), ((2.0, 1.0), 3.0)],
    "bias_sigmoid": [((inf, 1.0), 1.0), ((-inf, 1.0), 0.0), ((nan, 0.0), nan),
                     ((0.0, -0.0), 0.5), ((1.0, -1.0), 0.5)],
    "bias_silu": [((inf, 1.0), inf), ((-inf, 1.0), -0.0), ((nan, 0.0), nan),
                  ((1.0, -1.0), 0.0), ((-0.0, -0.0), -0.0)],
    "gelu": [((inf,), inf), ((-inf,), -0.0), ((nan,), nan), ((0.0,), 0.0), ((-0.0,), -0.0),
             ((100.0,), 100.0), (("max",), "max"), (("-max",), -0.0)],
    "gelu_backward": [((3.0, inf), 3.0), ((3.0, -inf), -0.0), ((-2.0, -inf), 0.0),
                      ((2.0, 0.0), 1.0), ((3.0, 100.0), 3.0), ((1.0, nan), nan),
                      ((nan, 1.0), nan)],
}
del inf, nan
