/* fastrelu: strided <-> contiguous copies, one block at a time (loops.h's
 * fr_run_blocks: copy in, kernel, copy out).  Included by loops.h.
 *
 * A copy is bytes moved, so every ISA level gives the same bits and the level
 * is picked here from the CPU alone.  Steps of 2-8 elements (x[::2], the real
 * parts of a complex array, a column of a narrow table) are vectorized:
 * gathers by gcc (loads and permutes; constant strides only), scatters as
 * AVX-512 permutes and masked stores, which write the selected lanes only
 * (the elements between are someone else's) and do not fault on the masked
 * lanes past the end; for float64 only at a step of 2 (relu_ of 65536 in
 * place through x[::5] took 85 us element by element, 105 so; x[::3] and
 * x[::4] no faster).  Element by element, x[::2] relu_ of 65536 float32 took
 * 28 us against np.maximum's 21 (two strided passes to numpy's one). */
#ifndef FASTRELU_STRIDED_H
#define FASTRELU_STRIDED_H

#include <stdint.h>
#include <string.h>
#include "kernels.h"
#if (defined(__x86_64__) || defined(__i386__)) && defined(__GNUC__)
#include <immintrin.h>
#define FR_STRIDED_X86 1
#endif

/* memcpy of a constant size is one load and one store; of a variable size, a
 * library call per element (relu of a [::2] view of 1M float32 took 1.5 ms
 * that way, 3x numpy) */
#define FR_COPY_EACH(size) \
    for (fr_intp i = 0; i < m; i++) memcpy(dst + i * dstep, src + i * sstep, size)
static void fr_copy_strided(char *dst, fr_intp dstep, const char *src, fr_intp sstep, fr_intp m,
                            size_t es) {
    switch (es) {
    case 2: FR_COPY_EACH(2); break;
    case 4: FR_COPY_EACH(4); break;
    case 8: FR_COPY_EACH(8); break;
    case 16: FR_COPY_EACH(16); break;
    default: FR_COPY_EACH(es);
    }
}
#undef FR_COPY_EACH

/* step = K elements of 4 or 8 bytes, K in 2..FR_SMALL_STEP: 0 otherwise */
#define FR_SMALL_STEP 8
static int fr_small_stride(fr_intp step, size_t es) {
    if ((es != 4 && es != 8) || step <= 0 || step % (fr_intp)es) return 0;
    fr_intp k = step / (fr_intp)es;
    return k >= 2 && k <= FR_SMALL_STEP ? (int)k : 0;
}

/* dst[i] = src[K i] with K a constant, so gcc vectorizes it; one copy per level */
#define FR_GATHER_K(T, K) \
    for (fr_intp i = 0; i < m; i++) ((T *)dst)[i] = ((const T *)src)[K * i]
#define FR_GATHER_EACH_K(T)                 \
    switch (k) {                            \
    case 2: FR_GATHER_K(T, 2); break;       \
    case 3: FR_GATHER_K(T, 3); break;       \
    case 4: FR_GATHER_K(T, 4); break;       \
    case 5: FR_GATHER_K(T, 5); break;       \
    case 6: FR_GATHER_K(T, 6); break;       \
    case 7: FR_GATHER_K(T, 7); break;       \
    default: FR_GATHER_K(T, 8);             \
    }
#define FR_GATHER_SMALL(name, attr)                                                  \
    attr static void name(char *dst, const char *src, int k, fr_intp m, size_t es) { \
        if (es == 4)                                                                 \
            FR_GATHER_EACH_K(uint32_t)                                               \
        else                                                                         \
            FR_GATHER_EACH_K(uint64_t)                                               \
    }
FR_GATHER_SMALL(fr_gather_small, )
#ifdef FR_STRIDED_X86
FR_GATHER_SMALL(fr_gather_small_avx2, __attribute__((target("avx2"))))
FR_GATHER_SMALL(fr_gather_small_avx512, __attribute__((target("avx512f"))))
#endif
#undef FR_GATHER_SMALL
#undef FR_GATHER_EACH_K
#undef FR_GATHER_K

#ifdef FR_STRIDED_X86
/* dst[K i] = src[i] for the whole vectors of src (returns how many elements
 * that was), in 32-bit lanes: an element is E = es / 4 of them.  Output vector
 * w of a group holds destination elements p = (16 w + t) / E (t its lane),
 * those with p % K == 0, from source element p / K; p K < 2^17, so p / K
 * is p * ceil(2^17 / K) >> 17. */
__attribute__((target("avx512f")))
static fr_intp fr_scatter_small_avx512(char *dst, int k, const char *src, fr_intp m, size_t es) {
    int e_shift = es == 8;
    __m512i idx[FR_SMALL_STEP];
    __mmask16 keep[FR_SMALL_STEP];
    const __m512i lane = _mm512_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15);
    const __m512i half = _mm512_and_si512(lane, _mm512_set1_epi32(e_shift));
    for (int w = 0; w < k; w++) {
        __m512i p = _mm512_srli_epi32(_mm512_add_epi32(lane, _mm512_set1_epi32(16 * w)), e_shift);
        __m512i q = _mm512_srli_epi32(_mm512_mullo_epi32(p, _mm512_set1_epi32((131072 + k - 1) / k)),
                                      17);
        keep[w] = _mm512_cmpeq_epi32_mask(_mm512_mullo_epi32(q, _mm512_set1_epi32(k)), p);
        idx[w] = _mm512_add_epi32(_mm512_slli_epi32(q, e_shift), half);
    }
    fr_intp per = 64 / (fr_intp)es, i = 0;
    for (; i + per <= m; i += per) {
        __m512i v = _mm512_loadu_si512(src + i * es);
        char *d = dst + i * k * es;
        for (int w = 0; w < k; w++)
            _mm512_mask_storeu_epi32(d + 64 * w, keep[w], _mm512_permutexvar_epi32(idx[w], v));
    }
    return i;
}
#endif

/* a broadcast operand (step 0): one value, stored as vectors */
#define FR_FILL(T) \
    do { T v; memcpy(&v, src, sizeof v); for (fr_intp i = 0; i < m; i++) ((T *)dst)[i] = v; } while (0)
static void fr_gather(char *dst, const char *src, fr_intp step, fr_intp m, size_t es) {
    if (step == 0 && (es == 4 || es == 8)) {
        if (es == 4) FR_FILL(uint32_t);
        else FR_FILL(uint64_t);
        return;
    }
    int k = fr_small_stride(step, es);
    if (k) {
#ifdef FR_STRIDED_X86
        if (__builtin_cpu_supports("avx512f"))
            fr_gather_small_avx512(dst, src, k, m, es);
        else if (__builtin_cpu_supports("avx2"))
            fr_gather_small_avx2(dst, src, k, m, es);
        else
#endif
            fr_gather_small(dst, src, k, m, es);
        return;
    }
    fr_copy_strided(dst, (fr_intp)es, src, step, m, es);
}

static void fr_scatter(char *dst, fr_intp step, const char *src, fr_intp m, size_t es) {
    fr_intp done = 0;
#ifdef FR_STRIDED_X86
    int k = fr_small_stride(step, es);
    if ((es == 4 ? k : k == 2) && __builtin_cpu_supports("avx512f"))
        done = fr_scatter_small_avx512(dst, k, src, m, es);
#endif
    fr_copy_strided(dst + done * step, step, src + done * (fr_intp)es, (fr_intp)es, m - done, es);
}

#undef FR_FILL

#endif /* FASTRELU_STRIDED_H */
