"""Tuning and wisdom: written, applied at import, ignored when off, stale or corrupt."""
import json
import os
import subprocess
import tempfile
import sys

import pytest

from fastrelu import _dispatch


def run_py(code, wisdom):
    env = dict(os.environ, FASTRELU_WISDOM=str(wisdom))
    return subprocess.run([sys.executable, "-W", "always", "-c", code], env=env,
                          capture_output=True, text=True, timeout=300, cwd=tmp_dir())


def tmp_dir():
    """Run children outside the checkout, so they import the installed package."""
    return tempfile.gettempdir()


def test_tune_writes_wisdom_that_the_next_import_applies(tmp_path):
    path = tmp_path / "wisdom.json"
    r = run_py("from fastrelu import _tune; _tune.tune(sizes=[1024, 4096], backends=('cython',),"
               " progress=None, kernel_size=4096)", path)
    assert r.returncode == 0, r.stderr
    w = json.loads(path.read_text())
    assert set(w) == {"key", "kernels", "parallel_min"}
    # one entry per accuracy x float op x dtype, one threshold per op
    assert len(w["kernels"]) == 2 * len(_dispatch.OPS) * 2
    assert set(w["parallel_min"]) == set(_dispatch.OPS)
    # plant a recognisable choice: the baseline kernel, and a threshold of 12345
    w["kernels"]["fast/sigmoid/float32"] = "f32_sigmoid_fast__baseline"
    w["parallel_min"]["sigmoid"] = 12345
    path.write_text(json.dumps(w))
    r = run_py("import numpy as np, fastrelu as fr; from fastrelu import _dispatch, _ufuncs;"
               "print(fr.explain('sigmoid', np.ones(4, np.float32)).kernel,"
               " _ufuncs.get_parallel_min('sigmoid'), _dispatch.wisdom_file)", path)
    assert r.returncode == 0, r.stderr
    assert r.stdout.split() == ["f32_sigmoid_fast__baseline", "12345", str(path)]
    assert "Warning" not in r.stderr


def test_wisdom_off_is_honoured(tmp_path):
    r = run_py("from fastrelu import _dispatch, _tune; print(_dispatch.wisdom_file, _tune.wisdom_path())",
               "off")
    assert r.stdout.split() == ["None", "None"], r.stderr


@pytest.mark.parametrize("content", ["{not json", '{"key": "other cpu", "kernels": {}, "parallel_min": {}}',
                                     "KEY_BUT_BAD_KERNEL"])
def test_corrupt_or_stale_wisdom_is_ignored_with_one_warning(tmp_path, content):
    path = tmp_path / "wisdom.json"
    if content == "KEY_BUT_BAD_KERNEL":
        r = run_py("from fastrelu import _tune; print(_tune._key())", "off")
        content = json.dumps({"key": r.stdout.strip(), "parallel_min": {"relu": 5},
                              "kernels": {"fast/relu/float32": "f32_no_such_kernel__avx2"}})
    path.write_text(content)
    code = ("import numpy as np, fastrelu as fr; from fastrelu import _dispatch, _ufuncs;"
            "print(_dispatch.wisdom_file, _ufuncs.get_parallel_min('relu'),"
            " fr.explain('relu', np.ones(3, np.float32)).isa == _dispatch.available_isas()[0])")
    builtin = run_py(code, "off").stdout.split()[1]
    r = run_py(code, path)
    assert r.returncode == 0, r.stderr
    assert r.stdout.split() == ["None", builtin, "True"]
    assert r.stderr.count("ignoring wisdom file") == 1


def _first_call_kernel(op_names):
    import numpy as np
    import fastrelu as fr
    return {op: fr.explain(op, np.ones(8, np.float32)).kernel for op in op_names}


@pytest.mark.parametrize("where", ["kernel pass", "threshold pass"])
def test_interrupted_tune_leaves_table_and_thresholds_as_they_were(monkeypatch, where):
    """tune() installs candidates in the live table and changes thresholds:
    an exception (Ctrl-C) mid-way must put every slot and threshold back."""
    from fastrelu import _tune, _ufuncs
    before, kernels_before = _dispatch._snapshot(), _first_call_kernel(_dispatch.OPS)
    real, calls = _tune._best_time, []

    def interrupting(*args, **kwargs):
        calls.append(1)
        if (len(calls) == 40 if where == "kernel pass"       # a non-ladder row installed
                else _ufuncs.get_parallel_min("relu") == 1):  # relu's threshold lowered
            raise KeyboardInterrupt
        return real(*args, repeat=1, **kwargs)

    monkeypatch.setattr(_tune, "_best_time", interrupting)
    with pytest.raises(KeyboardInterrupt):
        _tune.tune(sizes=[1024], backends=("cython",), write=False, progress=None,
                   kernel_size=1024)
    assert _dispatch._snapshot() == before
    assert _first_call_kernel(_dispatch.OPS) == kernels_before
