// Proposition 1 and its multi-output and gated versions: every nonzero token row of Z becomes
// one head of the non-convex simplex-attention model,
//   W1 = e_k (a vertex of the simplex), W2 = z / sqrt(||z||), W3 = e_l sqrt(||z||),
// and, for the gated model, gate = j. Then ||W2||^2 = ||W3||_1^2 = ||z||, so the weight decay
// beta/2 (||W2||^2 + ||W3||_1^2) of eq. (9) equals the group penalty beta ||z|| of eq. (10).
import { groupNorm } from '../../losses/group-norms';

export interface Head {
  /** gate index j (gated model) or 0 */
  gate: number;
  /** output index l */
  output: number;
  /** token index k */
  token: number;
  norm: number;
}

export interface RecoveredWeights {
  H: number;
  n: number;
  d: number;
  c: number;
  W1: Float64Array; // (H, n)
  W2: Float64Array; // (H, d)
  W3: Float64Array; // (H, c)
  gate: Int32Array; // (H,)
  heads: Head[];
}

/** Z is (h, c, n, d): h gates (1 without gates), c outputs, n tokens, d features. */
export function recoverHeads(Z: Float64Array, [h, c, n, d]: readonly [number, number, number, number]): RecoveredWeights {
  const heads: Head[] = [];
  for (let j = 0; j < h; j++) {
    for (let l = 0; l < c; l++) {
      for (let k = 0; k < n; k++) {
        const off = ((j * c + l) * n + k) * d;
        const norm = groupNorm(Z, off, d);
        if (norm > 0) heads.push({ gate: j, output: l, token: k, norm });
      }
    }
  }
  const H = heads.length;
  const W1 = new Float64Array(H * n);
  const W2 = new Float64Array(H * d);
  const W3 = new Float64Array(H * c);
  const gate = new Int32Array(H);
  heads.forEach((hd, t) => {
    const off = ((hd.gate * c + hd.output) * n + hd.token) * d;
    const r = Math.sqrt(hd.norm);
    W1[t * n + hd.token] = 1;
    for (let m = 0; m < d; m++) W2[t * d + m] = Z[off + m] / r;
    W3[t * c + hd.output] = r;
    gate[t] = hd.gate;
  });
  return { H, n, d, c, W1, W2, W3, gate, heads };
}

/**
 * The convex point that non-convex simplex-attention weights stand for: Z[g, l, k, :] =
 * sum over heads j with gate g of W3[j, l] W1[j, k] W2[j, :], so that A Z is their prediction.
 * With W1 rows on the simplex, sum ||Z[g, l, k, :]|| <= sum_j ||w3j||_1 ||w2j|| <=
 * sum_j (||w2j||^2 + ||w3j||_1^2) / 2: the convex objective at Z is at most their non-convex one,
 * so any lower bound on the convex optimum bounds the non-convex objective too.
 */
export function headsToZ(w: RecoveredWeights, h: number): Float64Array {
  const { H, n, d, c } = w;
  const Z = new Float64Array(h * c * n * d);
  for (let j = 0; j < H; j++) {
    for (let l = 0; l < c; l++) {
      const w3 = w.W3[j * c + l];
      if (w3 === 0) continue;
      for (let k = 0; k < n; k++) {
        const a = w3 * w.W1[j * n + k];
        if (a === 0) continue;
        const off = ((w.gate[j] * c + l) * n + k) * d;
        for (let m = 0; m < d; m++) Z[off + m] += a * w.W2[j * d + m];
      }
    }
  }
  return Z;
}
