# cython: language_level=3, boundscheck=False, wraparound=False
"""The ufuncs, one per op of kernels.h's op list, built on the kernel table
of kernels/loops.h.

The per-ISA kernels are compiled from kernels/kernels.c by setup.py and linked
in; this module only creates the ufuncs, exposes the registry rows and the
table to _dispatch.py, and carries the few knobs (accuracy, threads, fork).
"""
import numpy as np
cimport numpy as cnp
from libc.float cimport FLT_MAX
from libc.math cimport fabs, INFINITY
from libc.string cimport memcmp
from numpy cimport PyUFuncGenericFunction, PyUFunc_FromFuncAndData, PyUFunc_None
from libc.stdint cimport intptr_t, int64_t

cnp.import_array()
cnp.import_ufunc()

cdef extern from "kernels/loops.h" nogil:
    ctypedef intptr_t fr_intp
    ctypedef void (*fr_unary_fn)(const void *, void *, fr_intp)
    ctypedef void (*fr_binary_fn)(const void *, const void *, void *, fr_intp)
    ctypedef void (*fr_ternary_fn)(const void *, const void *, const void *, void *, fr_intp)
    ctypedef void (*fr_fused_fn)(const void *, const void *, void *, int64_t *, double, fr_intp,
                                 fr_intp)
    ctypedef void (*fr_last_scalar_fn)(char *const *, char *, fr_intp)
    ctypedef struct fr_kernel_row:
        const char *name
        int op, dtype, accuracy
        fr_unary_fn unary
        fr_binary_fn binary
        int serial
        fr_ternary_fn ternary
        fr_fused_fn fused
        fr_last_scalar_fn last_scalar
    ctypedef struct fr_isa_entry:
        const char *name
        const char *features
        const fr_kernel_row *rows
    enum:
        FR_RELU, FR_NOPS      # the op list itself is kernels.h's FR_OPS
        FR_KIND_UNARY, FR_KIND_BINARY, FR_KIND_TERNARY, FR_KIND_FUSED
        FR_F32, FR_F64, FR_I8, FR_I16, FR_I32, FR_I64, FR_NDTYPES
        FR_FAST, FR_EXACT, FR_NACCURACY
        FR_TABLE_AUTO, FR_NTABLES
        FR_FMT_HALF, FR_FMT_BF16
    const int fr_op_kind[FR_NOPS]
    const int fr_op_of[FR_NOPS]
    const int fr_kind_nin[4]
    const char *const fr_op_names[FR_NOPS]
    const fr_isa_entry fr_isas[]
    const fr_kernel_row *fr_tables[FR_NTABLES][FR_NACCURACY][FR_NOPS][FR_NDTYPES]
    fr_kernel_row fr_runtime_rows[128]
    int fr_n_runtime_rows, fr_thread_table
    const fr_kernel_row fr_roofline_rows[4]
    const fr_kernel_row fr_numpy_rows[]
    int fr_default_accuracy, fr_thread_accuracy, fr_num_threads, fr_serial_only
    int fr_narrow_lookups
    fr_intp fr_parallel_min[FR_NOPS]
    ctypedef struct fr_fpstate_all:
        pass
    fr_fpstate_all fr_fp_save_all()
    void fr_fp_restore_all(fr_fpstate_all)
    int fastrelu_get_num_threads()
    void fastrelu_set_num_threads(int)
    const char *fr_build_compiler
    const char *fr_build_flags
    int fr_cpu_has(const char *)
    int fr_have_threads()
    void fr_pool_set_spin_us(long)
    long fr_pool_get_spin_us()
    void fr_pool_set_yield(int)
    int fr_pool_started()
    long long fr_pool_jobs()
    long long fr_pool_worker_chunks()
    const fr_kernel_row *fr_current_kernel(int op, int dtype)
    const fr_kernel_row *fr_plan(int op, int dtype, fr_intp n, fr_intp step, int *threads,
                                 fr_intp *chunk)
    void fr_run_contig(const fr_kernel_row *, char **, fr_intp, size_t, int last_scalar)
    void fr_run_contig_fp(const fr_kernel_row *, char **, fr_intp, size_t, int last_scalar)
    ctypedef struct fr_grid_job:
        const fr_kernel_row *row
        char **args
        int nd
        cnp.npy_intp shape[8]
        cnp.npy_intp step[4][8]
        fr_intp rows, cols, per
    void fr_run_grid_fp(fr_grid_job *)
    int fr_run_rows(int op, int dtype, size_t es, char *x, const char *bias, char *out,
                    int64_t *counts, double eps, fr_intp rows, fr_intp cols)
    ctypedef void (*fr_np_hook_fn)(int, int, const void *, const void *, const void *, void *,
                                   int64_t *, double, fr_intp, fr_intp) noexcept nogil
    fr_np_hook_fn fr_np_hook
    void fr_loop_narrow(char **, cnp.npy_intp *, cnp.npy_intp *, void *)
    void fr_loop_f32(char **, cnp.npy_intp *, cnp.npy_intp *, void *)
    void fr_loop_f64(char **, cnp.npy_intp *, cnp.npy_intp *, void *)
    void fr_loop_ld(char **, cnp.npy_intp *, cnp.npy_intp *, void *)
    void fr_loop_i8(char **, cnp.npy_intp *, cnp.npy_intp *, void *)
    void fr_loop_i16(char **, cnp.npy_intp *, cnp.npy_intp *, void *)
    void fr_loop_i32(char **, cnp.npy_intp *, cnp.npy_intp *, void *)
    void fr_loop_i64(char **, cnp.npy_intp *, cnp.npy_intp *, void *)
    void fr_loop_copy(char **, cnp.npy_intp *, cnp.npy_intp *, void *)

