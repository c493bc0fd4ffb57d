// Radix-2 complex FFT in place, for src/core/fft.ts: the same loops as its TypeScript transform(),
// with the twiddles and bit-reversal table passed in from the TypeScript plan (computed once
// per length there), so that both paths use identical twiddles.
#include <node_api.h>
#include <stdbool.h>
#include <stdint.h>

static void *typed(napi_env env, napi_value v, napi_typedarray_type want, size_t *len) {
  bool is_ta = false;
  napi_typedarray_type type;
  void *data;
  napi_value buf;
  size_t off;
  if (napi_is_typedarray(env, v, &is_ta) != napi_ok || !is_ta ||
      napi_get_typedarray_info(env, v, &type, len, &data, &buf, &off) != napi_ok || type != want)
    return NULL;
  return data;
}

// fft(re, im, cos, sin, bitrev, sign): n = re.length (a power of 2), cos/sin of 2 pi k/n for
// k < n/2, sign -1 forward, +1 inverse (unscaled).
napi_value Fft(napi_env env, napi_callback_info info) {
  size_t argc = 6, n, ni, nc, ns, nb;
  napi_value argv[6];
  int32_t sign;
  if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) != napi_ok || argc != 6 ||
      napi_get_value_int32(env, argv[5], &sign) != napi_ok) {
    napi_throw_error(env, NULL, "fft: expected (re, im, cos, sin, bitrev, sign)");
    return NULL;
  }
  double *re = typed(env, argv[0], napi_float64_array, &n);
  double *im = typed(env, argv[1], napi_float64_array, &ni);
  const double *c = typed(env, argv[2], napi_float64_array, &nc);
  const double *s = typed(env, argv[3], napi_float64_array, &ns);
  const uint32_t *bitrev = typed(env, argv[4], napi_uint32_array, &nb);
  if (!re || !im || !c || !s || !bitrev || ni != n || n == 0 || (n & (n - 1)) != 0 ||
      nc != n / 2 || ns != n / 2 || nb != n) {
    napi_throw_range_error(env, NULL, "fft: inconsistent arrays (need a power-of-2 plan)");
    return NULL;
  }
  for (size_t i = 0; i < n; i++) {
    size_t j = bitrev[i];
    if (j > i) {
      double t = re[i]; re[i] = re[j]; re[j] = t;
      t = im[i]; im[i] = im[j]; im[j] = t;
    }
  }
  for (size_t len = 2; len <= n; len <<= 1) {
    size_t half = len >> 1, stride = n / len;
    for (size_t start = 0; start < n; start += len)
      for (size_t k = 0; k < half; k++) {
        double wr = c[k * stride], wi = sign * s[k * stride];
        size_t a = start + k, b = a + half;
        double xr = re[b] * wr - im[b] * wi, xi = re[b] * wi + im[b] * wr;
        re[b] = re[a] - xr; im[b] = im[a] - xi;
        re[a] += xr; im[a] += xi;
      }
  }
  return NULL;
}
