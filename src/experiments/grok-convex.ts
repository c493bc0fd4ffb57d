// The deep convex model of the grokking experiment (issue 9): L stacked gated-ReLU convex blocks
// (src/nn/models/deep-convex.ts, docs/deep-convex.md) trained end to end through the same loop as
// the standard model (grok-train.ts), in Fisher et al. section 5.2's setting: AdamW, lr 1e-3,
// weight decay 1e-6, beta 1e-4.
//
// beta is the weight of the group penalty beside the MEAN cross-entropy, as in PyTorch (mean loss
// + beta * penalty). The trainer's objective sums the loss over the N training samples, so the
// model's penalty weight is beta * N: the objective is N times PyTorch's, which Adam's step does
// not see.
import type { TaskData } from '../data/tasks/task';
import { InputError } from '../data/errors';
import { DeepConvex } from '../nn/models/deep-convex';
import { checkTraining, positiveInt, trainGrokModel, type GrokResult, type GrokRun, type GrokTraining } from './grok-train';

export const GROK_EMBEDDINGS = ['learned', 'onehot'] as const;

export interface GrokConvexOptions extends GrokTraining {
  layers: number;
  /** gates per layer */
  gates: number;
  /** the group penalty's weight beside the mean loss */
  beta: number;
  /** 'onehot': fixed one-hot tokens; 'learned': token and position tables of width dModel */
  embedding: typeof GROK_EMBEDDINGS[number];
  /** learned embeddings only: their width */
  dModel: number;
}

/** Fisher et al. 5.2's optimizer and penalty; 8 gates per layer and learned token and position embeddings of width 32. */
export const CONVEX_SETTING: GrokConvexOptions = {
  layers: 2, gates: 8, beta: 1e-4, embedding: 'learned', dModel: 32, optimizer: 'adamw', weightDecay: 1e-6, lr: 1e-3,
  beta1: 0.9, beta2: 0.999, warmup: 0, batchSize: 512, steps: 100_000, targetAccuracy: 0.99, seed: 0, evalEvery: 100,
};

function checkOptions(o: GrokConvexOptions): void {
  for (const f of ['layers', 'gates', 'dModel'] as const) positiveInt(f, o[f]);
  if (!(o.beta >= 0 && Number.isFinite(o.beta))) throw new InputError('beta', `must be a finite number >= 0, got ${o.beta}`);
  if (!GROK_EMBEDDINGS.includes(o.embedding)) throw new InputError('embedding', `must be one of ${GROK_EMBEDDINGS.join(', ')}, got ${String(o.embedding)}`);
  checkTraining(o);
}

/** The deep convex model of these options for `data`'s token ids. */
export function grokConvexModel(data: TaskData, o: GrokConvexOptions): DeepConvex {
  checkOptions(o);
  return new DeepConvex({
    layers: o.layers, seq: data.seq, vocab: data.vocab, classes: data.classes, gates: o.gates, embedding: o.embedding,
    dModel: o.dModel, positions: o.embedding === 'learned', beta: o.beta * data.train.length, seed: o.seed,
  });
}

/** Trains the deep convex model on `data`'s training split, evaluating both splits every evalEvery steps. */
export function trainConvexGrok(data: TaskData, options: GrokConvexOptions, run: GrokRun = {}): GrokResult {
  return trainGrokModel(grokConvexModel(data, options), data, options, run);
}
