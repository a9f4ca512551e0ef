"""The constants of kernels/scalar.h (and exp_family.h), for the numba twins, each written once
here and named after where scalar.h has it.

SCALAR_H maps each place in scalar.h to the values the twins use for it;
tests/test_numba.py parses scalar.h and fails when a value differs (or a
place is gone).  A place is one of:
- ``FR_NAME``: a ``#define FR_NAME <number or arithmetic of numbers>``;
- ``fr_name``: a ``static const double fr_name[] = {...}`` (the tuple; a 2-D
  ``fr_name[m][n]``: its rows one after the other), or an
  ``FR_INLINE`` function (the set of the numeric literals in its body, signed,
  0, +-1, 2 and 1/2 left out);
- ``FR_MACRO(``: a ``#define FR_MACRO(...)`` body, literals as for a function;
- ``FR_MACRO(first``: the numeric arguments of the invocation
  ``FR_MACRO(first, ...)``;
- ``FR_FN(fr_name)``: a function of the exp_family.h template (scalar.h
  includes it once per type), literals as for a function.
Plain data (numpy scalars): importing this module does not import numba.
"""
import numpy as np


def _exact(T, value):
    """A constant of type T that must be exact (scalar.h's hex literals)."""
    v = float.fromhex(value) if isinstance(value, str) else float(value)
    c = T(v)
    assert float(c) == v, (T, value)
    return c


_f32 = lambda v: _exact(np.float32, v)     # noqa: E731
_f64 = lambda v: _exact(np.float64, v)     # noqa: E731

# ---- range reduction: nm = z log2e + MAGIC, t = z - n (LN2_HI + LN2_LO) -------
LOG2E_F32 = _f32("0x1.715476p+0")
MAGIC_F32 = _f32(1.5 * 2.0**23 + 191.0)
DOWN_F32 = _f32("0x1p-64")                 # 2^-K undoes the K of fr_scale's 2^(n + K)
LN2_HI_F32 = _f32("0x1.62e400p-1")
LN2_LO_F32 = _f32("0x1.7f7d1cp-20")
LOG2E_F64 = _f64("0x1.71547652b82fep+0")
MAGIC_F64 = _f64(1.5 * 2.0**52 + 1623.0)
DOWN_F64 = _f64("0x1p-600")
LN2_HI_F64 = _f64("0x1.62e42fee00000p-1")
LN2_LO_F64 = _f64("0x1.a39ef35793c76p-33")

# 1/k!, k = 0..14, correctly rounded
INV_FACT_F64 = tuple(float.fromhex(h) for h in (
    "0x1p+0", "0x1p+0", "0x1p-1", "0x1.5555555555555p-3", "0x1.5555555555555p-5",
    "0x1.1111111111111p-7", "0x1.6c16c16c16c17p-10", "0x1.a01a01a01a01ap-13",
    "0x1.a01a01a01a01ap-16", "0x1.71de3a556c734p-19", "0x1.27e4fb7789f5cp-22",
    "0x1.ae64567f544e4p-26", "0x1.1eed8eff8d898p-29", "0x1.6124613a86d09p-33",
    "0x1.93974a8c07c9dp-37"))
EXPM1_TAIL_DEGREE_F64 = 13                 # h(t) = (e^t - 1 - t) / t^2 to t^13 (fast float64)
EXP_DD_TAIL = (3, 14)                      # fr_exp_dd_f64's Taylor tail
# fr_expm1_tail_f32: h(t) to t^7, its own float32 coefficients (highest first)
EXPM1_TAIL_F32 = tuple(_f32(h) for h in (
    "0x1.a01a02p-13", "0x1.6c16c2p-10", "0x1.111112p-7", "0x1.555556p-5", "0x1.555556p-3",
    "0x1p-1"))

# ---- the fast sigmoid family (exp_family.h, per variant) ----------------------
ZMIN_F32, ZMIN_SILU_F32 = _f32(-105.0), _f32(-115.0)   # sigmoid(ZMIN), ZMIN_SILU e^.. round to 0
ZMIN_F64, ZMIN_SILU_F64 = _f64(-750.0), _f64(-760.0)
SOFTPLUS_ZMIN_F32, SOFTPLUS_ZMIN_F64 = ZMIN_F32, ZMIN_F64     # softplus clamps as sigmoid
RATIO_HALF, RATIO_C = -0.5, 0.9571         # fr_ratio: 1/(1 + e) ~ 0.9571 - e/2
SPLIT_F32, SPLIT_F64 = _f32(4097.0), _f64(134217729.0)  # Veltkamp: 2^12 + 1, 2^27 + 1

# ---- log1p_small (exp_family.h): 2 / (2k + 1), k = 1..12 ------------------------
ATANH_COEF_F64 = tuple(float.fromhex(h) for h in (
    "0x1.5555555555555p-1", "0x1.999999999999ap-2", "0x1.2492492492492p-2",
    "0x1.c71c71c71c71cp-3", "0x1.745d1745d1746p-3", "0x1.3b13b13b13b14p-3",
    "0x1.1111111111111p-3", "0x1.e1e1e1e1e1e1ep-4", "0x1.af286bca1af28p-4",
    "0x1.8618618618618p-4", "0x1.642c8590b2164p-4", "0x1.47ae147ae147bp-4"))
LOG1P_TERMS_F32, LOG1P_TERMS_F64 = 6, 12

# ---- exact float32 sigmoid: base-2 reduction, 2^u as a Pade [4/4] -------------
MAGIC2_F64 = _f64(1.5 * 2.0**52 + 1023.0)
ZMIN_EXACT_F32 = _f32(-105.0)
PADE4, PADE2, PADE3, PADE1 = (float.fromhex(h) for h in (
    "0x1.20270db2dfe99p-13", "0x1.a5b352426f27ap-5", "0x1.03d299f705bdbp-8",
    "0x1.62e42fefa39efp-2"))

# ---- exact float64 (double-double), silu, softplus ---------------------------
ZMIN_DD_SIGMOID, ZMIN_DD_SILU = -750.0, -760.0
DSILU_BIG = 760.0                          # FR_DSILU: silu' is 1 / -0 beyond +-760
SILU_BWD_F32_ZMIN = -700.0                 # fr_silu_bwd_f32: float64 exp, Taylor to t^10
SILU_BWD_F32_DEGREE = 10
TINY_SILU_F32 = _f32(2.0**-60)             # fr_half_tie_f64 (the narrow loops)
CR_EPS_SIGMOID = 2.0**-36                  # exact float32's rounding test: the guess's bound
CR_EPS = 2.0**-46                          # (2^-37.5 for sigmoid, 2^-50 for the others) + margin
SOFTPLUS_ZMIN_DD = -750.0
TINY_E = 2.0**-20                          # fr_softplus_exact_f64: the series below
THIRD = float.fromhex("0x1.5555555555555p-2")
HUGE_A = 2.0**60

