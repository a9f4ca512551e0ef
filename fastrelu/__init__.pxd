# cython: language_level=3
"""Cython API of fastrelu: ``cimport fastrelu`` and call the kernels' math nogil.

Build the user module with ``include_dirs=[fastrelu.get_include()]`` so that
"fastrelu/kernels/scalar.h" resolves; the functions are inline, so there is
nothing to link.

    cimport fastrelu

    def act(const float[::1] x, float[::1] out):
        with nogil:
            fastrelu.relu_f32(x, out)             # whole memoryview
            v = fastrelu.fr_sigmoid_exact_f32(x[0])  # one element

Scalar functions (from fastrelu/kernels/scalar.h, the math the ufuncs run):
  fr_relu_{f32,f64}(x)                  x > 0 ? x : +0.0, NaN passes
  fr_sigmoid_fast_{f32,f64}(x)          accuracy "fast" (<= 2 ulp)
  fr_sigmoid_exact_{f32,f64}(x)         accuracy "exact" (same bits on every ISA)
  fr_relu_bwd_{f32,f64}(g, y)           g where y > 0, 0 where y <= 0, NaN where y is NaN
  fr_sigmoid_bwd_{f32,f64}(g, y)        (g * y) * (1 - y)

Memoryview helpers (contiguous 1-d; out may be x or g, lengths must match,
else ValueError; they hold no GIL and run serially on the calling thread):
  relu_{f32,f64}(x, out), sigmoid_{f32,f64}(x, out) (fast),
  sigmoid_exact_{f32,f64}(x, out),
  relu_backward_{f32,f64}(g, y, out), sigmoid_backward_{f32,f64}(g, y, out)

Bits: relu, both backward ops and exact sigmoid equal fr.relu & co. bit for
bit.  Fast sigmoid equals the ufunc's kernel for the ISA level the module is
compiled for (without FMA flags: the "baseline" level; with -mavx2 -mfma: the
"avx2" level).  Compile with -ffp-contract=off (gcc/clang), never -ffast-math.
"""
cimport cython

cdef extern from "fastrelu/kernels/scalar.h" nogil:
    float fr_relu_f32(float x)
    double fr_relu_f64(double x)
    float fr_sigmoid_fast_f32(float x)
    double fr_sigmoid_fast_f64(double x)
    float fr_sigmoid_exact_f32(float x)
    double fr_sigmoid_exact_f64(double x)
    float fr_relu_bwd_f32(float g, float y)
    double fr_relu_bwd_f64(double g, double y)
    float fr_sigmoid_bwd_f32(float g, float y)
    double fr_sigmoid_bwd_f64(double g, double y)


cdef inline int _check_len(Py_ssize_t n, Py_ssize_t m, Py_ssize_t k) except -1 nogil:
    if n != m or n != k:
        with gil:
            raise ValueError(f"fastrelu: lengths differ ({n}, {m}, {k})")
    return 0


# ---- unary: out[i] = f(x[i]) ------------------------------------------------
cdef inline int relu_f32(const float[::1] x, float[::1] out) except -1 nogil:
    cdef Py_ssize_t i, n = x.shape[0]
    _check_len(n, out.shape[0], n)
    with cython.boundscheck(False), cython.wraparound(False):
        for i in range(n):
            out[i] = fr_relu_f32(x[i])
    return 0

cdef inline int relu_f64(const double[::1] x, double[::1] out) except -1 nogil:
    cdef Py_ssize_t i, n = x.shape[0]
    _check_len(n, out.shape[0], n)
    with cython.boundscheck(False), cython.wraparound(False):
        for i in range(n):
            out[i] = fr_relu_f64(x[i])
    return 0

cdef inline int sigmoid_f32(const float[::1] x, float[::1] out) except -1 nogil:
    cdef Py_ssize_t i, n = x.shape[0]
    _check_len(n, out.shape[0], n)
    with cython.boundscheck(False), cython.wraparound(False):
        for i in range(n):
            out[i] = fr_sigmoid_fast_f32(x[i])
    return 0

cdef inline int sigmoid_f64(const double[::1] x, double[::1] out) except -1 nogil:
    cdef Py_ssize_t i, n = x.shape[0]
    _check_len(n, out.shape[0], n)
    with cython.boundscheck(False), cython.wraparound(False):
        for i in range(n):
            out[i] = fr_sigmoid_fast_f64(x[i])
    return 0

cdef inline int sigmoid_exact_f32(const float[::1] x, float[::1] out) except -1 nogil:
    cdef Py_ssize_t i, n = x.shape[0]
    _check_len(n, out.shape[0], n)
    with cython.boundscheck(False), cython.wraparound(False):
        for i in range(n):
            out[i] = fr_sigmoid_exact_f32(x[i])
    return 0

cdef inline int sigmoid_exact_f64(const double[::1] x, double[::1] out) except -1 nogil:
    cdef Py_ssize_t i, n = x.shape[0]
    _check_len(n, out.shape[0], n)
    with cython.boundscheck(False), cython.wraparound(False):
        for i in range(n):
            out[i] = fr_sigmoid_exact_f64(x[i])
    return 0


# ---- backward: out[i] = f(g[i], y[i]) -----------------------------------------
cdef inline int relu_backward_f32(const float[::1] g, const float[::1] y,
                                  float[::1] out) except -1 nogil:
    cdef Py_ssize_t i, n = g.shape[0]
    _check_len(n, y.shape[0], out.shape[0])
    with cython.boundscheck(False), cython.wraparound(False):
        for i in range(n):
            out[i] = fr_relu_bwd_f32(g[i], y[i])
    return 0

cdef inline int relu_backward_f64(const double[::1] g, const double[::1] y,
                                  double[::1] out) except -1 nogil:
    cdef Py_ssize_t i, n = g.shape[0]
    _check_len(n, y.shape[0], out.shape[0])
    with cython.boundscheck(False), cython.wraparound(False):
        for i in range(n):
            out[i] = fr_relu_bwd_f64(g[i], y[i])
    return 0

cdef inline int sigmoid_backward_f32(const float[::1] g, const float[::1] y,
                                     float[::1] out) except -1 nogil:
    cdef Py_ssize_t i, n = g.shape[0]
    _check_len(n, y.shape[0], out.shape[0])
    with cython.boundscheck(False), cython.wraparound(False):
        for i in range(n):
            out[i] = fr_sigmoid_bwd_f32(g[i], y[i])
    return 0

cdef inline int sigmoid_backward_f64(const double[::1] g, const double[::1] y,
                                     double[::1] out) except -1 nogil:
    cdef Py_ssize_t i, n = g.shape[0]
    _check_len(n, y.shape[0], out.shape[0])
    with cython.boundscheck(False), cython.wraparound(False):
        for i in range(n):
            out[i] = fr_sigmoid_bwd_f64(g[i], y[i])
    return 0
