// Fused multi-head softmax self-attention (non-causal), forward and backward, for the
// transformer step: the JavaScript loops cost more than all the GEMMs together (bench/RESULTS.md).
// Same contracts as src/attention/multi-head.ts and readout-attention.ts (the references the tests
// hold these against); every backward adds into its gradients.
#include <node_api.h>
#include <math.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include "arrays.h"

// One query row of one head, shared by the full kernels and the readout kernels below: keys and
// values of the T tokens every `stride` values from k and v.
//   forward: a (T) = softmax(scale q.k_u), o (hs) = sum_u a_u v_u
//   backward: dv_u += a_u go; dq += sum_u dpre_u k_u and dk_u += dpre_u q, with
//             dpre_u = a_u (go.v_u - sum_w a_w go.v_w) scale; datt is scratch (T doubles)
#define DEFINE_ROWS(TYPE, SUFFIX)                                                                  \
  static void row_fwd_##SUFFIX(TYPE *o, TYPE *a, const TYPE *q, const TYPE *k, const TYPE *v,      \
                               size_t stride, int T, int hs, double scale) {                       \
    double max = -INFINITY;                                                                        \
    for (int u = 0; u < T; u++) {                                                                  \
      const TYPE *ku = k + u * stride;                                                             \
      double dot = 0;                                                                              \
      for (int i = 0; i < hs; i++) dot += (double)q[i] * ku[i];                                    \
      a[u] = (TYPE)(dot * scale);                                                                  \
      if (a[u] > max) max = a[u];                                                                  \
    }                                                                                              \
    double sum = 0;                                                                                \
    for (int u = 0; u < T; u++) {                                                                  \
      a[u] = (TYPE)exp(a[u] - max);                                                                \
      sum += a[u];                                                                                 \
    }                                                                                              \
    for (int u = 0; u < T; u++) a[u] = (TYPE)(a[u] / sum);                                         \
    for (int i = 0; i < hs; i++) o[i] = 0;                                                         \
    for (int u = 0; u < T; u++) {                                                                  \
      const TYPE *vu = v + u * stride;                                                             \
      TYPE w = a[u];                                                                               \
      for (int i = 0; i < hs; i++) o[i] += w * vu[i];                                              \
    }                                                                                              \
  }                                                                                                \
  static void row_bwd_##SUFFIX(TYPE *dq, TYPE *dk, TYPE *dv, const TYPE *go, const TYPE *q,        \
                               const TYPE *k, const TYPE *v, const TYPE *a, size_t stride, int T,  \
                               int hs, double scale, double *datt) {                               \
    double inner = 0;                                                                              \
    for (int u = 0; u < T; u++) {                                                                  \
      const TYPE *vu = v + u * stride;                                                             \
      TYPE *dvu = dv + u * stride;                                                                 \
      double dot = 0;                                                                              \
      for (int i = 0; i < hs; i++) {                                                               \
        dot += (double)go[i] * vu[i];                                                              \
        dvu[i] += a[u] * go[i];                                                                    \
      }                                                                                            \
      datt[u] = dot;                                                                               \
      inner += a[u] * dot;                                                                         \
    }                                                                                              \
    for (int u = 0; u < T; u++) {                                                                  \
      TYPE dpre = (TYPE)(a[u] * (datt[u] - inner) * scale);                                        \
      const TYPE *ku = k + u * stride;                                                             \
      TYPE *dku = dk + u * stride;                                                                 \
      for (int i = 0; i < hs; i++) {                                                               \
        dq[i] += dpre * ku[i];                                                                     \
        dku[i] += dpre * q[i];                                                                     \
      }                                                                                            \
    }                                                                                              \
  }

DEFINE_ROWS(double, f64)
DEFINE_ROWS(float, f32)