OPS = tuple(fr_op_names[i].decode() for i in range(FR_NOPS))     # kernels.h's op list
KINDS = ("unary", "binary", "ternary", "fused")
OP_KIND = {op: KINDS[fr_op_kind[i]] for i, op in enumerate(OPS)}
OP_OF = {op: OPS[fr_op_of[i]] for i, op in enumerate(OPS)}     # a fused op's activation
NIN = {op: (1, 2, 3, 2)[fr_op_kind[i]] for i, op in enumerate(OPS)}
TABLES = ("auto", "cython", "numba", "numpy")
DTYPES = ("float32", "float64", "int8", "int16", "int32", "int64")
ACCURACIES = ("fast", "exact")

# ---- the ufuncs -------------------------------------------------------------
# numpy keeps pointers to these arrays for the life of the process.
cdef enum:
    MAXLOOPS = 16
cdef PyUFuncGenericFunction _funcs[FR_NOPS][MAXLOOPS]
cdef void *_data[FR_NOPS][MAXLOOPS]
cdef char _types[FR_NOPS][MAXLOOPS * 4]

_keep = []

cdef PyUFuncGenericFunction _signed_loop(int itemsize):
    if itemsize == 1: return <PyUFuncGenericFunction>fr_loop_i8
    if itemsize == 2: return <PyUFuncGenericFunction>fr_loop_i16
    if itemsize == 4: return <PyUFuncGenericFunction>fr_loop_i32
    return <PyUFuncGenericFunction>fr_loop_i64

cdef object _make_ufunc(int op, int nin, list loops, str doc):
    """loops: (PyUFuncGenericFunction address, data, type char) in resolution order."""
    cdef int i, j
    for i, (fn, data, tc) in enumerate(loops):
        _funcs[op][i] = <PyUFuncGenericFunction><intptr_t>fn
        _data[op][i] = <void *><intptr_t>data
        for j in range(nin + 1):
            _types[op][i * (nin + 1) + j] = <char>np.dtype(tc).num
    cdef bytes bname = OPS[op].encode(), bdoc = doc.encode()
    _keep.append((bname, bdoc))     # numpy keeps the name/doc pointers
    return PyUFunc_FromFuncAndData(_funcs[op], _data[op], _types[op], len(loops), nin, 1,
                                   PyUFunc_None, bname, bdoc, 0)

cdef intptr_t _addr(PyUFuncGenericFunction f):
    return <intptr_t>f

def _float_loops(int op):
    return [(_addr(<PyUFuncGenericFunction>fr_loop_narrow), op * 2 + FR_FMT_HALF, "e"),
            (_addr(<PyUFuncGenericFunction>fr_loop_f32), op, "f"),
            (_addr(<PyUFuncGenericFunction>fr_loop_f64), op, "d"),
            (_addr(<PyUFuncGenericFunction>fr_loop_ld), op, "g")]      # after "d": ints -> float64

def _relu_loops():
    loops = []
    for signed, unsigned in (("b", "B"), ("h", "H"), ("i", "I"), ("l", "L"), ("q", "Q")):
        size = np.dtype(signed).itemsize
        loops.append((_addr(_signed_loop(size)), FR_RELU, signed))
        loops.append((_addr(<PyUFuncGenericFunction>fr_loop_copy), size, unsigned))
    return loops + _float_loops(FR_RELU)

