// Layer norm over the last dimension C of B rows, with learned scale and shift.
// The cache keeps mean and 1/std per row for the backward pass. The C kernels
// (native/layernorm.c) run when the addon is built; these loops are the reference and fallback.
import type { FloatArray } from '../core/blas';
import { nativeAddon, nativeAddonMissing } from '../core/native-addon';

/** The fused loops in C, same contracts as the TypeScript references below. */
export interface NativeLayerNorm {
  layerNormForward(B: number, C: number, out: FloatArray, mean: FloatArray, rstd: FloatArray, inp: FloatArray, weight: FloatArray, bias: FloatArray): void;
  layerNormBackward(B: number, C: number, dinp: FloatArray, dweight: FloatArray, dbias: FloatArray, dout: FloatArray, inp: FloatArray, weight: FloatArray, mean: FloatArray, rstd: FloatArray): void;
}

const kernelNames = ['layerNormForward', 'layerNormBackward'] as const;
export const nativeLayerNorm = nativeAddon<NativeLayerNorm>(kernelNames);
export const nativeLayerNormReason = nativeAddonMissing(kernelNames);

export function layerNormForward<T extends FloatArray>(
  out: T, mean: T, rstd: T, inp: T, weight: T, bias: T, B: number, C: number,
): void {
  if (nativeLayerNorm) nativeLayerNorm.layerNormForward(B, C, out, mean, rstd, inp, weight, bias);
  else layerNormForwardTs(out, mean, rstd, inp, weight, bias, B, C);
}

/** dinp += ..., dweight += ..., dbias += ... (accumulating, as the residual stream needs). */
export function layerNormBackward<T extends FloatArray>(
  dinp: T, dweight: T, dbias: T, dout: T, inp: T, weight: T, mean: T, rstd: T, B: number, C: number,
): void {
  if (nativeLayerNorm) nativeLayerNorm.layerNormBackward(B, C, dinp, dweight, dbias, dout, inp, weight, mean, rstd);
  else layerNormBackwardTs(dinp, dweight, dbias, dout, inp, weight, mean, rstd, B, C);
}

const EPS = 1e-5;

export function layerNormForwardTs<T extends FloatArray>(
  out: T, mean: T, rstd: T, inp: T, weight: T, bias: T, B: number, C: number,
): void {
  for (let i = 0; i < B; i++) {
    const o = i * C;
    let m = 0;
    for (let k = 0; k < C; k++) m += inp[o + k];
    m /= C;
    let v = 0;
    for (let k = 0; k < C; k++) v += (inp[o + k] - m) ** 2;
    const s = 1 / Math.sqrt(v / C + EPS);
    for (let k = 0; k < C; k++) out[o + k] = (inp[o + k] - m) * s * weight[k] + bias[k];
    mean[i] = m;
    rstd[i] = s;
  }
}

export function layerNormBackwardTs<T extends FloatArray>(
  dinp: T, dweight: T, dbias: T, dout: T, inp: T, weight: T, mean: T, rstd: T, B: number, C: number,
): void {
  for (let i = 0; i < B; i++) {
    const o = i * C;
    const m = mean[i], s = rstd[i];
    let dnormMean = 0, dnormNormMean = 0;
    for (let k = 0; k < C; k++) {
      const norm = (inp[o + k] - m) * s;
      const dnorm = weight[k] * dout[o + k];
      dnormMean += dnorm;
      dnormNormMean += dnorm * norm;
    }
    dnormMean /= C;
    dnormNormMean /= C;
    for (let k = 0; k < C; k++) {
      const norm = (inp[o + k] - m) * s;
      const dnorm = weight[k] * dout[o + k];
      dbias[k] += dout[o + k];
      dweight[k] += norm * dout[o + k];
      dinp[o + k] += s * (dnorm - dnormMean - norm * dnormNormMean);
    }
  }
}
