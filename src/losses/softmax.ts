// The one softmax and logsumexp over a row of a flat buffer. Cross-entropy is logsumexp minus
// the true logit and its gradient is a softmax; every attention map (softmax attention's rows of
// scores, simplex attention's logits per head, the teacher's) is a softmax row too, so all of
// them share these loops and round identically.
import type { FloatArray } from '../core/blas-types';

/** log sum_l exp(a[o + l]) over l < len, shifted by the row's maximum so no exp overflows. */
export function logSumExp(a: ArrayLike<number>, o: number, len: number): number {
  let m = -Infinity;
  for (let l = 0; l < len; l++) m = Math.max(m, a[o + l]);
  let z = 0;
  for (let l = 0; l < len; l++) z += Math.exp(a[o + l] - m);
  return m + Math.log(z);
}

/** out[o + l] = softmax(logits[o .. o + len))_l, shifted by the row's maximum; out may be logits. */
export function softmaxRow(out: FloatArray, logits: ArrayLike<number>, o: number, len: number): void {
  let m = -Infinity;
  for (let l = 0; l < len; l++) m = Math.max(m, logits[o + l]);
  let z = 0;
  for (let l = 0; l < len; l++) z += (out[o + l] = Math.exp(logits[o + l] - m));
  for (let l = 0; l < len; l++) out[o + l] /= z;
}

/** Row-wise softmax of a (rows x cols) matrix. */
export function softmaxRows(out: FloatArray, logits: ArrayLike<number>, rows: number, cols: number): void {
  for (let r = 0; r < rows; r++) softmaxRow(out, logits, r * cols, cols);
}
