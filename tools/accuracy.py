#!/usr/bin/env python
"""Exhaustive accuracy check of the rounded unary ops (sigmoid, silu, softplus, ...)
and of silu_backward at grad = 1.

Every float32 bit pattern (2^32, or every K-th with --step K) and every float16
pattern, on every ISA variant x accuracy mode, against the exact value:

    python tools/accuracy.py                      # sigmoid, full run, 2 worker processes
    python tools/accuracy.py --op silu --step 101 --isa avx2 --mode exact --json out.json
    python tools/accuracy.py --op softplus --f64 1000000  # float64: sampled, against mpmath
    python tools/accuracy.py --op silu_backward --no-f16  # silu'(x): grad = 1

Reference: the op in float64 (fastrelu._slow.float64_value: stable forms;
error ~1e-16 relative, ~2^-29 float32 ulp), rounded to float32 for the correct result.  Where the float64
value lies within TOL ulp of a rounding midpoint, that element's verdict and
exact value come from mpmath instead (fastrelu._slow.rounded_mpmath: correctly
rounded, and to longdouble for the error).  Only elements that differ
from the correctly rounded result get their ulp error computed again per
variant, so a chunk costs one reference pass plus one kernel pass per variant.

Prints per dtype x isa x mode: the bound, max ulp, how many results are not
correctly rounded (> 0.5 ulp), how many are > 1 ulp and > the bound, results
outside [0, 1] (sigmoid), floating-point flags raised, and the 5 worst inputs.  Exit status 1 if a bound
is exceeded (float16 must be correctly rounded).
"""

import argparse
import json
import multiprocessing
import os
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))
from ulp import ulp_bound as bound, ulp_error  # noqa: E402  (the tests' bounds table)
from fastrelu import _ops, _slow  # noqa: E402

# the rounded ops of one argument, from the op table
OPS = tuple(op.name for op in _ops.OPS if op.accurate and op.kind == "unary")
# binary ops with a float64 value here too: exhaustive over x at grad = 1
GRAD1_OPS = tuple(op.name for op in _ops.OPS if op.accurate and op.kind == "binary"
                  and op.name in _slow._FLOAT64)
# the other binary ops mpmath has a formula for (at grad = 1): the sampled float64 check only
F64_ONLY = tuple(op.name for op in _ops.OPS if op.accurate and op.kind == "binary"
                 and op.name in _slow.MPMATH_OPS and op.name not in GRAD1_OPS)
MODES = ("fast", "exact")
# where a backward op's result is 0 (silu's minimum, gelu's), nearest double:
# the formulas cancel next to it
ZEROS = {"silu_backward": -1.2784645427610737, "gelu_backward": -0.7517915246935645}
TOL = 2.0**-16        # float64 reference closer than this (ulp) to a midpoint: ask mpmath
NWORST = 5


def ref64(x, op="sigmoid"):
    """op(x) in float64, not rounded to x's dtype; vectorized and lean."""
    return _slow.float64_value(op, x)


class Reference:
    """Everything about the exact values of one block of inputs, shared by all variants."""

    def __init__(self, x, op="sigmoid"):
        self.x, self.op = x, op
        self.ref = ref64(x, op)
        with np.errstate(all="ignore"):
            self.rnd = self.ref.astype(x.dtype)            # correctly rounded result...
        self.d = ulp_error(self.rnd, self.ref)             # ...and its distance (<= 0.5)
        self.near = np.flatnonzero(self.d > 0.5 - TOL)     # ...except maybe here
        x64 = x[self.near].astype(np.float64)
        self.ref_near = _slow.rounded_mpmath(op, x64, np.longdouble)
        self.rnd[self.near] = _slow.rounded_mpmath(op, x64, x.dtype)
        self.d[self.near] = ulp_error(self.rnd[self.near], self.ref_near)

    def measure(self, got, flags, bound):
        """Error statistics of one variant's results `got` (bound: the ulp it may reach)."""
        x, rnd, d, near = self.x, self.rnd, self.d, self.near
        bad = np.flatnonzero(got != rnd)                   # not correctly rounded...
        if bad.size:
            bad = bad[~(np.isnan(got[bad]) & np.isnan(rnd[bad]))]  # ...NaN for NaN is fine
        isnear = np.isin(bad, near)
        far, nb = bad[~isnear], bad[isnear]
        idx = np.concatenate([far, nb])
        err = np.concatenate([ulp_error(got[far], self.ref[far]),
                              ulp_error(got[nb], self.ref_near[np.searchsorted(near, nb)])])
        saved = d[bad]                                     # correctly rounded ones: err = d
        d[bad] = 0
        max_ok = float(d.max(initial=0))
        d[bad] = saved
        top = np.argsort(err)[::-1][:NWORST]
        bits = x.view(f"u{x.itemsize}")
        with np.errstate(invalid="ignore"):
            oor = int(np.count_nonzero((got < 0) | (got > 1))) if self.op == "sigmoid" else 0
        return {
            "n": int(x.size),
            "max_ulp": max(max_ok, float(err.max(initial=0))),
            "n_gt_half": int(bad.size),
            "n_gt_1": int(np.count_nonzero(err > 1)),
            "n_gt_bound": int(np.count_nonzero(err > bound)),
            "n_out_of_range": oor,
            "n_near_midpoint": int(near.size),
            "fp_flags": sorted(set(flags)),
            "worst": [(float(err[i]), int(bits[idx[i]]), got[idx[i]].item()) for i in top],
        }


