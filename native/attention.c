// Fused multi-head softmax self-attention (non-causal), forward and backward, for the
// transformer step: the JavaScript loops cost more than all the GEMMs together (bench/RESULTS.md).
// Same contract as src/nn/attention.ts (the reference the tests hold this against):
//   inp (B, T, 3C) packed q|k|v, out (B, T, C), att (B, NH, T, T); backward adds into dinp.
#include <node_api.h>
#include <math.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#define DEFINE_ATTENTION(TYPE, SUFFIX)                                                       \
  static void attn_fwd_##SUFFIX(TYPE *out, TYPE *att, const TYPE *inp, int B, int T, int C,  \
                                int NH, double scale) {                                      \
    int hs = C / NH, C3 = 3 * C;                                                             \
    for (int b = 0; b < B; b++)                                                              \
      for (int h = 0; h < NH; h++)                                                           \
        for (int t = 0; t < T; t++) {                                                        \
          const TYPE *q = inp + (size_t)(b * T + t) * C3 + h * hs;                           \
          TYPE *a = att + ((size_t)(b * NH + h) * T + t) * T;                                \
          double max = -INFINITY;                                                            \
          for (int u = 0; u < T; u++) {                                                      \
            const TYPE *k = inp + (size_t)(b * T + u) * C3 + C + h * hs;                     \
            double dot = 0;                                                                  \
            for (int i = 0; i < hs; i++) dot += (double)q[i] * k[i];                         \
            a[u] = (TYPE)(dot * scale);                                                      \
            if (a[u] > max) max = a[u];                                                      \
          }                                                                                  \
          double sum = 0;                                                                    \
          for (int u = 0; u < T; u++) {                                                      \
            a[u] = (TYPE)exp(a[u] - max);                                                    \
            sum += a[u];                                                                     \
          }                                                                                  \
          for (int u = 0; u < T; u++) a[u] = (TYPE)(a[u] / sum);                             \
          TYPE *o = out + (size_t)(b * T + t) * C + h * hs;                                  \
          for (int i = 0; i < hs; i++) o[i] = 0;                                             \
          for (int u = 0; u < T; u++) {                                                      \
            const TYPE *v = inp + (size_t)(b * T + u) * C3 + 2 * C + h * hs;                 \
            TYPE w = a[u];                                                                   \
            for (int i = 0; i < hs; i++) o[i] += w * v[i];                                   \
          }                                                                                  \
        }                                                                                    \
  }                                                                                          \
  static void attn_bwd_##SUFFIX(TYPE *dinp, const TYPE *dout, const TYPE *inp,               \
                                const TYPE *att, int B, int T, int C, int NH, double scale) { \
    int hs = C / NH, C3 = 3 * C;                                                             \
    double *datt = malloc(sizeof(double) * (size_t)T);                                       \
    for (int b = 0; b < B; b++)                                                              \
      for (int h = 0; h < NH; h++)                                                           \
        for (int t = 0; t < T; t++) {                                                        \
          const TYPE *a = att + ((size_t)(b * NH + h) * T + t) * T;                          \
          const TYPE *go = dout + (size_t)(b * T + t) * C + h * hs;                          \
          for (int u = 0; u < T; u++) {                                                      \
            size_t v = (size_t)(b * T + u) * C3 + 2 * C + h * hs;                            \
            double dot = 0;                                                                  \
            for (int i = 0; i < hs; i++) {                                                   \
              dot += (double)go[i] * inp[v + i];                                             \
              dinp[v + i] += a[u] * go[i];                                                   \
            }                                                                                \
            datt[u] = dot;                                                                   \
          }                                                                                  \
          double inner = 0;                                                                  \
          for (int u = 0; u < T; u++) inner += a[u] * datt[u];                               \
          size_t q = (size_t)(b * T + t) * C3 + h * hs;                                      \
          for (int u = 0; u < T; u++) {                                                      \
            TYPE dpre = (TYPE)(a[u] * (datt[u] - inner) * scale);                            \
            size_t k = (size_t)(b * T + u) * C3 + C + h * hs;                                \
            for (int i = 0; i < hs; i++) {                                                   \
              dinp[q + i] += dpre * inp[k + i];                                              \
              dinp[k + i] += dpre * inp[q + i];                                              \
            }                                                                                \
          }                                                                                  \
        }                                                                                    \
    free(datt);                                                                              \
  }

DEFINE_ATTENTION(double, f64)
DEFINE_ATTENTION(float, f32)

typedef struct {
  napi_typedarray_type type;
  size_t length;
  void *data;
} Arr;

static bool arr(napi_env env, napi_value v, Arr *a) {
  bool ok = false;
  napi_is_typedarray(env, v, &ok);
  if (!ok) return false;
  napi_value buf;
  size_t off;
  napi_get_typedarray_info(env, v, &a->type, &a->length, &a->data, &buf, &off);
  return a->type == napi_float64_array || a->type == napi_float32_array;
}

static bool dims(napi_env env, napi_value *argv, int *B, int *T, int *C, int *NH, double *scale) {
  napi_get_value_int32(env, argv[0], B);
  napi_get_value_int32(env, argv[1], T);
  napi_get_value_int32(env, argv[2], C);
  napi_get_value_int32(env, argv[3], NH);
  napi_get_value_double(env, argv[4], scale);
  return *B >= 0 && *T >= 1 && *NH >= 1 && *C % *NH == 0;
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
