// Model (a): the standard attention-only network of eq. (2)-(3) with h heads, read out at one
// query token t0 (the targets are one vector per sequence, as in the convex programs):
//   yhat_i = [softmax(q_t0 K_h^T / sqrt(d/h)) V_h]_h W_o,  Q, K, V = X_i W_q, X_i W_k, X_i W_v,
// objective sum_i L(yhat_i, y_i) + beta/2 (||W_q||^2 + ||W_k||^2 + ||W_v||^2 + ||W_o||^2).
import type { Model, ModelData } from './model';
import { linearBackward, linearForward } from '../linear';
import { attentionBackward, attentionForward, type AttentionShape } from '../../attention/multi-head';
import { Rng } from '../../core/rng';

export function softmaxModel(data: ModelData, heads: number, beta: number, seed: number, queryToken = 0): Model {
  const { X, N, n, d, c, datafit } = data;
  if (d % heads !== 0) throw new Error(`softmax attention: d = ${d} is not divisible by ${heads} heads`);
  const rng = new Rng(seed);
  const Wqkv = rng.normals(d * 3 * d, 1 / Math.sqrt(d)); // (d, 3d) = [W_q | W_k | W_v]
  const Wo = rng.normals(d * c, 1 / Math.sqrt(d)); // (d, c)
  const params = [Wqkv, Wo];
  const shape = (B: number): AttentionShape => ({ B, T: n, C: d, NH: heads, scale: 1 / Math.sqrt(d / heads) });

  // Activation buffers per input array (training set, test set), allocated once: a training
  // step then allocates nothing (16 -> 10 ms per step at N = 2000, n = 8, d = 16).
  const buffers = new Map<Float64Array, Record<string, Float64Array>>();
  function buffersFor(Xs: Float64Array, B: number): Record<string, Float64Array> {
    let b = buffers.get(Xs);
    if (!b) {
      b = {
        qkv: new Float64Array(B * n * 3 * d), out: new Float64Array(B * n * d), att: new Float64Array(B * heads * n * n),
        y: new Float64Array(B * d), pred: new Float64Array(B * c), dpred: new Float64Array(B * c), dy: new Float64Array(B * d),
        dout: new Float64Array(B * n * d), dqkv: new Float64Array(B * n * 3 * d),
      };
      buffers.set(Xs, b);
    }
    return b;
  }

  function forward(Xs: Float64Array, B: number) {
    const b = buffersFor(Xs, B);
    linearForward(b.qkv, Xs, Wqkv, null, B * n, d, 3 * d);
    attentionForward(b.out, b.att, b.qkv, shape(B));
    for (let i = 0; i < B; i++) b.y.set(b.out.subarray((i * n + queryToken) * d, (i * n + queryToken + 1) * d), i * d);
    linearForward(b.pred, b.y, Wo, null, B, d, c);
    return b;
  }

  let lastAtt: Float64Array = new Float64Array(0);

  function objective(grads: Float64Array[] | null): number {
    const { qkv, att, y, pred, dpred, dy, dout, dqkv } = forward(X, N);
    lastAtt = att;
    let decay = 0;
    for (const W of params) for (let i = 0; i < W.length; i++) decay += W[i] * W[i];
    const value = datafit.value(pred) + (beta / 2) * decay;
    if (grads) {
      const [gqkv, go] = grads;
      gqkv.fill(0); go.fill(0);
      datafit.gradient(pred, dpred);
      dy.fill(0);
      linearBackward(dy, go, null, dpred, y, Wo, N, d, c);
      for (let i = 0; i < N; i++) dout.set(dy.subarray(i * d, (i + 1) * d), (i * n + queryToken) * d);
      dqkv.fill(0);
      attentionBackward(dqkv, dout, qkv, att, shape(N));
      linearBackward(null, gqkv, null, dqkv, X, Wqkv, N * n, d, 3 * d);
      for (let k = 0; k < params.length; k++) for (let i = 0; i < params[k].length; i++) grads[k][i] += beta * params[k][i];
    }
    return value;
  }

  return {
    name: 'softmax',
    params,
    objective,
    predict: (Xt, Nt) => forward(Xt, Nt).pred.slice(),
    attentionMap() {
      if (lastAtt.length === 0) lastAtt = forward(X, N).att;
      const map = new Float64Array(n);
      for (let i = 0; i < N; i++) for (let h = 0; h < heads; h++) {
        const a = ((i * heads + h) * n + queryToken) * n;
        for (let k = 0; k < n; k++) map[k] += lastAtt[a + k] / (N * heads);
      }
      return map;
    },
  };
}
