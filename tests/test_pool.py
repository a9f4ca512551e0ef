"""fastrelu's own thread pool (kernels/pool.h): idle workers leave the cores,
every thread count gives the same bits, bad thread counts are refused, and
a process held to one thread starts no worker."""
import os
import sys
import time

import numpy as np
import pytest

import fastrelu as fr
from fastrelu import _ufuncs

from test_dispatch import run_py

needs_threads = pytest.mark.skipif(not _ufuncs.have_threads(), reason="build without threads")


def _cpu_seconds():
    t = os.times()
    return t.user + t.system


@needs_threads
@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="os.times granularity")
def test_idle_workers_sleep_after_the_spin():
    """After a threaded call the workers spin for get_spin_us() and then sleep:
    a 0.3 s pause costs the process (almost) no CPU time.  libgomp's default
    active wait, which this pool replaced, burned a core here."""
    prev = fr.get_num_threads()
    try:
        fr.set_num_threads(2)
        x = np.ones(1 << 22, np.float32)
        for _ in range(5):
            fr.sigmoid_(x)
        assert _ufuncs.pool_workers() >= 1
        assert _ufuncs.get_spin_us() < 10_000
        before = _cpu_seconds()
        time.sleep(0.3)
        burnt = _cpu_seconds() - before
        # a spinning worker would burn ~0.3 s; ticks are 10 ms
        assert burnt < 0.06, f"idle pool used {burnt:.3f} s of CPU in 0.3 s"
    finally:
        fr.set_num_threads(prev)


@needs_threads
def test_spin_knob_round_trips():
    prev = _ufuncs.get_spin_us()
    try:
        _ufuncs.set_spin_us(0)          # park at once: calls still right
        x = np.linspace(-9, 9, 1 << 20).astype(np.float32)
        ref = fr.sigmoid(x)
        fr.set_num_threads(2)
        assert _ufuncs.get_spin_us() == 0
        for _ in range(3):
            assert np.array_equal(fr.sigmoid(x), ref)
    finally:
        _ufuncs.set_spin_us(prev)


@pytest.mark.parametrize("op", ["relu", "sigmoid", "silu", "sigmoid_backward", "bias_sigmoid"])
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_same_bits_at_every_thread_count_and_chunking(op, dtype):
    """Chunk boundaries move with the thread count (and a late worker leaves
    its chunks to the caller): the bits must not."""
    rng = np.random.default_rng(7)
    n = 3 * (1 << 18) + 5                  # not a multiple of any chunk or vector
    x = (rng.standard_normal(n) * 8).astype(dtype)
    uf = getattr(fr, op)
    args = (x,) * uf.nin
    if op.startswith("bias_"):
        args = (x.reshape(-1, 1)[: n - n % 7].reshape(-1, 7), rng.standard_normal(7).astype(dtype))
    prev = fr.get_num_threads()
    try:
        fr.set_num_threads(1)
        ref = uf(*args)
        for threads in (2, 3, 5):
            fr.set_num_threads(threads)
            # the plan C will run (a build without threads runs everything serially)
            assert fr.explain(op, args[0]).threads == (threads if _ufuncs.have_threads() else 1)
            assert np.array_equal(uf(*args), ref, equal_nan=True), threads
            strided = tuple(a[::2] for a in args) if not op.startswith("bias_") else None
            if strided:
                assert np.array_equal(uf(*strided), ref[::2], equal_nan=True), threads
    finally:
        fr.set_num_threads(prev)


def test_fused_counts_at_every_thread_count():
    """Per-participant counts are summed once: the same totals at any split
    (bands of rows, or of columns when rows are fewer than threads)."""
    rng = np.random.default_rng(3)
    prev = fr.get_num_threads()
    try:
        for shape in [(2048, 512), (1, 1 << 19), (3, 100_003)]:
            h = rng.standard_normal(shape).astype(np.float32)
            b = rng.standard_normal(shape[1]).astype(np.float32)
            results = []
            for threads in (1, 2, 4):
                fr.set_num_threads(threads)
                st = fr.UnitStats()
                y = fr.bias_relu_(h.copy(), b, stats=st)
                results.append((y, st.counts.copy()))
            for y, c in results[1:]:
                assert np.array_equal(y, results[0][0]) and np.array_equal(c, results[0][1])
            assert results[0][1].sum() == (results[0][0] == 0).sum()
    finally:
        fr.set_num_threads(prev)


def test_one_thread_process_starts_no_worker():
    """dask's nanny sets OMP_NUM_THREADS=1 in each worker process: there the
    pool must not start threads of its own."""
    code = ("import numpy as np, fastrelu as fr, threading; from fastrelu import _ufuncs\n"
            "x = np.ones(1 << 22, np.float32)\n"
            "for _ in range(3): fr.sigmoid_(x); fr.relu_(x)\n"
            "print(fr.get_num_threads(), _ufuncs.pool_workers(), threading.active_count())")
    env = dict(OMP_NUM_THREADS="1")
    r = run_py(code, **env)
    assert r.returncode == 0, r.stderr
    assert r.stdout.split()[:2] == ["1", "0"], r.stdout


def test_thread_count_limits():
    prev = fr.get_num_threads()
    try:
        fr.set_num_threads(10_000)           # capped, not refused: like OMP_NUM_THREADS
        assert 1 <= fr.get_num_threads() <= 256
        fr.set_num_threads(3)
        x = np.linspace(-3, 3, 1 << 20)
        assert np.array_equal(fr.relu(x), np.maximum(x, 0))
    finally:
        fr.set_num_threads(prev)
