// Full-batch training of a non-convex model with an optax-style optimizer, for a number of
// steps or a wall-clock budget, logging at geometrically spaced steps (log-x plots).
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

export interface TrainOptions {
  lr: number;
  timeBudget: number;
  maxSteps?: number;
  onLog?: (p: TrainPoint) => void;
}

export function trainModel(model: Model, o: TrainOptions): TrainPoint {
  const opt = adam(o.lr);
  let state = opt.init(model.params);
  const grads = zeros(model.params);
  const t0 = process.hrtime.bigint();
  let callbackSeconds = 0; // logging (test loss) is not training time
  const seconds = () => Number(process.hrtime.bigint() - t0) / 1e9 - callbackSeconds;
  const logged = (p: TrainPoint) => {
    const t = process.hrtime.bigint();
    o.onLog?.(p);
    callbackSeconds += Number(process.hrtime.bigint() - t) / 1e9;
  };
  let last: TrainPoint = { iteration: 0, seconds: 0, objective: model.objective(null) };
  logged(last);
  const due = geometricSteps();
  for (let step = 1; step <= (o.maxSteps ?? Infinity); step++) {
    const objective = model.objective(grads);
    state = opt.update(grads, state, model.params);
    applyUpdates(model.params, grads);
    last = { iteration: step, seconds: seconds(), objective };
    const out = last.seconds >= o.timeBudget || step === o.maxSteps;
    if (due(step) || out) logged(last);
    if (out || !Number.isFinite(objective)) break;
  }
  return last;
}
