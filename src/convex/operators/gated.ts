// The gated operator of Theorem 3, eq. (12): pred[i, l] = sum_j D[i, j] <Z_{j l}, X_i>.
// Z is (h, c, n, d) = (hc x nd). Forward: T = Xf Z^T (N x hc), then a masked sum over j.
// Adjoint: M[i, j c + l] = D[i, j] r[i, l], then A^T r = M^T Xf. One GEMM each way.
import type { LinearOperator } from '../types';
import { blas, type FloatArray } from '../../core/blas';
import { powerNorm } from './power';

export class GatedOperator implements LinearOperator {
  readonly rows: number;
  readonly cols: number;
  readonly flopsPerApply: number;
  readonly precision: 'float64' | 'float32';
  private readonly p: number;
  private readonly T: FloatArray;
  private readonly w32: Float32Array | null;
  private norm = -1;

  /** X (N, n, d) row-major; D (N, h) gates of 0/1. */
  constructor(
    readonly X: FloatArray, readonly N: number, readonly n: number, readonly d: number,
    readonly c: number, readonly D: Uint8Array, readonly h: number,
  ) {
    this.p = n * d;
    if (X.length !== N * this.p) throw new Error(`GatedOperator: X has ${X.length} entries, expected ${N}x${n}x${d}`);
    if (D.length !== N * h) throw new Error(`GatedOperator: gates have ${D.length} entries, expected ${N}x${h}`);
    this.rows = N * c;
    this.cols = h * c * this.p;
    this.flopsPerApply = 2 * N * this.p * h * c;
    const f32 = X instanceof Float32Array;
    this.precision = f32 ? 'float32' : 'float64';
    this.T = f32 ? new Float32Array(N * h * c) : new Float64Array(N * h * c);
    this.w32 = f32 ? new Float32Array(this.cols) : null;
  }

  apply(w: Float64Array, out: Float64Array): void {
    const { N, c, h, p, T, D } = this;
    const hc = h * c;
    if (this.w32) {
      this.w32.set(w);
      blas.gemm(false, true, N, hc, p, 1, this.X as Float32Array, p, this.w32, p, 0, T as Float32Array, hc);
    } else {
      blas.gemm(false, true, N, hc, p, 1, this.X as Float64Array, p, w, p, 0, T as Float64Array, hc);
    }
    out.fill(0);
    for (let i = 0; i < N; i++) {
      const o = i * c;
      for (let j = 0; j < h; j++) {
        if (!D[i * h + j]) continue;
        const t = i * hc + j * c;
        for (let l = 0; l < c; l++) out[o + l] += T[t + l];
      }
    }
  }

  applyT(r: Float64Array, out: Float64Array): void {
    const { N, c, h, p, T: M, D } = this;
    const hc = h * c;
    for (let i = 0; i < N; i++) {
      for (let j = 0; j < h; j++) {
        const m = i * hc + j * c;
        const on = D[i * h + j];
        for (let l = 0; l < c; l++) M[m + l] = on ? r[i * c + l] : 0;
      }
    }
    if (this.w32) {
      blas.gemm(true, false, hc, p, N, 1, M as Float32Array, hc, this.X as Float32Array, p, 0, this.w32, p);
      out.set(this.w32);
    } else {
      blas.gemm(true, false, hc, p, N, 1, M as Float64Array, hc, this.X as Float64Array, p, 0, out, p);
    }
  }

  normEstimate(): number {
    if (this.norm < 0) this.norm = powerNorm(this);
    return this.norm;
  }
}
