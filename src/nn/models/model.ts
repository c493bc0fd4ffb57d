// The one interface of the non-convex models (softmax attention, simplex attention, the
// transformer): named flat parameter buffers, a forward pass on a batch that keeps what its
// backward pass needs, a backward pass that accumulates into gradient buffers, and the weight
// decay exactly as each paper writes it. The loss is a Datafit of the convex side, bound to the
// batch's targets, so the non-convex objectives and the convex optimum sit on one scale.
import type { FloatArray } from '../../core/blas';
import type { Datafit } from '../../losses/datafit';

/** One named parameter: a flat row-major buffer and the shape it holds. */
export interface Param {
  readonly name: string;
  readonly data: FloatArray;
  readonly shape: readonly number[];
}

/** In: what a batch's samples are; Pred: the precision of the predictions (the transformer may run in float32). */
export interface Model<In = Float64Array, Pred extends FloatArray = Float64Array> {
  readonly name: string;
  readonly params: readonly Param[];
  /**
   * Predictions (B, c) of B samples (tokens (B, n, d) or token ids (B, T)). Keeps what backward
   * needs; the buffer returned is reused by the next forward of the same B.
   */
  forward(input: In, B: number): Pred;
  /** grads[k] += d loss / d params[k], given dpred = d loss / d predictions of the last forward. */
  backward(dpred: Float64Array, grads: FloatArray[]): void;
  /** The paper's weight decay (beta/2 times its penalty); when grads are given, adds its gradient to them. */
  weightDecay(grads: FloatArray[] | null): number;
  /** Where the model attends on these samples: a distribution over the tokens. */
  attentionMap(input: In, B: number): Float64Array;
}

/** B samples and the loss on their targets. */
export interface Batch<In = Float64Array> {
  input: In;
  B: number;
  datafit: Datafit;
}

/** The shape of the token data a model (a) or (b) reads: n tokens of d features, c outputs. */
export interface ModelShape {
  n: number;
  d: number;
  c: number;
}

export const paramData = (model: Model<never, FloatArray>): FloatArray[] => model.params.map((p) => p.data);

/** Zeroed gradient buffers in the layout (and precision) of the parameters. */
export const gradBuffers = (model: Model<never, FloatArray>): FloatArray[] =>
  model.params.map((p) => (p.data instanceof Float32Array ? new Float32Array(p.data.length) : new Float64Array(p.data.length)));

/**
 * The objective on a batch, lossScale * sum_i L(yhat_i, y_i) + weight decay, and, when grads are
 * given, its gradient (grads are overwritten). lossScale N/B makes a minibatch's value and
 * gradient unbiased estimates of the full objective's; 1 on the full data.
 */
export function objective<In>(model: Model<In, FloatArray>, batch: Batch<In>, grads: FloatArray[] | null, lossScale = 1): number {
  const out = model.forward(batch.input, batch.B);
  const pred = out instanceof Float64Array ? out : Float64Array.from(out);
  const loss = batch.datafit.value(pred);
  const decay = grads ? objectiveGradient(model, batch.datafit, pred, grads, lossScale) : model.weightDecay(null);
  return (lossScale === 1 ? loss : lossScale * loss) + decay;
}

/**
 * The gradient of `objective` into grads (overwritten), at the model's last forward pass, whose
 * predictions were pred; returns the weight decay's value.
 */
export function objectiveGradient<In>(model: Model<In, FloatArray>, datafit: Datafit, pred: Float64Array, grads: FloatArray[], lossScale = 1): number {
  for (const g of grads) g.fill(0);
  const dpred = new Float64Array(pred.length);
  datafit.gradient(pred, dpred);
  if (lossScale !== 1) for (let i = 0; i < dpred.length; i++) dpred[i] *= lossScale;
  model.backward(dpred, grads);
  // the decay's gradient is added after the loss's, as the models always did (same rounding)
  return model.weightDecay(grads);
}

/** beta/2 sum ||W||_F^2 over the given parameters; with grads (in the same order), adds beta W to each. */
export function frobeniusDecay(params: readonly Float64Array[], grads: FloatArray[] | null, beta: number): number {
  if (grads) params.forEach((W, k) => { for (let i = 0; i < W.length; i++) grads[k][i] += beta * W[i]; });
  return (beta / 2) * sumSquares(params);
}

/** Sum of squares of the given buffers, in order. */
export function sumSquares(bufs: readonly FloatArray[]): number {
  let s = 0;
  for (const w of bufs) for (let i = 0; i < w.length; i++) s += w[i] * w[i];
  return s;
}
