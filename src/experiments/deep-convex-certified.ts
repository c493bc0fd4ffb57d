// The certified alternative for the deep convex transformer (issue 9; docs/deep-convex.md, "The
// certified alternative"): block-coordinate descent on J. Each round
//   (a) takes K trainer steps on everything but the last layer (earlier Z, learned embeddings),
//       the last layer held fixed, and keeps them only if J did not increase;
//   (b) with everything else fixed, solves the last layer exactly: it is eq. (12) on the last
//       layer's input tokens with that layer's gates, a convex program, solved by FISTA to a
//       duality-gap certificate, warm-started from the current last layer.
// So J never increases over a round. With fixed one-hot embeddings and L = 1 there is nothing
// but the last layer: one round is the whole model solved to a certificate.
//
// Why gradient steps for the earlier layers and not certified solves: with gates read from each
// layer's input (the default) an earlier Z moves later gates, so J is not convex in it. With
// gates read from the embeddings it is convex in each Z^k, but for k < L the operator is the
// composition of the later (fixed) layers with block k, a program the registry does not have.
import type { DeepConvex } from '../nn/models/deep-convex';
import { objective, type Model } from '../nn/models/model';
import type { TaskData } from '../data/tasks/task';
import type { Certificate, Problem, Progress } from '../convex/types';
import { assemble } from '../convex/programs/assemble';
import { GatedOperator } from '../convex/operators/gated';
import { computeGates } from '../convex/operators/gates';
import { solveCertified } from '../convex/solve';
import { primalValue, relativeGap } from '../convex/duality';
import { GroupL2 } from '../convex/penalties/group-l2';
import { splitMetrics } from '../convex/metrics';
import { InputError } from '../data/errors';
import { adam } from '../optim/transform';
import { idSource, type DataSource } from './batches';
import { trainModel } from './train';

export interface BlockCoordinateOptions {
  rounds: number;
  /** trainer steps (Adam, full batch) on the earlier layers per round; unused when there are none */
  innerSteps: number;
  lr: number;
  /** a gradient phase that raises J is retried at half the lr up to this many times */
  halvings: number;
  /** relative duality gap at which a last-layer solve stops */
  tol: number;
  /** FISTA iterations per last-layer solve, at most */
  maxIter: number;
}

/** What a caller can watch: each round's record, and a long last-layer solve while it runs. */
export interface BlockCoordinateHooks {
  onRound?: (r: BlockRound) => void;
  /** a round's gradient phase is over, its last-layer solve about to start */
  onGradientPhase?: (r: Pick<BlockRound, 'round' | 'objectiveStart' | 'objectiveAfterSteps' | 'stepsLr'>) => void;
  /** the last layer's FISTA, every `solveProgressEvery` iterations and at its end */
  onSolveProgress?: (p: Progress) => void;
  solveProgressEvery?: number;
}

export const BLOCK_COORDINATE_DEFAULTS: BlockCoordinateOptions = { rounds: 5, innerSteps: 100, lr: 1e-3, halvings: 8, tol: 1e-8, maxIter: 20000 };

export interface BlockRound {
  round: number;
  /** J (on the training split) at the start of the round, after the gradient phase, after the solve */
  objectiveStart: number;
  objectiveAfterSteps: number;
  objective: number;
  /** the learning rate of the gradient phase's kept steps; null: none kept (or no earlier layers) */
  stepsLr: number | null;
  /** the last layer's program: primal, dual bound, relative gap (J = primal + earlierPenalty) */
  certificate: Certificate;
  earlierPenalty: number;
  /** false: J at the solve's point was above J at its warm start (by rounding, or not converged); the warm start was kept */
  solveAccepted: boolean;
  trainAccuracy: number;
  testAccuracy: number;
}

interface Split {
  ids: Int32Array;
  labels: Int32Array;
  source: DataSource<Int32Array>;
}

function split(task: TaskData, rows: Int32Array): Split {
  const ids = new Int32Array(rows.length * task.seq);
  rows.forEach((r, i) => ids.set(task.ids.subarray(r * task.seq, (r + 1) * task.seq), i * task.seq));
  const labels = Int32Array.from(rows, (r) => task.labels[r]);
  return { ids, labels, source: idSource(ids, task.seq, labels, task.classes) };
}

function accuracy(model: DeepConvex, s: Split, c: number): number {
  return splitMetrics('ce', model.forward(s.ids, s.labels.length), { c, y: s.labels }, s.labels.length).accuracy!;
}

/**
 * The model with its last layer frozen: its params are all but the last Z (the last in
 * model.params), whose gradient goes to a scratch buffer. The value is still the whole J.
 */
function earlierLayers(model: DeepConvex): Model<Int32Array, Float64Array> {
  const params = model.params.slice(0, -1);
  const scratch = new Float64Array(model.params[model.params.length - 1].data.length);
  return {
    name: `${model.name} (last layer fixed)`,
    params,
    forward: (ids, B) => model.forward(ids, B),
    // the model's parameters are float64, so are the trainer's gradient buffers (gradBuffers)
    backward: (dpred, grads) => model.backward(dpred, [...(grads as Float64Array[]), scratch]),
    weightDecay: (grads) => model.weightDecay(grads && [...(grads as Float64Array[]), scratch]),
    attentionMap: (ids, B) => model.attentionMap(ids, B),
  };
}

