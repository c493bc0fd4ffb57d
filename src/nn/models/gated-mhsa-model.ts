// Gated-ReLU multi-head self-attention (Sahiner et al.; docs/sahiner-gated.md): linear attention
// (eq. 5, linear-mhsa-model.ts) whose s x s score matrix X_i W1j X_i^T is masked, head by head, by a
// fixed 0/1 pattern: the score gate D[i, g] = 1{X_i U_g X_i^T >= 0} of head j's gate g = gateOf[j]
// (src/attention/gate-patterns.ts, scoreGates: query token a, key token b),
//   f(X_i) = sum_j (D[i, gateOf[j]] ⊙ (X_i W1j X_i^T)) X_i W2j   (s x c, or its mean over the tokens: 1 x c),
// with weight decay beta/2 sum_j (||W1j||_F^2 + ||W2j||_F^2). The gates fixed, the model is linear in
// each head's W1j (x) W2j, and its global optimum is certified by the convex program over per-gate
// blocks Z_g (each d^2 x dc, in linear-mhsa's layout) with penalty sum_g ||Z_g||_*; this is the
// model Adam trains beside it. Per sample and head, directly: A = X W1j (s x d), S = A X^T (s x s),
// M = D ⊙ S, V = X W2j (s x c), f += M V; backward the same steps in reverse (the tokens X and the
// gates are data: no gradient flows into them). The gates are computed in forward, for its batch.
import type { Model } from './model';
import type { KnownGates } from '../../attention/gate-patterns';
import type { MhsaOutput, MhsaShape } from './linear-mhsa-model';
import { frobeniusDecay } from './model';
import { putSampleOutput, sampleOutputGradient } from './token-outputs';
import { blas } from '../../core/blas';
import { Rng } from '../../core/rng';
import { scoreGates } from '../../attention/gate-patterns';

export function gatedMhsaModel(
  shape: MhsaShape, gates: { U: Float64Array; P: number; gateOf: Int32Array; known?: KnownGates }, output: MhsaOutput, beta: number, seed: number,
): Model {
  const { s, d, c } = shape, { U, P, gateOf } = gates, m = gateOf.length;
  if (!Number.isInteger(P) || P < 1) throw new Error(`gatedMhsaModel: P = ${P} gates, expected a positive integer`);
  if (U.length !== P * d * d) throw new Error(`gatedMhsaModel: U has ${U.length} entries, expected ${P}x${d}x${d}`);
  if (m < 1) throw new Error('gatedMhsaModel: no heads (gateOf is empty)');
  gateOf.forEach((g, j) => { if (g < 0 || g >= P) throw new Error(`gatedMhsaModel: head ${j} has gate ${g}, expected one in [0, ${P})`); });
  const rng = new Rng(seed);
  // W1 (m, d, d) and W2 (m, d, c), at linearMhsaModel's scales
  const W1 = rng.normals(m * d * d, 1 / d), W2 = rng.normals(m * d * c, 1 / Math.sqrt(d * m));
  const A = new Float64Array(s * d), M = new Float64Array(s * s), V = new Float64Array(s * c), F = new Float64Array(s * c);
  const dF = new Float64Array(s * c), dM = new Float64Array(s * s), dV = new Float64Array(s * c), dA = new Float64Array(s * d);
  const dW1 = new Float64Array(m * d * d), dW2 = new Float64Array(m * d * c);
  let last: { X: Float64Array; B: number; D: Uint8Array } = { X: new Float64Array(0), B: 0, D: new Uint8Array(0) };
  let out = new Float64Array(0);
  const rowsOut = output === 'tokens' ? s : 1;

  /** Head j on sample i: M = D[i, gateOf[j]] ⊙ (X W1j X^T) and V = X W2j. */
  const headForward = (Xi: Float64Array, D: Uint8Array, i: number, j: number) => {
    const o = (i * P + gateOf[j]) * s * s;
    blas.gemm(false, false, s, d, d, 1, Xi, d, W1.subarray(j * d * d, (j + 1) * d * d), d, 0, A, d);
    blas.gemm(false, true, s, s, d, 1, A, d, Xi, d, 0, M, s);
    for (let k = 0; k < s * s; k++) if (!D[o + k]) M[k] = 0;
    blas.gemm(false, false, s, c, d, 1, Xi, d, W2.subarray(j * d * c, (j + 1) * d * c), c, 0, V, c);
    return o;
  };

  return {
    name: 'gated-mhsa',
    params: [{ name: 'W1', data: W1, shape: [m, d, d] }, { name: 'W2', data: W2, shape: [m, d, c] }],
    forward(X, B) {
      if (out.length !== B * rowsOut * c) out = new Float64Array(B * rowsOut * c);
      // the training data's gates, when given (fixed data: the Burer-Monteiro solver's thousands of passes)
      const D = gates.known && X === gates.known.X && B === gates.known.N ? gates.known.D : scoreGates(X, B, s, d, U, P);
      for (let i = 0; i < B; i++) {
        const Xi = X.subarray(i * s * d, (i + 1) * s * d);
        for (let j = 0; j < m; j++) {
          headForward(Xi, D, i, j);
          blas.gemm(false, false, s, c, s, 1, M, s, V, c, j === 0 ? 0 : 1, F, c);
        }
        putSampleOutput(F, out, i, s, c, output);
      }
      last = { X, B, D };
      return out;
    },
    backward(dpred, grads) {
      const { X, B, D } = last;
      dW1.fill(0);
      dW2.fill(0);
      for (let i = 0; i < B; i++) {
        const Xi = X.subarray(i * s * d, (i + 1) * s * d);
        sampleOutputGradient(dpred, dF, i, s, c, output);
        for (let j = 0; j < m; j++) {
          const o = headForward(Xi, D, i, j); // recomputed: M and V are per sample and head
          // f += M V: dM = D ⊙ (dF V^T), dV = M^T dF; V = X W2j: dW2j += X^T dV
          blas.gemm(false, true, s, s, c, 1, dF, c, V, c, 0, dM, s);
          for (let k = 0; k < s * s; k++) if (!D[o + k]) dM[k] = 0;
          blas.gemm(true, false, s, c, s, 1, M, s, dF, c, 0, dV, c);
          blas.gemm(true, false, d, c, s, 1, Xi, d, dV, c, 1, dW2.subarray(j * d * c, (j + 1) * d * c), c);
          // S = A X^T: dA = dM X; A = X W1j: dW1j += X^T dA
          blas.gemm(false, false, s, d, s, 1, dM, s, Xi, d, 0, dA, d);
          blas.gemm(true, false, d, d, s, 1, Xi, d, dA, d, 1, dW1.subarray(j * d * d, (j + 1) * d * d), d);
        }
      }
      const [g1, g2] = grads;
      for (let k = 0; k < dW1.length; k++) g1[k] += dW1[k];
      for (let k = 0; k < dW2.length; k++) g2[k] += dW2[k];
    },
    weightDecay: (grads) => frobeniusDecay([W1, W2], grads, beta),
    attentionMap() {
      throw new Error('gated-ReLU self-attention has no distribution over tokens (its scores are not normalised)');
    },
  };
}
