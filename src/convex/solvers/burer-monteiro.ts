// The low-rank path of the nuclear-norm programs (Burer & Monteiro 2003; with rank increase as in
// Journee, Bach, Absil & Sepulchre 2010): min_Z f(A Z) + beta sum_g ||Z_g||_* solved over heads,
// Z_g = sum_{j on g} u_j v_j^T with weight decay beta/2 sum_j (||u_j||^2 + ||v_j||^2), by L-BFGS
// on the program's own non-convex model (Problem.factored). No SVD and no pass of the convex
// operator per iteration: an iteration costs one forward and backward pass of the model. The
// factored objective is not convex, so every so often the heads are certified as FISTA's points
// are: Z formed, the primal f(A Z) + beta sum ||Z_g||_* and the dual point from the loss gradient
// at A Z, scaled into the dual constraint max_g ||A_g^T theta||_2 <= beta (A^T grad by the operator,
// A Z by the model where it is cheaper, and the blocks' SVDs). A stationary point of the factored problem whose gradient matrix satisfies
// that constraint is a global optimum (docs/burer-monteiro.md); where a block violates it, its
// top singular directions above beta are descent directions, and each becomes a new head
// (the rank grows only where the certificate says it must).
import type { FactoredForm, Problem, SolveOptions, SolveResult } from '../types';
import { dualValue } from '../duality';
import { TimedOperator } from './timed-operator';
import { GapTracker } from './tracker';
import { checkCapabilities } from './capabilities';
import { svd, svdTop, type Svd } from '../../core/linalg';
import { blockSvdsOfHeads } from '../recovery/factored-svd';
import { rankTolerance } from '../penalties/nuclear';
import { emptyPairs, lbfgs, type LbfgsPairs } from '../../optim/lbfgs';
import { FactoredObjective, type ModelPasses } from './factored-objective';
import { gatedFactorsOfSvds, gatedFactorsToZ, recoverGatedFactors, type GatedFactorHeads } from '../recovery/gated-factor-heads';

/** At most this many new heads per block and certificate. */
const MAX_NEW_PER_BLOCK = 4;
/** The gradient matrix's leading singular directions taken per block and certificate (new heads are picked among them). */
const TOP_DIRECTIONS = 4 * MAX_NEW_PER_BLOCK;
/** A singular direction of the gradient matrix is new to a block when at least this share of its norm lies outside the span of the block's heads. */
const NEW_DIRECTION = 0.5;
/** Stalled L-BFGS adds heads only while the dual constraint's violation, omega / beta - 1, has not fallen below this share of the last certificate's. */
const VIOLATION_KEPT = 0.5;
/** L-BFGS has stalled when a round lowered the objective by less than this share of the gap it started from. */
const STALL = 0.25;
/**
 * L-BFGS iterations between certificates. A fixed count, not a time budget, so that a solve takes
 * the same path on every machine; on the benches a certificate costs one to three iterations.
 */
const INNER = 10;
/**
 * At a certificate near dual feasibility (omega <= PRUNE_NEAR beta), Z's singular values sigma with
 * (omega + beta) sigma below PRUNE times the gap are dropped (the heads refactored from Z's SVD):
 * dropping one moves the objective by at most about (omega + beta) sigma (its penalty, and its loss,
 * which the gradient matrix bounds by ||G|| sigma), a small share of the gap still to close, and
 * the heads the optimum does not need stop costing passes of the model once they have shrunk that
 * far. Far from dual feasibility the gap is mostly the dual point's scaling, says little about the
 * primal, and nothing is pruned.
 */
const PRUNE = 1e-2, PRUNE_NEAR = 1.1;

/** Heads in the model's layout: W1 (H, rows) and W2 (H, cols), one after the other as L-BFGS sees them, each on block gate[j]. */
type Heads = Pick<GatedFactorHeads, 'H' | 'W1' | 'W2' | 'gate'>;

