// Gated-ReLU gates of Theorem 3: D[i, j] = 1{ U1_j^T X_i U2_j >= 0 }.
// Computed as Q = X (Nn x d) U2^T (d x h), then s[i, j] = sum_k U1[j, k] Q[i n + k, j].
import { blas, type FloatArray } from '../../core/blas';

export function gatePreactivations(
  X: FloatArray, N: number, n: number, d: number, U1: Float64Array, U2: Float64Array, h: number,
): Float64Array {
  const Xd = X instanceof Float64Array ? X : Float64Array.from(X);
  const Q = new Float64Array(N * n * h);
  blas.gemm(false, true, N * n, h, d, 1, Xd, d, U2, d, 0, Q, h);
  const s = new Float64Array(N * h);
  for (let i = 0; i < N; i++) {
    for (let k = 0; k < n; k++) {
      const q = (i * n + k) * h;
      for (let j = 0; j < h; j++) s[i * h + j] += U1[j * n + k] * Q[q + j];
    }
  }
  return s;
}

/** The 0/1 gate matrix (N, h). */
export function computeGates(
  X: FloatArray, N: number, n: number, d: number, U1: Float64Array, U2: Float64Array, h: number,
): Uint8Array {
  const s = gatePreactivations(X, N, n, d, U1, U2, h);
  const D = new Uint8Array(N * h);
  for (let i = 0; i < s.length; i++) D[i] = s[i] >= 0 ? 1 : 0;
  return D;
}
