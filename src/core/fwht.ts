// Fast Walsh-Hadamard transform: the inner loop of Fastfood random features. In C (native/fwht.c)
// when the addon is built, with this TypeScript loop as the fallback and the tests' reference.
import { nativeMaths } from './blas';

/**
 * x <- H x on each of the `rows` rows of the row-major X (row length n, a power of 2), in place,
 * unnormalised: H is the Sylvester Hadamard matrix H_1 = [1], H_2m = [H_m H_m; H_m -H_m], so
 * applying it twice multiplies by n. log2 n passes of butterflies (a, b) -> (a + b, a - b), O(n log n)
 * per row (Fino & Algazi, IEEE Trans. Computers C-25(11), 1976; Le, Sarlós & Smola, "Fastfood", ICML 2013).
 */
export function fwht(X: Float64Array, n = X.length, rows = 1, backend: 'auto' | 'typescript' = 'auto'): void {
  if (!Number.isInteger(n) || n < 1 || (n & (n - 1)) !== 0) throw new RangeError(`fwht: row length must be a power of 2, got ${n}`);
  if (!Number.isInteger(rows) || rows < 0 || rows * n > X.length) throw new RangeError(`fwht: ${rows} rows of ${n} need ${rows * n} values, X has ${X.length}`);
  if (nativeMaths && backend === 'auto') nativeMaths.fwht(X, rows, n);
  else for (let r = 0; r < rows; r++) fwhtRow(X, r * n, n);
}

function fwhtRow(x: Float64Array, off: number, n: number): void {
  for (let h = 1; h < n; h <<= 1) {
    for (let i = off; i < off + n; i += h << 1) {
      for (let j = i; j < i + h; j++) {
        const a = x[j], b = x[j + h];
        x[j] = a + b;
        x[j + h] = a - b;
      }
    }
  }
}
