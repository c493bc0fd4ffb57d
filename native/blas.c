// N-API binding to OpenBLAS (and the fused kernels of attention.c, layernorm.c and elementwise.c): row-major sgemm/dgemm on typed arrays, without copies.
// gemm(transA, transB, m, n, k, alpha, A, lda, B, ldb, beta, C, ldc)
//   computes C = alpha * op(A) * op(B) + beta * C, with C of shape (m, n).
// The typed arrays may be subarrays: N-API hands back the data pointer with the
// byte offset already applied. All three must be Float64Array or all Float32Array.
#include <node_api.h>
#include <cblas.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

// OpenBLAS extras, declared here because not every cblas.h declares them.
extern char *openblas_get_corename(void);
extern char *openblas_get_config(void);
extern int openblas_get_num_threads(void);
extern void openblas_set_num_threads(int);

#define CHECK(call)                                                         \
  do {                                                                      \
    if ((call) != napi_ok) {                                                \
      napi_throw_error(env, NULL, "convexformer_blas: N-API call failed");  \
      return NULL;                                                          \
    }                                                                       \
  } while (0)

typedef struct {
  napi_typedarray_type type;
  size_t length;
  void *data;
} Array;

static bool get_array(napi_env env, napi_value v, Array *out, const char *name) {
  bool is_ta = false;
  napi_is_typedarray(env, v, &is_ta);
  if (!is_ta) {
    char msg[128];
    snprintf(msg, sizeof msg, "gemm: %s must be a Float64Array or Float32Array", name);
    napi_throw_type_error(env, NULL, msg);
    return false;
  }
  napi_value buf;
  size_t off;
  napi_get_typedarray_info(env, v, &out->type, &out->length, &out->data, &buf, &off);
  if (out->type != napi_float64_array && out->type != napi_float32_array) {
    char msg[128];
    snprintf(msg, sizeof msg, "gemm: %s must be a Float64Array or Float32Array", name);
    napi_throw_type_error(env, NULL, msg);
    return false;
  }
  return true;
}

// Smallest length a row-major operand of `rows` rows with leading dimension ld needs.
static size_t need(int64_t rows, int64_t cols, int64_t ld) {
  if (rows == 0 || cols == 0) return 0;
  return (size_t)((rows - 1) * ld + cols);
}

static napi_value Gemm(napi_env env, napi_callback_info info) {
  size_t argc = 13;
  napi_value argv[13];
  CHECK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  if (argc != 13) {
    napi_throw_error(env, NULL, "gemm: expected 13 arguments");
    return NULL;
  }
  bool ta, tb;
  int64_t m, n, k, lda, ldb, ldc;
  double alpha, beta;
  CHECK(napi_get_value_bool(env, argv[0], &ta));
  CHECK(napi_get_value_bool(env, argv[1], &tb));
  CHECK(napi_get_value_int64(env, argv[2], &m));
  CHECK(napi_get_value_int64(env, argv[3], &n));
  CHECK(napi_get_value_int64(env, argv[4], &k));
  CHECK(napi_get_value_double(env, argv[5], &alpha));
  CHECK(napi_get_value_int64(env, argv[7], &lda));
  CHECK(napi_get_value_int64(env, argv[9], &ldb));
  CHECK(napi_get_value_double(env, argv[10], &beta));
  CHECK(napi_get_value_int64(env, argv[12], &ldc));
  Array A, B, C;
  if (!get_array(env, argv[6], &A, "A") || !get_array(env, argv[8], &B, "B") ||
      !get_array(env, argv[11], &C, "C"))
    return NULL;
  if (A.type != B.type || A.type != C.type) {
    napi_throw_type_error(env, NULL, "gemm: A, B and C must have the same element type");
    return NULL;
  }
  if (m < 0 || n < 0 || k < 0) {
    napi_throw_range_error(env, NULL, "gemm: m, n, k must be >= 0");
    return NULL;
  }
  // Bounds: refuse anything that would read or write past an array.
  if (A.length < (ta ? need(k, m, lda) : need(m, k, lda)) ||
      B.length < (tb ? need(n, k, ldb) : need(k, n, ldb)) || C.length < need(m, n, ldc) ||
      lda < (ta ? m : k) || ldb < (tb ? k : n) || ldc < n) {
    napi_throw_range_error(env, NULL, "gemm: an operand is too short for its shape");
    return NULL;
  }
  if (m == 0 || n == 0) return NULL;
  enum CBLAS_TRANSPOSE opA = ta ? CblasTrans : CblasNoTrans;
  enum CBLAS_TRANSPOSE opB = tb ? CblasTrans : CblasNoTrans;
  if (A.type == napi_float64_array) {
    cblas_dgemm(CblasRowMajor, opA, opB, (int)m, (int)n, (int)k, alpha, (const double *)A.data,
                (int)lda, (const double *)B.data, (int)ldb, beta, (double *)C.data, (int)ldc);
  } else {
    cblas_sgemm(CblasRowMajor, opA, opB, (int)m, (int)n, (int)k, (float)alpha,
                (const float *)A.data, (int)lda, (const float *)B.data, (int)ldb, (float)beta,
                (float *)C.data, (int)ldc);
  }
  return NULL;
}

