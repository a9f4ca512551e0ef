/* fastrelu: float16 and bfloat16 ("narrow" floats) to and from float32,
 * one value (the portable reference) and blocks (what the narrow loops in
 * loops.h call), the blocks at every ISA level.  Included by loops.h, and by
 * tools/check_narrow.c, which checks them against numpy's conversions on
 * every pattern. */
#ifndef FASTRELU_NARROW_H
#define FASTRELU_NARROW_H

#include <stdint.h>
#include <string.h>
#include "kernels.h"
#include "scalar.h"
#if (defined(__x86_64__) || defined(__i386__)) && defined(__GNUC__)
#include <immintrin.h>
#define FR_NARROW_X86 1
#endif

enum { FR_FMT_HALF, FR_FMT_BF16 };
static float fr_bf16_to_f32(uint16_t h) { return fr_f32_from_bits((uint32_t)h << 16); }
static uint16_t fr_f32_to_bf16(float f) {
    uint32_t u = fr_bits_f32(f);
    if ((u & 0x7fffffffu) > 0x7f800000u) return (uint16_t)((u >> 16) | 0x40);  /* quiet NaN */
    u += 0x7fffu + ((u >> 16) & 1);                                              /* to nearest even */
    return (uint16_t)(u >> 16);
}
static uint16_t fr_f64_to_bf16(double d) {
    uint16_t sign = (uint16_t)((fr_bits_f64(d) >> 48) & 0x8000);
    double a = fabs(d);
    if (a != a) return (uint16_t)(sign | 0x7fc0);
    if (a < 0x1p-126) {
        /* subnormal: a multiple of 2^-133, rounded once by this addition */
        a = (a + 0x1.8p-81) - 0x1.8p-81;
    } else {
        /* 8 significant bits, to nearest even; 2^200 stands for inf */
        uint64_t u = fr_bits_f64(a < 0x1p200 ? a : 0x1p200);
        u += (((uint64_t)1 << 44) - 1) + ((u >> 45) & 1);
        a = fr_f64_from_bits(u & ~(((uint64_t)1 << 45) - 1));
    }
    return (uint16_t)(sign | (fr_bits_f32((float)a) >> 16));     /* exact, or inf */
}
/* float16 <-> float32 by the bits, branch-free (gcc vectorizes the block
 * loops): the bits of numpy's npy_half_to_float and npy_float_to_half on
 * all 2^16 and 2^32 patterns (checked with tools/check_narrow.c), which
 * convert one value a call */
static float fr_half_to_f32(uint16_t h) {
    uint32_t em = (uint32_t)(h & 0x7fff) << 13, sign = (uint32_t)(h & 0x8000) << 16;
    float f = fr_f32_from_bits(em) * 0x1p112f;                 /* normal, subnormal: exact */
    uint32_t u = em >= (0x7c00u << 13) ? em | 0x7f800000u : fr_bits_f32(f);   /* inf, NaN */
    return fr_f32_from_bits(u | sign);
}
static uint16_t fr_f32_to_half(float f) {
    uint32_t u = fr_bits_f32(f), sign = (u >> 16) & 0x8000, a = u & 0x7fffffffu;
    uint32_t nan = 0x7c00u | ((a >> 13) & 0x3ffu);            /* the payload's top bits */
    nan |= nan == 0x7c00u;                                     /* or 1, to stay a NaN */
    /* below 2^-14: a + 1/2 rounds a to a multiple of 2^-24 (to nearest even) */
    uint32_t sub = fr_bits_f32(fr_f32_from_bits(a) + 0.5f) - 0x3f000000u;
    uint32_t nrm = (a + 0xc8000fffu + ((a >> 13) & 1)) >> 13;  /* exponent - 112, rounded */
    uint32_t r = a > 0x7f800000u ? nan : a >= 0x47800000u ? 0x7c00u : a < 0x38800000u ? sub : nrm;
    return (uint16_t)(r | sign);
}
static float fr_narrow_load32(int fmt, const char *p) {
    uint16_t h;
    memcpy(&h, p, 2);
    return fmt == FR_FMT_HALF ? fr_half_to_f32(h) : fr_bf16_to_f32(h);
}
static uint16_t fr_narrow_round32(int fmt, float v) {
    return fmt == FR_FMT_HALF ? fr_f32_to_half(v) : fr_f32_to_bf16(v);
}
/* m narrow values at src (step bytes apart) widened to float32, and back.
 * baseline: the functions above in unit-step loops gcc vectorizes (at the
 * avx2 and avx512f levels too, for bfloat16 and steps); float16 at avx2 and
 * avx512f: F16C's vcvtph2ps / vcvtps2ph (to nearest even, as
 * numpy), with the rare vector holding a NaN redone by the functions above,
 * since F16C quiets a signalling NaN and numpy keeps it: the same bits at
 * every level.  A narrow call takes the level of its float32 kernel (so
 * FASTRELU_DISABLE_CPU_FEATURES and the tests' variants reach each level).
 * relu_backward of 1M float16 on 2 threads: 2.8 ms one value at a time, 0.9
 * vectorized for SSE2, 0.54 with gcc's AVX-512 code for the same loops,
 * 0.155 with F16C (torch 0.116). */
