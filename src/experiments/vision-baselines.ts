// The vision experiment's non-convex baselines: a linear softmax classifier and a small ReLU MLP on
// the flattened tokens, softmax attention heads (tokens with their positions one-hot, read out at
// token 0) and, on request, simplex attention (eq. 9), each trained with Adam on minibatches for
// a wall-clock budget: half on a learning-rate search (a fresh model per rate, scored on a
// validation split cut from the end of the training set), half on training with the rate chosen,
// on all the training data. Predictions are taken in chunks, so a full-data pass never holds the
// activations of every image at once.
import type { Tokens, Targets } from '../convex/types';
import type { Model, ModelShape } from '../nn/models/model';
import { makeDatafit } from '../convex/programs/assemble';
import { splitMetrics } from '../convex/metrics';
import { mlpModel } from '../nn/models/mlp-model';
import { softmaxModel } from '../nn/models/softmax-model';
import { simplexModel } from '../nn/models/simplex-model';
import { withPositions } from './compare-models';
import { tokenSource } from './batches';
import { searchLr, type LrTrial } from './lr-search';
import { trainModel } from './train';

export const BASELINES = ['linear', 'mlp', 'softmax', 'simplex'] as const;
export type Baseline = typeof BASELINES[number];

export interface BaselineSettings {
  /** hidden width of the MLP's one hidden layer */
  hidden: number;
  /** heads of the softmax model; they must divide d + n (the features with the positions) */
  softmaxHeads: number;
  /** heads of the simplex model */
  simplexHeads: number;
  /** weight of the penalty beta/2 ||W||^2 (simplex: eq. 9's) */
  beta: number;
  batch: number;
  lrGrid: number[];
  valFraction: number;
  seed: number;
}

export interface BaselineRow {
  model: Baseline;
  description: string;
  parameters: number;
  lr: number;
  lrSearch: LrTrial[];
  steps: number;
  /** wall seconds of the search and the training together */
  seconds: number;
  /** sum of the training losses + the penalty, at the end */
  objective: number;
  trainLoss: number; trainAccuracy: number;
  testLoss: number; testAccuracy: number;
  warning?: string;
}

export const describeBaseline = (b: Baseline, s: BaselineSettings, t: Tokens): string => ({
  linear: `linear softmax classifier on the ${t.n * t.d} flattened token features, with a bias`,
  mlp: `MLP on the ${t.n * t.d} flattened token features: one hidden layer of ${s.hidden} ReLU units, biases`,
  softmax: `softmax attention, ${s.softmaxHeads} heads over the ${t.n} tokens (each with a one-hot of its position: ${t.d + t.n} features), read out at token 0`,
  simplex: `simplex attention (Ergen et al. eq. 9), ${s.simplexHeads} heads with a learned distribution over positions each`,
})[b];

const PREDICT_CHUNK = 2048;

/** The model's predictions (N, c) on all of t, PREDICT_CHUNK samples at a time. */
export function predictAll(model: Model, t: Tokens, c: number): Float64Array {
  const per = t.n * t.d, out = new Float64Array(t.N * c);
  for (let i = 0; i < t.N; i += PREDICT_CHUNK) {
    const B = Math.min(PREDICT_CHUNK, t.N - i);
    out.set(model.forward(t.X.subarray(i * per, (i + B) * per), B).subarray(0, B * c), i * c);
  }
  return out;
}

function rowsOf(t: Tokens, y: Int32Array, from: number, to: number): { t: Tokens; targets: Targets } {
  const per = t.n * t.d;
  return { t: { X: t.X.subarray(from * per, to * per), N: to - from, n: t.n, d: t.d }, targets: { c: 0, y: y.subarray(from, to) } };
}

/**
 * Trains baseline `b` for `seconds` in all (search and training); `now` is the clock. train and
 * test are the tokens as the attention programs see them; classes c.
 */
export function trainBaseline(
  b: Baseline, s: BaselineSettings, train: Tokens, y: Int32Array, test: Tokens, ytest: Int32Array, c: number, seconds: number, now: () => number,
): BaselineRow {
  const start = now();
  const positional = b === 'softmax';
  const view = (t: Tokens) => (positional ? withPositions(t) : t);
  const make = (m: ModelShape): Model => (b === 'linear' ? mlpModel(m, [], s.beta, s.seed)
    : b === 'mlp' ? mlpModel(m, [s.hidden], s.beta, s.seed)
      : b === 'softmax' ? softmaxModel(m, s.softmaxHeads, s.beta, s.seed, 0)
        : simplexModel(m, s.simplexHeads, s.beta, s.seed));
  const seenTrain = view(train);
  const shape = { n: seenTrain.n, d: seenTrain.d, c };
  const nVal = Math.max(1, Math.floor(train.N * s.valFraction));
  const fit = rowsOf(seenTrain, y, 0, train.N - nVal), val = rowsOf(seenTrain, y, train.N - nVal, train.N);
  const withC = (t: Targets): Targets => ({ ...t, c });
  const batching = { batchSize: s.batch, seed: s.seed };
  const found = searchLr(b, { grid: s.lrGrid, seconds: seconds / 2, now, ...batching }, () => make(shape),
    tokenSource(fit.t, withC(fit.targets), 'ce'),
    (m) => makeDatafit('ce', withC(val.targets), val.t.N).value(predictAll(m, val.t, c)) / val.t.N);
  const model = make(shape);
  const last = trainModel(model, tokenSource(seenTrain, { c, y }, 'ce'), {
    ...batching, evaluateAll: false, lr: found.chosen, timeBudget: Math.max(0, start + seconds - now()), evaluateEnd: false,
  });
  const elapsed = now() - start;
  const trainPred = predictAll(model, seenTrain, c);
  const trainM = splitMetrics('ce', trainPred, { c, y }, train.N);
  const testM = splitMetrics('ce', predictAll(model, view(test), c), { c, y: ytest }, test.N);
  return {
    model: b, description: describeBaseline(b, s, train),
    parameters: model.params.reduce((a, p) => a + p.data.length, 0),
    lr: found.chosen, lrSearch: found.trials, steps: last.iteration, seconds: elapsed,
    objective: trainM.loss * train.N + model.weightDecay(null),
    trainLoss: trainM.loss, trainAccuracy: trainM.accuracy!, testLoss: testM.loss, testAccuracy: testM.accuracy!,
    ...(found.warning ? { warning: found.warning } : {}),
  };
}
