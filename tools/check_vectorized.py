#!/usr/bin/env python
"""Check that the compiler vectorized every kernel of fastrelu/kernels/kernels.c.

    python tools/check_vectorized.py              # the build's objects if current, else compile
    python tools/check_vectorized.py --compile    # compile afresh
    python tools/check_vectorized.py --why        # and gcc's reasons for what is not vectorized

The objects are kernels.c compiled once per ISA level exactly as setup.py does
it: the same compiler, the same flags (both take them from
fastrelu/kernels/build_flags.py), setuptools' compiler object.  Without
--compile the objects of the last build (build/temp.*/<isa>/...) are used
when they are newer than every file kernels.c includes and build_flags.py;
otherwise kernels.c is compiled into a temporary directory.

The kernels are the rows of each level's registry (fr_kernels__<isa>[],
read from the preprocessed kernels.c; a row's last_scalar kernel is part of
its row); each is found in the object's symbol table and its body, from
`objdump -d`, must contain packed arithmetic on the level's vector registers:

    level      registers  required in the kernel's body
    avx2       ymm        float64: a packed-double op (vaddpd, vmulpd, vfmadd231pd,
                          vdivpd, vcmplepd, vblendvpd, ...); float32: packed-single or
                          packed-double (the exact float32 kernels compute in double:
                          vcvtps2pd, then pd arithmetic); integers: a packed integer op
                          (vpmaxsb/w/d; vpcmpgtq for int64, AVX2 has no vpmaxsq)
    avx512f    zmm        the same ops on zmm, except int8/int16 relu on ymm: 512-bit
                          byte/word ops need AVX512BW, which -mavx512f does not give
    baseline   xmm        the SSE2 forms; reported, not enforced (SSE2 has no 64-bit
                          integer compare, so int64 relu stays scalar there)

What gcc 12 does with these flags decided the avx512f row: without
-mprefer-vector-width it vectorizes every loop of the float and 32/64-bit
integer kernels with zmm (64-byte vectors, plus a ymm epilogue), int8/int16
with ymm.  Moves, shuffles, conversions and bitwise logic do not count
(scalar code does fabs and negation with vandpd/vxorpd on xmm), nor idioms
that name one register only (vpcmpeqd %ymm1,%ymm1,%ymm1).  The check is per
kernel: a fused bias_* kernel (six loops) passes when any loop is vectorized;
FASTRELU_VEC_REPORT=1 at build time shows gcc's report per loop.  A kernel
gcc folded into a jump to an identical one is judged by that one's code.

Prints one line per kernel (ok / NOT VECTORIZED / NOT FOUND) and exits 1 if a
kernel of the avx2 or avx512f level is not vectorized or not found, 2 if the
check cannot run here (not x86-64, no compiler or objdump).
"""

import argparse
import collections
import glob
import os
import platform
import re
import runpy
import shutil
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
KERNELS = ROOT / "fastrelu" / "kernels"
SOURCE = KERNELS / "kernels.c"
FLAGS_FILE = KERNELS / "build_flags.py"
FLAGS = runpy.run_path(str(FLAGS_FILE))
ISA_FLAGS = dict(FLAGS["ISA_LEVELS"])
ENFORCED = ("avx2", "avx512f")          # exit status 1 if one of their kernels fails

# level -> (register of its vectors, register where the ISA has no wider op
# for 8/16-bit integers)
WIDTH = {"baseline": ("xmm", "xmm"), "avx2": ("ymm", "ymm"), "avx512f": ("zmm", "ymm")}
FLOATS, INTS = ("FR_F32", "FR_F64"), ("FR_I8", "FR_I16", "FR_I32", "FR_I64")
NARROW_INT = ("FR_I8", "FR_I16")
FP_OP = re.compile(r"v?(add|sub|mul|div|min|max|sqrt|rcp14|rsqrt14|rcp|rsqrt|"
                   r"f(n)?m(add|sub)(132|213|231)|fmaddsub(132|213|231)|fmsubadd(132|213|231)|"
                   r"cmp[a-z_]*|blendv|blend|blendm|scalef|range|fixupimm|getexp|getmant|"
                   r"rndscale|round|hadd|hsub|addsub)(ps|pd)")
