// Heads written by anyone (`check --weights`), read key by key: an array of shape (H, ...tail),
// finite, each error naming the key. The Sahiner and matrix-target programs read their heads with it.
import { InputError } from '../../data/errors';
import { float64Values, type NdArray } from '../../data/ndarray';
import { missingKey } from '../../data/missing-key';

/** arrays[key] of shape (H, ...tail), checked finite. */
export function headArray(arrays: Record<string, NdArray>, key: string, tail: readonly number[]): { H: number; values: Float64Array } {
  const a = arrays[key];
  const shape = `(H${tail.map((t) => `, ${t}`).join('')}${tail.length ? '' : ','})`;
  if (!a) throw missingKey(key, `heads of shape ${shape}`, Object.keys(arrays));
  if (a.shape.length !== 1 + tail.length || tail.some((t, i) => a.shape[i + 1] !== t)) {
    throw new InputError(key, `has shape (${a.shape.join(', ')}${a.shape.length === 1 ? ',' : ''}); expected ${shape}`);
  }
  a.values.forEach((v, i) => { if (!Number.isFinite(v)) throw new InputError(key, `contains ${v} at flat index ${i}; expected finite numbers`); });
  return { H: a.shape[0], values: float64Values(a, key) };
}

/** W1 (H, ...w1) and W2 (H, ...w2), the heads of a two-factor model, with the same H. */
export function readFactorHeads(arrays: Record<string, NdArray>, w1: [number, number], w2: [number, number]): { H: number; W1: Float64Array; W2: Float64Array } {
  const W1 = headArray(arrays, 'W1', w1), W2 = headArray(arrays, 'W2', w2);
  if (W1.H !== W2.H) throw new InputError('W2', `holds ${W2.H} heads; W1 holds ${W1.H}`);
  return { H: W1.H, W1: W1.values, W2: W2.values };
}

/** A file's group index per head (`gate`, `band`), (H,): integers in [0, P), else refused naming the key. */
export function groupIndices(values: ArrayLike<number>, P: number, key: string, what: string): Int32Array {
  return Int32Array.from(values, (g, j) => {
    if (!(Number.isInteger(g) && g >= 0 && g < P)) throw new InputError(key, `holds ${g} at head ${j}; expected an integer ${what} in [0, ${P})`);
    return g;
  });
}

/** Heads a model with head j in group j mod P needs to hold an optimum whose heads sit in `group`: P times the busiest group's count. */
export function headsInTurn(group: Int32Array, P: number): number {
  const count = new Int32Array(P);
  for (const g of group) count[g]++;
  return P * Math.max(1, ...count);
}
