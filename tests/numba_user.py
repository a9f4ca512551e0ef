"""A user's @njit code calling fastrelu.numba, as test_numba.py checks it, kept
in one module so that it is compiled once and cached on disk; the no-FMA
kernels test_numba.py compiles; and warm(), which compiles both so that
conftest.py can run it on the other core while the first tests run.  A
helper, not a test module.

numba keys a cached function by its own source file only, but these functions
inline fastrelu.numba's code: so their cache lives in a directory named after
the hash of fastrelu/numba.py and the modules of fastrelu/_numba/
(tests/__pycache__/numba-<hash>), and a change there compiles them afresh.
(fastrelu's own cfuncs are cached by numba next to _numba/cfuncs.py, keyed by
the same modules: _numba.STAMP.)
"""
import hashlib
import os
import signal
import subprocess
import sys

import numba
import numpy as np
from numba.core import config

from fastrelu import _numba, _ops
from fastrelu import numba as frn

_HERE = os.path.dirname(os.path.abspath(__file__))


def _cache_dir():
    h = hashlib.sha256(_numba.STAMP.encode())
    with open(frn.__file__, "rb") as f:
        h.update(f.read())
    return os.path.join(_HERE, "__pycache__", "numba-" + h.hexdigest()[:16])


_CACHE_DIR = _cache_dir()


def njit(f):
    """numba.njit(cache=True) into _CACHE_DIR; uncached if that is not writable."""
    prev = config.CACHE_DIR
    config.CACHE_DIR = _CACHE_DIR
    try:
        return numba.njit(cache=True)(f)
    except RuntimeError:                           # no locator: no writable cache dir
        return numba.njit(f)
    finally:
        config.CACHE_DIR = prev


# ---- fastrelu.numba inside a user's functions ---------------------------------
@njit
def scalar_loop(x, out, exact):
    for i in range(x.size):
        out[i] = frn.sigmoid_exact(x[i]) if exact else frn.sigmoid(x[i])


@njit
def forward_backward(x, g):
    h = x + x
    a = frn.relu(h)
    s = frn.sigmoid(h)
    frn.relu_backward_(g, h)
    return a, s, g, frn.sigmoid_backward(g, s)


@njit
def sigmoid_new_and_in_place(x):
    """(a new array, x itself written in place)."""
    y = frn.sigmoid(x)
    frn.sigmoid_(x)
    return y, x


SCALARS = (-0.0, np.inf, -np.inf, np.nan, 5.0, 0.0)      # scalar_semantics' s


@njit
def scalar_semantics(sp, s, sub):
    """The spec's special values: relu on the array sp; on the scalars of s
    (SCALARS in sp's dtype); sigmoid and sigmoid_exact of sub (subnormal results)."""
    neg0, inf, ninf, nan, five, zero = s[0], s[1], s[2], s[3], s[4], s[5]
    return (frn.relu(sp), frn.relu(neg0), frn.sigmoid(inf), frn.sigmoid(ninf),
            frn.sigmoid(nan), frn.relu(nan), frn.relu_backward(five, zero),
            frn.relu_backward(five, nan), frn.sigmoid(sub), frn.sigmoid_exact(sub))


# the issue 8 ops, one scalar call each per element: (op, mode, operands)
NEW_SCALAR_OPS = (("leaky_relu", "fast", "xa"), ("leaky_relu_backward", "fast", "gxa"),
                  ("silu", "fast", "x"), ("silu", "exact", "x"),
                  ("silu_backward", "fast", "gx"), ("silu_backward", "exact", "gx"),
                  ("softplus", "fast", "x"), ("softplus", "exact", "x"),
                  ("log_sigmoid", "fast", "x"), ("log_sigmoid", "exact", "x"),
                  ("bias_relu", "fast", "xb"), ("bias_sigmoid", "fast", "xb"),
                  ("bias_sigmoid", "exact", "xb"), ("bias_silu", "fast", "xb"),
                  ("bias_silu", "exact", "xb"))


# three functions, not one: numba compiled the 15 ops' inlined code in 37 s
# so, 47 s as one function (cold caches: CI's; the warm-up's longest step)
@njit
def _scalar_ops_leaky_silu(x, g, a, b, out):
    for i in range(x.size):
        out[0, i] = frn.leaky_relu(x[i], a[i])
        out[1, i] = frn.leaky_relu_backward(g[i], x[i], a[i])
        out[2, i] = frn.silu(x[i])
        out[3, i] = frn.silu_exact(x[i])
        out[4, i] = frn.silu_backward(g[i], x[i])
        out[5, i] = frn.silu_backward_exact(g[i], x[i])


@njit
def _scalar_ops_softplus(x, g, a, b, out):
    for i in range(x.size):
        out[6, i] = frn.softplus(x[i])
        out[7, i] = frn.softplus_exact(x[i])
        out[8, i] = frn.log_sigmoid(x[i])
        out[9, i] = frn.log_sigmoid_exact(x[i])


