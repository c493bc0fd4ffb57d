// `vision` (issue 12, item 3): convex attention heads as an image classifier on Fashion-MNIST (or
// any MNIST-family IDX directory), cut into patch tokens (src/data/vision.ts). In one run
// directory: convex heads (eq. 10) and gated convex heads (eq. 12) solved to their certificates
// at one beta; a regularisation path of the convex heads (accuracy against heads); and the
// non-convex baselines (vision-baselines.ts) trained with Adam, each for the wall time the convex
// heads took (or --baseline-seconds). Every finished phase is checkpointed: --resume goes on from
// the last one. docs/vision.md.
import { float64Tokens } from '../data/tokens';
import * as path from 'node:path';
import type { Dataset } from '../data/dataset';
import type { Progress } from '../convex/types';
import type { SolverChoice } from '../convex/solve';
import type { BuiltProgram } from '../convex/programs/program';
import { withBeta } from '../convex/programs/assemble';
import { DEFAULT_GATES } from '../convex/programs/gated';
import { LINEAR_MHSA_MAX_D } from '../convex/programs/linear-mhsa';
import { DEFAULT_FASHION_DIR, loadVision, type Projection, type VisionData } from '../data/vision';
import { encodeNpz } from '../data/npz';
import { InputError } from '../data/errors';
import { fitAt, fitConfig, prepareProblem, type FitResult } from './fit';
import { headImages, type HeadImages } from './vision-heads';
import { BASELINES, MIN_BASELINE_IMAGES, trainBaseline, type BaselineRow, type BaselineSettings } from './vision-baselines';
import { divisors } from './compare-models';
import { RUN_FILES, RunDir } from './run-dir';
import { checkSameRun, generatedRecord, sha256File, type RunRecord } from './run-record';

export const VISION_MODELS = ['convex', 'gated', 'mhsa', ...BASELINES] as const;
/** The models solved to a certificate (the rest are trained with Adam). */
export const CONVEX_MODELS = ['convex', 'gated', 'mhsa'] as const;
export type ConvexModel = typeof CONVEX_MODELS[number];
export type VisionModel = typeof VISION_MODELS[number];

export interface VisionConfig {
  idxDir: string; patch: number; project: Projection; dim?: number; nTrain?: number; nTest?: number;
  /** beta of the table's convex solves, as a fraction of the convex heads' beta_max */
  betaFrac: number;
  /** the regularisation path of the convex heads (fractions of beta_max, solved largest first, warm-started) */
  path: number[];
  models: VisionModel[];
  gates: number;
  solver: SolverChoice; tol: number; maxIter: number;
  /** seconds per convex solve; a solve stopped by it is reported uncertified */
  timeLimit?: number;
  /** seconds of each baseline (search + training); default: the convex heads' solve seconds */
  baselineSeconds?: number;
  /**
   * the baselines' penalty beta/2 ||W||^2. Default 0: no penalty, as baselines are usually trained
   * (the time budget and the learning rate chosen on validation data are their only regularisers);
   * the same beta as the convex heads is no like-for-like setting across different penalties.
   */
  baselineBeta: number;
  /** heads of the softmax baseline; default: the fewest, at least 4, that divide d + n (the features with the positions) */
  softmaxHeads?: number;
  hidden: number; simplexHeads: number; batch: number; lrGrid: number[]; valFraction: number;
  seed: number;
}

export const VISION_DEFAULTS = {
  idxDir: DEFAULT_FASHION_DIR, patch: 7, project: 'none', betaFrac: 0.1, path: [0.3, 0.1, 0.03, 0.01],
  models: ['convex', 'gated', 'linear', 'mlp', 'softmax'], gates: DEFAULT_GATES, solver: 'auto', tol: 1e-6, maxIter: 20000,
  baselineBeta: 0, hidden: 256, simplexHeads: 16, batch: 128, lrGrid: [1e-4, 3e-4, 1e-3, 3e-3, 1e-2, 3e-2], valFraction: 0.1, seed: 0,
} as const satisfies Partial<VisionConfig>;

