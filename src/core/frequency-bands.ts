// Bands of frequencies along a length-s axis (s a power of 2) and the projections onto them: the
// real DFT's bins k = 0..s/2 split into B contiguous bands (bin k in band floor(k B / (s/2 + 1))),
// and Pi_b = F^-1 diag(1{k in band b}) F on real signals (a band of rfft bins is closed under
// conjugation, so Pi_b maps real signals to real signals). Each Pi_b is a real symmetric s x s
// projection, the B of them orthogonal to each other and summing to the identity. Block FNO's
// heads each live in one band (docs/sahiner-fno.md).
import { irfft, rfft } from './fft';

/** The band of each rfft bin k = 0..s/2. */
export function bandOfBins(s: number, bands: number): Int32Array {
  const K = (s >> 1) + 1;
  if (!(Number.isInteger(bands) && bands >= 1 && bands <= K)) throw new RangeError(`bands: ${bands} bands of ${K} frequencies`);
  return Int32Array.from({ length: K }, (_, k) => Math.floor((k * bands) / K));
}

/** Pi_b (s x s, row-major) for every band b. */
export function bandProjections(s: number, bands: number): Float64Array[] {
  const band = bandOfBins(s, bands);
  const P = Array.from({ length: bands }, () => new Float64Array(s * s));
  const e = new Float64Array(s);
  for (let j = 0; j < s; j++) {
    e.fill(0);
    e[j] = 1;
    const { re, im } = rfft(e);
    for (let b = 0; b < bands; b++) {
      const col = irfft(re.map((v, k) => (band[k] === b ? v : 0)), im.map((v, k) => (band[k] === b ? v : 0)), s);
      for (let i = 0; i < s; i++) P[b][i * s + j] = col[i];
    }
  }
  return P;
}
