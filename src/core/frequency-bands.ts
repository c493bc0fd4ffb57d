// Bands of frequencies along a length-s axis and the projections onto them: the real DFT's bins
// k = 0..floor(s/2) split into B contiguous bands (bin k in band floor(k B / K), K = floor(s/2) + 1),
// and Pi_b = F^-1 diag(1{k in band b}) F on real signals, bin k standing for k and s - k alike (a band
// of bins is closed under conjugation, so Pi_b maps real signals to real signals):
//   Pi_b[a, j] = (1/s) sum_{k = 0}^{s-1} 1{bin min(k, s - k) in band b} cos(2 pi k (a - j) / s).
// Each Pi_b is a real symmetric s x s projection, the B of them orthogonal to each other and summing
// to the identity. Block FNO's heads each live in one band (docs/sahiner-fno.md).

/** The band of each bin k = 0..floor(s/2). */
export function bandOfBins(s: number, bands: number): Int32Array {
  const K = Math.floor(s / 2) + 1;
  if (!(Number.isInteger(bands) && bands >= 1 && bands <= K)) throw new RangeError(`bands: ${bands} bands of ${K} frequencies`);
  return Int32Array.from({ length: K }, (_, k) => Math.floor((k * bands) / K));
}

/** Pi_b (s x s, row-major) for every band b. */
export function bandProjections(s: number, bands: number): Float64Array[] {
  const band = bandOfBins(s, bands);
  const P = Array.from({ length: bands }, () => new Float64Array(s * s));
  for (let a = 0; a < s; a++) for (let j = 0; j < s; j++) {
    const lag = (((a - j) % s) + s) % s;
    for (let k = 0; k < s; k++) P[band[Math.min(k, s - k)]][a * s + j] += Math.cos((2 * Math.PI * ((k * lag) % s)) / s) / s;
  }
  return P;
}
