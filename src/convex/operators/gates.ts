// Gated-ReLU gates of Theorem 3: D[i, j] = 1{ U1_j^T X_i U2_j >= 0 }.
// The preactivation U1_j^T X_i U2_j is the head scalar of attention/head-scores.ts with
// W1 = U1, W2 = U2.
import type { FloatArray } from '../../core/blas';
import { headScores } from '../../attention/head-scores';

export function gatePreactivations(
  X: FloatArray, N: number, n: number, d: number, U1: Float64Array, U2: Float64Array, h: number,
): Float64Array {
  const Xd = X instanceof Float64Array ? X : Float64Array.from(X);
  const s = new Float64Array(N * h);
  headScores(s, Xd, N, n, d, U1, U2, h);
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
