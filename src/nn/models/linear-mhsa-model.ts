// Sahiner et al.'s eq. 5: linear multi-head self-attention, f(X_i) = sum_j X_i W1j X_i^T X_i W2j
// with weight decay beta/2 sum_j (||W1j||_F^2 + ||W2j||_F^2), outputs per token (s x c) or
// averaged over the tokens (1 x c). Its global optimum is certified by the nuclear-norm program
// (src/convex/operators/linear-mhsa.ts, docs/sahiner-linear-mhsa.md); this is the model Adam
// trains beside it. Per sample, through the heads: T = G_i [W2_1 ... W2_m] (d x mc), then
// M_i = [W1_1 ... W1_m] (d x md) . [T_1; ...; T_m] (md x c), then X_i M_i; backward the same
// steps in reverse (the tokens X are data: no gradient flows into them).
import type { Model } from './model';
import { frobeniusDecay } from './model';
import { blas, mirrorUpper, syrkUpper } from '../../core/blas';
import { Rng } from '../../core/rng';

export interface MhsaShape { s: number; d: number; c: number }

/** Outputs per token (s x c per sample) or their mean over the tokens (1 x c: classification). */
export type MhsaOutput = 'tokens' | 'mean';

export function linearMhsaModel(shape: MhsaShape, heads: number, output: MhsaOutput, beta: number, seed: number): Model {
  const { s, d, c } = shape, m = heads, mc = m * c, md = m * d;
  const rng = new Rng(seed);
  // W1 (m, d, d) and W2 (m, d, c); a scale that keeps X W1 G W2 near the scale of the data at init
  const W1 = rng.normals(m * d * d, 1 / d), W2 = rng.normals(m * d * c, 1 / Math.sqrt(d * m));
  const W1cat = new Float64Array(d * md), W2cat = new Float64Array(d * mc);
  const G = new Float64Array(d * d), T = new Float64Array(d * mc), Ts = new Float64Array(md * c), M = new Float64Array(d * c);
  const dM = new Float64Array(d * c), dTs = new Float64Array(md * c), dT = new Float64Array(d * mc);
  const dW1cat = new Float64Array(d * md), dW2cat = new Float64Array(d * mc);
  let last: { X: Float64Array; B: number } = { X: new Float64Array(0), B: 0 };
  let out = new Float64Array(0);
  const rowsOut = output === 'tokens' ? s : 1;

  /** [W1_1 ... W1_m] and [W2_1 ... W2_m] side by side, from the parameters. */
  const concatenate = () => {
    for (let j = 0; j < m; j++) {
      for (let t = 0; t < d; t++) for (let k = 0; k < d; k++) W1cat[t * md + j * d + k] = W1[(j * d + t) * d + k];
      for (let l = 0; l < d; l++) for (let e = 0; e < c; e++) W2cat[l * mc + j * c + e] = W2[(j * d + l) * c + e];
    }
  };
  /** G_i, T = G_i W2cat, Ts stacked by head, M_i = W1cat Ts, for sample i. */
  const sampleForward = (Xi: Float64Array) => {
    syrkUpper(d, s, 1, Xi, d, 0, G, d);
    mirrorUpper(G, d);
    blas.gemm(false, false, d, mc, d, 1, G, d, W2cat, mc, 0, T, mc);
    for (let j = 0; j < m; j++) for (let k = 0; k < d; k++) for (let e = 0; e < c; e++) Ts[(j * d + k) * c + e] = T[k * mc + j * c + e];
    blas.gemm(false, false, d, c, md, 1, W1cat, md, Ts, c, 0, M, c);
  };

  return {
    name: 'linear-mhsa',
    params: [{ name: 'W1', data: W1, shape: [m, d, d] }, { name: 'W2', data: W2, shape: [m, d, c] }],
    forward(X, B) {
      if (out.length !== B * rowsOut * c) out = new Float64Array(B * rowsOut * c);
      concatenate();
      for (let i = 0; i < B; i++) {
        const Xi = X.subarray(i * s * d, (i + 1) * s * d);
        sampleForward(Xi);
        if (output === 'tokens') {
          blas.gemm(false, false, s, c, d, 1, Xi, d, M, c, 0, out.subarray(i * s * c, (i + 1) * s * c), c);
        } else {
          for (let e = 0; e < c; e++) {
            let v = 0;
            for (let a = 0; a < s; a++) for (let t = 0; t < d; t++) v += Xi[a * d + t] * M[t * c + e];
            out[i * c + e] = v / s;
          }
        }
      }
      last = { X, B };
      return out;
    },
    backward(dpred, grads) {
      const { X, B } = last;
      concatenate();
      dW1cat.fill(0);
      dW2cat.fill(0);
      for (let i = 0; i < B; i++) {
        const Xi = X.subarray(i * s * d, (i + 1) * s * d);
        sampleForward(Xi); // recomputed: T and Ts are per sample
        if (output === 'tokens') {
          blas.gemm(true, false, d, c, s, 1, Xi, d, dpred.subarray(i * s * c, (i + 1) * s * c), c, 0, dM, c);
        } else {
          for (let t = 0; t < d; t++) {
            let xb = 0;
            for (let a = 0; a < s; a++) xb += Xi[a * d + t];
            for (let e = 0; e < c; e++) dM[t * c + e] = (xb / s) * dpred[i * c + e];
          }
        }
        // M = W1cat Ts: dW1cat += dM Ts^T, dTs = W1cat^T dM
        blas.gemm(false, true, d, md, c, 1, dM, c, Ts, c, 1, dW1cat, md);
        blas.gemm(true, false, md, c, d, 1, W1cat, md, dM, c, 0, dTs, c);
        for (let j = 0; j < m; j++) for (let k = 0; k < d; k++) for (let e = 0; e < c; e++) dT[k * mc + j * c + e] = dTs[(j * d + k) * c + e];
        // T = G W2cat (G symmetric): dW2cat += G dT
        blas.gemm(false, false, d, mc, d, 1, G, d, dT, mc, 1, dW2cat, mc);
      }
      const [g1, g2] = grads;
      for (let j = 0; j < m; j++) {
        for (let t = 0; t < d; t++) for (let k = 0; k < d; k++) g1[(j * d + t) * d + k] += dW1cat[t * md + j * d + k];
        for (let l = 0; l < d; l++) for (let e = 0; e < c; e++) g2[(j * d + l) * c + e] += dW2cat[l * mc + j * c + e];
      }
    },
    weightDecay: (grads) => frobeniusDecay([W1, W2], grads, beta),
    attentionMap() {
      throw new Error('linear self-attention has no distribution over tokens (its scores are not normalised)');
    },
  };
}