/**
 * The last layer as the convex program eq. (12) on its input, every other parameter fixed; its
 * Z (h, c, n, d) is the operator's layout. The gates are the model's: read from the last
 * layer's input, or (gateFrom 'first') from the embeddings.
 */
function lastLayerProblem(model: DeepConvex, s: Split, beta: number): Problem {
  const N = s.labels.length;
  const top = model.lastLayerInput(s.ids, N);
  const { h, U1, U2 } = top.gating;
  const D = model.cfg.gateFrom === 'first'
    ? computeGates(model.embed(s.ids, N), N, top.n, model.d0, U1, U2, h)
    : computeGates(top.X, N, top.n, top.d, U1, U2, h);
  const c = model.cfg.classes;
  const { problem } = assemble({ X: top.X, N, n: top.n, d: top.d }, { c, y: s.labels }, 'ce', false,
    (X, o) => new GatedOperator(X, N, top.n, top.d, c, D, h, o));
  return { ...problem, beta };
}

function checkOptions(o: BlockCoordinateOptions): void {
  for (const f of ['rounds', 'innerSteps', 'halvings', 'maxIter'] as const) {
    if (!(Number.isInteger(o[f]) && o[f] >= 0)) throw new InputError(f, `must be an integer >= 0, got ${o[f]}`);
  }
  if (!(o.lr > 0)) throw new InputError('lr', `must be a positive number, got ${o.lr}`);
  if (!(o.tol > 0)) throw new InputError('tol', `must be a positive number, got ${o.tol}`);
}

/**
 * K Adam steps on the earlier layers from a fresh optimizer state, kept only if J did not rise;
 * else retried at half the learning rate, up to `halvings` times (Adam's first steps move every
 * parameter by about lr whatever its gradient, so from a point where the last layer was just
 * made optimal a large lr overshoots). Returns the lr whose steps were kept, or null (none were).
 */
function gradientPhase(earlier: Model<Int32Array, Float64Array>, source: DataSource<Int32Array>, J: () => number, o: BlockCoordinateOptions): number | null {
  if (earlier.params.length === 0 || o.innerSteps === 0) return null;
  const start = J();
  const saved = earlier.params.map((p) => Float64Array.from(p.data));
  for (let k = 0, lr = o.lr; k <= o.halvings; k++, lr /= 2) {
    trainModel(earlier, source, { lr, optimizer: adam, timeBudget: Infinity, maxSteps: o.innerSteps, evaluateEnd: false });
    // a non-finite or larger J is undone
    if (J() <= start) return lr;
    earlier.params.forEach((p, i) => p.data.set(saved[i]));
  }
  return null;
}

/**
 * Solves the last layer to a certificate from the current one and keeps the solution only if
 * the model's J at it is no larger (FISTA returns its best point, no worse than the warm start in
 * exact arithmetic; checked on J itself, not assumed). The certificate is of the point kept.
 */
function lastLayerSolve(model: DeepConvex, train: Split, J: () => number, o: BlockCoordinateOptions, hooks: BlockCoordinateHooks): { certificate: Certificate; accepted: boolean } {
  const lastZ = model.params[model.params.length - 1].data as Float64Array;
  const problem = lastLayerProblem(model, train, model.cfg.beta);
  const w0 = Float64Array.from(lastZ);
  const before = J();
  const sol = solveCertified({ problem }, 'fista', { tol: o.tol, maxIter: o.maxIter, w0, onProgress: hooks.onSolveProgress, progressEvery: hooks.solveProgressEvery });
  lastZ.set(sol.w);
  if (J() <= before) return { certificate: sol.certificate, accepted: true };
  lastZ.set(w0);
  const pred = new Float64Array(problem.operator.rows);
  problem.operator.apply(w0, pred);
  const primal = primalValue(problem, w0, pred), dual = sol.certificate.dual;
  return { certificate: { ...sol.certificate, primal, gap: primal - dual, relGap: relativeGap(primal, dual) }, accepted: false };
}

/** Block-coordinate descent of the model's J on the task's training split; one record per round. */
export function blockCoordinate(
  model: DeepConvex, task: TaskData, options: Partial<BlockCoordinateOptions> = {}, hooks: BlockCoordinateHooks = {},
): BlockRound[] {
  const o = { ...BLOCK_COORDINATE_DEFAULTS, ...options };
  checkOptions(o);
  const train = split(task, task.train), test = split(task, task.test);
  const J = () => objective(model, train.source.all, null);
  const earlier = earlierLayers(model);
  const rounds: BlockRound[] = [];
  for (let round = 1; round <= o.rounds; round++) {
    const objectiveStart = J();
    const stepsLr = gradientPhase(earlier, train.source, J, o);
    const objectiveAfterSteps = J();
    hooks.onGradientPhase?.({ round, objectiveStart, objectiveAfterSteps, stepsLr });
    const solve = lastLayerSolve(model, train, J, o, hooks);
    const earlierPenalty = model.layers.slice(0, -1).reduce((sum, l) => sum + model.cfg.beta * new GroupL2(l.d).value(l.Z), 0);
    const r: BlockRound = {
      round, objectiveStart, objectiveAfterSteps, objective: J(), stepsLr, certificate: solve.certificate, earlierPenalty, solveAccepted: solve.accepted,
      trainAccuracy: accuracy(model, train, task.classes), testAccuracy: accuracy(model, test, task.classes),
    };
    rounds.push(r);
    hooks.onRound?.(r);
  }
  return rounds;
}
