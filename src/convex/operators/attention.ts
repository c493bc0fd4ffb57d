// The token-feature operator of Theorem 2, eq. (10): pred[i, l] = <Z_l, X_i> = trace(Z_l^T X_i).
// With X flattened to Xf (N x nd) and Z to (c x nd), pred = Xf Z^T and A^T R = R^T Xf:
// one GEMM each way per block of samples (row-blocks.ts). Theorem 1 is the case c = 1.
// X may be float32 storage under float64 GEMMs (`--float32-data`): each block is widened as read.
import type { LinearOperator, TokenDesign } from '../types';
import { blas, mirrorUpper, syrkUpper, type FloatArray } from '../../core/blas';
import { powerNorm } from './power';
import { Float32Bridge } from './float32-bridge';
import { BlockReader, forBlocks, operatorLayout, rowsPerBlock, type OperatorOptions } from './row-blocks';

export class AttentionOperator implements LinearOperator {
  readonly rows: number;
  readonly cols: number;
  readonly flopsPerApply: number;
  readonly precision: 'float64' | 'float32';
  private readonly p: number;
  private readonly bridge: Float32Bridge | null;
  private readonly block: number;
  private readonly reader: BlockReader;
  private readonly gramBlock: number;
  private norm = -1;

  /** X is (N, n, d) row-major; `opts`: the GEMMs' precision (float64 by default) and block size. */
  constructor(readonly X: FloatArray, readonly N: number, readonly n: number, readonly d: number, readonly c: number, opts: OperatorOptions = {}) {
    this.p = n * d;
    if (X.length !== N * this.p) throw new Error(`AttentionOperator: X has ${X.length} entries, expected ${N}x${n}x${d}`);
    this.rows = N * c;
    this.cols = c * this.p;
    this.flopsPerApply = 2 * N * this.p * c;
    const { precision, block } = operatorLayout(X, N, this.p, opts);
    this.precision = precision;
    this.block = block;
    this.bridge = precision === 'float32' ? new Float32Bridge(this.cols, this.rows) : null;
    this.reader = new BlockReader(X, this.p, block, precision);
    this.gramBlock = opts.blockRows ?? rowsPerBlock(this.p, 8);
  }

  apply(w: Float64Array, out: Float64Array): void {
    const { c, p } = this;
    const b = this.bridge;
    if (b) b.toW(w);
    const W = b ? b.w : w;
    const R = b ? b.r : out;
    forBlocks(this.N, this.block, (i0, m) => {
      blas.gemm(false, true, m, c, p, 1, this.reader.rows(i0, m), p, W, p, 0, R.subarray(i0 * c, (i0 + m) * c), c);
    });
    if (b) b.fromR(out);
  }

  applyT(r: Float64Array, out: Float64Array): void {
    const { c, p } = this;
    const b = this.bridge;
    if (b) b.toR(r);
    const R = b ? b.r : r;
    const G = b ? b.w : out;
    // A^T r = sum over blocks of R_b^T X_b: the first block writes, the others accumulate
    forBlocks(this.N, this.block, (i0, m) => {
      blas.gemm(true, false, c, p, m, 1, R.subarray(i0 * c, (i0 + m) * c), c, this.reader.rows(i0, m), p, i0 === 0 ? 0 : 1, G, p);
    });
    if (b) b.fromW(out);
  }

  /** The design for prox-Newton, which sums in float64: only an operator whose GEMMs do. */
  get tokenDesign(): TokenDesign | undefined {
    const { X, N, n, d, c } = this;
    return this.precision === 'float64' ? { X, N, n, d, c } : undefined;
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
    // each dsyrk updates all of G (p x p): large blocks (~8 MB of float64 X), whatever the operator's GEMMs use
    const block = Math.min(this.N, this.gramBlock), reader = new BlockReader(X, p, block, 'float64');
    forBlocks(this.N, block, (i0, m) => {
      syrkUpper(p, m, 1, reader.rows(i0, m) as Float64Array, p, i0 === 0 ? 0 : 1, G, p);
    });
    // the upper triangle mirrored: exactly symmetric whatever order the kernel summed in
    mirrorUpper(G, p);
    return G;
  }
}
