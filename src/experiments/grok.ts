// `grok`: one run of the grokking experiment (issue 9; Ergen et al. section 4, Figures 4-6): a
// model trained on a generated task (modular division by default) until its test accuracy holds
// the target or the steps run out, both splits evaluated as it goes. The models are the standard
// transformer in Power et al.'s setting (grok-standard.ts) and the deep convex model in Fisher et
// al. 5.2's (grok-convex.ts), trained end to end or (convex-certified) by block-coordinate descent
// with a certified last layer, one round per step; each has one typed default set (GROK_DEFAULTS) that the CLI and
// library calls share, and config.json records it whole. Not reaching the target is a result.
import * as path from 'node:path';
import { median } from '../core/median';
import { InputError } from '../data/errors';
import { TASKS, taskNamed } from '../data/tasks/registry';
import type { Task, TaskData, TaskValues } from '../data/tasks/task';
import type { LOG_ROUNDS } from '../data/tasks/periodicity';
import type { ModularOp } from '../data/tasks/modular';
import { CERTIFIED_SETTING, CONVEX_SETTING, KERNEL_SETTING, resolvePositions, type GrokKernelOptions, trainCertifiedGrok, trainConvexGrok, type GrokCertifiedEval, type GrokCertifiedOptions, type GrokConvexOptions, type RoundCertificate } from './grok-convex';
import { POWER_SETTING, trainStandardGrok, type GrokStandardOptions } from './grok-standard';
import type { GrokEval, GrokResult, GrokRun } from './grok-train';
import { RUN_FILES, RunDir } from './run-dir';
import { checkSameRun, generatedRecord, type RunRecord } from './run-record';
import type { TrainCheckpoint } from './train';
import type { Param } from '../nn/models/model';
import { spectra, type MatrixSpectrum } from '../nn/spectra';
import { geometricIndices } from '../core/log-steps';

/**
 * The task of a run: its generator's options (the split is seeded by the run's seed). Each task
 * takes its own: modular op and p; periodicity p and logRound (docs/periodicity.md).
 */
export interface GrokTask {
  task: string;
  op?: ModularOp;
  p: number;
  logRound?: typeof LOG_ROUNDS[number];
  trainFrac: number;
}

export type GrokConfig = GrokTask & ({ model: 'standard' } & GrokStandardOptions | { model: 'convex' } & GrokConvexOptions
  | { model: 'convex-kernel' } & GrokKernelOptions | { model: 'convex-certified' } & GrokCertifiedOptions);

/** One default set per model: Power et al.'s setting for the standard model, Fisher et al. 5.2's for the convex ones. */
export const GROK_DEFAULTS: { standard: GrokStandardOptions; convex: GrokConvexOptions; 'convex-kernel': GrokKernelOptions; 'convex-certified': GrokCertifiedOptions } = {
  standard: POWER_SETTING, convex: CONVEX_SETTING, 'convex-kernel': KERNEL_SETTING, 'convex-certified': CERTIFIED_SETTING,
};

export type GrokModel = keyof typeof GROK_DEFAULTS;
export const GROK_MODELS = Object.keys(GROK_DEFAULTS) as GrokModel[];

/** grok's defaults for the task: its own (periodicity p 97) under these (modular's op is division, Power et al.'s task). */
export const GROK_TASK_DEFAULTS = { task: 'modular', op: 'div', trainFrac: 0.5 } as const;

/** The fields of a task's options that a grok config holds (its seed is the run's seed). */
const taskFields = (task: Task): string[] => task.options.map((o) => o.field).filter((f) => f !== 'seed');

/** What a caller gives: the model at least; undefined counts as not given. */
export type GrokGiven = { model: GrokModel } & Partial<Record<string, unknown>>;

/**
 * A complete GrokConfig: the task's and the model's defaults under what was given. An option of
 * another task (op for periodicity) or of the other model only (gates for the standard model) is
 * refused, so that no flag is silently ignored.
 */