from . import _ops
if OPS != tuple(o.name for o in _ops.OPS):
    raise ImportError(f"fastrelu: kernels.h's op list {OPS} and _ops.OPS disagree")
if any(OP_KIND[o.name] != o.kind for o in _ops.OPS):
    raise ImportError("fastrelu: kernels.h and _ops.OPS disagree on an op's kind")

def _create(int op):
    loops = _relu_loops() if op == FR_RELU else _float_loops(op)
    row = _ops.OPS[op]
    return _make_ufunc(op, NIN[row.name], loops, row.doc)      # numpy prepends the signature

UFUNCS = {OPS[op]: _create(op) for op in range(FR_NOPS)}
globals().update(UFUNCS)


_bfloat16 = None        # ml_dtypes' bfloat16 dtype once its loops are registered

def bfloat16_dtype():
    """ml_dtypes' bfloat16 dtype if the ufuncs have its loops, else None.  The
    loops are added when ml_dtypes is imported, before or after fastrelu
    (_dispatch._init: register_bfloat16 through _import_hooks)."""
    return _bfloat16

def register_bfloat16(ml_dtypes):
    """Add bfloat16 loops to every float ufunc (ml_dtypes' bfloat16 is a numpy
    user dtype; the loops go on its type number); once."""
    global _bfloat16
    cdef int types[4]
    cdef int op, i
    if _bfloat16 is not None:
        return
    dt = np.dtype(ml_dtypes.bfloat16)
    cdef int num = dt.num
    for op in range(FR_NOPS):
        for i in range(4):
            types[i] = num
        cnp.PyUFunc_RegisterLoopForType(UFUNCS[OPS[op]], num,
                                        <PyUFuncGenericFunction>fr_loop_narrow, types,
                                        <void *><intptr_t>(op * 2 + FR_FMT_BF16))
    _bfloat16 = dt

# ---- registry and table ----------------------------------------------------
def isa_levels():
    """[(isa name, required CPU features)], best first, as compiled."""
    out = []
    cdef int i = 0
    while fr_isas[i].name != NULL:
        feats = fr_isas[i].features.decode()
        out.append((fr_isas[i].name.decode(), tuple(f for f in feats.split(",") if f)))
        i += 1
    return out

def kernel_rows():
    """Every compiled kernel: (isa, index in its registry, name, op, dtype, accuracy|None)."""
    rows = []
    cdef int i = 0, j
    cdef const fr_kernel_row *r
    while fr_isas[i].name != NULL:
        j = 0
        while fr_isas[i].rows[j].name != NULL:
            r = &fr_isas[i].rows[j]
            rows.append((fr_isas[i].name.decode(), j, r.name.decode(), OPS[r.op],
                         DTYPES[r.dtype], ACCURACIES[r.accuracy] if r.accuracy >= 0 else None))
            j += 1
        i += 1
    return rows

_runtime_names = []     # keeps the names of runtime rows alive

def add_row(str name, str op, str dtype, accuracy, intptr_t address, bint serial=False):
    """Register a kernel compiled at run time (a Numba cfunc, a numpy-formula
    callback) with the serial signature of its op; returns its index."""
    global fr_n_runtime_rows
    if fr_n_runtime_rows >= 128:
        raise RuntimeError("too many runtime kernels")
    cdef fr_kernel_row *r = &fr_runtime_rows[fr_n_runtime_rows]
    bname = name.encode()
    _runtime_names.append(bname)
    r.name = bname
    r.op, r.dtype = OPS.index(op), DTYPES.index(dtype)
    r.accuracy = -1 if accuracy is None else ACCURACIES.index(accuracy)
    cdef int kind = fr_op_kind[r.op]
    r.unary = <fr_unary_fn>address if kind == FR_KIND_UNARY else NULL
    r.binary = <fr_binary_fn>address if kind == FR_KIND_BINARY else NULL
    r.ternary = <fr_ternary_fn>address if kind == FR_KIND_TERNARY else NULL
    r.fused = <fr_fused_fn>address if kind == FR_KIND_FUSED else NULL
    r.serial = serial
    fr_n_runtime_rows += 1
    return fr_n_runtime_rows - 1