/** A convex row of the table: the certified solve at the table's beta. */
export interface ConvexRow {
  model: ConvexModel;
  description: string;
  solver: string;
  beta: number; betaMax: number;
  objective: number; lowerBound: number; relGap: number; tol: number; converged: boolean;
  iterations: number; seconds: number; heads: number; totalGroups: number;
  trainLoss: number; trainAccuracy: number; testLoss: number; testAccuracy: number;
  /** the non-convex objective at the recovered heads, relative to the convex optimum */
  recoveryRelError: number;
}

export interface VisionPathRow {
  betaFrac: number; beta: number; heads: number;
  trainAccuracy: number; testAccuracy: number;
  relGap: number; converged: boolean; iterations: number; seconds: number; solver: string;
}

export interface VisionResult {
  data: {
    N: number; Ntest: number; n: number; d: number; classes: number; rows: number; cols: number; patch: number;
    project: Projection; varianceKept: number | null; files: string[];
    /** Fashion-MNIST's class names when the files are in a directory named for it; null otherwise (then "class l") */
    classNames: string[] | null;
  };
  /** the table's beta for the convex heads, and their beta_max (null: the convex heads did not run); what the baselines were given */
  beta: number | null; betaMax: number | null; baselineBeta: number | null; baselineSeconds: number | null;
  rows: (ConvexRow | BaselineRow)[];
  path: VisionPathRow[];
  /** the convex heads at the table's beta as images (null without the convex model) */
  heads: HeadImages | null;
  warnings: string[];
}

/** The labels 0-9 of Fashion-MNIST (Xiao et al. 2017). */
export const FASHION_CLASSES = ['T-shirt/top', 'Trouser', 'Pullover', 'Dress', 'Coat', 'Sandal', 'Shirt', 'Sneaker', 'Bag', 'Ankle boot'];

/** The class names for the report: Fashion-MNIST's when its images are in a directory named fashion-something, with 10 classes. */
const classNames = (v: VisionMeta): string[] | null =>
  v.classes === FASHION_CLASSES.length && v.files.every((f) => /fashion/i.test(path.basename(path.dirname(path.resolve(f))))) ? FASHION_CLASSES : null;

const isPositive = (v: unknown): v is number => typeof v === 'number' && v > 0 && Number.isFinite(v);
const isCount = (v: unknown): v is number => Number.isInteger(v) && (v as number) >= 1;

