"""The LLVM primitives the scalar twins need and Python's operators do not
give: scalar.h's bit casts (fr_scale_*, fr_f64_from_bits), one IEEE division
whatever the caller's error model, branch-free selects, llvm.fma, and the
raw-pointer tests of the cfuncs; and whether fast mode fuses (FAST_FMA).
"""
import numba
from numba import types
from numba.extending import intrinsic

__all__ = ["njit_inline", "njit_called", "njit_linked", "scale", "div", "select", "fma",
           "add_ulps", "bits", "ma_plain", "FAST_FMA",
           "FAST_MA", "same_address", "is_null"]


def njit_inline(f):
    """numba.njit(inline="always"): the twins are inlined into their loops."""
    return numba.njit(inline="always")(f)


def njit_called(f):
    """numba.njit: a call, for the rare paths (an exact float32 op's
    double-double case), compiled once per process instead of once per
    kernel, and kept out of the loops."""
    return numba.njit(f)


# recent numba can mark a function alwaysinline for LLVM (Flags.forceinline)
_FORCEINLINE = hasattr(numba.core.compiler.Flags, "forceinline")


def njit_linked(f):
    """numba.njit(forceinline=True): numba compiles f once per process and
    LLVM inlines it into each caller (numba's inline="always" types and
    inlines f's IR again at every call site, seconds per kernel for the large
    twins); a plain call where numba lacks forceinline."""
    return numba.njit(forceinline=True)(f) if _FORCEINLINE else numba.njit(f)


def _is_float(*tys):
    return all(t in (types.float32, types.float64) for t in tys) and len(set(tys)) == 1


@intrinsic
def scale(typingctx, nm):
    """fr_scale_F32/F64: the bits of nm shifted into the exponent field,
    i.e. 2^(n + K) from nm = n + MAGIC (a bit cast, LLVM vectorizes it)."""
    if not _is_float(nm):
        return None
    shift = 23 if nm == types.float32 else 52

    def codegen(context, builder, sig, args):
        from llvmlite import ir
        ity = ir.IntType(nm.bitwidth)
        bits = builder.bitcast(args[0], ity)
        return builder.bitcast(builder.shl(bits, ity(shift)), args[0].type)
    return nm(nm), codegen


@intrinsic
def div(typingctx, a, b):
    """a / b, one IEEE division whatever the caller's error_model (no
    ZeroDivisionError branch in a user's @njit(error_model="python") loop)."""
    if not _is_float(a, b):
        return None

    def codegen(context, builder, sig, args):
        return builder.fdiv(args[0], args[1])
    return a(a, b), codegen


@intrinsic
def select(typingctx, cond, a, b):
    """cond ? a : b as one LLVM select, as scalar.h's branch-free selects (a
    Python conditional expression would be a branch in numba's IR)."""
    if not (isinstance(cond, types.Boolean) and _is_float(a, b)):
        return None

    def codegen(context, builder, sig, args):
        return builder.select(args[0], args[1], args[2])
    return a(cond, a, b), codegen


@intrinsic
def fma(typingctx, a, b, c):
    """fma(a, b, c), one rounding (FR_MA_F32/F64 on FMA levels)."""
    if not _is_float(a, b, c):
        return None

    def codegen(context, builder, sig, args):
        from llvmlite import ir
        ty = args[0].type
        fn = builder.module.declare_intrinsic("llvm.fma", [ty], ir.FunctionType(ty, [ty] * 3))
        return builder.call(fn, args)
    return a(a, b, c), codegen


@intrinsic
def add_ulps(typingctx, r, k):
    """The float64 whose bits are r's plus k (int64, wrapping), as
    fr_f64_from_bits(fr_bits_f64(r) + (uint64_t)k)."""
    if not (r == types.float64 and k == types.int64):
        return None

    def codegen(context, builder, sig, args):
        from llvmlite import ir
        bits = builder.bitcast(args[0], ir.IntType(64))
        return builder.bitcast(builder.add(bits, args[1]), args[0].type)
    return r(r, k), codegen


@intrinsic
def bits(typingctx, x):
    """The bits of a float64 as an int64, as (int64_t)fr_bits_f64(x) (a bit cast)."""
    if x != types.float64:
        return None

    def codegen(context, builder, sig, args):
        from llvmlite import ir
        return builder.bitcast(args[0], ir.IntType(64))
    return types.int64(x), codegen


@njit_inline
def ma_plain(a, b, c):
    """FR_MA_PLAIN: a*b + c, two roundings (numba never contracts it: no
    fastmath flags, ever)."""
    return a * b + c


def _target_has_fma():
    """Whether numba compiles for a CPU with FMA (the host, or NUMBA_CPU_NAME /
    NUMBA_CPU_FEATURES when set; both are part of numba's cache key)."""
    feats = numba.config.CPU_FEATURES
    if feats is None:
        from numba.core.codegen import get_host_cpu_features
        feats = get_host_cpu_features()
    return "+fma" in feats.split(",")


# FR_MA of fast mode: fused where the target has FMA, as the C build does per
# ISA level; so fast mode gives the bits of the C kernels of the matching level
# (avx2/avx512f with FMA, baseline without).  Exact mode never fuses.
FAST_FMA = _target_has_fma()
FAST_MA = fma if FAST_FMA else ma_plain


# ---- raw pointers (the cfuncs) ----------------------------------------------
@intrinsic
def same_address(typingctx, a, b):
    """a == b for two raw pointers (the kernels' in-place test)."""
    if not (isinstance(a, types.CPointer) and isinstance(b, types.CPointer)):
        return None

    def codegen(context, builder, sig, args):
        intp = context.get_value_type(types.intp)
        return builder.icmp_unsigned("==", builder.ptrtoint(args[0], intp),
                                     builder.ptrtoint(args[1], intp))
    return types.boolean(a, b), codegen


@intrinsic
def is_null(typingctx, a):
    """a == NULL for a raw pointer (the fused kernels' optional bias and counts)."""
    if not isinstance(a, types.CPointer):
        return None

    def codegen(context, builder, sig, args):
        intp = context.get_value_type(types.intp)
        return builder.icmp_unsigned("==", builder.ptrtoint(args[0], intp), intp(0))
    return types.boolean(a), codegen
