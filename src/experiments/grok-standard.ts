// The standard model of the grokking experiment (issue 9): the pre-LN transformer in the setting
// of Power et al. (2022), trained on a generated task (modular arithmetic) through the one
// minibatch trainer. Power setting: 2 layers, d 128, 4 heads, FCN width 4d, AdamW lr 1e-3 with
// weight decay 1 and betas 0.9/0.98, linear warm-up over 10 steps, batch 512, float32; the split
// is the task's (half of the pairs for training by default). The loop itself is grok-train.ts.
import type { TaskData } from '../data/tasks/task';
import { InputError } from '../data/errors';
import { Transformer } from '../nn/models/transformer';
import { checkTraining, positiveInt, trainGrokModel, type GrokResult, type GrokRun, type GrokTraining } from './grok-train';

export { GROK_OPTIMIZERS, REACHED, type GrokEval, type GrokOptimizer } from './grok-train';

export interface GrokStandardOptions extends GrokTraining {
  layers: number;
  dModel: number;
  heads: number;
  float32: boolean;
}

/** Power et al.'s setting. */
export const POWER_SETTING: GrokStandardOptions = {
  layers: 2, dModel: 128, heads: 4, optimizer: 'adamw', weightDecay: 1, lr: 1e-3, beta1: 0.9, beta2: 0.98, warmup: 10,
  batchSize: 512, steps: 100_000, targetAccuracy: 0.99, seed: 0, evalEvery: 100, float32: true,
};

export type GrokStandardResult = GrokResult;
export type GrokStandardRun = GrokRun;

function checkOptions(o: GrokStandardOptions): void {
  for (const f of ['layers', 'dModel', 'heads'] as const) positiveInt(f, o[f]);
  if (o.dModel % o.heads !== 0) throw new InputError('heads', `must divide dModel ${o.dModel}, got ${o.heads}`);
  checkTraining(o);
}

/** Trains the standard model on `data`'s training split, evaluating both splits every evalEvery steps. */
export function trainStandardGrok(data: TaskData, options: GrokStandardOptions, run: GrokStandardRun = {}): GrokStandardResult {
  checkOptions(options);
  const o = options;
  const model = new Transformer({
    layers: o.layers, dModel: o.dModel, heads: o.heads, seq: data.seq, vocab: data.vocab, classes: data.classes,
    norm: 'pre', float32: o.float32, seed: o.seed,
  });
  return trainGrokModel(model, data, o, run);
}