@njit
def _scalar_ops_bias(x, g, a, b, out):
    for i in range(x.size):
        out[10, i] = frn.bias_relu(x[i], b[i])
        out[11, i] = frn.bias_sigmoid(x[i], b[i])
        out[12, i] = frn.bias_sigmoid_exact(x[i], b[i])
        out[13, i] = frn.bias_silu(x[i], b[i])
        out[14, i] = frn.bias_silu_exact(x[i], b[i])


def scalar_ops(x, g, a, b, out):
    """Row k of out: NEW_SCALAR_OPS[k] of each element, from njit code."""
    for part in (_scalar_ops_leaky_silu, _scalar_ops_softplus, _scalar_ops_bias):
        part(x, g, a, b, out)


@njit
def arrays(x, g, alpha, b, cnt, cnt2):
    """The array plumbing of each arity: scalar and array operands, in
    place, C / F / strided layouts, the fused ops' bias and counts."""
    a1 = frn.leaky_relu(x.T, 0.1)                   # F order; a Python float, cast
    a2 = g.copy()
    frn.leaky_relu_backward_(a2, x, alpha)          # C order, in place
    a3 = frn.leaky_relu_backward(g[:, ::2], x[:, ::2], 0.0)   # strided; relu_backward
    a4 = x.copy()
    frn.bias_relu_(a4, b, cnt)                      # C order, counted
    a5 = np.asfortranarray(x)
    frn.bias_relu_(a5, b, cnt)                      # F order, counted again
    a6 = frn.bias_relu(x[:, ::2], b[::2])           # strided x and b
    a7 = x.copy()
    frn.bias_sigmoid_(a7, b, cnt2, 0.01)
    return a1, a2, a3, a4, a5, a6, a7


def views(base, dtype):
    """The layouts sigmoid_new_and_in_place is checked on: C, F, strided,
    reversed for float64; C for float32 (the layout plumbing is the same code
    for both types, and each (dtype, layout) is one more compile)."""
    if np.dtype(dtype) != np.float64:
        return (base.copy(),)
    return (base.copy(), np.asfortranarray(base), base.copy()[::2, ::3], base.copy()[::-1])


# ---- the no-FMA kernels --------------------------------------------------------
# The ops whose fast math has a multiply-add to fuse (scalar.h's FR_MA,
# FR_PROD_ERR): the rounded ones, those with accuracy modes.  relu, leaky_relu,
# their backward forms, bias_relu and sigmoid_backward have none, so FMA-ness
# does not change them.
FMA_OPS = tuple(op.name for op in _ops.OPS if op.accurate)


# ---- compile ahead ---------------------------------------------------------------
# The no-FMA kernels' cache: apart from the kernel-table cfuncs' (next to
# _numba/cfuncs.py), which the tests compile meanwhile: numba's index files are not
# safe for two processes saving different entries at once.
NO_FMA_CACHE_DIR = os.path.join(_HERE, "__pycache__", "numba-no-fma")


def _warm_steps(no_fma=True):
    for dt in (np.float32, np.float64):
        x = np.linspace(-3, 3, 24, dtype=dt)
        yield lambda: scalar_loop(x, np.empty_like(x), False)
        if dt == np.float64:
            yield lambda: forward_backward(x, x.copy())
        for v in views(x.reshape(4, 6), dt):
            yield lambda: sigmoid_new_and_in_place(v)
        yield lambda: scalar_semantics(x, np.array(SCALARS, dt), x)
    x32 = np.linspace(-3, 3, 24, dtype=np.float32)
    yield lambda: scalar_ops(x32, x32, x32, x32,
                             np.empty((len(NEW_SCALAR_OPS), x32.size), np.float32))
    x2 = np.linspace(-3, 3, 24).reshape(4, 6)
    yield lambda: arrays(x2, x2, x2, x2[0], np.zeros(6, np.int64), np.zeros(6, np.int64))
    if no_fma:
        yield lambda: subprocess.run(
            [sys.executable, "-c", "import numba_user as u; u.compile_no_fma()"],
            env=no_fma_env(), cwd=_HERE, check=True)


def warm(no_fma=True):
    """Compile (or load from the caches) what test_numba.py runs besides the
    kernel-table cfuncs: the functions above for the argument types the tests
    pass, and with no_fma the no-FMA kernels of FMA_OPS (in a process for
    NUMBA_CPU_NAME=generic).  conftest.py runs this in the background and
    holds test_numba.py back until it is done.  SIGTERM stops it between two
    steps, never inside numba's saving of a cache entry (index, then data:
    stopped between the two, the index could point at a stale data file)."""
    stop = []
    signal.signal(signal.SIGTERM, lambda *_: stop.append(True))
    for step in _warm_steps(no_fma):
        if stop:
            return
        step()


def no_fma_env():
    """The environment of a process whose numba target has no FMA."""
    env = dict(os.environ, NUMBA_CPU_NAME="generic", NUMBA_CACHE_DIR=NO_FMA_CACHE_DIR)
    env.pop("NUMBA_CPU_FEATURES", None)
    return env


def compile_no_fma():
    for dt in ("float32", "float64"):
        for op in FMA_OPS:
            _numba.kernel(op, dt, "fast")
