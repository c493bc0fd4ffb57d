// The non-convex objective at given simplex-attention weights, computed the non-convex way,
// through the heads (not through Z), so that comparing it with the convex optimum tests the
// recovery:
//   eq. (9):  sum_i L( sum_j (w1j^T X_i w2j) w3j, y_i ) + beta/2 sum_j (||w2j||^2 + ||w3j||_1^2)
//   eq. (29) with gated ReLU: each head's scalar is multiplied by 1{U1_g^T X_i U2_g >= 0},
//   g = gate[j].
// Head scalars s[i, j] = W1_j^T X_i W2_j from attention/head-scores.ts, then pred = s W3.
import type { Datafit, Gating } from '../types';
import type { RecoveredWeights } from './heads';
import { simplexDecay } from '../../nn/simplex-attention';
import { blas, type FloatArray } from '../../core/blas';
import { BlockReader, rowsPerBlock } from '../operators/row-blocks';
import { headScores } from '../../attention/head-scores';
import { computeGates } from '../operators/gates';

export function nonconvexPredict(
  X: FloatArray, N: number, w: RecoveredWeights, gating?: Gating, blockEntries = 4_000_000,
): Float64Array {
  const { H, n, d, c } = w;
  const pred = new Float64Array(N * c);
  if (H === 0) return pred;
  // Samples in blocks, so the head activations Q stay near 32 MB however many heads there are.
  // float32 storage is widened a block at a time: that copy kept to ~8 MB as well
  const widenCap = X instanceof Float32Array ? rowsPerBlock(n * d, 8) : Infinity;
  const block = Math.max(1, Math.min(N, Math.floor(blockEntries / (n * H)), widenCap));
  const Q = new Float64Array(block * n * H);
  const s = new Float64Array(block * H);
  const reader = new BlockReader(X, n * d, block, 'float64'); // float32 storage is summed in float64
  for (let i0 = 0; i0 < N; i0 += block) {
    const b = Math.min(block, N - i0);
    const Xb = reader.rows(i0, b) as Float64Array;
    headScores(s, Xb, b, n, d, w.W1, w.W2, H, Q);
    if (gating) {
      const D = computeGates(Xb, b, n, d, gating.U1, gating.U2, gating.h);
      for (let i = 0; i < b; i++) {
        for (let j = 0; j < H; j++) if (!D[i * gating.h + w.gate[j]]) s[i * H + j] = 0;
      }
    }
    blas.gemm(false, false, b, c, H, 1, s, H, w.W3, c, 0, pred.subarray(i0 * c, (i0 + b) * c), c);
  }
  return pred;
}

export function nonconvexObjective(
  X: FloatArray, N: number, w: RecoveredWeights, datafit: Datafit, beta: number, gating?: Gating,
): { objective: number; pred: Float64Array } {
  const pred = nonconvexPredict(X, N, w, gating);
  return { objective: datafit.value(pred) + (beta / 2) * simplexDecay(w.W2, w.W3, w.H, w.d, w.c), pred };
}
