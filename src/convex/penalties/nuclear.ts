// The nuclear norm ||Z||_* (the sum of Z's singular values) of w read as a rows x cols row-major
// matrix: the penalty of Sahiner et al.'s convex attention programs (eq. 6), where a rank-one term
// of Z is one head. Its prox is singular-value thresholding, its dual norm the spectral norm; both
// from a full SVD (LAPACK dgesdd through core/linalg.ts), so the dual norm of a certificate is
// exact to rounding, never a power-iteration estimate from below.
import type { Penalty, PenaltyOptimality } from '../types';
import { svd } from '../../core/linalg';
import { blas } from '../../core/blas';

export class NuclearNorm implements Penalty {
  readonly name = 'nuclear';

  constructor(readonly rows: number, readonly cols: number) {
    if (!(rows >= 1 && cols >= 1)) throw new Error(`NuclearNorm: shape ${rows} x ${cols}`);
  }

  private check(w: Float64Array): void {
    if (w.length !== this.rows * this.cols) throw new Error(`NuclearNorm: ${w.length} entries, expected ${this.rows} x ${this.cols}`);
  }

  singularValues(w: Float64Array): Float64Array {
    this.check(w);
    return svd(w, this.rows, this.cols).s;
  }

  value(w: Float64Array): number {
    let s = 0;
    for (const v of this.singularValues(w)) s += v;
    return s;
  }

  /** Singular-value thresholding: U diag(max(sigma - step, 0)) V^T. */
  prox(v: Float64Array, step: number, out: Float64Array): void {
    this.check(v);
    const { U, s, Vt } = svd(v, this.rows, this.cols);
    out.fill(0);
    this.addTerms(U, s.map((x) => Math.max(0, x - step)), Vt, out);
  }

  dualNorm(u: Float64Array): number {
    const s = this.singularValues(u);
    return s.length ? s[0] : 0;
  }

  /**
   * scale * U_r V_r^T over the singular values above rank tolerance (0 at w = 0: in the unit ball).
   * floor: singular values at or below it count as zero too (w a part of a larger matrix, whose
   * rounding it carries: band-nuclear.ts).
   */
  subgradient(w: Float64Array, scale: number, out: Float64Array, floor = 0): void {
    this.check(w);
    const { U, s, Vt } = svd(w, this.rows, this.cols);
    const tol = Math.max(floor, rankTolerance(s, this.rows, this.cols));
    out.fill(0);
    this.addTerms(U, s.map((x) => (x > tol ? scale : 0)), Vt, out);
  }

