// `fit`: solve one convex program (any in the registry) to its certificate, recover the
// non-convex weights, check that the non-convex objective at them equals the convex optimum, and
// write everything to a run directory. Errors name config fields (betaFrac), never CLI flags.
import type { Dataset } from '../data/dataset';
import type { LossKind, Progress, SolveResult } from '../convex/types';
import { checkOptionValues, checkTargetsForm, type BuiltProgram, type Program, type RecoveredHeads } from '../convex/programs/program';
import { SAMPLE_MAPS } from '../convex/programs/sample-attention';
import type { Tokens } from '../data/tokens';
import { encodeNpz, type NamedArray } from '../data/npz';
import { withBeta } from '../convex/programs/assemble';
import { DEFAULT_PROGRAM, PROGRAMS, programNamed } from '../convex/registry';
import { solveCertified, type SolverChoice } from '../convex/solve';
import type { HeadSummary } from '../convex/programs/program';
import { splitMetrics, type SplitMetrics } from '../convex/metrics';
import { blas, type BlasInfo } from '../core/blas';
import { InputError } from '../data/errors';
import { kktReport, kktResiduals, type KktResiduals } from '../convex/kkt';
import { RunDir } from './run-dir';
import { generatedRecord, runRecord } from './run-record';

/** The fields every fit has, whichever program it runs. */
export interface FitSettings {
  /** a program name from the registry (src/convex/registry.ts) */
  model: string;
  loss: LossKind;
  beta?: number;
  betaFrac?: number;
  /** the head budget of the non-convex model (optional): the certified optimum is its optimum when the recovered heads are at most this many */
  heads?: number;
  /** the seed of whatever the program draws at random (gated: its gates); recorded in result.json */
  seed: number;
  tol: number;
  maxIter: number;
  /** auto: the Gram form for the squared loss where cheaper, FISTA otherwise (convex/solve.ts) */
  solver: SolverChoice;
  float32: boolean;
  /** X was read into float32 (`--float32-data`); the caller loads the data, this records it */
  float32Data: boolean;
  lr?: number;
  timeLimit?: number;
}

/**
 * A fit's configuration: the settings, and the options the program declares (gated: gates), as
 * fields beside them, so config.json lists them where the flags put them. The option set is open:
 * a program declares its options in its own file (src/convex/programs/program.ts, ProgramOption).
 */
export interface FitConfig extends FitSettings {
  [option: string]: unknown;
}

/** The names of FitSettings: any other field of a FitConfig is a program option. */
const SETTINGS: ReadonlySet<string> = new Set(Object.keys({
  model: 0, loss: 0, beta: 0, betaFrac: 0, heads: 0, seed: 0, tol: 0, maxIter: 0, solver: 0, float32: 0, float32Data: 0, lr: 0, timeLimit: 0,
} satisfies Record<keyof FitSettings, 0>));

/** The one set of defaults: the CLI's flags default to these, and runFit fills what a caller leaves out. */
export const FIT_DEFAULTS = {
  model: DEFAULT_PROGRAM.name, loss: 'squared', seed: 0, tol: 1e-6, maxIter: 20000, solver: 'auto', float32: false, float32Data: false, lr: 1e-2,
} as const satisfies Partial<FitSettings>;

/**
 * A complete FitConfig from what a caller gave (undefined counts as not given), checked: a library
 * call without `tol` gets the CLI's 1e-6, not an unbounded solve. The defaults of the options
 * `program` declares (by default the registry's program given.model names) are filled in too; a
 * `program` outside the registry is recorded by its name as the model.
 */
export function fitConfig(given: Partial<FitConfig>, program?: Program): FitConfig {
  const named = program ? { ...given, model: program.name } : given;
  const set = Object.fromEntries(Object.entries(named).filter(([, v]) => v !== undefined)) as Partial<FitConfig>;
  const declared = program ?? PROGRAMS.find((p) => p.name === (set.model ?? FIT_DEFAULTS.model));
  const optionDefaults = Object.fromEntries((declared?.options ?? []).filter((o) => o.default !== undefined).map((o) => [o.field, o.default]));
  // defaults after what was given, so config.json lists the options in the caller's order
  const defaults = { ...FIT_DEFAULTS, ...optionDefaults };
  const cfg = { ...set, ...Object.fromEntries(Object.entries(defaults).filter(([k]) => !(k in set))) } as FitConfig;
  if (!(cfg.tol > 0 && Number.isFinite(cfg.tol))) throw new InputError('tol', `must be a finite number > 0, got ${cfg.tol}`);
  if (!(Number.isInteger(cfg.maxIter) && cfg.maxIter >= 1)) throw new InputError('maxIter', `must be an integer >= 1, got ${cfg.maxIter}`);
  return cfg;
}

