// Multi-head softmax self-attention core (eq. 1-2), non-causal: for each sample and head,
//   att = softmax(scale * Q K^T) (T x T),  out = att V.
// inp is packed qkv (B, T, 3C) as produced by one linear layer X [Wq Wk Wv]; out is (B, T, C);
// the cache `att` (B, NH, T, T) holds the softmax for the backward pass. W_o is a linear layer
// after this one. The fused C kernels (native/attention.c) run when the addon is built; these
// TypeScript loops are the reference and the fallback.
import type { FloatArray } from '../core/blas-types';
import { nativeAddon, nativeAddonMissing } from '../core/native-addon';
import { softmaxRow } from '../losses/softmax';

/** Fused loops in C (native/attention.c), same contracts as the TypeScript references below. */
export interface NativeAttention {
  attentionForward(B: number, T: number, C: number, NH: number, scale: number, out: FloatArray, att: FloatArray, inp: FloatArray): void;
  attentionBackward(B: number, T: number, C: number, NH: number, scale: number, dinp: FloatArray, dout: FloatArray, inp: FloatArray, att: FloatArray): void;
}

const kernelNames = ['attentionForward', 'attentionBackward'] as const;

/** The C kernels, or null when the addon did not load (nativeAttentionReason says why). */
export const nativeAttention = nativeAddon<NativeAttention>(kernelNames);
export const nativeAttentionReason = nativeAddonMissing(kernelNames);

export interface AttentionShape {
  B: number;
  T: number;
  C: number;
  NH: number;
  /** multiplies Q K^T; 1/sqrt(C/NH) in a transformer, 1 in eq. (2) */
  scale: number;
}

export function attentionForwardTs<T extends FloatArray>(out: T, att: T, inp: T, s: AttentionShape): void {
  const { B, T: Tn, C, NH, scale } = s;
  const hs = C / NH;
  const C3 = 3 * C;
  for (let b = 0; b < B; b++) {
    for (let h = 0; h < NH; h++) {
      for (let t = 0; t < Tn; t++) {
        const q = b * Tn * C3 + t * C3 + h * hs;
        const a = ((b * NH + h) * Tn + t) * Tn;
        for (let u = 0; u < Tn; u++) {
          const k = b * Tn * C3 + u * C3 + C + h * hs;
          let dot = 0;
          for (let i = 0; i < hs; i++) dot += inp[q + i] * inp[k + i];
          att[a + u] = dot * scale;
        }
        softmaxRow(att, att, a, Tn);
        const o = (b * Tn + t) * C + h * hs;
        for (let i = 0; i < hs; i++) out[o + i] = 0;
        for (let u = 0; u < Tn; u++) {
          const v = b * Tn * C3 + u * C3 + 2 * C + h * hs;
          const w = att[a + u];
          for (let i = 0; i < hs; i++) out[o + i] += w * inp[v + i];
        }
      }
    }
  }
}

/** dinp (B, T, 3C) += the gradient through the attention; `att` is the forward cache. */
export function attentionBackwardTs<T extends FloatArray>(dinp: T, dout: T, inp: T, att: T, s: AttentionShape): void {
  const { B, T: Tn, C, NH, scale } = s;
  const hs = C / NH;
  const C3 = 3 * C;
  const datt = new Float64Array(Tn);
  for (let b = 0; b < B; b++) {
    for (let h = 0; h < NH; h++) {
      for (let t = 0; t < Tn; t++) {
        const a = ((b * NH + h) * Tn + t) * Tn;
        const o = (b * Tn + t) * C + h * hs;
        // out = att V: datt_u = <dout, v_u>, dv_u += att_u dout
        for (let u = 0; u < Tn; u++) {
          const v = b * Tn * C3 + u * C3 + 2 * C + h * hs;
          let dot = 0;
          for (let i = 0; i < hs; i++) {
            dot += dout[o + i] * inp[v + i];
            dinp[v + i] += att[a + u] * dout[o + i];
          }
          datt[u] = dot;
        }
        // softmax backward: dpre_u = att_u (datt_u - sum_w att_w datt_w)
        let inner = 0;
        for (let u = 0; u < Tn; u++) inner += att[a + u] * datt[u];
        const q = b * Tn * C3 + t * C3 + h * hs;
        for (let u = 0; u < Tn; u++) {
          const dpre = att[a + u] * (datt[u] - inner) * scale;
          const k = b * Tn * C3 + u * C3 + C + h * hs;
          for (let i = 0; i < hs; i++) {
            dinp[q + i] += dpre * inp[k + i];
            dinp[k + i] += dpre * inp[q + i];
          }
        }
      }
    }
  }
}

export function attentionForward<T extends FloatArray>(out: T, att: T, inp: T, s: AttentionShape): void {
  if (nativeAttention) nativeAttention.attentionForward(s.B, s.T, s.C, s.NH, s.scale, out, att, inp);
  else attentionForwardTs(out, att, inp, s);
}

export function attentionBackward<T extends FloatArray>(dinp: T, dout: T, inp: T, att: T, s: AttentionShape): void {
  if (nativeAttention) nativeAttention.attentionBackward(s.B, s.T, s.C, s.NH, s.scale, dinp, dout, inp, att);
  else attentionBackwardTs(dinp, dout, inp, att, s);
}
