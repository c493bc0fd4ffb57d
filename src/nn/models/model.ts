// What the trainer needs from a non-convex model: flat parameter buffers, the objective exactly
// as its paper writes it (loss summed over samples + weight decay) with its gradient, and
// predictions on other data.
import type { Datafit } from '../../convex/types';

export interface Model {
  readonly name: string;
  readonly params: Float64Array[];
  /** Objective on the training data; writes its gradient into `grads` (same layout as params). */
  objective(grads: Float64Array[] | null): number;
  /** Predictions (N, c) for tokens X (N, n, d). */
  predict(X: Float64Array, N: number): Float64Array;
  /** Where the model attends: a distribution over the n tokens, averaged over samples and heads. */
  attentionMap(): Float64Array;
}

export interface ModelData {
  X: Float64Array;
  N: number;
  n: number;
  d: number;
  c: number;
  datafit: Datafit;
}

export const zeros = (params: Float64Array[]): Float64Array[] => params.map((p) => new Float64Array(p.length));
