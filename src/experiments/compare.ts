// `compare`: the same data, a convex program and the non-convex models beside it. (c) the convex
// program (`--model`, default eq. (10)), solved to its certificate; (b) the program's own
// non-convex model (simplex attention, eq. (9), for eq. (10); linear or gated attention, the
// mixers, matrix-target attention for theirs) and (a) standard softmax attention, eq. (2)-(3)
// (targets per sample only), both trained with Adam at a learning rate chosen on a validation
// split. Records objective and test loss against wall-clock time and iterations, and where each
// model attends where it has a distribution over the tokens.
import * as path from 'node:path';
import { attentionMap } from '../attention/attention-map';
import type { Dataset } from '../data/dataset';
import type { Tokens, Targets } from '../convex/types';
import { float64Tokens, type Float64Tokens } from '../data/tokens';
import { makeDatafit, withBeta } from '../convex/programs/assemble';
import { splitMetrics } from '../convex/metrics';
import { checkOptionValues, checkTargetsForm, type BuiltProgram, type ProgramOptions } from '../convex/programs/program';
import { PROGRAMS, programNamed, programOptions } from '../convex/registry';
import { solve } from '../convex/solve';
import { softmaxModel } from '../nn/models/softmax-model';
import type { Model, ModelShape } from '../nn/models/model';
import { trainModel, type TrainCheckpoint } from './train';
import { sliceSamples, tokenSource } from './batches';
import { FEW_STEPS, searchLr, validationSize, type LrTrial } from './lr-search';
import { chooseBeta, notTaken } from './fit';
import { InputError } from '../data/errors';
import { checkHeads, chooseHeads, ordered, ownSettings, softmaxSettings, softmaxWidth, withPositions, type ModelSettings } from './compare-models';
import { RUN_FILES, RunDir } from './run-dir';
import { checkSameRun, generatedRecord, runRecord, type RunRecord } from './run-record';

export interface CompareConfig {
  /** the convex program (registry name; default attention, eq. (10)): it and its own non-convex model are compared */
  model?: string;
  /** the options the program declares (gated: gates, drawn with `seed`; bfno: bands), by field */
  [option: string]: unknown;
  /** heads of the non-convex models; undefined: at least as many as the convex optimum uses */
  heads?: number;
  beta?: number;
  betaFrac?: number;
  /**
   * Total seconds (without `steps`): the convex solve gets up to a third; the rest is split
   * equally between the two non-convex models, each spending half of its share on the
   * learning-rate search (equal parts per rate) and half on training on all the data. A share
   * too short for the steps it needs is reported in `warnings` (see lr-search.ts).
   */
  timeBudget: number;
  /** Adam steps per non-convex model (a quarter of it per learning rate tried); deterministic, resumable; no time limit anywhere */
  steps?: number;
  /** labels y: the class count given with --classes (recorded: it shapes the data read) */
  classes?: number;
  /** the softmax model sees each token with a one-hot of its position appended (n more features) */
  positional?: boolean;
  /** iteration limit of the convex solve */
  maxIter: number;
  seed: number;
  lrGrid: number[];
  valFraction: number;
  tol: number;
}

/** The share of --time-budget the convex solve may use. */
export const CONVEX_SHARE = 1 / 3;

/** The one set of compare defaults: the CLI's flags default to these, and compareConfig fills them in for a library caller. */
export const COMPARE_DEFAULTS = {
  timeBudget: 20, maxIter: 100000, seed: 0, lrGrid: [0.001, 0.003, 0.01, 0.03], valFraction: 0.2, tol: 1e-6,
} as const satisfies Partial<CompareConfig>;

/** With neither beta nor betaFrac given: this fraction of beta_max. */
export const COMPARE_BETA_FRAC = 0.1;

const positiveInt = (v: unknown): boolean => Number.isInteger(v) && (v as number) >= 1;
const positiveNumber = (v: unknown): boolean => typeof v === 'number' && v > 0 && Number.isFinite(v);

/**
 * A complete CompareConfig from what a caller gave (undefined counts as not given), checked, so
 * that a library call without `tol` or `lrGrid` runs as the CLI's defaults do, not on undefined.
 */
