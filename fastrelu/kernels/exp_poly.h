/* fastrelu: the polynomials of e^t shared by the SIMD sigmoid headers
 * (sigmoid_avx512f.h, sigmoid_avx2.h).
 *
 * p(t) = 1 + t + c2 t^2 + ... + cD t^D, minimax on the relative error over
 * [-ln2/2, ln2/2], each coefficient rounded to the working precision
 * (tools/fit_exp_poly.py prints them): c0 = c1 = 1, so p(0) = 1 exactly and
 * sigmoid(0) = 1/2 exactly.
 */
#ifndef FASTRELU_EXP_POLY_H
#define FASTRELU_EXP_POLY_H

/* float32 degree 6 (relative error 0.064 ulp before the evaluation's
 * roundings), float64 degree 11 (0.093 ulp); fr_exp_<f32|f64>_coef[k] = ck */
static const float fr_exp_f32_coef[7] = {
    1.0f, 1.0f, 0x1.fffffcp-2f, 0x1.555492p-3f, 0x1.5558f2p-5f, 0x1.1239dep-7f, 0x1.6a245p-10f};
static const double fr_exp_f64_coef[12] = {
    1.0, 1.0, 0x1.000000000000fp-1, 0x1.555555555558ap-3, 0x1.555555554ee1bp-5,
    0x1.11111110ffcb6p-7, 0x1.6c16c1894e2f7p-10, 0x1.a01a02112c874p-13,
    0x1.a0198d9c72f01p-16, 0x1.71dd10f7909fbp-19, 0x1.28b7ae974c8e2p-22,
    0x1.b0d4e84f5f488p-26};
/* float64 after a table of 2^(j/16) (the avx512f kernels, sigmoid_simd_body.h's
 * fr_exp_nonpos_full): q = e^t - 1 = t + c2 t^2 + ... + c6 t^6 on |t| <= ln2/32,
 * 0.105 ulp; the table as hi (correctly rounded) + lo (the rest, rounded).
 * `tools/fit_exp_poly.py --table 16` */
static const double fr_exp16_f64_coef[7] = {
    1.0, 1.0, 0x1.fffffffffffb7p-2, 0x1.555555548f7e7p-3, 0x1.555555590a4d4p-5,
    0x1.11123ab70b66ap-7, 0x1.6c14bf803727bp-10};
static const double fr_exp16_hi_f64[16] __attribute__((aligned(64))) = {
    0x1.0000000000000p+0, 0x1.0b5586cf9890fp+0, 0x1.172b83c7d517bp+0, 0x1.2387a6e756238p+0,
    0x1.306fe0a31b715p+0, 0x1.3dea64c123422p+0, 0x1.4bfdad5362a27p+0, 0x1.5ab07dd485429p+0,
    0x1.6a09e667f3bcdp+0, 0x1.7a11473eb0187p+0, 0x1.8ace5422aa0dbp+0, 0x1.9c49182a3f090p+0,
    0x1.ae89f995ad3adp+0, 0x1.c199bdd85529cp+0, 0x1.d5818dcfba487p+0, 0x1.ea4afa2a490dap+0};
static const double fr_exp16_lo_f64[16] __attribute__((aligned(64))) = {
    0x0.0p+0, 0x1.8a62e4adc610bp-54, -0x1.19041b9d78a76p-55, 0x1.9b07eb6c70573p-54,
    0x1.6f46ad23182e4p-55, 0x1.ada0911f09ebcp-55, 0x1.d4397afec42e2p-56, 0x1.6324c054647adp-54,
    -0x1.bdd3413b26456p-54, -0x1.41577ee04992fp-55, 0x1.6e9f156864b27p-54, 0x1.c7c46b071f2bep-56,
    0x1.7a1cd345dcc81p-54, 0x1.11065895048ddp-55, 0x1.2ed02d75b3707p-55, -0x1.e9c23179c2893p-54};
/* float64 degree 8 (2^-39.7 relative): float32 results computed in float64
 * lanes (gelu), `tools/fit_exp_poly.py --degree 8 --dtype float64` */
static const double fr_exp_f64_d8_coef[9] = {
    1.0, 1.0, 0x1.000000005de6ep-1, 0x1.5555557dd0379p-3, 0x1.5555541e694eep-5,
    0x1.1110a265060c1p-7, 0x1.6c18d30dd0664p-10, 0x1.a1855685d51c1p-13,
    0x1.9e894d0e3e235p-16};
/* float64 degree 6 (2^-28.3 relative): the float32 fast gelu kernels, whose
 * rationals are ~2^-27 too, `tools/fit_exp_poly.py --degree 6 --dtype float64` */
static const double fr_exp_f64_d6_coef[7] = {
    1.0, 1.0, 0x1.fffffb9a81639p-2, 0x1.55549159d117cp-3, 0x1.5558f153759ap-5,
    0x1.1239de01329e6p-7, 0x1.6a244f86a2969p-10};

/* softplus's log1p(f) = f - s (f - s^2 r(s^2)), s = f / (2 + f), |s| <= 1/5:
 * r(w) = sum 2/(2j + 3) w^j minimax on [0, 1/25] (absolute error 2^-25.1,
 * 2^-53.3), in place of the Taylor series' 6 and 12 terms scalar.h takes:
 * `tools/fit_exp_poly.py --log1p`; fr_log1p_r_<f32|f64>_coef[j] = cj */
static const float fr_log1p_r_f32_coef[4] = {
    0x1.555556p-1f, 0x1.999a6cp-2f, 0x1.242c58p-2f, 0x1.e66a68p-3f};
static const double fr_log1p_r_f64_coef[8] = {
    0x1.5555555555555p-1, 0x1.999999999a196p-2, 0x1.24924923db8a8p-2, 0x1.c71c72bd891b8p-3,
    0x1.745cbb25254acp-3, 0x1.3b27492b4a72bp-3, 0x1.0ebd95fa358f7p-3, 0x1.153511aac9578p-3};

#endif /* FASTRELU_EXP_POLY_H */
