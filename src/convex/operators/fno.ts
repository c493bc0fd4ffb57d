// The operator of the FNO programs (docs/sahiner-fno.md): token mixing by circular convolution,
//   pred_i[a, m] = sum_{b,t} X_i[b, t] Z[(a - b) mod s, t c + m]       (s x c per sample),
// Z (s x dc): one head is a filter w (s) convolved along the tokens and a channel mixing W2 (d x c),
// Z = w vec(W2)^T. The DFT along the tokens turns the convolution into one product per frequency:
// pred^_i[k, m] = sum_t X^_i[k, t] Z^[k, t c + m], so A Z is, per frequency k = 0..s/2 (rfft
// bins), one complex (N x d) . (d x c) product (four real GEMMs) between the transforms, and the
// adjoint the circular cross-correlation g[r] = sum_a R[a] X[a - r], g^ = R^ conj(X^). s must be a
// power of 2 (core/fft.ts). Cost per application: 8 N d c (s/2 + 1) flops and N c + d c FFTs of
// length s (X's N d transforms are taken once).
import type { LinearOperator } from '../types';
import { blas } from '../../core/blas';
import { irfft, rfft } from '../../core/fft';
import { powerNorm } from './power';

export class FnoOperator implements LinearOperator {
  readonly rows: number;
  readonly cols: number;
  readonly flopsPerApply: number;
  readonly precision = 'float64' as const;
  /** the bins k = 0..s/2 */
  readonly K: number;
  /** X^ per bin: (K, N, d), real and imaginary parts */
  private readonly Xr: Float64Array;
  private readonly Xi: Float64Array;
  private readonly Zr: Float64Array;
  private readonly Zi: Float64Array;
  private readonly Pr: Float64Array;
  private readonly Pi: Float64Array;
  private norm = -1;

  /** X (N, s, d) row-major; c outputs per token. */
  constructor(readonly X: Float64Array, readonly N: number, readonly s: number, readonly d: number, readonly c: number) {
    if (X.length !== N * s * d) throw new Error(`FnoOperator: X has ${X.length} entries, expected ${N}x${s}x${d}`);
    const K = (this.K = (s >> 1) + 1);
    this.rows = N * s * c;
    this.cols = s * d * c;
    this.flopsPerApply = 8 * N * d * c * K;
    this.Xr = new Float64Array(K * N * d);
    this.Xi = new Float64Array(K * N * d);
    const col = new Float64Array(s);
    for (let i = 0; i < N; i++) for (let t = 0; t < d; t++) {
      for (let a = 0; a < s; a++) col[a] = X[(i * s + a) * d + t];
      const { re, im } = rfft(col);
      for (let k = 0; k < K; k++) { this.Xr[(k * N + i) * d + t] = re[k]; this.Xi[(k * N + i) * d + t] = im[k]; }
    }
    this.Zr = new Float64Array(K * d * c);
    this.Zi = new Float64Array(K * d * c);
    this.Pr = new Float64Array(K * N * c);
    this.Pi = new Float64Array(K * N * c);
  }

  apply(w: Float64Array, out: Float64Array): void {
    const { N, s, d, c, K, Xr, Xi, Zr, Zi, Pr, Pi } = this, dc = d * c, col = new Float64Array(s);
    for (let e = 0; e < dc; e++) {
      for (let r = 0; r < s; r++) col[r] = w[r * dc + e];
      const { re, im } = rfft(col);
      for (let k = 0; k < K; k++) { Zr[k * dc + e] = re[k]; Zi[k * dc + e] = im[k]; }
    }
    // P^_k = X^_k Z^_k: (Xr + i Xi)(Zr + i Zi)
    for (let k = 0; k < K; k++) {
      const xr = Xr.subarray(k * N * d), xi = Xi.subarray(k * N * d), zr = Zr.subarray(k * dc), zi = Zi.subarray(k * dc);
      const pr = Pr.subarray(k * N * c), pi = Pi.subarray(k * N * c);
      blas.gemm(false, false, N, c, d, 1, xr, d, zr, c, 0, pr, c);
      blas.gemm(false, false, N, c, d, -1, xi, d, zi, c, 1, pr, c);
      blas.gemm(false, false, N, c, d, 1, xr, d, zi, c, 0, pi, c);
      blas.gemm(false, false, N, c, d, 1, xi, d, zr, c, 1, pi, c);
    }
    const re = new Float64Array(K), im = new Float64Array(K);
    for (let i = 0; i < N; i++) for (let m = 0; m < c; m++) {
      for (let k = 0; k < K; k++) { re[k] = Pr[(k * N + i) * c + m]; im[k] = Pi[(k * N + i) * c + m]; }
      const p = irfft(re, im, s);
      for (let a = 0; a < s; a++) out[(i * s + a) * c + m] = p[a];
    }
  }

  applyT(r: Float64Array, out: Float64Array): void {
    const { N, s, d, c, K, Xr, Xi, Zr, Zi, Pr, Pi } = this, dc = d * c, col = new Float64Array(s);
    for (let i = 0; i < N; i++) for (let m = 0; m < c; m++) {
      for (let a = 0; a < s; a++) col[a] = r[(i * s + a) * c + m];
      const { re, im } = rfft(col);
      for (let k = 0; k < K; k++) { Pr[(k * N + i) * c + m] = re[k]; Pi[(k * N + i) * c + m] = im[k]; }
    }
    // G^_k = conj(X^_k)^T R^_k: (Xr - i Xi)^T (Rr + i Ri)
    for (let k = 0; k < K; k++) {
      const xr = Xr.subarray(k * N * d), xi = Xi.subarray(k * N * d), rr = Pr.subarray(k * N * c), ri = Pi.subarray(k * N * c);
      const gr = Zr.subarray(k * dc), gi = Zi.subarray(k * dc);
      blas.gemm(true, false, d, c, N, 1, xr, d, rr, c, 0, gr, c);
      blas.gemm(true, false, d, c, N, 1, xi, d, ri, c, 1, gr, c);
      blas.gemm(true, false, d, c, N, 1, xr, d, ri, c, 0, gi, c);
      blas.gemm(true, false, d, c, N, -1, xi, d, rr, c, 1, gi, c);
    }
    const re = new Float64Array(K), im = new Float64Array(K);
    for (let e = 0; e < dc; e++) {
      for (let k = 0; k < K; k++) { re[k] = Zr[k * dc + e]; im[k] = Zi[k * dc + e]; }
      const g = irfft(re, im, s);
      for (let q = 0; q < s; q++) out[q * dc + e] = g[q];
    }
  }

  normEstimate(): number {
    if (this.norm < 0) this.norm = powerNorm(this);
    return this.norm;
  }
}
