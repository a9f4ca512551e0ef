"""The exhaustive checker, sampled: every 4099th float32 pattern (~1M per
variant) for every ISA level and mode, plus all float16 patterns."""
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

TOOL = Path(__file__).resolve().parents[1] / "tools" / "accuracy.py"


def test_accuracy_tool_sampled_every_4099th_pattern(tmp_path):
    out = tmp_path / "acc.json"
    r = subprocess.run([sys.executable, str(TOOL), "--step", "4099", "--workers", "1",
                        "--json", str(out)], capture_output=True, text=True, timeout=600,
                       cwd=tempfile.gettempdir(), env=dict(os.environ))
    assert r.returncode == 0, r.stdout[-3000:] + r.stderr[-3000:]
    res = json.loads(out.read_text())["results"]
    from fastrelu import _dispatch
    assert {(x["isa"], x["mode"]) for x in res if x["dtype"] == "float32"} == {
        (isa, m) for isa in _dispatch.available_isas() for m in ("fast", "exact")}
    for x in res:
        assert x["ok"] and x["n_gt_bound"] == 0 and x["n_out_of_range"] == 0 and not x["fp_flags"]
        assert x["n"] >= (2**32 // 4099 if x["dtype"] == "float32" else 2**16)


@pytest.mark.parametrize("op, x0", [("silu_backward", -1.2784645427610737),
                                   ("gelu_backward", -0.7517915246935645)])
def test_accuracy_tool_runs_the_backward_ops_at_grad_1(tmp_path, op, x0):
    """silu_backward and gelu_backward, float32 at grad = 1 (every 65537th
    pattern, every level and mode): their float64 references hold next to the
    ops' zeros too (_slow's Taylor window, mpmath), where the formulas cancel."""
    import numpy as np
    from fastrelu import _slow
    if op == "gelu_backward":
        pytest.importorskip("scipy")                 # gelu's float64 reference: erfc
    out = tmp_path / f"{op}.json"
    r = subprocess.run([sys.executable, str(TOOL), "--op", op, "--step", "65537",
                        "--workers", "1", "--json", str(out)], capture_output=True, text=True,
                       timeout=600, cwd=tempfile.gettempdir(), env=dict(os.environ))
    assert r.returncode == 0, r.stdout[-3000:] + r.stderr[-3000:]
    res = json.loads(out.read_text())["results"]
    assert res and all(x["ok"] and x["n_gt_bound"] == 0 for x in res)
    # the nearest float32 values to the zero: the reference against mpmath
    x = np.float32(x0) + np.arange(-40, 41, dtype=np.float32) * np.spacing(np.float32(x0))
    ref = _slow.float64_value(op, x)
    exact = _slow.rounded_mpmath(op, x, np.longdouble)
    assert np.max(np.abs((ref - exact) / exact)) < 2.0**-50
