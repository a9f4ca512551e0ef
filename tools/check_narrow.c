/* Checks fastrelu/kernels/narrow.h's float16 conversions against numpy's
 * (npy_half_to_float, npy_float_to_half) on every pattern: all 2^16 halves
 * widened, all 2^32 floats rounded, by the one-value functions and by the
 * block converters of every level this CPU has.  Not part of the build:
 *
 *   NP=$(python -c "import numpy; print(numpy.get_include())")
 *   PY=$(python -c "import sysconfig; print(sysconfig.get_paths()['include'])")
 *   gcc -O2 -fno-trapping-math -ffp-contract=off -I$NP -I$PY \
 *       tools/check_narrow.c -L$NP/../lib -lnpymath -lm -o /tmp/check_narrow
 *   /tmp/check_narrow            # ~1 min a level; prints the mismatches, exit 1 if any
 */
#include <stdio.h>
#include <numpy/halffloat.h>
#include "../fastrelu/kernels/narrow.h"

#define BLOCK 4096

int main(void) {
    static uint16_t pat[65536], h[BLOCK];
    static float f[65536];
    long bad = 0;
    int nlevels = (int)(sizeof fr_narrow_converters / sizeof *fr_narrow_converters);
    for (int k = 0; k < 65536; k++) pat[k] = (uint16_t)k;
    for (int k = 0; k < 65536; k++)
        if (fr_bits_f32(fr_half_to_f32(pat[k])) != fr_bits_f32(npy_half_to_float(pat[k])))
            if (bad++ < 5) printf("fr_half_to_f32 %04x\n", k);
    for (uint64_t v = 0; v < (1ull << 32); v++) {
        float x = fr_f32_from_bits((uint32_t)v);
        if (fr_f32_to_half(x) != npy_float_to_half(x))
            if (bad++ < 5) printf("fr_f32_to_half %08x\n", (unsigned)v);
    }
    printf("one value: %ld mismatches\n", bad);
    for (int l = 0; l < nlevels; l++) {
        const fr_narrow_converter *c = &fr_narrow_converters[l];
        long lbad = 0;
#ifdef FR_NARROW_X86
        __builtin_cpu_init();
        if (c->f16c && !(__builtin_cpu_supports("f16c") &&
                         (l == 0 ? __builtin_cpu_supports("avx512f") : __builtin_cpu_supports("avx2")))) {
            printf("%s: not on this CPU\n", c->level);
            continue;
        }
#endif
        c->widen(FR_FMT_HALF, (const char *)pat, 2, f, 65536);
        for (int k = 0; k < 65536; k++)
            if (fr_bits_f32(f[k]) != fr_bits_f32(npy_half_to_float(pat[k])))
                if (lbad++ < 5) printf("%s widen %04x\n", c->level ? c->level : "baseline", k);
        for (uint64_t v = 0; v < (1ull << 32); v += BLOCK) {
            static float x[BLOCK];
            for (int k = 0; k < BLOCK; k++) x[k] = fr_f32_from_bits((uint32_t)(v + k));
            c->round(FR_FMT_HALF, x, (char *)h, 2, BLOCK - 3);     /* a tail too */
            for (int k = 0; k < BLOCK - 3; k++)
                if (h[k] != npy_float_to_half(x[k]))
                    if (lbad++ < 5) printf("%s round %08x\n", c->level ? c->level : "baseline",
                                           (unsigned)(v + k));
        }
        printf("%s: %ld mismatches\n", c->level ? c->level + 2 : "baseline", lbad);
        bad += lbad;
    }
    return bad != 0;
}
