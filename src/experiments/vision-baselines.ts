// The vision experiment's non-convex baselines: a linear softmax classifier and a small ReLU MLP on
// the flattened tokens, softmax attention heads (tokens with their positions one-hot, read out at
// token 0) and, on request, simplex attention (eq. 9), each trained with Adam on minibatches for
// a wall-clock budget: half on a learning-rate search (a fresh model per rate, scored on a
// validation split cut from the end of the training set), half on training with the rate chosen,
// on all the training data. Predictions are taken in chunks, so a full-data pass never holds the
// activations of every image at once.
import type { Tokens } from '../convex/types';
import type { Float64Tokens } from '../data/tokens';
import type { Model, ModelShape } from '../nn/models/model';
import { makeDatafit } from '../convex/programs/assemble';
import { splitMetrics } from '../convex/metrics';
import { mlpModel } from '../nn/models/mlp-model';
import { softmaxModel } from '../nn/models/softmax-model';
import { simplexModel } from '../nn/models/simplex-model';
import { withPositions } from './compare-models';
import { sliceSamples, tokenSource } from './batches';
import { FEW_STEPS, searchLr, validationSize, type LrTrial } from './lr-search';
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
  /** what the search or the training could not do as planned (few steps, a rate at the grid's edge) */
  warnings: string[];
}

export const describeBaseline = (b: Baseline, s: BaselineSettings, t: Tokens): string => ({
  linear: `linear softmax classifier on the ${t.n * t.d} flattened token features, with a bias`,
  mlp: `MLP on the ${t.n * t.d} flattened token features: one hidden layer of ${s.hidden} ReLU units, biases`,
  softmax: `softmax attention, ${s.softmaxHeads} heads over the ${t.n} tokens (each with a one-hot of its position: ${t.d + t.n} features), read out at token 0`,
  simplex: `simplex attention (Ergen et al. eq. 9), ${s.simplexHeads} heads with a learned distribution over positions each`,
})[b];

const PREDICT_CHUNK = 2048;

/** Fewest training images for which the search has some to train on and some to score: N - validationSize >= 1, and a 10th for validation. */
export const MIN_BASELINE_IMAGES = 10;

/** The model's predictions (N, c) on all of t, PREDICT_CHUNK samples at a time. */
export function predictAll(model: Model, t: Float64Tokens, c: number): Float64Array {
  const per = t.n * t.d, out = new Float64Array(t.N * c);
  for (let i = 0; i < t.N; i += PREDICT_CHUNK) {
    const B = Math.min(PREDICT_CHUNK, t.N - i);
    out.set(model.forward(t.X.subarray(i * per, (i + B) * per), B).subarray(0, B * c), i * c);
  }
  return out;
}

/**
 * Trains baseline `b` for `seconds` in all (search and training); `now` is the clock. train and
 * test are the tokens as the attention programs see them; classes c.
 */
export function trainBaseline(
  b: Baseline, s: BaselineSettings, train: Float64Tokens, y: Int32Array, test: Float64Tokens, ytest: Int32Array, c: number, seconds: number, now: () => number,
): BaselineRow {
  const start = now();
  const positional = b === 'softmax';
  const view = (t: Float64Tokens) => (positional ? withPositions(t) : t);
  const make = (m: ModelShape): Model => (b === 'linear' ? mlpModel(m, [], s.beta, s.seed)
    : b === 'mlp' ? mlpModel(m, [s.hidden], s.beta, s.seed)
      : b === 'softmax' ? softmaxModel(m, s.softmaxHeads, s.beta, s.seed, 0)
        : simplexModel(m, s.simplexHeads, s.beta, s.seed));
  const seenTrain = view(train);
  const shape = { n: seenTrain.n, d: seenTrain.d, c };
  const nVal = validationSize(train.N, s.valFraction);
  const fit = sliceSamples(seenTrain, { c, y }, 0, train.N - nVal), val = sliceSamples(seenTrain, { c, y }, train.N - nVal, train.N);
  const batching = { batchSize: s.batch, seed: s.seed };
  const found = searchLr(b, { grid: s.lrGrid, seconds: seconds / 2, now, ...batching }, () => make(shape),
    tokenSource(fit.tokens, fit.targets, 'ce'),
    (m) => makeDatafit('ce', val.targets, val.tokens.N).value(predictAll(m, val.tokens, c)) / val.tokens.N);
  const model = make(shape);
  const last = trainModel(model, tokenSource(seenTrain, { c, y }, 'ce'), {
    ...batching, evaluateAll: false, lr: found.chosen, timeBudget: Math.max(0, start + seconds - now()), evaluateEnd: false,
  });
  const elapsed = now() - start;
  const trainPred = predictAll(model, seenTrain, c);
  const trainM = splitMetrics('ce', trainPred, { c, y }, train.N);
  const testM = splitMetrics('ce', predictAll(model, view(test), c), { c, y: ytest }, test.N);
  const warnings = found.warning ? [found.warning] : [];
  const grid = s.lrGrid;
  if (found.trials.length > 1 && (found.chosen === Math.min(...grid) || found.chosen === Math.max(...grid))) {
    warnings.push(`${b}: the learning rate chosen, ${found.chosen}, is at the edge of the rates searched (${grid.join(', ')}): a rate beyond it may be better (lrGrid, --lrs)`);
  }
  if (last.iteration < FEW_STEPS) {
    warnings.push(`${b}: trained for only ${last.iteration} Adam step${last.iteration === 1 ? '' : 's'} in its ${seconds.toPrecision(2)} s (its accuracy is about its initialisation's): raise baselineSeconds (--baseline-seconds)`);
  }
  return {
    model: b, description: describeBaseline(b, s, train),
    parameters: model.params.reduce((a, p) => a + p.data.length, 0),
    lr: found.chosen, lrSearch: found.trials, steps: last.iteration, seconds: elapsed,
    objective: trainM.loss * train.N + model.weightDecay(null),
    trainLoss: trainM.loss, trainAccuracy: trainM.accuracy!, testLoss: testM.loss, testAccuracy: testM.accuracy!,
    warnings,
  };
}