/** The config from what a caller gave (undefined: not given), checked field by field. */
export function visionConfig(given: Partial<VisionConfig>): VisionConfig {
  const set = Object.fromEntries(Object.entries(given).filter(([, v]) => v !== undefined)) as Partial<VisionConfig>;
  const defaults = { ...VISION_DEFAULTS, path: [...VISION_DEFAULTS.path], models: [...VISION_DEFAULTS.models], lrGrid: [...VISION_DEFAULTS.lrGrid] };
  const cfg = { ...set, ...Object.fromEntries(Object.entries(defaults).filter(([k]) => !(k in set))) } as VisionConfig;
  if (!isPositive(cfg.betaFrac)) throw new InputError('betaFrac', `must be a finite number > 0, got ${cfg.betaFrac}`);
  if (!Array.isArray(cfg.path) || !cfg.path.every(isPositive)) throw new InputError('path', `must be a list (possibly empty) of fractions of beta_max > 0, got ${JSON.stringify(cfg.path)}`);
  if (new Set(cfg.path).size !== cfg.path.length) throw new InputError('path', `lists a fraction twice: ${cfg.path.join(', ')}`);
  if (!Array.isArray(cfg.models) || cfg.models.length === 0 || !cfg.models.every((m) => (VISION_MODELS as readonly string[]).includes(m))) {
    throw new InputError('models', `must be a non-empty list of ${VISION_MODELS.join(', ')}, got ${JSON.stringify(cfg.models)}`);
  }
  if (new Set(cfg.models).size !== cfg.models.length) throw new InputError('models', `lists a model twice: ${cfg.models.join(', ')}`);
  if (!cfg.models.includes('convex') && cfg.models.some((m) => (BASELINES as readonly string[]).includes(m)) && cfg.baselineSeconds === undefined) {
    throw new InputError('baselineSeconds', 'is required when the models do not include convex (the baselines get the convex heads\' solve time by default)');
  }
  if (cfg.solver === 'gram') throw new InputError('solver', 'gram is for the squared loss; the vision programs use cross-entropy (auto, fista, newton or adam)');
  if (cfg.solver === 'newton' && (cfg.models.includes('gated') || cfg.models.includes('mhsa'))) {
    throw new InputError('solver', 'newton solves token designs (the convex heads) only, not the gated heads or linear self-attention: use auto (newton for the convex heads, FISTA for the others), fista or adam');
  }
  for (const f of ['gates', 'maxIter', 'hidden', 'softmaxHeads', 'simplexHeads', 'batch'] as const) {
    if (cfg[f] !== undefined && !isCount(cfg[f])) throw new InputError(f, `must be an integer >= 1, got ${cfg[f]}`);
  }
  for (const f of ['tol', 'timeLimit', 'baselineSeconds'] as const) {
    if (cfg[f] !== undefined && !isPositive(cfg[f])) throw new InputError(f, `must be a finite number > 0, got ${cfg[f]}`);
  }
  if (!(cfg.baselineBeta >= 0 && Number.isFinite(cfg.baselineBeta))) throw new InputError('baselineBeta', `must be a finite number >= 0, got ${cfg.baselineBeta}`);
  if (!Array.isArray(cfg.lrGrid) || cfg.lrGrid.length === 0 || !cfg.lrGrid.every(isPositive)) throw new InputError('lrGrid', `must be a non-empty list of numbers > 0, got ${JSON.stringify(cfg.lrGrid)}`);
  if (!(cfg.valFraction > 0 && cfg.valFraction < 1)) throw new InputError('valFraction', `must be in (0, 1), got ${cfg.valFraction}`);
  if (!(Number.isInteger(cfg.seed) && cfg.seed >= 0)) throw new InputError('seed', `must be an integer >= 0, got ${cfg.seed}`);
  return cfg;
}

/** What a run needs of the images besides their tokens: the shapes, labels, statistics and files. */
type VisionMeta = Omit<VisionData, 'X' | 'Xtest'>;

/**
 * The images as the programs' data set (float64 tokens, labels) and the rest of what was read;
 * the float32 tokens are not kept (a fifth of the run's memory on all of Fashion-MNIST).
 */
function loadDataset(cfg: VisionConfig): { data: Dataset; v: VisionMeta } {
  const { X, Xtest, ...v } = loadVision({ idxDir: cfg.idxDir, patch: cfg.patch, project: cfg.project, dim: cfg.dim, nTrain: cfg.nTrain, nTest: cfg.nTest, seed: cfg.seed });
  const data: Dataset = {
    train: { X: Float64Array.from(X), N: v.N, n: v.n, d: v.d }, trainTargets: { c: v.classes, y: v.y },
    test: { X: Float64Array.from(Xtest), N: v.Ntest, n: v.n, d: v.d }, testTargets: { c: v.classes, y: v.ytest },
  };
  return { data, v };
}

export interface VisionHooks {
  /** a line of what the run is doing */
  onPhase?: (line: string) => void;
  /** a convex solve's progress; phase names the solve (convex, gated, path 0.1) */
  onProgress?: (phase: string, p: Progress) => void;
}