export function grokConfig(given: GrokGiven): GrokConfig {
  if (!GROK_MODELS.includes(given.model)) throw new InputError('model', `must be one of ${GROK_MODELS.join(', ')}, got ${String(given.model)}`);
  const task = taskNamed(String(given.task ?? GROK_TASK_DEFAULTS.task));
  const own = taskFields(task);
  const taskDefaults: Record<string, unknown> = Object.fromEntries(task.options.filter((o) => o.default !== undefined).map((o) => [o.field, o.default]));
  for (const f of own) if (f in GROK_TASK_DEFAULTS) taskDefaults[f] = GROK_TASK_DEFAULTS[f as keyof typeof GROK_TASK_DEFAULTS];
  const defaults: Record<string, unknown> = { ...taskDefaults, ...GROK_DEFAULTS[given.model] };
  const set = Object.entries(given).filter(([, v]) => v !== undefined);
  for (const [k] of set) {
    if (k === 'model' || k === 'task' || own.includes(k) || k in defaults) continue;
    const tasks = TASKS.filter((t) => taskFields(t).includes(k)).map((t) => t.name);
    if (tasks.length) throw new InputError(k, `is an option of task ${tasks.join(' and ')}, not of ${task.name}`);
    const owners = GROK_MODELS.filter((m) => k in GROK_DEFAULTS[m]);
    const list = owners.length > 1 ? `${owners.slice(0, -1).join(', ')} and ${owners.at(-1)}` : owners[0];
    throw new InputError(k, owners.length ? `is an option of the ${list} model${owners.length > 1 ? 's' : ''}, not of ${given.model}` : 'is not an option of grok');
  }
  const merged: Record<string, unknown> = { ...defaults, ...Object.fromEntries(set) };
  for (const f of own) if (merged[f] === undefined) throw new InputError(f, `is required for task ${task.name} (or --suite)`);
  if (given.model === 'convex' || given.model === 'convex-kernel') merged.positions = resolvePositions(given.positions, merged.embedding as never, defaults.positions as never);
  // the task and its options first, then the model and its options (an existing key keeps its place in a spread)
  return { task: task.name, ...Object.fromEntries(own.map((f) => [f, merged[f]])), model: merged.model, ...merged } as unknown as GrokConfig;
}

/** The task's generator options as the config holds them, and the run's seed. */
function taskValues(cfg: GrokConfig): TaskValues {
  const c = cfg as unknown as Record<string, string | number>;
  return { ...Object.fromEntries(taskFields(taskNamed(cfg.task)).map((f) => [f, c[f]])), seed: cfg.seed };
}

/** The task's equations and split; its own errors name its fields (op, p, trainFrac). */
export function grokTask(cfg: GrokConfig): TaskData {
  return taskNamed(cfg.task).generate(taskValues(cfg));
}

/** Trains the configured model on `data`; the options are checked before the first step. */
export function runGrok(data: TaskData, cfg: GrokConfig, run: GrokRun = {}): GrokResult {
  const fields = new Set(['task', 'model', ...taskFields(taskNamed(cfg.task))]);
  const options = Object.fromEntries(Object.entries(cfg).filter(([k]) => !fields.has(k)));
  if (cfg.model === 'standard') return trainStandardGrok(data, options as GrokStandardOptions, run);
  if (cfg.model === 'convex' || cfg.model === 'convex-kernel') return trainConvexGrok(data, options as unknown as GrokConvexOptions, run);
  return trainCertifiedGrok(data, options as GrokCertifiedOptions, run);
}

/** result.json: when each split was learnt, the amount of grokking, the final numbers. */
export interface GrokSummary {
  steps: number;
  seconds: number;
  /** test accuracy reached --target-acc (else: all the steps ran) */
  reachedTarget: boolean;
  stepsToTrain99: number | null;
  secondsToTrain99: number | null;
  stepsToTest99: number | null;
  secondsToTest99: number | null;
  /** steps from 99% train to 99% test accuracy; null when either was not reached */
  grokking: number | null;
  final: Omit<GrokEval, 'step' | 'seconds'>;
  parameters: number;
  /** the median of the training seconds per step between consecutive evaluations */
  medianStepSeconds: number | null;
  /** convex-certified only (its steps are rounds): J and the last layer's certificate after the last round */
  objective?: number;
  certificate?: RoundCertificate;
  /** convex-certified only: every round's last-layer solve reached tol; else the rounds whose did not */
  allSolvesConverged?: boolean;
  unconvergedRounds?: number[];
  /** convex-certified only: the run stopped at a round that changed no parameter (every later round would repeat it) */
  stoppedAtFixedPoint?: boolean;
}

export function grokSummary(r: GrokResult, cfg: GrokConfig): GrokSummary {
  const last = r.evals.at(-1)!;
  const perStep = r.evals.slice(1).map((e, k) => (e.seconds - r.evals[k].seconds) / (e.step - r.evals[k].step));
  const stepSeconds = perStep.length === 0 ? null : median(perStep);
  return {
    steps: r.steps, seconds: r.seconds,
    reachedTarget: cfg.targetAccuracy !== null && last.testAccuracy >= cfg.targetAccuracy,
    stepsToTrain99: r.stepsToTrain99, secondsToTrain99: r.secondsToTrain99, stepsToTest99: r.stepsToTest99, secondsToTest99: r.secondsToTest99,
    grokking: r.stepsToTrain99 === null || r.stepsToTest99 === null ? null : r.stepsToTest99 - r.stepsToTrain99,
    final: { trainLoss: last.trainLoss, trainAccuracy: last.trainAccuracy, testLoss: last.testLoss, testAccuracy: last.testAccuracy },
    parameters: r.parameters, medianStepSeconds: stepSeconds,
    ...(cfg.model === 'convex-certified' ? certifiedSummary(r.evals as GrokCertifiedEval[]) : {}),
  };
}

