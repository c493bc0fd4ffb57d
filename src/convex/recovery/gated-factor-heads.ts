// Heads of the gated-ReLU Sahiner programs from their convex Z (P blocks, one per gate; the penalty
// sum_g ||Z_g||_*), and back. Each block's SVD gives its own heads (svd-heads.ts), all firing on
// that block's gate: Z_g = sum_{j: gate j = g} sigma_j u_j v_j^T, head j's factors
// sqrt(sigma_j) u_j and sqrt(sigma_j) v_j, so its weight decay is sigma_j and the heads' total is
// sum_g ||Z_g||_*. The programs read u_j as their first factor (the mixer: W1j = u_j as s x s;
// attention: W1j^T = u_j as d x d, `transposeLeft`), v_j as W2j. At most P min(rows, cols) heads.
import type { HeadSummary } from '../programs/program';
import { termsOfSvd } from './svd-heads';
import { svd, type Svd } from '../../core/linalg';

export interface GatedFactorHeads {
  H: number;
  /** (H, ...): the first factor of each head, in the program's own layout */
  W1: Float64Array;
  /** (H, ...): the second factor */
  W2: Float64Array;
  /** (H,): the gate each head fires on */
  gate: Int32Array;
  /** ||W1j||_F ||W2j||_F, what the penalty charges head j */
  sigma: Float64Array;
  heads: HeadSummary[];
}

/**
 * The heads of Z (P blocks of rows x cols); `toW1` maps a left singular vector (rows) to W1's
 * layout in place of a copy (and its inverse is `fromW1` in gatedFactorsToZ); singular values at
 * or below `floor` give no head (besides those below rank tolerance).
 */
export function recoverGatedFactors(Z: Float64Array, P: number, rows: number, cols: number, toW1: (u: Float64Array, out: Float64Array) => void = copy, floor = 0): GatedFactorHeads {
  const svds = Array.from({ length: P }, (_, g) => svd(Z.subarray(g * rows * cols, (g + 1) * rows * cols), rows, cols));
  return gatedFactorsOfSvds(svds, rows, cols, toW1, floor);
}

/** The same from each block's SVD already taken (bm's, from the heads' factors: factored-svd.ts). */
export function gatedFactorsOfSvds(svds: readonly Svd[], rows: number, cols: number, toW1: (u: Float64Array, out: Float64Array) => void = copy, floor = 0): GatedFactorHeads {
  const W1: number[] = [], W2: number[] = [], gate: number[] = [], sigma: number[] = [];
  const w1 = new Float64Array(rows);
  for (let g = 0; g < svds.length; g++) {
    const t = termsOfSvd(svds[g], rows, cols, floor);
    for (let j = 0; j < t.H; j++) {
      toW1(t.left.subarray(j * rows, (j + 1) * rows), w1);
      W1.push(...w1);
      W2.push(...t.right.subarray(j * cols, (j + 1) * cols));
      gate.push(g);
      sigma.push(t.sigma[j]);
    }
  }
  return {
    H: gate.length, W1: Float64Array.from(W1), W2: Float64Array.from(W2), gate: Int32Array.from(gate), sigma: Float64Array.from(sigma),
    heads: sigma.map((norm, j) => ({ norm, gate: gate[j] })),
  };
}

/** The convex point heads stand for: Z_g = sum_{j: gate j = g} u_j vec(W2j)^T with u_j = fromW1(W1j). */
export function gatedFactorsToZ(h: Pick<GatedFactorHeads, 'H' | 'W1' | 'W2' | 'gate'>, P: number, rows: number, cols: number, fromW1: (w1: Float64Array, out: Float64Array) => void = copy): Float64Array {
  const Z = new Float64Array(P * rows * cols), u = new Float64Array(rows);
  for (let j = 0; j < h.H; j++) {
    fromW1(h.W1.subarray(j * rows, (j + 1) * rows), u);
    const block = h.gate[j] * rows * cols;
    for (let r = 0; r < rows; r++) {
      if (u[r] === 0) continue;
      for (let e = 0; e < cols; e++) Z[block + r * cols + e] += u[r] * h.W2[j * cols + e];
    }
  }
  return Z;
}

/** u (d^2, rows k d + t) <-> W1 (d x d, W1[t, k]): linear attention's transpose, its own inverse. */
export function transposeSquare(u: Float64Array, out: Float64Array): void {
  const d = Math.round(Math.sqrt(u.length));
  for (let k = 0; k < d; k++) for (let t = 0; t < d; t++) out[t * d + k] = u[k * d + t];
}

function copy(u: Float64Array, out: Float64Array): void {
  out.set(u);
}
