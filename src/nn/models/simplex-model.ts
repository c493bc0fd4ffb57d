// Model (b): the non-convex simplex attention of eq. (9),
//   sum_i L(sum_j (a_j^T X_i w2_j) w3_j, y_i) + beta/2 sum_j (||w2_j||^2 + ||w3_j||_1^2),
// a_j = softmax(theta_j). The same objective the convex program (10) solves globally, so the
// two sit on one scale. The ||.||_1^2 term is differentiated as 2 ||w3||_1 sign(w3).
import type { Model, ModelData } from './model';
import { simplexBackward, simplexForward, type SimplexShape } from '../simplex-attention';
import { softmaxRows } from '../../losses/softmax';
import { Rng } from '../../core/rng';

export function simplexModel(data: ModelData, H: number, beta: number, seed: number): Model {
  const { X, N, n, d, c, datafit } = data;
  const rng = new Rng(seed);
  const theta = rng.normals(H * n, 0.1);
  const W2 = rng.normals(H * d, 1 / Math.sqrt(d));
  const W3 = rng.normals(H * c, 1 / Math.sqrt(H));
  const sh: SimplexShape = { N, n, d, c, H };
  const pred = new Float64Array(N * c), a = new Float64Array(H * n), s = new Float64Array(N * H);
  const dpred = new Float64Array(N * c);
  const params = [theta, W2, W3];

  function objective(grads: Float64Array[] | null): number {
    simplexForward(pred, a, s, X, { theta, W2, W3 }, null, sh);
    let decay = 0;
    for (let i = 0; i < W2.length; i++) decay += W2[i] * W2[i];
    const l1 = new Float64Array(H);
    for (let j = 0; j < H; j++) {
      for (let l = 0; l < c; l++) l1[j] += Math.abs(W3[j * c + l]);
      decay += l1[j] * l1[j];
    }
    const value = datafit.value(pred) + (beta / 2) * decay;
    if (grads) {
      const [gt, g2, g3] = grads;
      gt.fill(0); g2.fill(0); g3.fill(0);
      datafit.gradient(pred, dpred);
      simplexBackward({ theta: gt, W2: g2, W3: g3 }, dpred, a, s, X, { theta, W2, W3 }, null, sh);
      for (let i = 0; i < W2.length; i++) g2[i] += beta * W2[i];
      for (let j = 0; j < H; j++) for (let l = 0; l < c; l++) g3[j * c + l] += beta * l1[j] * Math.sign(W3[j * c + l]);
    }
    return value;
  }

  return {
    name: 'simplex',
    params,
    objective,
    predict(Xt, Nt) {
      const out = new Float64Array(Nt * c);
      simplexForward(out, new Float64Array(H * n), new Float64Array(Nt * H), Xt, { theta, W2, W3 }, null, { ...sh, N: Nt });
      return out;
    },
    attentionMap() {
      // heads weighted by how much they contribute: ||w2_j|| ||w3_j||_1
      softmaxRows(a, theta, H, n);
      const map = new Float64Array(n);
      let total = 0;
      for (let j = 0; j < H; j++) {
        let n2 = 0, n3 = 0;
        for (let m = 0; m < d; m++) n2 += W2[j * d + m] ** 2;
        for (let l = 0; l < c; l++) n3 += Math.abs(W3[j * c + l]);
        const wj = Math.sqrt(n2) * n3;
        total += wj;
        for (let k = 0; k < n; k++) map[k] += wj * a[j * n + k];
      }
      if (total > 0) for (let k = 0; k < n; k++) map[k] /= total;
      return map;
    },
  };
}
