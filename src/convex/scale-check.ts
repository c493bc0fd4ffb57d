// Data whose magnitude would overflow (or underflow) float64 inside the solver is refused before
// any work, naming the array and the magnitude found. The solver squares what the data sets the
// scale of: ||A||^2 is its step size, 1/2 ||A w - Y||^2 its objective, so entries beyond ~1e150
// overflow; the solution scales as 1/X, so entries below ~1e-125 overflow it.
import type { Datafit, LinearOperator } from './types';
import { InputError } from '../data/errors';
import { maxAbs } from '../core/vec';

const RESCALE = 'rescale it (e.g. divide by its standard deviation); the optimum of the rescaled problem maps back by the same factor';

/**
 * opts.norm false: the operator's norm is not taken (its power iteration costs up to 16
 * applications), for a problem only bm solves, which never uses it (Problem.tooLargeToIterate); the
 * loss at zero and beta_max are still checked.
 */
export function checkScale(X: ArrayLike<number>, operator: LinearOperator, datafit: Datafit, betaMax: number, Y?: Float64Array, opts: { norm?: boolean } = {}): void {
  const xMax = maxAbs(X);
  if (opts.norm !== false) checkNorm(xMax, operator.normEstimate(), datafit);
  if (!Number.isFinite(datafit.value(new Float64Array(operator.rows)))) {
    throw new InputError('Y', `entries up to ${Y ? maxAbs(Y).toExponential(1) : '?'} overflow float64 in the loss 1/2 ||A w - Y||^2; ${RESCALE}`);
  }
  if (!Number.isFinite(betaMax)) {
    throw new InputError('X', `entries up to ${xMax.toExponential(1)} (with Y) overflow float64 in beta_max = max ||A^T grad f(0)||; ${RESCALE}`);
  }
}

/** ||A||^2 times the loss gradient's Lipschitz constant, FISTA's step size, in float64's normal range. */
function checkNorm(xMax: number, norm: number, datafit: Datafit): void {
  if (!Number.isFinite(datafit.lipschitz * norm * norm)) {
    throw new InputError('X', `entries up to ${xMax.toExponential(1)} overflow float64 in ||A||^2 (the solver's step size); ${RESCALE}`);
  }
  // The solution scales as 1/X, and its group norms square it: below ~1e-125 those overflow, and
  // the step size (and the 1e-6 x L floor of the line search) leave the normal float64 range.
  if (xMax > 0 && datafit.lipschitz * norm * norm < 1e-250) {
    throw new InputError('X', `entries up to ${xMax.toExponential(1)} underflow float64 in A^T A (and the solution, which scales as 1/X, overflows); ${RESCALE}`);
  }
}
