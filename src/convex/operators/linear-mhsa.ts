// The operator of Sahiner et al.'s linear multi-head self-attention program (eq. 6):
//   pred_i = sum_{k,l} G_i[k, l] X_i Z^(k,l),   G_i = X_i^T X_i (d x d),
// Z (d^2 x dc) a d x d grid of d x c blocks, Z^(k,l)[t, m] = Z[k d + t, l c + m] (the layout in
// which one head of eq. 5 is the rank-one vec(W1^T) vec(W2)^T: docs/sahiner-linear-mhsa.md).
// Written as M_i = sum_{k,l} G_i[k, l] Z^(k,l) (d x c), pred_i = X_i M_i: with Z' the same entries
// with rows (k, l) and columns (t, m), all M_i at once are one GEMM Gf Z' (N x d^2 . d^2 x dc),
// Gf holding vec(G_i) per row, so no sample ever forms a d^2 x dc product. Outputs per token
// (pred_i is s x c, targets Y_i per token) or averaged over the tokens (pred_i = mean_t X_i[t, :]
// M_i, 1 x c: classification). The adjoint runs the same steps backwards.
import type { LinearOperator } from '../types';
import { blas, mirrorUpper, syrkUpper } from '../../core/blas';
import { powerNorm } from './power';
import type { MhsaOutput } from '../../nn/models/linear-mhsa-model';

export type { MhsaOutput };

export class LinearMhsaOperator implements LinearOperator {
  readonly rows: number;
  readonly cols: number;
  readonly flopsPerApply: number;
  readonly precision = 'float64' as const;
  /** vec(G_i) per sample (N x d^2) */
  readonly Gf: Float64Array;
  /** the token mean of each sample (N x d), for output 'mean' */
  private readonly xbar: Float64Array | null;
  private readonly M: Float64Array;
  private readonly Zp: Float64Array;
  private norm = -1;

  /** X (N, s, d) row-major; c outputs per token ('tokens') or per sample ('mean'). */
  constructor(readonly X: Float64Array, readonly N: number, readonly s: number, readonly d: number, readonly c: number, readonly output: MhsaOutput) {
    if (X.length !== N * s * d) throw new Error(`LinearMhsaOperator: X has ${X.length} entries, expected ${N}x${s}x${d}`);
    const dd = d * d, dc = d * c;
    this.rows = N * c * (output === 'tokens' ? s : 1);
    this.cols = dd * dc;
    this.flopsPerApply = 2 * N * dd * dc + 2 * N * (output === 'tokens' ? s : 1) * dc;
    this.Gf = new Float64Array(N * dd);
    for (let i = 0; i < N; i++) {
      const G = this.Gf.subarray(i * dd, (i + 1) * dd);
      syrkUpper(d, s, 1, X.subarray(i * s * d, (i + 1) * s * d), d, 0, G, d);
      mirrorUpper(G, d);
    }
    this.xbar = output === 'mean' ? tokenMeans(X, N, s, d) : null;
    this.M = new Float64Array(N * dc);
    this.Zp = new Float64Array(this.cols);
  }

  apply(w: Float64Array, out: Float64Array): void {
    const { N, s, d, c, X, M, Zp } = this, dd = d * d, dc = d * c;
    toGramRows(w, Zp, d, c);
    blas.gemm(false, false, N, dc, dd, 1, this.Gf, dd, Zp, dc, 0, M, dc);
    if (this.xbar) {
      const xb = this.xbar;
      for (let i = 0; i < N; i++) {
        for (let m = 0; m < c; m++) {
          let v = 0;
          for (let t = 0; t < d; t++) v += xb[i * d + t] * M[i * dc + t * c + m];
          out[i * c + m] = v;
        }
      }
      return;
    }
    for (let i = 0; i < N; i++) {
      blas.gemm(false, false, s, c, d, 1, X.subarray(i * s * d, (i + 1) * s * d), d, M.subarray(i * dc, (i + 1) * dc), c, 0, out.subarray(i * s * c, (i + 1) * s * c), c);
    }
  }

  applyT(r: Float64Array, out: Float64Array): void {
    const { N, s, d, c, X, M, Zp } = this, dd = d * d, dc = d * c;
    // dM_i = X_i^T R_i (tokens) or xbar_i r_i^T (mean), into M
    if (this.xbar) {
      const xb = this.xbar;
      for (let i = 0; i < N; i++) for (let t = 0; t < d; t++) for (let m = 0; m < c; m++) M[i * dc + t * c + m] = xb[i * d + t] * r[i * c + m];
    } else {
      for (let i = 0; i < N; i++) {
        blas.gemm(true, false, d, c, s, 1, X.subarray(i * s * d, (i + 1) * s * d), d, r.subarray(i * s * c, (i + 1) * s * c), c, 0, M.subarray(i * dc, (i + 1) * dc), c);
      }
    }
    blas.gemm(true, false, dd, dc, N, 1, this.Gf, dd, M, dc, 0, Zp, dc);
    fromGramRows(Zp, out, d, c);
  }

  normEstimate(): number {
    if (this.norm < 0) this.norm = powerNorm(this);
    return this.norm;
  }
}

/** The token mean of each sample: (N, s, d) -> (N, d). */
export function tokenMeans(X: Float64Array, N: number, s: number, d: number): Float64Array {
  const out = new Float64Array(N * d);
  for (let i = 0; i < N; i++) {
    for (let a = 0; a < s; a++) for (let t = 0; t < d; t++) out[i * d + t] += X[(i * s + a) * d + t];
    for (let t = 0; t < d; t++) out[i * d + t] /= s;
  }
  return out;
}

/** Z (rows (k, t), columns (l, m)) to Z' (rows (k, l), columns (t, m)). */
function toGramRows(Z: Float64Array, Zp: Float64Array, d: number, c: number): void {
  const dc = d * c;
  for (let k = 0; k < d; k++) for (let t = 0; t < d; t++) for (let l = 0; l < d; l++) {
    Zp.set(Z.subarray((k * d + t) * d * c + l * c, (k * d + t) * d * c + l * c + c), (k * d + l) * dc + t * c);
  }
}

/** The inverse of toGramRows. */
function fromGramRows(Zp: Float64Array, Z: Float64Array, d: number, c: number): void {
  const dc = d * c;
  for (let k = 0; k < d; k++) for (let t = 0; t < d; t++) for (let l = 0; l < d; l++) {
    Z.set(Zp.subarray((k * d + l) * dc + t * c, (k * d + l) * dc + t * c + c), (k * d + t) * d * c + l * c);
  }
}