cdef const fr_kernel_row *_row(str source, int index) except NULL:
    cdef int i = 0
    if source == "runtime":
        if not 0 <= index < fr_n_runtime_rows:
            raise IndexError(index)
        return &fr_runtime_rows[index]
    while fr_isas[i].name != NULL and fr_isas[i].name.decode() != source:
        i += 1
    if fr_isas[i].name == NULL:
        raise ValueError(f"ISA {source!r} is not compiled in")
    return &fr_isas[i].rows[index]

def install(str table, str accuracy, str op, str dtype, str source, int index):
    """Point a table slot at row `index` of `source` (an ISA level or "runtime")."""
    fr_tables[TABLES.index(table)][ACCURACIES.index(accuracy)][OPS.index(op)][DTYPES.index(dtype)] = \
        _row(source, index)

def installed(str table, str accuracy, str op, str dtype):
    """Name of the kernel in a table slot (None if empty)."""
    cdef const fr_kernel_row *r = \
        fr_tables[TABLES.index(table)][ACCURACIES.index(accuracy)][OPS.index(op)][DTYPES.index(dtype)]
    return None if r == NULL else r.name.decode()

def swap_thread_table(str table):
    """Make this thread's calls read `table`; return the previous one."""
    global fr_thread_table
    prev = TABLES[fr_thread_table]
    fr_thread_table = TABLES.index(table)
    return prev

def current_table():
    return TABLES[fr_thread_table]

def plan(str op, str dtype, fr_intp n, fr_intp step=0):
    """(kernel name, threads, chunk) the C loop would use for n elements of op
    x dtype on this thread now: contiguous inputs, or inputs step bytes apart."""
    cdef int threads
    cdef fr_intp chunk
    cdef const fr_kernel_row *r = fr_plan(OPS.index(op), DTYPES.index(dtype), n, step, &threads,
                                          &chunk)
    return r.name.decode(), threads, chunk

def kernel_address(str op, str dtype):
    """Address of the kernel this thread's table and accuracy mode hold for op x dtype."""
    cdef const fr_kernel_row *r = fr_current_kernel(OPS.index(op), DTYPES.index(dtype))
    return _row_address(r)

cdef intptr_t _row_address(const fr_kernel_row *r):
    if r.unary != NULL: return <intptr_t>r.unary
    if r.binary != NULL: return <intptr_t>r.binary
    if r.ternary != NULL: return <intptr_t>r.ternary
    return <intptr_t>r.fused

def cpu_has(str feature):
    return bool(fr_cpu_has(feature.encode()))

def build_info():
    """(compiler, flags per ISA level and threads) this extension was built with."""
    return fr_build_compiler.decode(), fr_build_flags.decode()

def have_threads():
    """False in a build without threads (FASTRELU_NO_THREADS=1): every call serial."""
    return bool(fr_have_threads())

def set_spin_us(long us):
    """How long an idle pool worker spins before it sleeps (microseconds)."""
    fr_pool_set_spin_us(us)

def get_spin_us():
    return fr_pool_get_spin_us()

def set_spin_yield(bint on):
    """Whether a spinning worker yields its core every few microseconds."""
    fr_pool_set_yield(on)

def pool_workers():
    """Worker threads started so far (the calling thread is not counted)."""
    return fr_pool_started()

def pool_stats():
    """(worker threads started, threaded jobs run, chunks the workers ran):
    how much the workers actually helped."""
    return fr_pool_started(), fr_pool_jobs(), fr_pool_worker_chunks()

# ---- knobs -----------------------------------------------------------------
def set_default_accuracy(str mode):
    global fr_default_accuracy
    fr_default_accuracy = ACCURACIES.index(mode)

def swap_thread_accuracy(mode):
    """Set this thread's accuracy (None: follow the default); return the previous one."""
    global fr_thread_accuracy
    prev = None if fr_thread_accuracy < 0 else ACCURACIES[fr_thread_accuracy]
    fr_thread_accuracy = -1 if mode is None else ACCURACIES.index(mode)
    return prev

def current_accuracy():
    return ACCURACIES[fr_thread_accuracy if fr_thread_accuracy >= 0 else fr_default_accuracy]

def set_threads(int n):
    fastrelu_set_num_threads(n)

def get_threads():
    return fastrelu_get_num_threads()

def set_parallel_min(str op, fr_intp n):
    fr_parallel_min[OPS.index(op)] = n

def get_parallel_min(str op):
    return fr_parallel_min[OPS.index(op)]

def set_narrow_lookups(bint on):
    """Unary ops over float16/bfloat16 by their tables (on, the default) or
    by the block path the tables are made with (for tests); returns the
    previous setting."""
    global fr_narrow_lookups
    prev = bool(fr_narrow_lookups)
    fr_narrow_lookups = on
    return prev

