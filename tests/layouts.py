"""Test inputs: the same values laid out every way a kernel can meet them."""
import numpy as np
import pytest

from fastrelu import _ops, _ufuncs

OP_NAMES = tuple(op.name for op in _ops.OPS)    # every op of the table, in its order
EVERY_OP = pytest.mark.parametrize("op", OP_NAMES)

VECTOR_BYTES = (16, 32, 64)     # a vector register at the baseline, avx2, avx512f levels
BLOCK = 1024                    # loops.h: 16-bit operands go in blocks of this (strided ones in
                                # blocks of 256 or fewer: test_ufunc.test_small_and_wide_steps)
BIG = 2**19 + 3                 # twice the largest threading threshold (2^18), odd
# Longer inputs repeat POOL values (one draw per seed) in one shuffled order
# for every seed, so the i-th elements of an op's arguments are one of POOL
# tuples: twins.Twin computes the reference (mpmath for some ops) per tuple.
POOL = 4099


def sizes(op, dtype):
    """The sizes at which op's loop over dtype changes course (DESIGN.md, "What
    that means here" 6): 0 to 3; around every level's vector width w of the
    type the kernel computes in (float16: float32 or float64) w - 1, w, w + 1,
    2w - 1 and 2w + 1 (gcc's vector epilogue: a half-width vector, then
    scalars), 3w + 1; one block of the strided / 16-bit path +-1; the op's
    threading threshold +-1; and BIG."""
    dt = np.dtype(dtype)
    itemsizes = {dt.itemsize, 4, 8} if dt.itemsize == 2 else {dt.itemsize}
    out = {0, 1, 2, 3, BLOCK - 1, BLOCK + 1, BIG}
    for es in itemsizes:
        for vb in VECTOR_BYTES:
            w = vb // es
            out |= {w - 1, w, w + 1, 2 * w - 1, 2 * w + 1, 3 * w + 1}
    t = _ufuncs.get_parallel_min(op)
    assert 2 * t < BIG, f"BIG must stay above {op}'s threading threshold {t}, twice over"
    out |= {t - 1, t + 1}
    return sorted(out)


@np.errstate(all="ignore")         # building the data may under/overflow the dtype
def special_values(dtype):
    dt = np.dtype(dtype)
    if dt.kind in "iu":
        info = np.iinfo(dt)
        return np.array([0, 1, info.max, info.min, info.max - 1, info.min + 1], dtype=dt)
    info = np.finfo(dt)
    return np.array([0.0, -0.0, np.nan, -np.nan, np.inf, -np.inf, info.max, -info.max,
                     info.tiny, -info.tiny, info.smallest_subnormal, -info.smallest_subnormal,
                     info.tiny / 4, -info.tiny / 4, 1.0, -1.0, 0.5, -0.5, info.eps, -info.eps,
                     20.0, -20.0, 100.0, -100.0, 750.0, -750.0],
                    dtype=np.float64).astype(dt)


@np.errstate(all="ignore")
def values(dtype, n, seed=0):
    """n values of dtype: specials first, then a spread over many binades
    (past 2 POOL values: POOL of them, shuffled; see POOL)."""
    if n > 2 * POOL:
        order = np.random.default_rng(POOL).integers(0, POOL, n)
        return values(dtype, POOL, seed)[order]
    rng = np.random.default_rng(seed)
    dt = np.dtype(dtype)
    if dt.kind in "iu":
        info = np.iinfo(dt)
        body = rng.integers(info.min, info.max, n, dtype=dt, endpoint=True)
    else:
        mag = np.exp(rng.uniform(-12, 7, n))
        body = (mag * rng.choice([-1.0, 1.0], n)).astype(dt)
    sp = special_values(dt)
    body[: min(n, sp.size)] = sp[: min(n, sp.size)]
    return body


def layouts(a):
    """(name, view) pairs holding a's values in different memory layouts."""
    n = a.size
    out = [("contiguous", a.copy())]
    rev = np.empty_like(a)
    rev[::-1] = a
    out.append(("reversed", rev[::-1]))
    two = np.empty(2 * n, a.dtype)
    two[::2] = a
    out.append(("every-other", two[::2]))
    buf = np.empty(n + 1, a.dtype)
    buf[1:] = a
    out.append(("offset-one-element", buf[1:]))
    raw = np.empty(n * a.itemsize + 1, np.uint8)
    unaligned = raw[1:].view(a.dtype)
    unaligned[:] = a
    out.append(("unaligned-bytes", unaligned))
    if n and n % 2 == 0:
        f = np.asfortranarray(a.reshape(2, n // 2))
        out.append(("fortran-2d", f))
    return out


def op_args(op, shape=(3, 4), dtype=np.float32, seed=0, scale=4.0, bias_row=False):
    """Ordinary operands for op (one per argument of its table row), normal
    values times `scale`, of `shape`; with bias_row a fused op's b is one row
    along the last axis (what its in-place form takes)."""
    rng = np.random.default_rng(seed)
    row = _ops.BY_NAME[op]
    out = []
    for i in range(len(row.args)):
        s = shape[-1:] if bias_row and row.kind == "fused" and i == 1 else shape
        out.append((rng.standard_normal(s) * scale).astype(dtype))
    return out


def special_grid(op, dtype):
    """Every special value against every special value in each argument slot,
    flattened (a ternary op: 26^3 triples)."""
    sp = special_values(dtype)
    grids = np.meshgrid(*([sp] * len(_ops.BY_NAME[op].args)), indexing="ij")
    return [g.ravel().copy() for g in grids]
