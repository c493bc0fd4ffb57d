// Branches of the linear MLP-Mixer (src/nn/models/mixer-model.ts) from the convex Z of its
// nuclear-norm program, and back: with Z = sum_j sigma_j u_j v_j^T (its SVD), branch j is
// W1j = sqrt(sigma_j) u_j read as s x s (u_j[a s + b] = W1j[a, b]) and W2j = sqrt(sigma_j) v_j read
// as d x c. Then Z = sum_j vec(W1j) vec(W2j)^T, the mixer at these branches predicts what the
// program predicts at Z, and the weight decay is beta ||Z||_*. At most min(s^2, dc) branches.
import type { Datafit } from '../types';
import type { HeadSummary } from '../programs/program';
import type { MhsaOutput } from '../../nn/models/linear-mhsa-model';
import { mixerModel } from '../../nn/models/mixer-model';
import { rankOneTerms } from './svd-heads';
import { sumSquares } from '../../nn/models/model';

export interface MixerWeights {
  H: number;
  s: number;
  d: number;
  c: number;
  /** (H, s, s): token mixing */
  W1: Float64Array;
  /** (H, d, c): channel mixing */
  W2: Float64Array;
  sigma: Float64Array;
  heads: HeadSummary[];
}

export function recoverMixerHeads(Z: Float64Array, s: number, d: number, c: number): MixerWeights {
  const { H, left, right, sigma } = rankOneTerms(Z, s * s, d * c);
  return { H, s, d, c, W1: left, W2: right, sigma, heads: Array.from(sigma, (norm) => ({ norm })) };
}

/** The convex point branches stand for: sum_j vec(W1j) vec(W2j)^T. */
export function mixerHeadsToZ(h: MixerWeights): Float64Array {
  const { H, s, d, c } = h, ss = s * s, dc = d * c;
  const Z = new Float64Array(ss * dc);
  for (let j = 0; j < H; j++) {
    for (let r = 0; r < ss; r++) {
      const u = h.W1[j * ss + r];
      if (u === 0) continue;
      for (let e = 0; e < dc; e++) Z[r * dc + e] += u * h.W2[j * dc + e];
    }
  }
  return Z;
}

/** The mixer's predictions at the branches (its own forward pass). */
export function mixerPredict(X: Float64Array, N: number, h: MixerWeights, output: MhsaOutput): Float64Array {
  if (h.H === 0) return new Float64Array(N * (output === 'tokens' ? h.s : 1) * h.c);
  const model = mixerModel({ s: h.s, d: h.d, c: h.c }, h.H, output, 0, 0);
  model.params[0].data.set(h.W1);
  model.params[1].data.set(h.W2);
  return Float64Array.from(model.forward(X, N));
}

/** The mixer's objective at the branches: loss + beta/2 sum_j (||W1j||^2 + ||W2j||^2). */
export function mixerNonconvexObjective(
  X: Float64Array, N: number, h: MixerWeights, output: MhsaOutput, datafit: Datafit, beta: number,
): { objective: number; pred: Float64Array } {
  const pred = mixerPredict(X, N, h, output);
  return { objective: datafit.value(pred) + (beta / 2) * sumSquares([h.W1, h.W2]), pred };
}
