// Fast Walsh-Hadamard transform, in place, unnormalised, on each of `rows` rows of length n
// (a power of 2), for src/core/fwht.ts (same contract as its TypeScript loop, which the tests
// hold this against). It is the inner loop of Fastfood random features, so it runs natively.
#include <node_api.h>
#include <stdint.h>
#include <stdbool.h>

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