INT_OP = re.compile(r"v?p(add|sub|max|min|cmp|mul|abs|sll|srl|sra|blendv|blendm|"
                    r"sign|avg|madd)[a-z0-9]*")
PREFIXES = {"rep", "repz", "repnz", "lock", "notrack", "bnd", "data16", "addr32"}


def compiler():
    """setuptools' C compiler configured as build_ext configures it (CC, CFLAGS, ...)."""
    from setuptools._distutils.ccompiler import new_compiler
    from setuptools._distutils.sysconfig import customize_compiler
    cc = new_compiler()
    customize_compiler(cc)
    return cc


def level_flags(isa, extra=()):
    return FLAGS["GCC_FLAGS"] + ISA_FLAGS[isa] + list(extra)


def registry(isa, tmp):
    """The level's rows [(name, dtype, [the row's kernel functions])] and the
    repository files kernels.c includes."""
    out = Path(tmp) / f"{isa}.i"
    compiler().preprocess(str(SOURCE), output_file=str(out), macros=[("FR_ISA", isa)],
                          extra_postargs=level_flags(isa))
    text = out.read_text()
    deps = set()
    for m in re.finditer(r'^# \d+ "([^"<]+)"', text, re.M):
        p = (Path.cwd() / m.group(1)).resolve()
        if p.is_file() and ROOT in p.parents:
            deps.add(p)
    m = re.search(r"fr_kernels__" + isa + r"\[\]\s*=\s*\{(.*?)\};", text, re.S)
    if not m:
        raise SystemExit(f"no registry fr_kernels__{isa}[] in the preprocessed {SOURCE}")
    rows = []
    for row in re.findall(r"\{([^{}]*)\}", m.group(1)):
        head = re.match(r'\s*\.name\s*=\s*"(\w+)"\s*,\s*\.op\s*=\s*\w+\s*,\s*\.dtype\s*=\s*(\w+)', row)
        if head:        # the row's kernel, and its alpha-is-one-number form if it has one
            name, dtype = head.groups()
            rows.append((name, dtype, [name] + re.findall(r"\.last_scalar\s*=\s*(\w+)", row)))
    unknown = {row[1] for row in rows} - set(FLOATS + INTS)
    if not rows or unknown:
        raise SystemExit(f"fr_kernels__{isa}[]: no rows, or dtypes unknown here: {unknown}")
    return rows, deps


def build_object(isa):
    """The newest object of `isa` under build/, or None."""
    objs = glob.glob(str(ROOT / "build" / "temp.*" / isa / "fastrelu" / "kernels" / "kernels.o"))
    return max(objs, key=os.path.getmtime) if objs else None


def current_build_object(isa, deps):
    """The build's object of `isa` if it is newer than `deps` and build_flags.py, and
    why not otherwise: (path or None, reason)."""
    obj = build_object(isa)
    if not obj:
        return None, "no build object"
    if os.path.getmtime(obj) < max(os.path.getmtime(p) for p in set(deps) | {FLAGS_FILE}):
        return None, "the build object is older than the sources"
    return obj, ""


def compile_level(isa, tmp, extra=(), report=None):
    """kernels.c compiled for `isa` as setup.py compiles it, plus `extra` flags."""
    post = level_flags(isa, extra) + ([f"-fopt-info-vec-missed={report}"] if report else [])
    [obj] = compiler().compile([str(SOURCE)], output_dir=str(Path(tmp) / isa),
                               macros=[("FR_ISA", isa)], extra_postargs=post)
    return obj


