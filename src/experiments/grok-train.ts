// The training loop of the grokking experiment (issue 9), shared by its models (the standard
// transformer, grok-standard.ts; the deep convex model, grok-convex.ts): a model on token ids
// trained on a generated task's training split through the one minibatch trainer, with Adam or
// AdamW and a linear warm-up, both splits evaluated every evalEvery steps.
//
// Decay acts on every parameter, as torch.optim.AdamW(model.parameters()) does in Power et al.
// The trainer's objective is the loss summed over the data (minibatch: N/B times the batch's sum),
// N times PyTorch's mean: Adam's step is invariant to that scale (up to eps), AdamW's decoupled
// decay does not see it, and Adam's coupled decay (grad += wd p) is scaled by N to match
// torch.optim.Adam(weight_decay=wd) on the mean loss.
//
// Per evaluation it records train and test loss (mean cross-entropy) and accuracy; at the end,
// the first evaluated step (and training seconds) at which train and test accuracy reached 99%,
// so their resolution is the evaluation interval.
import type { FloatArray } from '../core/blas';
import { splitMetrics } from '../convex/metrics';
import { InputError } from '../data/errors';
import type { TaskData } from '../data/tasks/task';
import type { Model, Param } from '../nn/models/model';
import { addDecayedWeights, chain, linearWarmup, scaleByAdam, scaleByLearningRate, type Schedule, type Transform } from '../optim/transform';
import { idSource } from './batches';
import { trainModel, type TrainCheckpoint } from './train';

export const GROK_OPTIMIZERS = ['adamw', 'adam'] as const;
export type GrokOptimizer = typeof GROK_OPTIMIZERS[number];

/** How a grokking model is trained, whatever the model. */
export interface GrokTraining {
  optimizer: GrokOptimizer;
  /** AdamW's decoupled decay; Adam's coupled decay on the mean loss (PyTorch's weight_decay) */
  weightDecay: number;
  lr: number;
  beta1: number;
  beta2: number;
  /** steps of linear warm-up to lr */
  warmup: number;
  batchSize: number;
  /** at most this many steps */
  steps: number;
  /** stop at the first evaluation whose test accuracy reaches it; null: run all the steps */
  targetAccuracy: number | null;
  /** seeds the initial weights and the minibatch order (the split is the task's) */
  seed: number;
  evalEvery: number;
}

/** The accuracy at which a split counts as learnt (the "steps to 99%" of Ergen et al., Figure 7). */
export const REACHED = 0.99;

export interface GrokEval {
  step: number;
  /** training seconds (evaluation and checkpoints excluded) */
  seconds: number;
  trainLoss: number;
  trainAccuracy: number;
  testLoss: number;
  testAccuracy: number;
}

export interface GrokResult {
  evals: GrokEval[];
  /** steps taken, and their training seconds */
  steps: number;
  seconds: number;
  parameters: number;
  /** the first evaluated step (and its seconds) with accuracy >= 99%; null: not reached */
  stepsToTrain99: number | null;
  secondsToTrain99: number | null;
  stepsToTest99: number | null;
  secondsToTest99: number | null;
}

export interface GrokRun {
  onEval?: (e: GrokEval) => void;
  /** after each evaluation (and its onEval): the model's parameters at that step, live (copy what you keep) */
  onWeights?: (step: number, params: readonly Param[]) => void;
  /** convex-certified: a line while a round's last-layer solve runs, at most every progressSeconds (default 5) */
  onProgressLine?: (line: string) => void;
  progressSeconds?: number;
  checkpointEvery?: number;
  onCheckpoint?: (c: TrainCheckpoint) => void;
  /** continue from this checkpoint; `history` holds the evaluations made before it */
  resume?: { checkpoint: TrainCheckpoint; history: GrokEval[] };
}

export const positiveInt = <K extends string>(field: K, v: number): void => {
  if (!(Number.isInteger(v) && v >= 1)) throw new InputError(field, `must be a positive integer, got ${v}`);
};

