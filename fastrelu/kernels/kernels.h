/* fastrelu kernel ABI and registry rows.
 *
 * Every kernel is serial and contiguous, one signature per arity:
 *   void k(const T *in, T *out, intptr_t n)               unary (relu, sigmoid)
 *   void k(const T *g, const T *y, T *out, intptr_t n)    backward
 * `out` may be identical to an input (in place) but must not partly overlap it.
 * Kernels are declared with void pointers so one table holds every dtype; the
 * ABI is the same as the typed form above.
 */
#ifndef FASTRELU_KERNELS_H
#define FASTRELU_KERNELS_H

#include <stdint.h>

typedef intptr_t fr_intp;
typedef void (*fr_unary_fn)(const void *in, void *out, fr_intp n);
typedef void (*fr_binary_fn)(const void *g, const void *y, void *out, fr_intp n);

/* The registry's dimensions; the Python side (_dispatch.py) names them. */
enum fr_op { FR_RELU, FR_SIGMOID, FR_RELU_BWD, FR_SIGMOID_BWD, FR_NOPS };
enum fr_dtype { FR_F32, FR_F64, FR_I8, FR_I16, FR_I32, FR_I64, FR_NDTYPES };
enum fr_accuracy { FR_FAST, FR_EXACT, FR_NACCURACY, FR_ANY_ACCURACY = -1 };

typedef struct {
    const char *name;       /* XNNPACK-style: f32_sigmoid_fast__avx2 */
    int op, dtype, accuracy; /* accuracy FR_ANY_ACCURACY: exact in both modes */
    fr_unary_fn unary;       /* exactly one of unary / binary is set */
    fr_binary_fn binary;
    int serial;              /* needs the GIL (numpy backend): never threaded */
} fr_kernel_row;

/* One registry per compiled ISA level, terminated by a row with name NULL. */
extern const fr_kernel_row fr_kernels__baseline[];
#ifdef FR_HAVE_AVX2
extern const fr_kernel_row fr_kernels__avx2[];
#endif
#ifdef FR_HAVE_AVX512F
extern const fr_kernel_row fr_kernels__avx512f[];
#endif

#endif
