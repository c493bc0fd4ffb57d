// Position-wise nonlinearities of the MLP: ReLU, and gated ReLU (the activation of Theorem 3),
// where a fixed gate pre-activation g decides which units pass: out = 1{g >= 0} * inp.
import type { FloatArray } from '../core/blas';

export function reluForward<T extends FloatArray>(out: T, inp: T): void {
  for (let i = 0; i < inp.length; i++) out[i] = inp[i] > 0 ? inp[i] : 0;
}

/** dinp += 1{inp > 0} dout */
export function reluBackward<T extends FloatArray>(dinp: T, dout: T, inp: T): void {
  for (let i = 0; i < inp.length; i++) if (inp[i] > 0) dinp[i] += dout[i];
}

export function gatedReluForward<T extends FloatArray>(out: T, inp: T, gate: T): void {
  for (let i = 0; i < inp.length; i++) out[i] = gate[i] >= 0 ? inp[i] : 0;
}

/** dinp += 1{gate >= 0} dout; the gate is fixed, so it receives no gradient. */
export function gatedReluBackward<T extends FloatArray>(dinp: T, dout: T, gate: T): void {
  for (let i = 0; i < dout.length; i++) if (gate[i] >= 0) dinp[i] += dout[i];
}

/** out = a + b (the residual connection); its backward adds dout to both inputs' gradients. */
export function residualForward<T extends FloatArray>(out: T, a: T, b: T): void {
  for (let i = 0; i < a.length; i++) out[i] = a[i] + b[i];
}
