// The operator of the gated-ReLU MLP-Mixer program (docs/sahiner-gated.md): Z (P, s^2, dc), one
// linear-mixer block Z_g per gate (Z_g[a s + b, t c + m], mixer.ts's layout), and
//   pred_i[a, m] = sum_g sum_{b,t} D[i, g, a, t] X_i[b, t] Z_g[a s + b, t c + m]     (s x c),
// or its mean over the output tokens a (1 x c), D the mixer gates (attention/gate-patterns.ts).
// Z_g's rows a s .. a s + s - 1 are, read as (s d) x c, the weights output token a reads its
// masked input M_a[i, (b, t)] = D[i, g, a, t] X_i[b, t] with; so per gate and output token one GEMM
// (B x sd . sd x c) over a block of B samples, and the adjoint its transpose (sd x B . B x c).
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
  private readonly M: Float64Array;
  private norm = -1;

  /** X (N, s, d), D (N, P, s, d) the gates; c outputs per token ('tokens') or per sample ('mean'). */
  constructor(
    readonly X: Float64Array, readonly N: number, readonly s: number, readonly d: number, readonly c: number,
    readonly D: Uint8Array, readonly P: number, readonly output: MhsaOutput,
  ) {
    if (X.length !== N * s * d) throw new Error(`GatedMixerOperator: X has ${X.length} entries, expected ${N}x${s}x${d}`);
    if (D.length !== N * P * s * d) throw new Error(`GatedMixerOperator: D has ${D.length} entries, expected ${N}x${P}x${s}x${d}`);
    this.rows = N * c * (output === 'tokens' ? s : 1);
    this.cols = P * s * s * d * c;
    this.flopsPerApply = 2 * N * P * s * s * d * c;
    this.block = Math.min(N, rowsPerBlock(s * d, 8));
    this.M = new Float64Array(this.block * s * d);
  }

  /** M (B x sd) = the samples i0 .. i0 + B - 1 masked by gate g as output token a sees them. */
  private masked(i0: number, B: number, g: number, a: number): Float64Array {
    const { X, D, M, s, d, P } = this, sd = s * d;
    for (let i = 0; i < B; i++) {
      const x = (i0 + i) * sd, gate = (((i0 + i) * P + g) * s + a) * d;
      for (let b = 0; b < s; b++) for (let t = 0; t < d; t++) M[i * sd + b * d + t] = D[gate + t] ? X[x + b * d + t] : 0;
    }
    return M;
  }

  apply(w: Float64Array, out: Float64Array): void {
    const { N, s, d, c, P } = this, sd = s * d, tokens = this.output === 'tokens';
    out.fill(0);
    forBlocks(N, this.block, (i0, B) => {
      for (let g = 0; g < P; g++) for (let a = 0; a < s; a++) {
        const M = this.masked(i0, B, g, a), Wa = w.subarray((g * s + a) * sd * c, (g * s + a + 1) * sd * c);
        if (tokens) blas.gemm(false, false, B, c, sd, 1, M, sd, Wa, c, 1, out.subarray((i0 * s + a) * c), s * c);
        else blas.gemm(false, false, B, c, sd, 1 / s, M, sd, Wa, c, 1, out.subarray(i0 * c), c);
      }
    });
  }

  applyT(r: Float64Array, out: Float64Array): void {
    const { N, s, d, c, P } = this, sd = s * d, tokens = this.output === 'tokens';
    out.fill(0);
    forBlocks(N, this.block, (i0, B) => {
      for (let g = 0; g < P; g++) for (let a = 0; a < s; a++) {
        const M = this.masked(i0, B, g, a), Wa = out.subarray((g * s + a) * sd * c, (g * s + a + 1) * sd * c);
        if (tokens) blas.gemm(true, false, sd, c, B, 1, M, sd, r.subarray((i0 * s + a) * c), s * c, 1, Wa, c);
        else blas.gemm(true, false, sd, c, B, 1 / s, M, sd, r.subarray(i0 * c), c, 1, Wa, c);
      }
    });
  }

  normEstimate(): number {
    if (this.norm < 0) this.norm = powerNorm(this);
    return this.norm;
  }
}
