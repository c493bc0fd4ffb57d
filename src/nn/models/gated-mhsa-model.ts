// Gated-ReLU multi-head self-attention (Sahiner et al.; docs/sahiner-gated.md): linear attention
// (eq. 5, linear-mhsa-model.ts) whose s x s score matrix X_i W1j X_i^T is masked, head by head, by a
// fixed 0/1 pattern: the score gate D[i, g] = 1{X_i U_g X_i^T >= 0} of head j's gate g = gateOf[j]
// (src/attention/gate-patterns.ts, scoreGates: query token a, key token b),
//   f(X_i) = sum_j (D[i, gateOf[j]] ⊙ (X_i W1j X_i^T)) X_i W2j   (s x c, or its mean over the tokens: 1 x c),
// with weight decay beta/2 sum_j (||W1j||_F^2 + ||W2j||_F^2). The gates fixed, the model is linear in
// each head's W1j (x) W2j, and its global optimum is certified by the convex program over per-gate
// blocks Z_g (each d^2 x dc, in linear-mhsa's layout) with penalty sum_g ||Z_g||_*; this is the
// model Adam trains beside it (and the Burer-Monteiro solver's factored form). In blocks of
// BLOCK samples: A = X [W1_1 ... W1_m] and V = X [W2_1 ... W2_m] for the whole block (two GEMMs);
// A read as (s m) x d (rows: token a, head j) gives all heads' scores of a sample in one GEMM,
// S = A X_i^T ((s m) x s), masked by the gates; S read as s x (m s) (row a, columns (j, b)) times
// V reordered by head ((m s) x c) is f_i = sum_j S_j V_j in one more. Backward the same steps in
// reverse, one GEMM each per sample (dV = S^T dF, dS = dF V^T masked, dA = dS X_i), and the
// weights' gradients X^T dA, X^T dV over the block (two GEMMs). The
// tokens X and the gates are data: no gradient flows into them. The gates are computed in forward,
// for its batch, unless the model was given them for that very X (`known`).
import type { Model } from './model';
import type { KnownGates } from '../../attention/gate-patterns';
import type { MhsaOutput, MhsaShape } from './linear-mhsa-model';
import { frobeniusDecay } from './model';
import { putSampleOutput, sampleOutputGradient } from './token-outputs';
import { blas } from '../../core/blas';
import { Rng } from '../../core/rng';
import { scoreGates } from '../../attention/gate-patterns';

/** Samples per block: A and V of a block are (BLOCK s) x md and x mc. */
export const BLOCK = 64;