typedef void (*fr_widen32_fn)(int fmt, const char *src, fr_intp step, float *dst, fr_intp m);
typedef void (*fr_round32s_fn)(int fmt, const float *src, char *dst, fr_intp step, fr_intp m);

/* the portable block loops, compiled for a level by attr */
#define FR_DEFINE_NARROW_PORTABLE(level, attr)                                                \
    attr static void fr_narrow_widen32_##level(int fmt, const char *src, fr_intp step,       \
                                               float *dst, fr_intp m) {                       \
        uint16_t h;                                                                            \
        if (step == 2 && fmt == FR_FMT_HALF) {                                                 \
            for (fr_intp j = 0; j < m; j++) {                                                  \
                memcpy(&h, src + 2 * j, 2);                                                    \
                dst[j] = fr_half_to_f32(h);                                                    \
            }                                                                                  \
        } else if (step == 2) {                                                                \
            for (fr_intp j = 0; j < m; j++) {                                                  \
                memcpy(&h, src + 2 * j, 2);                                                    \
                dst[j] = fr_bf16_to_f32(h);                                                    \
            }                                                                                  \
        } else if (step == 0) {                    /* a broadcast operand (leaky_relu's alpha) */ \
            float v = fr_narrow_load32(fmt, src);                                              \
            for (fr_intp j = 0; j < m; j++) dst[j] = v;                                        \
        } else {                                                                               \
            for (fr_intp j = 0; j < m; j++) dst[j] = fr_narrow_load32(fmt, src + j * step);    \
        }                                                                                      \
    }                                                                                          \
    attr static void fr_narrow_round32s_##level(int fmt, const float *src, char *dst,         \
                                                fr_intp step, fr_intp m) {                    \
        uint16_t h;                                                                            \
        if (step == 2 && fmt == FR_FMT_HALF) {                                                 \
            for (fr_intp j = 0; j < m; j++) {                                                  \
                h = fr_f32_to_half(src[j]);                                                    \
                memcpy(dst + 2 * j, &h, 2);                                                    \
            }                                                                                  \
        } else if (step == 2) {                                                                \
            for (fr_intp j = 0; j < m; j++) {                                                  \
                h = fr_f32_to_bf16(src[j]);                                                    \
                memcpy(dst + 2 * j, &h, 2);                                                    \
            }                                                                                  \
        } else {                                                                               \
            for (fr_intp j = 0; j < m; j++) {                                                  \
                h = fr_narrow_round32(fmt, src[j]);                                            \
                memcpy(dst + j * step, &h, 2);                                                 \
            }                                                                                  \
        }                                                                                      \
    }
FR_DEFINE_NARROW_PORTABLE(baseline, )

#ifdef FR_NARROW_X86
/* L lanes of float16 with F16C: LOAD16/STORE16 the halves, TO32/TO16 the
 * conversions, LOADF/STOREF the floats, NANS the lanes of a float32 vector that are NaN (a bit mask) */
