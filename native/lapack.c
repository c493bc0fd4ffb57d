// Symmetric eigendecomposition and thin SVD through LAPACK (dsyevd_, dgesdd_), row-major in and
// out, for src/core/linalg.ts (which validates shapes and copies nothing the caller owns: the
// input is copied here before LAPACK overwrites its argument).
//
// Assumption: libopenblas exports the reference LAPACK symbols with 32-bit integers (Debian's
// libopenblas0-pthread does: `nm -D libopenblas.so.0 | grep dsyevd_`). There is no lapack.h in
// Debian's OpenBLAS include directory, so the Fortran prototypes are declared below, with the
// hidden string-length arguments gfortran appends for CHARACTER arguments. If a libopenblas
// without LAPACK were linked, the addon would fail to load (undefined symbol) and convexformer
// would fall back to TypeScript for everything, and `convexformer info` says why.
#include <node_api.h>
#include <stdlib.h>
#include <string.h>
#include <stdio.h>
#include <stdbool.h>
#include <stdint.h>

extern void dsyevd_(const char *jobz, const char *uplo, const int *n, double *a, const int *lda,
                    double *w, double *work, const int *lwork, int *iwork, const int *liwork,
                    int *info, size_t jobz_len, size_t uplo_len);
extern void dgesvd_(const char *jobu, const char *jobvt, const int *m, const int *n, double *a, const int *lda,
                    double *s, double *u, const int *ldu, double *vt, const int *ldvt, double *work,
                    const int *lwork, int *info, size_t jobu_len, size_t jobvt_len);
extern void dgesdd_(const char *jobz, const int *m, const int *n, double *a, const int *lda,
                    double *s, double *u, const int *ldu, double *vt, const int *ldvt,
                    double *work, const int *lwork, int *iwork, int *info, size_t jobz_len);

// The Float64Array at v, or NULL (with a TypeError thrown) if v is not one or is shorter than len.
static double *f64(napi_env env, napi_value v, size_t len, const char *what) {
  bool is_ta = false;
  napi_typedarray_type type;
  size_t length;
  void *data;
  napi_value buf;
  size_t off;
  if (napi_is_typedarray(env, v, &is_ta) != napi_ok || !is_ta ||
      napi_get_typedarray_info(env, v, &type, &length, &data, &buf, &off) != napi_ok ||
      type != napi_float64_array || length < len) {
    char msg[128];
    snprintf(msg, sizeof msg, "%s must be a Float64Array of length >= %zu", what, len);
    napi_throw_type_error(env, NULL, msg);
    return NULL;
  }
  return (double *)data;
}

static int get_ints(napi_env env, napi_callback_info info, size_t want, napi_value *argv,
                    int64_t *dims, size_t ndims) {
  size_t argc = want;
  if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) != napi_ok || argc != want) {
    napi_throw_error(env, NULL, "lapack: wrong number of arguments");
    return 0;
  }
  for (size_t i = 0; i < ndims; i++)
    if (napi_get_value_int64(env, argv[i], &dims[i]) != napi_ok || dims[i] < 1 ||
        dims[i] > 46340) {  // 46340^2 < 2^31: LAPACK's 32-bit integers must hold n*n
      napi_throw_range_error(env, NULL, "lapack: dimensions must be integers in 1..46340");
      return 0;
    }
  return 1;
}

static void throw_info(napi_env env, const char *routine, int info) {
  char msg[160];
  if (info > 0)
    snprintf(msg, sizeof msg, "%s did not converge (info = %d)", routine, info);
  else
    snprintf(msg, sizeof msg, "%s rejected argument %d (info = %d)", routine, -info, info);
  napi_throw_error(env, NULL, msg);
}

// eigh(n, A, values, vectors): values ascending (n), vectors row-major n x n with column j the
// eigenvector of values[j]. A symmetric matrix reads the same in both storage orders, so A goes
// in as is; LAPACK returns eigenvectors as columns of a column-major matrix, i.e. as rows of
// a row-major one, so the result is transposed once at the end.
napi_value Eigh(napi_env env, napi_callback_info info) {
  napi_value argv[4];
  int64_t dims[1];
  if (!get_ints(env, info, 4, argv, dims, 1)) return NULL;
  int n = (int)dims[0];
  size_t nn = (size_t)n * n;
  const double *A = f64(env, argv[1], nn, "eigh: A");
  double *w = A ? f64(env, argv[2], n, "eigh: values") : NULL;
  double *Z = w ? f64(env, argv[3], nn, "eigh: vectors") : NULL;
  if (!Z) return NULL;
  memmove(Z, A, nn * sizeof(double));
  int lwork = -1, liwork = -1, iwq = 0, inf = 0;
  double wq = 0;
  dsyevd_("V", "U", &n, Z, &n, w, &wq, &lwork, &iwq, &liwork, &inf, 1, 1);  // workspace query
  if (inf != 0) { throw_info(env, "dsyevd", inf); return NULL; }
  lwork = (int)wq;
  liwork = iwq;
  double *work = malloc(sizeof(double) * (size_t)lwork);
  int *iwork = malloc(sizeof(int) * (size_t)liwork);
  if (!work || !iwork) {
    free(work); free(iwork);
    napi_throw_error(env, NULL, "eigh: out of memory for the LAPACK workspace");
    return NULL;
  }
  dsyevd_("V", "U", &n, Z, &n, w, work, &lwork, iwork, &liwork, &inf, 1, 1);
  free(work);
  free(iwork);
  if (inf != 0) { throw_info(env, "dsyevd", inf); return NULL; }
  for (int i = 0; i < n; i++)
    for (int j = i + 1; j < n; j++) {
      double t = Z[(size_t)i * n + j];
      Z[(size_t)i * n + j] = Z[(size_t)j * n + i];
      Z[(size_t)j * n + i] = t;
    }
  return NULL;
}