export function checkTraining(o: GrokTraining): void {
  for (const f of ['batchSize', 'steps', 'evalEvery'] as const) positiveInt(f, o[f]);
  if (!GROK_OPTIMIZERS.includes(o.optimizer)) throw new InputError('optimizer', `must be one of ${GROK_OPTIMIZERS.join(', ')}, got ${String(o.optimizer)}`);
  if (!(o.lr > 0)) throw new InputError('lr', `must be a positive number, got ${o.lr}`);
  if (!(o.weightDecay >= 0)) throw new InputError('weightDecay', `must be a number >= 0, got ${o.weightDecay}`);
  for (const f of ['beta1', 'beta2'] as const) if (!(o[f] >= 0 && o[f] < 1)) throw new InputError(f, `must be in [0, 1), got ${o[f]}`);
  if (!(Number.isInteger(o.warmup) && o.warmup >= 0)) throw new InputError('warmup', `must be an integer >= 0, got ${o.warmup}`);
  if (o.targetAccuracy !== null && !(o.targetAccuracy > 0 && o.targetAccuracy <= 1)) {
    throw new InputError('targetAccuracy', `must be in (0, 1] or null, got ${o.targetAccuracy}`);
  }
}

/** The optimizer of the setting; `N` is the number of training samples (the objective's scale). */
function optimizer(o: GrokTraining, N: number): (lr: Schedule) => Transform<unknown> {
  const moments = () => scaleByAdam(o.beta1, o.beta2, 1e-8);
  if (o.optimizer === 'adamw') return (lr) => chain(moments(), addDecayedWeights(o.weightDecay), scaleByLearningRate(lr));
  return (lr) => (o.weightDecay ? chain(addDecayedWeights(o.weightDecay * N), moments(), scaleByLearningRate(lr)) : chain(moments(), scaleByLearningRate(lr)));
}

const firstReaching = (evals: GrokEval[], key: 'trainAccuracy' | 'testAccuracy') => evals.find((e) => e[key] >= REACHED) ?? null;

/** Trains `model` on `data`'s training split, evaluating both splits every evalEvery steps (options checked by the caller). */
export function trainGrokModel(model: Model<Int32Array, FloatArray>, data: TaskData, o: GrokTraining, run: GrokRun = {}): GrokResult {
  const source = idSource(data.ids, data.seq, data.labels, data.classes);
  const rowsOf = (which: Int32Array) => ({ ids: source.gather(which).input, labels: Int32Array.from(which, (e) => data.labels[e]) });
  const train = rowsOf(data.train), test = rowsOf(data.test);
  const measure = (split: { ids: Int32Array; labels: Int32Array }) => {
    const N = split.labels.length;
    const out: FloatArray = model.forward(split.ids, N);
    const pred = out instanceof Float64Array ? out : Float64Array.from(out);
    const m = splitMetrics('ce', pred, { c: data.classes, y: split.labels }, N);
    return { loss: m.loss, accuracy: m.accuracy! };
  };
  const evals: GrokEval[] = run.resume ? run.resume.history.filter((e) => e.step < run.resume!.checkpoint.step) : [];
  let pending: Omit<GrokEval, 'step' | 'seconds'> | null = null;
  const last = trainModel(model, idSource(train.ids, data.seq, train.labels, data.classes), {
    lr: linearWarmup(o.lr, o.warmup),
    optimizer: optimizer(o, data.train.length),
    batchSize: o.batchSize,
    seed: o.seed,
    timeBudget: Infinity,
    maxSteps: o.steps,
    evalEvery: o.evalEvery,
    // the metrics are measured here (the trainer calls this before onLog at every evaluated point)
    earlyStop: {
      target: o.targetAccuracy ?? Infinity,
      accuracy: () => {
        const tr = measure(train), te = measure(test);
        pending = { trainLoss: tr.loss, trainAccuracy: tr.accuracy, testLoss: te.loss, testAccuracy: te.accuracy };
        return te.accuracy;
      },
    },
    onLog: (p) => {
      const e: GrokEval = { step: p.iteration, seconds: p.seconds, ...pending! };
      evals.push(e);
      run.onEval?.(e);
      run.onWeights?.(e.step, model.params);
    },
    resume: run.resume?.checkpoint,
    checkpointEvery: run.checkpointEvery,
    onCheckpoint: run.onCheckpoint,
  });
  const toTrain = firstReaching(evals, 'trainAccuracy'), toTest = firstReaching(evals, 'testAccuracy');
  return {
    evals, steps: last.iteration, seconds: last.seconds,
    parameters: model.params.reduce((s, p) => s + p.data.length, 0),
    stepsToTrain99: toTrain?.step ?? null, secondsToTrain99: toTrain?.seconds ?? null,
    stepsToTest99: toTest?.step ?? null, secondsToTest99: toTest?.seconds ?? null,
  };
}
