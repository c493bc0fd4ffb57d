// The operator of the FNO programs (docs/sahiner-fno.md): token mixing by circular convolution,
//   pred_i[a, m] = sum_{b,t} X_i[b, t] Z[(a - b) mod s, t c + m]       (s x c per sample),
// Z (s x dc): one head is a filter w (s) convolved along the tokens and a channel mixing W2 (d x c),
// Z = w vec(W2)^T. The DFT along the tokens turns the convolution into one product per frequency:
// pred^_i[k, m] = sum_t X^_i[k, t] Z^[k, t c + m], so A Z is, per frequency (the real DFT's bins
// k = 0..floor(s/2)), one complex (N x d) . (d x c) product (four real GEMMs) between the transforms, and
// the adjoint the circular cross-correlation g[r] = sum_a R[a] X[a - r], g^ = R^ conj(X^).
// The transforms along the token axis are the DFT as matrices (K x s forward, s x K inverse),
// applied to all N c (or d c) columns at once by one GEMM: for the s of attention (tens of
// tokens) that is 21x (s 16) and 9x (s 64) faster than N c separate FFTs of core/fft.ts
// (bench/RESULTS.md), needs no power of 2, and with the products per frequency an application
// costs 2 N c K (2 s + 4 d) flops, against 2 N s^2 d c for dense token mixing. X's transform is
// taken once.
import type { LinearOperator } from '../types';
import { blas } from '../../core/blas';
import { powerNorm } from './power';

export class FnoOperator implements LinearOperator {
  readonly rows: number;
  readonly cols: number;
  readonly flopsPerApply: number;
  readonly precision = 'float64' as const;
  /** the bins k = 0..floor(s/2) */
  readonly K: number;
  /** forward real DFT (K x s): x^[k] = sum_a (Fr[k, a] + i Fi[k, a]) x[a] */
  private readonly Fr: Float64Array;
  private readonly Fi: Float64Array;
  /** its inverse on conjugate-symmetric spectra (s x K): x[a] = sum_k Br[a, k] Re x^[k] + Bi[a, k] Im x^[k] */
  private readonly Br: Float64Array;
  private readonly Bi: Float64Array;
  /** X^ per bin: (K, N, d) */
  private readonly Xr: Float64Array;
  private readonly Xi: Float64Array;
  private readonly Zr: Float64Array;
  private readonly Zi: Float64Array;
  private readonly Pr: Float64Array;
  private readonly Pi: Float64Array;
  /** a token-major copy (s, N, c) of predictions or residuals */
  private readonly T: Float64Array;
  private norm = -1;

  /** X (N, s, d) row-major; c outputs per token. */
  constructor(readonly X: Float64Array, readonly N: number, readonly s: number, readonly d: number, readonly c: number) {
    if (X.length !== N * s * d) throw new Error(`FnoOperator: X has ${X.length} entries, expected ${N}x${s}x${d}`);
    const K = (this.K = Math.floor(s / 2) + 1);
    this.rows = N * s * c;
    this.cols = s * d * c;
    this.flopsPerApply = 2 * N * c * K * (2 * s + 4 * d) + 4 * K * s * d * c;
    this.Fr = new Float64Array(K * s);
    this.Fi = new Float64Array(K * s);
    this.Br = new Float64Array(s * K);
    this.Bi = new Float64Array(s * K);
    for (let k = 0; k < K; k++) {
      const weight = (k === 0 || 2 * k === s ? 1 : 2) / s; // the other bins stand for their conjugates too
      for (let a = 0; a < s; a++) {
        const angle = (2 * Math.PI * ((k * a) % s)) / s; // k a mod s: the angle reduced exactly
        this.Fr[k * s + a] = Math.cos(angle);
        this.Fi[k * s + a] = -Math.sin(angle);
        this.Br[a * K + k] = weight * Math.cos(angle);
        this.Bi[a * K + k] = -weight * Math.sin(angle);
      }
    }
    // X token-major (s, N d), then X^ = F X: (K, N d) = (K, N, d)
    const Xt = new Float64Array(N * s * d);
    for (let i = 0; i < N; i++) for (let a = 0; a < s; a++) Xt.set(X.subarray((i * s + a) * d, (i * s + a + 1) * d), (a * N + i) * d);
    this.Xr = new Float64Array(K * N * d);
    this.Xi = new Float64Array(K * N * d);
    blas.gemm(false, false, K, N * d, s, 1, this.Fr, s, Xt, N * d, 0, this.Xr, N * d);
    blas.gemm(false, false, K, N * d, s, 1, this.Fi, s, Xt, N * d, 0, this.Xi, N * d);
    this.Zr = new Float64Array(K * d * c);
    this.Zi = new Float64Array(K * d * c);
    this.Pr = new Float64Array(K * N * c);
    this.Pi = new Float64Array(K * N * c);
    this.T = new Float64Array(s * N * c);
  }

