"""Shared fixtures: every test that takes `isa` runs once per kernel variant:
each compiled ISA level the CPU offers (FASTRELU_DISABLE_CPU_FEATURES caps
it) forced, then the numba backend if numba is installed.  (The numpy backend
runs the slow twins themselves, so comparing it with them proves nothing:
test_dispatch.py checks what it adds, the plumbing.)

``pytest --variants=default`` runs each of those tests once, on the kernels
the ladder picks: for a build whose kernels are not in question (CI's
single-threaded build differs in the loops that call them).

When tests that use numba are selected, the numba backend's kernels and, for
the tests marked numba_user, their numba code (numba_user.warm) compile in two
background processes from the start of the session (their caches are apart),
and those tests run last (numba_stage)."""
import importlib.util
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time

# The suite checks the built-in choices: a user's tuned wisdom must not leak in.
os.environ.setdefault("FASTRELU_WISDOM", "off")

import numpy as np
import pytest
from hypothesis import settings as _hsettings

# hypothesis: 30 examples per test (each fuzz test runs once per op of the table);
# HYPOTHESIS_PROFILE=ci draws 100 (a longer local run)
_hsettings.register_profile("fastrelu", max_examples=30, deadline=None)
_hsettings.register_profile("ci", max_examples=100, deadline=None)
_hsettings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "fastrelu"))

import fastrelu as fr
from fastrelu import _dispatch
from twins import use_variant

ISAS = _dispatch.available_isas()
BACKENDS = ["numba"] if importlib.util.find_spec("numba") else []
_WARMERS = pytest.StashKey()
_KERNELS_READY = pytest.StashKey()
OP_COVERAGE = pytest.StashKey()


def pytest_addoption(parser):
    parser.addoption("--variants", choices=("all", "default"), default="all",
                     help="kernel variants for tests taking `isa`: every ISA level and "
                          "backend (all), or the ladder's choice only (default)")


def pytest_configure(config):
    config.addinivalue_line(
        "markers", "ci_only: slow checks of tools and limits that the README's `pytest` "
                   "leaves to CI (.ci/run runs `pytest -m ci_only`)")
    config.addinivalue_line(
        "markers", "numba: runs numba code in the test process (after the warm-up's kernels)")
    config.addinivalue_line(
        "markers", "numba_user: calls numba_user's compiled functions (after all the warm-up)")
    config.addinivalue_line(
        "markers", "ladder: checks the ISA ladder's choice itself (CI reruns these with "
                   "the ladder capped by FASTRELU_DISABLE_CPU_FEATURES)")


def uses_numba(item):
    """The test runs fastrelu's numba kernels or numba code of its own in this
    process: a parameter "numba" (a variant of `isa`, a `backend`, a bench
    `impl`), every variant (`variants`), test_numba.py, or marked `numba`."""
    params = getattr(getattr(item, "callspec", None), "params", {})
    return bool(BACKENDS) and (any(isinstance(v, str) and v == "numba" for v in params.values())
                               or "variants" in item.fixturenames
                               or item.path.name == "test_numba.py"
                               or item.get_closest_marker("numba") is not None)


def numba_stage(item):
    """0: no numba; 1: waits for the kernel-table cfuncs' warm-up; 2 (marked
    `numba_user`: calls numba_user's functions): waits for both warm-ups."""
    if not uses_numba(item):
        return 0
    return 2 if item.get_closest_marker("numba_user") is not None else 1


@pytest.hookimpl(wrapper=True)
def pytest_collection_modifyitems(session, config, items):
    """Before -k / -m deselect anything: record which ops each test function
    was parametrized over (its `op` argument), for test_op_table's
    completeness check: {module file: {function: [ops, the module's reason if
    it runs a subset (its OP_SUBSETS) or None]}}; with FASTRELU_OP_COVERAGE=path
    also written there as JSON.

    After: the tests that use numba run last, so that numba compiles (or loads
    from its caches) on the other core meanwhile (pytest_collection_finish)."""
    cov = {}
    for item in items:
        params = getattr(getattr(item, "callspec", None), "params", {})
        if not isinstance(params.get("op"), str):
            continue
        name = getattr(item, "originalname", item.name)
        reason = getattr(item.module, "OP_SUBSETS", {}).get(name)
        entry = cov.setdefault(item.path.name, {}).setdefault(name, [set(), reason])
        entry[0].add(params["op"])
    config.stash[OP_COVERAGE] = cov
    path = os.environ.get("FASTRELU_OP_COVERAGE")
    if path:
        with open(path, "w") as f:
            json.dump({m: {fn: [sorted(ops), why] for fn, (ops, why) in fns.items()}
                       for m, fns in cov.items()}, f)
    result = yield
    stage = {id(i): numba_stage(i) for i in items}
    items.sort(key=lambda i: stage[id(i)])          # stable: the order within a stage stays
    return result


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


