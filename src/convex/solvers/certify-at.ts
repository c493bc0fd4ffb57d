// The certificate at a given point, without an iteration: the primal value at w and the dual bound
// from the loss gradient at A w (two operator passes). solveCertified uses it to certify a
// float32 phase's point in float64 when the phase used up the iteration limit, and Adam's point.
import type { Problem, SolveResult } from '../types';
import { dualValue, primalValue } from '../duality';
import { GapTracker } from './tracker';
import { TimedOperator } from './timed-operator';

export function certifyAt(problem: Problem, w: Float64Array, tol: number): SolveResult {
  const op = new TimedOperator(problem.operator);
  const { rows, cols } = problem.operator;
  const tracker = new GapTracker(cols, rows, {});
  const pred = new Float64Array(rows);
  op.apply(w, pred);
  tracker.offerPrimal(primalValue(problem, w, pred), w, pred);
  const grad = new Float64Array(rows), g = new Float64Array(cols), scratch = new Float64Array(rows);
  problem.datafit.gradient(pred, grad);
  op.applyT(grad, g);
  tracker.offerDual(dualValue(problem, grad, g, scratch), scratch);
  return tracker.finish(0, tol, op);
}
