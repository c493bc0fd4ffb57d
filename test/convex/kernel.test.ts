// The chi-feature map of Fisher et al. section 4 and the kernel program of eq. (9): the fast map
// against its dense matrix built factor by factor, its adjoint, and what linearity implies: the
// kernel program's optimum is the plain attention program's on the tokens X C^{1/2}, C = M^T M.
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { applyChiFeatures, applyChiFeaturesT, drawChiFeatures, nativeChiReason, type ChiFeatureMap } from '../../src/core/chi-features';
import { attention } from '../../src/convex/programs/attention';
import { kernel } from '../../src/convex/programs/kernel';
import { withBeta } from '../../src/convex/programs/assemble';
import { solveCertified } from '../../src/convex/solve';
import { eigh } from '../../src/core/linalg';
import { assertClose, randLabels, randn, relDiff } from '../helpers';

/** (-1)^popcount(i & j): the Sylvester Hadamard matrix entrywise. */
const hadamard = (i: number, j: number): number => {
  let b = i & j, parity = 0;
  while (b) { parity ^= b & 1; b >>= 1; }
  return parity ? -1 : 1;
};

/** The dense map M (D x d): per block, diag(S) H diag(G) P H diag(B), P the permutation matrix, cut to D rows and d columns. */
function denseMap(m: ChiFeatureMap): Float64Array {
  const { d, dPad, D } = m;
  const M = new Float64Array(D * d);
  for (let b = 0; b < m.blocks; b++) {
    const o = b * dPad;
    // R = H diag(B) (dPad x dPad); then (P R)[i, :] = R[perm[i], :]; then H diag(G) (P R); then diag(S)
    const R = Float64Array.from({ length: dPad * dPad }, (_, k) => hadamard(Math.floor(k / dPad), k % dPad) * m.B[o + (k % dPad)]);
    for (let i = 0; i < dPad && o + i < D; i++) {
      for (let j = 0; j < d; j++) {
        let s = 0;
        for (let k = 0; k < dPad; k++) s += hadamard(i, k) * m.G[o + k] * R[m.perm[o + k] * dPad + j];
        M[(o + i) * d + j] = m.S[o + i] * s;
      }
    }
  }
  return M;
}

const matVec = (M: Float64Array, rows: number, cols: number, x: Float64Array, trans = false): Float64Array => {
  const out = new Float64Array(trans ? cols : rows);
  for (let i = 0; i < rows; i++) for (let j = 0; j < cols; j++) {
    if (trans) out[j] += M[i * cols + j] * x[i];
    else out[i] += M[i * cols + j] * x[j];
  }
  return out;
};

test('phi equals its dense matrix, and its adjoint the transpose (d padded to a power of two, a truncated last block)', () => {
  for (const [d, D, dof] of [[4, 4, 1], [5, 8, 1], [5, 20, 3], [16, 40, 2], [3, 2, 1]] as const) {
    const map = drawChiFeatures(d, D, dof, 7);
    const M = denseMap(map);
    const rows = 6;
    const X = randn(rows * d, 8);
    const F = applyChiFeatures(map, X, rows);
    const want = new Float64Array(rows * D);
    for (let r = 0; r < rows; r++) want.set(matVec(M, D, d, X.subarray(r * d, r * d + d)), r * D);
    assertClose(F, want, 1e-13, `phi, d ${d} D ${D}`);
    const Y = randn(rows * D, 9);
    const back = applyChiFeaturesT(map, Y, rows);
    const wantT = new Float64Array(rows * d);
    for (let r = 0; r < rows; r++) wantT.set(matVec(M, D, d, Y.subarray(r * D, r * D + D), true), r * d);
    assertClose(back, wantT, 1e-13, `phi^T, d ${d} D ${D}`);
    // each block row has norm s_i / sigma (Fastfood's normalisation): S_i ||G_block||_F sqrt(dPad) on the padded input
    if (d === map.dPad) {
      for (let i = 0; i < D; i++) {
        const b = Math.floor(i / map.dPad);
        const g = Math.hypot(...map.G.subarray(b * map.dPad, (b + 1) * map.dPad));
        const norm = Math.hypot(...M.subarray(i * d, i * d + d));
        assert.ok(relDiff(norm, map.S[i] * g * Math.sqrt(map.dPad)) < 1e-12, `row ${i}`);
      }
    }
  }
  // the same seed draws the same map; another seed another
  assert.deepEqual(drawChiFeatures(8, 16, 1, 3), drawChiFeatures(8, 16, 1, 3));
  assert.notDeepEqual(drawChiFeatures(8, 16, 1, 3).G, drawChiFeatures(8, 16, 1, 4).G);
});

test('the C feature map and adjoint equal the TypeScript loops bit for bit (many rows, chunks, a truncated block)', { skip: nativeChiReason || false }, () => {
  for (const [d, D] of [[5, 20], [16, 40], [100, 300]] as const) {
    const map = drawChiFeatures(d, D, 2, 11);
    const rows = 700; // more than one TypeScript chunk of rows
    const X = randn(rows * d, 12), Y = randn(rows * D, 13);
    assert.deepStrictEqual(applyChiFeatures(map, X, rows), applyChiFeatures(map, X, rows, undefined, 'typescript'), `phi, d ${d} D ${D}`);
    assert.deepStrictEqual(applyChiFeaturesT(map, Y, rows), applyChiFeaturesT(map, Y, rows, undefined, 'typescript'), `phi^T, d ${d} D ${D}`);
  }
});

test('the kernel program is plain attention on X C^{1/2}: the same certified optimum (phi is linear)', () => {
  const N = 40, n = 3, d = 5, c = 3;
  const X = randn(N * n * d, 21);
  const targets = { y: randLabels(N, c, 22), c };
  for (const D of [8, 24]) {
    const map = drawChiFeatures(d, D, 1, 0);
    const M = denseMap(map);
    // C = M^T M (d x d), C^{1/2} = V diag(sqrt(w)) V^T
    const C = new Float64Array(d * d);
    for (let i = 0; i < d; i++) for (let j = 0; j < d; j++) for (let r = 0; r < D; r++) C[i * d + j] += M[r * d + i] * M[r * d + j];
    const { values, vectors } = eigh(C, d);
    const root = new Float64Array(d * d);
    for (let i = 0; i < d; i++) for (let j = 0; j < d; j++) for (let k = 0; k < d; k++) root[i * d + j] += vectors[i * d + k] * Math.sqrt(values[k]) * vectors[j * d + k];
    const Xw = new Float64Array(N * n * d);
    for (let t = 0; t < N * n; t++) Xw.set(matVec(root, d, d, X.subarray(t * d, t * d + d)), t * d);
    const beta = 0.5;
    const k = withBeta(kernel.build({ train: { X, N, n, d }, trainTargets: targets }, { loss: 'ce', features: D, chiDof: 1, seed: 0 }), beta);
    const a = withBeta(attention.build({ train: { X: Xw, N, n, d }, trainTargets: targets }, { loss: 'ce' }), beta);
    const sk = solveCertified(k, 'fista', { tol: 1e-11, maxIter: 200000 });
    const sa = solveCertified(a, 'fista', { tol: 1e-11, maxIter: 200000 });
    assert.ok(sk.converged && sa.converged);
    assert.ok(relDiff(sk.certificate.primal, sa.certificate.primal) < 1e-9, `D ${D}: kernel ${sk.certificate.primal} vs plain on X C^1/2 ${sa.certificate.primal}`);
  }
});