/** What a killed run needs to go on: the result so far, the metrics lines, and the path's last solution (its warm start). */
interface VisionCheckpoint {
  result: VisionResult;
  lines: object[];
  /** plain arrays: the checkpoint's JSON turns small typed arrays into objects. The table's solution (the path's point at its beta) and the path's last */
  tableW?: number[];
  pathW?: number[];
  /** the convex heads at the table's beta, for weights.npz */
  weights?: Record<string, { values: number[]; shape: number[]; int32: boolean }>;
}

const convexDescription = (m: ConvexModel, gates: number): string => (m === 'convex'
  ? 'convex attention heads, Ergen et al. eq. (10): each head reads one patch'
  : m === 'gated' ? `gated convex heads, Ergen et al. eq. (12): ${gates} fixed random gates`
    : 'linear self-attention, Sahiner et al. eq. (6): heads are the singular vectors of Z (d^2 x 10 d), outputs averaged over the patches');

function convexRow(m: ConvexModel, r: FitResult, gates: number): ConvexRow {
  return {
    model: m, description: convexDescription(m, gates), solver: r.solver, beta: r.beta, betaMax: r.betaMax,
    objective: r.objective, lowerBound: r.lowerBound, relGap: r.relGap, tol: r.tol, converged: r.converged,
    iterations: r.iterations, seconds: r.seconds, heads: r.heads, totalGroups: r.totalGroups,
    trainLoss: r.training.loss, trainAccuracy: r.training.accuracy!, testLoss: r.test!.loss, testAccuracy: r.test!.accuracy!,
    recoveryRelError: r.recoveryRelError,
  };
}

