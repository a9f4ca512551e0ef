# cython: language_level=3
"""Cython API of fastrelu: ``cimport fastrelu`` and call the kernels' math nogil.

Build the user module with ``include_dirs=[fastrelu.get_include()]`` so that
"fastrelu/kernels/scalar.h" resolves; the functions are inline, so there is
nothing to link.

    cimport fastrelu

    def act(const float[::1] x, float[::1] out):
        with nogil:
            fastrelu.relu(x, out)                 # whole memoryview (float or double)
            v = fastrelu.fr_sigmoid_exact_f32(x[0])  # one element

Scalar functions (from fastrelu/kernels/scalar.h, the math the ufuncs run):
  fr_relu_{f32,f64}(x)                  x > 0 ? x : +0.0, NaN passes
  fr_sigmoid_fast_{f32,f64}(x)          accuracy "fast" (<= 2 ulp)
  fr_sigmoid_exact_{f32,f64}(x)         accuracy "exact" (same bits on every ISA)
  fr_relu_bwd_{f32,f64}(g, y)           g where y > 0, 0 where y <= 0, NaN where y is NaN
  fr_sigmoid_bwd_{f32,f64}(g, y)        (g * y) * (1 - y)

Memoryview helpers, fused over float and double (contiguous 1-d; out may be
x or g, lengths must match, else ValueError; they hold no GIL and run
serially on the calling thread):
  relu(x, out), sigmoid(x, out) (fast), sigmoid_exact(x, out),
  relu_backward(g, y, out), sigmoid_backward(g, y, out)

Bits: relu, both backward ops and exact sigmoid equal fr.relu & co. bit for
bit.  Fast sigmoid equals the ufunc's kernel for the ISA level the module is
compiled for (without FMA flags: the "baseline" level; with -mavx2 -mfma: the
"avx2" level).  Compile with -ffp-contract=off (gcc/clang), never the fast-math flag (it breaks NaN/inf).
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


ctypedef fused real:
    float
    double


cdef inline int _check_len(Py_ssize_t n, Py_ssize_t m, Py_ssize_t k) except -1 nogil:
    if n != m or n != k:
        with gil:
            raise ValueError(f"fastrelu: lengths differ ({n}, {m}, {k})")
    return 0


# The scalar math per dtype (one fused name per op), then one loop per arity.
cdef inline real _relu(real x) noexcept nogil:
    return fr_relu_f32(x) if real is float else fr_relu_f64(x)

cdef inline real _sigmoid(real x) noexcept nogil:
    return fr_sigmoid_fast_f32(x) if real is float else fr_sigmoid_fast_f64(x)

cdef inline real _sigmoid_exact(real x) noexcept nogil:
    return fr_sigmoid_exact_f32(x) if real is float else fr_sigmoid_exact_f64(x)

cdef inline real _relu_bwd(real g, real y) noexcept nogil:
    return fr_relu_bwd_f32(g, y) if real is float else fr_relu_bwd_f64(g, y)

cdef inline real _sigmoid_bwd(real g, real y) noexcept nogil:
    return fr_sigmoid_bwd_f32(g, y) if real is float else fr_sigmoid_bwd_f64(g, y)


# ---- unary: out[i] = f(x[i]); backward: out[i] = f(g[i], y[i]) -------------
# op: 0 relu, 1 sigmoid (fast), 2 sigmoid (exact); 0 relu_bwd, 1 sigmoid_bwd.
cdef inline int _map1(int op, const real[::1] x, real[::1] out) except -1 nogil:
    cdef Py_ssize_t i, n = x.shape[0]
    _check_len(n, out.shape[0], n)
    with cython.boundscheck(False), cython.wraparound(False):
        if op == 0:
            for i in range(n):
                out[i] = _relu(x[i])
        elif op == 1:
            for i in range(n):
                out[i] = _sigmoid(x[i])
        else:
            for i in range(n):
                out[i] = _sigmoid_exact(x[i])
    return 0

cdef inline int _map2(int op, const real[::1] g, const real[::1] y, real[::1] out) except -1 nogil:
    cdef Py_ssize_t i, n = g.shape[0]
    _check_len(n, y.shape[0], out.shape[0])
    with cython.boundscheck(False), cython.wraparound(False):
        if op == 0:
            for i in range(n):
                out[i] = _relu_bwd(g[i], y[i])
        else:
            for i in range(n):
                out[i] = _sigmoid_bwd(g[i], y[i])
    return 0


cdef inline int relu(const real[::1] x, real[::1] out) except -1 nogil:
    return _map1(0, x, out)

cdef inline int sigmoid(const real[::1] x, real[::1] out) except -1 nogil:
    return _map1(1, x, out)

cdef inline int sigmoid_exact(const real[::1] x, real[::1] out) except -1 nogil:
    return _map1(2, x, out)

cdef inline int relu_backward(const real[::1] g, const real[::1] y, real[::1] out) except -1 nogil:
    return _map2(0, g, y, out)

cdef inline int sigmoid_backward(const real[::1] g, const real[::1] y, real[::1] out) except -1 nogil:
    return _map2(1, g, y, out)
