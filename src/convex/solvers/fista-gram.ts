// FISTA on the Gram form of a squared-loss program (issue 12). When the operator is
// pred[i, l] = <w_l, f_i> (w_l q features, laid out as types.ts's gramBlocks says; operator.gram()
// gives G = F^T F), the loss
//   0.5 ||A w - y||^2 = 0.5 <W G, W> - <B, W> + 0.5 ||y||^2,   B = A^T y (c x q),
// has the gradient W G - B: c q^2 multiply-adds per iteration instead of the 2 N q c of two
// passes over the data. The iterations never touch X. The step starts at 1 / (1.02 lambda), lambda
// from a few power iterations on G (q^2 each; a full eigendecomposition cost seconds at q = 2,048),
// and backtracks on the sufficient-decrease test 0.5 <D G, D> <= 0.5 L ||D||^2 (D = x+ - y), exact
// in the Gram form; the momentum restarts when the objective rises (as fista.ts). By linearity the
// extrapolated point's W G is a combination of the last two, so an iteration costs one
// (c x q) . (q x q) GEMM.
//
// Where the residual is tiny against ||y|| (a near-exact fit), W G - B is itself a difference of
// large numbers and the iterations stall at a gap of about 1e-7: `stallCertificates`
// certifications without a 1% better gap end the solve (not converged), and solve.ts's `auto`
// then hands the point to FISTA over the data.
//
// The certificate is never taken from the Gram form: a value computed as 0.5 <WG, W> - <B, W> +
// 0.5 ||y||^2 loses every digit of a residual far below ||y||. Every K iterations (K chosen so
// that certifying costs about what the iterations between cost) the current point is certified
// exactly as fista.ts does: A w by a pass over the data, the loss from the residual itself, the
// dual point from it and A^T of it by a second pass. The solve stops only on such a certificate.
import type { Problem, SolveOptions, SolveResult } from '../types';
import { blas } from '../../core/blas';
import { dualValue, primalValue } from '../duality';
import { NumericError } from '../numeric-error';
import { InputError } from '../../data/errors';
import { TimedOperator } from './timed-operator';
import { GapTracker, Momentum } from './tracker';
import { checkCapabilities } from './capabilities';

/** G larger than this (q > 11,585) is refused: forming it would take minutes and the memory of a large X. */
const GRAM_MAX_BYTES = 2 ** 30;

/** Why the Gram form cannot run on `problem` ('' when it can). */
export function gramUnavailable(problem: Problem): string {
  if (problem.datafit.name !== 'squared') return `the Gram form needs the squared loss, not ${problem.datafit.name}`;
  const q = problem.operator.gramWidth;
  if (!problem.operator.gram || !q) return 'this program\'s operator offers no Gram matrix (attention\'s and gated\'s do)';
  if (8 * q * q > GRAM_MAX_BYTES) return `its Gram matrix (${q} x ${q}) would take ${(8 * q * q / 1e9).toFixed(1)} GB`;
  return '';
}

/** Multiply-adds of the Gram form per iteration over those of one plain FISTA iteration (two passes). */
export function gramCostRatio(problem: Problem): number {
  const q = problem.operator.gramWidth!, c = problem.operator.cols / q;
  return (2 * c * q * q) / (2 * problem.operator.flopsPerApply);
}

/** lambda_max(G) from below: power iterations from a fixed start (q^2 each). */
function powerLambda(G: Float64Array, q: number, iterations = 30): number {
  let v = new Float64Array(q).fill(1 / Math.sqrt(q)), w = new Float64Array(q), lambda = 0;
  for (let k = 0; k < iterations; k++) {
    blas.gemm(false, false, q, 1, q, 1, G, q, v, 1, 0, w, 1);
    // the norm scaled by the largest entry: G of data near 1e100 has entries whose squares overflow
    let big = 0, sum = 0;
    for (let i = 0; i < q; i++) big = Math.max(big, Math.abs(w[i]));
    for (let i = 0; i < q; i++) sum += (w[i] / big) ** 2;
    const norm = big * Math.sqrt(sum);
    if (!(norm > 0)) return 0;
    lambda = norm;
    for (let i = 0; i < q; i++) w[i] /= norm;
    [v, w] = [w, v];
  }
  return lambda;
}

const SHRINK = 0.9, MAX_BACKTRACKS = 64;

export interface GramOptions extends SolveOptions {
  /** stop after this many certificates without a 1% smaller gap (the Gram form's rounding floor) */
  stallCertificates?: number;
}

