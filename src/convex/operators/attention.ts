// The token-feature operator of Theorem 2, eq. (10): pred[i, l] = <Z_l, X_i> = trace(Z_l^T X_i).
// With X flattened to Xf (N x nd) and Z to (c x nd), pred = Xf Z^T and A^T R = R^T Xf:
// one GEMM each way per block of samples (row-blocks.ts). Theorem 1 is the case c = 1.
import type { LinearOperator, TokenDesign } from '../types';
import { blas, syrkUpper, type FloatArray } from '../../core/blas';
import { powerNorm } from './power';
import { Float32Bridge } from './float32-bridge';
import { forBlocks, rowsPerBlock } from './row-blocks';

export class AttentionOperator implements LinearOperator {
  readonly rows: number;
  readonly cols: number;
  readonly flopsPerApply: number;
  readonly precision: 'float64' | 'float32';
  private readonly p: number;
  private readonly bridge: Float32Bridge | null;
  private readonly block: number;
  private norm = -1;

  /**
   * X is (N, n, d) row-major, in the precision the GEMMs should run in. `blockRows`: samples per
   * GEMM (default ~8 MB of X; Infinity: one GEMM over all samples).
   */
  constructor(readonly X: FloatArray, readonly N: number, readonly n: number, readonly d: number, readonly c: number, blockRows?: number) {
    this.p = n * d;
    if (X.length !== N * this.p) throw new Error(`AttentionOperator: X has ${X.length} entries, expected ${N}x${n}x${d}`);
    this.rows = N * c;
    this.cols = c * this.p;
    this.flopsPerApply = 2 * N * this.p * c;
    this.precision = X instanceof Float32Array ? 'float32' : 'float64';
    this.bridge = X instanceof Float32Array ? new Float32Bridge(this.cols, this.rows) : null;
    this.block = Math.min(N, blockRows ?? rowsPerBlock(this.p, X.BYTES_PER_ELEMENT));
  }

  apply(w: Float64Array, out: Float64Array): void {
    const { c, p, X } = this;
    const b = this.bridge;
    if (b) b.toW(w);
    const W = b ? b.w : w;
    const R = b ? b.r : out;
    forBlocks(this.N, this.block, (i0, m) => {
      blas.gemm(false, true, m, c, p, 1, X.subarray(i0 * p, (i0 + m) * p), p, W, p, 0, R.subarray(i0 * c, (i0 + m) * c), c);
    });
    if (b) b.fromR(out);
  }

  applyT(r: Float64Array, out: Float64Array): void {
    const { c, p, X } = this;
    const b = this.bridge;
    if (b) b.toR(r);
    const R = b ? b.r : r;
    const G = b ? b.w : out;
    // A^T r = sum over blocks of R_b^T X_b: the first block writes, the others accumulate
    forBlocks(this.N, this.block, (i0, m) => {
      blas.gemm(true, false, c, p, m, 1, R.subarray(i0 * c, (i0 + m) * c), c, X.subarray(i0 * p, (i0 + m) * p), p, i0 === 0 ? 0 : 1, G, p);
    });
    if (b) b.fromW(out);
  }

  get tokenDesign(): TokenDesign | undefined {
    const { X, N, n, d, c } = this;
    return X instanceof Float64Array ? { X, N, n, d, c } : undefined;
  }

  normEstimate(): number {
    if (this.norm < 0) this.norm = powerNorm(this);
    return this.norm;
  }

  /** Xf^T Xf (p x p) in float64, one dsyrk per block of samples (float32 blocks widened first). */
  get gramWidth(): number {
    return this.p;
  }

  gram(): Float64Array {
    const { p, X } = this;
    const G = new Float64Array(p * p);
    const wide = X instanceof Float32Array ? new Float64Array(this.block * p) : null;
    forBlocks(this.N, this.block, (i0, m) => {
      const Xb = wide ? (wide.set(X.subarray(i0 * p, (i0 + m) * p)), wide.subarray(0, m * p)) : (X as Float64Array).subarray(i0 * p, (i0 + m) * p);
      syrkUpper(p, m, 1, Xb, p, i0 === 0 ? 0 : 1, G, p);
    });
    // the upper triangle mirrored: exactly symmetric whatever order the kernel summed in
    for (let a = 0; a < p; a++) for (let b = 0; b < a; b++) G[a * p + b] = G[b * p + a];
    return G;
  }
}
