// The native GEMM and the TypeScript fallback agree with a plain triple loop, for every
// transpose combination, both precisions, leading dimensions and subarray operands.
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { nativeBlas, typescriptBlas, blas, type Blas, type FloatArray } from '../../src/core/blas';
import { assertClose, randn } from '../helpers';

function reference(ta: boolean, tb: boolean, m: number, n: number, k: number, alpha: number,
  A: ArrayLike<number>, lda: number, B: ArrayLike<number>, ldb: number, beta: number, C: ArrayLike<number>, ldc: number): Float64Array {
  const out = Float64Array.from(C);
  for (let i = 0; i < m; i++) for (let j = 0; j < n; j++) {
    let s = 0;
    for (let p = 0; p < k; p++) s += (ta ? A[p * lda + i] : A[i * lda + p]) * (tb ? B[j * ldb + p] : B[p * ldb + j]);
    out[i * ldc + j] = alpha * s + beta * C[i * ldc + j];
  }
  return out;
}

const backends: [string, Blas][] = [['typescript', typescriptBlas]];
if (nativeBlas) backends.push(['openblas', nativeBlas]);

test('the native addon is built and active when OpenBLAS is installed (CI installs it)', () => {
  if (process.env.CONVEXFORMER_BLAS === 'typescript') return;
  assert.equal(blas.info().backend, 'openblas', `fallback in use: ${blas.info().reason}`);
});

for (const [name, b] of backends) {
  for (const f32 of [false, true]) {
    test(`${name} ${f32 ? 'sgemm' : 'dgemm'} matches the triple loop`, () => {
      const make = (len: number, seed: number): FloatArray => (f32 ? Float32Array.from(randn(len, seed)) : randn(len, seed));
      let seed = 1;
      for (const ta of [false, true]) for (const tb of [false, true]) for (const [m, n, k] of [[1, 1, 1], [7, 5, 3], [33, 17, 65], [4, 0, 3], [3, 4, 0]]) {
        const lda = (ta ? m : k) + 2;
        const ldb = (tb ? k : n) + 1;
        const ldc = n + 3;
        const A = make((ta ? k : m) * lda, seed++);
        const B = make((tb ? n : k) * ldb, seed++);
        const C = make(Math.max(m * ldc, 1), seed++);
        const want = reference(ta, tb, m, n, k, 0.7, A, lda, B, ldb, -0.3, C, ldc);
        b.gemm(ta, tb, m, n, k, 0.7, A, lda, B, ldb, -0.3, C, ldc);
        assertClose(C, want, f32 ? 2e-5 : 1e-12, `${ta}/${tb} ${m}x${n}x${k}`);
      }
    });
  }

  test(`${name} gemm works on subarrays and refuses short operands`, () => {
    const big = randn(100, 9);
    const A = big.subarray(10, 22); // 3 x 4
    const B = big.subarray(40, 48); // 4 x 2
    const C = new Float64Array(6);
    b.gemm(false, false, 3, 2, 4, 1, A, 4, B, 2, 0, C, 2);
    assertClose(C, reference(false, false, 3, 2, 4, 1, A, 4, B, 2, 0, new Float64Array(6), 2), 1e-13);
    assert.throws(() => b.gemm(false, false, 3, 2, 5, 1, A, 5, B, 2, 0, C, 2), /too short|short/);
  });
}

test('native and fallback agree on an operator-sized product', { skip: !nativeBlas }, () => {
  const X = randn(300 * 64, 3);
  const W = randn(10 * 64, 4);
  const a = new Float64Array(300 * 10);
  const c = new Float64Array(300 * 10);
  nativeBlas!.gemm(false, true, 300, 10, 64, 1, X, 64, W, 64, 0, a, 10);
  typescriptBlas.gemm(false, true, 300, 10, 64, 1, X, 64, W, 64, 0, c, 10);
  assertClose(a, c, 1e-12);
});
