// The non-convex simplex ("alternative") attention of eq. (9), and with gates eq. (29):
//   yhat_i = sum_j g_ij (a_j^T X_i w2_j) w3_j,   a_j = softmax(theta_j) on the simplex,
// with free logits theta (H, n), W2 (H, d), W3 (H, c) and fixed gates g (N, H) of 0/1 (all
// ones without an FCN). Its weight decay is beta/2 sum_j (||w2_j||^2 + ||w3_j||_1^2).
// The cache holds a = softmax(theta) (H, n) and the head scalars s_ij (N, H); the scalars come
// from attention/head-scores.ts, the one computation of s_ij shared with the convex side.
import type { FloatArray } from '../core/blas';
import { softmaxRows } from '../losses/softmax';
import { headScores, tokenScores } from '../attention/head-scores';

export interface SimplexParams<T extends FloatArray> {
  theta: T; // (H, n)
  W2: T; // (H, d)
  W3: T; // (H, c)
}

export interface SimplexShape {
  N: number; n: number; d: number; c: number; H: number;
}

/** pred (N, c); a (H, n) and s (N, H) are caches; gates (N, H) or null. */
export function simplexForward<T extends FloatArray>(
  pred: T, a: T, s: T, X: T, p: SimplexParams<T>, gates: Uint8Array | null, sh: SimplexShape,
): void {
  const { N, n, d, c, H } = sh;
  softmaxRows(a, p.theta, H, n);
  headScores(s, X, N, n, d, a, p.W2, H);
  pred.fill(0);
  for (let i = 0; i < N; i++) {
    for (let j = 0; j < H; j++) {
      if (gates && !gates[i * H + j]) s[i * H + j] = 0;
      const v = s[i * H + j];
      for (let l = 0; l < c; l++) pred[i * c + l] += v * p.W3[j * c + l];
    }
  }
}

/** grads += d loss / d params, given dpred (N, c) and the forward caches. */
export function simplexBackward<T extends FloatArray>(
  grads: SimplexParams<T>, dpred: T, a: T, s: T, X: T, p: SimplexParams<T>, gates: Uint8Array | null, sh: SimplexShape,
): void {
  const { N, n, d, c, H } = sh;
  const da = new Float64Array(H * n);
  const Q = new (X.constructor as new (len: number) => T)(N * n * H);
  tokenScores(Q, X, N * n, d, p.W2, H);
  for (let i = 0; i < N; i++) {
    for (let j = 0; j < H; j++) {
      let ds = 0;
      for (let l = 0; l < c; l++) {
        ds += dpred[i * c + l] * p.W3[j * c + l];
        grads.W3[j * c + l] += s[i * H + j] * dpred[i * c + l];
      }
      if (ds === 0 || (gates && !gates[i * H + j])) continue;
      for (let k = 0; k < n; k++) {
        const x = (i * n + k) * d;
        const ak = a[j * n + k];
        for (let m = 0; m < d; m++) grads.W2[j * d + m] += ds * ak * X[x + m];
        da[j * n + k] += ds * Q[(i * n + k) * H + j];
      }
    }
  }
  // softmax backward per head: dtheta = a * (da - <a, da>)
  for (let j = 0; j < H; j++) {
    let inner = 0;
    for (let k = 0; k < n; k++) inner += a[j * n + k] * da[j * n + k];
    for (let k = 0; k < n; k++) grads.theta[j * n + k] += a[j * n + k] * (da[j * n + k] - inner);
  }
}

/**
 * The weight decay of eq. (9) without its beta/2: sum_j (||w2_j||^2 + ||w3_j||_1^2), for the
 * simplex model and for the heads recovered from a convex solution alike. With `grads`, adds
 * the gradient of scale/2 times it: scale w2_j and scale ||w3_j||_1 sign(w3_j).
 */
export function simplexDecay(
  W2: ArrayLike<number>, W3: ArrayLike<number>, H: number, d: number, c: number,
  grads?: { W2: Float64Array; W3: Float64Array; scale: number },
): number {
  let s = 0;
  for (let j = 0; j < H; j++) {
    let a = 0;
    for (let m = 0; m < d; m++) a += W2[j * d + m] ** 2;
    let b = 0;
    for (let l = 0; l < c; l++) b += Math.abs(W3[j * c + l]);
    s += a + b * b;
    if (grads) {
      const k = grads.scale;
      for (let m = 0; m < d; m++) grads.W2[j * d + m] += k * W2[j * d + m];
      for (let l = 0; l < c; l++) grads.W3[j * c + l] += k * b * Math.sign(W3[j * c + l]);
    }
  }
  return s;
}
