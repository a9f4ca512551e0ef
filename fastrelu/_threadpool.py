"""threadpoolctl integration: threadpool_info() lists fastrelu's thread pool
and threadpool_limits() limits it, through the two C functions the extension
exports.  The pool is fastrelu's own (kernels/pool.h), not OpenMP, but it is
listed under user_api "openmp": it is a compute pool of the same kind, so code
that limits "openmp" pools to avoid oversubscription limits it too.
register() runs when threadpoolctl is imported, before or after fastrelu
(_dispatch._init, through _import_hooks)."""
import os


def register(threadpoolctl):
    """Register fastrelu's controller with the threadpoolctl module; False if
    that threadpoolctl is too old (< 3.5) to take one."""
    if not hasattr(threadpoolctl, "register"):
        return False
    from . import _ufuncs
    from ._version import __version__

    class FastreluController(threadpoolctl.LibController):
        user_api = "openmp"
        internal_api = "fastrelu"
        filename_prefixes = (os.path.basename(_ufuncs.__file__).split(".")[0],)
        check_symbols = ("fastrelu_get_num_threads", "fastrelu_set_num_threads")

        def get_num_threads(self):
            return self.dynlib.fastrelu_get_num_threads()

        def set_num_threads(self, num_threads):
            self.dynlib.fastrelu_set_num_threads(int(num_threads))

        def get_version(self):
            return __version__

    threadpoolctl.register(FastreluController)
    return True
