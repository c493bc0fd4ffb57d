// Full-batch training of a non-convex model with Adam, for a number of steps or a wall-clock
// budget, logging at geometrically spaced steps (log-x plots). Each logged point holds the
// objective of the parameters after that many steps, so a caller's test loss, computed in the
// log callback, is of the same parameters. It can hand out checkpoints
// (parameters, optimizer state, step) and resume from one exactly: a resumed run computes the
// same numbers as an uninterrupted one.
import type { Model } from '../nn/models/model';
import { zeros } from '../nn/models/model';
import { adam } from '../optim/transform';
import { applyUpdates } from '../optim/transform';
import { geometricSteps } from '../core/log-steps';

export interface TrainPoint {
  iteration: number;
  seconds: number;
  objective: number;
}

export interface TrainCheckpoint {
  step: number;
  seconds: number;
  params: number[][];
  /** the optimizer state, typed arrays as { f64: [...] } */
  opt: unknown;
}

export interface TrainOptions {
  lr: number;
  /** training seconds (logging and checkpoints excluded); a step that would end past it is not begun */
  timeBudget: number;
  /** the expected seconds of one step before any is measured (from a run on like data): without it the first step always runs */
  stepSeconds?: number;
  /** called once, after the first step, with its seconds; returns the new timeBudget (compare's search resizes its grid here) */
  afterFirstStep?: (seconds: number) => number;
  maxSteps?: number;
  /** false: the objective of the final parameters is not computed (NaN; the search scores them on validation data) */
  evaluateEnd?: boolean;
  onLog?: (p: TrainPoint) => void;
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

export function trainModel(model: Model, o: TrainOptions): TrainPoint {
  const opt = adam(o.lr);
  let state = opt.init(model.params);
  const grads = zeros(model.params);
  const t0 = process.hrtime.bigint();
  let callbackSeconds = 0; // logging (test loss) and checkpoints are not training time
  const offset = o.resume?.seconds ?? 0;
  const seconds = () => offset + Number(process.hrtime.bigint() - t0) / 1e9 - callbackSeconds;
  const outside = (f: () => void) => {
    const t = process.hrtime.bigint();
    f();
    callbackSeconds += Number(process.hrtime.bigint() - t) / 1e9;
  };
  const due = geometricSteps();
  let step = 0;
  if (o.resume) {
    const r = o.resume;
    model.params.forEach((p, k) => p.set(r.params[k]));
    state = decodeState(r.opt) as typeof state;
    step = r.step;
    for (let s = 0; s < step; s++) due(s); // the log schedule continues where it stopped
  }
  const firstStep = step;
  let budget = o.timeBudget;
  let t = offset;
  let last: TrainPoint;
  for (;;) {
    // no step is begun that would end past the budget, by the mean step so far (or the estimate)
    const perStep = step > firstStep ? (t - offset) / (step - firstStep) : (o.stepSeconds ?? 0);
    const stop = step === o.maxSteps || t >= budget || t + perStep > budget;
    // the objective of the parameters after `step` steps, and the gradient for the next one
    const objective = stop && o.evaluateEnd === false ? NaN : model.objective(stop ? null : grads);
    const p: TrainPoint = (last = { iteration: step, seconds: t, objective });
    const final = stop || !Number.isFinite(objective);
    if (due(step) || final) outside(() => o.onLog?.(p));
    if (final) return last;
    state = opt.update(grads, state, model.params);
    applyUpdates(model.params, grads);
    step++;
    t = seconds();
    if (step === 1 && o.afterFirstStep) budget = o.afterFirstStep(t);
    if (o.onCheckpoint && o.checkpointEvery && step % o.checkpointEvery === 0 && step !== o.maxSteps) {
      // saved before this step's objective is logged: a resumed run logs it, once
      const at = t;
      outside(() => o.onCheckpoint!({ step, seconds: at, params: model.params.map((x) => Array.from(x)), opt: encodeState(state) }));
    }
  }
}
