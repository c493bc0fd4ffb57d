// The data every program and model takes: tokens, targets and, for eq. (12), gates.

/** Tokens X (N, n, d), row-major. */
export interface Tokens {
  X: Float64Array;
  N: number;
  n: number;
  d: number;
}

export type LossKind = 'squared' | 'ce';

export interface Targets {
  /** (N, c) for squared loss */
  Y?: Float64Array;
  /** (N,) integer labels for cross-entropy */
  y?: Int32Array;
  c: number;
}

/** The gates of eq. (12): D[i, j] = 1{U1_j^T X_i U2_j >= 0}; a data file may carry them. */
export interface Gating {
  h: number;
  /** (h, n) */
  U1: Float64Array;
  /** (h, d) */
  U2: Float64Array;
}
