// Fast Fourier transforms for power-of-2 lengths. The butterflies run in C (native/fft.c, ~2.4x
// faster at n = 2^10..2^16, bench/RESULTS.md "Core maths") when the addon is built, with the
// same twiddles from the plan below; in TypeScript otherwise. Complex data as separate re/im
// Float64Arrays, transformed in place.
// Conventions as numpy.fft: forward X_k = sum_j x_j e^{-2 pi i jk/n}, inverse scaled by 1/n.

import { nativeMaths } from './blas';

export type FftBackend = 'auto' | 'typescript';

interface Plan { n: number; cos: Float64Array; sin: Float64Array; bitrev: Uint32Array }
const plans = new Map<number, Plan>();

function checkLength(n: number, what: string): void {
  if (!Number.isInteger(n) || n < 1 || (n & (n - 1)) !== 0 || n > 2 ** 30) {
    throw new RangeError(`${what}: length must be a power of 2 (1, 2, 4, ..., 2^30), got ${n}`);
  }
}

/** Twiddles cos, sin of 2 pi k/n for k < n/2 and the bit-reversal permutation, computed once per n. */
function plan(n: number): Plan {
  let p = plans.get(n);
  if (p) return p;
  const half = n >> 1, cos = new Float64Array(half), sin = new Float64Array(half);
  // Each twiddle directly from Math.cos/sin (not by repeated multiplication, whose error grows with k).
  for (let k = 0; k < half; k++) { cos[k] = Math.cos((2 * Math.PI * k) / n); sin[k] = Math.sin((2 * Math.PI * k) / n); }
  const bitrev = new Uint32Array(n), bits = Math.log2(n);
  for (let i = 0; i < n; i++) {
    let r = 0;
    for (let b = 0, x = i; b < bits; b++, x >>= 1) r = (r << 1) | (x & 1);
    bitrev[i] = r;
  }
  p = { n, cos, sin, bitrev };
  plans.set(n, p);
  return p;
}

/**
 * Iterative radix-2 decimation-in-time FFT (Cooley & Tukey 1965; Golub & Van Loan, 4th ed.,
 * §1.4.1-1.4.2, Algorithm 1.4.2): bit-reversal permutation, then log2 n stages of butterflies.
 * sign = -1 forward, +1 inverse (unscaled).
 */
function transform(re: Float64Array, im: Float64Array, sign: 1 | -1, backend: FftBackend): void {
  const n = re.length;
  if (im.length !== n) throw new RangeError(`fft: re and im lengths differ (${n} vs ${im.length})`);
  checkLength(n, 'fft');
  const { cos, sin, bitrev } = plan(n);
  if (n === 1) return; // the identity (and its empty twiddle table has no data pointer in N-API)
  if (nativeMaths && backend === 'auto') { nativeMaths.fft(re, im, cos, sin, bitrev, sign); return; }
  for (let i = 0; i < n; i++) {
    const j = bitrev[i];
    if (j > i) {
      let t = re[i]; re[i] = re[j]; re[j] = t;
      t = im[i]; im[i] = im[j]; im[j] = t;
    }
  }
  for (let len = 2; len <= n; len <<= 1) {
    const half = len >> 1, stride = n / len;
    for (let start = 0; start < n; start += len) {
      for (let k = 0; k < half; k++) {
        const wr = cos[k * stride], wi = sign * sin[k * stride]; // e^{sign 2 pi i k/len}
        const a = start + k, b = a + half;
        const xr = re[b] * wr - im[b] * wi, xi = re[b] * wi + im[b] * wr;
        re[b] = re[a] - xr; im[b] = im[a] - xi;
        re[a] += xr; im[a] += xi;
      }
    }
  }
}

/** In-place forward DFT of the complex vector (re, im), length a power of 2. */
export function fft(re: Float64Array, im: Float64Array, backend: FftBackend = 'auto'): void {
  transform(re, im, -1, backend);
}

