// The operator of the gated-ReLU MLP-Mixer program (docs/sahiner-gated.md): Z (P, s^2, dc), one
// linear-mixer block Z_g per gate (Z_g[a s + b, t c + m], mixer.ts's layout), and
//   pred_i[a, m] = sum_g sum_{b,t} D[i, g, a, t] X_i[b, t] Z_g[a s + b, t c + m]     (s x c),
// or its mean over the output tokens a (1 x c), D the mixer gates (attention/gate-patterns.ts).
// The gate depends on the feature t, not on b, so per gate and feature t the sum over b is one GEMM
// for all output tokens: Y_t = X[:, :, t] (B x s) . W_gt (s x sc), W_gt[b, (a, m)] = Z_g[a s + b,
// t c + m] (Z rearranged once per application), and pred[i, a, :] += D[i, g, a, t] Y_t[i, (a, :)].
// The adjoint masks the residuals instead and accumulates W_gt += X[:, :, t]^T R_t. (The first form,
// a GEMM per gate and output token on inputs masked entry by entry, B x sd . sd x c, spent its time
// copying the masked inputs and ran at 1.8 GFlop/s at s 64: bench/RESULTS.md.)
import type { LinearOperator } from '../types';
import type { MhsaOutput } from '../../nn/models/linear-mhsa-model';
import { blas } from '../../core/blas';
import { forBlocks, rowsPerBlock } from './row-blocks';
import { powerNorm } from './power';

export class GatedMixerOperator implements LinearOperator {
  readonly rows: number;
  readonly cols: number;
  readonly flopsPerApply: number;
  readonly precision = 'float64' as const;
  private readonly block: number;
  /** Z rearranged: (P, d, s, s c), W_gt[b, a c + m]; a second copy of Z for as long as the operator lives (at most 2^23 entries: 64 MB) */
  private readonly W: Float64Array;
  /** a block's X by feature, (d, B, s) */
  private readonly Xt: Float64Array;
  /** a block's outputs (or residuals) per token, (B, s c), and a GEMM's result or masked operand of the same shape */
  private readonly T: Float64Array;
  private readonly Y: Float64Array;
  private norm = -1;

  /** X (N, s, d), D (N, P, s, d) the gates; c outputs per token ('tokens') or per sample ('mean'); block: samples per GEMM. */
  constructor(
    readonly X: Float64Array, readonly N: number, readonly s: number, readonly d: number, readonly c: number,
    readonly D: Uint8Array, readonly P: number, readonly output: MhsaOutput, block?: number,
  ) {
    if (X.length !== N * s * d) throw new Error(`GatedMixerOperator: X has ${X.length} entries, expected ${N}x${s}x${d}`);
    if (D.length !== N * P * s * d) throw new Error(`GatedMixerOperator: D has ${D.length} entries, expected ${N}x${P}x${s}x${d}`);
    this.rows = N * c * (output === 'tokens' ? s : 1);
    this.cols = P * s * s * d * c;
    this.flopsPerApply = 2 * N * P * s * s * d * c;
    if (block !== undefined && !(Number.isInteger(block) && block >= 1)) throw new Error(`GatedMixerOperator: block ${block}, expected an integer >= 1`);
    this.block = Math.min(N, block ?? rowsPerBlock(s * d, 8));
    this.W = new Float64Array(this.cols);
    this.Xt = new Float64Array(d * this.block * s);
    this.T = new Float64Array(this.block * s * c);
    this.Y = new Float64Array(this.block * s * c);
  }

  /** Xt[t, i, b] = X[i0 + i, b, t] for the block's B samples. */
  private byFeature(i0: number, B: number): void {
    const { X, Xt, s, d } = this;
    for (let i = 0; i < B; i++) for (let b = 0; b < s; b++) {
      const x = ((i0 + i) * s + b) * d;
      for (let t = 0; t < d; t++) Xt[(t * B + i) * s + b] = X[x + t];
    }
  }

  /** Z (Z_g[a s + b, t c + m]) <-> W (W_gt[b, a c + m]): the same numbers, rearranged. */
  private rearrange(Z: Float64Array, toW: boolean): void {
    const { W, s, d, c, P } = this, dc = d * c, sc = s * c;
    for (let g = 0; g < P; g++) for (let a = 0; a < s; a++) for (let b = 0; b < s; b++) {
      const z = (g * s * s + a * s + b) * dc;
      for (let t = 0; t < d; t++) {
        const w = ((g * d + t) * s + b) * sc + a * c, zt = z + t * c;
        for (let m = 0; m < c; m++) {
          if (toW) W[w + m] = Z[zt + m];
          else Z[zt + m] = W[w + m];
        }
      }
    }
  }

  apply(w: Float64Array, out: Float64Array): void {
    const { N, s, d, c, P, D, W, Xt, T, Y } = this, sc = s * c, tokens = this.output === 'tokens';
    this.rearrange(w, true);
    forBlocks(N, this.block, (i0, B) => {
      this.byFeature(i0, B);
      T.fill(0, 0, B * sc);
      for (let g = 0; g < P; g++) for (let t = 0; t < d; t++) {
        blas.gemm(false, false, B, sc, s, 1, Xt.subarray(t * B * s), s, W.subarray((g * d + t) * s * sc), sc, 0, Y, sc);
        for (let i = 0; i < B; i++) {
          const gate = ((i0 + i) * P + g) * s * d + t;
          for (let a = 0; a < s; a++) {
            if (!D[gate + a * d]) continue;
            const o = i * sc + a * c;
            for (let m = 0; m < c; m++) T[o + m] += Y[o + m];
          }
        }
      }
      if (tokens) out.set(T.subarray(0, B * sc), i0 * sc);
      else {
        for (let i = 0; i < B; i++) for (let m = 0; m < c; m++) {
          let v = 0;
          for (let a = 0; a < s; a++) v += T[i * sc + a * c + m];
          out[(i0 + i) * c + m] = v / s;
        }
      }
    });
  }

  applyT(r: Float64Array, out: Float64Array): void {
    const { N, s, d, c, P, D, W, Xt, T, Y } = this, sc = s * c, tokens = this.output === 'tokens';
    W.fill(0);
    forBlocks(N, this.block, (i0, B) => {
      this.byFeature(i0, B);
      // the residuals per token: the mean's spread evenly over the s tokens
      if (tokens) T.set(r.subarray(i0 * sc, (i0 + B) * sc));
      else for (let i = 0; i < B; i++) for (let a = 0; a < s; a++) for (let m = 0; m < c; m++) T[i * sc + a * c + m] = r[(i0 + i) * c + m] / s;
      for (let g = 0; g < P; g++) for (let t = 0; t < d; t++) {
        for (let i = 0; i < B; i++) {
          const gate = ((i0 + i) * P + g) * s * d + t;
          for (let a = 0; a < s; a++) {
            const o = i * sc + a * c, on = D[gate + a * d];
            for (let m = 0; m < c; m++) Y[o + m] = on ? T[o + m] : 0;
          }
        }
        blas.gemm(true, false, s, sc, B, 1, Xt.subarray(t * B * s), s, Y, sc, 1, W.subarray((g * d + t) * s * sc), sc);
      }
    });
    this.rearrange(out, false);
  }

  normEstimate(): number {
    if (this.norm < 0) this.norm = powerNorm(this);
    return this.norm;
  }
}
