"""Shared fixtures: every test that takes `isa` runs once per kernel variant:
each compiled ISA level the CPU offers (FASTRELU_DISABLE_CPU_FEATURES caps
it) forced, then the numba backend if numba is installed.  (The numpy backend
runs the slow twins themselves, so comparing it with them proves nothing:
test_dispatch.py checks what it adds, the plumbing.)

``pytest --variants=default`` runs each of those tests once, on the kernels
the ladder picks: for a build whose kernels are not in question (CI's
single-threaded build differs in the loops that call them)."""
import importlib.util
import os

# The suite checks the built-in choices: a user's tuned wisdom must not leak in.
os.environ.setdefault("FASTRELU_WISDOM", "off")

import numpy as np
import pytest

import fastrelu as fr
from fastrelu import _dispatch
from twins import use_variant

ISAS = _dispatch.available_isas()
BACKENDS = ["numba"] if importlib.util.find_spec("numba") else []


def pytest_addoption(parser):
    parser.addoption("--variants", choices=("all", "default"), default="all",
                     help="kernel variants for tests taking `isa`: every ISA level and "
                          "backend (all), or the ladder's choice only (default)")


def pytest_configure(config):
    config.addinivalue_line(
        "markers", "ladder: checks the ISA ladder's choice itself (CI reruns these with "
                   "the ladder capped by FASTRELU_DISABLE_CPU_FEATURES)")


def _parametrized_by_the_test(metafunc, name):
    for mark in metafunc.definition.iter_markers("parametrize"):
        names = mark.args[0]
        if name in ([n.strip() for n in names.split(",")] if isinstance(names, str) else names):
            return True
    return False


def _variants(config):
    return ISAS + BACKENDS if config.getoption("variants") == "all" else ["default"]


def pytest_generate_tests(metafunc):
    if "isa" in metafunc.fixturenames and not _parametrized_by_the_test(metafunc, "isa"):
        metafunc.parametrize("isa", _variants(metafunc.config), indirect=True)


@pytest.fixture
def isa(request):
    """The kernel variant under test: an ISA level of the cython backend, a
    backend, or "default" (the tables as the ladder filled them)."""
    with use_variant(request.param) as name:
        yield name


@pytest.fixture(scope="session")
def variants(request):
    """Every kernel variant `isa` walks, for tests that loop over them themselves."""
    return _variants(request.config)


@pytest.fixture(params=["fast", "exact"])
def mode(request):
    with fr.accuracy(request.param):
        yield request.param


@pytest.fixture(autouse=True)
def _no_fp_warnings():
    """Every test runs with floating-point warnings turned into errors."""
    with np.errstate(all="raise"):
        yield