def after_fork_in_child():
    """A forked child has none of the parent's pool threads: once the parent
    had started workers, the child runs serially (never touching a pool whose
    threads and locks it does not have).  A child forked before any worker
    started (asv's fork server, a multiprocessing pool made early) has a
    pristine pool and starts its own."""
    global fr_serial_only
    if fr_pool_started():
        fr_serial_only = 1

def is_serial_only():
    return bool(fr_serial_only)

# ---- roofline --------------------------------------------------------------
def _contig_float(x, name):
    if not (isinstance(x, cnp.ndarray) and x.dtype.char in "fd" and x.flags.c_contiguous
            and x.flags.writeable):
        raise TypeError(f"{name} needs a writable C-contiguous float32/float64 array")

def roofline_(x):
    """x[i] = x[i] + 0 in place: the plain C loop fastrelu is measured against."""
    _contig_float(x, "roofline_")
    cdef cnp.ndarray a = x
    cdef char *p = <char *>cnp.PyArray_DATA(a)
    cdef fr_intp n = a.size
    cdef size_t es = a.itemsize
    cdef const fr_kernel_row *row = &fr_roofline_rows[0 if es == 4 else 1]
    cdef char *args[2]
    args[0] = p
    args[1] = p
    with nogil:
        fr_run_contig(row, args, n, es, 0)
    return x

def roofline3_(a, b):
    """a[i] = a[i] + b[i] in place: the 3-stream roofline of the backward ops."""
    _contig_float(a, "roofline3_")
    if not (isinstance(b, cnp.ndarray) and b.dtype == a.dtype and b.shape == a.shape
            and b.flags.c_contiguous):
        raise TypeError("roofline3_ needs b like a")
    cdef cnp.ndarray aa = a, bb = b
    cdef char *pa = <char *>cnp.PyArray_DATA(aa)
    cdef char *pb = <char *>cnp.PyArray_DATA(bb)
    cdef fr_intp n = aa.size
    cdef size_t es = aa.itemsize
    cdef const fr_kernel_row *row = &fr_roofline_rows[2 if es == 4 else 3]
    cdef char *args[3]
    args[0] = pa
    args[1] = pb
    args[2] = pa
    with nogil:
        fr_run_contig(row, args, n, es, 0)
    return a

# ---- the numpy backend: plain numpy formulas behind the kernel signature ----
# backend("numpy") lets users A/B fastrelu against numpy in one program; the
# formulas are set by _dispatch (the slow twins).  They need the GIL, so their
# rows are marked serial and never run on worker threads.
numpy_formulas = {}

cdef object _wrap(const void *p, fr_intp n, int typenum):
    cdef cnp.npy_intp dim = n
    return cnp.PyArray_SimpleNewFromData(1, &dim, typenum, <void *>p)

cdef void _np_hook(int op, int dtype, const void *a, const void *b, const void *c, void *out,
                   int64_t *count, double eps, fr_intp rows, fr_intp cols) noexcept with gil:
    # numpy's longdouble formulas raise x87 flags; the caller's flags are restored
    cdef fr_fpstate_all fp = fr_fp_save_all()
    cdef int typenum = cnp.NPY_FLOAT32 if dtype == FR_F32 else cnp.NPY_FLOAT64
    cdef fr_intp n = rows * cols
    name = OPS[op]
    x = _wrap(a, n, typenum).reshape(rows, cols)
    y = _wrap(out, n, typenum).reshape(rows, cols)
    # the other operands: shaped like x, but a fused op's bias is one row (or NULL)
    shape = (int(cols),) if OP_KIND[name] == "fused" else (int(rows), int(cols))
    rest = [None if p == 0 else
            _wrap(<const void *><intptr_t>p, int(np.prod(shape)), typenum).reshape(shape)
            for p in (<intptr_t>b, <intptr_t>c)[:NIN[name] - 1]]
    numpy_formulas[name](x, *rest, out=y)
    if count != NULL:
        cnt = _wrap(count, cols, cnp.NPY_INT64)
        cnt += count_formula(name, y, eps)
    fr_fp_restore_all(fp)

count_formula = None        # (fused op, its output rows, eps) -> per-unit counts; set by _dispatch

