// The vision experiment's baselines on the flattened tokens (n d features per sample): with no
// hidden layer a linear softmax classifier (multinomial logistic regression), with hidden widths
// a ReLU MLP. Every layer has a bias; the weight decay is beta/2 times the squared weights (the
// biases are not decayed), the penalty of the attention models, so all share one objective's scale.
import type { Model, ModelShape } from './model';
import { sumSquares } from './model';
import { linearBackward, linearForward } from '../linear';
import { reluBackward, reluForward } from '../activations';
import { Rng } from '../../core/rng';

/** hidden = []: linear softmax classifier; [h1, ...]: an MLP with ReLU after each hidden layer. */
export function mlpModel(shape: ModelShape, hidden: readonly number[], beta: number, seed: number): Model {
  const { n, d, c } = shape;
  const widths = [n * d, ...hidden, c];
  const rng = new Rng(seed);
  const layers = widths.slice(1).map((out, k) => {
    const inp = widths[k];
    // He initialisation before a ReLU, 1/sqrt(fan-in) for the output layer
    const W = rng.normals(inp * out, Math.sqrt((k < hidden.length ? 2 : 1) / inp));
    return { inp, out, W, b: new Float64Array(out) };
  });
  const L = layers.length;
  const buffers = new Map<number, { pre: Float64Array[]; act: Float64Array[]; dact: Float64Array[]; dpre: Float64Array[] }>();
  function buffersFor(B: number) {
    let b = buffers.get(B);
    if (!b) {
      b = {
        pre: layers.map((l) => new Float64Array(B * l.out)),
        act: layers.slice(0, -1).map((l) => new Float64Array(B * l.out)),
        dact: layers.slice(0, -1).map((l) => new Float64Array(B * l.out)),
        dpre: layers.slice(0, -1).map((l) => new Float64Array(B * l.out)),
      };
      buffers.set(B, b);
    }
    return b;
  }
  let last: { X: Float64Array; B: number } = { X: new Float64Array(0), B: 0 };

  return {
    name: hidden.length ? 'mlp' : 'linear',
    params: layers.flatMap((l, k) => [
      { name: `W${k}`, data: l.W, shape: [l.inp, l.out] },
      { name: `b${k}`, data: l.b, shape: [l.out] },
    ]),
    forward(X, B) {
      const buf = buffersFor(B);
      let inp = X;
      layers.forEach((l, k) => {
        linearForward(buf.pre[k], inp, l.W, l.b, B, l.inp, l.out);
        if (k < L - 1) {
          reluForward(buf.act[k], buf.pre[k]);
          inp = buf.act[k];
        }
      });
      last = { X, B };
      return buf.pre[L - 1];
    },
    backward(dpred, grads) {
      const { X, B } = last;
      const buf = buffersFor(B);
      let dout = dpred;
      for (let k = L - 1; k >= 0; k--) {
        const l = layers[k];
        const inp = k === 0 ? X : buf.act[k - 1];
        const dinp = k === 0 ? null : buf.dact[k - 1].fill(0);
        linearBackward(dinp, grads[2 * k] as Float64Array, grads[2 * k + 1] as Float64Array, dout, inp, l.W, B, l.inp, l.out);
        if (dinp) {
          // through the ReLU: d pre = d act where pre > 0 (reluBackward adds into a zeroed buffer)
          const dpre = buf.dpre[k - 1].fill(0);
          reluBackward(dpre, dinp, buf.pre[k - 1]);
          dout = dpre;
        }
      }
    },
    weightDecay(grads) {
      if (grads) layers.forEach((l, k) => { const g = grads[2 * k]; for (let i = 0; i < l.W.length; i++) g[i] += beta * l.W[i]; });
      return (beta / 2) * sumSquares(layers.map((l) => l.W));
    },
    attentionMap() {
      throw new Error(`the ${hidden.length ? 'MLP' : 'linear classifier'} has no attention over tokens`);
    },
  };
}