export function burerMonteiro(problem: Problem, opts: SolveOptions = {}): SolveResult & { method: 'bm'; passes: ModelPasses } {
  checkCapabilities(problem, 'bm');
  const form = problem.factored!, { datafit, beta } = problem;
  const { blocks: P, rows, cols } = form;
  const op = new TimedOperator(problem.operator);
  const tol = opts.tol ?? 1e-6, maxIter = opts.maxIter ?? 20000;
  const tracker = new GapTracker(op.op.cols, op.op.rows, opts);
  const Z = new Float64Array(op.op.cols), pred = new Float64Array(op.op.rows), grad = new Float64Array(op.op.rows);
  const g = new Float64Array(op.op.cols), scratch = new Float64Array(op.op.rows);
  const batch = { input: form.input, B: form.N, datafit };
  let heads: Heads = opts.w0 ? recoverGatedFactors(opts.w0, P, rows, cols, form.toW1) : { H: 0, W1: new Float64Array(0), W2: new Float64Array(0), gate: new Int32Array(0) };
  let it = 0, stalled = false, stuck = false, lastViolation = Infinity, grew = false;
  let objective: FactoredObjective | undefined;
  const pairs = emptyPairs(), passes: ModelPasses = { forward: 0, backward: 0 };
  /** Z, A Z and the primal f(A Z) + beta sum_g ||Z_g||_* at the heads, offered; Z's blocks' SVDs, from the heads' factors (no SVD of a rows x cols block) */
  const offerPrimal = (): Svd[] => {
    Z.set(gatedFactorsToZ(heads, P, rows, cols, form.fromW1));
    const known = objective?.predictionAt(flat(heads));
    if (known) pred.set(known); // L-BFGS's last point: the model has just made A Z there
    else predictAt(heads, Z, form, op, beta, pred, passes);
    const zSvds = blockSvdsOfHeads(heads, P, rows, cols, form.fromW1);
    tracker.offerPrimal(datafit.value(pred) + beta * zSvds.reduce((sum, t) => sum + t.s.reduce((a, v) => a + v, 0), 0), Z, pred);
    return zSvds;
  };
  for (;;) {
    // the certificate at the heads, exactly as FISTA's (the same primal and dual point; Z's nuclear
    // norms from the heads' factors, G's spectral norm from its Gram matrix: neither a full SVD)
    const zSvds = offerPrimal();
    datafit.gradient(pred, grad);
    op.applyT(grad, g);
    // the gradient matrix's top singular triplets: its spectral norm (the dual constraint, bounded
    // from above for rounding) and the directions of new heads; all of them where those run out
    const block = (b: number) => g.subarray(b * rows * cols, (b + 1) * rows * cols);
    const blockSvds: Svd[] = Array.from({ length: P }, (_, b) => svdTop(block(b), rows, cols, Math.min(rows, cols, TOP_DIRECTIONS)));
    const omega = Math.max(...blockSvds.map((t) => (t as ReturnType<typeof svdTop>).upper));
    const widen = (b: number) => (blockSvds[b] = svdTop(block(b), rows, cols, Math.min(rows, cols)));
    tracker.offerDual(dualValue(problem, grad, g, scratch, omega), scratch);
    tracker.report(it);
    if (tracker.done(tol) || it >= maxIter) break;
    // Z's singular directions below the floor go (heads are not orthogonal, so their sizes alone
    // miss them), but not right after new heads came: they start small, and need a round to grow
    const prunable = !grew && omega <= PRUNE_NEAR * beta;
    const kept = prunable ? gatedFactorsOfSvds(zSvds, rows, cols, form.toW1, PRUNE * (tracker.bestPrimal - tracker.bestDual) / (omega + beta)) : heads;
    if (kept.H < heads.H) {
      heads = kept;
      objective = undefined;
      pairs.S.length = pairs.Y.length = pairs.rho.length = 0;
    }
    // a violation L-BFGS is not shrinking is a missing head; one it is shrinking is its to close
    // (and a round without a step shrank nothing)
    const violation = omega / beta - 1, persists = violation >= VIOLATION_KEPT * lastViolation;
    lastViolation = violation;
    const grown = grow(heads, blockSvds, widen, beta, stuck || (stalled && persists), form, op, datafit.lipschitz, pred, passes);
    if (grown.H === 0 || (stuck && grown.H === heads.H)) break; // nothing left to move
    grew = grown.H > heads.H;
    if (grew) {
      padPairs(pairs, heads.H, grown.H, rows, cols);
      objective = undefined;
    }
    heads = grown;
    // L-BFGS on the factored objective; the same heads keep their model (its buffers, and its last point)
    objective ??= new FactoredObjective(form.model(heads.gate, beta), batch, passes);
    const x = flat(heads);
    const r = lbfgs(objective, x, { maxIter: Math.min(INNER, maxIter - it), stop: () => tracker.timeUp(), pairs });
    it += r.iterations;
    // stalled: no step found, or the round closed little of the gap it started from
    stuck = r.reason === 'no-decrease' || r.iterations === 0;
    stalled = stuck || r.startValue - r.value < STALL * (tracker.bestPrimal - tracker.bestDual);
    heads = { ...heads, W1: x.slice(0, heads.W1.length), W2: x.slice(heads.W1.length) };
    if (r.reason === 'stopped') {
      offerPrimal(); // out of time: the last heads' primal still counts
      break;
    }
  }
  return { ...tracker.finish(it, tol, op), method: 'bm' as const, passes };
}

