// Model (a): the standard attention-only network of eq. (2)-(3) with h heads, read out at one
// query token t0 (the targets are one vector per sequence, as in the convex programs):
//   yhat_i = [softmax(q_t0 K_h^T / sqrt(d/h)) V_h]_h W_o,  Q, K, V = X_i W_q, X_i W_k, X_i W_v,
// objective sum_i L(yhat_i, y_i) + beta/2 (||W_q||^2 + ||W_k||^2 + ||W_v||^2 + ||W_o||^2).
import type { Model, ModelShape } from './model';
import { sumSquares } from './model';
import { linearBackward, linearForward } from '../linear';
import { attentionBackward, attentionForward, type AttentionShape } from '../../attention/multi-head';
import { attentionMap } from '../../attention/attention-map';
import { Rng } from '../../core/rng';

export function softmaxModel(shape: ModelShape, heads: number, beta: number, seed: number, queryToken = 0): Model {
  const { n, d, c } = shape;
  if (d % heads !== 0) throw new Error(`softmax attention: d = ${d} is not divisible by ${heads} heads`);
  const rng = new Rng(seed);
  const Wqkv = rng.normals(d * 3 * d, 1 / Math.sqrt(d)); // (d, 3d) = [W_q | W_k | W_v]
  const Wo = rng.normals(d * c, 1 / Math.sqrt(d)); // (d, c)
  const weights = [Wqkv, Wo];
  const attShape = (B: number): AttentionShape => ({ B, T: n, C: d, NH: heads, scale: 1 / Math.sqrt(d / heads) });

  // Activation buffers per batch size (training set, test set, minibatches), allocated once: a
  // training step then allocates no activations (16 -> 10 ms per step at N = 2000, n = 8, d = 16).
  const buffers = new Map<number, Record<string, Float64Array>>();
  function buffersFor(B: number): Record<string, Float64Array> {
    let b = buffers.get(B);
    if (!b) {
      b = {
        qkv: new Float64Array(B * n * 3 * d), out: new Float64Array(B * n * d), att: new Float64Array(B * heads * n * n),
        y: new Float64Array(B * d), pred: new Float64Array(B * c), dy: new Float64Array(B * d),
        dout: new Float64Array(B * n * d), dqkv: new Float64Array(B * n * 3 * d),
      };
      buffers.set(B, b);
    }
    return b;
  }

  // what backward needs from the last forward
  let last: { X: Float64Array; B: number; b: Record<string, Float64Array> } = { X: new Float64Array(0), B: 0, b: buffersFor(0) };

  function forward(X: Float64Array, B: number) {
    const b = buffersFor(B);
    linearForward(b.qkv, X, Wqkv, null, B * n, d, 3 * d);
    attentionForward(b.out, b.att, b.qkv, attShape(B));
    for (let i = 0; i < B; i++) b.y.set(b.out.subarray((i * n + queryToken) * d, (i * n + queryToken + 1) * d), i * d);
    linearForward(b.pred, b.y, Wo, null, B, d, c);
    last = { X, B, b };
    return b;
  }

  return {
    name: 'softmax',
    params: [{ name: 'Wqkv', data: Wqkv, shape: [d, 3 * d] }, { name: 'Wo', data: Wo, shape: [d, c] }],
    forward: (X, B) => forward(X, B).pred,
    backward(dpred, grads) {
      const { X, B, b } = last;
      const [gqkv, go] = grads as Float64Array[];
      b.dy.fill(0); // linearBackward adds into its input gradient
      linearBackward(b.dy, go, null, dpred, b.y, Wo, B, d, c);
      // only the query token's rows of dout are ever set; the others stay 0
      for (let i = 0; i < B; i++) b.dout.set(b.dy.subarray(i * d, (i + 1) * d), (i * n + queryToken) * d);
      b.dqkv.fill(0);
      attentionBackward(b.dqkv, b.dout, b.qkv, b.att, attShape(B));
      linearBackward(null, gqkv, null, b.dqkv, X, Wqkv, B * n, d, 3 * d);
    },
    weightDecay(grads) {
      if (grads) weights.forEach((W, k) => { const g = grads[k]; for (let i = 0; i < W.length; i++) g[i] += beta * W[i]; });
      return (beta / 2) * sumSquares(weights);
    },
    attentionMap(X, B) {
      // the query token's attention, averaged over samples and heads
      const { att } = forward(X, B);
      // row r = i * heads + h of the (B, heads, n, n) attention, at the query token
      return attentionMap(att, B * heads, n, undefined, (r) => (r * n + queryToken) * n);
    },
  };
}