# ---- gelu = x Phi(x), gelu_backward: scalar.h's fr_gelu_* (FR_DEFINE_GELU_PARTS) ---
GELU_AMAX = 39.0                           # FR_GELU_AMAX: |x| clamped (NaN too), limits beyond
GELU_INDEX_SHIFT, GELU_INDEX_BIAS, GELU_INDEX_QUARTERS = 50, 4092, 4   # fr_gelu_index
# the columns of a table row: c, cl (the center), c0, c0l, c1, c1l, c2, c2l, c3..c13
(GELU_C, GELU_CL, GELU_C0, GELU_C0L, GELU_C1, GELU_C1L, GELU_C2, GELU_C2L,
 GELU_C3) = range(9)
GELU_C13, GELU_ROW = 18, 19
GELU_LATE = -37.0                          # fr_dgelu: below, 2^n is subnormal (scaled last)
GELU_S2 = 2.0**600                         # fr_dgelu's s2 where D is not near the subnormals
GELU_BIG_G, GELU_G_DOWN, GELU_G_UP = 2.0**995, 2.0**-64, 2.0**64   # huge grads, scaled
GELU_HUGE_GH = 2.0**1000                   # beyond: g = inf, gl is inf - inf


def _table(*rows):
    """A scalar.h coefficient table (hex literals, one row per interval of |x|)."""
    t = np.array([[float.fromhex(h) for h in row] for row in rows], dtype=np.float64)
    t.flags.writeable = False
    return t


