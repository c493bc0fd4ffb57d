// `fit`: solve one convex attention program to its certificate, recover the heads, check that
// the non-convex objective at the recovered weights equals the convex optimum, and collect
// everything a run directory holds.
import type { Dataset } from '../data/dataset';
import type { Progress, SolveResult } from '../convex/types';
import type { NamedArray } from '../data/npz';
import { buildProblem, predictConvex, withBeta, type AttentionProblem, type LossKind, type ModelKind } from '../convex/problems';
import { solveCertified, type SolverKind } from '../convex/solve';
import { recoverHeads, type Head } from '../convex/recovery/heads';
import { nonconvexObjective } from '../convex/recovery/nonconvex-objective';
import { splitMetrics, type SplitMetrics } from '../convex/metrics';
import { blas, type BlasInfo } from '../core/blas';
import { InputError } from '../data/errors';

export interface FitConfig {
  model: ModelKind;
  loss: LossKind;
  beta?: number;
  betaFrac?: number;
  /** gated: number of gates h; attention: the head budget of the non-convex model (optional) */
  heads?: number;
  seed: number;
  tol: number;
  maxIter: number;
  solver: SolverKind;
  float32: boolean;
  lr?: number;
  timeLimit?: number;
}

/** The one set of defaults: the CLI's flags default to these, and runFit fills what a caller leaves out. */
export const FIT_DEFAULTS = {
  model: 'attention', loss: 'squared', seed: 0, tol: 1e-6, maxIter: 20000, solver: 'fista', float32: false, lr: 1e-2,
} as const satisfies Partial<FitConfig>;

/**
 * A complete FitConfig from what a caller gave (undefined counts as not given), checked: a library
 * call without `tol` gets the CLI's 1e-6, not an unbounded solve.
 */
export function fitConfig(given: Partial<FitConfig>): FitConfig {
  const set = Object.fromEntries(Object.entries(given).filter(([, v]) => v !== undefined)) as Partial<FitConfig>;
  const cfg: FitConfig = { ...FIT_DEFAULTS, ...set };
  if (!(cfg.tol > 0 && Number.isFinite(cfg.tol))) throw new InputError('tol', `must be a finite number > 0, got ${cfg.tol}`);
  if (!(Number.isInteger(cfg.maxIter) && cfg.maxIter >= 1)) throw new InputError('maxIter', `must be an integer >= 1, got ${cfg.maxIter}`);
  return cfg;
}

export interface FitResult {
  model: ModelKind;
  loss: LossKind;
  solver: SolverKind;
  precision: 'float64' | 'float32';
  N: number; n: number; d: number; c: number; h: number | null;
  beta: number;
  betaMax: number;
  betaFrac: number;
  objective: number;
  lowerBound: number;
  gap: number;
  relGap: number;
  tol: number;
  converged: boolean;
  iterations: number;
  seconds: number;
  nonzeroGroups: number;
  totalGroups: number;
  heads: number;
  /** false when a head budget (--heads, attention) is smaller than the groups the optimum uses */
  equivalent: boolean;
  headList: Head[];
  recoveredObjective: number;
  recoveryRelError: number;
  predictionMaxDiff: number;
  training: SplitMetrics;
  test: SplitMetrics | null;
  operatorApplications: number;
  operatorSeconds: number;
  operatorGflops: number;
  seed: number;
  blas: BlasInfo;
}

export interface FitOutcome {
  result: FitResult;
  weights: Record<string, NamedArray>;
  solution: SolveResult;
}

export function chooseBeta(ap: AttentionProblem, cfg: Pick<FitConfig, 'beta' | 'betaFrac'>): number {
  if ((cfg.beta === undefined) === (cfg.betaFrac === undefined)) {
    throw new InputError('--beta', 'give exactly one of --beta B or --beta-frac F');
  }
  if (cfg.beta !== undefined) {
    if (!(cfg.beta > 0) || !Number.isFinite(cfg.beta)) throw new InputError('--beta', `must be a finite number > 0, got ${cfg.beta}`);
    return cfg.beta;
  }
  const f = cfg.betaFrac!;
  if (!(f > 0) || !Number.isFinite(f)) throw new InputError('--beta-frac', `must be a finite number > 0, got ${f}`);
  if (ap.betaMax === 0) throw new InputError('--beta-frac', 'beta_max is 0 for this data (all targets fit by zero); give --beta');
  const beta = f * ap.betaMax;
  // 1e308 x beta_max is Infinity, which the problem would refuse without naming the option
  if (!Number.isFinite(beta)) throw new InputError('--beta-frac', `gives beta = ${beta} (beta_max ${ap.betaMax}); expected a finite beta, use a smaller --beta-frac`);
  return beta;
}

