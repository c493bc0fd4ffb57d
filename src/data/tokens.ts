// The data every program and model takes: tokens, targets and, for eq. (12), gates.

/**
 * Tokens X (N, n, d), row-major. Float32Array only when the data were read with `--float32-data`:
 * the convex solvers then read X in blocks widened to float64 (exact), so every sum and the
 * certificate stay float64 while X costs half.
 */
export interface Tokens {
  X: Float64Array | Float32Array;
  N: number;
  n: number;
  d: number;
}

/** Tokens in float64: what the non-convex models and the kernel program's feature map take. */
export type Float64Tokens = Tokens & { X: Float64Array };

/**
 * The tokens themselves, or with float32 storage widened into a float64 copy: for the code that is
 * not built for `--float32-data` (the non-convex models, the kernel program's features).
 */
export function float64Tokens(t: Tokens): Float64Tokens {
  return t.X instanceof Float64Array ? (t as Float64Tokens) : { ...t, X: Float64Array.from(t.X) };
}

export type LossKind = 'squared' | 'ce';

export interface Targets {
  /** (N, c) for squared loss; (N, n, c) with per-token targets */
  Y?: Float64Array;
  /** (N,) integer labels for cross-entropy; (N, n) with per-token targets */
  y?: Int32Array;
  c: number;
  /** per-token targets: the n of Y (N, n, c) or y (N, n); absent: one target per sample */
  tokens?: number;
}

/** The rows of predictions and targets: N samples, or N n tokens with per-token targets. */
export const targetRows = (t: Targets, N: number): number => N * (t.tokens ?? 1);

/** The gates of eq. (12): D[i, j] = 1{U1_j^T X_i U2_j >= 0}; a data file may carry them. */
export interface Gating {
  h: number;
  /** (h, n) */
  U1: Float64Array;
  /** (h, d) */
  U2: Float64Array;
}
