// Model (a): the standard attention-only network of eq. (2)-(3) with h heads, read out at one
// query token t0 (the targets are one vector per sequence, as in the convex programs):
//   yhat_i = [softmax(q_t0 K_h^T / sqrt(d/h)) V_h]_h W_o,  Q, K, V = X_i W_q, X_i W_k, X_i W_v,
// objective sum_i L(yhat_i, y_i) + beta/2 (||W_q||^2 + ||W_k||^2 + ||W_v||^2 + ||W_o||^2).
import type { Model, ModelData } from './model';
import { linearBackward, linearForward } from '../linear';
import { attentionBackward, attentionForward, type AttentionShape } from '../attention';
import { Rng } from '../../core/rng';

export function softmaxModel(data: ModelData, heads: number, beta: number, seed: number, queryToken = 0): Model {
  const { X, N, n, d, c, datafit } = data;
  if (d % heads !== 0) throw new Error(`softmax attention: d = ${d} is not divisible by ${heads} heads`);
  const rng = new Rng(seed);
  const Wqkv = rng.normals(d * 3 * d, 1 / Math.sqrt(d)); // (d, 3d) = [W_q | W_k | W_v]
  const Wo = rng.normals(d * c, 1 / Math.sqrt(d)); // (d, c)
  const params = [Wqkv, Wo];
  const shape = (B: number): AttentionShape => ({ B, T: n, C: d, NH: heads, scale: 1 / Math.sqrt(d / heads) });

  function forward(Xs: Float64Array, B: number) {
    const qkv = new Float64Array(B * n * 3 * d);
    linearForward(qkv, Xs, Wqkv, null, B * n, d, 3 * d);
    const out = new Float64Array(B * n * d);
    const att = new Float64Array(B * heads * n * n);
    attentionForward(out, att, qkv, shape(B));
    const y = new Float64Array(B * d);
    for (let i = 0; i < B; i++) y.set(out.subarray((i * n + queryToken) * d, (i * n + queryToken + 1) * d), i * d);
    const pred = new Float64Array(B * c);
    linearForward(pred, y, Wo, null, B, d, c);
    return { qkv, att, y, pred };
  }

  let lastAtt = new Float64Array(0);

  function objective(grads: Float64Array[] | null): number {
    const { qkv, att, y, pred } = forward(X, N);
    lastAtt = att;
    let decay = 0;
    for (const W of params) for (let i = 0; i < W.length; i++) decay += W[i] * W[i];
    const value = datafit.value(pred) + (beta / 2) * decay;
    if (grads) {
      const [gqkv, go] = grads;
      gqkv.fill(0); go.fill(0);
      const dpred = new Float64Array(N * c);
      datafit.gradient(pred, dpred);
      const dy = new Float64Array(N * d);
      linearBackward(dy, go, null, dpred, y, Wo, N, d, c);
      const dout = new Float64Array(N * n * d);
      for (let i = 0; i < N; i++) dout.set(dy.subarray(i * d, (i + 1) * d), (i * n + queryToken) * d);
      const dqkv = new Float64Array(qkv.length);
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
    predict: (Xt, Nt) => forward(Xt, Nt).pred,
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
