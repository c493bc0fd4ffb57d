// The nuclear norm ||Z||_* (the sum of Z's singular values) of w read as a rows x cols row-major
// matrix: the penalty of Sahiner et al.'s convex attention programs (eq. 6), where a rank-one term
// of Z is one head. Its prox is singular-value thresholding, its dual norm the spectral norm; both
// from a full SVD (LAPACK dgesdd through core/linalg.ts), so the dual norm of a certificate is
// exact to rounding, never a power-iteration estimate from below.
import type { Penalty, PenaltyOptimality } from '../types';
import { svd } from '../../core/linalg';

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

  /** scale * U_r V_r^T over the singular values above rank tolerance (0 at w = 0: in the unit ball). */
  subgradient(w: Float64Array, scale: number, out: Float64Array): void {
    this.check(w);
    const { U, s, Vt } = svd(w, this.rows, this.cols);
    const tol = rankTolerance(s, this.rows, this.cols);
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
  optimality(w: Float64Array, v: Float64Array, beta: number): PenaltyOptimality {
    this.check(w);
    const { rows: m, cols: n } = this;
    const { U, s, Vt } = svd(w, m, n);
    const k = s.length, tol = rankTolerance(s, m, n);
    let r = 0;
    while (r < k && s[r] > tol) r++;
    // L = U_r^T v (r x n); R = v V_r (m x r); A = U_r^T v V_r (r x r)
    const L = new Float64Array(r * n), R = new Float64Array(m * r), A = new Float64Array(r * r);
    for (let a = 0; a < r; a++) for (let i = 0; i < m; i++) for (let j = 0; j < n; j++) L[a * n + j] += U[i * k + a] * v[i * n + j];
    for (let i = 0; i < m; i++) for (let b = 0; b < r; b++) for (let j = 0; j < n; j++) R[i * r + b] += v[i * n + j] * Vt[b * n + j];
    for (let a = 0; a < r; a++) for (let b = 0; b < r; b++) for (let j = 0; j < n; j++) A[a * r + b] += L[a * n + j] * Vt[b * n + j];
    let stat = 0;
    for (let a = 0; a < r; a++) {
      // row a of [A - beta I, U_r^T v (I - V_r V_r^T)], the second part formed, not subtracted in norms
      let sq = 0;
      for (let b = 0; b < r; b++) sq += (A[a * r + b] - (a === b ? beta : 0)) ** 2;
      for (let j = 0; j < n; j++) {
        let x = L[a * n + j];
        for (let b = 0; b < r; b++) x -= A[a * r + b] * Vt[b * n + j];
        sq += x * x;
      }
      stat = Math.max(stat, Math.sqrt(sq) / beta);
      // column a of (I - U_r U_r^T) v V_r
      let col = 0;
      for (let i = 0; i < m; i++) {
        let x = R[i * r + a];
        for (let b = 0; b < r; b++) x -= U[i * k + b] * A[b * r + a];
        col += x * x;
      }
      stat = Math.max(stat, Math.sqrt(col) / beta);
    }
    if (r === k) return { stationarity: stat, zeroGroupSlack: null, nonzeroGroups: r, totalGroups: k };
    // D = v - U_r L - R V_r^T + U_r A V_r^T
    const D = Float64Array.from(v);
    for (let i = 0; i < m; i++) for (let j = 0; j < n; j++) {
      let x = 0;
      for (let a = 0; a < r; a++) {
        x += U[i * k + a] * L[a * n + j] + R[i * r + a] * Vt[a * n + j];
        for (let b = 0; b < r; b++) x -= U[i * k + a] * A[a * r + b] * Vt[b * n + j];
      }
      D[i * n + j] -= x;
    }
    return { stationarity: stat, zeroGroupSlack: 1 - svd(D, m, n).s[0] / beta, nonzeroGroups: r, totalGroups: k };
  }

  /** out += sum_a c_a u_a v_a^T (U m x k, Vt k x n, both from svd). */
  private addTerms(U: Float64Array, c: Float64Array, Vt: Float64Array, out: Float64Array): void {
    const { rows: m, cols: n } = this, k = c.length;
    for (let a = 0; a < k; a++) {
      if (c[a] === 0) continue;
      for (let i = 0; i < m; i++) {
        const f = c[a] * U[i * k + a];
        if (f === 0) continue;
        for (let j = 0; j < n; j++) out[i * n + j] += f * Vt[a * n + j];
      }
    }
  }
}

/** Singular values at or below this count as zero: LAPACK's usual max(m, n) eps sigma_1. */
export function rankTolerance(s: Float64Array, m: number, n: number): number {
  return s.length ? Math.max(m, n) * 2.220446049250313e-16 * s[0] : 0;
}
