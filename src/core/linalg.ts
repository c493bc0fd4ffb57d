// Symmetric eigendecomposition and thin SVD behind one interface: LAPACK (dsyevd, dgesdd) through
// the native addon, or Jacobi methods in TypeScript (jacobi-eigh.ts, jacobi-svd.ts) with the same
// contract. Row-major Float64Arrays; the caller's A is never modified.
import { blas, mirrorUpper, nativeMaths, nativeMathsReason, syrkUpper } from './blas';
import { eighJacobi } from './jacobi-eigh';
import { svdJacobi, transpose, type Svd } from './jacobi-svd';

export { eighJacobi, svdJacobi, type Svd };

export interface Eigh {
  /** Ascending. */
  values: Float64Array;
  /** Row-major n x n; column j is the unit eigenvector of values[j]. */
  vectors: Float64Array;
}

/** Which implementation eigh and svd use, and why not LAPACK if they do not. */
export function linalgInfo(): { backend: 'lapack' | 'typescript'; reason?: string } {
  return nativeMaths ? { backend: 'lapack' } : { backend: 'typescript', reason: nativeMathsReason };
}

function checkMatrix(what: string, A: Float64Array, m: number, n: number): void {
  if (!Number.isInteger(m) || !Number.isInteger(n) || m < 1 || n < 1) throw new RangeError(`${what}: dimensions must be positive integers, got ${m} x ${n}`);
  if (!(A instanceof Float64Array) || A.length !== m * n) throw new RangeError(`${what}: A must be a Float64Array of length ${m} x ${n} = ${m * n}`);
  // LAPACK may loop or return garbage on NaN/Inf; the Jacobi sweeps would not converge.
  for (let i = 0; i < A.length; i++) if (!Number.isFinite(A[i])) throw new RangeError(`${what}: A[${i}] = ${A[i]} is not finite`);
}

/**
 * Eigenvalues (ascending) and orthonormal eigenvectors of the symmetric row-major n x n matrix A.
 * Refuses A that is not symmetric to 1e-10 relative to its largest entry (LAPACK reads only one
 * triangle, Jacobi all of A: beyond rounding the two would answer different questions).
 */
export function eigh(A: Float64Array, n: number, backend: 'auto' | 'typescript' = 'auto'): Eigh {
  checkMatrix('eigh', A, n, n);
  let max = 0, asym = 0;
  for (let i = 0; i < n * n; i++) max = Math.max(max, Math.abs(A[i]));
  for (let i = 0; i < n; i++) for (let j = i + 1; j < n; j++) asym = Math.max(asym, Math.abs(A[i * n + j] - A[j * n + i]));
  if (asym > 1e-10 * max) throw new RangeError(`eigh: A is not symmetric (max |A_ij - A_ji| = ${asym}, max |A_ij| = ${max})`);
  if (!nativeMaths || backend === 'typescript') return eighJacobi(A, n);
  const values = new Float64Array(n), vectors = new Float64Array(n * n);
  nativeMaths.eigh(n, A, values, vectors);
  return { values, vectors };
}

/** Thin SVD A = U diag(s) Vt of the row-major m x n A: U (m x k), s (k, descending), Vt (k x n), k = min(m, n). */
export function svd(A: Float64Array, m: number, n: number, backend: 'auto' | 'typescript' = 'auto'): Svd {
  checkMatrix('svd', A, m, n);
  if (!nativeMaths || backend === 'typescript') return svdJacobi(A, m, n);
  const k = Math.min(m, n);
  const U = new Float64Array(m * k), s = new Float64Array(k), Vt = new Float64Array(k * n);
  nativeMaths.svd(m, n, A, U, s, Vt);
  return { U, s, Vt };
}

/**
 * The k leading singular triplets of the row-major m x n A (k <= min(m, n)), from the
 * eigendecomposition of its smaller Gram matrix (A^T A when n <= m, else A A^T): one SYRK and a
 * min(m, n)-square eigenproblem, against dgesdd's bidiagonalisation of all of A (on a 4,096 x 640
 * gradient matrix, 6.8x: bench/svd-top.ts). The largest eigenvalue of the Gram matrix is computed
 * to within rounding of the Gram matrix, whose own rounding is at most about m eps ||A||_F^2: sigma_1
 * to a relative (m eps / 2) ||A||_F^2 / ||A||_2^2 in the worst case (against dgesdd, 1e-16 to 7e-16
 * on the solvers' block shapes), so a spectral norm from here serves a dual norm as the full SVD's
 * does. Singular values far below sigma_1 lose accuracy (about sqrt(eps) sigma_1 absolutely): for
 * a dual norm and the directions near the top, never for a nuclear norm.
 * U (m x k), s (k, descending), Vt (k x n), as svd's, and `upper`: sigma_1 raised by that worst
 * case, (m + q) eps (||A||_F^2 + sigma_1^2) on sigma_1^2 (the Gram matrix's rounding, and the
 * eigensolver's backward error relative to its norm), a bound from above for a dual norm.
 * The wide case (m < n) copies A transposed.
 */
export function svdTop(A: Float64Array, m: number, n: number, k: number): Svd & { upper: number } {
  checkMatrix('svdTop', A, m, n);
  const q = Math.min(m, n);
  if (!Number.isInteger(k) || k < 1 || k > q) throw new RangeError(`svdTop: k = ${k}, expected an integer in [1, ${q}]`);
  const tall = n <= m;
  // the Gram matrix of the short side: A^T A, or A A^T as (A^T)^T A^T
  const B = tall ? A : transpose(A, m, n);
  const C = new Float64Array(q * q);
  syrkUpper(q, tall ? m : n, 1, B, q, 0, C, q);
  mirrorUpper(C, q);
  const { values, vectors } = eigh(C, q);
  let trace = 0;
  for (let i = 0; i < q; i++) trace += C[i * q + i];
  const top = Math.max(0, values[q - 1]), upper = Math.sqrt(top + (m + q) * Number.EPSILON * (trace + top));
  const s = new Float64Array(k), E = new Float64Array(q * k); // the top k eigenvectors, descending, as columns
  for (let j = 0; j < k; j++) {
    s[j] = Math.sqrt(Math.max(0, values[q - 1 - j]));
    for (let i = 0; i < q; i++) E[i * k + j] = vectors[i * q + q - 1 - j];
  }
  // the other side's vectors: A v_j / s_j (tall) or A^T u_j / s_j (wide), zero where s_j is
  const U = new Float64Array(m * k), Vt = new Float64Array(k * n);
  if (tall) {
    for (let i = 0; i < n; i++) for (let j = 0; j < k; j++) Vt[j * n + i] = E[i * k + j];
    blas.gemm(false, false, m, k, n, 1, A, n, E, k, 0, U, k);
    for (let i = 0; i < m; i++) for (let j = 0; j < k; j++) U[i * k + j] = s[j] > 0 ? U[i * k + j] / s[j] : 0;
  } else {
    U.set(E);
    blas.gemm(true, false, k, n, m, 1, E, k, A, n, 0, Vt, n);
    for (let j = 0; j < k; j++) for (let i = 0; i < n; i++) Vt[j * n + i] = s[j] > 0 ? Vt[j * n + i] / s[j] : 0;
  }
  return { U, s, Vt, upper };
}