  apply(w: Float64Array, out: Float64Array): void {
    const { N, s, d, c, K, Xr, Xi, Zr, Zi, Pr, Pi, T } = this, dc = d * c, Nc = N * c;
    blas.gemm(false, false, K, dc, s, 1, this.Fr, s, w, dc, 0, Zr, dc);
    blas.gemm(false, false, K, dc, s, 1, this.Fi, s, w, dc, 0, Zi, dc);
    // P^_k = X^_k Z^_k: (Xr + i Xi)(Zr + i Zi)
    for (let k = 0; k < K; k++) {
      const xr = Xr.subarray(k * N * d), xi = Xi.subarray(k * N * d), zr = Zr.subarray(k * dc), zi = Zi.subarray(k * dc);
      const pr = Pr.subarray(k * Nc), pi = Pi.subarray(k * Nc);
      blas.gemm(false, false, N, c, d, 1, xr, d, zr, c, 0, pr, c);
      blas.gemm(false, false, N, c, d, -1, xi, d, zi, c, 1, pr, c);
      blas.gemm(false, false, N, c, d, 1, xr, d, zi, c, 0, pi, c);
      blas.gemm(false, false, N, c, d, 1, xi, d, zr, c, 1, pi, c);
    }
    // back to the tokens: T (s, N c) = Br Pr + Bi Pi, then (N, s, c)
    blas.gemm(false, false, s, Nc, K, 1, this.Br, K, Pr, Nc, 0, T, Nc);
    blas.gemm(false, false, s, Nc, K, 1, this.Bi, K, Pi, Nc, 1, T, Nc);
    for (let a = 0; a < s; a++) for (let i = 0; i < N; i++) out.set(T.subarray((a * N + i) * c, (a * N + i + 1) * c), (i * s + a) * c);
  }

  applyT(r: Float64Array, out: Float64Array): void {
    const { N, s, d, c, K, Xr, Xi, Zr, Zi, Pr, Pi, T } = this, dc = d * c, Nc = N * c;
    for (let i = 0; i < N; i++) for (let a = 0; a < s; a++) T.set(r.subarray((i * s + a) * c, (i * s + a + 1) * c), (a * N + i) * c);
    blas.gemm(false, false, K, Nc, s, 1, this.Fr, s, T, Nc, 0, Pr, Nc);
    blas.gemm(false, false, K, Nc, s, 1, this.Fi, s, T, Nc, 0, Pi, Nc);
    // G^_k = conj(X^_k)^T R^_k: (Xr - i Xi)^T (Rr + i Ri)
    for (let k = 0; k < K; k++) {
      const xr = Xr.subarray(k * N * d), xi = Xi.subarray(k * N * d), rr = Pr.subarray(k * Nc), ri = Pi.subarray(k * Nc);
      const gr = Zr.subarray(k * dc), gi = Zi.subarray(k * dc);
      blas.gemm(true, false, d, c, N, 1, xr, d, rr, c, 0, gr, c);
      blas.gemm(true, false, d, c, N, 1, xi, d, ri, c, 1, gr, c);
      blas.gemm(true, false, d, c, N, 1, xr, d, ri, c, 0, gi, c);
      blas.gemm(true, false, d, c, N, -1, xi, d, rr, c, 1, gi, c);
    }
    blas.gemm(false, false, s, dc, K, 1, this.Br, K, Zr, dc, 0, out, dc);
    blas.gemm(false, false, s, dc, K, 1, this.Bi, K, Zi, dc, 1, out, dc);
  }

  normEstimate(): number {
    if (this.norm < 0) this.norm = powerNorm(this);
    return this.norm;
  }
}