# generated by tools/fit_gelu.py (degree 13): fr_gelu_n_tab (N), fr_gelu_w_tab (W)
GELU_N_TAB = _table(
    ("0x0.0p+0", "0x0.0p+0", "0x1.0000000000000p-1", "-0x1.0cb55b1cb3ca8p-76", "-0x1.9884533d43651p-2", "0x1.cc27b4ce1ea2ap-56", "0x1.0000000000000p-2", "-0x1.a24d73ab9b51ap-58", "-0x1.1058377e2cecbp-3", "0x1.fffffffffee79p-5", "-0x1.b3c058c99b26cp-6", "0x1.55555549e4c04p-7", "-0x1.f20062f18b84ep-9", "0x1.5555235cbf20fp-10", "-0x1.baa591cab4a2cp-12", "0x1.10db6f6eeaadbp-13", "-0x1.3f15a7cc8bf19p-15", "0x1.52320903e5a94p-17", "-0x1.f83e15291e434p-20"),  # [0, 0.25)
    ("0x1.8000000000000p-2", "0x0.0p+0", "0x1.84b705ec74443p-2", "0x1.5930d2fb383c3p-57", "-0x1.06bfb10497cb7p-2", "-0x1.7386095fd1c1cp-56", "0x1.222f238abb57ep-3", "0x1.a00923c5e69a3p-57", "-0x1.15c9232370e40p-4", "0x1.dc32d9e82c5afp-6", "-0x1.7506fdef7ac5fp-7", "0x1.0ed65c322a820p-8", "-0x1.7047c55011190p-10", "0x1.d89f438fc95d8p-12", "-0x1.1ff9a2bdf03b4p-13", "0x1.4ee647762b610p-15", "-0x1.7533e515c0a52p-17", "0x1.914c4e2d5068ap-19", "-0x1.9e8e5098d1c65p-21"),  # [0.25, 0.5)
    ("0x1.4000000000000p-1", "0x0.0p+0", "0x1.4b1de1265fdfap-2", "-0x1.b31063d34dceap-56", "-0x1.93234d0a8ef29p-3", "-0x1.10a5b66f8bc92p-58", "0x1.9a45b22626679p-4", "0x1.c3a7e11998307p-58", "-0x1.6e920728d942fp-5", "0x1.27b80fe96282fp-6", "-0x1.b6a736b310c39p-8", "0x1.2ee7e9d1dcd06p-9", "-0x1.892321dd1bc9dp-11", "0x1.e2f4d931660f7p-13", "-0x1.1a60c721053bbp-14", "0x1.3bc4e2c66f9cap-16", "-0x1.52f6d471dc2e0p-18", "0x1.5f9127d3ec742p-20", "-0x1.5ee2f75ae307cp-22"),  # [0.5, 0.75)
    ("0x1.c000000000000p-1", "0x0.0p+0", "0x1.1e7c2d26d017dp-2", "-0x1.51009b1766d59p-56", "-0x1.3baf57769aa07p-3", "0x1.270250fd8a55bp-59", "0x1.28beedc5d8e33p-4", "0x1.1e19fff60c6b5p-58", "-0x1.ef9f7e801f4d7p-6", "0x1.78a81433a414cp-7", "-0x1.08ab2aee0603ap-8", "0x1.5bd19739ff5f0p-10", "-0x1.af0c28cc2f06ep-12", "0x1.fb0ddcb7f254bp-14", "-0x1.1c8f396bd1defp-15", "0x1.320bd361426dfp-17", "-0x1.3c86558822aa4p-19", "0x1.3cb7d03d21be0p-21", "-0x1.3172816bf33d5p-23"),  # [0.75, 1)
    ("0x1.2000000000000p+0", "0x0.0p+0", "0x1.f6704da1278cep-3", "-0x1.fb1d359c1b578p-57", "-0x1.f7949e4a74974p-4", "0x1.740322068cc02p-59", "0x1.b659692e8bef9p-5", "-0x1.25573d1b2083bp-59", "-0x1.56adc42b07d60p-6", "0x1.eb2f55acaf0e9p-8", "-0x1.4740b9b72429ap-9", "0x1.99793c478c11fp-11", "-0x1.e4c601bdbe619p-13", "0x1.11218bd6da016p-14", "-0x1.26581f407c05fp-16", "0x1.308dba8be6c19p-18", "-0x1.2f8ba44e3a14ep-20", "0x1.2516303fe15fcp-22", "-0x1.112d1f50a8720p-24"),  # [1, 1.25)
    ("0x1.6000000000000p+0", "0x0.0p+0", "0x1.bdb9f2a73a6d4p-3", "-0x1.4b7a215492fdcp-57", "-0x1.9851f1a92ce7cp-4", "-0x1.8232432863421p-60", "0x1.4a033905d71bdp-5", "-0x1.1bdf8ca615833p-59", "-0x1.e3d49be3180c6p-7", "0x1.476446df8daf2p-8", "-0x1.9dff78423dd35p-10", "0x1.ed8be41769d93p-12", "-0x1.173f4b4280089p-13", "0x1.2d906064f3283p-15", "-0x1.382683d7373bdp-17", "0x1.36d18faf72b69p-19", "-0x1.2aa058dbf9e7cp-21", "0x1.164e069854282p-23", "-0x1.f5812d080357ap-26"),  # [1.25, 1.5)
    ("0x1.a000000000000p+0", "0x0.0p+0", "0x1.8f6846b88149ep-3", "0x1.f1abca50a8a49p-62", "-0x1.4ffe671d69641p-4", "0x1.618ebe101838cp-58", "0x1.f9a64bc26ea26p-6", "-0x1.13838d6604f75p-62", "-0x1.5c3240e676859p-7", "0x1.bd7aee0e5cabdp-9", "-0x1.0b8d4d1a9affbp-10", "0x1.302029e0fd6a7p-12", "-0x1.49251ba2be89ap-14", "0x1.54d22d58010cfp-16", "-0x1.52ff8238be215p-18", "0x1.44f6c48bf3ab4p-20", "-0x1.2d100b5ac59acp-22", "0x1.0ee4ae41a4399p-24", "-0x1.d7fef88cb6a31p-27"),  # [1.5, 1.75)
    ("0x1.e000000000000p+0", "0x0.0p+0", "0x1.690b32e7a6754p-3", "-0x1.b481a293018c2p-57", "-0x1.18274e105d5c9p-4", "0x1.943a5465cc9c7p-59", "0x1.899966e13bb9dp-6", "0x1.23d4f6cd2828ap-60", "-0x1.fe2774798747bp-8", "0x1.34edd09088a08p-9", "-0x1.60da67e9a51bbp-11", "0x1.7ebe7f9d5d1dbp-13", "-0x1.8c704036940e4p-15", "0x1.89d3c31121bf1p-17", "-0x1.789716c5f0431p-19", "0x1.5bae1545a560fp-21", "-0x1.36b633c916d13p-23", "0x1.0e04442bb10b9p-25", "-0x1.c7073be34a816p-28"),  # [1.75, 2)
    ("0x1.2000000000000p+1", "0x0.0p+0", "0x1.3aadddf19e980p-3", "-0x1.a41f74b55194fp-58", "-0x1.b405cc6b87d06p-5", "-0x1.049a08899658bp-59", "0x1.15aa6bd488cb1p-6", "0x1.b48aeb5ff01d6p-65", "-0x1.49badda1251fdp-8", "0x1.70c53ca78fbc9p-10", "-0x1.87595809411c9p-12", "0x1.8c5d485b0ded3p-14", "-0x1.80e690c381229p-16", "0x1.67b72f74d08ffp-18", "-0x1.448d62f378b3bp-20", "0x1.1b704bb5e4485p-22", "-0x1.e0507943281bbp-25", "0x1.8f0607355a7b4p-27", "-0x1.3fe3b65de64a4p-29"),  # [2, 2.5)
    ("0x1.6000000000000p+1", "0x0.0p+0", "0x1.0bb968cded93fp-3", "0x1.18ad1889320a6p-63", "-0x1.432b1910e5ccfp-5", "-0x1.71c15b1d525d5p-59", "0x1.6c5e3c927cb84p-7", "-0x1.fe438ea3b221fp-61", "-0x1.838c5241004c5p-9", "0x1.87b71017321afp-11", "-0x1.7a617d69c60eep-13", "0x1.5ee01a50fd9a9p-15", "-0x1.397eac28b6ee1p-17", "0x1.0eb208b683f22p-19", "-0x1.c4f2c3b32c169p-22", "0x1.6ff91fd36fc20p-24", "-0x1.22d8535ea8a70p-26", "0x1.c374869b8597ap-29", "-0x1.5341dc3acc1a5p-31"),  # [2.5, 3)
    ("0x1.a000000000000p+1", "0x0.0p+0", "0x1.d0b31c082543cp-4", "-0x1.fa9df0799d08dp-58", "-0x1.ef2cc76a51e03p-6", "-0x1.fbf73b75cdff5p-61", "0x1.f2f5d00e15ec7p-8", "-0x1.865d6490a24ecp-64", "-0x1.dec5a1fa0055ep-10", "0x1.b7d4f1cbd6a11p-12", "-0x1.8481f80e0651ep-14", "0x1.4b1e40abb2a77p-16", "-0x1.111575bc3c24ep-18", "0x1.b4f344e7fecc5p-21", "-0x1.53d079cd672b9p-23", "0x1.015b589676f4fp-25", "-0x1.7c3c0b1f371aep-28", "0x1.1434b22717198p-30", "-0x1.85b96bd1be1c9p-33"),  # [3, 3.5)
    ("0x1.e000000000000p+1", "0x0.0p+0", "0x1.99c2b6db3b3a0p-4", "-0x1.f9a3dbc2f4fb5p-59", "-0x1.85dc7cfbbdeadp-6", "0x1.ebbf0e4a9bf35p-60", "0x1.62200d79c96f0p-8", "0x1.e8246c09a96d5p-64", "-0x1.34a2573305b92p-10", "0x1.031f6ee7d047ap-12", "-0x1.a48594a47633cp-15", "0x1.4aaf068e6e246p-17", "-0x1.f92b66d610435p-20", "0x1.778ab9e9013d7p-22", "-0x1.102d105995869p-24", "0x1.8133420bb39c1p-27", "-0x1.0a8010a5c4479p-29", "0x1.6b18346539f46p-32", "-0x1.e1c69f2a5881fp-35"),  # [3.5, 4)
    ("0x1.2000000000000p+2", "0x0.0p+0", "0x1.5b5acd3b15fbbp-4", "0x1.3bed403d80e95p-58", "-0x1.1be2c5acaa9ddp-6", "-0x1.1dbdacaa5655fp-60", "0x1.bfbaed8d60a1bp-9", "0x1.a8d9db99d2f62p-66", "-0x1.55bc008c2d6f9p-11", "0x1.fa3b677d71909p-14", "-0x1.6caa288a6d7d2p-16", "0x1.ffea89f8d29c7p-19", "-0x1.5eaec40ead3a6p-21", "0x1.d597ccf07cd4cp-24", "-0x1.33afcd3330999p-26", "0x1.8af5608911109p-29", "-0x1.f14a1268da83fp-32", "0x1.398213f56382bp-34", "-0x1.7c66527f14cf1p-37"),  # [4, 5)
    ("0x1.6000000000000p+2", "0x0.0p+0", "0x1.201fa9259b7acp-4", "0x1.4a1c687209784p-58", "-0x1.8b195531b3873p-7", "-0x1.cff3623467572p-61", "0x1.07e3e93700dcep-9", "-0x1.58f6aba28b94bp-64", "-0x1.57ff859618f9ap-12", "0x1.b643d5fcfc6bbp-15", "-0x1.1138dc9ab6343p-17", "0x1.4dc8ce2802118p-20", "-0x1.8ff51a245321bp-23", "0x1.d6826cfdce21dp-26", "-0x1.0fefe67fd9ab8p-28", "0x1.3512f30a2dbd8p-31", "-0x1.59b782c605787p-34", "0x1.82ea00e3af728p-37", "-0x1.a3af3fdd4cf57p-40"),  # [5, 6)
    ("0x1.a000000000000p+2", "0x0.0p+0", "0x1.eba5fe5b14b2ap-5", "0x1.f62fdfde93616p-60", "-0x1.21ae9268527c7p-7", "-0x1.085911b1aa67cp-61", "0x1.4ea50718ea867p-10", "-0x1.9325bc62e447ep-65", "-0x1.7b5fb856fe99dp-13", "0x1.a6741523baff7p-16", "-0x1.ce785bb2c0598p-19", "0x1.f218716d7ec9ep-22", "-0x1.081490227962fp-24", "0x1.13dc20568ade6p-27", "-0x1.1c0c4138fe65ap-30", "0x1.206f25415e9fbp-33", "-0x1.210575854c588p-36", "0x1.21a09239c427cp-39", "-0x1.1adacd9a44e5dp-42"),  # [6, 7)
    ("0x1.e000000000000p+2", "0x0.0p+0", "0x1.ac6292bdbbfdcp-5", "0x1.4ef1a01d2e018p-61", "-0x1.b9fa6ad8c9c8ep-8", "-0x1.7000f3340f27dp-62", "0x1.c0f9d24fda2d4p-11", "-0x1.4017753f463e6p-65", "-0x1.c159ce7e6fdfbp-14", "0x1.bb5a0b9514de7p-17", "-0x1.af782e889f761p-20", "0x1.9e63ff89c08e0p-23", "-0x1.88f1ad60952adp-26", "0x1.700b6a83980d7p-29", "-0x1.54a3734177bf3p-32", "0x1.37a3d655ffa0dp-35", "-0x1.19f34247fe552p-38", "0x1.fe13552e18605p-42", "-0x1.c39a6dd41e3e1p-45"),  # [7, 8)
    ("0x1.2000000000000p+3", "0x0.0p+0", "0x1.66ccb7b9c0c57p-5", "-0x1.623655ea078d7p-59", "-0x1.37812312a1bc5p-8", "0x1.920989ecf105dp-64", "0x1.0b6e08995a2e5p-11", "0x1.b06e48272d8adp-65", "-0x1.c6399104b5ef2p-15", "0x1.7db4e0d69a883p-18", "-0x1.3d8100f8ab818p-21", "0x1.057d526f07a86p-24", "-0x1.aa929279d9826p-28", "0x1.58ae445ed8526p-31", "-0x1.13f7cc5fcc408p-34", "0x1.b5c7d6a363850p-38", "-0x1.58608e307ef3ep-41", "0x1.159abb6c319bep-44", "-0x1.ad3a75c626f2ep-48"),  # [8, 10)
    ("0x1.6000000000000p+3", "0x0.0p+0", "0x1.26b4cfcccca6cp-5", "0x1.99c01dd006282p-60", "-0x1.a5dac1d4ffde3p-9", "-0x1.c6e6e38b20ac5p-63", "0x1.2b9aa2972f7ecp-12", "0x1.44407162834fbp-66", "-0x1.a65b0b8517da8p-16", "0x1.27815575e78a7p-19", "-0x1.9a8566b32f88ap-23", "0x1.1b22922c79809p-26", "-0x1.83d8f954edec2p-30", "0x1.07d67f536eb8ep-33", "-0x1.64905a45bd47ap-37", "0x1.de9d8fd93437ep-41", "-0x1.3f3bdac3489a6p-44", "0x1.b16180020392ap-48", "-0x1.1d5fd928f118ap-51"),  # [10, 12)
    ("0x1.a000000000000p+3", "0x0.0p+0", "0x1.f3ddc25e8b10bp-6", "0x1.7c11c9fb9a649p-61", "-0x1.3012a83933bbbp-9", "-0x1.f7234b3b57ad7p-64", "0x1.6fdc4065bfeb8p-13", "0x1.ffa11576a9fd3p-67", "-0x1.ba914cd7eebf2p-17", "0x1.08c63ec9bef28p-20", "-0x1.3b1d7b35cc576p-24", "0x1.750c725154e69p-28", "-0x1.b7569d95b22abp-32", "0x1.01612c5326a78p-35", "-0x1.2c0ad3f95bdcbp-39", "0x1.5bfe1a46b17e9p-43", "-0x1.91ae11d101265p-47", "0x1.d5c28fd2acf83p-51", "-0x1.0c794f7164d49p-54"),  # [12, 14)
    ("0x1.e000000000000p+3", "0x0.0p+0", "0x1.b1d706d10e138p-6", "-0x1.2777318a01226p-62", "-0x1.cabcd94632c1ep-10", "-0x1.83fba546ebad1p-64", "0x1.e2fd8f9f3edb9p-14", "-0x1.903b2b607b675p-69", "-0x1.fa60e04d46ae3p-18", "0x1.0857aad993485p-21", "-0x1.12d998884cc9ep-25", "0x1.1c9ca44b0fc26p-29", "-0x1.2588edc90160cp-33", "0x1.2d88b013f86f1p-37", "-0x1.348889b31fa6ap-41", "0x1.3a71a9aa53ca6p-45", "-0x1.3f42e5a0a329bp-49", "0x1.4772baaccaecep-53", "-0x1.49ebeee0e5718p-57"),  # [14, 16)
    ("0x1.2000000000000p+4", "0x0.0p+0", "0x1.6a03fdb45c9c7p-6", "-0x1.2ed473c34d003p-60", "-0x1.3fd5d25b35109p-10", "-0x1.b713ecd15f470p-64", "0x1.19b886e074d70p-14", "0x1.2f98edeb6c683p-72", "-0x1.eed1bf210d160p-19", "0x1.b145aeef0b99ep-23", "-0x1.7a4544183ecbbp-27", "0x1.494b0d8099581p-31", "-0x1.1dd5326dd211dp-35", "0x1.eecdd957d15ccp-40", "-0x1.ab10307fa40f7p-44", "0x1.6f529b8d5586cp-48", "-0x1.3b449b38de33ep-52", "0x1.190128c11a46ep-56", "-0x1.df9bf4f2f6215p-61"),  # [16, 20)
    ("0x1.6000000000000p+4", "0x0.0p+0", "0x1.287e3ca70bd62p-6", "-0x1.4226df1b888c6p-61", "-0x1.ad7faf263d40ap-11", "0x1.6e569d36d5262p-66", "0x1.36743cc1b9b06p-15", "0x1.56c1d70cf362bp-70", "-0x1.bfe7bd3e9dbdap-20", "0x1.42755356a78c3p-24", "-0x1.cf5ddc9ae086ep-29", "0x1.4c43e3f573b41p-33", "-0x1.db932636d6656p-38", "0x1.53ae908b383d6p-42", "-0x1.e44b3cd885900p-47", "0x1.58767c57afb08p-51", "-0x1.e937ac2be5f17p-56", "0x1.6478bd5dd0799p-60", "-0x1.f849f7743f455p-65"),  # [20, 24)
    ("0x1.a000000000000p+4", "0x0.0p+0", "0x1.f60cadf141e6fp-7", "-0x1.0f6577f242b6fp-61", "-0x1.340bd27bb2d28p-11", "-0x1.e791f5d0590cdp-65", "0x1.7977e83f50cf3p-16", "0x1.fc4e8dacf26a9p-72", "-0x1.cddd0b018d60ap-21", "0x1.1a27a706f9cfbp-25", "-0x1.583e3c1723af6p-30", "0x1.a36422bfae240p-35", "-0x1.fe36c25ce84cbp-40", "0x1.35e941b79ae7bp-44", "-0x1.77f487c58acc1p-49", "0x1.c75b92dfcc30ap-54", "-0x1.136bf3820754dp-58", "0x1.5373fe4192f53p-63", "-0x1.99771f74c2a49p-68"),  # [24, 28)
    ("0x1.e000000000000p+4", "0x0.0p+0", "0x1.b344cf87420c4p-7", "0x1.befc23e11bea6p-61", "-0x1.cf42b9d5e6191p-12", "-0x1.ce89c38a6d4f3p-67", "0x1.ec829d74a9892p-17", "0x1.798dc69120ceep-71", "-0x1.058425af704e3p-21", "0x1.156b65db7b9ddp-26", "-0x1.25f827bd66eb7p-31", "0x1.372b114544bbdp-36", "-0x1.49044f1accf96p-41", "0x1.5b8394381c321p-46", "-0x1.6ea7fb8751514p-51", "0x1.8267253cab1edp-56", "-0x1.96d0ada2df39ep-61", "0x1.b265adf318f00p-66", "-0x1.c85b92d47bebbp-71"),  # [28, 32)
    ("0x1.2000000000000p+5", "0x0.0p+0", "0x1.6ad8b9ce9823fp-7", "-0x1.ebe2db4c25931p-61", "-0x1.4208d360f2903p-12", "-0x1.16826a182d5eep-69", "0x1.1d98030e8356bp-17", "-0x1.023de3eee9d1fp-71", "-0x1.fa2a81a7563cdp-23", "0x1.c03440c60ef78p-28", "-0x1.8c93d3f9de067p-33", "0x1.5ea1880a48201p-38", "-0x1.35c5dc5cfe981p-43", "0x1.11787e56e8444p-48", "-0x1.e27a721ff9aa4p-54", "0x1.a8faf3b55093cp-59", "-0x1.7654424be053dp-64", "0x1.5801d3128446fp-69", "-0x1.2e8895590d698p-74"),  # [32, 40)
)
GELU_W_TAB = _table(
    ("0x0.0p+0", "0x0.0p+0", "0x1.0000000000000p-1", "-0x1.0cb55b1cb3ca8p-76", "-0x1.9884533d43651p-1", "0x1.cbf443ee6f3a0p-55", "0x1.0000000000000p-2", "-0x1.a24d73ab9b51ap-58", "-0x1.1058377e2cecbp-3", "0x1.fffffffffee79p-5", "-0x1.b3c058c99b26cp-6", "0x1.55555549e4c04p-7", "-0x1.f20062f18b84ep-9", "0x1.5555235cbf20fp-10", "-0x1.baa591cab4a2cp-12", "0x1.10db6f6eeaadbp-13", "-0x1.3f15a7cc8bf19p-15", "0x1.52320903e5a94p-17", "-0x1.f83e15291e434p-20"),  # [0, 0.25)
    ("0x1.8000000000000p-2", "0x0.0p+0", "0x1.d70acd6af5fcap-3", "-0x1.37fa3ae6df9b3p-59", "-0x1.4fa20220ed984p-1", "0x1.60eb26bbb83e5p-58", "0x1.222f238abb57ep-3", "0x1.a00923c5e69a3p-57", "-0x1.15c9232370e40p-4", "0x1.dc32d9e82c5afp-6", "-0x1.7506fdef7ac5fp-7", "0x1.0ed65c322a820p-8", "-0x1.7047c55011190p-10", "0x1.d89f438fc95d8p-12", "-0x1.1ff9a2bdf03b4p-13", "0x1.4ee647762b610p-15", "-0x1.7533e515c0a52p-17", "0x1.914c4e2d5068ap-19", "-0x1.9e8e5098d1c65p-21"),  # [0.25, 0.5)
    ("0x1.80ead197f00b4p-1", "-0x1.13e74c58cada8p-56", "0x0.0p+0", "0x0.0p+0", "-0x1.25126c1543190p-1", "0x1.4e067533f9043p-55", "0x1.5b297ebb9a527p-4", "-0x1.76e9a8021b8adp-58", "-0x1.2bad2862a3ff1p-5", "0x1.d507ae5ca6a36p-7", "-0x1.526fe74da166dp-8", "0x1.c7c024fa00eb6p-10", "-0x1.20e42528eb849p-11", "0x1.5b28177ec0924p-13", "-0x1.8d9d79f33f83fp-15", "0x1.b365492ef649ap-17", "-0x1.d179015917f1dp-19", "0x1.9df3dfc5a53d6p-21", "-0x1.5ee2f75ae307cp-22"),  # [0.5, 0.75)
    ("0x1.80ead197f00b4p-1", "-0x1.13e74c58cada8p-56", "0x0.0p+0", "0x0.0p+0", "-0x1.25126c1543190p-1", "0x1.4e18feddca2efp-55", "0x1.5b297ebb9a527p-4", "-0x1.1bf9a6a86d66cp-58", "-0x1.2bad2862a3fdap-5", "0x1.d507ae5ca74b2p-7", "-0x1.526fe74d5d613p-8", "0x1.c7c0250510167p-10", "-0x1.20e422d80ed1cp-11", "0x1.5b28402a4b06bp-13", "-0x1.8d93fc2be76e2p-15", "0x1.b3ad7971fb417p-17", "-0x1.c83235714acdfp-19", "0x1.b7070c1c2078fp-21", "-0x1.3172816bf33d5p-23"),  # [0.75, 1)
    ("0x1.2000000000000p+0", "0x0.0p+0", "-0x1.a0b96da8b0168p-3", "0x1.0f54a545143f8p-57", "-0x1.0b34bd67f0457p-1", "0x1.fa41374f91695p-56", "0x1.b659692e8bef9p-5", "-0x1.25573d1b2083bp-59", "-0x1.56adc42b07d60p-6", "0x1.eb2f55acaf0e9p-8", "-0x1.4740b9b72429ap-9", "0x1.99793c478c11fp-11", "-0x1.e4c601bdbe619p-13", "0x1.11218bd6da016p-14", "-0x1.26581f407c05fp-16", "0x1.308dba8be6c19p-18", "-0x1.2f8ba44e3a14ep-20", "0x1.2516303fe15fcp-22", "-0x1.112d1f50a8720p-24"),  # [1, 1.25)
    ("0x1.6000000000000p+0", "0x0.0p+0", "-0x1.52d8f9209f745p-2", "0x1.49b04627f903bp-58", "-0x1.fe98cfa78e9f0p-2", "0x1.b39daedc399d3p-56", "0x1.4a033905d71bdp-5", "-0x1.1bdf8ca615833p-59", "-0x1.e3d49be3180c6p-7", "0x1.476446df8daf2p-8", "-0x1.9dff78423dd35p-10", "0x1.ed8be41769d93p-12", "-0x1.173f4b4280089p-13", "0x1.2d906064f3283p-15", "-0x1.382683d7373bdp-17", "0x1.36d18faf72b69p-19", "-0x1.2aa058dbf9e7cp-21", "0x1.164e069854282p-23", "-0x1.f5812d080357ap-26"),  # [1.25, 1.5)
    ("0x1.a000000000000p+0", "0x0.0p+0", "-0x1.d022e3e74cdf4p-2", "0x1.cb801884e95aep-58", "-0x1.ec83ed049dbe1p-2", "0x1.24248292c5df8p-56", "0x1.f9a64bc26ea26p-6", "-0x1.13838d6604f75p-62", "-0x1.5c3240e676859p-7", "0x1.bd7aee0e5cabdp-9", "-0x1.0b8d4d1a9affbp-10", "0x1.302029e0fd6a7p-12", "-0x1.49251ba2be89ap-14", "0x1.54d22d58010cfp-16", "-0x1.52ff8238be215p-18", "0x1.44f6c48bf3ab4p-20", "-0x1.2d100b5ac59acp-22", "0x1.0ee4ae41a4399p-24", "-0x1.d7fef88cb6a31p-27"),  # [1.5, 1.75)
    ("0x1.e000000000000p+0", "0x0.0p+0", "-0x1.24b9414f85917p-1", "0x1.81e45d3913713p-55", "-0x1.de8e26c15abc3p-2", "0x1.fc903b36f2c9cp-57", "0x1.899966e13bb9dp-6", "0x1.23d4f6cd2828ap-60", "-0x1.fe2774798747bp-8", "0x1.34edd09088a08p-9", "-0x1.60da67e9a51bbp-11", "0x1.7ebe7f9d5d1dbp-13", "-0x1.8c704036940e4p-15", "0x1.89d3c31121bf1p-17", "-0x1.789716c5f0431p-19", "0x1.5bae1545a560fp-21", "-0x1.36b633c916d13p-23", "0x1.0e04442bb10b9p-25", "-0x1.c7073be34a816p-28"),  # [1.75, 2)
    ("0x1.2000000000000p+1", "0x0.0p+0", "-0x1.7ce96628842bbp-1", "0x1.50b4fed9ed98ep-55", "-0x1.cf050ccab45f1p-2", "-0x1.54d26e0272f9cp-56", "0x1.15aa6bd488cb1p-6", "0x1.b48aeb5ff01d6p-65", "-0x1.49badda1251fdp-8", "0x1.70c53ca78fbc9p-10", "-0x1.87595809411c9p-12", "0x1.8c5d485b0ded3p-14", "-0x1.80e690c381229p-16", "0x1.67b72f74d08ffp-18", "-0x1.448d62f378b3bp-20", "0x1.1b704bb5e4485p-22", "-0x1.e0507943281bbp-25", "0x1.8f0607355a7b4p-27", "-0x1.3fe3b65de64a4p-29"),  # [2, 2.5)
    ("0x1.6000000000000p+1", "0x0.0p+0", "-0x1.eec79840c145fp-1", "-0x1.af8c2ccbc3895p-61", "-0x1.c0e9b65f601eap-2", "-0x1.e2775854ea7a6p-56", "0x1.6c5e3c927cb84p-7", "-0x1.fe438ea3b221fp-61", "-0x1.838c5241004c5p-9", "0x1.87b71017321afp-11", "-0x1.7a617d69c60eep-13", "0x1.5ee01a50fd9a9p-15", "-0x1.397eac28b6ee1p-17", "0x1.0eb208b683f22p-19", "-0x1.c4f2c3b32c169p-22", "0x1.6ff91fd36fc20p-24", "-0x1.22d8535ea8a70p-26", "0x1.c374869b8597ap-29", "-0x1.5341dc3acc1a5p-31"),  # [2.5, 3)
    ("0x1.a000000000000p+1", "0x0.0p+0", "-0x1.2ee051e1446dep+0", "0x1.15e2cc7462098p-54", "-0x1.b7771fb3e8831p-2", "0x1.f7c2326622c2bp-57", "0x1.f2f5d00e15ec7p-8", "-0x1.865d6490a24ecp-64", "-0x1.dec5a1fa0055ep-10", "0x1.b7d4f1cbd6a11p-12", "-0x1.8481f80e0651ep-14", "0x1.4b1e40abb2a77p-16", "-0x1.111575bc3c24ep-18", "0x1.b4f344e7fecc5p-21", "-0x1.53d079cd672b9p-23", "0x1.015b589676f4fp-25", "-0x1.7c3c0b1f371aep-28", "0x1.1434b22717198p-30", "-0x1.85b96bd1be1c9p-33"),  # [3, 3.5)
    ("0x1.e000000000000p+1", "0x0.0p+0", "-0x1.655fe29bbb7b2p+0", "0x1.df37a6ffbc2c6p-54", "-0x1.b0e21b0cff43bp-2", "-0x1.55833c0c966f8p-56", "0x1.62200d79c96f0p-8", "0x1.e8246c09a96d5p-64", "-0x1.34a2573305b92p-10", "0x1.031f6ee7d047ap-12", "-0x1.a48594a47633cp-15", "0x1.4aaf068e6e246p-17", "-0x1.f92b66d610435p-20", "0x1.778ab9e9013d7p-22", "-0x1.102d105995869p-24", "0x1.8133420bb39c1p-27", "-0x1.0a8010a5c4479p-29", "0x1.6b18346539f46p-32", "-0x1.e1c69f2a5881fp-35"),  # [3.5, 4)
    ("0x1.2000000000000p+2", "0x0.0p+0", "-0x1.b5df30d13a71fp+0", "0x1.63df05d1bf684p-56", "-0x1.aa427f980e0eep-2", "-0x1.861b07bbe5941p-56", "0x1.bfbaed8d60a1bp-9", "0x1.a8d9db99d2f62p-66", "-0x1.55bc008c2d6f9p-11", "0x1.fa3b677d71909p-14", "-0x1.6caa288a6d7d2p-16", "0x1.ffea89f8d29c7p-19", "-0x1.5eaec40ead3a6p-21", "0x1.d597ccf07cd4cp-24", "-0x1.33afcd3330999p-26", "0x1.8af5608911109p-29", "-0x1.f14a1268da83fp-32", "0x1.398213f56382bp-34", "-0x1.7c66527f14cf1p-37"),  # [4, 5)
    ("0x1.6000000000000p+2", "0x0.0p+0", "-0x1.0fd9fbf0f179ap+1", "0x1.995d176d0aea8p-59", "-0x1.a4dd1de6d1014p-2", "-0x1.457d9005c6d2dp-57", "0x1.07e3e93700dcep-9", "-0x1.58f6aba28b94bp-64", "-0x1.57ff859618f9ap-12", "0x1.b643d5fcfc6bbp-15", "-0x1.1138dc9ab6343p-17", "0x1.4dc8ce2802118p-20", "-0x1.8ff51a245321bp-23", "0x1.d6826cfdce21dp-26", "-0x1.0fefe67fd9ab8p-28", "0x1.3512f30a2dbd8p-31", "-0x1.59b782c605787p-34", "0x1.82ea00e3af728p-37", "-0x1.a3af3fdd4cf57p-40"),  # [5, 6)
    ("0x1.a000000000000p+2", "0x0.0p+0", "-0x1.443ceba85a6f5p+1", "0x1.b2f216777201bp-54", "-0x1.a191c7d085f8fp-2", "0x1.c6fc150264fc2p-57", "0x1.4ea50718ea867p-10", "-0x1.9325bc62e447ep-65", "-0x1.7b5fb856fe99dp-13", "0x1.a6741523baff7p-16", "-0x1.ce785bb2c0598p-19", "0x1.f218716d7ec9ep-22", "-0x1.081490227962fp-24", "0x1.13dc20568ade6p-27", "-0x1.1c0c4138fe65ap-30", "0x1.206f25415e9fbp-33", "-0x1.210575854c588p-36", "0x1.21a09239c427cp-39", "-0x1.1adacd9a44e5dp-42"),  # [6, 7)
    ("0x1.e000000000000p+2", "0x0.0p+0", "-0x1.784a83be783ecp+1", "-0x1.3eb122083bf70p-55", "-0x1.9f6c3ce8a68c3p-2", "0x1.cc019e83df296p-57", "0x1.c0f9d24fda2d4p-11", "-0x1.4017753f463e6p-65", "-0x1.c159ce7e6fdfbp-14", "0x1.bb5a0b9514de7p-17", "-0x1.af782e889f761p-20", "0x1.9e63ff89c08e0p-23", "-0x1.88f1ad60952adp-26", "0x1.700b6a83980d7p-29", "-0x1.54a3734177bf3p-32", "0x1.37a3d655ffa0dp-35", "-0x1.19f34247fe552p-38", "0x1.fe13552e18605p-42", "-0x1.c39a6dd41e3e1p-45"),  # [7, 8)
    ("0x1.2000000000000p+3", "0x0.0p+0", "-0x1.c5f9aac604ce9p+1", "-0x1.104febe71052cp-53", "-0x1.9d6257c98dec0p-2", "0x1.7d52dc98acc25p-56", "0x1.0b6e08995a2e5p-11", "0x1.b06e48272d8adp-65", "-0x1.c6399104b5ef2p-15", "0x1.7db4e0d69a883p-18", "-0x1.3d8100f8ab818p-21", "0x1.057d526f07a86p-24", "-0x1.aa929279d9826p-28", "0x1.58ae445ed8526p-31", "-0x1.13f7cc5fcc408p-34", "0x1.b5c7d6a363850p-38", "-0x1.58608e307ef3ep-41", "0x1.159abb6c319bep-44", "-0x1.ad3a75c626f2ep-48"),  # [8, 10)
    ("0x1.6000000000000p+3", "0x0.0p+0", "-0x1.168d8f9a84bc3p+2", "0x1.ddae5137f3e61p-52", "-0x1.9bd008c0ed64cp-2", "-0x1.4fccfab856700p-56", "0x1.2b9aa2972f7ecp-12", "0x1.44407162834fbp-66", "-0x1.a65b0b8517da8p-16", "0x1.27815575e78a7p-19", "-0x1.9a8566b32f88ap-23", "0x1.1b22922c79809p-26", "-0x1.83d8f954edec2p-30", "0x1.07d67f536eb8ep-33", "-0x1.64905a45bd47ap-37", "0x1.de9d8fd93437ep-41", "-0x1.3f3bdac3489a6p-44", "0x1.b16180020392ap-48", "-0x1.1d5fd928f118ap-51"),  # [10, 12)
    ("0x1.a000000000000p+3", "0x0.0p+0", "-0x1.49f7a5df68370p+2", "-0x1.9db54b9f0658cp-52", "-0x1.9ae4788db5cc8p-2", "-0x1.c6ca078f70cb7p-61", "0x1.6fdc4065bfeb8p-13", "0x1.ffa11576a9fd3p-67", "-0x1.ba914cd7eebf2p-17", "0x1.08c63ec9bef28p-20", "-0x1.3b1d7b35cc576p-24", "0x1.750c725154e69p-28", "-0x1.b7569d95b22abp-32", "0x1.01612c5326a78p-35", "-0x1.2c0ad3f95bdcbp-39", "0x1.5bfe1a46b17e9p-43", "-0x1.91ae11d101265p-47", "0x1.d5c28fd2acf83p-51", "-0x1.0c794f7164d49p-54"),  # [12, 14)
    ("0x1.e000000000000p+3", "0x0.0p+0", "-0x1.7d4a37029e20ap+2", "-0x1.314517ee8eac1p-52", "-0x1.9a4f10168997dp-2", "0x1.523cd76978e5ap-56", "0x1.e2fd8f9f3edb9p-14", "-0x1.903b2b607b675p-69", "-0x1.fa60e04d46ae3p-18", "0x1.0857aad993485p-21", "-0x1.12d998884cc9ep-25", "0x1.1c9ca44b0fc26p-29", "-0x1.2588edc90160cp-33", "0x1.2d88b013f86f1p-37", "-0x1.348889b31fa6ap-41", "0x1.3a71a9aa53ca6p-45", "-0x1.3f42e5a0a329bp-49", "0x1.4772baaccaecep-53", "-0x1.49ebeee0e5718p-57"),  # [14, 16)
    ("0x1.2000000000000p+4", "0x0.0p+0", "-0x1.ca2ad9a737751p+2", "0x1.401431f9a8fcfp-53", "-0x1.99c4290f9e9a2p-2", "0x1.a609bf21ee721p-56", "0x1.19b886e074d70p-14", "0x1.2f98edeb6c683p-72", "-0x1.eed1bf210d160p-19", "0x1.b145aeef0b99ep-23", "-0x1.7a4544183ecbbp-27", "0x1.494b0d8099581p-31", "-0x1.1dd5326dd211dp-35", "0x1.eecdd957d15ccp-40", "-0x1.ab10307fa40f7p-44", "0x1.6f529b8d5586cp-48", "-0x1.3b449b38de33ep-52", "0x1.190128c11a46ep-56", "-0x1.df9bf4f2f6215p-61"),  # [16, 20)
    ("0x1.6000000000000p+4", "0x0.0p+0", "-0x1.1846ba1bcacf9p+3", "0x1.3fc407625cfdcp-51", "-0x1.995b1314d683bp-2", "0x1.b81c68b60d86ap-56", "0x1.36743cc1b9b06p-15", "0x1.56c1d70cf362bp-70", "-0x1.bfe7bd3e9dbdap-20", "0x1.42755356a78c3p-24", "-0x1.cf5ddc9ae086ep-29", "0x1.4c43e3f573b41p-33", "-0x1.db932636d6656p-38", "0x1.53ae908b383d6p-42", "-0x1.e44b3cd885900p-47", "0x1.58767c57afb08p-51", "-0x1.e937ac2be5f17p-56", "0x1.6478bd5dd0799p-60", "-0x1.f849f7743f455p-65"),  # [20, 24)
    ("0x1.a000000000000p+4", "0x0.0p+0", "-0x1.4b6e00764a71ap+3", "0x1.4891a43bfe92dp-52", "-0x1.991e5926813e7p-2", "-0x1.0a65ebd850b67p-57", "0x1.7977e83f50cf3p-16", "0x1.fc4e8dacf26a9p-72", "-0x1.cddd0b018d60ap-21", "0x1.1a27a706f9cfbp-25", "-0x1.583e3c1723af6p-30", "0x1.a36422bfae240p-35", "-0x1.fe36c25ce84cbp-40", "0x1.35e941b79ae7bp-44", "-0x1.77f487c58acc1p-49", "0x1.c75b92dfcc30ap-54", "-0x1.136bf3820754dp-58", "0x1.5373fe4192f53p-63", "-0x1.99771f74c2a49p-68"),  # [24, 28)
    ("0x1.e000000000000p+4", "0x0.0p+0", "-0x1.7e8f3cd58d5e3p+3", "-0x1.4c8b7b1933e4dp-51", "-0x1.98f823ebb8de9p-2", "0x1.d4380eb2741d4p-59", "0x1.ec829d74a9892p-17", "0x1.798dc69120ceep-71", "-0x1.058425af704e3p-21", "0x1.156b65db7b9ddp-26", "-0x1.25f827bd66eb7p-31", "0x1.372b114544bbdp-36", "-0x1.49044f1accf96p-41", "0x1.5b8394381c321p-46", "-0x1.6ea7fb8751514p-51", "0x1.8267253cab1edp-56", "-0x1.96d0ada2df39ep-61", "0x1.b265adf318f00p-66", "-0x1.c85b92d47bebbp-71"),  # [28, 32)
    ("0x1.2000000000000p+5", "0x0.0p+0", "-0x1.cb3a2776782bap+3", "-0x1.e2105a31d9ef4p-54", "-0x1.98d4d5721ba1bp-2", "0x1.91703df6de1fdp-57", "0x1.1d98030e8356bp-17", "-0x1.023de3eee9d1fp-71", "-0x1.fa2a81a7563cdp-23", "0x1.c03440c60ef78p-28", "-0x1.8c93d3f9de067p-33", "0x1.5ea1880a48201p-38", "-0x1.35c5dc5cfe981p-43", "0x1.11787e56e8444p-48", "-0x1.e27a721ff9aa4p-54", "0x1.a8faf3b55093cp-59", "-0x1.7654424be053dp-64", "0x1.5801d3128446fp-69", "-0x1.2e8895590d698p-74"),  # [32, 40)
)