function certifiedSummary(evals: GrokCertifiedEval[]): Pick<GrokSummary, 'objective' | 'certificate' | 'allSolvesConverged' | 'unconvergedRounds' | 'stoppedAtFixedPoint'> {
  const last = evals.at(-1)!;
  const unconverged = evals.filter((e) => !e.certificate.converged).map((e) => e.step);
  return { objective: last.objective, certificate: last.certificate, allSolvesConverged: unconverged.length === 0, unconvergedRounds: unconverged,
    stoppedAtFixedPoint: last.fixedPoint };
}

/** config.json's configuration: the run's, and what the task generated (its size, and how division was restricted). */
export type GrokRecordConfig = GrokConfig & { equations: number; trainEquations: number; testEquations: number; taskSummary: string };

/** What a killed grok run needs to go on. */
interface GrokCheckpoint {
  train: TrainCheckpoint;
  history: GrokEval[];
  /** the spectra recorded before the checkpoint (absent in checkpoints of older runs) */
  spectra?: SpectraRecord[];
}

/** The weight spectra of one evaluated step (spectra.jsonl, a line each; Fisher et al. section 7). */
export interface SpectraRecord {
  step: number;
  matrices: MatrixSpectrum[];
}

export const GROK_SPECTRA_FILE = 'spectra.jsonl';

export interface GrokToDirOptions {
  force?: boolean;
  resume?: boolean;
  /** save a checkpoint in OUT.partial every this many steps (default 500) */
  checkpointEvery?: number;
  onEval?: (e: GrokEval) => void;
  /** convex-certified: progress inside a round (a long last-layer solve) */
  onProgressLine?: (line: string) => void;
}

export const GROK_CHECKPOINT_EVERY = 500;

/**
 * Runs grok in OUT.partial, checkpointing there, and renames it to OUT when done. A run that dies
 * leaves OUT.partial; `resume` continues it if the configuration is the one recorded.
 */
export function grokToDir(given: GrokGiven, out: string, opts: GrokToDirOptions = {}): { config: GrokRecordConfig; summary: GrokSummary } {
  const cfg = grokConfig(given);
  const data = grokTask(cfg); // refuses a bad task before anything is written
  const record: RunRecord<GrokRecordConfig> = generatedRecord('grok', {
    ...cfg, equations: data.N, trainEquations: data.train.length, testEquations: data.test.length, taskSummary: data.summary,
  }, { name: cfg.task, options: taskValues(cfg) });
  const dir = new RunDir(out, { kind: 'grok', force: opts.force, resumable: true, resume: opts.resume });
  let summary: GrokSummary;
  try {
    const saved = dir.read(RUN_FILES.config);
    if (opts.resume && saved !== null) checkSameRun(JSON.parse(saved), record, path.join(dir.tmp, RUN_FILES.config));
    dir.writeConfig(record);
    const ck = dir.readCheckpoint() as GrokCheckpoint | null;
    const history: GrokEval[] = ck ? [...ck.history] : [];
    // the k-th evaluation's weights are spectra'd when k is geometric (0, 1, 2, ..., then ~25% apart)
    const spectraAt = geometricIndices();
    const records: SpectraRecord[] = ck ? [...(ck.spectra ?? [])] : [];
    let last: { step: number; params: readonly Param[] } | null = null;
    const kept = (step: number, train: { step: number }) => step < train.step || (cfg.model === 'convex-certified' && step === train.step);
    const result = runGrok(data, cfg, {
      resume: ck ? { checkpoint: ck.train, history: ck.history } : undefined,
      checkpointEvery: opts.checkpointEvery ?? GROK_CHECKPOINT_EVERY,
      // the trainer evaluates its checkpoint's step again on resume; a certified round's evaluation
      // (with its certificate) is of the state checkpointed after it, so it is kept
      onCheckpoint: (train) => dir.writeCheckpoint({
        train, history: history.filter((e) => kept(e.step, train)), spectra: records.filter((r) => kept(r.step, train)),
      } satisfies GrokCheckpoint),
      onEval: (e) => { history.push(e); opts.onEval?.(e); },
      onWeights: (step, params) => {
        last = { step, params };
        if (spectraAt(history.length - 1) && records.at(-1)?.step !== step) records.push({ step, matrices: spectra(params) });
      },
      onProgressLine: opts.onProgressLine,
    });
    const final = last as { step: number; params: readonly Param[] } | null;
    if (final && records.at(-1)?.step !== final.step) records.push({ step: final.step, matrices: spectra(final.params) });
    summary = grokSummary(result, cfg);
    dir.appendMetrics(result.evals);
    dir.write(GROK_SPECTRA_FILE, records.map((r) => JSON.stringify(r)).join('\n') + (records.length ? '\n' : ''));
    dir.writeResult(summary);
  } catch (e) {
    // nothing to resume yet (refused before the first checkpoint): leave nothing behind
    if (dir.readCheckpoint() === null) dir.abort();
    throw e;
  }
  dir.removeCheckpoint();
  dir.commit();
  return { config: record.config, summary };
}
