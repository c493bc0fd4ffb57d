// The arrays weights.npz holds for the simplex-attention programs: Z and the recovered heads
// (W1 rows on the simplex: each head's fixed attention pattern; W2 values; W3 output weights).
import type { RecoveredWeights } from '../recovery/heads';
import type { NamedArray } from '../../data/npz';

export function headWeights(Z: Float64Array, rec: RecoveredWeights, zShape: number[]): Record<string, NamedArray> {
  return {
    Z: { data: Z, shape: zShape },
    W1: { data: rec.W1, shape: [rec.H, rec.n] },
    W2: { data: rec.W2, shape: [rec.H, rec.d] },
    W3: { data: rec.W3, shape: [rec.H, rec.c] },
  };
}