// Every token's query: inp (B, T, 3C) packed q|k|v, out (B, T, C), att (B, NH, T, T).
#define DEFINE_ATTENTION(TYPE, SUFFIX)                                                             \
  static void attn_fwd_##SUFFIX(TYPE *out, TYPE *att, const TYPE *inp, int B, int T, int C,        \
                                int NH, double scale) {                                            \
    int hs = C / NH;                                                                               \
    size_t C3 = 3 * (size_t)C;                                                                     \
    for (int b = 0; b < B; b++)                                                                    \
      for (int h = 0; h < NH; h++) {                                                               \
        const TYPE *x = inp + (size_t)b * T * C3 + h * hs;                                         \
        for (int t = 0; t < T; t++)                                                                \
          row_fwd_##SUFFIX(out + ((size_t)b * T + t) * C + h * hs, att + (((size_t)b * NH + h) * T + t) * T, \
                           x + t * C3, x + C, x + 2 * C, C3, T, hs, scale);                        \
      }                                                                                            \
  }                                                                                                \
  static void attn_bwd_##SUFFIX(TYPE *dinp, const TYPE *dout, const TYPE *inp, const TYPE *att,    \
                                int B, int T, int C, int NH, double scale) {                       \
    int hs = C / NH;                                                                               \
    size_t C3 = 3 * (size_t)C;                                                                     \
    double *datt = malloc(sizeof(double) * (size_t)T);                                             \
    for (int b = 0; b < B; b++)                                                                    \
      for (int h = 0; h < NH; h++) {                                                               \
        size_t o = (size_t)b * T * C3 + h * hs;                                                    \
        for (int t = 0; t < T; t++)                                                                \
          row_bwd_##SUFFIX(dinp + o + t * C3, dinp + o + C, dinp + o + 2 * C,                     \
                           dout + ((size_t)b * T + t) * C + h * hs, inp + o + t * C3, inp + o + C, \
                           inp + o + 2 * C, att + (((size_t)b * NH + h) * T + t) * T, C3, T, hs, scale, datt); \
      }                                                                                            \
    free(datt);                                                                                    \
  }

DEFINE_ATTENTION(double, f64)
DEFINE_ATTENTION(float, f32)

// One query token per sample (src/attention/readout-attention.ts, the reference): q (B, C),
// kv (B, T, 2C) packed k|v, out (B, C), att (B, NH, T); backward adds into dq and dkv.
#define DEFINE_READOUT(TYPE, SUFFIX)                                                               \
  static void readout_fwd_##SUFFIX(TYPE *out, TYPE *att, const TYPE *q, const TYPE *kv, int B,     \
                                   int T, int C, int NH, double scale) {                           \
    int hs = C / NH;                                                                               \
    size_t C2 = 2 * (size_t)C;                                                                     \
    for (int b = 0; b < B; b++)                                                                    \
      for (int h = 0; h < NH; h++) {                                                               \
        const TYPE *x = kv + (size_t)b * T * C2 + h * hs;                                          \
        row_fwd_##SUFFIX(out + (size_t)b * C + h * hs, att + ((size_t)b * NH + h) * T,             \
                         q + (size_t)b * C + h * hs, x, x + C, C2, T, hs, scale);                  \
      }                                                                                            \
  }                                                                                                \
  static void readout_bwd_##SUFFIX(TYPE *dq, TYPE *dkv, const TYPE *dout, const TYPE *q,           \
                                   const TYPE *kv, const TYPE *att, int B, int T, int C, int NH,   \
                                   double scale) {                                                 \
    int hs = C / NH;                                                                               \
    size_t C2 = 2 * (size_t)C;                                                                     \
    double *datt = malloc(sizeof(double) * (size_t)T);                                             \
    for (int b = 0; b < B; b++)                                                                    \
      for (int h = 0; h < NH; h++) {                                                               \
        size_t o = (size_t)b * T * C2 + h * hs, r = (size_t)b * C + h * hs;                        \
        row_bwd_##SUFFIX(dq + r, dkv + o, dkv + o + C, dout + r, q + r, kv + o, kv + o + C,        \
                         att + ((size_t)b * NH + h) * T, C2, T, hs, scale, datt);                  \
      }                                                                                            \
    free(datt);                                                                                    \
  }

DEFINE_READOUT(double, f64)
DEFINE_READOUT(float, f32)

// The shape arguments: numbers that fit int32, with every product the kernels index by within int
// (sample-token rows, sample-head rows) and far below any array's length limit (so the size checks cannot overflow).
static bool dims(napi_env env, napi_value *argv, int *B, int *T, int *C, int *NH, double *scale) {
  if (napi_get_value_int32(env, argv[0], B) != napi_ok || napi_get_value_int32(env, argv[1], T) != napi_ok ||
      napi_get_value_int32(env, argv[2], C) != napi_ok || napi_get_value_int32(env, argv[3], NH) != napi_ok ||
      napi_get_value_double(env, argv[4], scale) != napi_ok)
    return false;
  return *B >= 0 && *T >= 1 && *C >= 1 && *NH >= 1 && *C % *NH == 0 && (double)*B * *T <= 2147483647.0 &&
         (double)*B * *NH * *T <= 2147483647.0 &&
         (double)*B * *T * (3.0 * *C + (double)*NH * *T) <= 1e15;
}

