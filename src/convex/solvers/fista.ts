// Accelerated proximal gradient (FISTA, Beck & Teboulle 2009) with backtracking on the step
// and function-value restart (O'Donoghue & Candes 2015). It stops on the duality gap.
//
// Cost per iteration: one A^T (gradient at the extrapolated point y) and one A (at the new
// point), plus one more A per backtracking step. A y is never computed: by linearity
// A y = (1 + m) A x - m A x_prev. The dual point is built from the gradient at y, which the
// iteration needs anyway, so the certificate costs no operator application.
import type { Problem, SolveOptions, SolveResult } from '../types';
import { dualValue, primalValue } from '../duality';
import { TimedOperator } from './timed-operator';
import { GapTracker, Momentum } from './tracker';
import { NumericError } from '../numeric-error';
import { checkCapabilities } from './capabilities';

// Each iteration first tries a 10% longer step; backtracking undoes it where the curvature is
// higher. Cross-entropy gains most: its global constant 1/2 is far above the local curvature.
const SHRINK = 0.9;
// L starts at the power-iteration estimate of the curvature and shrinks 10% per iteration, so a
// handful of doublings restores it. 64 (a factor 1.8e19) only fail when values are not finite.
const MAX_BACKTRACKS = 64;

export function fista(problem: Problem, opts: SolveOptions = {}): SolveResult {
  checkCapabilities(problem, 'fista');
  const { datafit, penalty, beta } = problem;
  const prox = penalty.prox!.bind(penalty);
  const op = new TimedOperator(problem.operator);
  const tol = opts.tol ?? 1e-6;
  const maxIter = opts.maxIter ?? 20000;
  const rows = problem.operator.rows;
  const cols = problem.operator.cols;
  const tracker = new GapTracker(cols, rows, opts);

  let x = opts.w0 ? Float64Array.from(opts.w0) : new Float64Array(cols);
  let xPrev = x.slice();
  let Ax = new Float64Array(rows);
  op.apply(x, Ax);
  let AxPrev = Ax.slice();
  let xNew = new Float64Array(cols);
  let AxNew = new Float64Array(rows);
  const y = new Float64Array(cols);
  const Ay = new Float64Array(rows);
  const grad = new Float64Array(rows);
  const g = new Float64Array(cols);
  const v = new Float64Array(cols);
  const scratch = new Float64Array(rows);

  const norm = problem.operator.normEstimate();
  // Power iteration approaches ||A|| from below; 2% headroom saves most first backtracks.
  // (An absolute floor here, once 1e-12, froze every solve on data with entries below ~1e-6:
  // the step was 1e-12 / L too short. With A = 0 any step is exact.)
  let L = norm > 0 ? 1.02 * datafit.lipschitz * norm * norm : 1;
  const Lmin = 1e-6 * L;
  let mom = 0;
  const primal0 = primalValue(problem, x, Ax);
  const momentum = new Momentum(primal0);
  tracker.offerPrimal(primal0, x, Ax);

  let it = 0;
  while (it < maxIter) {
    it++;
    for (let i = 0; i < cols; i++) y[i] = x[i] + mom * (x[i] - xPrev[i]);
    for (let i = 0; i < rows; i++) Ay[i] = (1 + mom) * Ax[i] - mom * AxPrev[i];
    datafit.gradient(Ay, grad);
    op.applyT(grad, g);
    tracker.offerDual(dualValue(problem, grad, g, scratch), scratch);

    let fNew = NaN;
    L = Math.max(L * SHRINK, Lmin);
    for (let backtracks = 0; ; backtracks++) {
      for (let i = 0; i < cols; i++) v[i] = y[i] - g[i] / L;
      prox(v, beta / L, xNew);
      op.apply(xNew, AxNew);
      let sq = 0;
      for (let i = 0; i < cols; i++) sq += (xNew[i] - y[i]) ** 2;
      // Sufficient decrease, f(x+) <= f(y) + <g, x+ - y> + L/2 ||x+ - y||^2, tested through the
      // Bregman divergence so that it stays exact when f(x+) and f(y) agree to many digits.
      if (datafit.bregman(AxNew, Ay) <= 0.5 * L * sq) {
        fNew = datafit.value(AxNew);
        break;
      }
      if (backtracks >= MAX_BACKTRACKS || !Number.isFinite(L)) {
        throw new NumericError(`fista: the line search found no step after ${backtracks} doublings of L = ${L.toExponential(2)} ` +
          `(the Bregman divergence is ${datafit.bregman(AxNew, Ay)}: the predictions overflow float64); rescale X or Y`);
      }
      if (tracker.timeUp()) break; // --time-limit holds inside the line search too
      L *= 2;
    }
    if (Number.isNaN(fNew)) break; // out of time mid line search: keep the best point so far
    const primal = fNew + beta * penalty.value(xNew);
    tracker.offerPrimal(primal, xNew, AxNew);

    // Rotate buffers: prev <- x, x <- new.
    [xPrev, x, xNew] = [x, xNew, xPrev];
    [AxPrev, Ax, AxNew] = [Ax, AxNew, AxPrev];
    mom = momentum.next(primal);
    tracker.report(it);
    if (tracker.done(tol)) break;
  }
  return tracker.finish(it, tol, op);
}
