// Model (b): the non-convex simplex attention of eq. (9),
//   sum_i L(sum_j (a_j^T X_i w2_j) w3_j, y_i) + beta/2 sum_j (||w2_j||^2 + ||w3_j||_1^2),
// a_j = softmax(theta_j). The same objective the convex program (10) solves globally, so the
// two sit on one scale. The ||.||_1^2 term is differentiated as 2 ||w3||_1 sign(w3).
import type { Model, ModelShape } from './model';
import { simplexBackward, simplexDecay, simplexForward, type SimplexShape } from '../simplex-attention';
import { softmaxRows } from '../../losses/softmax';
import { groupNorm } from '../../losses/group-norms';
import { attentionMap } from '../../attention/attention-map';
import { Rng } from '../../core/rng';

export function simplexModel(shape: ModelShape, H: number, beta: number, seed: number): Model {
  const { n, d, c } = shape;
  const rng = new Rng(seed);
  const theta = rng.normals(H * n, 0.1);
  const W2 = rng.normals(H * d, 1 / Math.sqrt(d));
  const W3 = rng.normals(H * c, 1 / Math.sqrt(H));
  const p = { theta, W2, W3 };
  const a = new Float64Array(H * n);
  // prediction and head-scalar buffers per batch size, allocated once
  const buffers = new Map<number, { pred: Float64Array; s: Float64Array }>();
  let last: { X: Float64Array; B: number; s: Float64Array } = { X: new Float64Array(0), B: 0, s: new Float64Array(0) };
  const sh = (B: number): SimplexShape => ({ N: B, n, d, c, H });

  return {
    name: 'simplex',
    params: [{ name: 'theta', data: theta, shape: [H, n] }, { name: 'W2', data: W2, shape: [H, d] }, { name: 'W3', data: W3, shape: [H, c] }],
    forward(X, B) {
      let b = buffers.get(B);
      if (!b) buffers.set(B, (b = { pred: new Float64Array(B * c), s: new Float64Array(B * H) }));
      simplexForward(b.pred, a, b.s, X, p, null, sh(B));
      last = { X, B, s: b.s };
      return b.pred;
    },
    backward(dpred, grads) {
      const [gt, g2, g3] = grads as Float64Array[];
      simplexBackward({ theta: gt, W2: g2, W3: g3 }, dpred, a, last.s, last.X, p, null, sh(last.B));
    },
    weightDecay(grads) {
      const g = grads && { W2: grads[1] as Float64Array, W3: grads[2] as Float64Array, scale: beta };
      return (beta / 2) * simplexDecay(W2, W3, H, d, c, g ?? undefined);
    },
    attentionMap() {
      // the same for every sample: heads weighted by how much they contribute, ||w2_j|| ||w3_j||_1
      softmaxRows(a, theta, H, n);
      const weights = new Float64Array(H);
      for (let j = 0; j < H; j++) {
        let n3 = 0;
        for (let l = 0; l < c; l++) n3 += Math.abs(W3[j * c + l]);
        weights[j] = groupNorm(W2, j * d, d) * n3;
      }
      return attentionMap(a, H, n, weights);
    },
  };
}
