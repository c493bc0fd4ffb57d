// Non-convex simplex-attention weights written by anyone, in the layout `fit` writes to
// weights.npz: W1 (H, n) rows on the simplex, W2 (H, d), W3 (H, c), and for gated models the
// gate each head uses, gate (H,) in 0..h-1. Checked key by key, each error naming the key.
import { float64Values, type NdArray } from '../../data/ndarray';
import type { RecoveredWeights } from './heads';
import { InputError } from '../../data/errors';
import { missingKey } from '../../data/missing-key';

/** How far a W1 row may be from the simplex: float32 softmax rows sum to 1 within ~1e-7. */
export const SIMPLEX_TOL = 1e-5;

function matrix(arrays: Record<string, NdArray>, key: string, cols: number, what: string, H?: number): Float64Array {
  const a = arrays[key];
  if (!a) throw missingKey(key, `${what} of shape (H, ${cols})`, Object.keys(arrays));
  if (a.shape.length !== 2 || a.shape[1] !== cols || (H !== undefined && a.shape[0] !== H)) {
    throw new InputError(key, `has shape (${a.shape.join(', ')}); expected (${H ?? 'H'}, ${cols}): ${what}`);
  }
  a.values.forEach((v, i) => {
    if (!Number.isFinite(v)) throw new InputError(key, `contains ${v} at flat index ${i}; expected finite numbers`);
  });
  return float64Values(a, key);
}

export function readHeads(arrays: Record<string, NdArray>, [h, c, n, d]: readonly [number, number, number, number]): RecoveredWeights {
  const W1 = matrix(arrays, 'W1', n, 'one attention row per head over the n tokens, on the simplex');
  const H = W1.length / n;
  for (let j = 0; j < H; j++) {
    let sum = 0;
    for (let k = 0; k < n; k++) {
      const v = W1[j * n + k];
      if (v < 0) throw new InputError('W1', `row ${j} has ${v} at token ${k}; expected rows on the simplex (non-negative, summing to 1: Ergen et al. eq. 9)`);
      sum += v;
    }
    if (Math.abs(sum - 1) > SIMPLEX_TOL) throw new InputError('W1', `row ${j} sums to ${sum}; expected rows on the simplex (summing to 1 within ${SIMPLEX_TOL})`);
  }
  const W2 = matrix(arrays, 'W2', d, 'one value vector per head', H);
  const W3 = matrix(arrays, 'W3', c, 'one output row per head', H);
  const gate = new Int32Array(H);
  const g = arrays.gate;
  if (g) {
    if (g.shape.length !== 1 || g.shape[0] !== H) throw new InputError('gate', `has shape (${g.shape.join(', ')}); expected (${H},), the gate of each head`);
    g.values.forEach((v, j) => {
      if (!(Number.isInteger(v) && v >= 0 && v < h)) throw new InputError('gate', `is ${v} for head ${j}; expected an integer in 0..${h - 1} (${h} gate${h === 1 ? '' : 's'})`);
      gate[j] = v;
    });
  } else if (h > 1 && H > 0) {
    throw missingKey('gate', `the gate of each head, shape (${H},), for a model with ${h} gates`, Object.keys(arrays));
  }
  return { H, n, d, c, W1, W2, W3, gate, heads: [] };
}
