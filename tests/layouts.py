"""Test inputs: the same values laid out every way a kernel can meet them."""
import numpy as np

from fastrelu import _dispatch, _ufuncs

# every vector width, and both sides of every op's threading threshold
THRESHOLDS = {_ufuncs.get_parallel_min(op) for op in _dispatch.OPS}
SIZES = sorted(set(range(0, 71)) | {1000, 4095, 4097, 65537, 2**20 + 3}
               | {t + d for t in THRESHOLDS for d in (-1, 1)})


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
    """n values of dtype: specials first, then a spread over many binades."""
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
