// The gated operator of Theorem 3, eq. (12): pred[i, l] = sum_j D[i, j] <Z_{j l}, X_i>.
// Z is (h, c, n, d) = (hc x nd). Forward: T = Xf Z^T (N x hc), then a masked sum over j.
// Adjoint: M[i, j c + l] = D[i, j] r[i, l], then A^T r = M^T Xf. One GEMM each way per block of
// samples (row-blocks.ts), so T and M are (block x hc), not (N x hc). X may be float32 storage
// under float64 GEMMs (`--float32-data`): each block is widened as read.
import type { LinearOperator } from '../types';
import { blas, mirrorUpper, syrkUpper, type FloatArray } from '../../core/blas';
import { powerNorm } from './power';
import { BlockReader, forBlocks, operatorLayout, rowsPerBlock, type OperatorOptions } from './row-blocks';

export class GatedOperator implements LinearOperator {
  readonly rows: number;
  readonly cols: number;
  readonly flopsPerApply: number;
  readonly precision: 'float64' | 'float32';
  private readonly p: number;
  private readonly T: FloatArray;
  private readonly w32: Float32Array | null;
  private readonly block: number;
  private readonly reader: BlockReader;
  private norm = -1;

  /** X (N, n, d) row-major; D (N, h) gates of 0/1; `opts`: the GEMMs' precision (float64 by default) and block size. */
  constructor(
    readonly X: FloatArray, readonly N: number, readonly n: number, readonly d: number,
    readonly c: number, readonly D: Uint8Array, readonly h: number, opts: OperatorOptions = {},
  ) {
    this.p = n * d;
    if (X.length !== N * this.p) throw new Error(`GatedOperator: X has ${X.length} entries, expected ${N}x${n}x${d}`);
    if (D.length !== N * h) throw new Error(`GatedOperator: gates have ${D.length} entries, expected ${N}x${h}`);
    this.rows = N * c;
    this.cols = h * c * this.p;
    this.flopsPerApply = 2 * N * this.p * h * c;
    const { precision, block } = operatorLayout(X, N, this.p, opts);
    const f32 = precision === 'float32';
    this.precision = precision;
    this.block = block;
    this.reader = new BlockReader(X, this.p, block, precision);
    this.T = f32 ? new Float32Array(this.block * h * c) : new Float64Array(this.block * h * c);
    this.w32 = f32 ? new Float32Array(this.cols) : null;
  }

  apply(w: Float64Array, out: Float64Array): void {
    const { c, h, p, T, D } = this;
    const hc = h * c;
    if (this.w32) this.w32.set(w);
    const W = this.w32 ?? w;
    out.fill(0);
    forBlocks(this.N, this.block, (i0, m) => {
      blas.gemm(false, true, m, hc, p, 1, this.reader.rows(i0, m), p, W, p, 0, T, hc);
      for (let b = 0; b < m; b++) {
        const i = i0 + b;
        const o = i * c;
        for (let j = 0; j < h; j++) {
          if (!D[i * h + j]) continue;
          const t = b * hc + j * c;
          for (let l = 0; l < c; l++) out[o + l] += T[t + l];
        }
      }
    });
  }

  applyT(r: Float64Array, out: Float64Array): void {
    const { c, h, p, T: M, D } = this;
    const hc = h * c;
    const G = this.w32 ?? out;
    forBlocks(this.N, this.block, (i0, m) => {
      for (let b = 0; b < m; b++) {
        const i = i0 + b;
        for (let j = 0; j < h; j++) {
          const at = b * hc + j * c;
          const on = D[i * h + j];
          for (let l = 0; l < c; l++) M[at + l] = on ? r[i * c + l] : 0;
        }
      }
      // the first block writes, the others accumulate
      blas.gemm(true, false, hc, p, m, 1, M, hc, this.reader.rows(i0, m), p, i0 === 0 ? 0 : 1, G, p);
    });
    if (this.w32) out.set(this.w32);
  }

  /** q = h n d: sample i's features are [D_i1 x_i, ..., D_ih x_i], w is (h, c, n d) */
  get gramWidth(): number {
    return this.h * this.p;
  }

  get gramBlocks(): number {
    return this.h;
  }

  /** F^T F (q x q) in float64, one dsyrk per block of ~8 MB of gated features F. */
  gram(): Float64Array {
    const { p, h, N, D } = this, q = h * p;
    const G = new Float64Array(q * q);
    const block = Math.min(N, rowsPerBlock(q, 8));
    const reader = new BlockReader(this.X, p, block, 'float64'), F = new Float64Array(block * q);
    forBlocks(N, block, (i0, m) => {
      const Xb = reader.rows(i0, m);
      for (let b = 0; b < m; b++) {
        for (let j = 0; j < h; j++) {
          const at = b * q + j * p;
          if (D[(i0 + b) * h + j]) F.set(Xb.subarray(b * p, (b + 1) * p), at);
          else F.fill(0, at, at + p);
        }
      }
      syrkUpper(q, m, 1, F.subarray(0, m * q), q, i0 === 0 ? 0 : 1, G, q);
    });
    // the upper triangle mirrored: exactly symmetric whatever order the kernel summed in
    mirrorUpper(G, q);
    return G;
  }

  normEstimate(): number {
    if (this.norm < 0) this.norm = powerNorm(this);
    return this.norm;
  }
}