export function prepareProblem(data: Dataset, cfg: FitConfig): AttentionProblem {
  if (cfg.model === 'gated' && data.gating && cfg.heads !== undefined && cfg.heads !== data.gating.h) {
    throw new InputError('--heads', `is ${cfg.heads} but the data file's U1/U2 hold ${data.gating.h} gates`);
  }
  if (cfg.heads !== undefined && !(Number.isInteger(cfg.heads) && cfg.heads >= 1)) {
    throw new InputError('--heads', `must be an integer >= 1, got ${cfg.heads}`);
  }
  return buildProblem(data.train, data.trainTargets, {
    model: cfg.model, loss: cfg.loss, gating: data.gating, heads: cfg.heads, seed: cfg.seed, float32: cfg.float32,
  });
}

/** Solves one program to its certificate; options not given take FIT_DEFAULTS (beta or betaFrac is required). */
export function runFit(data: Dataset, options: Partial<FitConfig>, onProgress?: (p: Progress) => void, w0?: Float64Array): FitOutcome {
  const cfg = fitConfig(options);
  const base = prepareProblem(data, cfg);
  const beta = chooseBeta(base, cfg);
  return fitAt(withBeta(base, beta), data, cfg, onProgress, w0);
}

/** Solves a prepared problem (at its beta) and assembles the result. */
export function fitAt(
  ap: AttentionProblem, data: Dataset, cfg: FitConfig, onProgress?: (p: Progress) => void, w0?: Float64Array,
): FitOutcome {
  const { problem } = ap;
  const sol = solveCertified(ap, cfg.solver, {
    tol: cfg.tol, maxIter: cfg.maxIter, lr: cfg.lr, w0, timeLimit: cfg.timeLimit, onProgress,
  });
  const rec = recoverHeads(cfg.model, sol.w, ap.zShape);
  const { X, N } = data.train;
  const nc = nonconvexObjective(X, N, rec, problem.datafit, problem.beta, ap.gating);
  let diff = 0;
  for (let i = 0; i < nc.pred.length; i++) diff = Math.max(diff, Math.abs(nc.pred[i] - sol.pred[i]));
  const { c } = data.trainTargets;
  // token groups are the rows of length d of Z (c, n, d) or (h, c, n, d)
  const totalGroups = sol.w.length / ap.zShape[ap.zShape.length - 1];
  const test = data.test && data.testTargets
    ? splitMetrics(cfg.loss, predictConvex(ap, sol.w, data.test, c), data.testTargets, data.test.N)
    : null;
  const cert = sol.certificate;
  const result: FitResult = {
    model: cfg.model, loss: cfg.loss, solver: cfg.solver, precision: problem.operator.precision, // float32: iterations in float32, certificate in float64
    N, n: data.train.n, d: data.train.d, c, h: ap.gating ? ap.gating.h : null,
    beta: problem.beta, betaMax: ap.betaMax, betaFrac: problem.beta / ap.betaMax,
    objective: cert.primal, lowerBound: cert.dual, gap: cert.gap, relGap: cert.relGap, tol: cfg.tol,
    converged: sol.converged, iterations: cert.iterations, seconds: cert.seconds,
    nonzeroGroups: rec.H, totalGroups, heads: rec.H,
    equivalent: cfg.model === 'gated' || cfg.heads === undefined || rec.H <= cfg.heads,
    headList: rec.heads,
    recoveredObjective: nc.objective,
    recoveryRelError: Math.abs(nc.objective - cert.primal) / Math.max(Math.abs(cert.primal), 1e-300),
    predictionMaxDiff: diff,
    training: splitMetrics(cfg.loss, sol.pred, data.trainTargets, N),
    test,
    operatorApplications: sol.operatorApplications,
    operatorSeconds: sol.operatorSeconds,
    operatorGflops: sol.operatorSeconds > 0
      ? (sol.operatorApplications * problem.operator.flopsPerApply) / sol.operatorSeconds / 1e9 : 0,
    seed: cfg.seed,
    blas: blas.info(),
  };
  const weights: Record<string, NamedArray> = {
    Z: { data: sol.w, shape: ap.zShape },
    W1: { data: rec.W1, shape: [rec.H, rec.n] },
    W2: { data: rec.W2, shape: [rec.H, rec.d] },
    W3: { data: rec.W3, shape: [rec.H, rec.c] },
  };
  if (ap.gating) {
    weights.gate = { data: rec.gate, shape: [rec.H] };
    weights.U1 = { data: ap.gating.U1, shape: [ap.gating.h, data.train.n] };
    weights.U2 = { data: ap.gating.U2, shape: [ap.gating.h, data.train.d] };
  }
  return { result, weights, solution: sol };
}
