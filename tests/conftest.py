"""Shared fixtures: every test that takes `isa` runs once per ISA level the
CPU offers (FASTRELU_DISABLE_CPU_FEATURES caps it), with that level forced."""
import numpy as np
import pytest

import fastrelu as fr
from fastrelu import _dispatch

ISAS = _dispatch.available_isas()


@pytest.fixture(params=ISAS)
def isa(request):
    with _dispatch.use_isa(request.param):
        yield request.param


@pytest.fixture(params=["fast", "exact"])
def mode(request):
    with fr.accuracy(request.param):
        yield request.param


@pytest.fixture(autouse=True)
def _no_fp_warnings():
    """Every test runs with floating-point warnings turned into errors."""
    with np.errstate(all="raise"):
        yield
