// A generated task as the arrays of an .npz, so NumPy and PyTorch users run the same split:
//   ids:    ids_train (Ntr, seq) int32, y_train (Ntr,) int32, ids_test, y_test;
//   tokens: X (Ntr, seq, vocab) float32 one-hot, y, X_test, y_test: what `fit --loss ce` reads;
// and in both the task's metadata (p, op, vocab, train_frac, seed, counts), one small array each.
import type { NamedArray } from '../ndarray';
import type { TaskData } from './task';

export const TASK_FORMATS = ['ids', 'tokens'] as const;
export type TaskFormat = typeof TASK_FORMATS[number];

function rows(data: TaskData, which: Int32Array): { ids: Int32Array; labels: Int32Array } {
  const ids = new Int32Array(which.length * data.seq), labels = new Int32Array(which.length);
  which.forEach((e, i) => {
    ids.set(data.ids.subarray(e * data.seq, (e + 1) * data.seq), i * data.seq);
    labels[i] = data.labels[e];
  });
  return { ids, labels };
}

/** One-hot rows (one per id, `vocab` wide): exact in float32 and half the size of float64. Tokens here, labels in vision.ts. */
export function oneHot(ids: Int32Array, vocab: number): Float32Array {
  const X = new Float32Array(ids.length * vocab);
  ids.forEach((id, t) => { X[t * vocab + id] = 1; });
  return X;
}

/** An integer metadata value as int64 (NumPy's default integer), a fraction as float64. */
export function scalar(v: number): NamedArray {
  return Number.isInteger(v) ? { data: BigInt64Array.of(BigInt(v)), shape: [] } : { data: Float64Array.of(v), shape: [] };
}

export function taskArrays(data: TaskData, format: TaskFormat): Record<string, NamedArray> {
  const out: Record<string, NamedArray> = {};
  for (const [split, which] of [['train', data.train], ['test', data.test]] as const) {
    const { ids, labels } = rows(data, which);
    const suffix = split === 'train' ? '' : '_test';
    if (format === 'ids') out[`ids_${split}`] = { data: ids, shape: [which.length, data.seq] };
    else out[`X${suffix}`] = { data: oneHot(ids, data.vocab), shape: [which.length, data.seq, data.vocab] };
    out[format === 'ids' ? `y_${split}` : `y${suffix}`] = { data: labels, shape: [which.length] };
  }
  for (const [key, v] of Object.entries(data.metadata)) out[key] = scalar(v);
  return out;
}