export function gatedMhsaModel(
  shape: MhsaShape, gates: { U: Float64Array; P: number; gateOf: Int32Array; known?: KnownGates }, output: MhsaOutput, beta: number, seed: number,
): Model {
  const { s, d, c } = shape, { U, P, gateOf } = gates, m = gateOf.length;
  if (!Number.isInteger(P) || P < 1) throw new Error(`gatedMhsaModel: P = ${P} gates, expected a positive integer`);
  if (U.length !== P * d * d) throw new Error(`gatedMhsaModel: U has ${U.length} entries, expected ${P}x${d}x${d}`);
  if (m < 1) throw new Error('gatedMhsaModel: no heads (gateOf is empty)');
  gateOf.forEach((g, j) => { if (g < 0 || g >= P) throw new Error(`gatedMhsaModel: head ${j} has gate ${g}, expected one in [0, ${P})`); });
  const rng = new Rng(seed);
  // W1 (m, d, d) and W2 (m, d, c), at linearMhsaModel's scales
  const W1 = rng.normals(m * d * d, 1 / d), W2 = rng.normals(m * d * c, 1 / Math.sqrt(d * m));
  const md = m * d, mc = m * c, ms = m * s;
  // [W1_1 ... W1_m] (d x md), [W2_1 ... W2_m] (d x mc), and their gradients
  const W1cat = new Float64Array(d * md), W2cat = new Float64Array(d * mc), dW1cat = new Float64Array(d * md), dW2cat = new Float64Array(d * mc);
  const A = new Float64Array(BLOCK * s * md), V = new Float64Array(BLOCK * s * mc), dA = new Float64Array(BLOCK * s * md), dV = new Float64Array(BLOCK * s * mc);
  // V by sample and head, (r, j, b, e): sample r's V_1 ... V_m stacked, (m s) x c
  const Vh = new Float64Array(BLOCK * s * mc), dVh = new Float64Array(BLOCK * s * mc);
  const S = new Float64Array(ms * s), dS = new Float64Array(ms * s), F = new Float64Array(s * c), dF = new Float64Array(s * c);
  let last: { X: Float64Array; B: number; D: Uint8Array } = { X: new Float64Array(0), B: 0, D: new Uint8Array(0) };
  let out = new Float64Array(0);
  const rowsOut = output === 'tokens' ? s : 1;

  const concatenate = () => {
    for (let j = 0; j < m; j++) {
      for (let t = 0; t < d; t++) for (let k = 0; k < d; k++) W1cat[t * md + j * d + k] = W1[(j * d + t) * d + k];
      for (let l = 0; l < d; l++) for (let e = 0; e < c; e++) W2cat[l * mc + j * c + e] = W2[(j * d + l) * c + e];
    }
  };
  /** A, V and Vh of samples i0 .. i0 + n - 1 (two GEMMs and a reordering). */
  const blockForward = (X: Float64Array, i0: number, n: number) => {
    const Xb = X.subarray(i0 * s * d, (i0 + n) * s * d);
    blas.gemm(false, false, n * s, md, d, 1, Xb, d, W1cat, md, 0, A, md);
    blas.gemm(false, false, n * s, mc, d, 1, Xb, d, W2cat, mc, 0, V, mc);
    reorder(V, Vh, n, true);
  };
  /** (r, b, j, e) <-> (r, j, b, e): V's rows per token, Vh's per head. */
  const reorder = (byToken: Float64Array, byHead: Float64Array, n: number, toHead: boolean) => {
    for (let r = 0; r < n; r++) for (let b = 0; b < s; b++) for (let j = 0; j < m; j++) {
      const t = (r * s + b) * mc + j * c, h = ((r * m + j) * s + b) * c;
      for (let e = 0; e < c; e++) {
        if (toHead) byHead[h + e] = byToken[t + e];
        else byToken[t + e] = byHead[h + e];
      }
    }
  };
  /** S = A_i X_i^T masked by the gates of each head: row (a, j), column b. */
  const scores = (Xi: Float64Array, D: Uint8Array, i: number, r: number) => {
    blas.gemm(false, true, ms, s, d, 1, A.subarray(r * s * md), d, Xi, d, 0, S, s);
    mask(S, D, i);
  };
  const mask = (T: Float64Array, D: Uint8Array, i: number) => {
    for (let a = 0; a < s; a++) for (let j = 0; j < m; j++) {
      const o = ((i * P + gateOf[j]) * s + a) * s, row = (a * m + j) * s;
      for (let b = 0; b < s; b++) if (!D[o + b]) T[row + b] = 0;
    }
  };

  return {
    name: 'gated-mhsa',
    params: [{ name: 'W1', data: W1, shape: [m, d, d] }, { name: 'W2', data: W2, shape: [m, d, c] }],
    forward(X, B) {
      if (out.length !== B * rowsOut * c) out = new Float64Array(B * rowsOut * c);
      // the training data's gates, when given (fixed data: the Burer-Monteiro solver's thousands of passes)
      const D = gates.known && X === gates.known.X && B === gates.known.N ? gates.known.D : scoreGates(X, B, s, d, U, P);
      concatenate();
      for (let i0 = 0; i0 < B; i0 += BLOCK) {
        const n = Math.min(BLOCK, B - i0);
        blockForward(X, i0, n);
        for (let r = 0; r < n; r++) {
          const i = i0 + r;
          scores(X.subarray(i * s * d, (i + 1) * s * d), D, i, r);
          // f_i = sum_j S_j V_j = S (read as s x (m s): row a, columns (j, b)) times Vh_r ((m s) x c)
          blas.gemm(false, false, s, c, ms, 1, S, ms, Vh.subarray(r * ms * c), c, 0, F, c);
          putSampleOutput(F, out, i, s, c, output);
        }
      }
      last = { X, B, D };
      return out;
    },
    backward(dpred, grads) {
      const { X, B, D } = last;
      concatenate();
      dW1cat.fill(0);
      dW2cat.fill(0);
      for (let i0 = 0; i0 < B; i0 += BLOCK) {
        const n = Math.min(BLOCK, B - i0);
        blockForward(X, i0, n); // recomputed: a block's A and V only are kept
        for (let r = 0; r < n; r++) {
          const i = i0 + r, Xi = X.subarray(i * s * d, (i + 1) * s * d);
          scores(Xi, D, i, r);
          sampleOutputGradient(dpred, dF, i, s, c, output);
          // f_i = S Vh_r: dVh_r = S^T dF, dS = dF Vh_r^T (s x (m s), the layout of S)
          blas.gemm(true, false, ms, c, s, 1, S, ms, dF, c, 0, dVh.subarray(r * ms * c), c);
          blas.gemm(false, true, s, ms, c, 1, dF, c, Vh.subarray(r * ms * c), c, 0, dS, ms);
          mask(dS, D, i);
          // S = A_i X_i^T: dA_i = dS X_i
          blas.gemm(false, false, ms, d, s, 1, dS, s, Xi, d, 0, dA.subarray(r * s * md), d);
        }
        // A = X W1cat, V = X W2cat: dW1cat += X^T dA, dW2cat += X^T dV
        reorder(dV, dVh, n, false);
        const Xb = X.subarray(i0 * s * d, (i0 + n) * s * d);
        blas.gemm(true, false, d, md, n * s, 1, Xb, d, dA, md, 1, dW1cat, md);
        blas.gemm(true, false, d, mc, n * s, 1, Xb, d, dV, mc, 1, dW2cat, mc);
      }
      const [g1, g2] = grads;
      for (let j = 0; j < m; j++) {
        for (let t = 0; t < d; t++) for (let k = 0; k < d; k++) g1[(j * d + t) * d + k] += dW1cat[t * md + j * d + k];
        for (let l = 0; l < d; l++) for (let e = 0; e < c; e++) g2[(j * d + l) * c + e] += dW2cat[l * mc + j * c + e];
      }
    },
    weightDecay: (grads) => frobeniusDecay([W1, W2], grads, beta),
    attentionMap() {
      throw new Error('gated-ReLU self-attention has no distribution over tokens (its scores are not normalised)');
    },
  };
}
