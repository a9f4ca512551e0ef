"""Safety under abuse: fuzzed inputs, concurrent threads, huge arrays, leaks."""
import gc
import os
import threading
import tracemalloc

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import fastrelu as fr
from fastrelu import _dispatch, _ufuncs
from layouts import EVERY_OP, OP_NAMES, op_args
from twins import Twin, same_bits

DTYPES = st.sampled_from(["f2", "f4", "f8", "<f4", ">f4", ">f8", "i1", "i2", "i4", "i8",
                          "u1", "u2", "u4", "u8", "?", "c8", "c16", "O", "U3", "M8[s]",
                          [("a", "f4"), ("b", "i4")]])


def numpy_outcome(fn):
    try:
        return fn(), None
    except Exception as e:       # noqa: BLE001 - we compare exception types
        return None, type(e)


@EVERY_OP
@settings(suppress_health_check=list(HealthCheck))     # examples: conftest's profile
@given(dtype=DTYPES, data=st.data(),
       shape=hnp.array_shapes(min_dims=0, max_dims=3, min_side=0, max_side=5))
def test_fuzz_any_dtype_shape_gives_twin_result_or_clean_error(op, dtype, data, shape):
    """Any dtype, shape, values (NaN, inf, subnormals: hypothesis draws them),
    reversed or not: the twin's result (bit for bit or within the op's ulp
    bound) or a clean TypeError for a dtype the op has no loop for."""
    uf = getattr(fr, op)
    dt = np.dtype(dtype)
    arrays = []
    for _ in range(uf.nin):
        if dt.kind in "fiub":
            a = data.draw(hnp.arrays(dt, shape))
        else:
            a = np.zeros(shape, dt)
        if data.draw(st.booleans()) and a.ndim:
            a = a[::-1]
        arrays.append(a)
    with np.errstate(all="ignore"):
        got, err = numpy_outcome(lambda: uf(*arrays))
    if err is not None:
        assert issubclass(err, TypeError), err          # unsupported dtype: clean TypeError
        assert dt.kind not in "fiub" or dt.kind == "b" and op != "relu"
        return
    assert dt.kind in "fiub"
    got = np.asarray(got)
    if dt.kind == "b":          # numpy casts bool to the loop's type (relu: int8) first
        arrays = [a.astype(got.dtype) for a in arrays]
    with np.errstate(all="ignore"):
        twin = Twin(op, got.dtype, arrays)
    twin.check(got, fr.get_accuracy(), f"{dt} {shape}")


@EVERY_OP
@given(n=st.integers(1, 200), shift=st.integers(-5, 5))
def test_fuzz_overlapping_out(n, shift, op):
    """out overlapping an input by any shift: numpy's overlap rules give the
    same answer as computing from copies."""
    uf = getattr(fr, op)
    buf = np.linspace(-4, 4, n + 20)
    lo = 10
    ins = [buf[lo:lo + n]] * uf.nin
    expected = uf(*[a.copy() for a in ins])
    out = buf[lo + shift:lo + shift + n]
    uf(*ins, out=out)
    np.testing.assert_array_equal(out, expected)


def test_readonly_and_failed_calls_write_nothing():
    x = np.linspace(-1, 1, 64)
    out = np.full(64, 7.0)
    ro = out.copy()
    ro.flags.writeable = False
    with pytest.raises(ValueError):
        fr.relu(x, out=ro)
    with pytest.raises(TypeError):
        fr.sigmoid(x, out=np.zeros(64, np.int64))
    with pytest.raises(ValueError):
        fr.sigmoid_backward(x, x[:32], out=out)
    assert (out == 7.0).all()


