"""`cimport fastrelu` from a user's module, built for real against the installed
package (fastrelu/__init__.pxd + fastrelu/kernels/scalar.h via get_include()).

One small extension is compiled per test session (a few seconds); its helpers
must give the ufuncs' bits."""
import importlib.util
import pathlib
import sys
import sysconfig
import textwrap

import numpy as np
import pytest

import fastrelu as fr
from fastrelu import _dispatch
from fastrelu._include import get_include

USER_PYX = textwrap.dedent("""
    # cython: language_level=3
    import numpy as np
    cimport fastrelu
    from fastrelu cimport fr_sigmoid_exact_f64

    cdef extern from *:
        '''
        #if defined(__FMA__) || defined(__AVX512F__)
        #define FR_USER_FMA 1
        #else
        #define FR_USER_FMA 0
        #endif
        '''
        int FR_USER_FMA

    def built_with_fma():
        return bool(FR_USER_FMA)

    def unary(str name, x):
        cdef int k = ("relu", "sigmoid", "sigmoid_exact").index(name)
        out = np.empty_like(x)
        cdef float[::1] xf, of
        cdef double[::1] xd, od
        if x.dtype == np.float32:
            xf = x; of = out
            with nogil:
                if k == 0: fastrelu.relu(xf, of)
                elif k == 1: fastrelu.sigmoid(xf, of)
                else: fastrelu.sigmoid_exact(xf, of)
        else:
            xd = x; od = out
            with nogil:
                if k == 0: fastrelu.relu(xd, od)
                elif k == 1: fastrelu.sigmoid(xd, od)
                else: fastrelu.sigmoid_exact(xd, od)
        return out

    def backward(str name, g, y):
        cdef int k = ("relu_backward", "sigmoid_backward").index(name)
        out = np.empty_like(g)
        cdef float[::1] gf, yf, of
        cdef double[::1] gd, yd, od
        if g.dtype == np.float32:
            gf = g; yf = y; of = out
            with nogil:
                if k == 0: fastrelu.relu_backward(gf, yf, of)
                else: fastrelu.sigmoid_backward(gf, yf, of)
        else:
            gd = g; yd = y; od = out
            with nogil:
                if k == 0: fastrelu.relu_backward(gd, yd, od)
                else: fastrelu.sigmoid_backward(gd, yd, od)
        return out

    def relu_inplace_f64(double[::1] x):
        with nogil:
            fastrelu.relu(x, x)

    def scalar_sigmoid_exact(double v):
        cdef double r
        with nogil:
            r = fr_sigmoid_exact_f64(v)
        return r
""")


def _build_key(flags):
    """What the built module depends on: its source, fastrelu's .pxd/headers,
    Cython, the interpreter and the flags."""
    import hashlib
    import Cython
    h = hashlib.sha256(USER_PYX.encode())
    for f in sorted(pathlib.Path(get_include()).rglob("*")):
        if f.is_file() and f.suffix in (".pxd", ".h", ".pyx"):
            h.update(f.name.encode() + f.read_bytes())
    h.update(f"{Cython.__version__} {sys.version} {flags}".encode())
    return h.hexdigest()[:16]


def _load(path):
    spec = importlib.util.spec_from_file_location("fr_user", path)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    sys.modules["fr_user"] = mod
    return mod


@pytest.fixture(scope="session")
def user_module(tmp_path_factory):
    """The user's module, built once per change of what it depends on (the
    build, ~10 CPU s, is kept in tests/__pycache__ like numba_user's code)."""
    pytest.importorskip("Cython")
    gcc_like = sysconfig.get_platform().startswith(("linux", "macosx"))
    # -O1: half of -O2's build time, the same bits (no contraction either way)
    flags = ["-O1", "-ffp-contract=off"] if gcc_like else []
    cache = pathlib.Path(__file__).resolve().parent / "__pycache__" / (
        "cimport-" + _build_key(flags))
    built = sorted(cache.glob("fr_user*")) if cache.is_dir() else []
    if built:
        return _load(str(built[0]))
    from Cython.Build import cythonize
    from setuptools import Distribution, Extension

    tmp = tmp_path_factory.mktemp("cimport_fastrelu")
    pyx = tmp / "fr_user.pyx"
    pyx.write_text(USER_PYX)
    ext = Extension("fr_user", [str(pyx)], include_dirs=[get_include()],
                    extra_compile_args=flags)
    exts = cythonize([ext], include_path=[get_include()], quiet=True,
                     compiler_directives={"language_level": 3})
    dist = Distribution({"ext_modules": exts, "script_name": "setup.py"})
    cmd = dist.get_command_obj("build_ext")
    cmd.build_lib = str(tmp / "lib")
    cmd.build_temp = str(tmp / "build")
    cmd.ensure_finalized()
    cmd.run()
    path = pathlib.Path(cmd.get_ext_fullpath("fr_user"))
    try:                                     # keep it (a read-only checkout: rebuild next time)
        import shutil
        cache.mkdir(parents=True, exist_ok=True)
        tmp_copy = cache / (path.name + ".part")
        shutil.copy2(path, tmp_copy)
        tmp_copy.rename(cache / path.name)
    except OSError:
        pass
    return _load(str(path))


