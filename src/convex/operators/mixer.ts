// The operator of the linear MLP-Mixer program (Sahiner et al.'s mixer, docs/sahiner-mixer.md):
// Z (s^2 x dc) holds sum_j vec(W1j) vec(W2j)^T, W1j (s x s) mixing tokens and W2j (d x c) mixing
// channels, and
//   pred_i[a, m] = sum_{b, t} X_i[b, t] Z[a s + b, t c + m]          (per token, s x c),
// or its mean over the output tokens a (1 x c: classification). Both are the token-feature
// operator of eq. (10) on X_i with outputs (a, m) (or m) after a rearrangement of Z (rearranged.ts).
import type { FloatArray } from '../../core/blas';
import type { MhsaOutput } from '../../nn/models/linear-mhsa-model';
import { AttentionOperator } from './attention';
import { RearrangedOperator } from './rearranged';
import type { OperatorOptions } from './row-blocks';

export class MixerOperator extends RearrangedOperator {
  /** X (N, s, d) row-major; c outputs per token ('tokens') or per sample ('mean'). */
  constructor(X: FloatArray, readonly N: number, readonly s: number, readonly d: number, readonly c: number, readonly output: MhsaOutput, opts: OperatorOptions = {}) {
    const tokens = output === 'tokens', size = s * s * d * c, scale = tokens ? 1 : 1 / s;
    const z = new Int32Array(size), w = new Int32Array(size), coef = new Float64Array(size).fill(scale);
    let t = 0;
    for (let a = 0; a < s; a++) for (let b = 0; b < s; b++) for (let tt = 0; tt < d; tt++) for (let m = 0; m < c; m++) {
      z[t] = (a * s + b) * d * c + tt * c + m;
      w[t++] = (((tokens ? a * c : 0) + m) * s + b) * d + tt;
    }
    super(new AttentionOperator(X, N, s, d, tokens ? s * c : c, opts), size, { z, w, coef });
  }
}