// syrk(n, k, alpha, A, lda, beta, C, ldc): the upper triangle of C (n x n) = alpha A^T A + beta C,
// A (k x n) row-major, float64: a Gram matrix at half a GEMM's work (the lower triangle untouched).
static napi_value Syrk(napi_env env, napi_callback_info info) {
  size_t argc = 8;
  napi_value argv[8];
  CHECK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  int64_t n, k, lda, ldc;
  double alpha, beta;
  if (argc != 8 || napi_get_value_int64(env, argv[0], &n) != napi_ok || napi_get_value_int64(env, argv[1], &k) != napi_ok ||
      napi_get_value_double(env, argv[2], &alpha) != napi_ok || napi_get_value_int64(env, argv[4], &lda) != napi_ok ||
      napi_get_value_double(env, argv[5], &beta) != napi_ok || napi_get_value_int64(env, argv[7], &ldc) != napi_ok) {
    napi_throw_error(env, NULL, "syrk: expected (n, k, alpha, A, lda, beta, C, ldc)");
    return NULL;
  }
  Array A, C;
  if (!get_array(env, argv[3], &A, "A") || !get_array(env, argv[6], &C, "C")) return NULL;
  if (A.type != napi_float64_array || C.type != napi_float64_array) {
    napi_throw_type_error(env, NULL, "syrk: A and C must be Float64Arrays");
    return NULL;
  }
  if (n < 0 || k < 0 || lda < n || ldc < n || A.length < need(k, n, lda) || C.length < need(n, n, ldc)) {
    napi_throw_range_error(env, NULL, "syrk: an operand is too short for its shape");
    return NULL;
  }
  if (n == 0) return NULL;
  cblas_dsyrk(CblasRowMajor, CblasUpper, CblasTrans, (int)n, (int)k, alpha, (const double *)A.data, (int)lda, beta,
              (double *)C.data, (int)ldc);
  return NULL;
}

static napi_value Info(napi_env env, napi_callback_info info) {
  napi_value obj, core, config, threads;
  CHECK(napi_create_object(env, &obj));
  CHECK(napi_create_string_utf8(env, openblas_get_corename(), NAPI_AUTO_LENGTH, &core));
  CHECK(napi_create_string_utf8(env, openblas_get_config(), NAPI_AUTO_LENGTH, &config));
  CHECK(napi_create_int32(env, openblas_get_num_threads(), &threads));
  CHECK(napi_set_named_property(env, obj, "core", core));
  CHECK(napi_set_named_property(env, obj, "config", config));
  CHECK(napi_set_named_property(env, obj, "threads", threads));
  return obj;
}

static napi_value SetThreads(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  int32_t t;
  CHECK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  CHECK(napi_get_value_int32(env, argv[0], &t));
  if (t < 1) t = 1;
  openblas_set_num_threads(t);
  return NULL;
}