def _inputs(dtype):
    rng = np.random.default_rng(7)
    specials = [0.0, -0.0, np.inf, -np.inf, np.nan, 1e-45, -1e-45, 5e-324, 88.7, -87.3,
                -103.9, -745.0, 20.0, -20.0, 1.0, -1.0]
    with np.errstate(under="ignore"):            # 5e-324 -> float32 0
        x = np.concatenate([np.array(specials).astype(dtype),
                            (rng.standard_normal(2000) * 30).astype(dtype)])
    return np.ascontiguousarray(x)


def _same_bits(a, b):
    assert a.dtype == b.dtype and a.shape == b.shape
    # NaN payloads may differ (DESIGN: same payload not required)
    nan = np.isnan(a)
    np.testing.assert_array_equal(nan, np.isnan(b))
    np.testing.assert_array_equal(a[~nan].view(f"u{a.itemsize}"), b[~nan].view(f"u{b.itemsize}"))


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_relu_matches_ufunc_bits(user_module, dtype):
    x = _inputs(dtype)
    _same_bits(user_module.unary("relu", x), fr.relu(x))


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_sigmoid_exact_matches_ufunc_bits(user_module, dtype):
    x = _inputs(dtype)
    with fr.accuracy("exact"):
        ref = fr.sigmoid(x)
    _same_bits(user_module.unary("sigmoid_exact", x), ref)


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_sigmoid_fast_matches_kernel_of_same_isa_bits(user_module, dtype):
    # fast mode fuses mul-adds where the compiler may use FMA: a module built with
    # the default flags is the baseline level's math, one built with FMA the avx2 level's
    isa = "avx2" if user_module.built_with_fma() else "baseline"
    if isa != "baseline":
        pytest.skip("sigmoid's fast kernels at avx2 are intrinsics (kernels/sigmoid_avx2.h): "
                    "fast-mode bits differ between levels and backends")
    if isa not in _dispatch.available_isas():
        pytest.skip(f"this CPU cannot run the {isa} kernels")
    x = _inputs(dtype)
    with _dispatch.use_isa(isa), fr.accuracy("fast"):
        ref = fr.sigmoid(x)
    _same_bits(user_module.unary("sigmoid", x), ref)


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("op", ["relu_backward", "sigmoid_backward"])
def test_backward_matches_ufunc_bits(user_module, op, dtype):
    y = _inputs(dtype)
    if op == "sigmoid_backward":
        y = fr.sigmoid(y)
    g = np.random.default_rng(3).standard_normal(y.size).astype(dtype)
    _same_bits(user_module.backward(op, g, y), getattr(fr, op)(g, y))


def test_in_place_scalar_and_errors(user_module):
    x = _inputs("float64")
    ref = fr.relu(x)
    user_module.relu_inplace_f64(x)
    _same_bits(x, ref)
    with fr.accuracy("exact"):
        assert user_module.scalar_sigmoid_exact(-3.0) == fr.sigmoid(-3.0)
    with pytest.raises(ValueError, match="lengths differ"):
        user_module.backward("relu_backward", np.ones(3), np.ones(4))


def test_get_include_finds_header_and_pxd():
    import os
    inc = get_include()
    assert os.path.isfile(os.path.join(inc, "fastrelu", "kernels", "scalar.h"))
    assert os.path.isfile(os.path.join(inc, "fastrelu", "__init__.pxd"))
