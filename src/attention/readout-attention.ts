// Softmax attention for one query token per sample. A transformer whose answer is read from one
// token needs, in its last layer, that token's query only: every token's keys and values still
// enter, but the other tokens' outputs never reach the head. Shapes: q (B, C) the readout token's
// queries, kv (B, T, 2C) packed k|v of every token, out (B, C), and the softmax cache att
// (B, NH, T). The C kernels (native/attention.c) run when the addon is built; these loops are the
// reference and the fallback, and the tests hold them against the readout row of the full
// attention (multi-head.ts).
import type { FloatArray } from '../core/blas-types';
import { nativeAddon, nativeAddonMissing } from '../core/native-addon';
import { softmaxRow } from '../losses/softmax';
import type { AttentionShape } from './multi-head';

export interface NativeReadoutAttention {
  readoutAttentionForward(B: number, T: number, C: number, NH: number, scale: number, out: FloatArray, att: FloatArray, q: FloatArray, kv: FloatArray): void;
  readoutAttentionBackward(B: number, T: number, C: number, NH: number, scale: number, dq: FloatArray, dkv: FloatArray, dout: FloatArray, q: FloatArray, kv: FloatArray, att: FloatArray): void;
}

const kernelNames = ['readoutAttentionForward', 'readoutAttentionBackward'] as const;
export const nativeReadout = nativeAddon<NativeReadoutAttention>(kernelNames);
export const nativeReadoutReason = nativeAddonMissing(kernelNames);

export function readoutAttentionForward<T extends FloatArray>(out: T, att: T, q: T, kv: T, s: AttentionShape): void {
  if (nativeReadout) nativeReadout.readoutAttentionForward(s.B, s.T, s.C, s.NH, s.scale, out, att, q, kv);
  else readoutAttentionForwardTs(out, att, q, kv, s);
}

/** dq (B, C) and dkv (B, T, 2C) += the gradient through the attention; `att` is the forward cache. */
export function readoutAttentionBackward<T extends FloatArray>(
  dq: T, dkv: T, dout: T, q: T, kv: T, att: T, s: AttentionShape,
): void {
  if (nativeReadout) nativeReadout.readoutAttentionBackward(s.B, s.T, s.C, s.NH, s.scale, dq, dkv, dout, q, kv, att);
  else readoutAttentionBackwardTs(dq, dkv, dout, q, kv, att, s);
}

export function readoutAttentionForwardTs<T extends FloatArray>(out: T, att: T, q: T, kv: T, s: AttentionShape): void {
  const { B, T: Tn, C, NH, scale } = s;
  const hs = C / NH, C2 = 2 * C;
  for (let b = 0; b < B; b++) {
    for (let h = 0; h < NH; h++) {
      const qo = b * C + h * hs, a = (b * NH + h) * Tn;
      for (let u = 0; u < Tn; u++) {
        const k = (b * Tn + u) * C2 + h * hs;
        let dot = 0;
        for (let i = 0; i < hs; i++) dot += q[qo + i] * kv[k + i];
        att[a + u] = dot * scale;
      }
      softmaxRow(att, att, a, Tn);
      for (let i = 0; i < hs; i++) out[qo + i] = 0;
      for (let u = 0; u < Tn; u++) {
        const v = (b * Tn + u) * C2 + C + h * hs, w = att[a + u];
        for (let i = 0; i < hs; i++) out[qo + i] += w * kv[v + i];
      }
    }
  }
}

export function readoutAttentionBackwardTs<T extends FloatArray>(
  dq: T, dkv: T, dout: T, q: T, kv: T, att: T, s: AttentionShape,
): void {
  const { B, T: Tn, C, NH, scale } = s;
  const hs = C / NH, C2 = 2 * C;
  const datt = new Float64Array(Tn);
  for (let b = 0; b < B; b++) {
    for (let h = 0; h < NH; h++) {
      const o = b * C + h * hs, a = (b * NH + h) * Tn;
      // out = att V: datt_u = <dout, v_u>, dv_u += att_u dout
      let inner = 0;
      for (let u = 0; u < Tn; u++) {
        const v = (b * Tn + u) * C2 + C + h * hs, w = att[a + u];
        let dot = 0;
        for (let i = 0; i < hs; i++) {
          dot += dout[o + i] * kv[v + i];
          dkv[v + i] += w * dout[o + i];
        }
        datt[u] = dot;
        inner += w * dot;
      }
      // softmax backward: dpre_u = att_u (datt_u - sum_w att_w datt_w), then through scale q.k_u
      for (let u = 0; u < Tn; u++) {
        const dpre = att[a + u] * (datt[u] - inner) * scale;
        const k = (b * Tn + u) * C2 + h * hs;
        for (let i = 0; i < hs; i++) {
          dq[o + i] += dpre * kv[k + i];
          dkv[k + i] += dpre * q[o + i];
        }
      }
    }
  }
}