// attentionForward(B, T, C, NH, scale, out, att, inp)
napi_value AttentionForward(napi_env env, napi_callback_info info) {
  size_t argc = 8;
  napi_value argv[8];
  napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
  int B, T, C, NH;
  double scale;
  Arr out, att, inp;
  if (argc != 8 || !dims(env, argv, &B, &T, &C, &NH, &scale) || !arr(env, argv[5], &out) ||
      !arr(env, argv[6], &att) || !arr(env, argv[7], &inp) || out.type != att.type ||
      out.type != inp.type || out.length < (size_t)B * T * C || att.length < (size_t)B * NH * T * T ||
      inp.length < (size_t)B * T * 3 * C) {
    napi_throw_error(env, NULL, "attentionForward: bad arguments or shapes");
    return NULL;
  }
  if (out.type == napi_float64_array) attn_fwd_f64(out.data, att.data, inp.data, B, T, C, NH, scale);
  else attn_fwd_f32(out.data, att.data, inp.data, B, T, C, NH, scale);
  return NULL;
}

// attentionBackward(B, T, C, NH, scale, dinp, dout, inp, att)
napi_value AttentionBackward(napi_env env, napi_callback_info info) {
  size_t argc = 9;
  napi_value argv[9];
  napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
  int B, T, C, NH;
  double scale;
  Arr dinp, dout, inp, att;
  if (argc != 9 || !dims(env, argv, &B, &T, &C, &NH, &scale) || !arr(env, argv[5], &dinp) ||
      !arr(env, argv[6], &dout) || !arr(env, argv[7], &inp) || !arr(env, argv[8], &att) ||
      dinp.type != dout.type || dinp.type != inp.type || dinp.type != att.type ||
      dinp.length < (size_t)B * T * 3 * C || inp.length < (size_t)B * T * 3 * C ||
      dout.length < (size_t)B * T * C || att.length < (size_t)B * NH * T * T) {
    napi_throw_error(env, NULL, "attentionBackward: bad arguments or shapes");
    return NULL;
  }
  if (dinp.type == napi_float64_array)
    attn_bwd_f64(dinp.data, dout.data, inp.data, att.data, B, T, C, NH, scale);
  else
    attn_bwd_f32(dinp.data, dout.data, inp.data, att.data, B, T, C, NH, scale);
  return NULL;
}

// readoutAttentionForward(B, T, C, NH, scale, out, att, q, kv)
napi_value ReadoutAttentionForward(napi_env env, napi_callback_info info) {
  size_t argc = 9;
  napi_value argv[9];
  napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
  int B, T, C, NH;
  double scale;
  Arr a[4]; // out, att, q, kv
  bool ok = argc == 9 && dims(env, argv, &B, &T, &C, &NH, &scale);
  for (int i = 0; ok && i < 4; i++) ok = arr(env, argv[5 + i], &a[i]);
  if (!ok || !same_type(a, 4) || a[0].length < (size_t)B * C || a[1].length < (size_t)B * NH * T ||
      a[2].length < (size_t)B * C || a[3].length < (size_t)B * T * 2 * C) {
    napi_throw_error(env, NULL, "readoutAttentionForward: bad arguments or shapes");
    return NULL;
  }
  if (a[0].type == napi_float64_array) readout_fwd_f64(a[0].data, a[1].data, a[2].data, a[3].data, B, T, C, NH, scale);
  else readout_fwd_f32(a[0].data, a[1].data, a[2].data, a[3].data, B, T, C, NH, scale);
  return NULL;
}

// readoutAttentionBackward(B, T, C, NH, scale, dq, dkv, dout, q, kv, att)
napi_value ReadoutAttentionBackward(napi_env env, napi_callback_info info) {
  size_t argc = 11;
  napi_value argv[11];
  napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
  int B, T, C, NH;
  double scale;
  Arr a[6]; // dq, dkv, dout, q, kv, att
  bool ok = argc == 11 && dims(env, argv, &B, &T, &C, &NH, &scale);
  for (int i = 0; ok && i < 6; i++) ok = arr(env, argv[5 + i], &a[i]);
  size_t bc = (size_t)B * C, kvn = (size_t)B * T * 2 * C;
  if (!ok || !same_type(a, 6) || a[0].length < bc || a[1].length < kvn || a[2].length < bc ||
      a[3].length < bc || a[4].length < kvn || a[5].length < (size_t)B * NH * T) {
    napi_throw_error(env, NULL, "readoutAttentionBackward: bad arguments or shapes");
    return NULL;
  }
  if (a[0].type == napi_float64_array)
    readout_bwd_f64(a[0].data, a[1].data, a[2].data, a[3].data, a[4].data, a[5].data, B, T, C, NH, scale);
  else
    readout_bwd_f32(a[0].data, a[1].data, a[2].data, a[3].data, a[4].data, a[5].data, B, T, C, NH, scale);
  return NULL;
}