def run_variant(x, isa, mode, op="sigmoid"):
    """fastrelu.<op>(x) on one ISA variant and mode; records FP flags raised."""
    import fastrelu as fr
    from fastrelu import _dispatch
    flags = []
    with _dispatch.use_isa(isa), fr.accuracy(mode), \
            np.errstate(all="call", call=lambda kind, flag: flags.append(kind)):
        f = getattr(fr, op)
        got = f(np.ones_like(x), x) if f.nin == 2 else f(x)
    assert got.dtype == x.dtype and got.shape == x.shape
    return got, flags


def merge(a, b):
    if a is None:
        return b
    out = {k: a[k] + b[k] for k in ("n", "n_gt_half", "n_gt_1", "n_gt_bound",
                                    "n_out_of_range", "n_near_midpoint")}
    out["max_ulp"] = max(a["max_ulp"], b["max_ulp"])
    out["fp_flags"] = sorted(set(a["fp_flags"]) | set(b["fp_flags"]))
    out["worst"] = sorted(a["worst"] + b["worst"], key=lambda w: (-w[0], w[1]))[:NWORST]
    return out


# ---- workers -------------------------------------------------------------------

_W = {}


def _init_worker(combos, step, op):
    os.environ["FASTRELU_NUM_THREADS"] = "1"   # one process per core instead
    import fastrelu
    if hasattr(fastrelu, "set_num_threads"):
        fastrelu.set_num_threads(1)
    _W.update(combos=combos, step=step, op=op)


def _f32_block(span):
    i0, i1 = span
    bits = np.arange(i0, i1, dtype=np.uint64)
    if _W["step"] != 1:
        bits *= np.uint64(_W["step"])
    x = bits.astype(np.uint32).view(np.float32)
    del bits
    op = _W["op"]
    r = Reference(x, op)
    return {c: r.measure(*run_variant(x, *c, op), bound(op, "float32", c[1]))
            for c in _W["combos"]}


# ---- driver --------------------------------------------------------------------

def self_check(op):
    """The float64 reference must be far inside TOL: compare a sample with mpmath."""

    rng = np.random.default_rng(1)
    x = np.concatenate([rng.uniform(-105, 20, 3000),
                        np.ldexp(rng.uniform(-1, 1, 1000), rng.integers(-40, 4, 1000))])
    x = x.astype(np.float32)
    exact = _slow.rounded_mpmath(op, x, np.longdouble)
    with np.errstate(all="ignore"):
        # where the exact value is a normal float64 (the reference's range)
        normal = np.abs(exact) >= np.finfo(np.float64).tiny * 2.0**53
        rel = float(np.nanmax(np.abs((ref64(x, op) - exact) / exact)[normal]))
    if not rel < 2.0**-46:
        sys.exit(f"float64 reference too inaccurate: relative error {rel:.3g}")
    return rel


def fmt_row(op, dtype, isa, mode, s):
    b = bound(op, dtype, mode)
    ok = s["max_ulp"] <= b and not s["n_out_of_range"] and not s["fp_flags"]
    return ok, (f"{dtype:8} {isa:9} {mode:6} {b:5.2f} {s['max_ulp']:10.6f} "
                f"{s['n_gt_half']:11d} {s['n_gt_1']:10d} {s['n_gt_bound']:9d} {s['n_out_of_range']:5d} "
                f"{','.join(s['fp_flags']) or '-':10} {'ok' if ok else 'FAIL'}")


