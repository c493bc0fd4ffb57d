// Where the tokens of one sample read, for heads whose token weights depend on the input
// (linear-mhsa, gated-mhsa): head j mixes sample i's tokens by its score matrix
//   S_j = X_i W1j X_i^T   (gated: D_g(j)(X_i) o X_i W1j X_i^T, its gate's 0/1 pattern),
// so token a's output is exactly the sum over tokens b of what b contributes to it,
//   out_a = sum_b C[a, b],   C[a, b] = sum_j S_j[a, b] x_b^T W2j   (a row of c outputs)
// (with outputs averaged over the tokens the prediction is the mean of the out_a),
// and the map's row a is ||C[a, b]|| over b, normalised to sum 1: the share of token a's output
// that comes from token b. Tokens whose latent features x_a W1j and x_b score high read each other:
// Sahiner et al.'s reading of attention as a clustering of tokens by their latent similarity
// (docs/token-clustering.md). Contributions, not the scores alone: a head that barely acts on a
// token (tiny scores, or values x_b W2j near 0) must not weigh as much as one that does.
import { blas } from '../../core/blas';

/** How many training samples fit writes a map for (result.json's sampleAttention), from the first. */
export const SAMPLE_MAPS = 3;

/** The heads of linear or gated attention, as the weights hold them: W1 (H, d, d), W2 (H, d, c). */
export interface AttentionHeads { H: number; W1: Float64Array; W2: Float64Array }

/**
 * The heads' score matrices on one sample Xi (s, d): (H, s, s), S_j = Xi W1j Xi^T, masked by
 * mask(j) (s, s: 1 passes) where given.
 */
export function sampleScores(Xi: Float64Array, s: number, d: number, W1: Float64Array, H: number, mask?: (j: number) => Uint8Array): Float64Array {
  const S = new Float64Array(H * s * s), XW = new Float64Array(s * d);
  for (let j = 0; j < H; j++) {
    blas.gemm(false, false, s, d, d, 1, Xi, d, W1.subarray(j * d * d, (j + 1) * d * d), d, 0, XW, d);
    const Sj = S.subarray(j * s * s, (j + 1) * s * s);
    blas.gemm(false, true, s, s, d, 1, XW, d, Xi, d, 0, Sj, s);
    if (mask) {
      const D = mask(j);
      for (let e = 0; e < s * s; e++) if (!D[e]) Sj[e] = 0;
    }
  }
  return S;
}

/** C (s, s, c): C[a, b] = sum_j S_j[a, b] x_b^T W2j, what token b adds to token a's output (sum over b: the per-token prediction). */
export function sampleContributions(Xi: Float64Array, s: number, d: number, c: number, heads: AttentionHeads, mask?: (j: number) => Uint8Array): Float64Array {
  const { H, W1, W2 } = heads;
  const S = sampleScores(Xi, s, d, W1, H, mask), V = new Float64Array(s * c), C = new Float64Array(s * s * c);
  for (let j = 0; j < H; j++) {
    // V = Xi W2j: each token's value row under head j
    blas.gemm(false, false, s, c, d, 1, Xi, d, W2.subarray(j * d * c, (j + 1) * d * c), c, 0, V, c);
    for (let a = 0; a < s; a++) for (let b = 0; b < s; b++) {
      const w = S[(j * s + a) * s + b];
      if (w === 0) continue;
      const o = (a * s + b) * c;
      for (let e = 0; e < c; e++) C[o + e] += w * V[b * c + e];
    }
  }
  return C;
}

/** The (s, s) map of one sample: row a is ||C[a, b]|| over b normalised to sum 1 (a row of zeros where every C[a, b] is 0). */
export function sampleAttentionMap(Xi: Float64Array, s: number, d: number, c: number, heads: AttentionHeads, mask?: (j: number) => Uint8Array): Float64Array {
  const C = sampleContributions(Xi, s, d, c, heads, mask), M = new Float64Array(s * s);
  for (let a = 0; a < s; a++) {
    let total = 0;
    for (let b = 0; b < s; b++) {
      let q = 0;
      for (let e = 0; e < c; e++) q += C[(a * s + b) * c + e] ** 2;
      M[a * s + b] = Math.sqrt(q);
      total += M[a * s + b];
    }
    if (total > 0) for (let b = 0; b < s; b++) M[a * s + b] /= total;
  }
  return M;
}
