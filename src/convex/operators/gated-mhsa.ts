// The operator of the gated-ReLU self-attention program (docs/sahiner-gated.md): Z (P, d^2, dc),
// one linear-attention block Z_g per gate (linear-mhsa.ts's layout), and
//   pred_i[a, m] = sum_g sum_{t,k,l} X_i[a, t] G_ig^(a)[k, l] Z_g[k d + t, l c + m]     (s x c),
//   G_ig^(a) = sum_b D[i, g, a, b] X_i[b, :]^T X_i[b, :]     (the Gram matrix of the keys query a's gate lets through),
// or its mean over the query tokens a (1 x c). Without gates every G^(a) is linear attention's G_i.
// Per block of B samples: K[(i, b), (k, l)] = X_i[b, k] X_i[b, l] once; per gate the gated Grams
// Gf = D_ig K_i (one s x s . s x d^2 GEMM per sample), M = Gf Z'_g (one B s x d^2 . d^2 x dc GEMM,
// Z'_g with rows (k, l)), then pred[i, a, m] += sum_t X_i[a, t] M[(i, a), (t, m)]. The Grams are
// symmetric, so only the d (d + 1) / 2 pairs k <= l are kept, with Z'_g's rows (k, l) and (l, k)
// added: half the flops of the d^2 form. The adjoint runs the same steps backwards and gives the
// pair's gradient to both rows. Cost: about N s d^3 c per gate, s times linear attention's (each
// query token has its own Gram matrix).
// Outputs averaged over the tokens make the sum over queries a fixed feature of each sample:
// F_ig[(k, l), t] = (1/s) sum_a Gf[(i, a), (k, l)] X_i[a, t] (d(d+1)/2 x d), built once, so an
// application is one GEMM, N x P dp d . P dp d x c (Zp's rows (g, pair, t)): about s times fewer
// flops than streaming.
// Its memory is N P d dp numbers; above MEAN_FEATURES_MAX_BYTES the operator streams as for tokens.
import type { LinearOperator } from '../types';
import type { MhsaOutput } from '../../nn/models/linear-mhsa-model';
import { blas } from '../../core/blas';
import { forBlocks, rowsPerBlock } from './row-blocks';
import { powerNorm } from './power';

/** The largest precomputed feature matrix of the token-mean operator (above it, the streamed form). */
export const MEAN_FEATURES_MAX_BYTES = 2 ** 29;

export class GatedMhsaOperator implements LinearOperator {
  readonly rows: number;
  readonly cols: number;
  readonly flopsPerApply: number;
  readonly precision = 'float64' as const;
  private readonly block: number;
  private readonly K: Float64Array;
  private readonly Gf: Float64Array;
  private readonly M: Float64Array;
  private readonly Dg: Float64Array;
  private readonly Zp: Float64Array;
  /** the token-mean features (N, P, dp, d), or null when streaming */
  private readonly F: Float64Array | null;
  private norm = -1;

  /** X (N, s, d), D (N, P, s, s) the score gates; c outputs per token ('tokens') or per sample ('mean'). */
  constructor(
    readonly X: Float64Array, readonly N: number, readonly s: number, readonly d: number, readonly c: number,
    readonly D: Uint8Array, readonly P: number, readonly output: MhsaOutput,
    featureBytes = MEAN_FEATURES_MAX_BYTES,
  ) {
    if (X.length !== N * s * d) throw new Error(`GatedMhsaOperator: X has ${X.length} entries, expected ${N}x${s}x${d}`);
    if (D.length !== N * P * s * s) throw new Error(`GatedMhsaOperator: D has ${D.length} entries, expected ${N}x${P}x${s}x${s}`);
    const dd = d * d, dc = d * c, dp = (d * (d + 1)) / 2;
    this.rows = N * c * (output === 'tokens' ? s : 1);
    this.cols = P * dd * dc;
    const features = output === 'mean' && 8 * N * P * d * dp <= featureBytes;
    this.flopsPerApply = features ? 2 * N * P * d * dp * c : 2 * N * P * s * (s * dp + dp * dc + dc);
    this.block = Math.min(N, rowsPerBlock(s * dp, 8));
    this.K = new Float64Array(this.block * s * dp);
    this.Gf = new Float64Array(this.block * s * dp);
    this.M = new Float64Array(features ? 0 : this.block * s * dc);
    this.Dg = new Float64Array(s * s);
    this.Zp = new Float64Array(P * dp * dc);
    this.F = features ? this.meanFeatures() : null;
  }

  /** F[i, g, pair, t] = (1/s) sum_a Gf_ig[a, pair] X_i[a, t]: one dp x s . s x d GEMM per sample and gate. */
  private meanFeatures(): Float64Array {
    const { N, s, d, P, X, Gf } = this, dp = (d * (d + 1)) / 2, F = new Float64Array(N * P * d * dp);
    forBlocks(N, this.block, (i0, B) => {
      this.outerProducts(i0, B);
      for (let g = 0; g < P; g++) {
        this.gatedGrams(i0, B, g);
        for (let i = 0; i < B; i++) {
          blas.gemm(true, false, dp, d, s, 1 / s, Gf.subarray(i * s * dp), dp, X.subarray((i0 + i) * s * d), d,
            0, F.subarray(((i0 + i) * P + g) * dp * d), d);
        }
      }
    });
    return F;
  }