def functions(obj):
    """{symbol: [(mnemonic, operands)]} of the object's functions, from objdump."""
    syms = {}   # name -> (section, start, size)
    for line in subprocess.run(["objdump", "-t", obj], capture_output=True, text=True,
                               check=True).stdout.splitlines():
        m = re.match(r"^([0-9a-f]+) (.{7}) (\S+)\s+([0-9a-f]+) (\S+)$", line)
        if m and m.group(2)[6] == "F":
            syms[m.group(5)] = (m.group(3), int(m.group(1), 16), int(m.group(4), 16))
    insns = collections.defaultdict(list)   # section -> [(address, mnemonic, operands)]
    section = None
    for line in subprocess.run(["objdump", "-d", "-w", "--no-show-raw-insn", obj],
                               capture_output=True, text=True, check=True).stdout.splitlines():
        m = re.match(r"^Disassembly of section (\S+):", line)
        if m:
            section = m.group(1)
            continue
        m = re.match(r"^\s+([0-9a-f]+):\s+(.*)$", line)
        if m and section:
            words = m.group(2).split(None, 1)
            while words and (words[0] in PREFIXES or words[0].startswith("{")):
                words = words[1].split(None, 1) if len(words) > 1 else []
            if words:
                insns[section].append((int(m.group(1), 16), words[0],
                                       words[1] if len(words) > 1 else ""))
    return {name: [(mn, ops) for a, mn, ops in insns[sec] if start <= a < start + size]
            for name, (sec, start, size) in syms.items()}


def vector_ops(body, reg, dtype):
    """The packed arithmetic instructions of `body` on `reg` registers that fit `dtype`."""
    found = []
    for mn, ops in body:
        regs = re.findall(r"%([xyz]mm\d+)", ops)
        if not any(r.startswith(reg) for r in regs):
            continue
        if "(" not in ops and len(regs) > 1 and len(set(regs)) == 1:
            continue                                    # vpcmpeqd %ymm1,%ymm1,%ymm1 etc.
        if dtype in FLOATS:
            if FP_OP.fullmatch(mn) and (mn.endswith("pd") or dtype == "FR_F32"):
                found.append(mn)
        elif INT_OP.fullmatch(mn):
            found.append(mn)
    return found


def check_level(isa, obj, rows):
    """[(row, verdict, register, ops found)] for one level's object; a row
    (name, dtype[, functions]) is ok when each of its functions is."""
    funcs = functions(obj)
    out = []
    for name, dtype, *more in rows:
        reg = WIDTH[isa][1] if dtype in NARROW_INT else WIDTH[isa][0]
        verdict, ops = "ok", []
        for fn in (more[0] if more else [name]):
            if fn not in funcs:
                verdict = "NOT FOUND" if fn == name else f"NOT FOUND: {fn}"
                break
            body = funcs[fn]
            # gcc folds identical kernels (at baseline, where fast mode fuses
            # nothing: f64_silu_bwd_exact into f64_silu_bwd_fast, ...) into a jump
            # to the first: judge that one
            if len(body) == 1 and body[0][0] == "jmp":
                m = re.search(r"<(\w+)>", body[0][1])
                if m and m.group(1) in funcs:
                    body = funcs[m.group(1)]
            found = vector_ops(body, reg, dtype)
            if not found:
                verdict = "NOT VECTORIZED" if fn == name else f"NOT VECTORIZED: {fn}"
                break
            ops += found
        out.append((name, verdict, reg, ops))
    return out


def kernel_lines():
    """{kernel base name: line of kernels.c's kernel list that names it}."""
    lines = {}
    for i, line in enumerate(SOURCE.read_text().splitlines(), 1):
        m = re.match(r"\s*K\(\s*[A-Z_]+\s*,\s*(\w+)\s*,", line)
        if m:
            lines.setdefault(m.group(1), i)
    return lines


