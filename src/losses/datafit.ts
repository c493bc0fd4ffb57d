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
  /**
   * The Hessian at pred: one c x c block per sample (the prox-Newton solver's curvature). It does
   * not depend on the targets, so pred may hold the rows of any subset of the samples.
   */
  hessian?(pred: Float64Array): SampleHessian;
}

/** A loss's Hessian at one prediction, block diagonal over samples (c x c blocks). */
export interface SampleHessian {
  /** out = H v, or out += H v with add */
  times(v: Float64Array, out: Float64Array, add?: boolean): void;
  /**
   * out[i, l] for the outputs l with mask[l] = 1: a diagonal that bounds sample i's block restricted
   * to those outputs from above (diag(out_i) - H_i[S, S] is positive semidefinite); other entries
   * are left alone.
   */
  diagonalBound(mask: Uint8Array, out: Float64Array): void;
}
