"""Where C and Cython code that embeds fastrelu finds its headers.

    Extension("mymod", ["mymod.pyx"], include_dirs=[fastrelu.get_include()])

lets ``cimport fastrelu`` (fastrelu/__init__.pxd) and a C file's
``#include "fastrelu/kernels/scalar.h"`` resolve against the installed package.
"""
import os


def get_include():
    """The directory to add to include_dirs: the parent of the installed fastrelu
    package, so that "fastrelu/kernels/scalar.h" resolves under it."""
    return os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