  /** K for samples i0 .. i0 + B - 1: the outer product of every token with itself, pairs k <= l. */
  private outerProducts(i0: number, B: number): void {
    const { X, K, s, d } = this, dp = (d * (d + 1)) / 2;
    for (let r = 0; r < B * s; r++) {
      const x = (i0 * s + r) * d;
      let p = r * dp;
      for (let k = 0; k < d; k++) for (let l = k; l < d; l++) K[p++] = X[x + k] * X[x + l];
    }
  }

  /** Gf[(i, a), :] = sum_b D[i, g, a, b] K[(i, b), :] for the block's samples. */
  private gatedGrams(i0: number, B: number, g: number): void {
    const { D, Dg, K, Gf, s, d, P } = this, dp = (d * (d + 1)) / 2, ss = s * s;
    for (let i = 0; i < B; i++) {
      const o = ((i0 + i) * P + g) * ss;
      for (let e = 0; e < ss; e++) Dg[e] = D[o + e];
      blas.gemm(false, false, s, dp, s, 1, Dg, s, K.subarray(i * s * dp), dp, 0, Gf.subarray(i * s * dp), dp);
    }
  }

  /** Z_g (rows k d + t, columns l c + m) to Zp_g (rows: pairs k <= l, columns t c + m), rows (k, l) and (l, k) added. */
  private pack(w: Float64Array): void {
    const { d, c, P, Zp } = this, dd = d * d, dc = d * c, dp = (d * (d + 1)) / 2;
    for (let g = 0; g < P; g++) {
      const Z = w.subarray(g * dd * dc);
      let p = g * dp;
      for (let k = 0; k < d; k++) for (let l = k; l < d; l++, p++) {
        for (let t = 0; t < d; t++) for (let m = 0; m < c; m++) {
          Zp[p * dc + t * c + m] = Z[(k * d + t) * dc + l * c + m] + (k === l ? 0 : Z[(l * d + t) * dc + k * c + m]);
        }
      }
    }
  }

  /** The adjoint of pack: each pair's gradient to both of its rows. */
  private unpack(out: Float64Array): void {
    const { d, c, P, Zp } = this, dd = d * d, dc = d * c, dp = (d * (d + 1)) / 2;
    for (let g = 0; g < P; g++) {
      const Z = out.subarray(g * dd * dc);
      let p = g * dp;
      for (let k = 0; k < d; k++) for (let l = k; l < d; l++, p++) {
        for (let t = 0; t < d; t++) for (let m = 0; m < c; m++) {
          const v = Zp[p * dc + t * c + m];
          Z[(k * d + t) * dc + l * c + m] = v;
          Z[(l * d + t) * dc + k * c + m] = v;
        }
      }
    }
  }

  apply(w: Float64Array, out: Float64Array): void {
    const { N, s, d, c, P, X, Gf, M, Zp } = this, dp = (d * (d + 1)) / 2, dc = d * c, tokens = this.output === 'tokens';
    this.pack(w);
    if (this.F) { // Zp as a (P dp d) x c matrix
      const q = P * dp * d;
      blas.gemm(false, false, N, c, q, 1, this.F, q, Zp, c, 0, out, c);
      return;
    }
    out.fill(0);
    forBlocks(N, this.block, (i0, B) => {
      this.outerProducts(i0, B);
      for (let g = 0; g < P; g++) {
        this.gatedGrams(i0, B, g);
        blas.gemm(false, false, B * s, dc, dp, 1, Gf, dp, Zp.subarray(g * dp * dc), dc, 0, M, dc);
        for (let r = 0; r < B * s; r++) {
          const x = (i0 * s + r) * d, o = tokens ? (i0 * s + r) * c : (i0 + Math.floor(r / s)) * c, scale = tokens ? 1 : 1 / s;
          for (let t = 0; t < d; t++) {
            const xt = scale * X[x + t];
            for (let m = 0; m < c; m++) out[o + m] += xt * M[r * dc + t * c + m];
          }
        }
      }
    });
  }

  applyT(r: Float64Array, out: Float64Array): void {
    const { N, s, d, c, P, X, Gf, M, Zp } = this, dp = (d * (d + 1)) / 2, dc = d * c, tokens = this.output === 'tokens';
    if (this.F) {
      const q = P * dp * d;
      blas.gemm(true, false, q, c, N, 1, this.F, q, r, c, 0, Zp, c);
      this.unpack(out);
      return;
    }
    Zp.fill(0);
    forBlocks(N, this.block, (i0, B) => {
      this.outerProducts(i0, B);
      // dM[(i, a), (t, m)] = X_i[a, t] r[i, a, m] (or r[i, m] / s): the same for every gate
      for (let q = 0; q < B * s; q++) {
        const x = (i0 * s + q) * d, o = tokens ? (i0 * s + q) * c : (i0 + Math.floor(q / s)) * c, scale = tokens ? 1 : 1 / s;
        for (let t = 0; t < d; t++) for (let m = 0; m < c; m++) M[q * dc + t * c + m] = scale * X[x + t] * r[o + m];
      }
      for (let g = 0; g < P; g++) {
        this.gatedGrams(i0, B, g);
        blas.gemm(true, false, dp, dc, B * s, 1, Gf, dp, M, dc, 1, Zp.subarray(g * dp * dc), dc);
      }
    });
    this.unpack(out);
  }

  normEstimate(): number {
    if (this.norm < 0) this.norm = powerNorm(this);
    return this.norm;
  }
}