def numpy_kernels():
    """[(op, dtype, name, address)] of the numpy-formula kernels."""
    out = []
    cdef int i = 0
    while fr_numpy_rows[i].name != NULL:
        out.append((OPS[fr_numpy_rows[i].op], DTYPES[fr_numpy_rows[i].dtype],
                    fr_numpy_rows[i].name.decode(), _row_address(&fr_numpy_rows[i])))
        i += 1
    return out

fr_np_hook = _np_hook


# ---- the fused bias kernels over rows, for the in-place forms ----------------
def run_rows(str op, cnp.ndarray x, bias, counts, double eps):
    """op(x + bias) into x in place, x C-contiguous float32/float64 with at
    least one axis, bias None or C-contiguous of x.shape[-1] elements and x's
    dtype, counts None or a C-contiguous int64 array of x.shape[-1] elements
    (incremented where the output is zero / saturated).  The caller checks."""
    cdef int dt = FR_F32 if x.dtype.char == "f" else FR_F64
    cdef fr_intp cols = x.shape[x.ndim - 1] if x.ndim else 1
    cdef fr_intp rows = x.size // cols if cols else 0
    cdef char *px = <char *>cnp.PyArray_DATA(x)
    cdef const char *pb = NULL
    cdef int64_t *pc = NULL
    if bias is not None:
        pb = <const char *>cnp.PyArray_DATA(<cnp.ndarray>bias)
    if counts is not None:
        pc = <int64_t *>cnp.PyArray_DATA(<cnp.ndarray>counts)
    cdef int opi = OPS.index(op), rc
    cdef size_t es = x.itemsize
    with nogil:
        rc = fr_run_rows(opi, dt, es, px, pb, px, pc, eps, rows, cols)
    if rc < 0:
        raise MemoryError("fastrelu: no memory for per-thread counts")
    return x


# ---- the in-place forms' fast path ---------------------------------------------
# fastrelu.relu_(x) on a plain ndarray: the ufunc machinery (type resolution,
# the out= keyword, iterator setup) costs more than the kernel at n = 1000.
# Here the operands are checked in C and the table's kernel runs directly,
# exactly as the ufunc's inner loop would run it (same row, same threads, same
# floating-point state handling); anything unusual returns None and the caller
# takes the ufunc path, which also raises the errors.
cdef enum:
    _NOGIL_FROM = 8192         # elements: below, releasing the GIL costs more than it frees

cdef int _fast_dtype(cnp.ndarray a, int op) noexcept:
    """fastrelu's dtype index of a, or -1: float32/float64 for every op,
    signed integers for relu."""
    cdef int t = cnp.PyArray_TYPE(a)
    if t == cnp.NPY_FLOAT32:
        return FR_F32
    if t == cnp.NPY_FLOAT64:
        return FR_F64
    if op != FR_RELU or not cnp.PyTypeNum_ISSIGNED(t) or not cnp.PyTypeNum_ISINTEGER(t):
        return -1
    cdef int size = cnp.PyArray_ITEMSIZE(a)
    return (FR_I8 if size == 1 else FR_I16 if size == 2 else FR_I32 if size == 4
            else FR_I64 if size == 8 else -1)

cdef bint _plain(object a) noexcept:
    """An exact ndarray, C-contiguous, aligned, native byte order."""
    if type(a) is not np.ndarray:
        return False
    cdef cnp.ndarray arr = <cnp.ndarray>a
    return (cnp.PyArray_IS_C_CONTIGUOUS(arr) and cnp.PyArray_ISALIGNED(arr)
            and cnp.PyArray_ISNOTSWAPPED(arr))

cdef bint _alpha_into(object a, int dt, char *buf) except -1:
    """A scalar alpha as numpy would pass it to x's loop, stored in x's dtype
    into buf: a Python float (weak: rounded to x's dtype) or a numpy scalar of
    x's dtype.  Else (or a float beyond float32's range, which numpy's cast
    warns about) False."""
    cdef double v
    if type(a) is float or (dt == FR_F64 and type(a) is np.float64):
        v = <double>a
    elif dt == FR_F32 and type(a) is np.float32:
        v = <double>a
    else:
        return False
    if dt == FR_F64:
        (<double *>buf)[0] = v
        return True
    if dt != FR_F32 or (fabs(v) > FLT_MAX and fabs(v) != INFINITY):
        return False
    (<float *>buf)[0] = <float>v
    return True

