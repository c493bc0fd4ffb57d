// Fast Walsh-Hadamard transform, in place, unnormalised, on each of `rows` rows of length n
// (a power of 2), for src/core/fwht.ts (same contract as its TypeScript loop, which the tests
// hold this against). It is the inner loop of Fastfood random features, so it runs natively.
#include <node_api.h>
#include <stdint.h>
#include <stdbool.h>
#include <stdlib.h>
#include "arrays.h"

static void fwht_row(double *x, int64_t n) {
  for (int64_t h = 1; h < n; h <<= 1)
    for (int64_t i = 0; i < n; i += h << 1)
      for (int64_t j = i; j < i + h; j++) {
        double a = x[j], b = x[j + h];
        x[j] = a + b;
        x[j + h] = a - b;
      }
}

// fwht(X, rows, n)
napi_value Fwht(napi_env env, napi_callback_info info) {
  size_t argc = 3;
  napi_value argv[3];
  int64_t rows, n;
  bool is_ta = false;
  napi_typedarray_type type;
  size_t length, off;
  void *data;
  napi_value buf;
  if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) != napi_ok || argc != 3 ||
      napi_get_value_int64(env, argv[1], &rows) != napi_ok ||
      napi_get_value_int64(env, argv[2], &n) != napi_ok) {
    napi_throw_error(env, NULL, "fwht: expected (X, rows, n)");
    return NULL;
  }
  if (napi_is_typedarray(env, argv[0], &is_ta) != napi_ok || !is_ta ||
      napi_get_typedarray_info(env, argv[0], &type, &length, &data, &buf, &off) != napi_ok ||
      type != napi_float64_array) {
    napi_throw_type_error(env, NULL, "fwht: X must be a Float64Array");
    return NULL;
  }
  if (rows < 0 || n < 1 || (n & (n - 1)) != 0 || (size_t)(rows * n) > length) {
    napi_throw_range_error(env, NULL, "fwht: n must be a power of 2 and X hold rows * n values");
    return NULL;
  }
  double *x = data;
  for (int64_t r = 0; r < rows; r++) fwht_row(x + r * n, n);
  return NULL;
}

// The chi feature map of src/core/chi-features.ts, one row at a time (its applyChiFeatures and
// applyChiFeaturesT, which the tests hold this against; the same operations in the same order,
// so bit-identical): per block o of dPad features,
//   forward  y[o..] = S * H (G * (H (B * x))[perm])
//   adjoint  x += B * H scatter_perm(G * H (S * y[o..]))
// chiFeatures(X, rows, d, out, D, dPad, B, perm, G, S, adjoint): X (rows, d) -> out (rows, D), or
// with adjoint X (rows, D) -> out (rows, d).
static void chi_forward(const double *x, int64_t d, double *y, int64_t D, int64_t dPad, int64_t blocks,
                        const double *Bs, const int32_t *perm, const double *G, const double *S, double *u, double *v) {
  for (int64_t b = 0; b < blocks; b++) {
    int64_t o = b * dPad, width = D - o < dPad ? D - o : dPad;
    for (int64_t i = 0; i < dPad; i++) u[i] = i < d ? Bs[o + i] * x[i] : 0;
    fwht_row(u, dPad);
    for (int64_t i = 0; i < dPad; i++) v[i] = G[o + i] * u[perm[o + i]];
    fwht_row(v, dPad);
    for (int64_t i = 0; i < width; i++) y[o + i] = S[o + i] * v[i];
  }
}

static void chi_adjoint(const double *f, int64_t d, double *y, int64_t D, int64_t dPad, int64_t blocks,
                        const double *Bs, const int32_t *perm, const double *G, const double *S, double *u, double *v) {
  for (int64_t i = 0; i < d; i++) y[i] = 0;
  for (int64_t b = 0; b < blocks; b++) {
    int64_t o = b * dPad, width = D - o < dPad ? D - o : dPad;
    for (int64_t i = 0; i < dPad; i++) u[i] = i < width ? S[o + i] * f[o + i] : 0;
    fwht_row(u, dPad);
    for (int64_t i = 0; i < dPad; i++) v[perm[o + i]] = G[o + i] * u[i];
    fwht_row(v, dPad);
    for (int64_t i = 0; i < d; i++) y[i] += Bs[o + i] * v[i];
  }
}

/** v is a typed array of element type `want` holding at least `min` values (arrays.h reads it) */
static bool typed(napi_env env, napi_value v, napi_typedarray_type want, size_t min, void **data) {
  Arr a;
  if (!typed_array(env, v, &a) || a.type != want || a.length < min) return false;
  *data = a.data;
  return true;
}

napi_value ChiFeatures(napi_env env, napi_callback_info info) {
  size_t argc = 11;
  napi_value argv[11];
  int64_t rows = -1, d = 0, D = 0, dPad = 0;
  bool adjoint = false;
  if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) != napi_ok || argc != 11 ||
      napi_get_value_int64(env, argv[1], &rows) != napi_ok || napi_get_value_int64(env, argv[2], &d) != napi_ok ||
      napi_get_value_int64(env, argv[4], &D) != napi_ok || napi_get_value_int64(env, argv[5], &dPad) != napi_ok ||
      napi_get_value_bool(env, argv[10], &adjoint) != napi_ok || rows < 0 || d < 1 || D < 1 || dPad < d ||
      (dPad & (dPad - 1)) != 0) {
    napi_throw_error(env, NULL, "chiFeatures: expected (X, rows, d, out, D, dPad, B, perm, G, S, adjoint), dPad a power of 2 >= d");
    return NULL;
  }
  int64_t blocks = (D + dPad - 1) / dPad, nb = blocks * dPad, in = adjoint ? D : d, outw = adjoint ? d : D;
  void *X, *out, *Bs, *perm, *G, *S;
  size_t nin, nout;
  if (!size3(rows, in, 1, &nin) || !size3(rows, outw, 1, &nout) || !size3(blocks, dPad, 1, &(size_t){0})) {
    napi_throw_range_error(env, NULL, "chiFeatures: rows x width overflows");
    return NULL;
  }
  if (!typed(env, argv[0], napi_float64_array, nin, &X) ||
      !typed(env, argv[3], napi_float64_array, nout, &out) ||
      !typed(env, argv[6], napi_float64_array, (size_t)nb, &Bs) || !typed(env, argv[7], napi_int32_array, (size_t)nb, &perm) ||
      !typed(env, argv[8], napi_float64_array, (size_t)nb, &G) || !typed(env, argv[9], napi_float64_array, (size_t)nb, &S)) {
    napi_throw_error(env, NULL, "chiFeatures: X, out, B, G, S must be Float64Arrays and perm an Int32Array of the map's sizes");
    return NULL;
  }
  for (int64_t i = 0; i < nb; i++) {
    int32_t p = ((const int32_t *)perm)[i];
    if (p < 0 || p >= dPad) {
      napi_throw_range_error(env, NULL, "chiFeatures: a permutation entry is outside 0..dPad-1");
      return NULL;
    }
  }
  double *u = malloc(sizeof(double) * 2 * (size_t)dPad);
  if (!u) {
    napi_throw_error(env, NULL, "chiFeatures: out of memory");
    return NULL;
  }
  for (int64_t r = 0; r < rows; r++) {
    if (adjoint)
      chi_adjoint((const double *)X + r * D, d, (double *)out + r * d, D, dPad, blocks, Bs, perm, G, S, u, u + dPad);
    else
      chi_forward((const double *)X + r * d, d, (double *)out + r * D, D, dPad, blocks, Bs, perm, G, S, u, u + dPad);
  }
  free(u);
  return NULL;
}