def describe_worst(op, dtype, s):

    ft, ut = np.dtype(dtype), np.dtype(f"u{np.dtype(dtype).itemsize}")
    lines = []
    for err, b, got in s["worst"]:
        x = np.array([b], ut).view(ft)
        exact = _slow.rounded_mpmath(op, x.astype(np.float64), np.longdouble)[0]
        gb = int(np.array([got], ft).view(ut)[0])
        w = 2 * ft.itemsize
        lines.append({"x": float(x[0]), "bits": f"0x{b:0{w}x}", "got": got,
                      "got_bits": f"0x{gb:0{w}x}", "ulp": err,
                      "exact": np.format_float_scientific(exact, precision=21)})
    return lines


def _f64_chunk(args):
    op, x = args

    return _slow.rounded_mpmath(op, x, np.longdouble)


def f64_samples(op, n, isas, modes, workers, seed=0):
    """Max ulp of op's float64 kernels on n sampled inputs against mpmath (the
    value rounded to longdouble): 40% in [-40, -5] (subnormal results from
    ~-37.5 on), 30% in [-5, 5], 10% in [5, 40], 20% +-2^[-1074, 6) log-uniform;
    for an op with a zero (the backward ops') a tenth of the last share is
    instead the zero +- 2^[-60, 0) log-uniform.  Unary ops, and the binary ones
    _slow.rounded_mpmath knows, at grad = 1."""
    import fastrelu as fr
    from fastrelu import _dispatch
    rng = np.random.default_rng(seed)
    k = [int(n * f) for f in (0.4, 0.3, 0.1)]
    x = np.concatenate([rng.uniform(-40, -5, k[0]), rng.uniform(-5, 5, k[1]),
                        rng.uniform(5, 40, k[2]),
                        np.ldexp(rng.choice([-1.0, 1.0], n - sum(k)) * rng.uniform(1, 2, n - sum(k)),
                                 rng.integers(-1075, 6, n - sum(k)))])
    if op in ZEROS:
        m = (n - sum(k)) // 10
        x[-m:] = ZEROS[op] + np.ldexp(rng.choice([-1.0, 1.0], m) * rng.uniform(1, 2, m),
                                      rng.integers(-60, 0, m))
    chunks = [(op, c) for c in np.array_split(x, max(1, n // 20000))]
    ctx = multiprocessing.get_context("spawn")
    with ctx.Pool(workers) as pool:
        ref = np.concatenate(pool.map(_f64_chunk, chunks))
    out = {}
    for isa in isas:
        for mode in modes:
            flags = []
            with _dispatch.use_isa(isa), fr.accuracy(mode), \
                    np.errstate(all="call", call=lambda kind, flag: flags.append(kind)):
                f = getattr(fr, op)
                got = f(np.ones_like(x), x) if f.nin == 2 else f(x)
            err = ulp_error(got, ref)
            i = int(np.argmax(err))
            out[isa, mode] = (float(err[i]), float(x[i]), int(np.count_nonzero(err > 0.5)),
                              sorted(set(flags)))
    return n, out


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--op", default="sigmoid", choices=OPS + GRAD1_OPS + F64_ONLY)
    ap.add_argument("--step", type=int, default=1, help="every K-th float32 pattern")
    ap.add_argument("--isa", help="comma list (default: every available variant)")
    ap.add_argument("--mode", help="comma list of fast,exact (default: both)")
    ap.add_argument("--json", metavar="FILE", help="write the results as JSON")
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--block-bits", type=int, default=21,
                    help="2^B patterns per task (bigger blocks page-fault more)")
    ap.add_argument("--no-f16", action="store_true")
    ap.add_argument("--no-f32", action="store_true")
    ap.add_argument("--f64", type=int, metavar="N",
                    help="instead: N sampled float64 inputs against mpmath (also %s)"
                    % ", ".join(F64_ONLY))
    args = ap.parse_args(argv)

    os.environ["FASTRELU_NUM_THREADS"] = "1"
    import fastrelu
    from fastrelu import _dispatch
    if hasattr(fastrelu, "set_num_threads"):
        fastrelu.set_num_threads(1)
    avail = _dispatch.available_isas()
    isas = args.isa.split(",") if args.isa else avail
    modes = args.mode.split(",") if args.mode else list(MODES)
    for i in isas:
        if i not in avail:
            ap.error(f"ISA {i!r} not available here (have {avail})")
    for m in modes:
        if m not in MODES:
            ap.error(f"mode {m!r} not in {MODES}")
    combos = [(i, m) for i in isas for m in modes]

    t0 = time.time()
    op = args.op
    if op in F64_ONLY and not args.f64:
        ap.error(f"--op {op}: with --f64 only (float32 and float16 need a unary op)")
    if args.f64:
        n, res = f64_samples(op, args.f64, isas, modes, args.workers)
        print(f"{op} float64, {n} sampled inputs vs mpmath, {time.time() - t0:.0f} s")
        print(f"{'isa':9} {'mode':6} {'bound':>5} {'max ulp':>9} {'at x':>24} {'n>0.5ulp':>9} fp flags")
        ok = True
        for (isa, mode), (m, xm, nh, fl) in res.items():
            b = bound(op, "float64", mode)
            ok &= m <= b and not fl
            print(f"{isa:9} {mode:6} {b:5.2f} {m:9.6f} {xm!r:>24} {nh:9d} {','.join(fl) or '-'}")
        return 0 if ok else 1
    if op not in OPS + GRAD1_OPS:
        ap.error(f"{op}: only with --f64")
    rel = self_check(op)
    print(f"float64 reference vs mpmath on 4000 samples: max rel error {rel:.2e} "
          f"({rel / 2.0**-53:.2f} float64 ulp); midpoint tolerance {TOL:g} ulp", flush=True)
    stats = {}

    if not args.no_f16:
        x = np.arange(1 << 16, dtype=np.uint32).astype(np.uint16).view(np.float16)
        r = Reference(x, op)
        for c in combos:
            stats["float16", *c] = r.measure(*run_variant(x, *c, op), bound(op, "float16", c[1]))

    if not args.no_f32:
        total = -(-(1 << 32) // args.step)
        blk = 1 << args.block_bits
        spans = [(i, min(i + blk, total)) for i in range(0, total, blk)]
        ctx = multiprocessing.get_context("spawn")
        with ctx.Pool(args.workers, _init_worker, (combos, args.step, op)) as pool:
            for k, res in enumerate(pool.imap_unordered(_f32_block, spans), 1):
                for c, s in res.items():
                    stats["float32", *c] = merge(stats.get(("float32", *c)), s)
                el = time.time() - t0
                print(f"\r[{k}/{len(spans)}] {el:.0f} s, eta {el / k * (len(spans) - k):.0f} s",
                      end="", file=sys.stderr, flush=True)
        print(file=sys.stderr)

    elapsed = time.time() - t0
    f32 = "all 2^32" if args.step == 1 else f"every {args.step}th of the 2^32"
    print(f"\nfastrelu {getattr(fastrelu, '__version__', '?')} {op}: float32 {f32} "
          f"patterns, float16 all 2^16; {elapsed:.0f} s")
    print(f"{'dtype':8} {'isa':9} {'mode':6} {'bound':>5} {'max ulp':>10} "
          f"{'n>0.5ulp':>11} {'n>1ulp':>10} {'n>bound':>9} {'oor':>5} {'fp flags':10} verdict")
    all_ok, records = True, []
    for key in sorted(stats, key=lambda k: (k[0] != "float32", k)):
        s = stats[key]
        ok, row = fmt_row(op, *key, s)
        all_ok &= ok
        print(row)
        records.append(dict(op=op, dtype=key[0], isa=key[1], mode=key[2],
                            bound=bound(op, key[0], key[2]), ok=ok,
                            **{k: v for k, v in s.items() if k != "worst"},
                            worst=describe_worst(op, key[0], s)))
    if args.json:
        with open(args.json, "w") as f:
            json.dump({"op": op, "step": args.step, "elapsed_s": elapsed, "ref_rel_error": rel,
                       "results": records}, f, indent=1)
    print("\nworst inputs:")
    for rec in records:
        print(f"{rec['dtype']} {rec['isa']} {rec['mode']}:"
              + ("" if rec["worst"] else " none (all correctly rounded)"))
        for w in rec["worst"]:
            print(f"  x={w['x']!r:24} {w['bits']}  got={w['got']!r:24} {w['got_bits']}  "
                  f"exact={w['exact']}  {w['ulp']:.6f} ulp")
    return 0 if all_ok else 1


if __name__ == "__main__":
    sys.exit(main())
