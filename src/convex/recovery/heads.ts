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
