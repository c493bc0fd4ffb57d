// FFT, inverse FFT, rfft and irfft against a plain O(n^2) DFT, on both paths; the C butterflies
// against the TypeScript ones whenever the addon is built (skipped, with the reason, when not).
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { nativeMaths, nativeMathsReason } from '../../src/core/blas';
import { fft, ifft, rfft, irfft, type FftBackend } from '../../src/core/fft';
import { randn } from '../helpers';

const backends: [FftBackend, string][] = [['typescript', 'typescript']];
if (nativeMaths) backends.push(['auto', 'native']);

/** X_k = sum_j x_j e^{sign 2 pi i jk/n}, with the angle reduced mod n so that it stays exact. */
function dft(re: ArrayLike<number>, im: ArrayLike<number>, sign: number): [Float64Array, Float64Array] {
  const n = re.length, Xr = new Float64Array(n), Xi = new Float64Array(n);
  for (let k = 0; k < n; k++) for (let j = 0; j < n; j++) {
    const t = (sign * 2 * Math.PI * ((j * k) % n)) / n, c = Math.cos(t), s = Math.sin(t);
    Xr[k] += re[j] * c - im[j] * s;
    Xi[k] += re[j] * s + im[j] * c;
  }
  return [Xr, Xi];
}
const maxDiff = (a: ArrayLike<number>, b: ArrayLike<number>) => { assert.equal(a.length, b.length); let m = 0; for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i])); return m; };
const norm = (a: ArrayLike<number>) => Math.sqrt(Array.from(a).reduce((s, x) => s + x * x, 0));

// The FFT's error is O(eps log n) ||x||_2 per bin (its rounding error grows with log2 n stages;
// the DFT reference's own error is O(eps sqrt n) ||x||); 1e-13 ||x|| covers both up to n = 1024.
const lengths = [1, 2, 4, 8, 64, 1024];

for (const [backend, name] of backends) {
  test(`${name} fft and ifft match the O(n^2) DFT and undo each other`, () => {
    for (const n of lengths) {
      const re = randn(n, n), im = randn(n, n + 1), x = Float64Array.from(re), y = Float64Array.from(im);
      const [Xr, Xi] = dft(re, im, -1), tol = 1e-13 * norm([...re, ...im]);
      fft(x, y, backend);
      assert.ok(maxDiff(x, Xr) <= tol * Math.sqrt(n) && maxDiff(y, Xi) <= tol * Math.sqrt(n), `fft n=${n}: ${maxDiff(x, Xr)}, ${maxDiff(y, Xi)}`);
      const [Ir, Ii] = dft(re, im, 1);
      const u = Float64Array.from(re), v = Float64Array.from(im);
      ifft(u, v, backend);
      assert.ok(maxDiff(u, Ir.map((a) => a / n)) <= tol && maxDiff(v, Ii.map((a) => a / n)) <= tol, `ifft n=${n}`);
      ifft(x, y, backend);
      assert.ok(maxDiff(x, re) <= tol && maxDiff(y, im) <= tol, `ifft(fft(x)) n=${n}`);
    }
  });

  test(`${name} rfft gives the first n/2 + 1 DFT bins of a real signal; irfft inverts it`, () => {
    for (const n of lengths) {
      const x = randn(n, 100 + n), copy = Float64Array.from(x);
      const [Xr, Xi] = dft(x, new Float64Array(n), -1), half = (n >> 1) + 1, tol = 1e-13 * norm(x);
      const { re, im } = rfft(x, backend);
      assert.equal(re.length, n === 1 ? 1 : half);
      assert.ok(maxDiff(re, Xr.subarray(0, re.length)) <= tol * Math.sqrt(n) && maxDiff(im, Xi.subarray(0, re.length)) <= tol * Math.sqrt(n), `rfft n=${n}`);
      assert.deepEqual(x, copy, 'rfft modified its input');
      assert.ok(maxDiff(irfft(re, im, n, backend), x) <= tol, `irfft(rfft(x)) n=${n}`);
    }
  });
}

test('irfft of a Hermitian spectrum from the DFT is the real signal (not only the inverse of rfft)', () => {
  const n = 16, x = randn(n, 7), [Xr, Xi] = dft(x, new Float64Array(n), -1);
  assert.ok(maxDiff(irfft(Xr.subarray(0, 9), Xi.subarray(0, 9)), x) <= 1e-13 * norm(x) * 4);
});

test('non-power-of-2 lengths are refused with a clear error', () => {
  assert.throws(() => fft(new Float64Array(6), new Float64Array(6)), /power of 2.*got 6/);
  assert.throws(() => fft(new Float64Array(0), new Float64Array(0)), /power of 2.*got 0/);
  assert.throws(() => fft(new Float64Array(4), new Float64Array(8)), /lengths differ/);
  assert.throws(() => rfft(new Float64Array(12)), /rfft: length must be a power of 2/);
  assert.throws(() => irfft(new Float64Array(4), new Float64Array(4)), /irfft: length must be a power of 2.*got 6/);
  assert.throws(() => irfft(new Float64Array(4), new Float64Array(4), 8), /needs 5 bins/);
});

test('native and TypeScript FFT agree (same twiddles, same butterflies)', { skip: nativeMaths ? false : `addon not in use, native FFT not tested: ${nativeMathsReason}` }, () => {
  for (const n of [1, 2, 8, 4096]) {
    const re = randn(n, 40 + n), im = randn(n, 41 + n), a = [Float64Array.from(re), Float64Array.from(im)], b = [Float64Array.from(re), Float64Array.from(im)];
    fft(a[0], a[1]); fft(b[0], b[1], 'typescript');
    // Identical operations in the same order, so equal up to the compiler's contraction of a*b - c*d
    // into a fused multiply-add (not done for the default x86-64 target, but allowed by C).
    const tol = 1e-13 * norm([...re, ...im]); // FFT rounding: O(eps log2 n) ||x||
    assert.ok(maxDiff(a[0], b[0]) <= tol && maxDiff(a[1], b[1]) <= tol, `n=${n}`);
    ifft(a[0], a[1]); ifft(b[0], b[1], 'typescript');
    assert.ok(maxDiff(a[0], b[0]) <= tol && maxDiff(a[1], b[1]) <= tol, `inverse n=${n}`);
  }
});
