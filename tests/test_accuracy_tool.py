"""The exhaustive checker, sampled: every 4099th float32 pattern (~1M per
variant) for every ISA level and mode, plus all float16 patterns."""
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

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
