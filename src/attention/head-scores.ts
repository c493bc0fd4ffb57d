// The head scalars of simplex (and gated) attention, eq. (9), (12) and (29):
//   s[i, j] = w1_j^T X_i w2_j = sum_k W1[j, k] <X_i[k, :], W2[j, :]>,
// for X (N, n, d), W1 (H, n) (attention weights over tokens, or gates' U1) and W2 (H, d).
// Computed as one GEMM Q = X (Nn x d) W2^T (d x H), the token scores, then a sum over tokens.
// The non-convex simplex layer, the recovered non-convex objective and the gates of the gated
// program all read their scores from here.
import { blas, type FloatArray } from '../core/blas';

/** Q (N n, H): Q[i n + k, j] = <X_i[k, :], W2[j, :]>. */
export function tokenScores<T extends FloatArray>(Q: T, X: T, rows: number, d: number, W2: T, H: number): void {
  blas.gemm(false, true, rows, H, d, 1, X, d, W2, d, 0, Q, H);
}

/**
 * s (N, H) = the head scalars, summed over tokens k in order. Q is scratch of at least N n H
 * entries (the token scores are left in it for a backward pass).
 */
export function headScores<T extends FloatArray>(
  s: T, X: T, N: number, n: number, d: number, W1: ArrayLike<number>, W2: T, H: number,
  Q: T = new (X.constructor as new (len: number) => T)(N * n * H),
): void {
  tokenScores(Q, X, N * n, d, W2, H);
  // summed in float64 whatever T is, and stored once
  for (let i = 0; i < N; i++) {
    for (let j = 0; j < H; j++) {
      let v = 0;
      for (let k = 0; k < n; k++) v += W1[j * n + k] * Q[(i * n + k) * H + j];
      s[i * H + j] = v;
    }
  }
}