export function fistaGram(problem: Problem, opts: GramOptions = {}): SolveResult & { method: 'gram' } {
  checkCapabilities(problem, 'gram');
  const why = gramUnavailable(problem);
  if (why) throw new InputError('solver', `gram cannot solve this program: ${why}; use \`solver\` fista`);
  const { datafit, penalty, beta } = problem;
  const prox = penalty.prox!.bind(penalty);
  const op = new TimedOperator(problem.operator);
  const tol = opts.tol ?? 1e-6, maxIter = opts.maxIter ?? 20000;
  const { rows, cols } = problem.operator;
  const tracker = new GapTracker(cols, rows, { ...opts, stallIterations: opts.stallCertificates ?? opts.stallIterations });
  const q = problem.operator.gramWidth!, G = problem.operator.gram!();
  const c = cols / q;

  // B = A^T y: the loss gradient at pred = 0 is -y; f(0) = 0.5 ||y||^2
  const zero = new Float64Array(rows), grad = new Float64Array(rows), scratch = new Float64Array(rows), Ax = new Float64Array(rows);
  datafit.gradient(zero, grad);
  const B = new Float64Array(cols);
  op.applyT(grad, B);
  for (let i = 0; i < cols; i++) B[i] = -B[i];
  const f0 = datafit.value(zero);
  const lambda = powerLambda(G, q);
  let L = lambda > 0 ? 1.02 * lambda : 1;
  const Lmin = 1e-6 * L;

  const gramValue = (w: Float64Array, WG: Float64Array) => {
    let quad = 0, lin = 0;
    for (let i = 0; i < cols; i++) { quad += w[i] * WG[i]; lin += B[i] * w[i]; }
    return 0.5 * quad - lin + f0;
  };
  // w is (hb, c, q / hb): with several blocks (gated) it is regrouped to c rows of q around the GEMM
  const hb = problem.operator.gramBlocks ?? 1, pb = q / hb;
  const rowsIn = hb > 1 ? new Float64Array(cols) : null, rowsOut = hb > 1 ? new Float64Array(cols) : null;
  const regroup = (src: Float64Array, dst: Float64Array, toRows: boolean) => {
    for (let j = 0; j < hb; j++) {
      for (let l = 0; l < c; l++) {
        const blockAt = (j * c + l) * pb, rowAt = (l * hb + j) * pb;
        if (toRows) dst.set(src.subarray(blockAt, blockAt + pb), rowAt);
        else dst.set(src.subarray(rowAt, rowAt + pb), blockAt);
      }
    }
  };
  const times = (w: Float64Array, out: Float64Array) => {
    if (!rowsIn || !rowsOut) return blas.gemm(false, false, c, q, q, 1, w, q, G, q, 0, out, q);
    regroup(w, rowsIn, true);
    blas.gemm(false, false, c, q, q, 1, rowsIn, q, G, q, 0, rowsOut, q);
    regroup(rowsOut, out, false);
  };
  const gAt = new Float64Array(cols);
  const certify = (w: Float64Array) => {
    op.apply(w, Ax);
    tracker.offerPrimal(primalValue(problem, w, Ax), w, Ax);
    datafit.gradient(Ax, grad);
    op.applyT(grad, gAt);
    tracker.offerDual(dualValue(problem, grad, gAt, scratch), scratch);
  };
  // certify about as often as the iterations between cost two passes over the data
  const every = Math.max(1, Math.round(1 / Math.max(gramCostRatio(problem), 1e-9)));

  let x = opts.w0 ? Float64Array.from(opts.w0) : new Float64Array(cols);
  let xPrev = x.slice(), xNew = new Float64Array(cols);
  let XG = new Float64Array(cols);
  times(x, XG);
  let XGprev = XG.slice(), XGnew = new Float64Array(cols);
  const y = new Float64Array(cols), YG = new Float64Array(cols), v = new Float64Array(cols);
  let mom = 0;
  const momentum = new Momentum(gramValue(x, XG) + beta * penalty.value(x));
  certify(x);

  // the tracker's stopping tests (gap, stall, target, time) are asked only after a certificate:
  // between them its numbers do not move
  tracker.report(0);
  let stop = tracker.done(tol), it = 0;
  while (it < maxIter && !stop) {
    it++;
    for (let i = 0; i < cols; i++) {
      y[i] = x[i] + mom * (x[i] - xPrev[i]);
      YG[i] = (1 + mom) * XG[i] - mom * XGprev[i];
    }
    L = Math.max(L * SHRINK, Lmin);
    for (let backtracks = 0; ; backtracks++) {
      for (let i = 0; i < cols; i++) v[i] = y[i] - (YG[i] - B[i]) / L; // the gradient at y is y G - B
      prox(v, beta / L, xNew);
      times(xNew, XGnew);
      // f(x+) - f(y) - <grad, x+ - y> = 0.5 <D G, D> with D = x+ - y, against 0.5 L ||D||^2
      let curv = 0, sq = 0;
      for (let i = 0; i < cols; i++) {
        const dlt = xNew[i] - y[i];
        curv += dlt * (XGnew[i] - YG[i]);
        sq += dlt * dlt;
      }
      if (curv <= L * sq) break;
      if (backtracks >= MAX_BACKTRACKS || !Number.isFinite(L)) throw new NumericError(`gram: the line search found no step after ${backtracks} doublings of L = ${L.toExponential(2)}; rescale X or Y`);
      L *= 2;
    }
    const primal = gramValue(xNew, XGnew) + beta * penalty.value(xNew);
    [xPrev, x, xNew] = [x, xNew, xPrev];
    [XGprev, XG, XGnew] = [XG, XGnew, XGprev];
    mom = momentum.next(primal);
    if (it % every === 0 || it === maxIter || tracker.timeUp()) {
      certify(x);
      stop = tracker.done(tol);
      tracker.report(it); // progress at certificates only: between them its numbers do not move
    }
  }
  return { ...tracker.finish(it, tol, op), method: 'gram' };
}