cdef bint _rows_apart(cnp.ndarray a) noexcept:
    """No two elements of a share memory: taken the axes from the smallest
    stride up, each stride clears the extent of the axes inside it."""
    cdef int nd = cnp.PyArray_NDIM(a), k, m, best
    cdef cnp.npy_intp *shape = cnp.PyArray_DIMS(a)
    cdef cnp.npy_intp *strides = cnp.PyArray_STRIDES(a)
    cdef cnp.npy_intp span = cnp.PyArray_ITEMSIZE(a), s
    cdef int used[64]
    for k in range(nd):
        used[k] = shape[k] <= 1
    for m in range(nd):
        best = -1
        for k in range(nd):
            if not used[k] and (best < 0 or abs(strides[k]) < abs(strides[best])):
                best = k
        if best < 0:
            break
        used[best] = 1
        s = abs(strides[best])
        if s < span:
            return False
        span = s * (shape[best] - 1) + span
    return True


cdef void _extent(cnp.ndarray a, char **lo, char **hi) noexcept:
    """the bytes a's elements lie in: [lo, hi)"""
    cdef int k
    cdef cnp.npy_intp d
    lo[0] = hi[0] = <char *>cnp.PyArray_DATA(a)
    for k in range(cnp.PyArray_NDIM(a)):
        d = (cnp.PyArray_DIMS(a)[k] - 1) * cnp.PyArray_STRIDES(a)[k]
        if d < 0:
            lo[0] += d
        else:
            hi[0] += d
    hi[0] += cnp.PyArray_ITEMSIZE(a)


cdef bint _rows_contiguous(cnp.ndarray a) noexcept:
    cdef int nd = cnp.PyArray_NDIM(a)
    return (cnp.PyArray_DIMS(a)[nd - 1] <= 1
            or cnp.PyArray_STRIDES(a)[nd - 1] == cnp.PyArray_ITEMSIZE(a))


cdef object _inplace_grid(int op, int dt, cnp.ndarray ax, tuple rest):
    """inplace() for x whose last axis is contiguous but whose rows are not
    back to back (x[:, :k], x[::2, :, :k]; at most 9 axes): every operand of
    x's dtype and shape with contiguous rows, each either x itself or apart
    from it, x without elements sharing memory.  Returns x, or None."""
    cdef int nd = cnp.PyArray_NDIM(ax), nin = fr_kind_nin[fr_op_kind[op]], i, k
    if nd < 2 or nd - 1 > 8 or not _rows_contiguous(ax) or not _rows_apart(ax):
        return None
    cdef fr_grid_job j
    cdef char *args[4]
    cdef char *lo
    cdef char *hi
    cdef char *rlo
    cdef char *rhi
    cdef cnp.ndarray ar
    _extent(ax, &lo, &hi)
    j.nd = nd - 1
    j.cols = cnp.PyArray_DIMS(ax)[nd - 1]
    j.rows = 1
    for k in range(nd - 1):
        j.shape[k] = cnp.PyArray_DIMS(ax)[k]
        j.step[0][k] = j.step[nin][k] = cnp.PyArray_STRIDES(ax)[k]
        j.rows *= j.shape[k]
    args[0] = args[nin] = <char *>cnp.PyArray_DATA(ax)
    for i in range(nin - 1):
        r = rest[i]
        if type(r) is not np.ndarray:
            return None
        ar = <cnp.ndarray>r
        if (cnp.PyArray_TYPE(ar) != cnp.PyArray_TYPE(ax) or not cnp.PyArray_SAMESHAPE(ar, ax)
                or not cnp.PyArray_ISALIGNED(ar) or not cnp.PyArray_ISNOTSWAPPED(ar)
                or not _rows_contiguous(ar)):
            return None
        args[i + 1] = <char *>cnp.PyArray_DATA(ar)
        for k in range(nd - 1):
            j.step[i + 1][k] = cnp.PyArray_STRIDES(ar)[k]
        _extent(ar, &rlo, &rhi)
        if rlo < hi and lo < rhi and not (
                args[i + 1] == args[0]
                and memcmp(cnp.PyArray_STRIDES(ar), cnp.PyArray_STRIDES(ax),
                           nd * sizeof(cnp.npy_intp)) == 0):
            return None            # overlapping x other than as x: numpy's ufunc copies
    j.row = fr_current_kernel(op, dt)
    j.args = args
    if j.rows * j.cols >= _NOGIL_FROM:
        with nogil:
            fr_run_grid_fp(&j)
    elif j.rows * j.cols > 0:
        fr_run_grid_fp(&j)
    return ax


