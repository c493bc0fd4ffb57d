// Linear layer over rows: out (B x OC) = inp (B x C) W (C x OC) + b. Both directions are GEMMs.
// W may be a column window of a wider matrix (ldW > OC, W a subarray starting at the window's
// first column, b the window's part of the bias): the transformer's readout layer projects the
// readout token to queries and every token to keys and values with two windows of one W_qkv.
import { blas, type FloatArray } from '../core/blas';

export function linearForward<T extends FloatArray>(
  out: T, inp: T, W: T, b: T | null, B: number, C: number, OC: number, ldW = OC,
): void {
  if (b) {
    const bias = b.length === OC ? b : b.subarray(0, OC); // a window's part of a wider bias
    for (let i = 0; i < B; i++) out.set(bias, i * OC);
    blas.gemm(false, false, B, OC, C, 1, inp, C, W, ldW, 1, out, OC);
  } else {
    blas.gemm(false, false, B, OC, C, 1, inp, C, W, ldW, 0, out, OC);
  }
}

/**
 * dinp += dout W^T (skipped when null); dW += inp^T dout; db += column sums of dout. Every
 * gradient accumulates, as in the other layers, so a layer whose input feeds two places gets both
 * contributions; a caller that wants dinp alone zeroes it first.
 */
export function linearBackward<T extends FloatArray>(
  dinp: T | null, dW: T, db: T | null, dout: T, inp: T, W: T, B: number, C: number, OC: number, ldW = OC,
): void {
  if (dinp) blas.gemm(false, true, B, C, OC, 1, dout, OC, W, ldW, 1, dinp, C);
  blas.gemm(true, false, C, OC, B, 1, inp, C, dout, OC, 1, dW, ldW);
  if (db) blas.gemm(false, false, 1, OC, B, 1, onesLike(dout, B), B, dout, OC, 1, db, OC); // db += 1^T dout
}

const ones = { f64: new Float64Array(0), f32: new Float32Array(0) };

/** A cached vector of ones of at least `n` entries, in the precision of `like`. */
function onesLike<T extends FloatArray>(like: T, n: number): T {
  const key = like instanceof Float32Array ? 'f32' : 'f64';
  if (ones[key].length < n) ones[key] = (key === 'f32' ? new Float32Array(n) : new Float64Array(n)).fill(1) as never;
  return ones[key] as T;
}