def why(notok, reports):
    """gcc's -fopt-info-vec-missed notes at the kernels.c lines of the kernels not vectorized."""
    lines = kernel_lines()
    for isa, name in notok:
        notes = Path(reports[isa]).read_text().splitlines() if isa in reports else []
        line = lines.get(name.rsplit("__", 1)[0])
        reasons = collections.Counter(n.split(": missed: ", 1)[1] for n in notes
                                      if f"kernels.c:{line}:" in n and ": missed: " in n)
        print(f"\n{name}: gcc -fopt-info-vec-missed at kernels.c:{line}")
        for reason, k in reasons.most_common():
            print(f"  {k:3d}x {reason}")


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--compile", action="store_true",
                    help="compile kernels.c afresh instead of using the build's objects")
    ap.add_argument("--levels", default=",".join(ISA_FLAGS),
                    help="comma-separated ISA levels (default: all of build_flags.py)")
    ap.add_argument("--extra-cflags", default="", metavar="FLAGS",
                    help="appended to the build's flags (implies --compile), e.g. "
                         "-fno-tree-vectorize")
    ap.add_argument("--why", action="store_true",
                    help="compile with -fopt-info-vec-missed and print gcc's notes for "
                         "each kernel not vectorized")
    ap.add_argument("-q", "--quiet", action="store_true",
                    help="print only the kernels not vectorized and the summary")
    args = ap.parse_args(argv)
    levels = [s for s in args.levels.split(",") if s]
    if set(levels) - set(ISA_FLAGS):
        ap.error(f"unknown level in {levels}; build_flags.py has {list(ISA_FLAGS)}")
    extra = args.extra_cflags.split()
    if platform.machine().lower() not in ("x86_64", "amd64"):
        print(f"check_vectorized: cannot check on {platform.machine()} (x86-64 only)")
        return 2
    if not shutil.which("objdump"):
        print("check_vectorized: cannot check: no objdump (binutils)")
        return 2
    t0 = time.perf_counter()
    notok, summary = [], []          # (isa, kernel) not vectorized or not found
    with tempfile.TemporaryDirectory(prefix="fr-vec-") as tmp:
        try:
            regs = {isa: registry(isa, tmp) for isa in levels}
        except Exception as e:          # no compiler: CompileError, DistutilsExecError, ...
            print(f"check_vectorized: cannot check: preprocessing kernels.c failed: {e}")
            return 2
        objs, reports = {}, {}
        for isa in levels:
            obj, reason = current_build_object(isa, regs[isa][1])
            if args.compile or extra or args.why:
                obj, reason = None, "asked to"
            if obj:
                objs[isa] = obj
                print(f"{isa}: the build's {os.path.relpath(obj, ROOT)}")
            else:
                cmd = compiler().compiler_so + level_flags(isa, extra)
                print(f"{isa}: compiling kernels.c ({reason}): {' '.join(cmd)}")
                if args.why:
                    reports[isa] = str(Path(tmp) / f"{isa}-missed.txt")
        todo = [isa for isa in levels if isa not in objs]
        try:
            with ThreadPoolExecutor(max(1, min(len(todo), os.cpu_count() or 1))) as pool:
                objs.update(zip(todo, pool.map(
                    lambda isa: compile_level(isa, tmp, extra, reports.get(isa)), todo)))
        except Exception as e:          # CompileError: e.g. a compiler without -mavx512f
            print(f"check_vectorized: cannot check: compiling kernels.c failed: {e}")
            return 2
        for isa in levels:
            res = check_level(isa, objs[isa], regs[isa][0])
            enforced = isa in ENFORCED
            print(f"\n== {isa}: {len(res)} kernels" + ("" if enforced else " (reported, not enforced)"))
            for name, verdict, reg, ops in res:
                if verdict != "ok":
                    notok.append((isa, name))
                if verdict != "ok" or not args.quiet:
                    top = " ".join(m for m, _ in collections.Counter(ops).most_common(4))
                    print(f"  {verdict:15s} {name:34s} {reg} {len(ops):4d}  {top}")
            bad = [n for n, v, _, _ in res if v != "ok"]
            summary.append(f"{isa}: {len(res) - len(bad)}/{len(res)} vectorized"
                           + (f", not: {' '.join(bad[:8])}" if bad else "")
                           + (f" and {len(bad) - 8} more" if len(bad) > 8 else "")
                           + ("" if enforced else " [not enforced]"))
        if args.why:
            why(notok, reports)
    failed = [k for k in notok if k[0] in ENFORCED]
    print("\n" + "\n".join(summary))
    print(f"check_vectorized: {'FAILED' if failed else 'ok'} ({time.perf_counter() - t0:.1f} s)")
    if failed and not args.why:
        print("(--why prints gcc's reasons)")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
