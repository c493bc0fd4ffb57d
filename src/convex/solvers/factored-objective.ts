// The Burer-Monteiro solver's objective: the factored model's loss + weight decay at the flat
// factors v = [W1 of every head, W2 of every head], as L-BFGS asks for it (a forward pass per value,
// a backward pass per gradient), remembered at the last point valued: a round of L-BFGS that starts
// where the last one stopped, and the certificate's A Z at the heads it stopped at, cost no pass.
import type { SmoothFunction } from '../../optim/lbfgs';
import type { Datafit } from '../../losses/datafit';
import { objectiveGradient, type Model } from '../../nn/models/model';

/** Passes of the factored model a solve made (the certificate's and the new heads' forward passes included). */
export interface ModelPasses { forward: number; backward: number }

export class FactoredObjective implements SmoothFunction {
  private at = new Float64Array(0);
  private val = NaN;
  private pred: Float64Array = new Float64Array(0);
  private grad: Float64Array | null = null;

  constructor(readonly model: Model, private readonly batch: { input: Float64Array; B: number; datafit: Datafit }, private readonly passes: ModelPasses) {}

  value(v: Float64Array): number {
    if (this.isAt(v)) return this.val;
    const [W1, W2] = this.model.params.map((p) => p.data as Float64Array);
    W1.set(v.subarray(0, W1.length));
    W2.set(v.subarray(W1.length));
    this.pred = this.model.forward(this.batch.input, this.batch.B);
    this.passes.forward++;
    this.at = Float64Array.from(v);
    this.grad = null;
    this.val = this.batch.datafit.value(this.pred) + this.model.weightDecay(null);
    return this.val;
  }

  gradient(g: Float64Array): void {
    if (this.grad) {
      g.set(this.grad);
      return;
    }
    const n1 = this.model.params[0].data.length;
    objectiveGradient(this.model, this.batch.datafit, this.pred, [g.subarray(0, n1), g.subarray(n1)]);
    this.passes.backward++;
    this.grad = Float64Array.from(g);
  }

  /** The model's predictions (A Z) at v when v is the last point valued, else null. */
  predictionAt(v: Float64Array): Float64Array | null {
    return this.isAt(v) ? this.pred : null;
  }

  private isAt(v: Float64Array): boolean {
    if (v.length !== this.at.length) return false;
    for (let i = 0; i < v.length; i++) if (v[i] !== this.at[i]) return false;
    return true;
  }
}
