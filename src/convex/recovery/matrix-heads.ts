// Heads of matrix-target simplex attention (Ergen et al. eq. 34) from the convex w of Theorem A.1,
// and back. Block (part, j, l) of w is a_b P_b with P_b in Delta; alone it is one head: W1 = P_b,
// W2 = sqrt(a_b) e_j e_l^T, w3 = +-sqrt(a_b) (+ for the positive part Z1, - for Z2). Then
// w3 W1 X_i W2 puts +-a_b P_b x_ij into output l, as the convex model does, and the head's weight
// decay beta/2 (||W2||_1^2 + w3^2) is beta a_b, so the non-convex objective at the heads equals
// the convex one. Blocks with the same P share a head. Derivation: docs/ergen-matrix-targets.md.
import type { Datafit } from '../types';
import type { HeadSummary } from '../programs/program';
import type { SimplexGauge } from '../penalties/simplex-gauge';
import { matrixAttentionPredict, matrixDecay, type MatrixHeads, type MatrixShape } from '../../nn/models/matrix-attention-model';

export interface MatrixWeights extends MatrixHeads, MatrixShape {
  /** result.json's head list: each head's a (its |w3| ||W2||_1) and the output it writes */
  heads: HeadSummary[];
}

/** Blocks whose attention matrices agree to this (entries in [0, 1]) share one head. */
const SAME_ATTENTION = 1e-9;

/**
 * One head per distinct attention matrix among the nonzero blocks of w: blocks b with the same P
 * (often a vertex of Delta: every token reading one token) are one head with W1 = P and
 * w3 W2[j, l] = +-a_b at each of their (j, l), balanced as w3 = sqrt(L), W2 = coef / sqrt(L) with
 * L = sum |coef|, which costs beta L, the blocks' penalty. So at most 2 d c heads, fewer when
 * attention matrices repeat.
 */
export function recoverMatrixHeads(w: Float64Array, shape: MatrixShape, penalty: SimplexGauge): MatrixWeights {
  const { n, d, c } = shape, nn = n * n, half = d * c;
  const groups: { P: Float64Array; coef: Float64Array }[] = [];
  const byKey = new Map<string, number[]>();
  for (let b = 0; b < 2 * half; b++) {
    const a = penalty.blockScale(w, b);
    if (Number.isNaN(a)) throw new Error(`matrix-attention: block ${b} of Z is not a scaled row-stochastic matrix`);
    if (a === 0) continue;
    const P = w.slice(b * nn, (b + 1) * nn).map((x) => x / a);
    // candidates by the rows' argmax pattern, then compared entry by entry
    const key = Array.from({ length: n }, (_, r) => P.subarray(r * n, (r + 1) * n).reduce((best, x, k, row) => (x > row[best] ? k : best), 0)).join(',');
    const same = (byKey.get(key) ?? []).find((g) => groups[g].P.every((x, e) => Math.abs(x - P[e]) <= SAME_ATTENTION));
    const g = same ?? groups.push({ P, coef: new Float64Array(half) }) - 1;
    if (same === undefined) byKey.set(key, [...(byKey.get(key) ?? []), g]);
    groups[g].coef[b % half] += b < half ? a : -a;
  }
  const H = groups.length;
  const W1 = new Float64Array(H * nn), W2 = new Float64Array(H * half), w3 = new Float64Array(H);
  const heads: HeadSummary[] = groups.map(({ P, coef }, h) => {
    let L = 0, output = -1;
    coef.forEach((x, jl) => {
      if (x === 0) return;
      L += Math.abs(x);
      output = output === -1 || output === jl % c ? jl % c : -2;
    });
    W1.set(P, h * nn);
    const r = Math.sqrt(L);
    for (let jl = 0; jl < half; jl++) W2[h * half + jl] = coef[jl] / r;
    w3[h] = r;
    return output >= 0 ? { norm: L, output } : { norm: L };
  });
  return { H, n, d, c, W1, W2, w3, heads };
}

/**
 * The convex point heads stand for (any heads, W1 rows in the simplex): head h adds
 * coefficient w3h W2h[j, l] times W1h to block (j, l), into Z1 when positive and Z2 when negative.
 * Its penalty, sum_h |w3h| ||W2h||_1, is at most the heads' weight decay (AM-GM).
 */
export function matrixHeadsToZ(h: MatrixWeights): Float64Array {
  const { n, d, c, H } = h, nn = n * n, half = d * c;
  const w = new Float64Array(2 * half * nn);
  for (let j = 0; j < H; j++) {
    for (let jl = 0; jl < half; jl++) {
      const coef = h.w3[j] * h.W2[j * half + jl];
      if (coef === 0) continue;
      const off = (coef > 0 ? jl : half + jl) * nn;
      for (let e = 0; e < nn; e++) w[off + e] += Math.abs(coef) * h.W1[j * nn + e];
    }
  }
  return w;
}

/** Eq. (34)'s objective through the heads: loss of their predictions + beta/2 sum_h (||W2h||_1^2 + w3h^2). */
export function matrixNonconvexObjective(
  X: Float64Array, N: number, h: MatrixWeights, datafit: Datafit, beta: number,
): { objective: number; pred: Float64Array } {
  const pred = matrixAttentionPredict(h, h, X, N);
  return { objective: datafit.value(pred) + (beta / 2) * matrixDecay(h, h.d, h.c), pred };
}
