// The transformer step's element-wise passes in C: token embedding, ReLU and the fused Adam/AdamW
// update. In JavaScript each pass over the grokking model's activations costs 1-2 ms (3-7 ns per
// element on this machine), which made them a third of the step once the GEMMs had shrunk
// (bench/RESULTS.md). Each computes the same operations in the same order as its TypeScript
// reference (src/nn/embedding.ts, src/nn/activations.ts, src/optim/adamw-fused.ts), so results
// are bit-identical to it: doubles where JavaScript computes in doubles, rounding to float where a
// store into a Float32Array rounds. (ISO C11 forbids contracting a*b+c into an FMA.)
#include <math.h>
#include <stdint.h>
#include "arrays.h"

#define DEFINE_ELEMENTWISE(TYPE, SUFFIX)                                                      \
  static void emb_fwd_##SUFFIX(TYPE *out, const int32_t *ids, const TYPE *wte, const TYPE *wpe, \
                               int B, int T, int C) {                                          \
    for (int b = 0; b < B; b++)                                                               \
      for (int t = 0; t < T; t++) {                                                           \
        TYPE *o = out + ((size_t)b * T + t) * C;                                              \
        const TYPE *e = wte + (size_t)ids[b * T + t] * C, *p = wpe + (size_t)t * C;           \
        for (int k = 0; k < C; k++) o[k] = (TYPE)((double)e[k] + p[k]);                       \
      }                                                                                       \
  }                                                                                           \
  static void emb_bwd_##SUFFIX(TYPE *dwte, TYPE *dwpe, const TYPE *dout, const int32_t *ids,  \
                               int B, int T, int C) {                                          \
    for (int b = 0; b < B; b++)                                                               \
      for (int t = 0; t < T; t++) {                                                           \
        const TYPE *g = dout + ((size_t)b * T + t) * C;                                       \
        TYPE *e = dwte + (size_t)ids[b * T + t] * C, *p = dwpe + (size_t)t * C;               \
        for (int k = 0; k < C; k++) {                                                         \
          e[k] = (TYPE)((double)e[k] + g[k]);                                                 \
          p[k] = (TYPE)((double)p[k] + g[k]);                                                 \
        }                                                                                     \
      }                                                                                       \
  }                                                                                           \
  static void relu_fwd_##SUFFIX(TYPE *out, const TYPE *inp, size_t n) {                       \
    for (size_t i = 0; i < n; i++) {                                                          \
      double v = inp[i];                                                                      \
      out[i] = (TYPE)(0.5 * (v + fabs(v)));                                                   \
    }                                                                                         \
  }                                                                                           \
  static void relu_bwd_##SUFFIX(TYPE *dinp, const TYPE *dout, const TYPE *inp, size_t n) {    \
    /* the 0/1 factor as a select, not a branch: with random signs a branch mispredicts half */ \
    for (size_t i = 0; i < n; i++) {                                                          \
      double on = inp[i] > 0 ? 1.0 : 0.0;                                                     \
      dinp[i] = (TYPE)((double)dinp[i] + (double)dout[i] * on);                               \
    }                                                                                         \
  }

DEFINE_ELEMENTWISE(double, f64)
DEFINE_ELEMENTWISE(float, f32)

// Adam's direction for element i (adamw-fused.ts's `direction`, term for term).
static inline double direction(double *mu, double *nu, size_t i, double g, const double *k) {
  double b1 = k[0], b2 = k[1], eps = k[2], c1 = k[3], c2 = k[4];
  double m = b1 * mu[i] + (1 - b1) * g, v = b2 * nu[i] + (1 - b2) * g * g;
  mu[i] = m;
  nu[i] = v;
  return m / c1 / (sqrt(v / c2) + eps);
}

