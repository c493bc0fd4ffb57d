// Token embedding with learned positions: out[b, t, :] = wte[ids[b, t], :] + wpe[t, :].
// The C loops (native/elementwise.c, bit-identical) run when the addon is built; these are the
// reference and the fallback.
import type { FloatArray } from '../core/blas';
import { nativeAddon, nativeAddonMissing } from '../core/native-addon';

export interface NativeEmbedding {
  embeddingForward(B: number, T: number, C: number, out: FloatArray, ids: Int32Array, wte: FloatArray, wpe: FloatArray): void;
  embeddingBackward(B: number, T: number, C: number, dwte: FloatArray, dwpe: FloatArray, dout: FloatArray, ids: Int32Array): void;
}
const kernelNames = ['embeddingForward', 'embeddingBackward'] as const;
export const nativeEmbedding = nativeAddon<NativeEmbedding>(kernelNames);
export const nativeEmbeddingReason = nativeAddonMissing(kernelNames);

export function embeddingForward<T extends FloatArray>(out: T, ids: Int32Array, wte: T, wpe: T, B: number, Tn: number, C: number): void {
  if (nativeEmbedding) nativeEmbedding.embeddingForward(B, Tn, C, out, ids, wte, wpe);
  else embeddingForwardTs(out, ids, wte, wpe, B, Tn, C);
}

/** dwte, dwpe += the gradient of out. */
export function embeddingBackward<T extends FloatArray>(dwte: T, dwpe: T, dout: T, ids: Int32Array, B: number, Tn: number, C: number): void {
  if (nativeEmbedding) nativeEmbedding.embeddingBackward(B, Tn, C, dwte, dwpe, dout, ids);
  else embeddingBackwardTs(dwte, dwpe, dout, ids, B, Tn, C);
}

export function embeddingForwardTs<T extends FloatArray>(out: T, ids: Int32Array, wte: T, wpe: T, B: number, Tn: number, C: number): void {
  for (let b = 0; b < B; b++) {
    for (let t = 0; t < Tn; t++) {
      const o = (b * Tn + t) * C;
      const e = ids[b * Tn + t] * C;
      for (let k = 0; k < C; k++) out[o + k] = wte[e + k] + wpe[t * C + k];
    }
  }
}

export function embeddingBackwardTs<T extends FloatArray>(dwte: T, dwpe: T, dout: T, ids: Int32Array, B: number, Tn: number, C: number): void {
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
