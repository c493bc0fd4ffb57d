// Layer norm over the last dimension C of B rows, with learned scale and shift.
// The cache keeps mean and 1/std per row for the backward pass.
import type { FloatArray } from '../core/blas';

const EPS = 1e-5;

export function layerNormForward<T extends FloatArray>(
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

/** dinp += ..., dweight += ..., dbias += ... (accumulating, as the residual stream needs). */
export function layerNormBackward<T extends FloatArray>(
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
