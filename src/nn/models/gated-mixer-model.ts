// The gated-ReLU MLP-Mixer block (docs/sahiner-gated.md): the linear mixer (./mixer-model.ts) with
// a fixed ReLU pattern per branch. P fixed gates U_g (s x s) give D[i, g] = 1{U_g X_i >= 0}
// (src/attention/gate-patterns.ts); branch j masks its token mixing with gate gateOf[j],
//   f(X_i) = sum_j (D[i, gateOf[j]] o (W1j X_i)) W2j   (s x c per sample, or its mean over the tokens: 1 x c),
// with weight decay beta/2 sum_j (||W1j||_F^2 + ||W2j||_F^2). It is not convex in (W1, W2), but its
// global optimum is certified by the convex program over the per-gate blocks
// Z_g = sum_{j: gateOf[j] = g} vec(W1j) vec(W2j)^T with penalty sum_g ||Z_g||_*; this is the model
// Adam trains beside it. The gates are computed in forward, for the batch given, and kept for backward.
// Per sample: Y = W1 X_i (W1 read as ms x s: all branches at once, ms x d), masked by each branch's
// gate and restacked to Yr (s x md), then f = Yr W2 (W2 read as md x c); backward the same in reverse.
import type { Model } from './model';
import type { KnownGates } from '../../attention/gate-patterns';
import type { MhsaOutput } from './linear-mhsa-model';
import type { MixerShape } from './mixer-model';
import { frobeniusDecay } from './model';
import { putSampleOutput, sampleOutputGradient } from './token-outputs';
import { mixerGates } from '../../attention/gate-patterns';
import { blas } from '../../core/blas';
import { Rng } from '../../core/rng';

export function gatedMixerModel(
  shape: MixerShape, gates: { U: Float64Array; P: number; gateOf: Int32Array; known?: KnownGates }, output: MhsaOutput, beta: number, seed: number,
): Model {
  const { s, d, c } = shape, { P, gateOf } = gates, m = gateOf.length, ms = m * s, md = m * d;
  if (gates.U.length !== P * s * s) throw new Error(`gatedMixerModel: U has ${gates.U.length} entries, expected ${P}x${s}x${s}`);
  gateOf.forEach((g, j) => {
    if (!Number.isInteger(g) || g < 0 || g >= P) throw new Error(`gatedMixerModel: branch ${j} has gate ${g}, not in [0, ${P})`);
  });
  const U = Float64Array.from(gates.U);
  const rng = new Rng(seed);
  const W1 = rng.normals(m * s * s, 1 / Math.sqrt(s * m)), W2 = rng.normals(m * d * c, 1 / Math.sqrt(d));
  const Y = new Float64Array(ms * d), Yr = new Float64Array(s * md), F = new Float64Array(s * c);
  const dF = new Float64Array(s * c), dYr = new Float64Array(s * md), dY = new Float64Array(ms * d);
  const dW1 = new Float64Array(m * s * s), dW2 = new Float64Array(m * d * c);
  const rowsOut = output === 'tokens' ? s : 1;
  let last: { X: Float64Array; B: number; D: Uint8Array } = { X: new Float64Array(0), B: 0, D: new Uint8Array(0) };
  let out = new Float64Array(0);

  /** Y = W1 X_i, Yr[a, j d + t] = D[i, gateOf[j], a, t] Y[j s + a, t], F = Yr W2. */
  const sampleForward = (Xi: Float64Array, D: Uint8Array, i: number) => {
    blas.gemm(false, false, ms, d, s, 1, W1, s, Xi, d, 0, Y, d);
    for (let j = 0; j < m; j++) {
      const o = (i * P + gateOf[j]) * s * d;
      for (let a = 0; a < s; a++) for (let t = 0; t < d; t++) Yr[a * md + j * d + t] = D[o + a * d + t] ? Y[(j * s + a) * d + t] : 0;
    }
    blas.gemm(false, false, s, c, md, 1, Yr, md, W2, c, 0, F, c);
  };

  return {
    name: 'gated-mixer',
    params: [{ name: 'W1', data: W1, shape: [m, s, s] }, { name: 'W2', data: W2, shape: [m, d, c] }],
    forward(X, B) {
      if (out.length !== B * rowsOut * c) out = new Float64Array(B * rowsOut * c);
      // the training data's gates, when given (fixed data: the Burer-Monteiro solver's thousands of passes)
      const D = gates.known && X === gates.known.X && B === gates.known.N ? gates.known.D : mixerGates(X, B, s, d, U, P);
      for (let i = 0; i < B; i++) {
        sampleForward(X.subarray(i * s * d, (i + 1) * s * d), D, i);
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
        sampleForward(Xi, D, i); // recomputed: Y and Yr are per sample
        sampleOutputGradient(dpred, dF, i, s, c, output);
        // F = Yr W2: dW2 += Yr^T dF, dYr = dF W2^T
        blas.gemm(true, false, md, c, s, 1, Yr, md, dF, c, 1, dW2, c);
        blas.gemm(false, true, s, md, c, 1, dF, c, W2, c, 0, dYr, md);
        // the mask, then Y = W1 X_i: dW1 += dY X_i^T
        for (let j = 0; j < m; j++) {
          const o = (i * P + gateOf[j]) * s * d;
          for (let a = 0; a < s; a++) for (let t = 0; t < d; t++) dY[(j * s + a) * d + t] = D[o + a * d + t] ? dYr[a * md + j * d + t] : 0;
        }
        blas.gemm(false, true, ms, s, d, 1, dY, d, Xi, d, 1, dW1, s);
      }
      const [g1, g2] = grads;
      for (let k = 0; k < dW1.length; k++) g1[k] += dW1[k];
      for (let k = 0; k < dW2.length; k++) g2[k] += dW2[k];
    },
    weightDecay: (grads) => frobeniusDecay([W1, W2], grads, beta),
    attentionMap() {
      throw new Error('a gated mixer mixes tokens with unnormalised weights: it has no distribution over tokens');
    },
  };
}