export function compareConfig(given: Partial<CompareConfig>): CompareConfig {
  const set = Object.fromEntries(Object.entries(given).filter(([, v]) => v !== undefined)) as Partial<CompareConfig>;
  const defaults: Partial<CompareConfig> = { ...COMPARE_DEFAULTS, lrGrid: [...COMPARE_DEFAULTS.lrGrid] };
  if (set.beta === undefined && set.betaFrac === undefined) defaults.betaFrac = COMPARE_BETA_FRAC;
  // defaults after what was given, so config.json lists the fields in the caller's order
  const cfg = { ...set, ...Object.fromEntries(Object.entries(defaults).filter(([k]) => !(k in set))) } as CompareConfig;
  // the default program is not recorded, so runs from before --model resume and compare as equal
  if (cfg.model === 'attention') delete cfg.model;
  if (!positiveNumber(cfg.timeBudget)) throw new InputError('timeBudget', `must be a finite number > 0, got ${cfg.timeBudget}`);
  if (cfg.steps !== undefined && !positiveInt(cfg.steps)) throw new InputError('steps', `must be an integer >= 1, got ${cfg.steps}`);
  if (!positiveInt(cfg.maxIter)) throw new InputError('maxIter', `must be an integer >= 1, got ${cfg.maxIter}`);
  if (!(Number.isInteger(cfg.seed) && cfg.seed >= 0)) throw new InputError('seed', `must be an integer >= 0, got ${cfg.seed}`);
  if (!Array.isArray(cfg.lrGrid) || cfg.lrGrid.length === 0 || !cfg.lrGrid.every(positiveNumber)) {
    throw new InputError('lrGrid', `must be a non-empty list of finite numbers > 0, got ${JSON.stringify(cfg.lrGrid)}`);
  }
  if (!(cfg.valFraction > 0 && cfg.valFraction < 1)) throw new InputError('valFraction', `must be in (0, 1), got ${cfg.valFraction}`);
  if (!positiveNumber(cfg.tol)) throw new InputError('tol', `must be a finite number > 0, got ${cfg.tol}`);
  const program = programNamed(cfg.model ?? 'attention');
  if (!program.nonconvexName) {
    const takers = PROGRAMS.filter((p) => p.nonconvexName).map((p) => p.name).join(', ');
    throw new InputError('model', `program ${program.name} has no non-convex model of its own to train beside it; compare takes ${takers}`);
  }
  // the program's options as fit checks them (seed is compare's own: it also draws a program's gates)
  for (const { field } of programOptions()) {
    if (field !== 'seed' && cfg[field] !== undefined && !program.options.some((o) => o.field === field)) throw notTaken(program, field);
  }
  checkOptionValues(program, cfg);
  return cfg;
}

export interface MetricPoint {
  /** 'convex', 'softmax', or the program's own non-convex model (attention's: 'simplex') */
  model: string;
  iteration: number;
  seconds: number;
  objective: number;
  testLoss: number;
  /** labels y (cross-entropy) only: the share of test sequences whose largest output is their label */
  testAccuracy?: number;
  relGap?: number;
}

export interface CompareResult {
  /** the convex program compared */
  program: string;
  /** the training split's shape and the loss, so a report can state them */
  loss: 'squared' | 'ce';
  N: number; n: number; d: number; c: number;
  testN: number;
  beta: number;
  betaMax: number;
  chosenLr: Record<string, number>;
  /** the rates each model's search tried, with their steps and validation loss (null: the only rate left, not scored) */
  lrSearch: Record<string, LrTrial[]>;
  /** testAccuracy, trainAccuracy: labels y (cross-entropy) only */
  final: Record<string, { objective: number; testLoss: number; testAccuracy?: number; trainAccuracy?: number; seconds: number; iterations: number; converged?: boolean }>;
  /** solver: fista (the reference), or bm where the problem is too large for it (Problem.tooLargeToIterate) */
  certificate: { objective: number; lowerBound: number; relGap: number; tol: number; converged: boolean; heads: number; solver?: string };
  /** every setting that shapes the non-convex models: softmax (targets per sample) and the program's own */
  models: Record<string, ModelSettings>;
  warnings: string[];
  maps: Record<string, number[]>;
}

/** What a killed compare run needs to go on: every phase finished so far, and the model in training. */
export interface CompareCheckpoint {
  lines: MetricPoint[];
  result?: CompareResult;
  training?: { name: string; state: TrainCheckpoint };
}

