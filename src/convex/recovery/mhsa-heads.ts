// Heads of linear multi-head self-attention (Sahiner et al. eq. 5) from the convex Z of eq. 6, and
// the non-convex model evaluated through them. With Z = sum_j sigma_j u_j v_j^T (its SVD), head j
// is W1j = sqrt(sigma_j) u_j read as a d x d matrix and transposed (u_j[k d + t] = W1j[t, k]) and
// W2j = sqrt(sigma_j) v_j read as d x c; then Z = sum_j vec(W1j^T) vec(W2j)^T, eq. 5 at these heads
// predicts what eq. 6 predicts at Z, and the weight decay beta/2 sum_j (||W1j||^2 + ||W2j||^2)
// equals beta sum_j sigma_j = beta ||Z||_*. At most min(d^2, dc) heads (the rank of Z).
import type { Datafit } from '../types';
import type { HeadSummary } from '../programs/program';
import { blas, syrkUpper } from '../../core/blas';
import { svd } from '../../core/linalg';
import { rankTolerance } from '../penalties/nuclear';
import { tokenMeans, type MhsaOutput } from '../operators/linear-mhsa';

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
  const m = d * d, n = d * c;
  const { U, s, Vt } = svd(Z, m, n);
  const k = s.length, tol = rankTolerance(s, m, n);
  let H = 0;
  while (H < k && s[H] > tol) H++;
  const W1 = new Float64Array(H * d * d), W2 = new Float64Array(H * n);
  for (let j = 0; j < H; j++) {
    const r = Math.sqrt(s[j]);
    for (let kk = 0; kk < d; kk++) for (let t = 0; t < d; t++) W1[(j * d + t) * d + kk] = r * U[(kk * d + t) * k + j];
    for (let e = 0; e < n; e++) W2[j * n + e] = r * Vt[j * n + e];
  }
  const sigma = s.slice(0, H);
  return { H, d, c, W1, W2, sigma, heads: Array.from(sigma, (norm) => ({ norm })) };
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

/**
 * Eq. 5 through the heads: pred_i = sum_j X_i W1j G_i W2j (s x c per sample), or its mean over
 * the tokens. Per sample: T = G_i [W2_1 ... W2_H] (d x Hc), then M_i = sum_j W1j T_j as one GEMM
 * [W1_1 ... W1_H] (d x Hd) . [T_1; ...; T_H] (Hd x c), then X_i M_i.
 */
export function mhsaPredict(X: Float64Array, N: number, s: number, h: MhsaWeights, output: MhsaOutput): Float64Array {
  const { H, d, c } = h, Hc = H * c, Hd = H * d;
  const rowsOut = output === 'tokens' ? s : 1;
  const pred = new Float64Array(N * rowsOut * c);
  if (H === 0) return pred;
  const W2cat = new Float64Array(d * Hc), W1cat = new Float64Array(d * Hd);
  for (let j = 0; j < H; j++) {
    for (let l = 0; l < d; l++) for (let m = 0; m < c; m++) W2cat[l * Hc + j * c + m] = h.W2[(j * d + l) * c + m];
    for (let t = 0; t < d; t++) for (let kk = 0; kk < d; kk++) W1cat[t * Hd + j * d + kk] = h.W1[(j * d + t) * d + kk];
  }
  const G = new Float64Array(d * d), T = new Float64Array(d * Hc), Tstack = new Float64Array(Hd * c), M = new Float64Array(d * c);
  const xbar = output === 'mean' ? tokenMeans(X, N, s, d) : null;
  for (let i = 0; i < N; i++) {
    const Xi = X.subarray(i * s * d, (i + 1) * s * d);
    syrkUpper(d, s, 1, Xi, d, 0, G, d);
    for (let a = 0; a < d; a++) for (let b = 0; b < a; b++) G[a * d + b] = G[b * d + a];
    blas.gemm(false, false, d, Hc, d, 1, G, d, W2cat, Hc, 0, T, Hc);
    for (let j = 0; j < H; j++) for (let kk = 0; kk < d; kk++) for (let m = 0; m < c; m++) Tstack[(j * d + kk) * c + m] = T[kk * Hc + j * c + m];
    blas.gemm(false, false, d, c, Hd, 1, W1cat, Hd, Tstack, c, 0, M, c);
    if (xbar) {
      for (let m = 0; m < c; m++) {
        let v = 0;
        for (let t = 0; t < d; t++) v += xbar[i * d + t] * M[t * c + m];
        pred[i * c + m] = v;
      }
    } else {
      blas.gemm(false, false, s, c, d, 1, Xi, d, M, c, 0, pred.subarray(i * s * c, (i + 1) * s * c), c);
    }
  }
  return pred;
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