#define FR_DEFINE_F16C(level, attr, L, V, LOAD16, STORE16, TO32, TO16, LOADF, STOREF, NANS) \
    FR_DEFINE_NARROW_PORTABLE(portable_##level, attr)                                          \
    attr static void fr_narrow_widen32_##level(int fmt, const char *src, fr_intp step,       \
                                               float *dst, fr_intp m) {                       \
        fr_intp j = 0;                                                                         \
        if (fmt != FR_FMT_HALF || step != 2) {                                                 \
            fr_narrow_widen32_portable_##level(fmt, src, step, dst, m);                        \
            return;                                                                            \
        }                                                                                      \
        for (; j + L <= m; j += L) {                                                           \
            V f = TO32(LOAD16(src + 2 * j));                                                   \
            STOREF(dst + j, f);                                                                \
            if (NANS(f))                                                                       \
                fr_narrow_widen32_baseline(fmt, src + 2 * j, 2, dst + j, L);                   \
        }                                                                                      \
        fr_narrow_widen32_baseline(fmt, src + 2 * j, 2, dst + j, m - j);                       \
    }                                                                                          \
    attr static void fr_narrow_round32s_##level(int fmt, const float *src, char *dst,         \
                                                fr_intp step, fr_intp m) {                    \
        fr_intp j = 0;                                                                         \
        if (fmt != FR_FMT_HALF || step != 2) {                                                 \
            fr_narrow_round32s_portable_##level(fmt, src, dst, step, m);                       \
            return;                                                                            \
        }                                                                                      \
        for (; j + L <= m; j += L) {                                                           \
            V f = LOADF(src + j);                                                              \
            STORE16(dst + 2 * j, TO16(f, _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC));      \
            if (NANS(f))                                                                       \
                fr_narrow_round32s_baseline(fmt, src + j, dst + 2 * j, 2, L);                  \
        }                                                                                      \
        fr_narrow_round32s_baseline(fmt, src + j, dst + 2 * j, 2, m - j);                      \
    }
#define FR_LOAD16_128(p) _mm_loadu_si128((const __m128i *)(p))
#define FR_STORE16_128(p, v) _mm_storeu_si128((__m128i *)(p), v)
#define FR_NANS_256(f) _mm256_movemask_ps(_mm256_cmp_ps(f, f, _CMP_UNORD_Q))
FR_DEFINE_F16C(avx2, __attribute__((target("avx2,f16c"))), 8, __m256, FR_LOAD16_128,
               FR_STORE16_128, _mm256_cvtph_ps, _mm256_cvtps_ph, _mm256_loadu_ps, _mm256_storeu_ps,
               FR_NANS_256)
#define FR_LOAD16_256(p) _mm256_loadu_si256((const __m256i *)(p))
#define FR_STORE16_256(p, v) _mm256_storeu_si256((__m256i *)(p), v)
#define FR_NANS_512(f) _mm512_cmp_ps_mask(f, f, _CMP_UNORD_Q)
FR_DEFINE_F16C(avx512f, __attribute__((target("avx512f,avx2,f16c"))), 16, __m512,
               FR_LOAD16_256, FR_STORE16_256, _mm512_cvtph_ps, _mm512_cvtps_ph, _mm512_loadu_ps,
               _mm512_storeu_ps, FR_NANS_512)
#endif

typedef struct {
    const char *level;            /* a kernel row's name ends in __<level> */
    int f16c;                     /* and the CPU must have F16C */
    fr_widen32_fn widen;
    fr_round32s_fn round;
} fr_narrow_converter;
static const fr_narrow_converter fr_narrow_converters[] = {
#ifdef FR_NARROW_X86
    {"__avx512f", 1, fr_narrow_widen32_avx512f, fr_narrow_round32s_avx512f},
    {"__avx2", 1, fr_narrow_widen32_avx2, fr_narrow_round32s_avx2},
#endif
    {NULL, 0, fr_narrow_widen32_baseline, fr_narrow_round32s_baseline},
};
/* the converters of row's level (numba's and numpy's rows: the baseline's) */
static const fr_narrow_converter *fr_narrow_converter_for(const fr_kernel_row *row) {
    const fr_narrow_converter *c = fr_narrow_converters;
    size_t n = row && row->name ? strlen(row->name) : 0;
    for (; c->level; c++) {
        size_t k = strlen(c->level);
        if (n >= k && !strcmp(row->name + n - k, c->level)) break;
    }
#ifdef FR_NARROW_X86
    if (c->f16c) {
        __builtin_cpu_init();
        if (!__builtin_cpu_supports("f16c"))
            while (c->level) c++;
    }
#endif
    return c;
}

#endif /* FASTRELU_NARROW_H */