/** The heads as L-BFGS sees them: every head's W1, then every head's W2. */
function flat(heads: Heads): Float64Array {
  const x = new Float64Array(heads.W1.length + heads.W2.length);
  x.set(heads.W1);
  x.set(heads.W2, heads.W1.length);
  return x;
}

/**
 * The curvature pairs of H heads carried to H' > H heads (the new ones after the old, in W1 and in
 * W2), zero in the new heads' coordinates: they still describe the objective along the old heads,
 * and along the new ones the two-loop recursion falls back to its scaling s'y / y'y. Dropping them
 * instead made the first step a unit-length one, which the line search had to shorten by passes.
 */
function padPairs(pairs: LbfgsPairs, H: number, grownH: number, rows: number, cols: number): void {
  const pad = (v: Float64Array) => {
    const w = new Float64Array(grownH * (rows + cols));
    w.set(v.subarray(0, H * rows));
    w.set(v.subarray(H * rows), grownH * rows);
    return w;
  };
  if (pairs.S.length > 0 && pairs.S[0].length !== H * (rows + cols)) throw new Error(`padPairs: pairs of length ${pairs.S[0].length}, expected ${H * (rows + cols)}`);
  pairs.S = pairs.S.map(pad);
  pairs.Y = pairs.Y.map(pad);
}

/**
 * New heads where block b's gradient matrix G_b = A_b^T grad has singular values sigma_k above beta,
 * on a block without heads, or on any once L-BFGS has stalled at the heads it has with the
 * violation persisting (`stalled`: the factored problem's stationary points with too few heads, or
 * spurious ones, are where the certificate fails and stays failed), and only along
 * directions u_k mostly outside the span of the block's heads (inside it, L-BFGS moves them). The
 * direction D = -sum_k a_k u_k v_k^T, a_k = sigma_k - beta, lowers the objective at rate
 * sum_k a_k^2, and the step t minimises its quadratic upper bound, t = sum_k a_k^2 / (L ||A D||^2);
 * head k gets sqrt(t a_k) u_k and sqrt(t a_k) v_k (A D by the model with those heads, or the
 * operator where that is cheaper). The directions are among each block's TOP_DIRECTIONS leading
 * ones, or among all of them where those lie inside the heads' span.
 */
