// Token embedding with learned positions: out[b, t, :] = wte[ids[b, t], :] + wpe[t, :].
import type { FloatArray } from '../core/blas';

export function embeddingForward<T extends FloatArray>(out: T, ids: Int32Array, wte: T, wpe: T, B: number, Tn: number, C: number): void {
  for (let b = 0; b < B; b++) {
    for (let t = 0; t < Tn; t++) {
      const o = (b * Tn + t) * C;
      const e = ids[b * Tn + t] * C;
      for (let k = 0; k < C; k++) out[o + k] = wte[e + k] + wpe[t * C + k];
    }
  }
}

/** dwte, dwpe += the gradient of out. */
export function embeddingBackward<T extends FloatArray>(dwte: T, dwpe: T, dout: T, ids: Int32Array, B: number, Tn: number, C: number): void {
  for (let b = 0; b < B; b++) {
    for (let t = 0; t < Tn; t++) {
      const o = (b * Tn + t) * C;
      const e = ids[b * Tn + t] * C;
      for (let k = 0; k < C; k++) {
        dwte[e + k] += dout[o + k];
        dwpe[t * C + k] += dout[o + k];
      }
    }
  }
}
