// The factored form (types.ts FactoredForm) of a nuclear-norm program whose heads are its
// non-convex model's (W1j, W2j): what the Burer-Monteiro solver needs, from the program's layout of
// a left singular vector in W1j (linear attention's transpose; the mixers' copy) and its model.
import type { FactoredForm } from '../types';
import type { Model } from '../../nn/models/model';

export function factoredForm(
  blocks: number, rows: number, cols: number, layout: ((u: Float64Array, out: Float64Array) => void) | null,
  model: (gateOf: Int32Array, beta: number) => Model, input: Float64Array, N: number, flops: { shared: number; perHead: number },
): FactoredForm {
  // both layouts here are their own inverse
  const map = layout ?? ((u: Float64Array, out: Float64Array) => out.set(u));
  return { blocks, rows, cols, toW1: map, fromW1: map, model, input, N, flopsShared: flops.shared, flopsPerHead: flops.perHead };
}
