// The one minibatch trainer of the non-convex models (compare's, the grokking experiment's): a
// model, an optimizer transform (optax style, Adam by default) with its learning-rate schedule,
// a data source cut into seeded minibatches (or the full batch, in its order), for a number of
// steps or a wall-clock budget. It evaluates at geometrically spaced steps (log-x plots) or every
// k steps, and each evaluated point holds the full-data objective of the parameters after that
// many steps, so a caller's test loss, computed in onLog, is of the same parameters. It stops
// early once a target accuracy is reached, and hands out checkpoints (parameters by name,
// optimizer state, sampler state, step) from which a resumed run computes the same numbers as
// an uninterrupted one.
import type { FloatArray } from '../core/blas';
import type { Model } from '../nn/models/model';
import { gradBuffers, objective, paramData } from '../nn/models/model';
import { adam, type Schedule, type Transform } from '../optim/transform';
import { optimizerStep } from '../optim/adamw-fused';
import { geometricSteps } from '../core/log-steps';
import { Minibatches, type DataSource, type SamplerState } from './batches';

export interface TrainPoint {
  iteration: number;
  seconds: number;
  /** on all the training data (NaN: not computed, see evaluateEnd) */
  objective: number;
  /** with earlyStop: the accuracy it measured at this point */
  accuracy?: number;
}

export interface TrainCheckpoint {
  step: number;
  seconds: number;
  /** the parameters by name */
  params: Record<string, number[]>;
  /** the optimizer state, typed arrays as { f64: [...] } */
  opt: unknown;
  /** minibatches only: where the sampler is */
  sampler?: SamplerState;
}

export interface TrainOptions {
  /** the learning rate: a constant or a schedule of the step (e.g. linearWarmup) */
  lr: Schedule;
  /** the optimizer transform for a learning rate; default Adam (no decay: each model's objective holds its own) */
  optimizer?: (lr: Schedule) => Transform<unknown>;
  /** samples per step, drawn without replacement in an order seeded by `seed`; default (or >= N): the full batch */
  batchSize?: number;
  seed?: number;
  /** training seconds (logging and checkpoints excluded); a step that would end past it is not begun */
  timeBudget: number;
  /** the expected seconds of one step before any is measured (from a run on like data): without it the first step always runs */
  stepSeconds?: number;
  /** called once, after the first step, with its seconds; returns the new timeBudget (compare's search resizes its grid here) */
  afterFirstStep?: (seconds: number) => number;
  maxSteps?: number;
  /** false: the objective of the final parameters is not computed (NaN; the search scores them on validation data) */
  evaluateEnd?: boolean;
  /** evaluate every k steps; default at geometrically spaced steps. The first and last points are always evaluated */
  evalEvery?: number;
  /** false: with minibatches, no full-data objective at the evaluated points (they carry the minibatch's estimate); a search or a large data set that never reads them */
  evaluateAll?: boolean;
  onLog?: (p: TrainPoint) => void;
  /** stop at the first evaluated point whose accuracy() reaches target */
  earlyStop?: { accuracy: () => number; target: number };
  resume?: TrainCheckpoint;
  checkpointEvery?: number;
  onCheckpoint?: (c: TrainCheckpoint) => void;
}

/** JSON form of optimizer state: typed arrays become { f64: numbers } (exact round trip). */
export function encodeState(v: unknown): unknown {
  if (v instanceof Float64Array || v instanceof Float32Array) return { f64: Array.from(v) };
  if (Array.isArray(v)) return v.map(encodeState);
  if (v && typeof v === 'object') return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, encodeState(x)]));
  return v;
}

export function decodeState(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(decodeState);
  if (v && typeof v === 'object') {
    const o = v as Record<string, unknown>;
    if (Array.isArray(o.f64) && Object.keys(o).length === 1) return Float64Array.from(o.f64 as number[]);
    return Object.fromEntries(Object.entries(o).map(([k, x]) => [k, decodeState(x)]));
  }
  return v;
}

export function trainModel<In>(model: Model<In, FloatArray>, data: DataSource<In>, o: TrainOptions): TrainPoint {
  const params: FloatArray[] = paramData(model);
  const opt = (o.optimizer ?? adam)(o.lr);
  let state = opt.init(params);
  const optStep = optimizerStep(opt); // Adam and AdamW in one pass, bit-identical to the chain
  const grads = gradBuffers(model);
  const batches = o.batchSize !== undefined && o.batchSize < data.N ? new Minibatches(data.N, o.batchSize, o.seed ?? 0) : null;
  const t0 = process.hrtime.bigint();
  let callbackSeconds = 0; // logging (test loss), accuracy and checkpoints are not training time
  const offset = o.resume?.seconds ?? 0;
  const seconds = () => offset + Number(process.hrtime.bigint() - t0) / 1e9 - callbackSeconds;
  const outside = <T>(f: () => T): T => {
    const t = process.hrtime.bigint();
    const r = f();
    callbackSeconds += Number(process.hrtime.bigint() - t) / 1e9;
    return r;
  };
  const every = o.evalEvery;
  const due = every ? (s: number) => s % every === 0 : geometricSteps();
  let step = 0;
  if (o.resume) {
    const r = o.resume;
    model.params.forEach((p) => p.data.set(r.params[p.name]));
    state = decodeState(r.opt) as typeof state;
    step = r.step;
    if (batches && r.sampler) batches.restore(r.sampler);
    for (let s = 0; s < step; s++) due(s); // the log schedule continues where it stopped
  }
  const firstStep = step;
  let budget = o.timeBudget;
  let t = offset;
  for (;;) {
    // no step is begun that would end past the budget, by the mean step so far (or the estimate)
    const perStep = step > firstStep ? (t - offset) / (step - firstStep) : (o.stepSeconds ?? 0);
    const stop = step === o.maxSteps || t >= budget || t + perStep > budget;
    const evaluate = due(step);
    // the objective of the parameters after `step` steps, and the gradient for the next one
    let value: number;
    if (stop) value = o.evaluateEnd === false ? NaN : objective(model, data.all, null);
    else if (!batches) value = objective(model, data.all, grads);
    else {
      const batch = data.gather(batches.next());
      value = objective(model, batch, grads, data.N / batch.B);
      if (evaluate && o.evaluateAll !== false) value = objective(model, data.all, null);
    }
    const p: TrainPoint = { iteration: step, seconds: t, objective: value };
    let final = stop || !Number.isFinite(value);
    if (evaluate || final) {
      if (o.earlyStop && !(stop && o.evaluateEnd === false)) {
        const accuracy = (p.accuracy = outside(o.earlyStop.accuracy));
        if (accuracy >= o.earlyStop.target) final = true;
      }
      outside(() => o.onLog?.(p));
    }
    if (final) return p;
    state = optStep(grads, state, params);
    step++;
    t = seconds();
    if (step === 1 && o.afterFirstStep) budget = o.afterFirstStep(t);
    if (o.onCheckpoint && o.checkpointEvery && step % o.checkpointEvery === 0 && step !== o.maxSteps) {
      // saved before this step's objective is logged: a resumed run logs it, once
      const c: TrainCheckpoint = {
        step, seconds: t, params: Object.fromEntries(model.params.map((q) => [q.name, Array.from(q.data)])), opt: encodeState(state),
        sampler: batches?.state(),
      };
      outside(() => o.onCheckpoint!(c));
    }
  }
}