// u holds the gradient and receives the update; p += u. k = b1, b2, eps, c1, c2, scale (= -lr).
// With `coupled`, the gradient is first g + cwd p, stored as the chain's own pass stores it (the
// loop-invariant tests are unswitched by the compiler).
static void adam_f64(double *u, double *p, double *mu, double *nu, size_t n, const double *k, bool decay, double wd,
                     bool coupled, double cwd) {
  if (coupled)
    for (size_t i = 0; i < n; i++) u[i] += cwd * p[i];
  if (decay)
    for (size_t i = 0; i < n; i++) p[i] += (u[i] = (direction(mu, nu, i, u[i], k) + wd * p[i]) * k[5]);
  else
    for (size_t i = 0; i < n; i++) p[i] += (u[i] = direction(mu, nu, i, u[i], k) * k[5]);
}
static void adam_f32(float *u, float *p, double *mu, double *nu, size_t n, const double *k, bool decay, double wd,
                     bool coupled, double cwd) {
  if (coupled)
    for (size_t i = 0; i < n; i++) u[i] = (float)((double)u[i] + cwd * p[i]);
  if (decay)
    for (size_t i = 0; i < n; i++) {
      float d = (float)direction(mu, nu, i, u[i], k);
      float x = (float)((float)((double)d + wd * p[i]) * k[5]);
      u[i] = x;
      p[i] = (float)((double)p[i] + x);
    }
  else
    for (size_t i = 0; i < n; i++) {
      float x = (float)((double)(float)direction(mu, nu, i, u[i], k) * k[5]);
      u[i] = x;
      p[i] = (float)((double)p[i] + x);
    }
}

static bool int_args(napi_env env, napi_value *argv, int n, int *out) {
  for (int i = 0; i < n; i++)
    if (napi_get_value_int32(env, argv[i], &out[i]) != napi_ok || out[i] < 0) return false;
  return true;
}

// embeddingForward(B, T, C, out, ids, wte, wpe) and embeddingBackward(B, T, C, dwte, dwpe, dout, ids):
// every id is checked against wte's rows before anything is written.
static napi_value embedding(napi_env env, napi_callback_info info, bool forward) {
  size_t argc = 7;
  napi_value argv[7];
  napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
  int d[3];
  Arr f[3], ids; // forward: out, wte, wpe; backward: dwte, dwpe, dout
  // rows b T + t are indexed as int, and the sizes below must not overflow
  bool ok = argc == 7 && int_args(env, argv, 3, d) && d[2] >= 1 && (double)d[0] * d[1] <= 2147483647.0 &&
            (double)d[0] * d[1] * d[2] <= 1e15 && arr_i32(env, argv[forward ? 4 : 6], &ids);
  int fi[3] = {3, forward ? 5 : 4, forward ? 6 : 5};
  for (int i = 0; ok && i < 3; i++) ok = arr(env, argv[fi[i]], &f[i]);
  size_t btc = (size_t)d[0] * d[1] * d[2], tc = (size_t)d[1] * d[2];
  const Arr *out = forward ? &f[0] : &f[2], *wte = forward ? &f[1] : &f[0], *wpe = forward ? &f[2] : &f[1];
  ok = ok && same_type(f, 3) && out->length >= btc && wpe->length >= tc && ids.length >= (size_t)d[0] * d[1];
  size_t V = ok ? wte->length / d[2] : 0;
  for (size_t i = 0; ok && i < (size_t)d[0] * d[1]; i++) ok = ((int32_t *)ids.data)[i] >= 0 && (size_t)((int32_t *)ids.data)[i] < V;
  if (!ok) {
    napi_throw_error(env, NULL, forward ? "embeddingForward: bad arguments, shapes or token ids" : "embeddingBackward: bad arguments, shapes or token ids");
    return NULL;
  }
  bool f64 = f[0].type == napi_float64_array;
  if (forward && f64) emb_fwd_f64(f[0].data, ids.data, f[1].data, f[2].data, d[0], d[1], d[2]);
  else if (forward) emb_fwd_f32(f[0].data, ids.data, f[1].data, f[2].data, d[0], d[1], d[2]);
  else if (f64) emb_bwd_f64(f[0].data, f[1].data, f[2].data, ids.data, d[0], d[1], d[2]);
  else emb_bwd_f32(f[0].data, f[1].data, f[2].data, ids.data, d[0], d[1], d[2]);
  return NULL;
}
napi_value EmbeddingForward(napi_env env, napi_callback_info info) { return embedding(env, info, true); }
napi_value EmbeddingBackward(napi_env env, napi_callback_info info) { return embedding(env, info, false); }

