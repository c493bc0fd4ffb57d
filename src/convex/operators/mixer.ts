// The operator of the linear MLP-Mixer program (Sahiner et al.'s mixer, docs/sahiner-mixer.md):
// Z (s^2 x dc) holds sum_j vec(W1j) vec(W2j)^T, W1j (s x s) mixing tokens and W2j (d x c) mixing
// channels, and
//   pred_i[a, m] = sum_{b, t} X_i[b, t] Z[a s + b, t c + m]          (per token, s x c),
// or its mean over the output tokens a (1 x c: classification). Both are the token-feature
// operator of eq. (10) on X_i with outputs (a, m) (or m), whose GEMMs, blocks and float32 storage
// are AttentionOperator's; this operator only rearranges Z into its weights and back.
import type { LinearOperator } from '../types';
import type { FloatArray } from '../../core/blas';
import type { MhsaOutput } from '../../nn/models/linear-mhsa-model';
import { AttentionOperator } from './attention';
import { powerNorm } from './power';
import type { OperatorOptions } from './row-blocks';

export class MixerOperator implements LinearOperator {
  readonly rows: number;
  readonly cols: number;
  readonly flopsPerApply: number;
  readonly precision: 'float64' | 'float32';
  private readonly inner: AttentionOperator;
  private readonly W: Float64Array;
  private norm = -1;

  /** X (N, s, d) row-major; c outputs per token ('tokens') or per sample ('mean'). */
  constructor(X: FloatArray, readonly N: number, readonly s: number, readonly d: number, readonly c: number, readonly output: MhsaOutput, opts: OperatorOptions = {}) {
    const outs = output === 'tokens' ? s * c : c;
    this.inner = new AttentionOperator(X, N, s, d, outs, opts);
    this.rows = N * outs;
    this.cols = s * s * d * c;
    this.flopsPerApply = this.inner.flopsPerApply;
    this.precision = this.inner.precision;
    this.W = new Float64Array(outs * s * d);
  }

  /** Visits every Z entry (a, b, t, m): its offset in Z, and its weight's in W ((a, m), b, t) or (m, b, t). */
  private each(fn: (z: number, w: number) => void): void {
    const { s, d, c } = this, tokens = this.output === 'tokens';
    for (let a = 0; a < s; a++) for (let b = 0; b < s; b++) for (let t = 0; t < d; t++) for (let m = 0; m < c; m++) {
      fn((a * s + b) * d * c + t * c + m, (((tokens ? a * c : 0) + m) * s + b) * d + t);
    }
  }

  apply(w: Float64Array, out: Float64Array): void {
    const W = this.W, scale = this.output === 'tokens' ? 1 : 1 / this.s;
    W.fill(0);
    this.each((z, wi) => { W[wi] += scale * w[z]; });
    this.inner.apply(W, out);
  }

  applyT(r: Float64Array, out: Float64Array): void {
    const W = this.W, scale = this.output === 'tokens' ? 1 : 1 / this.s;
    this.inner.applyT(r, W);
    this.each((z, wi) => { out[z] = scale * W[wi]; });
  }

  normEstimate(): number {
    if (this.norm < 0) this.norm = powerNorm(this);
    return this.norm;
  }
}
