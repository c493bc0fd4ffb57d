// What every loss offers the solvers and the models: value, gradient, conjugate (for the duality
// gap), Bregman divergence (for FISTA's step test) and smoothness.

/** A loss summed over samples, with its target bound in. pred is (N, c) row-major. */
export interface Datafit {
  readonly name: 'squared' | 'ce';
  readonly samples: number;
  readonly outputs: number;
  value(pred: Float64Array): number;
  gradient(pred: Float64Array, out: Float64Array): void;
  /** Fenchel conjugate f*(u); +Infinity outside its domain. */
  conjugate(u: Float64Array): number;
  /**
   * Bregman divergence f(p) - f(q) - <grad f(q), p - q>, computed without the cancellation of
   * subtracting two values of f, so the step-size test stays exact near the optimum.
   */
  bregman(p: Float64Array, q: Float64Array): number;
  /** Lipschitz constant of the gradient. */
  readonly lipschitz: number;
}