// reluForward(out, inp) and reluBackward(dinp, dout, inp), over inp's length
static napi_value relu(napi_env env, napi_callback_info info, bool forward) {
  size_t argc = 3;
  napi_value argv[3];
  napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
  Arr a[3];
  int n = forward ? 2 : 3;
  bool ok = argc == (size_t)n;
  for (int i = 0; ok && i < n; i++) ok = arr(env, argv[i], &a[i]);
  size_t len = ok ? a[forward ? 1 : 2].length : 0; // inp's length, as the references loop
  for (int i = 0; ok && i < n; i++) ok = a[i].length >= len;
  if (!ok || !same_type(a, n)) {
    napi_throw_error(env, NULL, forward ? "reluForward: bad arguments or lengths" : "reluBackward: bad arguments or lengths");
    return NULL;
  }
  bool f64 = a[0].type == napi_float64_array;
  if (forward && f64) relu_fwd_f64(a[0].data, a[1].data, len);
  else if (forward) relu_fwd_f32(a[0].data, a[1].data, len);
  else if (f64) relu_bwd_f64(a[0].data, a[1].data, a[2].data, len);
  else relu_bwd_f32(a[0].data, a[1].data, a[2].data, len);
  return NULL;
}
napi_value ReluForward(napi_env env, napi_callback_info info) { return relu(env, info, true); }
napi_value ReluBackward(napi_env env, napi_callback_info info) { return relu(env, info, false); }

// adamStep(u, p, mu, nu, b1, b2, eps, c1, c2, scale, wd, cwd): wd NaN without decoupled decay, cwd
// NaN without coupled decay
napi_value AdamStep(napi_env env, napi_callback_info info) {
  size_t argc = 12;
  napi_value argv[12];
  napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
  Arr a[4]; // u, p, mu, nu
  double k[8];
  bool ok = argc == 12;
  for (int i = 0; ok && i < 4; i++) ok = arr(env, argv[i], &a[i]);
  for (int i = 0; ok && i < 8; i++) ok = napi_get_value_double(env, argv[4 + i], &k[i]) == napi_ok;
  ok = ok && a[0].type == a[1].type && a[2].type == napi_float64_array && a[3].type == napi_float64_array &&
       a[1].length >= a[0].length && a[2].length >= a[0].length && a[3].length >= a[0].length;
  if (!ok) {
    napi_throw_error(env, NULL, "adamStep: bad arguments or lengths");
    return NULL;
  }
  bool decay = !isnan(k[6]), coupled = !isnan(k[7]);
  if (a[0].type == napi_float64_array) adam_f64(a[0].data, a[1].data, a[2].data, a[3].data, a[0].length, k, decay, k[6], coupled, k[7]);
  else adam_f32(a[0].data, a[1].data, a[2].data, a[3].data, a[0].length, k, decay, k[6], coupled, k[7]);
  return NULL;
}

// groupPenalty(Z, d, g, beta): sum over the groups of d consecutive entries of ||z_group||, each
// norm summed plainly in order (src/losses/group-norms.ts, bit-identical); with g (not null), also
// g += beta z / ||z|| on every nonzero group, the subgradient DeepConvex's group penalty adds.
napi_value GroupPenalty(napi_env env, napi_callback_info info) {
  size_t argc = 4;
  napi_value argv[4];
  napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
  Arr z, g;
  int64_t d = 0;
  double beta = 0;
  napi_valuetype gt = napi_undefined;
  bool ok = argc == 4 && arr(env, argv[0], &z) && z.type == napi_float64_array &&
            napi_get_value_int64(env, argv[1], &d) == napi_ok && d >= 1 && z.length % (size_t)d == 0 &&
            napi_get_value_double(env, argv[3], &beta) == napi_ok && napi_typeof(env, argv[2], &gt) == napi_ok;
  bool grad = ok && gt != napi_null;
  if (grad) ok = arr(env, argv[2], &g) && g.type == napi_float64_array && g.length >= z.length;
  if (!ok) {
    napi_throw_error(env, NULL, "groupPenalty: expected (Z Float64Array, d dividing its length, g Float64Array as long or null, beta)");
    return NULL;
  }
  const double *Z = z.data;
  double *G = grad ? g.data : NULL, value = 0;
  for (size_t start = 0; start < z.length; start += (size_t)d) {
    double s = 0;
    for (size_t t = start; t < start + (size_t)d; t++) s += Z[t] * Z[t];
    double norm = sqrt(s);
    value += norm;
    if (G && norm > 0)
      for (size_t t = start; t < start + (size_t)d; t++) G[t] += (beta * Z[t]) / norm;
  }
  napi_value out;
  napi_create_double(env, value, &out);
  return out;
}