_WARM = """
import pathlib, signal, sys
# SIGTERM (_stop) never kills a cache save half done: the kernels finish,
# numba_user.warm (its own handler) stops between two steps
signal.signal(signal.SIGTERM, lambda *_: None)
if sys.argv[1] == "kernels":
    from fastrelu import _dispatch
    with _dispatch.backend("numba"):   # compiles (or loads) every kernel-table cfunc
        pass
    pathlib.Path(sys.argv[2]).touch()  # the tests of the numba backend may start
else:
    import numba_user
    numba_user.warm(no_fma=sys.argv[2] == "1")
"""


def pytest_collection_finish(session):
    """When tests that use numba run, compile the numba backend's kernels and
    (for the tests marked numba_user) test_numba.py's numba code while the
    tests before them run, into numba's on-disk caches, which the tests then
    load.  Two processes, one per cache (numba's index files are not safe for
    two processes saving into one): cold, the kernels are ~70 CPU s and the
    user code ~95, more than the tests before them take on one core, so one
    process after the other would leave those tests waiting; side by side
    the three processes share the cores.  Nothing to compile when the caches
    are warm."""
    if (not BACKENDS or session.config.option.collectonly
            or not any(uses_numba(item) for item in session.items)):
        return
    user = any(numba_stage(item) == 2 for item in session.items)
    no_fma = any(item.name == "test_fast_mode_without_fma_bit_identical_to_c_baseline"
                 for item in session.items)
    here = os.path.dirname(os.path.abspath(__file__))
    package_parent = os.path.dirname(os.path.dirname(os.path.abspath(fr.__file__)))
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(
        [here, package_parent] + [p for p in [os.environ.get("PYTHONPATH")] if p]))
    kernels_ready = os.path.join(tempfile.mkdtemp(), "numba-kernels-ready")
    session.config.stash[_KERNELS_READY] = kernels_ready
    jobs = {1: ["kernels", kernels_ready]}
    if user:
        jobs[2] = ["user", "1" if no_fma else "0"]
    warmers = {}
    for stage, args in jobs.items():
        log = tempfile.TemporaryFile("w+")
        warmers[stage] = (subprocess.Popen([sys.executable, "-c", _WARM] + args, cwd=here,
                                           env=env, stdout=log, stderr=subprocess.STDOUT), log)
    session.config.stash[_WARMERS] = warmers


def pytest_runtest_setup(item):
    """A test using numba waits for the warm-up its stage needs: two processes
    saving into one numba cache index at once can lose entries or mismatch
    them.  The tests calling numba_user's functions wait for numba_user's
    warm-up and the kernels'; the others, which run fastrelu's kernel-table
    cfuncs (or numba code cached nowhere or in a process of their own), for
    the kernels'."""
    warmers = item.config.stash.get(_WARMERS, {})
    stage = numba_stage(item)
    deadline = time.monotonic() + 900
    for s in range(1, stage + 1):
        proc = warmers.get(s, (None, None))[0]
        ready = item.config.stash[_KERNELS_READY] if s == 1 else None
        while (proc is not None and proc.poll() is None
               and not (ready and os.path.exists(ready))):
            if time.monotonic() > deadline:
                _stop(proc)
                break
            time.sleep(0.05)


def pytest_terminal_summary(terminalreporter, config):
    for proc, log in config.stash.get(_WARMERS, {}).values():
        if (proc.poll() or 0) > 0:                  # an error, not a signal
            log.seek(0)
            tail = log.read().strip().splitlines()[-1:] or ["no output"]
            terminalreporter.write_line(f"numba warm-up failed ({tail[0]}); the tests "
                                        "compiled their numba code themselves")


def _stop(proc):
    """Ask a warm-up to stop at its next step (see numba_user.warm) and wait
    for that; a step compiling in a child process of its own finishes first."""
    proc.terminate()
    try:
        proc.wait(timeout=120)
    except subprocess.TimeoutExpired:
        pass


def pytest_unconfigure(config):
    warmers = config.stash.get(_WARMERS, {})
    for proc, log in warmers.values():
        if proc.poll() is None:                 # the session ended first (-x, ^C)
            _stop(proc)
        log.close()
    if warmers:
        shutil.rmtree(os.path.dirname(config.stash[_KERNELS_READY]), ignore_errors=True)


@pytest.fixture(params=["fast", "exact"])
def mode(request):
    with fr.accuracy(request.param):
        yield request.param


@pytest.fixture(autouse=True)
def _no_fp_warnings():
    """Every test runs with floating-point warnings turned into errors."""
    with np.errstate(all="raise"):
        yield
