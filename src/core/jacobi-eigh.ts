// Symmetric eigendecomposition in TypeScript: the fallback for LAPACK's dsyevd (src/core/linalg.ts).

/** Sweeps before giving up; cyclic Jacobi converges quadratically, ~6-12 sweeps in practice. */
const maxSweeps = 60;

/**
 * Cyclic Jacobi eigenvalue algorithm (Golub & Van Loan, Matrix Computations, 4th ed., §8.5.2-8.5.3,
 * Algorithms 8.5.1 "sym.schur2" and 8.5.3 "cyclic Jacobi"): rotate away each off-diagonal pair
 * (p, q) in row order until off(A) <= eps ||A||_F, which is the accuracy of the rotations
 * themselves (each is backward stable). Jacobi, not QR, because it is short and accurate; it is
 * O(n^3) per sweep, so LAPACK is much faster for large n (bench/RESULTS.md).
 *
 * A: row-major n x n symmetric (only read). Returns the eigenvalues in ascending order and
 * vectors (row-major n x n, column j the eigenvector of values[j]).
 */
export function eighJacobi(A: Float64Array, n: number): { values: Float64Array; vectors: Float64Array } {
  const a = Float64Array.from(A.subarray(0, n * n));
  // Eigenvectors as rows of vt while rotating, so that each rotation updates two contiguous rows.
  const vt = new Float64Array(n * n);
  for (let i = 0; i < n; i++) vt[i * n + i] = 1;
  let frob2 = 0;
  for (let i = 0; i < n * n; i++) frob2 += a[i] * a[i];
  const eps = 2.220446049250313e-16;
  const tol2 = (eps * eps) * frob2;
  let converged = false;
  for (let sweep = 0; sweep < maxSweeps && !converged; sweep++) {
    let off2 = 0;
    for (let p = 0; p < n; p++) for (let q = p + 1; q < n; q++) off2 += 2 * a[p * n + q] * a[p * n + q];
    if (off2 <= tol2) { converged = true; break; }
    for (let p = 0; p < n - 1; p++) {
      for (let q = p + 1; q < n; q++) {
        const apq = a[p * n + q];
        if (apq === 0) continue;
        // sym.schur2: the rotation [c s; -s c] that diagonalises the 2 x 2 block (p, q);
        // t is the smaller root, so the rotation angle is at most pi/4 (needed for convergence).
        const tau = (a[q * n + q] - a[p * n + p]) / (2 * apq);
        const t = tau >= 0 ? 1 / (tau + Math.sqrt(1 + tau * tau)) : -1 / (-tau + Math.sqrt(1 + tau * tau));
        const c = 1 / Math.sqrt(1 + t * t), s = t * c;
        rotate(a, vt, n, p, q, c, s, t, apq);
      }
    }
  }
  if (!converged) throw new Error(`eighJacobi did not converge in ${maxSweeps} sweeps (n = ${n})`);
  const order = Array.from({ length: n }, (_, i) => i).sort((i, j) => a[i * n + i] - a[j * n + j]);
  const values = new Float64Array(n), vectors = new Float64Array(n * n);
  order.forEach((src, j) => {
    values[j] = a[src * n + src];
    for (let i = 0; i < n; i++) vectors[i * n + j] = vt[src * n + i];
  });
  return { values, vectors };
}

/** A <- J^T A J and V <- V J for the rotation J in the (p, q) plane (vt holds V^T). */
function rotate(a: Float64Array, vt: Float64Array, n: number, p: number, q: number, c: number, s: number, t: number, apq: number): void {
  const rp = p * n, rq = q * n;
  for (let k = 0; k < n; k++) {
    if (k === p || k === q) continue;
    const akp = a[rp + k], akq = a[rq + k];
    const np = c * akp - s * akq, nq = s * akp + c * akq;
    a[rp + k] = np; a[k * n + p] = np;
    a[rq + k] = nq; a[k * n + q] = nq;
  }
  // The 2 x 2 block in closed form (t was chosen to zero a_pq): exact zero off the diagonal.
  a[rp + p] -= t * apq;
  a[rq + q] += t * apq;
  a[rp + q] = 0; a[rq + p] = 0;
  for (let k = 0; k < n; k++) {
    const vp = vt[rp + k], vq = vt[rq + k];
    vt[rp + k] = c * vp - s * vq;
    vt[rq + k] = s * vp + c * vq;
  }
}