// svd(m, n, A, U, s, Vt): thin SVD of the row-major m x n matrix A, k = min(m, n); U row-major
// m x k, s descending (k), Vt row-major k x n. LAPACK is handed the tall orientation, which
// dgesdd factors ~3x faster than the wide one here (1000 x 100 vs 100 x 1000, OpenBLAS 0.3.21):
//  - m < n: row-major A is column-major A^T (n x m, tall); LAPACK factors A^T = U' S V'^T, so
//    A = V' S U'^T, and the column-major buffers of U' (n x k) and V'^T (k x m) are exactly the
//    row-major Vt (k x n) and U (m x k): no transposes.
//  - m >= n: A is copied transposed (column-major m x n), and LAPACK's column-major U and VT
//    are transposed into the row-major outputs: O(m n) extra, small against the O(m n^2) SVD.
/** LAPACK's column-major copy of the row-major m x n A: A itself transposed (tall), or A's bytes (wide, read as A^T). */
static void copy_in(double *a, const double *A, int m, int n, int tall) {
  if (tall)
    for (int i = 0; i < m; i++)
      for (int j = 0; j < n; j++) a[i + (size_t)j * m] = A[(size_t)i * n + j];
  else
    memcpy(a, A, sizeof(double) * (size_t)m * n);
}

napi_value Svd(napi_env env, napi_callback_info info) {
  napi_value argv[6];
  int64_t dims[2];
  if (!get_ints(env, info, 6, argv, dims, 2)) return NULL;
  int m = (int)dims[0], n = (int)dims[1], k = m < n ? m : n;
  const double *A = f64(env, argv[2], (size_t)m * n, "svd: A");
  double *U = A ? f64(env, argv[3], (size_t)m * k, "svd: U") : NULL;
  double *s = U ? f64(env, argv[4], k, "svd: s") : NULL;
  double *Vt = s ? f64(env, argv[5], (size_t)k * n, "svd: Vt") : NULL;
  if (!Vt) return NULL;
  int tall = m >= n;
  int M = tall ? m : n, N = tall ? n : m;  // the tall M x N matrix LAPACK sees (M >= N = k)
  double *a = malloc(sizeof(double) * (size_t)m * n);  // dgesdd destroys its input
  int *iwork = malloc(sizeof(int) * 8 * (size_t)k);
  double *u = tall ? malloc(sizeof(double) * (size_t)m * k) : Vt;
  double *vt = tall ? malloc(sizeof(double) * (size_t)k * n) : U;
  double *work = NULL;
  int lwork = -1, inf = 0;
  double wq = 0;
  if (!a || !iwork || !u || !vt) goto oom;
  copy_in(a, A, m, n, tall);
  dgesdd_("S", &M, &N, a, &M, s, u, &M, vt, &k, &wq, &lwork, iwork, &inf, 1);  // workspace query
  if (inf == 0) {
    lwork = (int)wq;
    if (!(work = malloc(sizeof(double) * (size_t)lwork))) goto oom;
    dgesdd_("S", &M, &N, a, &M, s, u, &M, vt, &k, work, &lwork, iwork, &inf, 1);
  }
  // dgesdd's divide and conquer can fail to converge (info > 0) on matrices of clustered or
  // repeated singular values, such as a singular-value-thresholded Z; the QR iteration of
  // dgesvd, slower, factors them (a 256 x 160 case from a linear-mhsa solve: test/core/linalg.test.ts)
  if (inf > 0) {
    free(work);
    work = NULL;
    copy_in(a, A, m, n, tall);
    lwork = -1;
    dgesvd_("S", "S", &M, &N, a, &M, s, u, &M, vt, &k, &wq, &lwork, &inf, 1, 1);
    if (inf == 0) {
      lwork = (int)wq;
      if (!(work = malloc(sizeof(double) * (size_t)lwork))) goto oom;
      dgesvd_("S", "S", &M, &N, a, &M, s, u, &M, vt, &k, work, &lwork, &inf, 1, 1);
    }
  }
  if (inf == 0 && tall) {
    for (int i = 0; i < m; i++)
      for (int j = 0; j < k; j++) U[(size_t)i * k + j] = u[i + (size_t)j * m];
    for (int j = 0; j < k; j++)
      for (int c = 0; c < n; c++) Vt[(size_t)j * n + c] = vt[j + (size_t)c * k];
  }
  free(work); free(a); free(iwork);
  if (tall) { free(u); free(vt); }
  if (inf != 0) throw_info(env, "dgesdd and dgesvd", inf);
  return NULL;
oom:
  free(work); free(a); free(iwork);
  if (tall) { free(u); free(vt); }
  napi_throw_error(env, NULL, "svd: out of memory for the LAPACK workspace");
  return NULL;
}
