// Full-batch training of a non-convex model with Adam, for a number of steps or a wall-clock
// budget, logging at geometrically spaced steps (log-x plots). It can hand out checkpoints
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
  timeBudget: number;
  maxSteps?: number;
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
  let first = 1;
  let last: TrainPoint;
  if (o.resume) {
    const r = o.resume;
    model.params.forEach((p, k) => p.set(r.params[k]));
    state = decodeState(r.opt) as typeof state;
    for (let s = 1; s <= r.step; s++) due(s); // the log schedule continues where it stopped
    first = r.step + 1;
    last = { iteration: r.step, seconds: r.seconds, objective: NaN };
  } else {
    last = { iteration: 0, seconds: 0, objective: model.objective(null) };
    const p = last;
    outside(() => o.onLog?.(p));
  }
  for (let step = first; step <= (o.maxSteps ?? Infinity); step++) {
    const objective = model.objective(grads);
    state = opt.update(grads, state, model.params);
    applyUpdates(model.params, grads);
    const p: TrainPoint = (last = { iteration: step, seconds: seconds(), objective });
    const out = p.seconds >= o.timeBudget || step === o.maxSteps;
    if (due(step) || out) outside(() => o.onLog?.(p));
    if (o.onCheckpoint && o.checkpointEvery && step % o.checkpointEvery === 0 && !out) {
      outside(() => o.onCheckpoint!({ step, seconds: p.seconds, params: model.params.map((x) => Array.from(x)), opt: encodeState(state) }));
    }
    if (out || !Number.isFinite(objective)) break;
  }
  return last;
}
