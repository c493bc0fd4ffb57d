// Typed-array arguments of the fused kernels (attention.c, layernorm.c, elementwise.c): a Float64Array or a
// Float32Array viewed without a copy, its element type and length.
#ifndef CONVEXFORMER_ARRAYS_H
#define CONVEXFORMER_ARRAYS_H
#include <node_api.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct {
  napi_typedarray_type type;
  size_t length;
  void *data;
} Arr;

/** false unless v is a typed array (then *a describes it, without a copy) */
static inline bool typed_array(napi_env env, napi_value v, Arr *a) {
  bool ok = false;
  napi_value buf;
  size_t off;
  return napi_is_typedarray(env, v, &ok) == napi_ok && ok &&
         napi_get_typedarray_info(env, v, &a->type, &a->length, &a->data, &buf, &off) == napi_ok;
}

/** false unless v is a Float64Array or Float32Array */
static inline bool arr(napi_env env, napi_value v, Arr *a) {
  return typed_array(env, v, a) && (a->type == napi_float64_array || a->type == napi_float32_array);
}

/** false unless v is an Int32Array */
static inline bool arr_i32(napi_env env, napi_value v, Arr *a) {
  return typed_array(env, v, a) && a->type == napi_int32_array;
}

/** *out = a * b * c, false when a size is negative or the product overflows (a length check on it would pass wrongly) */
static inline bool size3(int64_t a, int64_t b, int64_t c, size_t *out) {
  size_t ab;
  return a >= 0 && b >= 0 && c >= 0 && !__builtin_mul_overflow((size_t)a, (size_t)b, &ab) &&
         !__builtin_mul_overflow(ab, (size_t)c, out);
}

/** arrays a[0..n) are all of a[0]'s element type */
static inline bool same_type(const Arr *a, int n) {
  for (int i = 1; i < n; i++)
    if (a[i].type != a[0].type) return false;
  return true;
}
#endif