  /**
   * 0 in -v + beta d||.||_*(w): with w = U_r S V_r^T, v = beta (U_r V_r^T + W) with ||W||_2 <= 1,
   * U_r^T W = 0, W V_r = 0. In the blocks of v: U_r^T v V_r = beta I, U_r^T v (I - V_r V_r^T) = 0,
   * (I - U_r U_r^T) v V_r = 0 (stationarity: the largest residual of one singular direction, over
   * beta), and ||(I - U_r U_r^T) v (I - V_r V_r^T)||_2 <= beta (the slack, as a zero group's).
   * The "groups" are the min(rows, cols) singular directions.
   */
  optimality(w: Float64Array, v: Float64Array, beta: number, floor = 0): PenaltyOptimality {
    this.check(w);
    const { rows: m, cols: n } = this;
    const { U, s, Vt } = svd(w, m, n);
    const k = s.length, tol = Math.max(floor, rankTolerance(s, m, n));
    let r = 0;
    while (r < k && s[r] > tol) r++;
    // U_r: U's first r columns (leading dimension k); V_r^T: Vt's first r rows. All products by GEMM.
    const L = new Float64Array(r * n), R = new Float64Array(m * r), A = new Float64Array(r * r);
    if (r > 0) {
      blas.gemm(true, false, r, n, m, 1, U, k, v, n, 0, L, n); // U_r^T v
      blas.gemm(false, true, m, r, n, 1, v, n, Vt, n, 0, R, r); // v V_r
      blas.gemm(false, true, r, r, n, 1, L, n, Vt, n, 0, A, r); // U_r^T v V_r
    }
    // the off-range parts, formed (not as differences of norms, which cancel): L - A V_r^T, R - U_r A
    const Lres = Float64Array.from(L), Rres = Float64Array.from(R);
    if (r > 0) {
      blas.gemm(false, false, r, n, r, -1, A, r, Vt, n, 1, Lres, n);
      blas.gemm(false, false, m, r, r, -1, U, k, A, r, 1, Rres, r);
    }
    let stat = 0;
    for (let a = 0; a < r; a++) {
      let row = 0, col = 0;
      for (let b = 0; b < r; b++) row += (A[a * r + b] - (a === b ? beta : 0)) ** 2;
      for (let j = 0; j < n; j++) row += Lres[a * n + j] ** 2;
      for (let i = 0; i < m; i++) col += Rres[i * r + a] ** 2;
      stat = Math.max(stat, Math.sqrt(row) / beta, Math.sqrt(col) / beta);
    }
    if (r === k) return { stationarity: stat, zeroGroupSlack: null, nonzeroGroups: r, totalGroups: k };
    // D = (I - U_r U_r^T) v (I - V_r V_r^T) = v - U_r L - (R - U_r A) V_r^T
    const D = Float64Array.from(v);
    if (r > 0) {
      blas.gemm(false, false, m, n, r, -1, U, k, L, n, 1, D, n);
      blas.gemm(false, false, m, n, r, -1, Rres, r, Vt, n, 1, D, n);
    }
    return { stationarity: stat, zeroGroupSlack: 1 - svd(D, m, n).s[0] / beta, nonzeroGroups: r, totalGroups: k };
  }

  /** out += U_r diag(c_r) V_r^T over the leading entries of c that are nonzero (U m x k, Vt k x n, from svd; c descending). */
  private addTerms(U: Float64Array, c: Float64Array, Vt: Float64Array, out: Float64Array): void {
    const { rows: m, cols: n } = this, k = c.length;
    let r = 0;
    while (r < k && c[r] !== 0) r++;
    if (r === 0) return;
    const Us = new Float64Array(m * r);
    for (let i = 0; i < m; i++) for (let a = 0; a < r; a++) Us[i * r + a] = U[i * k + a] * c[a];
    blas.gemm(false, false, m, n, r, 1, Us, r, Vt, n, 1, out, n);
  }
}

/** Singular values at or below this count as zero: LAPACK's usual max(m, n) eps sigma_1. */
export function rankTolerance(s: Float64Array, m: number, n: number): number {
  return s.length ? Math.max(m, n) * 2.220446049250313e-16 * s[0] : 0;
}

/** The rank floor for a part (a projection, a block) of the m x n matrix w: the whole's rounding, max(m, n) eps ||w||_F. */
export function partRankFloor(w: Float64Array, m: number, n: number): number {
  let sq = 0;
  for (const v of w) sq += v * v;
  return Math.max(m, n) * 2.220446049250313e-16 * Math.sqrt(sq);
}

/** The KKT residuals of separate parts (blocks, bands) as one: the worst stationarity and slack, the groups added. */
export function combineOptimality(parts: readonly PenaltyOptimality[]): PenaltyOptimality {
  const all: PenaltyOptimality = { stationarity: 0, zeroGroupSlack: null, nonzeroGroups: 0, totalGroups: 0 };
  for (const o of parts) {
    all.stationarity = Math.max(all.stationarity, o.stationarity);
    if (o.zeroGroupSlack !== null) all.zeroGroupSlack = Math.min(all.zeroGroupSlack ?? Infinity, o.zeroGroupSlack);
    all.nonzeroGroups += o.nonzeroGroups;
    all.totalGroups += o.totalGroups;
  }
  return all;
}
