"""Wisdom: the winners of fastrelu.tune(), kept as JSON in the user cache dir
keyed by CPU model and fastrelu version; FASTRELU_WISDOM=path reads/writes
another file, =off ignores it.  Loaded once at import (load()), validated
against the registry, applied to the "auto" table and thread thresholds."""
import json
import os
import platform
import sys
import warnings

from . import _dispatch, _ufuncs
from ._version import __version__


def cpu_model():
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def wisdom_path():
    """The wisdom file in use, or None when FASTRELU_WISDOM=off."""
    env = os.environ.get("FASTRELU_WISDOM")
    if env and env.lower() == "off":
        return None
    if env:
        return env
    try:
        import platformdirs
        base = platformdirs.user_cache_dir("fastrelu")
    except ImportError:
        base = os.path.join(os.environ.get("XDG_CACHE_HOME") or
                            os.path.join(os.path.expanduser("~"), ".cache"), "fastrelu")
    return os.path.join(base, "wisdom.json")


def _key():
    return f"{cpu_model()} | fastrelu {__version__}"


def apply_wisdom(wisdom):
    """Fill the "auto" table and thresholds from a wisdom dict (validated)."""
    by_name = {k.name: k for k in _dispatch.KERNELS}
    if wisdom.get("key") != _key():
        raise ValueError("wisdom is for another CPU or fastrelu version")
    plan = []
    for slot, name in wisdom["kernels"].items():
        acc, op, dt = slot.split("/")
        if name.endswith("__numba") and name not in by_name:
            if "numba" not in sys.modules:
                continue        # import stays light: never import numba to apply wisdom
            _dispatch._ensure_numba()
            by_name = {k.name: k for k in _dispatch.KERNELS}
        k = by_name[name]
        if (k.op, k.dtype) != (op, dt) or k.accuracy not in (acc, None) or (
                k.backend == "cython" and k.isa not in _dispatch.available_isas()):
            raise ValueError(f"wisdom kernel {name} does not fit slot {slot}")
        plan.append((acc, op, dt, k))
    thresholds = {op: int(n) for op, n in wisdom["parallel_min"].items()}
    if set(thresholds) - set(_dispatch.OPS):
        raise ValueError("unknown op in wisdom")
    for acc, op, dt, k in plan:
        _ufuncs.install("auto", acc, op, dt, k.source, k.index)
    for op, n in thresholds.items():
        _ufuncs.set_parallel_min(op, n)


def load_wisdom():
    """Apply the wisdom file if there is one; a corrupt or stale file is ignored
    with one warning.  Returns the path applied, or None."""
    path = wisdom_path()
    if not path or not os.path.exists(path):
        return None
    try:
        with open(path) as f:
            wisdom = json.load(f)
        apply_wisdom(wisdom)
    except Exception as e:          # any defect: built-in choices stay
        _dispatch._install(_dispatch.available_isas())
        warnings.warn(f"fastrelu: ignoring wisdom file {path}: {e}", RuntimeWarning, stacklevel=3)
        return None
    return path


def load():
    """At import: apply the wisdom file, and say so in _dispatch.wisdom_file."""
    _dispatch.wisdom_file = load_wisdom()
