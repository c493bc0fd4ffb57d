// Matrix-free operators against an explicit dense matrix built entry by entry from the
// definitions in eq. (10) and (12), plus the adjoint identity <A w, r> = <w, A^T r>.
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { AttentionOperator } from '../../src/convex/operators/attention';
import { GatedOperator } from '../../src/convex/operators/gated';
import { DenseOperator } from '../../src/convex/operators/dense';
import { computeGates } from '../../src/convex/operators/gates';
import type { LinearOperator } from '../../src/convex/types';
import { dot } from '../../src/core/vec';
import { headScores } from '../../src/attention/head-scores';
import { assertClose, randn, relDiff } from '../helpers';

const N = 23, n = 4, d = 3, c = 2, h = 3;
const X = randn(N * n * d, 1);
const U1 = randn(h * n, 2);
const U2 = randn(h * d, 3);

function gatesByLoop(): Uint8Array {
  const D = new Uint8Array(N * h);
  for (let i = 0; i < N; i++) for (let j = 0; j < h; j++) {
    let s = 0;
    for (let k = 0; k < n; k++) for (let m = 0; m < d; m++) s += U1[j * n + k] * X[(i * n + k) * d + m] * U2[j * d + m];
    D[i * h + j] = s >= 0 ? 1 : 0;
  }
  return D;
}

/** Dense A with rows (i, l) and columns (j, l', k, m): D_ij X[i,k,m] when l = l'. */
function denseReference(D: Uint8Array | null, Xs: Float64Array = X): DenseOperator {
  const hh = D ? h : 1;
  const cols = hh * c * n * d;
  const A = new Float64Array(N * c * cols);
  for (let i = 0; i < N; i++) for (let l = 0; l < c; l++) for (let j = 0; j < hh; j++) {
    if (D && !D[i * h + j]) continue;
    for (let k = 0; k < n; k++) for (let m = 0; m < d; m++) {
      A[(i * c + l) * cols + ((j * c + l) * n + k) * d + m] = Xs[(i * n + k) * d + m];
    }
  }
  return new DenseOperator(A, N * c, cols);
}

function checkAgainst(op: LinearOperator, ref: LinearOperator, tol: number): void {
  assert.equal(op.rows, ref.rows);
  assert.equal(op.cols, ref.cols);
  const w = randn(op.cols, 7);
  const r = randn(op.rows, 8);
  const a = new Float64Array(op.rows), b = new Float64Array(op.rows);
  op.apply(w, a);
  ref.apply(w, b);
  assertClose(a, b, tol, 'apply');
  const g = new Float64Array(op.cols), e = new Float64Array(op.cols);
  op.applyT(r, g);
  ref.applyT(r, e);
  assertClose(g, e, tol, 'applyT');
  assert.ok(relDiff(dot(a, r), dot(w, g)) < tol * 10, 'adjoint identity');
  assert.ok(relDiff(op.normEstimate(), ref.normEstimate()) < 1e-3, 'norm estimate');
}

test('gates from the GEMM path equal the plain loop, and are not all equal', () => {
  const D = computeGates(X, N, n, d, U1, U2, h);
  assert.deepEqual(D, gatesByLoop());
  const ones = D.reduce((s, v) => s + v, 0);
  assert.ok(ones > 0 && ones < D.length);
});

test('attention operator (eq. 10) equals the dense reference', () => {
  checkAgainst(new AttentionOperator(X, N, n, d, c), denseReference(null), 1e-12);
});

test('gated operator (eq. 12) equals the dense reference', () => {
  const D = gatesByLoop();
  checkAgainst(new GatedOperator(X, N, n, d, c, D, h), denseReference(D), 1e-12);
});

test('float32 operators agree with the dense reference to single precision', () => {
  const D = gatesByLoop();
  const f32 = { precision: 'float32' } as const;
  checkAgainst(new AttentionOperator(Float32Array.from(X), N, n, d, c, f32), denseReference(null), 1e-5);
  checkAgainst(new GatedOperator(Float32Array.from(X), N, n, d, c, D, h, f32), denseReference(D), 1e-5);
});

test('float32 storage under float64 GEMMs (--float32-data) is the float64 operator on the stored values', () => {
  const D = gatesByLoop();
  const X32 = Float32Array.from(X), stored = Float64Array.from(X32);
  assert.ok(stored.some((v, i) => relDiff(v, X[i]) > 1e-9), 'the rounding is visible, so the reference on X itself would fail the 1e-12 below');
  for (const blockRows of [1, 7, Infinity]) {
    const att = new AttentionOperator(X32, N, n, d, c, { blockRows });
    assert.equal(att.precision, 'float64');
    assert.equal(att.tokenDesign!.X, X32, 'prox-Newton reads the same storage');
    checkAgainst(att, denseReference(null, stored), 1e-12);
    checkAgainst(new GatedOperator(X32, N, n, d, c, D, h, { blockRows }), denseReference(D, stored), 1e-12);
  }
  assert.throws(() => new AttentionOperator(X, N, n, d, c, { precision: 'float32' }), /float32 GEMMs need X in float32/);
});

test('operators computed in blocks of samples equal the dense reference, whatever the block', () => {
  // N = 23: blocks of 1, of 7 (the last one partial), of exactly N, and one GEMM over all samples
  const D = gatesByLoop();
  for (const block of [1, 7, 23, Infinity]) {
    checkAgainst(new AttentionOperator(X, N, n, d, c, { blockRows: block }), denseReference(null), 1e-12);
    checkAgainst(new GatedOperator(X, N, n, d, c, D, h, { blockRows: block }), denseReference(D), 1e-12);
    checkAgainst(new AttentionOperator(Float32Array.from(X), N, n, d, c, { blockRows: block, precision: 'float32' }), denseReference(null), 1e-5);
    checkAgainst(new GatedOperator(Float32Array.from(X), N, n, d, c, D, h, { blockRows: block, precision: 'float32' }), denseReference(D), 1e-5);
  }
});

test('dense operator satisfies the adjoint identity', () => {
  const A = new DenseOperator(randn(6 * 4, 11), 6, 4);
  const w = randn(4, 12), r = randn(6, 13);
  const a = new Float64Array(6), g = new Float64Array(4);
  A.apply(w, a);
  A.applyT(r, g);
  assert.ok(relDiff(dot(a, r), dot(w, g)) < 1e-13);
});

test('head scores s_ij = w1_j^T X_i w2_j (attention/head-scores.ts) equal the triple sum, in float64 and float32', () => {
  const want = new Float64Array(N * h);
  for (let i = 0; i < N; i++) for (let j = 0; j < h; j++) {
    for (let k = 0; k < n; k++) for (let m = 0; m < d; m++) want[i * h + j] += U1[j * n + k] * X[(i * n + k) * d + m] * U2[j * d + m];
  }
  const s64 = new Float64Array(N * h).fill(NaN); // every entry is written
  headScores(s64, X, N, n, d, U1, U2, h);
  assertClose(s64, want, 1e-13, 'float64');
  const s32 = new Float32Array(N * h);
  headScores(s32, Float32Array.from(X), N, n, d, U1, Float32Array.from(U2), h);
  assertClose(s32, want, 1e-5, 'float32');
  assert.ok(want.some((v) => Math.abs(v) > 0.5));
});
