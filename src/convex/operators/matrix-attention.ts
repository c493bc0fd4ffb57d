// The operator of Ergen et al. Theorem A.1 (matrix targets, docs/ergen-matrix-targets.md):
// predictions per token, pred[i, r, l] = sum_j ((Z1_jl - Z2_jl) x_ij)[r] with x_ij column j of X_i
// (n tokens) and Z1_jl, Z2_jl n x n blocks, the positive and the negative part of eq. (37).
// w holds the blocks in the order (part, j, l), each n x n row-major [r, k]. Summed over j and k,
// pred[i, (r, l)] = sum_{k, j} X_i[k, j] W[(r, l), k, j] with W[(r, l), k, j] = (Z1_jl - Z2_jl)[r, k]:
// the token-feature operator of eq. (10) with n c outputs, so the GEMMs, their blocks and float32
// storage are AttentionOperator's; this operator only scatters w into W and gathers A^T r back.
import type { LinearOperator } from '../types';
import type { FloatArray } from '../../core/blas';
import { AttentionOperator } from './attention';
import { powerNorm } from './power';
import type { OperatorOptions } from './row-blocks';

export class MatrixAttentionOperator implements LinearOperator {
  readonly rows: number;
  readonly cols: number;
  readonly flopsPerApply: number;
  readonly precision: 'float64' | 'float32';
  /** the token-feature operator with n c outputs */
  private readonly inner: AttentionOperator;
  private readonly W: Float64Array;
  private norm = -1;

  /** X (N, n, d) row-major; c outputs per token. */
  constructor(X: FloatArray, readonly N: number, readonly n: number, readonly d: number, readonly c: number, opts: OperatorOptions = {}) {
    this.inner = new AttentionOperator(X, N, n, d, n * c, opts);
    this.rows = N * n * c;
    this.cols = 2 * d * c * n * n;
    this.flopsPerApply = this.inner.flopsPerApply;
    this.precision = this.inner.precision;
    this.W = new Float64Array(n * c * n * d);
  }

  /** Visits every (j, l, r, k): the offset of block entry [r, k] of Z1_jl in w (Z2_jl's is half the length later) and of W[(r, l), k, j]. */
  private each(fn: (z: number, wi: number) => void): void {
    const { n, d, c } = this;
    for (let j = 0; j < d; j++) for (let l = 0; l < c; l++) {
      const block = (j * c + l) * n * n;
      for (let r = 0; r < n; r++) for (let k = 0; k < n; k++) fn(block + r * n + k, ((r * c + l) * n + k) * d + j);
    }
  }

  apply(w: Float64Array, out: Float64Array): void {
    const half = this.cols / 2, W = this.W;
    this.each((z, wi) => { W[wi] = w[z] - w[half + z]; });
    this.inner.apply(W, out);
  }

  applyT(r: Float64Array, out: Float64Array): void {
    const half = this.cols / 2, W = this.W;
    this.inner.applyT(r, W);
    this.each((z, wi) => {
      out[z] = W[wi];
      out[half + z] = -W[wi];
    });
  }

  normEstimate(): number {
    if (this.norm < 0) this.norm = powerNorm(this);
    return this.norm;
  }
}
