// The two output forms of the Sahiner models (linear-mhsa-model.ts's MhsaOutput): one row per token,
// or their mean over the tokens. A model computes a sample's s x c rows F; these put them into the
// batch's predictions and take the gradient of the loss back to F.
import type { MhsaOutput } from './linear-mhsa-model';

/** Sample i's rows F (s x c) into out: all of them ('tokens', (B, s, c)) or their mean ('mean', (B, c)). */
export function putSampleOutput(F: Float64Array, out: Float64Array, i: number, s: number, c: number, output: MhsaOutput): void {
  if (output === 'tokens') {
    out.set(F.subarray(0, s * c), i * s * c);
    return;
  }
  for (let e = 0; e < c; e++) {
    let v = 0;
    for (let a = 0; a < s; a++) v += F[a * c + e];
    out[i * c + e] = v / s;
  }
}

/** d loss / dF for sample i, into dF (s x c): its rows of dpred, or its mean's gradient spread over the tokens. */
export function sampleOutputGradient(dpred: Float64Array, dF: Float64Array, i: number, s: number, c: number, output: MhsaOutput): void {
  if (output === 'tokens') dF.set(dpred.subarray(i * s * c, (i + 1) * s * c));
  else for (let a = 0; a < s; a++) for (let e = 0; e < c; e++) dF[a * c + e] = dpred[i * c + e] / s;
}