napi_value AttentionForward(napi_env env, napi_callback_info info);
napi_value AttentionBackward(napi_env env, napi_callback_info info);
napi_value ReadoutAttentionForward(napi_env env, napi_callback_info info);   // attention.c
napi_value ReadoutAttentionBackward(napi_env env, napi_callback_info info);  // attention.c
napi_value LayerNormForward(napi_env env, napi_callback_info info);   // layernorm.c
napi_value LayerNormBackward(napi_env env, napi_callback_info info);  // layernorm.c
napi_value EmbeddingForward(napi_env env, napi_callback_info info);   // elementwise.c
napi_value EmbeddingBackward(napi_env env, napi_callback_info info);  // elementwise.c
napi_value ReluForward(napi_env env, napi_callback_info info);        // elementwise.c
napi_value ReluBackward(napi_env env, napi_callback_info info);       // elementwise.c
napi_value AdamStep(napi_env env, napi_callback_info info);           // elementwise.c
napi_value GroupPenalty(napi_env env, napi_callback_info info);       // elementwise.c
napi_value Eigh(napi_env env, napi_callback_info info);  // lapack.c
napi_value Svd(napi_env env, napi_callback_info info);   // lapack.c
napi_value Fwht(napi_env env, napi_callback_info info);  // fwht.c
napi_value ChiFeatures(napi_env env, napi_callback_info info);  // fwht.c
napi_value Fft(napi_env env, napi_callback_info info);   // fft.c

static napi_value Init(napi_env env, napi_value exports) {
  napi_property_descriptor props[] = {
      {"gemm", NULL, Gemm, NULL, NULL, NULL, napi_default, NULL},
      {"syrk", NULL, Syrk, NULL, NULL, NULL, napi_default, NULL},
      {"info", NULL, Info, NULL, NULL, NULL, napi_default, NULL},
      {"setThreads", NULL, SetThreads, NULL, NULL, NULL, napi_default, NULL},
      {"attentionForward", NULL, AttentionForward, NULL, NULL, NULL, napi_default, NULL},
      {"attentionBackward", NULL, AttentionBackward, NULL, NULL, NULL, napi_default, NULL},
      {"readoutAttentionForward", NULL, ReadoutAttentionForward, NULL, NULL, NULL, napi_default, NULL},
      {"readoutAttentionBackward", NULL, ReadoutAttentionBackward, NULL, NULL, NULL, napi_default, NULL},
      {"layerNormForward", NULL, LayerNormForward, NULL, NULL, NULL, napi_default, NULL},
      {"layerNormBackward", NULL, LayerNormBackward, NULL, NULL, NULL, napi_default, NULL},
      {"embeddingForward", NULL, EmbeddingForward, NULL, NULL, NULL, napi_default, NULL},
      {"embeddingBackward", NULL, EmbeddingBackward, NULL, NULL, NULL, napi_default, NULL},
      {"reluForward", NULL, ReluForward, NULL, NULL, NULL, napi_default, NULL},
      {"reluBackward", NULL, ReluBackward, NULL, NULL, NULL, napi_default, NULL},
      {"adamStep", NULL, AdamStep, NULL, NULL, NULL, napi_default, NULL},
      {"groupPenalty", NULL, GroupPenalty, NULL, NULL, NULL, napi_default, NULL},
      {"eigh", NULL, Eigh, NULL, NULL, NULL, napi_default, NULL},
      {"svd", NULL, Svd, NULL, NULL, NULL, napi_default, NULL},
      {"fwht", NULL, Fwht, NULL, NULL, NULL, napi_default, NULL},
      {"chiFeatures", NULL, ChiFeatures, NULL, NULL, NULL, napi_default, NULL},
      {"fft", NULL, Fft, NULL, NULL, NULL, napi_default, NULL},
  };
  CHECK(napi_define_properties(env, exports, sizeof props / sizeof props[0], props));
  return exports;
}

NAPI_MODULE(NODE_GYP_MODULE_NAME, Init)