function grow(heads: Heads, svds: Svd[], widen: (b: number) => Svd, beta: number, stalled: boolean, form: FactoredForm, op: TimedOperator, lipschitz: number, scratchPred: Float64Array, passes: ModelPasses): Heads {
  const { rows, cols } = form;
  const picks: { b: number; k: number; a: number }[] = [];
  for (let b = 0; b < svds.length; b++) {
    const own = Array.from(heads.gate.keys()).filter((j) => heads.gate[j] === b);
    if (own.length > 0 && !stalled) continue;
    const share = spanShare(own.map((j) => heads.W1.subarray(j * rows, (j + 1) * rows)), form);
    const scan = (t: Svd): number => {
      const r = t.s.length;
      let added = 0;
      for (let k = 0; k < r && t.s[k] > beta && added < MAX_NEW_PER_BLOCK; k++) {
        if (Math.sqrt(Math.max(0, 1 - share(t.U, r, k) ** 2)) < NEW_DIRECTION) continue;
        picks.push({ b, k, a: t.s[k] - beta });
        added++;
      }
      return added;
    };
    const t = svds[b], r = t.s.length;
    // every direction taken was inside the heads' span and more lie above beta: all of them, once
    if (scan(t) === 0 && r > 0 && t.s[r - 1] > beta && r < Math.min(rows, cols)) scan(widen(b));
  }
  if (picks.length === 0) return heads;
  // D as heads: W1 from -sqrt(a_k) u_k, W2 sqrt(a_k) v_k, so that the new heads are these times sqrt(t)
  const n = picks.length, dW1 = new Float64Array(n * rows), dW2 = new Float64Array(n * cols), u = new Float64Array(rows);
  let slope = 0;
  picks.forEach(({ b, k, a }, j) => {
    const { U, Vt, s } = svds[b], r = s.length, scale = Math.sqrt(a);
    for (let i = 0; i < rows; i++) u[i] = -scale * U[i * r + k];
    form.toW1(u, dW1.subarray(j * rows, (j + 1) * rows));
    for (let e = 0; e < cols; e++) dW2[j * cols + e] = scale * Vt[k * cols + e];
    slope += a * a;
  });
  const D: Heads = { H: n, W1: dW1, W2: dW2, gate: Int32Array.from(picks, (p) => p.b) };
  predictAt(D, gatedFactorsToZ(D, form.blocks, rows, cols, form.fromW1), form, op, 0, scratchPred, passes);
  let curv = 0;
  for (const p of scratchPred) curv += p * p;
  const t = curv > 0 ? slope / (lipschitz * curv) : 1, grow = Math.sqrt(t);
  const H = heads.H + n, W1 = new Float64Array(H * rows), W2 = new Float64Array(H * cols), gate = new Int32Array(H);
  W1.set(heads.W1);
  W2.set(heads.W2);
  gate.set(heads.gate);
  W1.set(dW1.map((v) => grow * v), heads.W1.length);
  W2.set(dW2.map((v) => grow * v), heads.W2.length);
  gate.set(D.gate, heads.H);
  return { H, W1, W2, gate };
}

/**
 * A Z at heads whose Z is given: by the program's model where its forward pass costs fewer flops
 * than an application of the operator (gated attention: 5 GFlop per head at the medium
 * size against the operator's 1,040), else by the operator. The two are the same linear map (the
 * recovery tests hold the model at recovered heads to the convex objective), so the certificate's
 * primal is f(A Z) + beta sum ||Z_g||_* either way; only the rounding differs.
 */
function predictAt(heads: Heads, Z: Float64Array, form: FactoredForm, op: TimedOperator, beta: number, out: Float64Array, passes: ModelPasses): void {
  if (heads.H === 0) {
    out.fill(0); // A 0
    return;
  }
  if (form.flopsShared + heads.H * form.flopsPerHead >= op.op.flopsPerApply) {
    op.apply(Z, out);
    return;
  }
  const model = form.model(heads.gate, beta);
  model.params[0].data.set(heads.W1);
  model.params[1].data.set(heads.W2);
  out.set(model.forward(form.input, form.N));
  passes.forward++;
}

/**
 * The share ||Q^T u_k|| of column k of U (rows x r, unit columns) inside the span of the left
 * factors fromW1(W1j) of the heads given, Q their orthonormal basis (by the SVD of [u_1 ... u_h]).
 */
function spanShare(W1s: Float64Array[], form: FactoredForm): (U: Float64Array, r: number, k: number) => number {
  const { rows } = form, h = W1s.length;
  if (h === 0) return () => 0;
  const L = new Float64Array(rows * h), u = new Float64Array(rows);
  W1s.forEach((w1, j) => {
    form.fromW1(w1, u);
    for (let i = 0; i < rows; i++) L[i * h + j] = u[i];
  });
  const { U: Q, s } = svd(L, rows, h), q = s.length, tol = rankTolerance(s, rows, h);
  return (U, r, k) => {
    let inside = 0;
    for (let a = 0; a < q && s[a] > tol; a++) {
      let p = 0;
      for (let i = 0; i < rows; i++) p += Q[i * q + a] * U[i * r + k];
      inside += p * p;
    }
    return Math.sqrt(inside);
  };
}
