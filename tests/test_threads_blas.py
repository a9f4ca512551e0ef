"""A real mixed loop (issue 12): a BLAS matmul, then fastrelu's activation in
place on its output, a few steps, BLAS's threads and fastrelu's taking turns
on the same cores.  Values only, never timing (the timing is ``python -m
fastrelu bench --sections mixed``).

Each step's matmul output is kept (a copy, before the activation) and the
activation's output checked against it: relu_ bit for bit against numpy's
relu; sigmoid_ bit for bit against ``fastrelu.sigmoid`` (out of place) on the
copy, and within the sigmoid bound of tests/ulp.py (the current accuracy mode)
of 1 / (1 + exp(-x)) evaluated wider (float64 for float32, long double for
float64).  Then the loop runs again under
``threadpoolctl.threadpool_limits(1)`` (BLAS and fastrelu on one thread) and
gives the same bits: same input, same output, whatever the threads.
"""
import numpy as np
import pytest

import fastrelu as fr
from twins import wide
from ulp import ulp_bound, ulp_error

#: rows x units of h (A: SHAPE, W: units x units): far above the threading thresholds
SHAPE = (1024, 1024)
STEPS = 3
ACTS = {"relu": fr.relu_, "sigmoid": fr.sigmoid_}


def bits(a):
    return a.view(f"u{a.itemsize}")


def operands(dtype):
    rng = np.random.default_rng(12)
    A = rng.standard_normal(SHAPE).astype(dtype)
    W = (rng.standard_normal((SHAPE[1], SHAPE[1])) / np.sqrt(SHAPE[1])).astype(dtype)
    return A, W


def mixed_loop(act_, A, W, steps=STEPS):
    """for each step: np.matmul(x, W, out=h); act_(h); the next x is h.
    Returns each step's matmul output (copied before the activation) and
    activation output."""
    h = np.empty((A.shape[0], W.shape[1]), A.dtype)
    x = A
    pre, post = [], []
    for _ in range(steps):
        np.matmul(x, W, out=h)
        pre.append(h.copy())
        assert act_(h) is h
        post.append(h.copy())
        x = post[-1]
    return pre, post


def check_step(act, pre, post, ulp=True):
    """post is act(pre): relu bit-exact vs numpy; sigmoid bit-exact vs
    fastrelu's out-of-place sigmoid and (``ulp``) within its ulp bound of the
    wider formula."""
    if act == "relu":
        relu = np.where(pre > 0, pre, 0).astype(pre.dtype)  # x > 0 ? x : +0.0
        np.testing.assert_array_equal(bits(post), bits(relu))
        np.testing.assert_array_equal(post, np.maximum(pre, 0))
        return
    np.testing.assert_array_equal(bits(post), bits(fr.sigmoid(pre)))
    w = wide(pre.dtype)
    if not ulp or np.finfo(w).nmant <= np.finfo(pre.dtype).nmant:
        return  # no wider type here (long double == double): the bits above must do
    x = pre.astype(w)
    err = ulp_error(post, 1 / (1 + np.exp(-x)))
    bound = ulp_bound("sigmoid", pre.dtype, fr.get_accuracy())
    assert err.max() <= bound, (err.max(), bound, x.ravel()[err.argmax()])


@pytest.fixture
def two_threads():
    before = fr.get_num_threads()
    fr.set_num_threads(2)
    try:
        yield fr.get_num_threads()
    finally:
        fr.set_num_threads(before)


@pytest.mark.parametrize("dtype", [np.float32, np.float64], ids=["float32", "float64"])
@pytest.mark.parametrize("act", sorted(ACTS))
def test_mixed_blas_loop_values(act, dtype, two_threads):
    threadpoolctl = pytest.importorskip("threadpoolctl")
    A, W = operands(dtype)
    if two_threads == 2:  # a build with threads: the loop really runs two of ours
        assert fr.explain(act, np.empty(SHAPE, dtype)).threads == 2
    pre, post = mixed_loop(ACTS[act], A, W)
    for p, q in zip(pre, post):
        check_step(act, p, q)
    assert len({bits(q).tobytes()[:4096] for q in post}) == STEPS  # the steps differ

    with threadpoolctl.threadpool_limits(1):  # every pool: the BLAS and fastrelu
        assert fr.get_num_threads() == 1
        assert fr.explain(act, post[0]).threads == 1
        blas = [i for i in threadpoolctl.threadpool_info() if i["user_api"] == "blas"]
        assert all(i["num_threads"] == 1 for i in blas)
        pre1, post1 = mixed_loop(ACTS[act], A, W)
        # the 2-thread loop's matmul outputs, activated on one thread
        again = [ACTS[act](p.copy()) for p in pre]
    assert fr.get_num_threads() == two_threads
    for k in range(STEPS):
        np.testing.assert_array_equal(bits(again[k]), bits(post[k]), err_msg=f"step {k}")
        # reference computed on two threads (the ulp bound: checked above)
        check_step(act, pre1[k], post1[k], ulp=False)
    if all(np.array_equal(bits(p), bits(p1)) for p, p1 in zip(pre, pre1)):
        # the BLAS gave the same bits on 1 and 2 threads: so must the whole loop
        for k in range(STEPS):
            np.testing.assert_array_equal(bits(post1[k]), bits(post[k]), err_msg=f"step {k}")
