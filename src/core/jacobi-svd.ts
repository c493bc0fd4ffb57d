// Thin SVD in TypeScript: the fallback for LAPACK's dgesdd (src/core/linalg.ts).

const maxSweeps = 60;
const eps = 2.220446049250313e-16;

export interface Svd { U: Float64Array; s: Float64Array; Vt: Float64Array }

/**
 * One-sided (Hestenes) Jacobi SVD (Golub & Van Loan, Matrix Computations, 4th ed., §8.6.3;
 * Demmel & Veselić, SIAM J. Matrix Anal. Appl. 13(4), 1992): rotate pairs of columns of A until
 * all are orthogonal; their norms are then the singular values. Chosen over eigh(A^T A), which
 * squares the condition number and so loses every singular value below sqrt(eps) ||A||;
 * one-sided Jacobi is accurate to about eps ||A|| for all of them.
 *
 * A: row-major m x n (only read). Returns U (m x k), s (k, descending), Vt (k x n), k = min(m, n).
 */
export function svdJacobi(A: Float64Array, m: number, n: number): Svd {
  if (m >= n) {
    // Rotate the n columns of A, held as the rows of A^T so that each rotation is contiguous.
    const cols = new Float64Array(n * m);
    for (let i = 0; i < m; i++) for (let j = 0; j < n; j++) cols[j * m + i] = A[i * n + j];
    const { s, left, right } = orthogonalizeRows(cols, n, m);
    return { U: transpose(left, n, m), s, Vt: right };
  }
  // Wide: factor A^T = U' S V'^T, whose columns are the rows of A; then A = V' S U'^T.
  const { s, left, right } = orthogonalizeRows(Float64Array.from(A.subarray(0, m * n)), m, n);
  return { U: transpose(right, m, m), s, Vt: left };
}

/**
 * The k rows w_j (length len) of W are the columns of a tall matrix B = W^T (len x k, len >= k).
 * Returns B = L diag(s) R^T with the columns of L and R as the rows of `left` (k x len) and
 * `right` (k x k), s descending.
 */
function orthogonalizeRows(w: Float64Array, k: number, len: number): { s: Float64Array; left: Float64Array; right: Float64Array } {
  const v = new Float64Array(k * k);
  for (let i = 0; i < k; i++) v[i * k + i] = 1;
  // A pair counts as orthogonal when |w_p . w_q| <= tol ||w_p|| ||w_q|| (Demmel & Veselić's test);
  // len * eps is the rounding error of the dot product itself.
  const tol = Math.max(len, 1) * eps;
  // A column below tol ||W||_F (rotations keep ||W||_F) is rounding noise: it has no direction to
  // be orthogonal in, and rotating noise against noise never settles (a rank-deficient A with
  // repeated rows, e.g. a program whose Z repeats a block, ran out of sweeps). Such pairs are left.
  let frob2 = 0;
  for (let i = 0; i < k * len; i++) frob2 += w[i] * w[i];
  const noise = tol * tol * frob2;
  let rotated = true;
  for (let sweep = 0; sweep < maxSweeps && rotated; sweep++) {
    rotated = false;
    for (let p = 0; p < k - 1; p++) for (let q = p + 1; q < k; q++) {
      let alpha = 0, beta = 0, gamma = 0;
      for (let i = 0, op = p * len, oq = q * len; i < len; i++) {
        const x = w[op + i], y = w[oq + i];
        alpha += x * x; beta += y * y; gamma += x * y;
      }
      if (gamma === 0 || alpha <= noise || beta <= noise || Math.abs(gamma) <= tol * Math.sqrt(alpha * beta)) continue;
      rotated = true;
      // The Jacobi rotation that diagonalises [alpha gamma; gamma beta] (as in jacobi-eigh.ts).
      const zeta = (beta - alpha) / (2 * gamma);
      const t = Math.sign(zeta || 1) / (Math.abs(zeta) + Math.sqrt(1 + zeta * zeta));
      const c = 1 / Math.sqrt(1 + t * t), s = c * t;
      rotatePair(w, len, p, q, c, s);
      rotatePair(v, k, p, q, c, s);
    }
    if (sweep === maxSweeps - 1 && rotated) throw new Error(`svdJacobi did not converge in ${maxSweeps} sweeps (${len} x ${k})`);
  }
  const norms = new Float64Array(k);
  for (let j = 0; j < k; j++) {
    let ss = 0;
    for (let i = 0; i < len; i++) ss += w[j * len + i] ** 2;
    norms[j] = Math.sqrt(ss);
  }
  const order = Array.from({ length: k }, (_, i) => i).sort((i, j) => norms[j] - norms[i]);
  const s = new Float64Array(k), left = new Float64Array(k * len), right = new Float64Array(k * k);
  // Below this a column is rounding noise, not a direction: its u_j is not w_j / s_j but
  // completes the orthonormal basis, so that U^T U = I also for rank-deficient A (as LAPACK's).
  // (the same floor as the rotations': a column they left alone as noise is not a direction)
  const negligible = Math.max(tol * (norms[order[0]] ?? 0), Math.sqrt(noise));
  order.forEach((src, j) => {
    s[j] = norms[src];
    right.set(v.subarray(src * k, src * k + k), j * k);
    if (s[j] > negligible) for (let i = 0; i < len; i++) left[j * len + i] = w[src * len + i] / s[j];
    else completeBasis(left, j, len);
  });
  return { s, left, right };
}

/**
 * Row j of q := a unit vector orthogonal to rows 0..j-1 (orthonormal): the standard basis vector
 * with the largest component outside their span, Gram-Schmidt applied twice. The squared
 * components over all e sum to len - j >= 1, so the best one has norm >= 1/sqrt(len).
 */
function completeBasis(q: Float64Array, j: number, len: number): void {
  const row = q.subarray(j * len, j * len + len);
  let best = -1, bestNorm = -1;
  for (let e = 0; e < len; e++) {
    const nrm = residual(q, j, len, e, row);
    if (nrm > 0.5) { best = e; break; } // good enough: no need to look further
    if (nrm > bestNorm) { best = e; bestNorm = nrm; }
  }
  const nrm = residual(q, j, len, best, row);
  for (let i = 0; i < len; i++) row[i] /= nrm;
}

/** row := e_e minus its projection on rows 0..j-1 of q (twice, for orthogonality to eps); returns its norm. */
function residual(q: Float64Array, j: number, len: number, e: number, row: Float64Array): number {
  row.fill(0);
  row[e] = 1;
  for (let pass = 0; pass < 2; pass++) for (let r = 0; r < j; r++) {
    let d = 0;
    for (let i = 0; i < len; i++) d += q[r * len + i] * row[i];
    for (let i = 0; i < len; i++) row[i] -= d * q[r * len + i];
  }
  let nrm = 0;
  for (let i = 0; i < len; i++) nrm += row[i] * row[i];
  return Math.sqrt(nrm);
}

/** Rows p, q of x (row length len) <- c x_p - s x_q, s x_p + c x_q. */
function rotatePair(x: Float64Array, len: number, p: number, q: number, c: number, s: number): void {
  for (let i = 0, op = p * len, oq = q * len; i < len; i++) {
    const a = x[op + i], b = x[oq + i];
    x[op + i] = c * a - s * b;
    x[oq + i] = s * a + c * b;
  }
}

/** The row-major rows x cols x as its cols x rows transpose. */
export function transpose(x: Float64Array, rows: number, cols: number): Float64Array {
  const out = new Float64Array(rows * cols);
  for (let i = 0; i < rows; i++) for (let j = 0; j < cols; j++) out[j * rows + i] = x[i * cols + j];
  return out;
}
