"""tools/check_vectorized.py: every kernel of the avx2 and avx512f levels is
vectorized (packed ops on ymm / zmm in its disassembly), and the check can
fail: kernels.c built without vectorization, or 256-bit code taken for the
avx512f level, is flagged."""
import platform
import runpy
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

from fastrelu import _dispatch

TOOL = Path(__file__).resolve().parents[1] / "tools" / "check_vectorized.py"


def _compiler_found():
    try:
        return shutil.which(runpy.run_path(str(TOOL))["compiler"]().compiler_so[0]) is not None
    except Exception:
        return False


# CI runs tools/check_vectorized.py on its build; these tests (of the tool itself,
# ~10 CPU s each: disassembly of every object) run there too (`pytest -m ci_only`).
pytestmark = [pytest.mark.ci_only, pytest.mark.skipif(
    platform.machine().lower() not in ("x86_64", "amd64") or not shutil.which("objdump")
    or not _compiler_found(), reason="needs x86-64, objdump and the C compiler")]


@pytest.fixture(scope="module")
def tool():
    return runpy.run_path(str(TOOL))


def run(*args):
    return subprocess.run([sys.executable, str(TOOL), *args], capture_output=True, text=True,
                          timeout=600, cwd=tempfile.gettempdir())


def test_every_kernel_of_avx2_and_avx512f_is_vectorized():
    r = run("-q")
    assert r.returncode == 0, r.stdout[-5000:] + r.stderr[-3000:]
    for isa in ("avx2", "avx512f"):
        n = sum(k.isa == isa for k in _dispatch.KERNELS)
        assert f"{isa}: {n}/{n} vectorized" in r.stdout, r.stdout[-3000:]


def test_the_check_covers_every_registry_row(tool, tmp_path):
    for isa, _ in _dispatch.ISA_LEVELS:
        rows, _ = tool["registry"](isa, tmp_path)
        assert [row[0] for row in rows] == [k.name for k in _dispatch.KERNELS if k.isa == isa]


def test_the_check_fails_without_vectorization():
    """Every kernel gcc vectorizes is flagged; the intrinsics rows (UNARY_SIMD,
    BINARY_SIMD, FUSED_SIMD and, at the SIMD levels, the exact float32 rows
    UNARY_CR, FUSED_CR: vector code by hand, inlined into the row) stay
    vectorized; so do the FLOAT_MODES_SIMD ops' rows (twins.intrinsic_rows)."""
    from twins import intrinsic_rows
    r = run("-q", "--levels", "avx2", "--extra-cflags=-fno-tree-vectorize")
    assert r.returncode == 1, r.stdout[-3000:] + r.stderr[-3000:]
    n = sum(k.isa == "avx2" for k in _dispatch.KERNELS)
    by_hand = len(intrinsic_rows())
    assert by_hand >= 22
    assert r.stdout.count("NOT VECTORIZED") == n - by_hand, r.stdout[-3000:]
    assert f"avx2: {by_hand}/{n} vectorized" in r.stdout


def test_256_bit_code_does_not_pass_for_the_avx512f_level(tool, tmp_path):
    """The avx2 object's kernels, held to the avx512f rule: only int8/int16 relu
    (no 512-bit byte/word ops without AVX512BW) may stay on ymm."""
    rows, deps = tool["registry"]("avx2", tmp_path)
    obj, _ = tool["current_build_object"]("avx2", deps)
    obj = obj or tool["compile_level"]("avx2", tmp_path)
    assert all(v == "ok" for _, v, _, _ in tool["check_level"]("avx2", obj, rows))
    res = tool["check_level"]("avx512f", obj, rows)
    assert {name for name, v, _, _ in res if v == "ok"} == {"i8_relu__avx2", "i16_relu__avx2"}
    assert {v for name, v, _, _ in res if not name.startswith(("i8_", "i16_"))} == {
        "NOT VECTORIZED"}


def test_a_rows_last_scalar_kernel_is_checked_too(tool, tmp_path):
    """The leaky rows' alpha-is-one-number kernels are part of their row: a
    row passes only if each of its functions is vectorized."""
    rows, deps = tool["registry"]("avx2", tmp_path)
    with_alpha = [r for r in rows if len(r[2]) > 1]
    assert {r[0] for r in with_alpha} == {f"{dt}_{op}__avx2" for dt in ("f32", "f64")
                                          for op in ("leaky_relu", "leaky_relu_bwd")}
    assert all(r[2][1] == r[0].replace("__", "_alpha__") for r in with_alpha)
    obj, _ = tool["current_build_object"]("avx2", deps)
    obj = obj or tool["compile_level"]("avx2", tmp_path)
    name, dtype, (main, alpha) = with_alpha[0]
    scalar = "i64_relu__baseline"          # not in this object: judged NOT FOUND
    res = tool["check_level"]("avx2", obj, [(name, dtype, [main, alpha]),
                                            (name, dtype, [main, scalar])])
    assert [v for _, v, _, _ in res] == ["ok", f"NOT FOUND: {scalar}"]
