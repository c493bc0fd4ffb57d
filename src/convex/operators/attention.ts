// The token-feature operator of Theorem 2, eq. (10): pred[i, l] = <Z_l, X_i> = trace(Z_l^T X_i).
// With X flattened to Xf (N x nd) and Z to (c x nd), pred = Xf Z^T and A^T R = R^T Xf:
// one GEMM each way. Theorem 1 is the case c = 1.
import type { LinearOperator } from '../types';
import { blas, type FloatArray } from '../../core/blas';
import { powerNorm } from './power';
import { Float32Bridge } from './float32-bridge';

export class AttentionOperator implements LinearOperator {
  readonly rows: number;
  readonly cols: number;
  readonly flopsPerApply: number;
  readonly precision: 'float64' | 'float32';
  private readonly p: number;
  private readonly bridge: Float32Bridge | null;
  private norm = -1;

  /** X is (N, n, d) row-major, in the precision the GEMMs should run in. */
  constructor(readonly X: FloatArray, readonly N: number, readonly n: number, readonly d: number, readonly c: number) {
    this.p = n * d;
    if (X.length !== N * this.p) throw new Error(`AttentionOperator: X has ${X.length} entries, expected ${N}x${n}x${d}`);
    this.rows = N * c;
    this.cols = c * this.p;
    this.flopsPerApply = 2 * N * this.p * c;
    this.precision = X instanceof Float32Array ? 'float32' : 'float64';
    this.bridge = X instanceof Float32Array ? new Float32Bridge(this.cols, this.rows) : null;
  }

  apply(w: Float64Array, out: Float64Array): void {
    const { N, c, p } = this;
    if (this.bridge) {
      const b = this.bridge;
      b.toW(w);
      blas.gemm(false, true, N, c, p, 1, this.X as Float32Array, p, b.w, p, 0, b.r, c);
      b.fromR(out);
    } else {
      blas.gemm(false, true, N, c, p, 1, this.X as Float64Array, p, w, p, 0, out, c);
    }
  }

  applyT(r: Float64Array, out: Float64Array): void {
    const { N, c, p } = this;
    if (this.bridge) {
      const b = this.bridge;
      b.toR(r);
      blas.gemm(true, false, c, p, N, 1, b.r, c, this.X as Float32Array, p, 0, b.w, p);
      b.fromW(out);
    } else {
      blas.gemm(true, false, c, p, N, 1, r, c, this.X as Float64Array, p, 0, out, p);
    }
  }

  normEstimate(): number {
    if (this.norm < 0) this.norm = powerNorm(this);
    return this.norm;
  }
}
