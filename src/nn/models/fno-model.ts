// The (block) FNO layer whose global optimum the FNO programs certify (docs/sahiner-fno.md): m heads,
// each a filter w_j (s) convolved circularly along the tokens and a channel mixing W2j (d x c),
//   f(X_i) = sum_j C(w_j) X_i W2j,   C(w)[a, b] = w[(a - b) mod s]      (s x c per sample),
// with weight decay beta/2 sum_j (||w_j||^2 + ||W2j||_F^2). Block FNO keeps head j's filter in one
// frequency band: w_j = Pi_band(j) theta_j (core/frequency-bands.ts), theta_j the parameter; FNO is
// one band, Pi = I. The forward pass is the linear mixer's (mixer-model.ts) with W1j = C(w_j); the
// gradient of a filter collects the mixer's dW1j along its diagonals, dw[r] = sum_a dW1[a, (a - r) mod s],
// projected by Pi.
import type { Model } from './model';
import { frobeniusDecay } from './model';
import { mixerModel } from './mixer-model';
import { Rng } from '../../core/rng';
import { blas } from '../../core/blas';

export interface FnoBands {
  /** Pi_b (s x s) per band; one identity band for FNO */
  projections: readonly Float64Array[];
  /** (m,): each head's band */
  bandOf: Int32Array;
}

export function fnoModel(shape: { s: number; d: number; c: number }, bands: FnoBands, beta: number, seed: number): Model {
  const { s, d, c } = shape, m = bands.bandOf.length, ss = s * s;
  bands.bandOf.forEach((b, j) => {
    if (!(Number.isInteger(b) && b >= 0 && b < bands.projections.length)) throw new Error(`fnoModel: head ${j} has band ${b}, not in [0, ${bands.projections.length})`);
  });
  const inner = mixerModel({ s, d, c }, m, 'tokens', 0, seed);
  const theta = new Rng(seed + 1).normals(m * s, 1 / Math.sqrt(s * m)), W2 = inner.params[1].data as Float64Array;
  const w = new Float64Array(m * s), dW1 = new Float64Array(m * ss), dw = new Float64Array(s);
  /** w_j = Pi theta_j, and the inner mixer's W1j = C(w_j). */
  const filters = () => {
    const W1 = inner.params[0].data as Float64Array;
    for (let j = 0; j < m; j++) {
      const wj = w.subarray(j * s, (j + 1) * s);
      blas.gemm(false, false, s, 1, s, 1, bands.projections[bands.bandOf[j]], s, theta.subarray(j * s, (j + 1) * s), 1, 0, wj, 1);
      for (let a = 0; a < s; a++) for (let b = 0; b < s; b++) W1[j * ss + a * s + b] = wj[(a - b + s) % s];
    }
  };
  return {
    name: 'fno',
    params: [{ name: 'theta', data: theta, shape: [m, s] }, { name: 'W2', data: W2, shape: [m, d, c] }],
    forward(X, B) {
      filters();
      return inner.forward(X, B);
    },
    backward(dpred, grads) {
      dW1.fill(0);
      inner.backward(dpred, [dW1, grads[1]]);
      for (let j = 0; j < m; j++) {
        dw.fill(0);
        for (let a = 0; a < s; a++) for (let r = 0; r < s; r++) dw[r] += dW1[j * ss + a * s + ((a - r + s) % s)];
        // d theta_j = Pi^T dw = Pi dw (Pi symmetric)
        blas.gemm(false, false, s, 1, s, 1, bands.projections[bands.bandOf[j]], s, dw, 1, 1, (grads[0] as Float64Array).subarray(j * s, (j + 1) * s), 1);
      }
    },
    weightDecay(grads) {
      // d/d theta_j of ||Pi theta_j||^2 / 2 is Pi^T Pi theta_j = w_j: the decay of (w, W2) with w's gradient given to theta
      filters();
      return frobeniusDecay([w, W2], grads, beta);
    },
    attentionMap() {
      throw new Error('an FNO layer mixes tokens by a convolution with unnormalised weights: it has no distribution over tokens');
    },
  };
}
