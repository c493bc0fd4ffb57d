// Pure-TypeScript GEMM, the fallback and the reference the native path is tested against.
// Same contract as cblas_?gemm with CblasRowMajor. The loop order keeps the innermost loop
// running along contiguous memory of B and C (i-p-j), which is what makes it tolerable.
import type { FloatArray } from './blas-types';

function checkShape(name: string, len: number, rows: number, cols: number, ld: number): void {
  if (ld < cols) throw new RangeError(`gemm: leading dimension of ${name} (${ld}) < ${cols}`);
  if (rows > 0 && cols > 0 && len < (rows - 1) * ld + cols) {
    throw new RangeError(`gemm: ${name} is too short for its shape`);
  }
}

export function gemmTs<T extends FloatArray>(
  transA: boolean, transB: boolean, m: number, n: number, k: number, alpha: number,
  A: T, lda: number, B: T, ldb: number, beta: number, C: T, ldc: number,
): void {
  if (transA) checkShape('A', A.length, k, m, lda); else checkShape('A', A.length, m, k, lda);
  if (transB) checkShape('B', B.length, n, k, ldb); else checkShape('B', B.length, k, n, ldb);
  checkShape('C', C.length, m, n, ldc);
  for (let i = 0; i < m; i++) {
    const ci = i * ldc;
    if (beta === 0) for (let j = 0; j < n; j++) C[ci + j] = 0;
    else if (beta !== 1) for (let j = 0; j < n; j++) C[ci + j] *= beta;
  }
  if (alpha === 0 || k === 0) return;
  if (!transB) {
    // C[i,:] += alpha * a_ip * B[p,:]
    for (let i = 0; i < m; i++) {
      const ci = i * ldc;
      for (let p = 0; p < k; p++) {
        const a = alpha * (transA ? A[p * lda + i] : A[i * lda + p]);
        if (a === 0) continue;
        const bp = p * ldb;
        for (let j = 0; j < n; j++) C[ci + j] += a * B[bp + j];
      }
    }
  } else {
    // C[i,j] += alpha * dot(op(A)[i,:], B[j,:]), B[j,:] contiguous
    for (let i = 0; i < m; i++) {
      const ci = i * ldc;
      for (let j = 0; j < n; j++) {
        const bj = j * ldb;
        let s = 0;
        if (transA) for (let p = 0; p < k; p++) s += A[p * lda + i] * B[bj + p];
        else {
          const ai = i * lda;
          for (let p = 0; p < k; p++) s += A[ai + p] * B[bj + p];
        }
        C[ci + j] += alpha * s;
      }
    }
  }
}
