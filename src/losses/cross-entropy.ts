// Softmax cross-entropy over c outputs, summed over samples:
//   f(P) = sum_i logsumexp(P_i) - P_{i, y_i}.
// Its conjugate is finite only where q_i = U_i + e_{y_i} lies on the simplex, and there
//   f*(U) = sum_i sum_l q_il log q_il   (negative entropy).
// The gradient (softmax - one-hot) of each row has Lipschitz constant 1/2.
import type { Datafit, SampleHessian } from './datafit';
import { logSumExp, softmaxRows } from './softmax';

/** Slack for "q lies on the simplex", far above rounding and far below any real violation. */
const SIMPLEX_SLACK = 1e-9;

/** log(1 + x) - x without cancellation for small x (Taylor series below 1e-3). */
function log1pMinusX(x: number): number {
  if (Math.abs(x) < 1e-3) {
    const x2 = x * x;
    return -x2 / 2 + (x2 * x) / 3 - (x2 * x2) / 4 + (x2 * x2 * x) / 5;
  }
  return Math.log1p(x) - x;
}

export class CrossEntropyLoss implements Datafit {
  readonly name = 'ce';
  readonly lipschitz = 0.5;

  constructor(readonly labels: Int32Array, readonly outputs: number) {
    for (let i = 0; i < labels.length; i++) {
      if (!(labels[i] >= 0 && labels[i] < outputs)) {
        throw new Error(`CrossEntropyLoss: label ${labels[i]} at ${i} is outside [0, ${outputs - 1}]`);
      }
    }
  }

  get samples(): number {
    return this.labels.length;
  }

  value(pred: Float64Array): number {
    const c = this.outputs;
    let s = 0;
    for (let i = 0; i < this.labels.length; i++) s += logSumExp(pred, i * c, c) - pred[i * c + this.labels[i]];
    return s;
  }

  gradient(pred: Float64Array, out: Float64Array): void {
    softmaxRows(out, pred, this.labels.length, this.outputs);
    for (let i = 0; i < this.labels.length; i++) out[i * this.outputs + this.labels[i]] -= 1;
  }

  /**
   * For logsumexp the Bregman divergence is KL(softmax(q) || softmax(p)) per row. With
   * delta = p - q and s = softmax(q) it equals log(sum_l s_l e^delta_l) - <s, delta>; written as
   * b + (log1p(a + b) - (a + b)) with a = <s, delta>, b = <s, expm1(delta) - delta> >= 0, every
   * term is computed to full relative precision, however small the step. That form cancels (and
   * overflows past delta = 709) when a row moves far, so a row with some |delta_l| > 1 takes the
   * plain difference logsumexp(p) - logsumexp(q) - <s, delta>, whose terms are then no larger
   * than the result needs.
   */
  bregman(p: Float64Array, q: Float64Array): number {
    const c = this.outputs;
    let total = 0;
    for (let i = 0; i < this.labels.length; i++) {
      const o = i * c;
      const lq = logSumExp(q, o, c);
      let a = 0, b = 0, far = false;
      for (let l = 0; l < c; l++) {
        const s = Math.exp(q[o + l] - lq);
        const dl = p[o + l] - q[o + l];
        if (Math.abs(dl) > 1) far = true;
        a += s * dl;
        b += s * (Math.expm1(dl) - dl);
      }
      total += far ? Math.max(0, logSumExp(p, o, c) - lq - a) : b + log1pMinusX(a + b);
    }
    return Math.max(0, total);
  }

  conjugate(u: Float64Array): number {
    const c = this.outputs;
    let s = 0;
    for (let i = 0; i < this.labels.length; i++) {
      const o = i * c;
      let sum = 0;
      for (let l = 0; l < c; l++) {
        let q = u[o + l] + (l === this.labels[i] ? 1 : 0);
        if (q < -SIMPLEX_SLACK) return Infinity;
        if (q < 0) q = 0;
        sum += q;
        if (q > 0) s += q * Math.log(q);
      }
      if (Math.abs(sum - 1) > SIMPLEX_SLACK) return Infinity;
    }
    return s;
  }

  /**
   * Per sample H_i = diag(s_i) - s_i s_i^T with s_i = softmax(pred_i), so H_i v = s_i o v - s_i <s_i, v>
   * (3c operations, never the c x c block). Its rows have |off-diagonal| sums sum_{m != l} s_l s_m,
   * so on a set S of outputs Gershgorin bounds the block by diag(s_l (1 - s_l) + s_l (sigma_S - s_l)),
   * sigma_S = sum_{m in S} s_m: s_l (1 - s_l) for one output, 2 s_l (1 - s_l) for all of them.
   */
  hessian(pred: Float64Array): SampleHessian {
    // it depends on the prediction alone: pred may hold any subset of the samples' rows
    const c = this.outputs, N = pred.length / c;
    const s = new Float64Array(N * c);
    softmaxRows(s, pred, N, c);
    return {
      times(v, out, add = false) {
        for (let o = 0; o < N * c; o += c) {
          let dot = 0;
          for (let l = 0; l < c; l++) dot += s[o + l] * v[o + l];
          for (let l = 0; l < c; l++) {
            const h = s[o + l] * (v[o + l] - dot);
            out[o + l] = add ? out[o + l] + h : h;
          }
        }
      },
      diagonalBound(mask, out) {
        for (let o = 0; o < N * c; o += c) {
          let sigma = 0;
          for (let l = 0; l < c; l++) if (mask[l]) sigma += s[o + l];
          for (let l = 0; l < c; l++) if (mask[l]) out[o + l] = s[o + l] * (1 - 2 * s[o + l] + sigma);
        }
      },
    };
  }
}
