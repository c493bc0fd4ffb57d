// The SVD of each block Z_g = sum_{j on g} u_j v_j^T from the heads' factors, never forming the
// rows x cols block: with L = [u_j] (rows x h) and R = [v_j] (cols x h), L = Q S W^T (the SVD of
// L), and Z_g = Q (S W^T R^T), whose h x cols middle factor M = U_M diag(s) V^T gives
// Z_g = (Q U_M) diag(s) V^T. Cost O((rows + cols) h^2) against a full SVD's O(rows cols min(rows, cols)):
// what lets the Burer-Monteiro solver certify (the nuclear norm is the sum of s) and prune at a
// size where Z's SVD would cost seconds per certificate (linear attention at d 64: 4,096 x 640).
// Rounding is relative to ||L|| ||R||, as it is in Z formed from the same heads.
import type { Svd } from '../../core/linalg';
import { svd } from '../../core/linalg';
import { blas } from '../../core/blas';
import type { GatedFactorHeads } from './gated-factor-heads';

/** Each block's thin SVD (U rows x k, s, Vt k x cols, k = min(heads on it, cols)) from heads on P blocks; fromW1 maps W1j to u_j. */
export function blockSvdsOfHeads(
  heads: Pick<GatedFactorHeads, 'H' | 'W1' | 'W2' | 'gate'>, P: number, rows: number, cols: number,
  fromW1: (w1: Float64Array, out: Float64Array) => void,
): Svd[] {
  const u = new Float64Array(rows);
  return Array.from({ length: P }, (_, g) => {
    const own = Array.from(heads.gate.keys()).filter((j) => heads.gate[j] === g), h = own.length;
    if (h === 0) return { U: new Float64Array(0), s: new Float64Array(0), Vt: new Float64Array(0) };
    const L = new Float64Array(rows * h), R = new Float64Array(cols * h);
    own.forEach((j, a) => {
      fromW1(heads.W1.subarray(j * rows, (j + 1) * rows), u);
      for (let i = 0; i < rows; i++) L[i * h + a] = u[i];
      for (let e = 0; e < cols; e++) R[e * h + a] = heads.W2[j * cols + e];
    });
    return svdOfProduct(L, R, rows, cols, h);
  });
}

/** The thin SVD of L R^T, L (rows x h) and R (cols x h) row-major. */
export function svdOfProduct(L: Float64Array, R: Float64Array, rows: number, cols: number, h: number): Svd {
  const { U: Q, s: sL, Vt: Wt } = svd(L, rows, h), k1 = sL.length;
  // M = diag(sL) W^T R^T (k1 x cols)
  const T = new Float64Array(k1 * h), M = new Float64Array(k1 * cols);
  for (let a = 0; a < k1; a++) for (let b = 0; b < h; b++) T[a * h + b] = sL[a] * Wt[a * h + b];
  blas.gemm(false, true, k1, cols, h, 1, T, h, R, h, 0, M, cols);
  const { U: Um, s, Vt } = svd(M, k1, cols), k = s.length;
  const U = new Float64Array(rows * k);
  blas.gemm(false, false, rows, k, k1, 1, Q, k1, Um, k, 0, U, k);
  return { U, s, Vt };
}
