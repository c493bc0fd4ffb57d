// Heads of the FNO programs from their convex Z (s x dc), and back (docs/sahiner-fno.md): per band b,
// the SVD of Pi_b Z (Z itself for FNO's one band) gives heads sum sigma u v^T with the filter
// w = sqrt(sigma) u (its spectrum in band b, as u is in Pi_b's range) and W2 = sqrt(sigma) v read
// as d x c, so Z = sum_j w_j vec(W2j)^T, the FNO layer at these heads predicts what the program
// predicts at Z, and the weight decay is beta sum_b ||Pi_b Z||_*. At most sum_b min(rank Pi_b, dc) heads.
import type { Datafit } from '../types';
import type { HeadSummary } from '../programs/program';
import { rankOneTerms } from './svd-heads';
import { partRankFloor } from '../penalties/nuclear';
import { fnoModel } from '../../nn/models/fno-model';
import { blas } from '../../core/blas';

export interface FnoWeights {
  H: number;
  s: number;
  d: number;
  c: number;
  /** (H, s): each head's filter along the tokens */
  w: Float64Array;
  /** (H, d, c): channel mixing */
  W2: Float64Array;
  /** (H,): each head's band (0 for FNO) */
  band: Int32Array;
  sigma: Float64Array;
  heads: HeadSummary[];
}

/** projections: Pi_b per band, or null for FNO (one band, Pi = I). */
export function recoverFnoHeads(Z: Float64Array, s: number, d: number, c: number, projections: readonly Float64Array[] | null): FnoWeights {
  const dc = d * c, w: number[] = [], W2: number[] = [], band: number[] = [], sigma: number[] = [];
  const parts = projections ?? [null];
  // Pi_b Z carries Z's rounding (~eps ||Z||) outside the band: rank counted against Z's scale, not the band's
  const floor = partRankFloor(Z, s, dc);
  parts.forEach((P, b) => {
    let part = Z;
    if (P) {
      part = new Float64Array(s * dc);
      blas.gemm(false, false, s, dc, s, 1, P, s, Z, dc, 0, part, dc);
    }
    const t = rankOneTerms(part, s, dc, floor);
    w.push(...t.left);
    W2.push(...t.right);
    for (let j = 0; j < t.H; j++) { band.push(b); sigma.push(t.sigma[j]); }
  });
  return {
    H: band.length, s, d, c, w: Float64Array.from(w), W2: Float64Array.from(W2), band: Int32Array.from(band), sigma: Float64Array.from(sigma),
    heads: sigma.map((norm, j) => (projections ? { norm, band: band[j] } : { norm })),
  };
}

/** The convex point heads stand for: sum_j w_j vec(W2j)^T. */
export function fnoHeadsToZ(h: FnoWeights): Float64Array {
  const { H, s, d, c } = h, dc = d * c, Z = new Float64Array(s * dc);
  for (let j = 0; j < H; j++) for (let r = 0; r < s; r++) {
    const u = h.w[j * s + r];
    if (u !== 0) for (let e = 0; e < dc; e++) Z[r * dc + e] += u * h.W2[j * dc + e];
  }
  return Z;
}

/** The FNO layer's objective at the heads: loss + beta/2 sum_j (||w_j||^2 + ||W2j||^2). */
export function fnoNonconvexObjective(
  X: Float64Array, N: number, h: FnoWeights, projections: readonly Float64Array[], datafit: Datafit, beta: number,
): { objective: number; pred: Float64Array } {
  if (h.H === 0) {
    const pred = new Float64Array(N * h.s * h.c);
    return { objective: datafit.value(pred), pred };
  }
  const model = fnoModel({ s: h.s, d: h.d, c: h.c }, { projections, bandOf: h.band }, beta, 0);
  model.params[0].data.set(h.w);
  model.params[1].data.set(h.W2);
  const pred = Float64Array.from(model.forward(X, N));
  return { objective: datafit.value(pred) + model.weightDecay(null), pred };
}

/** The circulant token mixing C(w_j)[a, b] = w_j[(a - b) mod s] of every head: (H, s, s). */
export function circulants(h: FnoWeights): Float64Array {
  const { H, s } = h, C = new Float64Array(H * s * s);
  for (let j = 0; j < H; j++) for (let a = 0; a < s; a++) for (let b = 0; b < s; b++) C[(j * s + a) * s + b] = h.w[j * s + ((a - b + s) % s)];
  return C;
}
