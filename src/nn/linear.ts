// Linear layer over rows: out (B x OC) = inp (B x C) W (C x OC) + b. Both directions are GEMMs.
import { blas, type FloatArray } from '../core/blas';

export function linearForward<T extends FloatArray>(out: T, inp: T, W: T, b: T | null, B: number, C: number, OC: number): void {
  if (b) {
    for (let i = 0; i < B; i++) out.set(b, i * OC);
    blas.gemm(false, false, B, OC, C, 1, inp, C, W, OC, 1, out, OC);
  } else {
    blas.gemm(false, false, B, OC, C, 1, inp, C, W, OC, 0, out, OC);
  }
}

/** dinp = dout W^T (overwritten, skipped when null); dW += inp^T dout; db += column sums of dout. */
export function linearBackward<T extends FloatArray>(
  dinp: T | null, dW: T, db: T | null, dout: T, inp: T, W: T, B: number, C: number, OC: number,
): void {
  if (dinp) blas.gemm(false, true, B, C, OC, 1, dout, OC, W, OC, 0, dinp, C);
  blas.gemm(true, false, C, OC, B, 1, inp, C, dout, OC, 1, dW, OC);
  if (db) {
    for (let i = 0; i < B; i++) for (let o = 0; o < OC; o++) db[o] += dout[i * OC + o];
  }
}