export interface CheckpointStore {
  load(): CompareCheckpoint | null;
  save(c: CompareCheckpoint): void;
}

const CHECKPOINT_EVERY = 50;

/** Mean loss per sample of predictions on a split. */
function meanLoss(pred: Float64Array, tokens: Tokens, targets: Targets): number {
  return makeDatafit(targets.Y ? 'squared' : 'ce', targets, tokens.N).value(pred) / tokens.N;
}

/** Accuracy against labels y; undefined for targets Y (squared loss: no classes to be right about). */
function labelAccuracy(pred: Float64Array, tokens: Tokens, targets: Targets): number | undefined {
  return targets.y ? splitMetrics('ce', pred, targets, tokens.N).accuracy ?? undefined : undefined;
}

/** Test loss and (labels only) test accuracy of predictions on the test split. */
function testScores(pred: Float64Array, tokens: Tokens, targets: Targets): { testLoss: number; testAccuracy?: number } {
  const testLoss = meanLoss(pred, tokens, targets);
  const testAccuracy = labelAccuracy(pred, tokens, targets);
  return testAccuracy === undefined ? { testLoss } : { testLoss, testAccuracy };
}

/** `startedAt`: the process.hrtime.bigint() the time budget counts from (default: now; the CLI's, before reading the data). */
export function runCompare(
  data: Dataset, given: Partial<CompareConfig>, teacherMap: Float64Array | null, log: (p: MetricPoint) => void, store?: CheckpointStore,
  startedAt?: bigint,
): CompareResult {
  const cfg = compareConfig(given);
  if (!data.test || !data.testTargets) throw new InputError('X_test', 'compare needs a test split (X_test with Y_test or y_test)');
  const program = programNamed(cfg.model ?? 'attention'), own = program.nonconvexName!;
  checkTargetsForm(program, data.trainTargets, PROGRAMS);
  // softmax attention predicts one target per sample: beside per-token programs it is left out
  const withSoftmax = data.trainTargets.tokens === undefined;
  if (withSoftmax) checkHeads(cfg.heads, cfg, data.train);
  const t0 = startedAt ?? process.hrtime.bigint();
  const elapsed = () => Number(process.hrtime.bigint() - t0) / 1e9;
  const loss = data.trainTargets.Y ? 'squared' : 'ce';
  const { trainTargets, testTargets } = data;
  const train = float64Tokens(data.train), test = float64Tokens(data.test);
  const c = trainTargets.c;
  // what each model sees of a split: the softmax model, with --positional, the positions too
  const seen = new Map<Float64Array, Float64Tokens>();
  const view = (name: string, t: Float64Tokens): Float64Tokens => {
    if (name !== 'softmax' || !cfg.positional) return t;
    if (!seen.has(t.X)) seen.set(t.X, withPositions(t));
    return seen.get(t.X)!;
  };
  const ck: CompareCheckpoint = store?.load() ?? { lines: [] };
  ck.lines.forEach(log);
  const emit = (p: MetricPoint) => { ck.lines.push(p); log(p); };

  const options: ProgramOptions = { loss, ...Object.fromEntries(program.options.map((o) => [o.field, cfg[o.field]])) };
  const base: BuiltProgram = program.build(data, options);
  const beta = chooseBeta(base, cfg);
  const ap = withBeta(base, beta);
  const spec = ap.nonconvexModel!;
  let result = ck.result;
  if (!result) {
    // (c) convex, first: it also fixes beta for everyone
    // with --steps the work is fixed: the solve runs to --tol or --max-iter, never to a clock;
    // FISTA, the reference, unless the problem is too large for it (then bm, the only one that runs)
    const sol = solve(ap.problem, ap.problem.tooLargeToIterate === undefined ? 'fista' : 'bm', {
      tol: cfg.tol, maxIter: cfg.maxIter, timeLimit: cfg.steps ? undefined : Math.max(0, cfg.timeBudget * CONVEX_SHARE - elapsed()),
      onProgress: (p) => {
        const scores = testScores(ap.predict(p.w!, test), test, testTargets);
        emit({ model: 'convex', iteration: p.iteration, seconds: p.seconds, objective: p.primal, relGap: p.relGap, ...scores });
      },
    });
    const convexTest = testScores(ap.predict(sol.w, test), test, testTargets);
    const convexTrainAcc = labelAccuracy(sol.pred, train, trainTargets); // A w on the training data, as the solve left it
    const rec = ap.recover(sol.w);
    const heads = chooseHeads(cfg.heads, own, spec.headsFor(rec), rec.H, withSoftmax ? softmaxWidth(cfg, train) : null);
    const models: Record<string, ModelSettings> = {};
    if (withSoftmax) models.softmax = softmaxSettings(heads.softmax!, beta, !!cfg.positional);
    models[own] = ownSettings(spec, heads.own, beta);
    result = {
      program: program.name, loss, N: train.N, n: train.n, d: train.d, c, testN: test.N,
      beta, betaMax: base.betaMax, chosenLr: {}, lrSearch: {}, final: {},
      certificate: {
        objective: sol.certificate.primal, lowerBound: sol.certificate.dual, relGap: sol.certificate.relGap,
        tol: cfg.tol, converged: sol.converged, heads: rec.H, solver: sol.method,
      },
      models,
      warnings: heads.warnings,
      maps: spec.convexMap ? { convex: Array.from(spec.convexMap(rec)) } : {},
    };
    result.final.convex = {
      objective: sol.certificate.primal, ...convexTest, ...(convexTrainAcc === undefined ? {} : { trainAccuracy: convexTrainAcc }),
      seconds: sol.certificate.seconds, iterations: sol.certificate.iterations, converged: sol.converged,
    };
    ck.result = result;
    store?.save(ck);
  }

  // (a), (b): learning rate on a validation split, then the whole budget on all training data
  const nVal = validationSize(train.N, cfg.valFraction);
  const fitPart = sliceSamples(train, trainTargets, 0, train.N - nVal);
  const valPart = sliceSamples(train, trainTargets, train.N - nVal, train.N);
  const settings = result.models;
  const makers: Record<string, (m: ModelShape) => Model> = {
    softmax: (m) => softmaxModel(m, settings.softmax.heads, beta, cfg.seed, settings.softmax.readoutToken!),
    [own]: () => spec.make(settings[own].heads, beta, cfg.seed),
  };
  const names = [...(withSoftmax ? ['softmax'] : []), own];
  const shape = (t: Tokens): ModelShape => ({ n: t.n, d: t.d, c });
  const searchSteps = cfg.steps ? Math.max(1, Math.floor(cfg.steps / 4)) : undefined;
  for (const [k, name] of names.entries()) {
    if (result.final[name]) continue;
    // without --steps: this model's share of what is left of the budget, half of it for the search
    const modelStart = elapsed();
    const share = cfg.steps ? Infinity : Math.max(0, cfg.timeBudget - modelStart) / (names.length - k);
    const s = settings[name];
    let searchStep: number | undefined; // seconds of one step on the fit part, measured by the search
    if (!result.lrSearch[name]) {
      const val = view(name, valPart.tokens);
      const fit = view(name, fitPart.tokens);
      const found = searchLr(name, { grid: cfg.lrGrid, steps: searchSteps, seconds: share / 2, now: elapsed },
        () => makers[name](shape(fit)), tokenSource(fit, fitPart.targets, loss),
        (m) => meanLoss(m.forward(val.X, val.N), valPart.tokens, valPart.targets));
      result.lrSearch[name] = found.trials;
      result.chosenLr[name] = s.lr = found.chosen;
      if (found.warning) result.warnings.push(found.warning);
      searchStep = found.stepSeconds;
      if (cfg.steps) s.searchSteps = searchSteps;
      else { s.shareSeconds = share; s.searchSeconds = elapsed() - modelStart; }
      store?.save(ck);
    }
    const trainStart = elapsed();
    const budget = cfg.steps ? Infinity : Math.max(0, modelStart + share - trainStart);
    // full batch: a step on all the training data costs about N / N_fit of one on the fit part
    const predicted = searchStep === undefined ? undefined : searchStep * train.N / fitPart.tokens.N;
    const seenTrain = view(name, train);
    const model = makers[name](shape(seenTrain));
    const seenTest = view(name, test);
    const resume = ck.training?.name === name ? ck.training.state : undefined;
    let logged: MetricPoint | undefined;
    const last = trainModel(model, tokenSource(seenTrain, trainTargets, loss), {
      lr: result.chosenLr[name], timeBudget: budget, stepSeconds: predicted, maxSteps: cfg.steps, resume,
      onLog: (p) => emit(logged = { model: name, ...p, ...testScores(model.forward(seenTest.X, seenTest.N), test, testTargets) }),
      checkpointEvery: store && cfg.steps ? CHECKPOINT_EVERY : undefined,
      onCheckpoint: (state) => { ck.training = { name, state }; store?.save(ck); },
    });
    // the last point is always logged: the final numbers are its numbers
    const trainAccuracy = labelAccuracy(model.forward(seenTrain.X, seenTrain.N), train, trainTargets);
    result.final[name] = {
      objective: last.objective, testLoss: logged!.testLoss,
      ...(logged!.testAccuracy === undefined ? {} : { testAccuracy: logged!.testAccuracy }),
      ...(trainAccuracy === undefined ? {} : { trainAccuracy }),
      seconds: last.seconds, iterations: last.iteration,
    };
    if (name === 'softmax' || spec.convexMap) result.maps[name] = Array.from(model.attentionMap(seenTrain.X, seenTrain.N));
    s.steps = last.iteration;
    if (!cfg.steps) {
      s.trainSeconds = elapsed() - trainStart;
      s.stepSeconds = last.iteration > 0 ? last.seconds / last.iteration : predicted;
      if (last.iteration < FEW_STEPS) {
        const cost = s.stepSeconds === undefined ? '' : `one takes ${s.stepSeconds.toPrecision(2)} s, `;
        result.warnings.push(`${name}: trained for only ${last.iteration} Adam step${last.iteration === 1 ? '' : 's'} (${cost}its training had ${budget.toPrecision(2)} s): raise the time budget (timeBudget, --time-budget)`);
      }
    }
    ck.training = undefined;
    store?.save(ck);
  }
  if (teacherMap) result.maps.teacher = Array.from(teacherMap);
  // the same key order whether or not the run was resumed from a checkpoint
  result.models = Object.fromEntries(names.map((name) => [name, ordered(result!.models[name])]));
  return result;
}

