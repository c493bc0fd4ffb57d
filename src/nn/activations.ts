// Position-wise nonlinearities of the MLP: ReLU, and gated ReLU (the activation of Theorem 3),
// where a fixed gate pre-activation g decides which units pass: out = 1{g >= 0} * inp.
// The loops are branch-free (abs, and multiplying by a 0/1 comparison): with random signs a
// branch mispredicts half the time, which made ReLU 4x slower than these forms.
// ReLU's C loops (native/elementwise.c, bit-identical) run when the addon is built.
import type { FloatArray } from '../core/blas';
import { nativeAddon, nativeAddonMissing } from '../core/native-addon';

export interface NativeRelu {
  reluForward(out: FloatArray, inp: FloatArray): void;
  reluBackward(dinp: FloatArray, dout: FloatArray, inp: FloatArray): void;
}
const kernelNames = ['reluForward', 'reluBackward'] as const;
export const nativeRelu = nativeAddon<NativeRelu>(kernelNames);
export const nativeReluReason = nativeAddonMissing(kernelNames);

export function reluForward<T extends FloatArray>(out: T, inp: T): void {
  if (nativeRelu) nativeRelu.reluForward(out, inp);
  else reluForwardTs(out, inp);
}

/** dinp += 1{inp > 0} dout */
export function reluBackward<T extends FloatArray>(dinp: T, dout: T, inp: T): void {
  if (nativeRelu) nativeRelu.reluBackward(dinp, dout, inp);
  else reluBackwardTs(dinp, dout, inp);
}

export function reluForwardTs<T extends FloatArray>(out: T, inp: T): void {
  const n = inp.length;
  for (let i = 0; i < n; i++) {
    const v = inp[i];
    out[i] = 0.5 * (v + Math.abs(v));
  }
}

export function reluBackwardTs<T extends FloatArray>(dinp: T, dout: T, inp: T): void {
  const n = inp.length;
  for (let i = 0; i < n; i++) dinp[i] += dout[i] * +(inp[i] > 0);
}

export function gatedReluForward<T extends FloatArray>(out: T, inp: T, gate: T): void {
  const n = inp.length;
  for (let i = 0; i < n; i++) out[i] = inp[i] * +(gate[i] >= 0);
}

/** dinp += 1{gate >= 0} dout; the gate is fixed, so it receives no gradient. */
export function gatedReluBackward<T extends FloatArray>(dinp: T, dout: T, gate: T): void {
  const n = dout.length;
  for (let i = 0; i < n; i++) dinp[i] += dout[i] * +(gate[i] >= 0);
}

/** out = a + b (the residual connection); its backward adds dout to both inputs' gradients. */
export function residualForward<T extends FloatArray>(out: T, a: T, b: T): void {
  for (let i = 0; i < a.length; i++) out[i] = a[i] + b[i];
}
