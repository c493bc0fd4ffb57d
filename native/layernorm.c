// Layer norm over the last dimension C of B rows, forward and backward, for the transformer step:
// in JavaScript its three passes per row cost a fifth of the grokking model's step once the last
// layer runs at the readout token only (bench/RESULTS.md). Same contract as src/nn/layernorm.ts
// (the reference the tests hold this against): sums in double, the cache mean and 1/std per row,
// the backward accumulating into dinp, dweight, dbias. Each row sum runs in four interleaved
// partial sums (sum4): one running sum waits on every add's latency, which made these loops 3x
// slower; the results differ from the reference's single sum by rounding only.
#include <math.h>
#include "arrays.h"

#define EPS 1e-5

// sum over k < C of EXPR(k), in four partial sums
#define SUM4(OUT, C, EXPR)                                          \
  do {                                                              \
    double s0_ = 0, s1_ = 0, s2_ = 0, s3_ = 0;                      \
    int k_ = 0;                                                     \
    for (; k_ + 4 <= (C); k_ += 4) {                                \
      s0_ += EXPR(k_);                                              \
      s1_ += EXPR(k_ + 1);                                          \
      s2_ += EXPR(k_ + 2);                                          \
      s3_ += EXPR(k_ + 3);                                          \
    }                                                               \
    for (; k_ < (C); k_++) s0_ += EXPR(k_);                         \
    (OUT) = (s0_ + s1_) + (s2_ + s3_);                              \
  } while (0)

#define X_AT(k) ((double)x[k])
#define SQDEV_AT(k) ((x[k] - m) * (x[k] - m))
#define DNORM_AT(k) ((double)w[k] * g[k])
#define DNORM_NORM_AT(k) ((double)w[k] * g[k] * ((x[k] - m) * s))

#define DEFINE_LAYERNORM(TYPE, SUFFIX)                                                        \
  static void ln_fwd_##SUFFIX(TYPE *out, TYPE *mean, TYPE *rstd, const TYPE *inp,             \
                              const TYPE *w, const TYPE *bias, int B, int C) {                \
    for (int i = 0; i < B; i++) {                                                             \
      const TYPE *x = inp + (size_t)i * C;                                                    \
      TYPE *o = out + (size_t)i * C;                                                          \
      double m, v;                                                                            \
      SUM4(m, C, X_AT);                                                                       \
      m /= C;                                                                                 \
      SUM4(v, C, SQDEV_AT);                                                                   \
      double s = 1 / sqrt(v / C + EPS);                                                       \
      for (int k = 0; k < C; k++) o[k] = (TYPE)((x[k] - m) * s * w[k] + bias[k]);             \
      mean[i] = (TYPE)m;                                                                      \
      rstd[i] = (TYPE)s;                                                                      \
    }                                                                                         \
  }                                                                                           \
  static void ln_bwd_##SUFFIX(TYPE *dinp, TYPE *dw, TYPE *db, const TYPE *dout,               \
                              const TYPE *inp, const TYPE *w, const TYPE *mean,               \
                              const TYPE *rstd, int B, int C) {                               \
    for (int i = 0; i < B; i++) {                                                             \
      const TYPE *x = inp + (size_t)i * C, *g = dout + (size_t)i * C;                         \
      TYPE *dx = dinp + (size_t)i * C;                                                        \
      double m = mean[i], s = rstd[i], dmean, dnormMean;                                      \
      SUM4(dmean, C, DNORM_AT);                                                               \
      SUM4(dnormMean, C, DNORM_NORM_AT);                                                      \
      dmean /= C;                                                                             \
      dnormMean /= C;                                                                         \
      for (int k = 0; k < C; k++) {                                                           \
        double norm = (x[k] - m) * s, dnorm = (double)w[k] * g[k];                            \
        db[k] = (TYPE)(db[k] + (double)g[k]);                                                 \
        dw[k] = (TYPE)(dw[k] + norm * g[k]);                                                  \
        dx[k] = (TYPE)(dx[k] + s * (dnorm - dmean - norm * dnormMean));                       \
      }                                                                                       \
    }                                                                                         \
  }

DEFINE_LAYERNORM(double, f64)
DEFINE_LAYERNORM(float, f32)

static bool rows_cols(napi_env env, napi_value *argv, int *B, int *C) {
  return napi_get_value_int32(env, argv[0], B) == napi_ok && napi_get_value_int32(env, argv[1], C) == napi_ok &&
         *B >= 0 && *C >= 1; // B C of two int32 cannot overflow size_t
}

// layerNormForward(B, C, out, mean, rstd, inp, weight, bias)
napi_value LayerNormForward(napi_env env, napi_callback_info info) {
  size_t argc = 8;
  napi_value argv[8];
  napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
  int B, C;
  Arr a[6]; // out, mean, rstd, inp, weight, bias
  bool ok = argc == 8 && rows_cols(env, argv, &B, &C);
  for (int i = 0; ok && i < 6; i++) ok = arr(env, argv[2 + i], &a[i]);
  size_t bc = (size_t)B * C;
  if (!ok || !same_type(a, 6) || a[0].length < bc || a[1].length < (size_t)B || a[2].length < (size_t)B ||
      a[3].length < bc || a[4].length < (size_t)C || a[5].length < (size_t)C) {
    napi_throw_error(env, NULL, "layerNormForward: bad arguments or shapes");
    return NULL;
  }
  if (a[0].type == napi_float64_array) ln_fwd_f64(a[0].data, a[1].data, a[2].data, a[3].data, a[4].data, a[5].data, B, C);
  else ln_fwd_f32(a[0].data, a[1].data, a[2].data, a[3].data, a[4].data, a[5].data, B, C);
  return NULL;
}

// layerNormBackward(B, C, dinp, dweight, dbias, dout, inp, weight, mean, rstd)
napi_value LayerNormBackward(napi_env env, napi_callback_info info) {
  size_t argc = 10;
  napi_value argv[10];
  napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
  int B, C;
  Arr a[8]; // dinp, dweight, dbias, dout, inp, weight, mean, rstd
  bool ok = argc == 10 && rows_cols(env, argv, &B, &C);
  for (int i = 0; ok && i < 8; i++) ok = arr(env, argv[2 + i], &a[i]);
  size_t bc = (size_t)B * C;
  if (!ok || !same_type(a, 8) || a[0].length < bc || a[1].length < (size_t)C || a[2].length < (size_t)C ||
      a[3].length < bc || a[4].length < bc || a[5].length < (size_t)C || a[6].length < (size_t)B ||
      a[7].length < (size_t)B) {
    napi_throw_error(env, NULL, "layerNormBackward: bad arguments or shapes");
    return NULL;
  }
  if (a[0].type == napi_float64_array)
    ln_bwd_f64(a[0].data, a[1].data, a[2].data, a[3].data, a[4].data, a[5].data, a[6].data, a[7].data, B, C);
  else
    ln_bwd_f32(a[0].data, a[1].data, a[2].data, a[3].data, a[4].data, a[5].data, a[6].data, a[7].data, B, C);
  return NULL;
}