SCALAR_H = {
    "FR_LOG2E_F32": LOG2E_F32, "FR_MAGIC_F32": MAGIC_F32, "FR_DOWN_F32": DOWN_F32,
    "FR_LN2_HI_F32": LN2_HI_F32, "FR_LN2_LO_F32": LN2_LO_F32,
    "FR_LOG2E_F64": LOG2E_F64, "FR_MAGIC_F64": MAGIC_F64, "FR_DOWN_F64": DOWN_F64,
    "FR_LN2_HI_F64": LN2_HI_F64, "FR_LN2_LO_F64": LN2_LO_F64,
    "FR_MAGIC2_F64": MAGIC2_F64,
    "fr_inv_fact_f64": INV_FACT_F64,
    "fr_atanh_coef_f64": ATANH_COEF_F64,
    "FR_ZMIN_F32": ZMIN_F32, "FR_ZMIN_SILU_F32": ZMIN_SILU_F32,
    "FR_ZMIN_F64": ZMIN_F64, "FR_ZMIN_SILU_F64": ZMIN_SILU_F64,
    "FR_SPLIT_F32": SPLIT_F32, "FR_SPLIT_F64": SPLIT_F64,
    "FR_LOG1P_TERMS_F32": LOG1P_TERMS_F32, "FR_LOG1P_TERMS_F64": LOG1P_TERMS_F64,
    "FR_FN(fr_ratio)": {RATIO_HALF, RATIO_C},
    "FR_DSILU(": {DSILU_BIG, -DSILU_BIG},
    "fr_expm1_tail_f32": set(EXPM1_TAIL_F32),
    "fr_expm1_tail_f64": {EXPM1_TAIL_DEGREE_F64},
    "fr_expm1_tail_f64x": {EXPM1_TAIL_DEGREE_F64},
    "fr_sigmoid_exact_guess_f32": {ZMIN_EXACT_F32, PADE4, PADE2, PADE3, PADE1},
    "fr_sigmoid_exact_try_f32": {CR_EPS_SIGMOID},
    "fr_sigmoid_exact_slow_f32": {ZMIN_DD_SIGMOID},
    "fr_silu_exact_try_f32": {CR_EPS},
    "fr_silu_exact_slow_f32": {ZMIN_DD_SILU, -ZMIN_DD_SILU},
    "fr_softplus_exact_try_f32": {CR_EPS},
    "fr_log_sigmoid_exact_try_f32": {CR_EPS},
    "fr_exp_dd_f64": set(EXP_DD_TAIL),
    "fr_sigmoid_exact_f64": {ZMIN_DD_SIGMOID},
    "fr_silu_dd_f64": {ZMIN_DD_SILU},
    "fr_silu_exact_f64": {ZMIN_DD_SILU, -ZMIN_DD_SILU},
    "fr_half_tie_f64": {TINY_SILU_F32},
    "fr_silu_bwd_f32": {SILU_BWD_F32_ZMIN, SILU_BWD_F32_DEGREE},
    "fr_softplus_dd_f64": {SOFTPLUS_ZMIN_DD, TINY_E, THIRD, HUGE_A},
    "FR_GELU_AMAX": GELU_AMAX,
    "fr_gelu_index": {GELU_INDEX_SHIFT, GELU_INDEX_BIAS, GELU_INDEX_QUARTERS},
    "fr_gelu_n_tab": tuple(GELU_N_TAB.ravel()),
    "fr_gelu_w_tab": tuple(GELU_W_TAB.ravel()),
    "FR_DEFINE_GELU_PARTS(": {GELU_ROW, GELU_C13, GELU_C13 - 1, GELU_C3, GELU_C0L, GELU_C1,
                              GELU_C1L, GELU_C2, GELU_C2L, -0.5, GELU_LATE, GELU_S2, GELU_BIG_G,
                              GELU_G_DOWN, GELU_G_UP, GELU_HUGE_GH},
}
