// Loss per sample and accuracy of predictions (N, c) (or (N, n, c) per token), for reports.
import type { LossKind, Targets } from './types';
import { makeDatafit } from './programs/assemble';
import { targetRows } from '../data/tokens';

export interface SplitMetrics {
  /** the loss averaged over samples (squared: 1/2 ||yhat - y||^2 per sample) */
  loss: number;
  /** argmax accuracy: against labels (ce), or against argmax of Y when c > 1 (squared); null for c = 1 */
  accuracy: number | null;
}

function argmax(a: ArrayLike<number>, off: number, c: number): number {
  let best = 0;
  for (let l = 1; l < c; l++) if (a[off + l] > a[off + best]) best = l;
  return best;
}

/** With per-token targets the loss is still per sample (summed over its tokens) and the accuracy per token. */
export function splitMetrics(loss: LossKind, pred: Float64Array, targets: Targets, N: number): SplitMetrics {
  const value = makeDatafit(loss, targets, N).value(pred);
  const c = targets.c, rows = targetRows(targets, N);
  let accuracy: number | null = null;
  if (targets.y || c > 1) {
    let hits = 0;
    for (let i = 0; i < rows; i++) {
      const truth = targets.y ? targets.y[i] : argmax(targets.Y!, i * c, c);
      if (argmax(pred, i * c, c) === truth) hits++;
    }
    accuracy = hits / rows;
  }
  return { loss: value / N, accuracy };
}
