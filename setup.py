"""Build fastrelu's extension.

kernels/kernels.c is compiled once per ISA level with that level's flags and
linked into fastrelu._ufuncs beside the Cython module; _dispatch.py picks the
best level the CPU has at import.  Set FASTRELU_VEC_REPORT=1 to see gcc's
vectorization report (-fopt-info-vec) for every kernel loop, and
FASTRELU_NO_THREADS=1 to build without the thread pool (every call serial, what a
platform without pthreads and C11 atomics gets).
"""
import glob
import os
import platform
import runpy
import sys
import tempfile
from concurrent.futures import ThreadPoolExecutor

import numpy as np
from Cython.Build import cythonize
from setuptools import Extension, setup
from setuptools.command.build_ext import build_ext
from setuptools.errors import CompileError, LinkError

KERNEL_SOURCE = os.path.join("fastrelu", "kernels", "kernels.c")
# The flags of every ISA level live in kernels/build_flags.py, shared with
# tools/check_vectorized.py (loaded by path: fastrelu is not importable yet).
_FLAGS = runpy.run_path(os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                     "fastrelu", "kernels", "build_flags.py"))
GCC_FLAGS, MSVC_FLAGS, ISA_LEVELS = _FLAGS["GCC_FLAGS"], _FLAGS["MSVC_FLAGS"], _FLAGS["ISA_LEVELS"]
GCC_ONLY_FLAGS = _FLAGS["GCC_ONLY_FLAGS"]
IS_X86 = platform.machine().lower() in ("x86_64", "amd64", "i386", "i686", "x86")
NUMPY_LIB = os.path.join(os.path.dirname(np.get_include()), "lib")


class BuildExt(build_ext):
    def _flags_work(self, flags, link=False):
        with tempfile.TemporaryDirectory() as tmp:
            src = os.path.join(tmp, "probe.c")
            with open(src, "w") as f:
                f.write("#include <math.h>\nint main(void) { return (int)fabs(-0.0); }\n")
            try:
                objs = self.compiler.compile([src], output_dir=tmp, extra_postargs=flags)
                if link:
                    self.compiler.link_executable(objs, os.path.join(tmp, "probe"),
                                                  extra_postargs=flags)
            except (CompileError, LinkError):
                return False
        return True

    def build_extension(self, ext):
        msvc = self.compiler.compiler_type == "msvc"
        base = MSVC_FLAGS if msvc else [
            f for f in GCC_FLAGS if f not in GCC_ONLY_FLAGS or self._flags_work([f, "-Werror"])]
        if os.environ.get("FASTRELU_VEC_REPORT") and not msvc:
            base = base + ["-fopt-info-vec-optimized"]
        levels = [(isa, flags) for isa, flags in ISA_LEVELS
                  if not flags or (not msvc and IS_X86 and self._flags_work(flags))]

        def compile_level(level):
            isa, flags = level
            return self.compiler.compile(
                [KERNEL_SOURCE], output_dir=os.path.join(self.build_temp, isa),
                macros=[("FR_ISA", isa)], extra_postargs=base + flags)
        macros = [("FR_HAVE_" + isa.upper(), "1") for isa, _ in levels]
        # the pool (kernels/pool.h) needs pthreads; without it calls run serially
        no_threads = msvc or os.environ.get("FASTRELU_NO_THREADS") or os.environ.get("FASTRELU_NO_OPENMP")
        threads = [] if no_threads or sys.platform == "win32" else ["-pthread"]
        if no_threads:
            macros.append(("FR_NO_THREADS", "1"))
        level_info = "; ".join(f"{isa}: {' '.join(f) or '(none)'}" for isa, f in ISA_LEVELS
                               if ("FR_HAVE_" + isa.upper(), "1") in macros)
        info = f"{' '.join(base)} | {level_info} | threads: {'no' if no_threads else 'pool'}"
        macros.append(("FR_BUILD_FLAGS", '"' + info.replace('"', "'") + '"'))
        ext.define_macros = list(ext.define_macros) + macros
        ext.extra_compile_args = list(ext.extra_compile_args) + base + threads
        ext.extra_link_args = list(ext.extra_link_args) + threads

        def compile_ext():        # what build_ext would compile, the same arguments
            return self.compiler.compile(
                ext.sources, output_dir=self.build_temp,
                macros=ext.define_macros + [(u,) for u in ext.undef_macros],
                include_dirs=ext.include_dirs, debug=self.debug,
                extra_postargs=ext.extra_compile_args, depends=ext.depends)
        # the levels and the extension's own source are independent objects:
        # one compiler process per core, the longest first (avx512f, avx2)
        jobs = [lambda lv=lv: compile_level(lv) for lv in reversed(levels)]
        jobs.insert(min(2, len(jobs)), compile_ext)
        with ThreadPoolExecutor(max_workers=max(1, min(len(jobs), os.cpu_count() or 1))) as pool:
            done = list(pool.map(lambda job: job(), jobs))
        ext_objects = done.pop(jobs.index(compile_ext))
        objects = [obj for objs in reversed(done) for obj in objs]
        ext.extra_objects = ext_objects + objects + list(ext.extra_objects)
        ext.sources = []          # compiled above: build_ext only links
        super().build_extension(ext)


extensions = [
    Extension(
        "fastrelu._ufuncs",
        sources=[os.path.join("fastrelu", "_ufuncs.pyx")],
        include_dirs=[np.get_include(), "fastrelu"],
        library_dirs=[NUMPY_LIB],
        libraries=["npymath"] + ([] if sys.platform == "win32" else ["m"]),
        define_macros=[("NPY_NO_DEPRECATED_API", "NPY_2_0_API_VERSION")],
        depends=sorted(glob.glob(os.path.join("fastrelu", "kernels", "*.[ch]"))),
    )
]

setup(
    ext_modules=cythonize(extensions, compiler_directives={"language_level": 3}),
    cmdclass={"build_ext": BuildExt},
)
