// The gated-ReLU convex block of Ergen et al. eq. (12) as a layer over a batch, with the gradient
// through its input so blocks stack (docs/deep-convex.md):
//   y[i, l] = sum_j 1{G[i, j] >= 0} <Z[j, l], x_i>,   x_i the flattened (n, d) tokens of sample i,
// Z (h, o, n*d), o outputs (the classes, or n*d' for a hidden layer), G (B, h) the fixed gates'
// preactivations u1_j^T X_i u2_j, a gate open where G >= 0 (as in activations.ts's gated ReLU).
// The convex program's GatedOperator applies the same map to a fixed X; this layer is written
// apart so that the test holding the model against the certified program compares two codes.
// One GEMM forward (T = X Z^T), two backward (dZ += M^T X, dX = M Z) with M the gated dy.
import { blas } from '../core/blas';

export interface GatedBlockShape {
  /** samples */
  B: number;
  /** inputs per sample, n*d */
  p: number;
  /** gates */
  h: number;
  /** outputs per sample */
  o: number;
}

/** y (B, o) = the gated sum over j of T = X Z^T (B, h*o); G (B, h) the gates' preactivations; T is scratch of B*h*o. */
export function gatedBlockForward(y: Float64Array, T: Float64Array, X: Float64Array, Z: Float64Array, G: Float64Array, s: GatedBlockShape): void {
  const { B, p, h, o } = s;
  const ho = h * o;
  blas.gemm(false, true, B, ho, p, 1, X, p, Z, p, 0, T, ho);
  y.fill(0, 0, B * o);
  for (let i = 0; i < B; i++) {
    for (let j = 0; j < h; j++) {
      if (!(G[i * h + j] >= 0)) continue;
      const t = i * ho + j * o;
      for (let l = 0; l < o; l++) y[i * o + l] += T[t + l];
    }
  }
}

/**
 * dZ += d loss / dZ and, when dX is given, dX = d loss / dX (overwritten), from dy (B, o). The
 * gates are piecewise constant in X: their derivative is 0 wherever it exists, so none flows
 * through them. M is scratch of B*h*o.
 */
export function gatedBlockBackward(
  dZ: Float64Array, dX: Float64Array | null, M: Float64Array, dy: Float64Array, X: Float64Array, Z: Float64Array, G: Float64Array, s: GatedBlockShape,
): void {
  const { B, p, h, o } = s;
  const ho = h * o;
  for (let i = 0; i < B; i++) {
    for (let j = 0; j < h; j++) {
      const at = i * ho + j * o;
      if (G[i * h + j] >= 0) M.set(dy.subarray(i * o, (i + 1) * o), at);
      else M.fill(0, at, at + o);
    }
  }
  blas.gemm(true, false, ho, p, B, 1, M, ho, X, p, 1, dZ, p);
  if (dX) blas.gemm(false, false, B, p, ho, 1, M, ho, Z, p, 0, dX, p);
}
