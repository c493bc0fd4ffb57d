// Ergen et al. eq. (34): simplex attention with matrix targets, f(X_i) = sum_h w3h W1h X_i W2h
// (n x c per sample, one output row per token), W1h in Delta (n x n, rows in the unit simplex),
// W2h (d x c), w3h a scalar, weight decay beta/2 sum_h (||W2h||_1^2 + w3h^2) with ||.||_1 the sum
// of |entries|. Its global optimum is certified by the convex program of Theorem A.1
// (src/convex/programs/matrix-attention.ts, docs/ergen-matrix-targets.md). Adam trains it with
// W1h = softmax of U_h row by row, which reaches every interior point of Delta (the vertices only
// in the limit), so its objective can approach the convex optimum but never go below it.
import type { Model } from './model';
import { blas } from '../../core/blas';
import { Rng } from '../../core/rng';
import { softmaxRows } from '../../losses/softmax';

export interface MatrixShape { n: number; d: number; c: number }

/** H heads: W1 (H, n, n) with rows in the simplex, W2 (H, d, c), w3 (H). */
export interface MatrixHeads {
  H: number;
  W1: Float64Array;
  W2: Float64Array;
  w3: Float64Array;
}

/**
 * M = [w3_1 W2_1 ... w3_H W2_H] (d x Hc): sample i's X_i M (n x Hc) holds every head's X_i w3h W2h.
 * Computed per sample (and again in the backward pass), so memory stays n Hc whatever N and H.
 */
function headOutputs(h: MatrixHeads, d: number, c: number): Float64Array {
  const H = h.H, Hc = H * c, M = new Float64Array(d * Hc);
  for (let j = 0; j < H; j++) for (let t = 0; t < d; t++) for (let e = 0; e < c; e++) M[t * Hc + j * c + e] = h.w3[j] * h.W2[(j * d + t) * c + e];
  return M;
}

/** pred (B, n, c) = sum_h W1h X_i (w3h W2h) for every sample. */
function forwardPass(shape: MatrixShape, h: MatrixHeads, X: Float64Array, B: number, out: Float64Array): void {
  const { n, d, c } = shape, H = h.H, Hc = H * c;
  const M = headOutputs(h, d, c), XM = new Float64Array(n * Hc);
  out.fill(0);
  if (H === 0) return;
  for (let i = 0; i < B; i++) {
    blas.gemm(false, false, n, Hc, d, 1, X.subarray(i * n * d, (i + 1) * n * d), d, M, Hc, 0, XM, Hc);
    const o = out.subarray(i * n * c, (i + 1) * n * c);
    // o += W1h (n x n) . XM_h (n x c, leading dimension Hc), head by head
    for (let j = 0; j < H; j++) blas.gemm(false, false, n, c, n, 1, h.W1.subarray(j * n * n, (j + 1) * n * n), n, XM.subarray(j * c), Hc, 1, o, c);
  }
}

/** Eq. (34)'s predictions (N, n, c) at heads given with W1 in Delta (recovered, or read by `check`). */
export function matrixAttentionPredict(shape: MatrixShape, h: MatrixHeads, X: Float64Array, N: number): Float64Array {
  const out = new Float64Array(N * shape.n * shape.c);
  forwardPass(shape, h, X, N, out);
  return out;
}

/** Eq. (34)'s weight decay without beta/2: sum_h ||W2h||_1^2 + w3h^2. */
export function matrixDecay(h: MatrixHeads, d: number, c: number): number {
  let s = 0;
  for (let j = 0; j < h.H; j++) {
    let l1 = 0;
    for (let e = 0; e < d * c; e++) l1 += Math.abs(h.W2[j * d * c + e]);
    s += l1 * l1 + h.w3[j] * h.w3[j];
  }
  return s;
}

/** The model Adam trains: W1h = softmax(U_h) row by row, W2h, w3h. */
export function matrixAttentionModel(shape: MatrixShape, heads: number, beta: number, seed: number): Model {
  const { n, d, c } = shape, H = heads;
  const rng = new Rng(seed);
  const U = rng.normals(H * n * n, 1), W2 = rng.normals(H * d * c, 1 / Math.sqrt(d * H)), w3 = rng.normals(H, 1);
  const W1 = new Float64Array(H * n * n);
  const h: MatrixHeads = { H, W1, W2, w3 };
  let last: { X: Float64Array; B: number } | null = null;
  let out = new Float64Array(0);
  return {
    name: 'matrix-attention',
    params: [{ name: 'U', data: U, shape: [H, n, n] }, { name: 'W2', data: W2, shape: [H, d, c] }, { name: 'w3', data: w3, shape: [H] }],
    forward(X, B) {
      if (out.length !== B * n * c) out = new Float64Array(B * n * c);
      softmaxRows(W1, U, H * n, n);
      forwardPass(shape, h, X, B, out);
      last = { X, B };
      return out;
    },
    backward(dpred, grads) {
      if (!last) throw new Error('backward before forward');
      const { X, B } = last, Hc = H * c;
      const M = headOutputs(h, d, c), XM = new Float64Array(n * Hc), dXM = new Float64Array(n * Hc);
      const dW1 = new Float64Array(H * n * n), dM = new Float64Array(d * Hc);
      for (let i = 0; i < B; i++) {
        const Xi = X.subarray(i * n * d, (i + 1) * n * d), dO = dpred.subarray(i * n * c, (i + 1) * n * c);
        blas.gemm(false, false, n, Hc, d, 1, Xi, d, M, Hc, 0, XM, Hc); // recomputed: per sample
        for (let j = 0; j < H; j++) {
          // o = W1h XM_h: dW1h += dO XM_h^T, dXM_h = W1h^T dO
          blas.gemm(false, true, n, n, c, 1, dO, c, XM.subarray(j * c), Hc, 1, dW1.subarray(j * n * n, (j + 1) * n * n), n);
          blas.gemm(true, false, n, c, n, 1, W1.subarray(j * n * n, (j + 1) * n * n), n, dO, c, 0, dXM.subarray(j * c), Hc);
        }
        // XM = X_i M: dM += X_i^T dXM (d x Hc); M_h = w3h W2h
        blas.gemm(true, false, d, Hc, n, 1, Xi, d, dXM, Hc, 1, dM, Hc);
      }
      const [gU, gW2, gw3] = grads;
      for (let j = 0; j < H; j++) {
        for (let t = 0; t < d; t++) for (let e = 0; e < c; e++) {
          const g = dM[t * Hc + j * c + e], at = (j * d + t) * c + e;
          gW2[at] += w3[j] * g;
          gw3[j] += W2[at] * g;
        }
      }
      // softmax backward, row by row: dU = P * (dW1 - <dW1, P>)
      for (let r = 0; r < H * n; r++) {
        let dot = 0;
        for (let k = 0; k < n; k++) dot += dW1[r * n + k] * W1[r * n + k];
        for (let k = 0; k < n; k++) gU[r * n + k] += W1[r * n + k] * (dW1[r * n + k] - dot);
      }
    },
    weightDecay(grads) {
      if (grads) {
        for (let j = 0; j < H; j++) {
          let l1 = 0;
          for (let e = 0; e < d * c; e++) l1 += Math.abs(W2[j * d * c + e]);
          for (let e = 0; e < d * c; e++) grads[1][j * d * c + e] += beta * l1 * Math.sign(W2[j * d * c + e]);
          grads[2][j] += beta * w3[j];
        }
      }
      return (beta / 2) * matrixDecay(h, d, c);
    },
    attentionMap() {
      throw new Error('matrix-target attention has one distribution per head and token; read W1 from its parameters');
    },
  };
}
