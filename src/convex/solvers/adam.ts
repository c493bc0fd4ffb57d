// Adam on the convex objective f(A w) + beta * Omega(w), what the papers ran, along the subgradient
// the penalty declares (group l2: w_g / ||w_g||, 0 at w_g = 0), so Adam never sets a group exactly
// to zero. It reports the same certificate as FISTA: the dual point comes from the loss gradient
// at the current prediction, which each step computes anyway.
import type { Problem, SolveOptions, SolveResult } from '../types';
import { checkCapabilities } from './capabilities';
import { dualValue, primalValue } from '../duality';
import { TimedOperator } from './timed-operator';
import { GapTracker } from './tracker';
import { adamMoments } from '../../optim/transform';

export interface AdamOptions extends SolveOptions {
  lr?: number;
  beta1?: number;
  beta2?: number;
  eps?: number;
}

export function adamConvex(problem: Problem, opts: AdamOptions = {}): SolveResult {
  const { datafit, penalty, beta } = problem;
  checkCapabilities(problem, 'adam');
  const subgradient = penalty.subgradient!.bind(penalty);
  const op = new TimedOperator(problem.operator);
  const tol = opts.tol ?? 1e-6;
  const maxIter = opts.maxIter ?? 20000;
  const lr = opts.lr ?? 1e-2;
  const b1 = opts.beta1 ?? 0.9;
  const b2 = opts.beta2 ?? 0.999;
  const eps = opts.eps ?? 1e-8;
  const rows = problem.operator.rows;
  const cols = problem.operator.cols;
  const tracker = new GapTracker(cols, rows, opts);

  const w = opts.w0 ? Float64Array.from(opts.w0) : new Float64Array(cols);
  const pred = new Float64Array(rows);
  const grad = new Float64Array(rows);
  const g = new Float64Array(cols);
  const m = new Float64Array(cols);
  const v = new Float64Array(cols);
  const scratch = new Float64Array(rows);
  const sub = new Float64Array(cols);

  let it = 0;
  while (it < maxIter) {
    op.apply(w, pred);
    tracker.offerPrimal(primalValue(problem, w, pred), w, pred);
    datafit.gradient(pred, grad);
    op.applyT(grad, g);
    tracker.offerDual(dualValue(problem, grad, g, scratch), scratch);
    tracker.report(it);
    if (tracker.done(tol)) break;
    it++;
    subgradient(w, beta, sub);
    for (let i = 0; i < cols; i++) g[i] += sub[i];
    adamMoments(g, m, v, it, b1, b2, eps, lr); // g becomes Adam's step (the optimizer's own moments)
    for (let i = 0; i < cols; i++) w[i] -= g[i];
  }
  return tracker.finish(it, tol, op);
}
