"""How fastrelu/kernels/kernels.c is compiled: the flags for every ISA level.

One list for both its users: setup.py, which compiles kernels.c once per
level with them, and tools/check_vectorized.py, which compiles (or reuses the
build's objects) and checks that gcc vectorized every kernel.  Both load this
file by path, since the fastrelu package cannot be imported before it is
built; keep it free of imports.
"""

# Never fast-math: it drops NaN/inf handling.  -ffp-contract=off: no implicit
# FMA contraction, so a loop's scalar tail computes what its vector body does
# and exact mode is bit-identical on every level (fast mode fuses explicitly,
# scalar.h FR_MA); -fno-trapping-math lets gcc if-convert the selects.
# -fno-thread-jumps: jump threading copies sigmoid's division into each arm
# of its selects (two or three vdivps per vector instead of one).
GCC_FLAGS = ["-O3", "-fno-trapping-math", "-ffp-contract=off", "-fno-math-errno",
             "-fno-thread-jumps"]
# gcc's alone: setup.py drops them where the compiler (clang) rejects them
GCC_ONLY_FLAGS = ["-fno-thread-jumps"]
MSVC_FLAGS = ["/O2", "/fp:precise"]
# Best first is decided at run time (kernels/loops.h); here: what to compile.
ISA_LEVELS = [
    ("baseline", []),
    ("avx2", ["-mavx2", "-mfma"]),
    ("avx512f", ["-mavx512f", "-mavx2", "-mfma"]),
]
