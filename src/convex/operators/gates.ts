// Gated-ReLU gates of Theorem 3: D[i, j] = 1{ U1_j^T X_i U2_j >= 0 }.
// The preactivation U1_j^T X_i U2_j is the head scalar of attention/head-scores.ts with
// W1 = U1, W2 = U2.
import type { FloatArray } from '../../core/blas';
import { headScores } from '../../attention/head-scores';
import { BlockReader, forBlocks, rowsPerBlock } from './row-blocks';

export function gatePreactivations(
  X: FloatArray, N: number, n: number, d: number, U1: Float64Array, U2: Float64Array, h: number,
): Float64Array {
  // float32 storage widened in blocks of samples, never as a whole copy
  const p = n * d, block = Math.min(N, rowsPerBlock(p, 8));
  const reader = new BlockReader(X, p, block, 'float64');
  const s = new Float64Array(N * h), Q = new Float64Array(block * n * h);
  forBlocks(N, block, (i0, m) => headScores(s.subarray(i0 * h, (i0 + m) * h), reader.rows(i0, m) as Float64Array, m, n, d, U1, U2, h, Q));
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