def test_eight_python_threads_with_different_settings_agree_with_serial():
    """Every op of the table from 8 Python threads at once, each with its own
    backend and accuracy mode, on arrays past the op's threading threshold:
    the bits each setting gives alone."""
    data = {(op, dt): op_args(op, (_ufuncs.get_parallel_min(op) + 17,), dt, seed=k, scale=8)
            for k, op in enumerate(OP_NAMES) for dt in ("f4", "f8")}
    settings_ = [("cython", "fast"), ("cython", "exact"), ("numpy", "fast"), ("auto", "exact"),
                 ("auto", "fast"), ("cython", "fast"), ("auto", "exact"), ("numpy", "exact")]

    def compute(backend, mode):
        with _dispatch.backend(backend), fr.accuracy(mode), np.errstate(all="ignore"):
            return ({key: getattr(fr, key[0])(*args) for key, args in data.items()},
                    (fr.get_accuracy(), fr.explain("sigmoid", data["sigmoid", "f4"][0]).backend))

    expected = {s: compute(*s) for s in set(settings_)}
    results = [None] * len(settings_)
    errors = []

    def worker(i, s):
        try:
            for _ in range(3):
                results[i] = compute(*s)
        except Exception as e:     # noqa: BLE001
            errors.append(e)

    ts = [threading.Thread(target=worker, args=(i, s)) for i, s in enumerate(settings_)]
    prev = fr.get_num_threads()
    fr.set_num_threads(2)
    try:
        for t in ts:
            t.start()
        for t in ts:
            t.join(120)
    finally:
        fr.set_num_threads(prev)
    assert not errors
    assert {key[0] for key in data} == set(OP_NAMES)
    for (res, seen), s in zip(results, settings_):
        exp, exp_seen = expected[s]
        assert seen == exp_seen == (s[1], "cython" if s[0] == "auto" else s[0])
        for key in exp:
            same_bits(res[key], exp[key])


def _rss_bytes():
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")


@pytest.mark.skipif(not os.path.exists("/proc/self/statm"), reason="needs /proc")
def test_no_leaks_small_large_and_error_paths():
    """Every op's ufunc and in-place form, small and past the threading
    threshold, and their error paths: neither RSS nor Python objects grow."""
    small = {op: op_args(op, (4, 25), np.float32, seed=1, scale=1, bias_row=True)
             for op in OP_NAMES}
    big = {op: op_args(op, (1 << 10, 1 << 10), np.float32, seed=2, scale=1, bias_row=True)
           for op in OP_NAMES}
    ro = small["relu"][0].copy()
    ro.flags.writeable = False

    def round_():
        for _ in range(500):
            for op, args in small.items():
                getattr(fr, op)(*args)
                getattr(fr, op + "_")(*args)
        for op, args in big.items():
            getattr(fr, op + "_")(*args)
            getattr(fr, op)(*args, out=args[0])
        for _ in range(100):
            for op, args in small.items():
                for bad in (lambda: getattr(fr, op + "_")(ro, *args[1:]),
                            lambda: getattr(fr, op + "_")(np.ones(3, complex), *args[1:]),
                            lambda: getattr(fr, op)(*[np.ones(3, complex)] * len(args))):
                    try:
                        bad()
                    except (TypeError, ValueError):
                        pass

    round_()            # warm up caches, pools, interned objects
    gc.collect()
    before = _rss_bytes()
    tracemalloc.start()
    for _ in range(5):
        round_()
    gc.collect()
    traced, _peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    grown = _rss_bytes() - before
    assert grown < 8 << 20, f"RSS grew by {grown / 2**20:.1f} MiB over 5 rounds"
    assert traced < 1 << 20, f"{traced} bytes of Python objects still alive"


@pytest.mark.ci_only
@pytest.mark.skipif(os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") < 12 << 30,
                    reason="needs >= 12 GiB of RAM")
def test_more_than_2_to_31_elements():
    n = (1 << 31) + 37
    x = np.empty(n, np.int8)
    x[:] = -1
    x[1::3] = 5
    fr.relu_(x)                                   # contiguous, threaded chunks
    assert x[0] == 0 and x[1] == 5 and x[-1] == (5 if (n - 1) % 3 == 1 else 0)
    assert int(np.count_nonzero(x)) == len(range(1, n, 3))
    del x
    y = np.full(n, -1, np.int8)
    y[-7] = 3
    out = y[::1]
    fr.relu(y[::-1], out=out[::-1])              # strided path over > 2^31 elements
    assert out[-7] == 3 and out[0] == 0 and int(np.count_nonzero(out)) == 1
