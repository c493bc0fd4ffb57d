// Heads of linear multi-head self-attention (Sahiner et al. eq. 5) from the convex Z of eq. 6, and
// the non-convex model evaluated through them. With Z = sum_j sigma_j u_j v_j^T (its SVD), head j
// is W1j = sqrt(sigma_j) u_j read as a d x d matrix and transposed (u_j[k d + t] = W1j[t, k]) and
// W2j = sqrt(sigma_j) v_j read as d x c; then Z = sum_j vec(W1j^T) vec(W2j)^T, eq. 5 at these heads
// predicts what eq. 6 predicts at Z, and the weight decay beta/2 sum_j (||W1j||^2 + ||W2j||^2)
// equals beta sum_j sigma_j = beta ||Z||_*. At most min(d^2, dc) heads (the rank of Z).
import type { Datafit } from '../types';
import type { HeadSummary } from '../programs/program';
import { rankOneTerms } from './svd-heads';
import { linearMhsaModel, type MhsaOutput } from '../../nn/models/linear-mhsa-model';

export interface MhsaWeights {
  H: number;
  d: number;
  c: number;
  /** (H, d, d): W1[j, t, k] */
  W1: Float64Array;
  /** (H, d, c) */
  W2: Float64Array;
  /** the singular value each head comes from (||W1j||_F ||W2j||_F) */
  sigma: Float64Array;
  /** result.json's head list: each head's sigma */
  heads: HeadSummary[];
}

/** The heads of Z (d^2 x dc): one per singular value above rank tolerance. */
export function recoverMhsaHeads(Z: Float64Array, d: number, c: number): MhsaWeights {
  const { H, left, right, sigma } = rankOneTerms(Z, d * d, d * c);
  const W1 = new Float64Array(H * d * d);
  // u_j[k d + t] = W1j[t, k]: the transpose of u_j read as d x d
  for (let j = 0; j < H; j++) for (let kk = 0; kk < d; kk++) for (let t = 0; t < d; t++) W1[(j * d + t) * d + kk] = left[j * d * d + kk * d + t];
  return { H, d, c, W1, W2: right, sigma, heads: Array.from(sigma, (norm) => ({ norm })) };
}

/** The convex point heads stand for: sum_j vec(W1j^T) vec(W2j)^T. */
export function mhsaHeadsToZ(h: MhsaWeights): Float64Array {
  const { H, d, c } = h, n = d * c;
  const Z = new Float64Array(d * d * n);
  for (let j = 0; j < H; j++) {
    for (let kk = 0; kk < d; kk++) for (let t = 0; t < d; t++) {
      const u = h.W1[(j * d + t) * d + kk];
      if (u === 0) continue;
      const row = (kk * d + t) * n;
      for (let e = 0; e < n; e++) Z[row + e] += u * h.W2[j * n + e];
    }
  }
  return Z;
}

/** Eq. 5 through the heads (the non-convex model's own forward pass): pred_i = sum_j X_i W1j G_i W2j, per token or its mean. */
export function mhsaPredict(X: Float64Array, N: number, s: number, h: MhsaWeights, output: MhsaOutput): Float64Array {
  if (h.H === 0) return new Float64Array(N * (output === 'tokens' ? s : 1) * h.c);
  const model = linearMhsaModel({ s, d: h.d, c: h.c }, h.H, output, 0, 0);
  model.params[0].data.set(h.W1);
  model.params[1].data.set(h.W2);
  return Float64Array.from(model.forward(X, N));
}

/** Eq. 5's objective at the heads: the loss of their predictions plus beta/2 sum_j (||W1j||^2 + ||W2j||^2). */
export function mhsaNonconvexObjective(
  X: Float64Array, N: number, s: number, h: MhsaWeights, output: MhsaOutput, datafit: Datafit, beta: number,
): { objective: number; pred: Float64Array } {
  const pred = mhsaPredict(X, N, s, h, output);
  let decay = 0;
  for (const v of h.W1) decay += v * v;
  for (const v of h.W2) decay += v * v;
  return { objective: datafit.value(pred) + (beta / 2) * decay, pred };
}
