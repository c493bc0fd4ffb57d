// The native GEMM and the TypeScript fallback agree with a plain triple loop, for every
// transpose combination, both precisions, leading dimensions and subarray operands; and, whenever
// the addon is loaded, with each other (a skip says why when it is not).
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

/** Why native GEMM is not compared with the TypeScript one, or false when it is. */
const noNative = nativeBlas ? false : `native GEMM not compared with TypeScript: ${typescriptBlas.info().reason}`;

test('the native addon is built and active when OpenBLAS is installed (CI installs it)',
  { skip: process.env.CONVEXFORMER_BLAS === 'typescript' && 'CONVEXFORMER_BLAS=typescript asks for the fallback' }, () => {
    assert.equal(blas.info().backend, 'openblas', `fallback in use: ${blas.info().reason}`);
    assert.equal(blas, nativeBlas);
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

test('native and TypeScript GEMM agree, every transpose, both precisions, operator-sized shapes', { skip: noNative }, () => {
  const native = nativeBlas!;
  // two different implementations, or this test would compare the fallback with itself
  assert.notEqual(native.gemm, typescriptBlas.gemm);
  assert.equal(native.info().backend, 'openblas');
  let seed = 100;
  for (const f32 of [false, true]) {
    const make = (len: number): FloatArray => (f32 ? Float32Array.from(randn(len, seed++)) : randn(len, seed++));
    for (const ta of [false, true]) for (const tb of [false, true]) for (const [m, n, k] of [[300, 10, 64], [64, 300, 10], [17, 33, 129]]) {
      const A = make(m * k), B = make(k * n), C0 = make(m * n);
      const [lda, ldb] = [ta ? m : k, tb ? k : n];
      const cNative = C0.slice(), cTs = C0.slice();
      native.gemm(ta, tb, m, n, k, 0.7, A, lda, B, ldb, -0.3, cNative, n);
      typescriptBlas.gemm(ta, tb, m, n, k, 0.7, A, lda, B, ldb, -0.3, cTs, n);
      assertClose(cNative, cTs, f32 ? 2e-5 : 1e-12, `${f32 ? 'sgemm' : 'dgemm'} ${ta}/${tb} ${m}x${n}x${k}`);
      assert.ok(cTs.some((v, i) => v !== C0[i]), 'the product changed C');
    }
  }
});