cdef object _inplace_rows(int op, int dt, cnp.ndarray ax, object b):
    """inplace() for a fused op, bias_<act>_(x, b): x C-contiguous with at
    least one axis, b a plain vector of x's dtype and x.shape[-1] elements,
    apart from x: run_rows' pass, without the Python checks of
    _inplace._fused (~6 us; the 1-row call took 6.8 us against 1.1 for the
    ufunc with out=x)."""
    cdef int nd = cnp.PyArray_NDIM(ax)
    if nd == 0 or not cnp.PyArray_IS_C_CONTIGUOUS(ax) or not _plain(b):
        return None
    cdef cnp.ndarray ab = <cnp.ndarray>b
    cdef fr_intp cols = cnp.PyArray_DIM(ax, nd - 1), n = cnp.PyArray_SIZE(ax)
    if cnp.PyArray_TYPE(ab) != cnp.PyArray_TYPE(ax) or cnp.PyArray_NDIM(ab) != 1 \
            or cnp.PyArray_DIM(ab, 0) != cols:
        return None
    cdef size_t es = cnp.PyArray_ITEMSIZE(ax)
    cdef char *px = <char *>cnp.PyArray_DATA(ax)
    cdef const char *pb = <const char *>cnp.PyArray_DATA(ab)
    if pb < px + n * es and pb + cols * es > px:
        return None                # b inside x: numpy's ufunc copies it first
    if n == 0:
        return ax
    if n >= _NOGIL_FROM:
        with nogil:
            fr_run_rows(op, dt, es, px, pb, px, NULL, 0.0, n // cols, cols)
    else:
        fr_run_rows(op, dt, es, px, pb, px, NULL, 0.0, n // cols, cols)
    return ax


def inplace(int op, x, *rest):
    """op(x, *rest) written into x, when x and rest are plain ndarrays (exact
    type, C-contiguous, aligned, native) of one fastrelu dtype and x's shape,
    x writable, no input partly overlapping x: returns x.  The last operand
    may be a scalar alpha (_alpha_into) where the row has a last_scalar
    kernel: leaky_relu_(x, 0.01) of 1000 float32 took 2.0 us through the
    ufunc.  Also when their rows are contiguous but not back to back
    (x[:, :k]; _inplace_grid).  Otherwise None."""
    if type(x) is not np.ndarray:
        return None
    cdef cnp.ndarray ax = <cnp.ndarray>x, ar
    cdef int dt = _fast_dtype(ax, op), nin = fr_kind_nin[fr_op_kind[op]], i
    if dt < 0 or len(rest) != nin - 1 \
            or not cnp.PyArray_ISWRITEABLE(ax) or not cnp.PyArray_ISALIGNED(ax) \
            or not cnp.PyArray_ISNOTSWAPPED(ax):
        return None
    if fr_op_kind[op] == FR_KIND_FUSED:
        return _inplace_rows(op, dt, ax, rest[0])
    if not cnp.PyArray_IS_C_CONTIGUOUS(ax):
        return _inplace_grid(op, dt, ax, rest)
    cdef fr_intp n = cnp.PyArray_SIZE(ax)
    cdef char *args[4]
    cdef char *lo = <char *>cnp.PyArray_DATA(ax)
    cdef char *hi = lo + n * cnp.PyArray_ITEMSIZE(ax)
    cdef double alpha[1]                 # a scalar last operand, in x's dtype
    cdef const fr_kernel_row *row = fr_current_kernel(op, dt)
    args[0] = lo
    for i in range(nin - 1):
        if i == nin - 2 and row.last_scalar != NULL and _alpha_into(rest[i], dt, <char *>alpha):
            args[i + 1] = <char *>alpha
            break
        if not _plain(rest[i]):
            return None
        ar = <cnp.ndarray>rest[i]
        if cnp.PyArray_TYPE(ar) != cnp.PyArray_TYPE(ax) \
                or not cnp.PyArray_SAMESHAPE(ar, ax):
            return None
        args[i + 1] = <char *>cnp.PyArray_DATA(ar)
        if args[i + 1] != lo and args[i + 1] < hi and args[i + 1] + (hi - lo) > lo:
            return None            # partial overlap: numpy's ufunc copies
    args[nin] = lo
    cdef size_t es = cnp.PyArray_ITEMSIZE(ax)
    cdef int last_scalar = args[nin - 1] == <char *>alpha
    if n >= _NOGIL_FROM:
        with nogil:
            fr_run_contig_fp(row, args, n, es, last_scalar)
    elif n > 0:
        fr_run_contig_fp(row, args, n, es, last_scalar)
    return x