/** Runs every phase not yet in `ck` and returns the finished result; `save` is called after each. */
function runPhases(data: Dataset, v: VisionMeta, cfg: VisionConfig, ck: VisionCheckpoint, save: () => void, hooks: VisionHooks): VisionResult {
  const r = ck.result;
  const want = (m: VisionModel) => cfg.models.includes(m);
  const done = (m: VisionModel) => r.rows.some((row) => row.model === m);
  const t0 = process.hrtime.bigint();
  const now = () => Number(process.hrtime.bigint() - t0) / 1e9;
  const fitCfg = (model: string, extra: object = {}) => fitConfig({
    model, loss: 'ce', solver: cfg.solver, tol: cfg.tol, maxIter: cfg.maxIter, timeLimit: cfg.timeLimit, ...extra,
  });
  const log = (phase: string) => (p: Progress) => {
    const { w: _w, ...numbers } = p;
    ck.lines.push({ phase, ...numbers });
    hooks.onProgress?.(phase, p);
  };
  // the convex heads' problem is built once, for the table's solve and the path
  let base: BuiltProgram | null = null;
  const attentionBase = () => (base ??= prepareProblem(data, fitCfg('attention')));
  if (want('convex') && r.betaMax === null) {
    const b = attentionBase();
    if (b.betaMax === 0) throw new InputError('data', 'beta_max is 0 for these images (zero already fits every label)');
    r.betaMax = b.betaMax;
    r.beta = cfg.betaFrac * b.betaMax;
  }

  if (want('convex') && !done('convex')) {
    hooks.onPhase?.(`convex heads (eq. 10) at beta = ${cfg.betaFrac} beta_max`);
    const out = fitAt(withBeta(attentionBase(), r.beta!), data, fitCfg('attention'), log('convex'));
    r.rows.push(convexRow('convex', out.result, cfg.gates));
    r.heads = headImages(out.solution.w, v.classes, v);
    ck.tableW = Array.from(out.solution.w);
    ck.weights = Object.fromEntries(Object.entries(out.weights).map(([k, a]) => [k, { values: Array.from(a.data as ArrayLike<number>), shape: a.shape, int32: a.data instanceof Int32Array }]));
    save();
  }
  // the path is the convex heads': it runs with them, the first point from zero, each next one from the last
  const fracs = want('convex') ? [...cfg.path].sort((a, b) => b - a) : [];
  for (const f of fracs) {
    if (r.path.some((p) => p.betaFrac === f)) continue;
    const table = r.rows.find((row): row is ConvexRow => row.model === 'convex');
    if (f === cfg.betaFrac && table && ck.tableW) {
      // the table's solve is the path's point at its beta: the same problem is not solved twice
      r.path.push({
        betaFrac: f, beta: table.beta, heads: table.heads, trainAccuracy: table.trainAccuracy, testAccuracy: table.testAccuracy,
        relGap: table.relGap, converged: table.converged, iterations: table.iterations, seconds: table.seconds, solver: table.solver,
      });
      ck.pathW = ck.tableW;
      save();
      continue;
    }
    hooks.onPhase?.(`path: convex heads at ${f} beta_max`);
    const out = fitAt(withBeta(attentionBase(), f * r.betaMax!), data, fitCfg('attention'), log(`path ${f}`), ck.pathW && Float64Array.from(ck.pathW));
    const x = out.result;
    r.path.push({
      betaFrac: f, beta: x.beta, heads: x.heads, trainAccuracy: x.training.accuracy!, testAccuracy: x.test!.accuracy!,
      relGap: x.relGap, converged: x.converged, iterations: x.iterations, seconds: x.seconds, solver: x.solver,
    });
    ck.pathW = Array.from(out.solution.w);
    save();
  }
  base = null; // the gated program builds its own operator: let this one go
  if (want('gated') && !done('gated')) {
    hooks.onPhase?.(`gated convex heads (eq. 12, ${cfg.gates} gates) at beta = ${cfg.betaFrac} beta_max of the gated program`);
    const gcfg = fitCfg('gated', { gates: cfg.gates, seed: cfg.seed });
    const gb = prepareProblem(data, gcfg);
    const out = fitAt(withBeta(gb, cfg.betaFrac * gb.betaMax), data, gcfg, log('gated'));
    r.rows.push(convexRow('gated', out.result, cfg.gates));
    save();
  }
  if (want('mhsa') && !done('mhsa')) {
    hooks.onPhase?.(`linear self-attention (Sahiner eq. 6, nuclear norm) at beta = ${cfg.betaFrac} beta_max of its program`);
    const mcfg = fitCfg('linear-mhsa');
    const mb = prepareProblem(data, mcfg);
    const out = fitAt(withBeta(mb, cfg.betaFrac * mb.betaMax), data, mcfg, log('mhsa'));
    r.rows.push(convexRow('mhsa', out.result, cfg.gates));
    save();
  }
  const convexSeconds = r.rows.find((row) => row.model === 'convex')?.seconds;
  for (const b of BASELINES) {
    if (!want(b) || done(b)) continue;
    const seconds = (cfg.baselineSeconds ?? convexSeconds)!; // visionConfig: one of them is there
    r.baselineSeconds = seconds;
    r.baselineBeta = cfg.baselineBeta;
    hooks.onPhase?.(`${b}: Adam for ${seconds.toFixed(1)} s (learning-rate search, then training)`);
    const settings: BaselineSettings = {
      hidden: cfg.hidden, softmaxHeads: softmaxHeads(cfg, v), simplexHeads: cfg.simplexHeads, beta: r.baselineBeta,
      batch: cfg.batch, lrGrid: cfg.lrGrid, valFraction: cfg.valFraction, seed: cfg.seed,
    };
    const row = trainBaseline(b, settings, float64Tokens(data.train), v.y, float64Tokens(data.test!), v.ytest, v.classes, seconds, now);
    r.warnings.push(...row.warnings);
    r.rows.push(row);
    save();
  }
  // the table in the order the models were asked for, whatever order the phases ran in
  r.rows.sort((a, b) => cfg.models.indexOf(a.model) - cfg.models.indexOf(b.model));
  return r;
}

export interface VisionToDirOptions extends VisionHooks {
  force?: boolean;
  resume?: boolean;
}