export interface CompareToDirOptions {
  force?: boolean;
  resume?: boolean;
  /** the data file, recorded with its hash in config.json; absent for generated data (demo) */
  dataFile?: string;
  /** process.hrtime.bigint() when the command started: the time budget counts from there (default: now) */
  startedAt?: bigint;
  /** each metric point as it is logged (the CLI prints progress) */
  onMetric?: (p: MetricPoint) => void;
}

/**
 * Runs compare in OUT.partial, checkpointing there (checkpoint.json), and renames it to OUT when
 * complete. A run that dies leaves OUT.partial; `resume` continues it, if the data (by content
 * hash) and the options are the same as recorded in its config.json.
 */
export function compareToDir(data: Dataset, given: Partial<CompareConfig>, teacherMap: Float64Array | null, out: string, opts: CompareToDirOptions): CompareResult {
  const cfg = compareConfig(given);
  const dir = new RunDir(out, { kind: 'compare', force: opts.force, resumable: true, resume: opts.resume, inputs: opts.dataFile ? [opts.dataFile] : [] });
  const record: RunRecord<CompareConfig> = opts.dataFile
    ? runRecord('compare', opts.dataFile, cfg)
    : generatedRecord('compare', cfg);
  const saved = dir.read(RUN_FILES.config);
  if (opts.resume && saved !== null) checkSameRun(JSON.parse(saved), record, path.join(dir.tmp, RUN_FILES.config));
  dir.writeConfig(record);
  const store: CheckpointStore = {
    load: () => dir.readCheckpoint() as CompareCheckpoint | null,
    save: (c) => dir.writeCheckpoint(c),
  };
  const points: MetricPoint[] = [];
  let result: CompareResult;
  try {
    result = runCompare(data, cfg, teacherMap, (p) => {
      points.push(p);
      opts.onMetric?.(p);
    }, store, opts.startedAt);
  } catch (e) {
    // nothing to resume yet (refused before the first checkpoint): leave nothing behind
    if (dir.readCheckpoint() === null) dir.abort();
    throw e;
  }
  dir.appendMetrics(points);
  dir.writeResult(result);
  dir.removeCheckpoint();
  dir.commit();
  return result;
}
