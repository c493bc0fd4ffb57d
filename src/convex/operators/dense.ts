// An explicit matrix A (rows x cols). The reference the matrix-free operators are tested
// against, and a way to pose any group-lasso problem directly.
import type { LinearOperator } from '../types';
import { blas } from '../../core/blas';
import { powerNorm } from './power';

export class DenseOperator implements LinearOperator {
  readonly precision = 'float64';
  readonly flopsPerApply: number;
  private norm = -1;

  constructor(readonly A: Float64Array, readonly rows: number, readonly cols: number) {
    if (A.length !== rows * cols) throw new Error(`DenseOperator: A has ${A.length} entries, expected ${rows}x${cols}`);
    this.flopsPerApply = 2 * rows * cols;
  }

  apply(w: Float64Array, out: Float64Array): void {
    blas.gemm(false, false, this.rows, 1, this.cols, 1, this.A, this.cols, w, 1, 0, out, 1);
  }

  applyT(r: Float64Array, out: Float64Array): void {
    blas.gemm(true, false, this.cols, 1, this.rows, 1, this.A, this.cols, r, 1, 0, out, 1);
  }

  normEstimate(): number {
    if (this.norm < 0) this.norm = powerNorm(this);
    return this.norm;
  }
}