/** The softmax baseline's heads: as given (they must divide d + n, the features with the positions), else the fewest, at least 4, that do. */
function softmaxHeads(cfg: VisionConfig, v: VisionMeta): number {
  const width = v.d + v.n;
  if (cfg.softmaxHeads === undefined) return divisors(width).find((h) => h >= 4) ?? width;
  if (width % cfg.softmaxHeads !== 0) {
    throw new InputError('softmaxHeads', `${cfg.softmaxHeads} does not divide d + n = ${width} (the token features with their positions); expected one of ${divisors(width).join(', ')}`);
  }
  return cfg.softmaxHeads;
}

/** What is refused once the images are read, before any work: the softmax heads, too few images for the baselines' search. */
function checkAgainstImages(cfg: VisionConfig, v: VisionMeta): void {
  if (cfg.models.includes('softmax')) softmaxHeads(cfg, v);
  if (cfg.models.includes('mhsa') && v.d > LINEAR_MHSA_MAX_D) {
    throw new InputError('models', `mhsa (linear self-attention) takes at most ${LINEAR_MHSA_MAX_D} features per token, the images give ${v.d}: add --project pca --dim 16`);
  }
  if (cfg.models.some((m) => (BASELINES as readonly string[]).includes(m)) && v.N < MIN_BASELINE_IMAGES) {
    throw new InputError('nTrain', `gives ${v.N} training images; the baselines' learning-rate search needs at least ${MIN_BASELINE_IMAGES} (it holds out ${cfg.valFraction * 100}% of them to score the rates)`);
  }
}

/**
 * Loads the images, runs the experiment in OUT.partial (checkpoint.json after every phase) and
 * renames it to OUT: config.json, result.json, metrics.jsonl (every convex solve's progress),
 * weights.npz (the convex heads, as fit writes them).
 */
export function visionToDir(given: Partial<VisionConfig>, out: string, o: VisionToDirOptions): VisionResult {
  const cfg = visionConfig(given);
  const dir = new RunDir(out, { kind: 'vision', force: o.force, resumable: true, resume: o.resume, inputs: [cfg.idxDir] });
  try {
    o.onPhase?.(`reading ${cfg.idxDir}`);
    const { data, v } = loadDataset(cfg);
    checkAgainstImages(cfg, v);
    // the images are the data: their files and hashes, checked again by --resume
    const record: RunRecord<VisionConfig> = generatedRecord('vision', cfg, { name: 'idx', options: { files: v.files.map((f) => path.resolve(f)), sha256: v.files.map(sha256File) } });
    const saved = dir.read(RUN_FILES.config);
    if (o.resume && saved !== null) checkSameRun(JSON.parse(saved), record, path.join(dir.tmp, RUN_FILES.config));
    dir.writeConfig(record);
    const ck = (dir.readCheckpoint() as VisionCheckpoint | null) ?? {
      result: {
        data: { N: v.N, Ntest: v.Ntest, n: v.n, d: v.d, classes: v.classes, rows: v.rows, cols: v.cols, patch: v.patch, project: cfg.project, varianceKept: v.varianceKept, files: v.files, classNames: classNames(v) },
        beta: null, betaMax: null, baselineBeta: null, baselineSeconds: null, rows: [], path: [], heads: null, warnings: [],
      },
      lines: [],
    };
    const result = runPhases(data, v, cfg, ck, () => dir.writeCheckpoint(ck), o);
    // written whole (a run killed after writing it and resumed must not append it twice)
    dir.writeAtomic(RUN_FILES.metrics, ck.lines.map((l) => JSON.stringify(l) + '\n').join(''));
    dir.writeResult(result);
    if (ck.weights) {
      dir.write('weights.npz', encodeNpz(Object.fromEntries(Object.entries(ck.weights).map(([k, a]) =>
        [k, { data: a.int32 ? Int32Array.from(a.values) : Float64Array.from(a.values), shape: a.shape }]))));
    }
    dir.removeCheckpoint();
    dir.commit();
    return result;
  } catch (e) {
    if (dir.readCheckpoint() === null) dir.abort();
    throw e;
  }
}