export interface FitResult {
  model: string;
  loss: LossKind;
  /** the solver that ran (with --solver auto, the one it picked; gram+fista: the Gram form stalled and FISTA finished) */
  solver: NonNullable<SolveResult['method']>;
  precision: 'float64' | 'float32';
  /** the penalty: group-l2 (heads are token rows of Z), nuclear (heads are Z's singular values) or simplex-gauge (heads are scaled row-stochastic blocks of Z) */
  penalty: string;
  /** how X was held: float32 with --float32-data (every sum still float64), else float64 */
  dataPrecision: 'float64' | 'float32';
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
  /** the share of the groups Gap Safe screening proved zero (solver newton; null for the others) */
  screened: number | null;
  heads: number;
  /** false when a head budget (heads) is smaller than the number of recovered heads (the certificate is then proven for that many heads, not for the budget) */
  equivalent: boolean;
  headList: HeadSummary[];
  /** (n, n) for programs whose heads weigh tokens with fixed weights (matrix-attention, mixer): row r, where token r's output reads, averaged over the heads by norm */
  tokenAttention?: number[][];
  /** for programs whose heads weigh tokens by the input (linear-mhsa, gated-mhsa): the map of each of the first training samples (SAMPLE_MAPS), as tokenAttention's */
  sampleAttention?: { sample: number; map: number[][] }[];
  /** the KKT residuals at the solution (src/convex/kkt.ts), relative to beta */
  kkt: KktResiduals;
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

/** What a penalty's groups are (result.json's penalty): a head is one nonzero group. */
export const groupsName = (penalty: unknown): string =>
  penalty === 'nuclear' || penalty === 'block-nuclear' || penalty === 'band-nuclear' ? 'singular values' : penalty === 'simplex-gauge' ? 'attention blocks' : 'token groups';

export interface FitOutcome {
  result: FitResult;
  weights: Record<string, NamedArray>;
  solution: SolveResult;
}

export function chooseBeta(built: Pick<BuiltProgram, 'betaMax'>, cfg: Pick<FitConfig, 'beta' | 'betaFrac'>): number {
  if ((cfg.beta === undefined) === (cfg.betaFrac === undefined)) {
    throw new InputError('beta', 'give exactly one of `beta` and `betaFrac` (a fraction of beta_max)');
  }
  if (cfg.beta !== undefined) {
    if (!(cfg.beta > 0) || !Number.isFinite(cfg.beta)) throw new InputError('beta', `must be a finite number > 0, got ${cfg.beta}`);
    return cfg.beta;
  }
  const f = cfg.betaFrac!;
  if (!(f > 0) || !Number.isFinite(f)) throw new InputError('betaFrac', `must be a finite number > 0, got ${f}`);
  if (built.betaMax === 0) throw new InputError('betaFrac', 'beta_max is 0 for this data (all targets fit by zero); give beta');
  const beta = f * built.betaMax;
  // 1e308 x beta_max is Infinity, which the problem would refuse without naming the option
  if (!Number.isFinite(beta)) throw new InputError('betaFrac', `gives beta = ${beta} (beta_max ${built.betaMax}); expected a finite beta, use a smaller fraction`);
  return beta;
}

/** The error for an option `program` does not declare, naming the programs that do. */
export function notTaken(program: Program, field: string): InputError {
  const takers = PROGRAMS.filter((p) => p.options.some((q) => q.field === field)).map((p) => p.name);
  const who = takers.length ? ` (${takers.join(', ')} do${takers.length === 1 ? 'es' : ''})` : '';
  return new InputError(field, `program ${program.name} takes no ${field}${who}`);
}

/**
 * The program cfg.model names (or `program`, one outside the registry), built on the training
 * data (at beta_max) with the options it declares.
 */
export function prepareProblem(data: Dataset, cfg: FitConfig, program: Program = programNamed(cfg.model)): BuiltProgram {
  if (cfg.heads !== undefined && !(Number.isInteger(cfg.heads) && cfg.heads >= 1)) {
    throw new InputError('heads', `must be an integer >= 1, got ${cfg.heads}`);
  }
  // an option this program does not take is a mistake, not a no-op
  for (const [field, value] of Object.entries(cfg)) {
    if (SETTINGS.has(field) || value === undefined || program.options.some((q) => q.field === field)) continue;
    throw notTaken(program, field);
  }
  checkOptionValues(program, cfg);
  checkTargetsForm(program, data.trainTargets, PROGRAMS);
  const options = Object.fromEntries(program.options.map((o) => [o.field, cfg[o.field]]));
  return program.build(data, { ...options, loss: cfg.loss, float32: cfg.float32 });
}

/**
 * Solves one program to its certificate; options not given take FIT_DEFAULTS (beta or betaFrac is
 * required). `program`: one outside the registry, as fitToDir takes it.
 */
export function runFit(
  data: Dataset, options: Partial<FitConfig>, onProgress?: (p: Progress) => void, w0?: Float64Array, program?: Program,
): FitOutcome {
  const cfg = fitConfig(options, program);
  const base = prepareProblem(data, cfg, program);
  const beta = chooseBeta(base, cfg);
  return fitAt(withBeta(base, beta), data, cfg, onProgress, w0);
}

/** Solves a prepared problem (at its beta) and assembles the result. */
export function fitAt(
  built: BuiltProgram, data: Dataset, cfg: FitConfig, onProgress?: (p: Progress) => void, w0?: Float64Array,
): FitOutcome {
  const { problem } = built;
  const sol = solveCertified(built, cfg.solver, {
    tol: cfg.tol, maxIter: cfg.maxIter, lr: cfg.lr, w0, timeLimit: cfg.timeLimit, onProgress,
  });
  const rec = built.recover(sol.w);
  const { X, N } = data.train;
  const nc = built.nonconvexObjective(X, N, rec, problem.beta);
  let diff = 0;
  for (let i = 0; i < nc.pred.length; i++) diff = Math.max(diff, Math.abs(nc.pred[i] - sol.pred[i]));
  const { c } = data.trainTargets;
  const { totalGroups } = built;
  const test = data.test && data.testTargets
    ? splitMetrics(cfg.loss, built.predict(sol.w, data.test), data.testTargets, data.test.N)
    : null;
  const cert = sol.certificate;
  const result: FitResult = {
    model: built.program.name, loss: cfg.loss, solver: sol.method, precision: sol.precision, // float32: iterations in float32, certificate in float64
    penalty: problem.penalty.name,
    dataPrecision: data.train.X instanceof Float32Array ? 'float32' : 'float64',
    N, n: data.train.n, d: data.train.d, c, h: built.h,
    beta: problem.beta, betaMax: built.betaMax, betaFrac: problem.beta / built.betaMax,
    objective: cert.primal, lowerBound: cert.dual, gap: cert.gap, relGap: cert.relGap, tol: cfg.tol,
    converged: sol.converged, iterations: cert.iterations, seconds: cert.seconds,
    nonzeroGroups: rec.H, totalGroups, screened: sol.screened ?? null, heads: rec.H,
    equivalent: cfg.heads === undefined || rec.H <= cfg.heads,
    headList: [...rec.heads],
    ...(built.tokenAttention && rec.H > 0 ? { tokenAttention: matrixRows(built.tokenAttention(rec), data.train.n) } : {}),
    ...(built.sampleAttention && rec.H > 0 ? { sampleAttention: sampleMaps(built, rec, data.train) } : {}),
    kkt: kktResiduals(kktReport(built.exact ?? problem, sol.w)),
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
  return { result, weights: built.weights(sol.w, rec), solution: sol };
}

/** The maps of the first SAMPLE_MAPS training samples. */
const sampleMaps = (built: BuiltProgram, rec: RecoveredHeads, train: Tokens) =>
  Array.from({ length: Math.min(SAMPLE_MAPS, train.N) }, (_, i) => ({ sample: i, map: matrixRows(built.sampleAttention!(rec, i), train.n) }));

/** An (n, n) row-major matrix as rows, for JSON. */
const matrixRows = (A: Float64Array, n: number): number[][] => Array.from({ length: n }, (_, r) => Array.from(A.subarray(r * n, (r + 1) * n)));

export interface FitToDirOptions {
  force: boolean;
  /** a program outside the registry (config.json records its name as the model) */
  program?: Program;
  /** the data file, recorded with its hash in config.json; absent for generated data (demo) */
  dataFile?: string;
  onProgress?: (p: Progress) => void;
}

/** Solves and writes DIR/{.convexformer-run, config.json, result.json, weights.npz, metrics.jsonl}. */
export function fitToDir(data: Dataset, options: Partial<FitConfig>, out: string, o: FitToDirOptions): FitOutcome {
  const cfg = fitConfig(options, o.program);
  const dir = new RunDir(out, { kind: 'fit', force: o.force, inputs: o.dataFile ? [o.dataFile] : [] });
  try {
    dir.writeConfig(o.dataFile ? runRecord('fit', o.dataFile, cfg) : generatedRecord('fit', cfg));
    const built = prepareProblem(data, cfg, o.program);
    const points: object[] = [];
    const outcome = fitAt(withBeta(built, chooseBeta(built, cfg)), data, cfg, (p) => {
      const { w: _w, ...numbers } = p; // the point itself stays out of the log
      points.push(numbers);
      o.onProgress?.(p);
    });
    dir.appendMetrics(points);
    dir.writeResult(outcome.result);
    dir.write('weights.npz', encodeNpz(outcome.weights));
    dir.commit();
    return outcome;
  } catch (e) {
    dir.abort();
    throw e;
  }
}
