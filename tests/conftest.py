"""Shared fixtures: every test that takes `isa` runs once per kernel variant:
each compiled ISA level the CPU offers (FASTRELU_DISABLE_CPU_FEATURES caps
it) forced, then each other backend (numpy formulas; numba if installed)."""
import importlib.util
import os

# The suite checks the built-in choices: a user's tuned wisdom must not leak in.
os.environ.setdefault("FASTRELU_WISDOM", "off")

import numpy as np
import pytest

import fastrelu as fr
from fastrelu import _dispatch

ISAS = _dispatch.available_isas()
BACKENDS = ["numpy"] + (["numba"] if importlib.util.find_spec("numba") else [])


@pytest.fixture(params=ISAS + BACKENDS)
def isa(request):
    """The kernel variant under test: an ISA level of the cython backend, or a backend."""
    name = request.param
    ctx = _dispatch.backend(name) if name in BACKENDS else _dispatch.use_isa(name)
    with ctx:
        yield name


@pytest.fixture(params=["fast", "exact"])
def mode(request):
    with fr.accuracy(request.param):
        yield request.param


@pytest.fixture(autouse=True)
def _no_fp_warnings():
    """Every test runs with floating-point warnings turned into errors."""
    with np.errstate(all="raise"):
        yield
