// Squared loss f(P) = sum_i 1/2 ||P_i - Y_i||^2, with conjugate f*(U) = 1/2 ||U||^2 + <U, Y>.
import type { Datafit, SampleHessian } from './datafit';

export class SquaredLoss implements Datafit {
  readonly name = 'squared';
  readonly lipschitz = 1;

  /** Y is (N, c) row-major. */
  constructor(readonly Y: Float64Array, readonly samples: number, readonly outputs: number) {
    if (Y.length !== samples * outputs) throw new Error(`SquaredLoss: Y has ${Y.length} entries, expected ${samples}x${outputs}`);
  }

  value(pred: Float64Array): number {
    let s = 0;
    for (let i = 0; i < pred.length; i++) {
      const r = pred[i] - this.Y[i];
      s += r * r;
    }
    return 0.5 * s;
  }

  gradient(pred: Float64Array, out: Float64Array): void {
    for (let i = 0; i < pred.length; i++) out[i] = pred[i] - this.Y[i];
  }

  bregman(p: Float64Array, q: Float64Array): number {
    let s = 0;
    for (let i = 0; i < p.length; i++) s += (p[i] - q[i]) ** 2;
    return 0.5 * s;
  }

  conjugate(u: Float64Array): number {
    let s = 0;
    for (let i = 0; i < u.length; i++) s += u[i] * (0.5 * u[i] + this.Y[i]);
    return s;
  }

  /** The identity in every block. */
  hessian(): SampleHessian {
    const c = this.outputs;
    return {
      times(v, out, add = false) {
        for (let i = 0; i < v.length; i++) out[i] = add ? out[i] + v[i] : v[i];
      },
      diagonalBound(mask, out) {
        for (let i = 0; i < out.length; i++) if (mask[i % c]) out[i] = 1;
      },
    };
  }
}
