// The heads of a nuclear-norm program from the SVD of its Z (rows x cols): Z = sum_j sigma_j u_j v_j^T
// gives one rank-one term per singular value above rank tolerance, split evenly as
// (sqrt(sigma_j) u_j) (sqrt(sigma_j) v_j)^T, so that the two factors' weight decay
// 1/2 (||.||^2 + ||.||^2) is sigma_j: the nuclear norm. Each program reads the factors as its own
// weights (linear attention: u_j as W1^T; the linear mixer: u_j as W1). Also the reader of such
// factor weights from a file, for `check`.
import { svd, type Svd } from '../../core/linalg';
import { rankTolerance } from '../penalties/nuclear';

export interface RankOneTerms {
  H: number;
  /** (H, rows): sqrt(sigma_j) u_j */
  left: Float64Array;
  /** (H, cols): sqrt(sigma_j) v_j */
  right: Float64Array;
  sigma: Float64Array;
}

/** floor: singular values at or below it count as zero too (a part of a larger matrix: its rounding is the whole's). */
export function rankOneTerms(Z: Float64Array, rows: number, cols: number, floor = 0): RankOneTerms {
  return termsOfSvd(svd(Z, rows, cols), rows, cols, floor);
}

/** The same from an SVD already taken (U rows x k, s, Vt k x cols) of a rows x cols matrix. */
export function termsOfSvd({ U, s, Vt }: Svd, rows: number, cols: number, floor = 0): RankOneTerms {
  const k = s.length, tol = Math.max(floor, rankTolerance(s, rows, cols));
  let H = 0;
  while (H < k && s[H] > tol) H++;
  const left = new Float64Array(H * rows), right = new Float64Array(H * cols);
  for (let j = 0; j < H; j++) {
    const r = Math.sqrt(s[j]);
    for (let e = 0; e < rows; e++) left[j * rows + e] = r * U[e * k + j];
    for (let e = 0; e < cols; e++) right[j * cols + e] = r * Vt[j * cols + e];
  }
  return { H, left, right, sigma: s.slice(0, H) };
}

/** sigma_j = ||W1j||_F ||W2j||_F of heads given at any scale (what the nuclear norm charges a rank-one term). */
export function factorNorms(W1: Float64Array, W2: Float64Array, H: number): Float64Array {
  const n1 = W1.length / Math.max(H, 1), n2 = W2.length / Math.max(H, 1), sigma = new Float64Array(H);
  for (let j = 0; j < H; j++) {
    let a = 0, b = 0;
    for (let e = 0; e < n1; e++) a += W1[j * n1 + e] ** 2;
    for (let e = 0; e < n2; e++) b += W2[j * n2 + e] ** 2;
    sigma[j] = Math.sqrt(a * b);
  }
  return sigma;
}
