// A linear MLP-Mixer block (Sahiner et al.'s mixer, docs/sahiner-mixer.md): m branches, each mixing
// the tokens with W1j (s x s) and then the channels with W2j (d x c),
//   f(X_i) = sum_j W1j X_i W2j        (s x c per sample, or its mean over the tokens: 1 x c),
// with weight decay beta/2 sum_j (||W1j||_F^2 + ||W2j||_F^2). Its global optimum is certified by
// the nuclear-norm program over Z = sum_j vec(W1j) vec(W2j)^T (src/convex/operators/mixer.ts); this
// is the model Adam trains beside it, and the forward pass recovery evaluates the heads with.
// Per sample: T = X_i [W2_1 ... W2_m] (s x mc), restacked by branch to Ts (ms x c), then
// f = [W1_1 ... W1_m] (s x ms) Ts; backward the same steps in reverse.
import type { Model } from './model';
import type { MhsaOutput } from './linear-mhsa-model';
import { frobeniusDecay } from './model';
import { putSampleOutput, sampleOutputGradient } from './token-outputs';
import { blas } from '../../core/blas';
import { Rng } from '../../core/rng';

export interface MixerShape { s: number; d: number; c: number }

export function mixerModel(shape: MixerShape, heads: number, output: MhsaOutput, beta: number, seed: number): Model {
  const { s, d, c } = shape, m = heads, mc = m * c, ms = m * s;
  const rng = new Rng(seed);
  const W1 = rng.normals(m * s * s, 1 / Math.sqrt(s * m)), W2 = rng.normals(m * d * c, 1 / Math.sqrt(d));
  const W1cat = new Float64Array(s * ms), W2cat = new Float64Array(d * mc);
  const T = new Float64Array(s * mc), Ts = new Float64Array(ms * c), F = new Float64Array(s * c);
  const dF = new Float64Array(s * c), dTs = new Float64Array(ms * c), dT = new Float64Array(s * mc);
  const dW1cat = new Float64Array(s * ms), dW2cat = new Float64Array(d * mc);
  const rowsOut = output === 'tokens' ? s : 1;
  let last: { X: Float64Array; B: number } = { X: new Float64Array(0), B: 0 };
  let out = new Float64Array(0);

  const concatenate = () => {
    for (let j = 0; j < m; j++) {
      for (let a = 0; a < s; a++) for (let b = 0; b < s; b++) W1cat[a * ms + j * s + b] = W1[(j * s + a) * s + b];
      for (let t = 0; t < d; t++) for (let e = 0; e < c; e++) W2cat[t * mc + j * c + e] = W2[(j * d + t) * c + e];
    }
  };
  /** T = X_i W2cat, Ts restacked by branch, F = W1cat Ts. */
  const sampleForward = (Xi: Float64Array) => {
    blas.gemm(false, false, s, mc, d, 1, Xi, d, W2cat, mc, 0, T, mc);
    for (let j = 0; j < m; j++) for (let b = 0; b < s; b++) for (let e = 0; e < c; e++) Ts[(j * s + b) * c + e] = T[b * mc + j * c + e];
    blas.gemm(false, false, s, c, ms, 1, W1cat, ms, Ts, c, 0, F, c);
  };

  return {
    name: 'mixer',
    params: [{ name: 'W1', data: W1, shape: [m, s, s] }, { name: 'W2', data: W2, shape: [m, d, c] }],
    forward(X, B) {
      if (out.length !== B * rowsOut * c) out = new Float64Array(B * rowsOut * c);
      concatenate();
      for (let i = 0; i < B; i++) {
        sampleForward(X.subarray(i * s * d, (i + 1) * s * d));
        putSampleOutput(F, out, i, s, c, output);
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
        sampleOutputGradient(dpred, dF, i, s, c, output);
        // F = W1cat Ts: dW1cat += dF Ts^T, dTs = W1cat^T dF
        blas.gemm(false, true, s, ms, c, 1, dF, c, Ts, c, 1, dW1cat, ms);
        blas.gemm(true, false, ms, c, s, 1, W1cat, ms, dF, c, 0, dTs, c);
        for (let j = 0; j < m; j++) for (let b = 0; b < s; b++) for (let e = 0; e < c; e++) dT[b * mc + j * c + e] = dTs[(j * s + b) * c + e];
        // T = X_i W2cat: dW2cat += X_i^T dT
        blas.gemm(true, false, d, mc, s, 1, Xi, d, dT, mc, 1, dW2cat, mc);
      }
      const [g1, g2] = grads;
      for (let j = 0; j < m; j++) {
        for (let a = 0; a < s; a++) for (let b = 0; b < s; b++) g1[(j * s + a) * s + b] += dW1cat[a * ms + j * s + b];
        for (let t = 0; t < d; t++) for (let e = 0; e < c; e++) g2[(j * d + t) * c + e] += dW2cat[t * mc + j * c + e];
      }
    },
    weightDecay: (grads) => frobeniusDecay([W1, W2], grads, beta),
    attentionMap() {
      throw new Error('a linear mixer mixes tokens with unnormalised weights: it has no distribution over tokens');
    },
  };
}
