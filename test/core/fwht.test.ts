// FWHT against the explicit Sylvester Hadamard product; native against TypeScript when built.
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { nativeMaths, nativeMathsReason } from '../../src/core/blas';
import { fwht } from '../../src/core/fwht';
import { randn } from '../helpers';

/** H_n[i][j] = (-1)^popcount(i & j): the Sylvester construction written entrywise. */
function hadamardTimes(x: Float64Array, n: number): Float64Array {
  const y = new Float64Array(n);
  for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) {
    let b = i & j, parity = 0;
    while (b) { parity ^= b & 1; b >>= 1; }
    y[i] += parity ? -x[j] : x[j];
  }
  return y;
}
const maxDiff = (a: ArrayLike<number>, b: ArrayLike<number>) => { let m = 0; for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i])); return m; };
const backends: ['auto' | 'typescript', string][] = [['typescript', 'typescript']];
if (nativeMaths) backends.push(['auto', 'native']);

for (const [backend, name] of backends) {
  test(`${name} fwht equals the Hadamard matrix product, per row, in place`, () => {
    for (const n of [1, 2, 4, 8, 64, 512]) {
      const rows = 3, X = randn(rows * n + 2, n); // two trailing values the transform must not touch
      const copy = Float64Array.from(X);
      fwht(X, n, rows, backend);
      for (let r = 0; r < rows; r++) {
        const want = hadamardTimes(copy.subarray(r * n, r * n + n), n);
        // Sums of n terms of size ~1: error ~ log2(n) eps sqrt(n); 1e-12 n is generous and still fails on any sign error.
        assert.ok(maxDiff(X.subarray(r * n, r * n + n), want) <= 1e-12 * n, `n=${n} row ${r}`);
      }
      assert.deepEqual(X.subarray(rows * n), copy.subarray(rows * n), 'values past the rows changed');
    }
  });

  test(`${name} fwht applied twice is n times the identity; bad shapes are refused`, () => {
    const x = randn(256, 3), y = Float64Array.from(x);
    fwht(y, 256, 1, backend); fwht(y, 256, 1, backend);
    assert.ok(maxDiff(y.map((v) => v / 256), x) <= 1e-14 * 16);
    assert.throws(() => fwht(new Float64Array(12), 12, 1, backend), /power of 2, got 12/);
    assert.throws(() => fwht(new Float64Array(8), 4, 3, backend), /3 rows of 4 need 12/);
  });
}

test('native and TypeScript fwht agree bit for bit (same butterflies, same order)', { skip: nativeMaths ? false : `addon not in use, native FWHT not tested: ${nativeMathsReason}` }, () => {
  const a = randn(64 * 1024, 5), b = Float64Array.from(a);
  fwht(a, 1024, 64); fwht(b, 1024, 64, 'typescript');
  assert.deepEqual(a, b);
});
