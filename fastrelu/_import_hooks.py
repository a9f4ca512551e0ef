"""Run a callback once a module is imported, without importing it.

`import fastrelu` must not import its optional partners (ml_dtypes costs
~0.5 s): their integration (bfloat16 loops, the threadpoolctl controller) is
set up when the user imports them.  when_imported(name, fn) calls fn(module)
now if `name` is already imported, else right after its module body has run:
a finder at the front of sys.meta_path hands back the real spec with its
loader wrapped, and removes itself once nothing is pending.  The module keeps
its own loader (__loader__, __spec__.loader) once it has run.
"""
import sys
import threading
import warnings

_lock = threading.RLock()
_pending = {}            # top-level module name -> [callback], until it is imported


def when_imported(name, callback):
    """callback(module) once the top-level module `name` is imported (now if
    it is).  A callback that raises is reported as a RuntimeWarning: it never
    breaks the user's import."""
    if "." in name:
        raise ValueError(f"when_imported takes a top-level module name, got {name!r}")
    with _lock:
        if name not in sys.modules:
            _pending.setdefault(name, []).append(callback)
            if _finder not in sys.meta_path:
                sys.meta_path.insert(0, _finder)
            return
    # imported already; importing it again waits for another thread still running its body
    _call(callback, __import__(name), name)


def _call(callback, module, name):
    try:
        callback(module)
    except Exception as e:
        warnings.warn(f"fastrelu: setting up {name} support failed: {e!r}", RuntimeWarning,
                      stacklevel=2)


def _run_pending(name, module):
    with _lock:
        callbacks = _pending.pop(name, [])
        if not _pending and _finder in sys.meta_path:
            sys.meta_path.remove(_finder)
    for callback in callbacks:
        _call(callback, module, name)


class _CallbackLoader:
    """The module's own loader, then the pending callbacks."""

    def __init__(self, loader, name):
        self._loader, self._name = loader, name

    def __getattr__(self, attr):            # get_resource_reader, is_package, get_code, ...
        return getattr(self._loader, attr)

    def create_module(self, spec):
        return self._loader.create_module(spec)

    def exec_module(self, module):
        self._loader.exec_module(module)    # raises: the callbacks stay pending
        if getattr(module, "__loader__", None) is self:
            module.__loader__ = self._loader
        spec = getattr(module, "__spec__", None)
        if spec is not None and spec.loader is self:
            spec.loader = self._loader
        _run_pending(self._name, module)


class _PostImportFinder:
    """Finds nothing itself: asks the finders after it, wraps the loader."""

    def __init__(self):
        self._searching = set()             # names this finder is looking up (no recursion)

    def find_spec(self, fullname, path=None, target=None):
        if fullname not in _pending or fullname in self._searching:
            return None
        self._searching.add(fullname)
        try:
            for finder in list(sys.meta_path):
                find = getattr(finder, "find_spec", None)
                if finder is self or find is None:
                    continue
                spec = find(fullname, path, target)
                if spec is not None:
                    break
            else:
                return None
        finally:
            self._searching.discard(fullname)
        if hasattr(spec.loader, "exec_module") and not isinstance(spec.loader, _CallbackLoader):
            spec.loader = _CallbackLoader(spec.loader, fullname)
        return spec


_finder = _PostImportFinder()