/** In-place inverse DFT (scaled by 1/n, so ifft(fft(x)) = x). */
export function ifft(re: Float64Array, im: Float64Array, backend: FftBackend = 'auto'): void {
  transform(re, im, 1, backend);
  const inv = 1 / re.length;
  for (let i = 0; i < re.length; i++) { re[i] *= inv; im[i] *= inv; }
}

export interface Spectrum { re: Float64Array; im: Float64Array }

/**
 * DFT of the real x (length n, a power of 2): the n/2 + 1 bins X_0..X_{n/2} (the rest are their
 * conjugates). One complex FFT of half length on z_j = x_{2j} + i x_{2j+1}, then split into the
 * transforms of the even and odd samples (E, O) and combine X_k = E_k + e^{-2 pi i k/n} O_k
 * (Press et al., Numerical Recipes, 3rd ed., §12.3.2): half the work of a complex FFT of x.
 */
export function rfft(x: Float64Array, backend: FftBackend = 'auto'): Spectrum {
  const n = x.length;
  checkLength(n, 'rfft');
  if (n === 1) return { re: Float64Array.of(x[0]), im: new Float64Array(1) };
  const half = n >> 1, zr = new Float64Array(half), zi = new Float64Array(half);
  for (let j = 0; j < half; j++) { zr[j] = x[2 * j]; zi[j] = x[2 * j + 1]; }
  fft(zr, zi, backend);
  const { cos, sin } = plan(n);
  const re = new Float64Array(half + 1), im = new Float64Array(half + 1);
  for (let k = 0; k <= half; k++) {
    const a = k % half, b = (half - k) % half;
    // E_k = (Z_k + conj Z_{-k}) / 2, O_k = (Z_k - conj Z_{-k}) / 2i.
    const er = (zr[a] + zr[b]) / 2, ei = (zi[a] - zi[b]) / 2;
    const or = (zi[a] + zi[b]) / 2, oi = -(zr[a] - zr[b]) / 2;
    const wr = k < half ? cos[k] : -1, wi = k < half ? -sin[k] : 0;
    re[k] = er + wr * or - wi * oi;
    im[k] = ei + wr * oi + wi * or;
  }
  return { re, im };
}

/**
 * Inverse of rfft: the real x of length n (default 2 (bins - 1); n = 1 needs one bin) whose
 * spectrum has the given first n/2 + 1 bins. The imaginary parts of X_0 and X_{n/2}, which a
 * real signal's spectrum does not have, are ignored. Undoes rfft's split in reverse:
 * E_k = (X_k + conj X_{n/2-k}) / 2, O_k = e^{2 pi i k/n} (X_k - conj X_{n/2-k}) / 2, Z_k = E_k + i O_k.
 */
export function irfft(re: Float64Array, im: Float64Array, n = 2 * (re.length - 1), backend: FftBackend = 'auto'): Float64Array {
  checkLength(n, 'irfft');
  if (re.length !== (n >> 1) + 1 || im.length !== re.length) {
    throw new RangeError(`irfft: a length-${n} signal needs ${(n >> 1) + 1} bins in re and im, got ${re.length} and ${im.length}`);
  }
  if (n === 1) return Float64Array.of(re[0]);
  const half = n >> 1, zr = new Float64Array(half), zi = new Float64Array(half);
  const { cos, sin } = plan(n);
  for (let k = 0; k < half; k++) {
    const b = half - k;
    const xr = re[k], xi = k === 0 ? 0 : im[k], yr = re[b], yi = b === half ? 0 : -im[b]; // y = conj X_{n/2-k}
    const er = (xr + yr) / 2, ei = (xi + yi) / 2;
    const dr = (xr - yr) / 2, di = (xi - yi) / 2;
    const or = cos[k] * dr - sin[k] * di, oi = cos[k] * di + sin[k] * dr;
    zr[k] = er - oi;
    zi[k] = ei + or;
  }
  ifft(zr, zi, backend);
  const x = new Float64Array(n);
  for (let j = 0; j < half; j++) { x[2 * j] = zr[j]; x[2 * j + 1] = zi[j]; }
  return x;
}
