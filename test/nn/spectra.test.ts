// Spectra of weight matrices against closed forms: the identity, a rank-one matrix, zero; the
// fused Wqkv read as its Q, K, V blocks; a convex Z as one row per penalty group.
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { matrixSpectrum, spectrumOf, weightMatrices } from '../../src/nn/spectra';
import { randn, relDiff } from '../helpers';

test('identity: effective and stable rank n, spectral norm 1; rank one: 1, 1 and |u||v|; zero: 0', () => {
  const n = 7;
  const I = new Float64Array(n * n);
  for (let i = 0; i < n; i++) I[i * n + i] = 1;
  const id = matrixSpectrum({ name: 'I', rows: n, cols: n, data: I });
  assert.ok(relDiff(id.effectiveRank, n) < 1e-12 && relDiff(id.stableRank, n) < 1e-12 && relDiff(id.spectralNorm, 1) < 1e-12, JSON.stringify(id));
  const u = randn(5, 1), v = randn(3, 2);
  const uv = Float64Array.from({ length: 15 }, (_, k) => u[Math.floor(k / 3)] * v[k % 3]);
  const r1 = matrixSpectrum({ name: 'uv', rows: 5, cols: 3, data: uv });
  const norm = Math.hypot(...u) * Math.hypot(...v);
  assert.ok(relDiff(r1.spectralNorm, norm) < 1e-12);
  // the other singular values are rounding (~1e-16 norm): the entropy they add is below 1e-12
  assert.ok(Math.abs(r1.effectiveRank - 1) < 1e-12 && Math.abs(r1.stableRank - 1) < 1e-12, JSON.stringify(r1));
  assert.deepEqual(spectrumOf([0, 0]), { singularValues: [0, 0], effectiveRank: 0, stableRank: 0, spectralNorm: 0 });
  // two equal singular values and one zero: effective rank exactly 2
  assert.ok(relDiff(spectrumOf([0, 3, 3]).effectiveRank, 2) < 1e-15);
});

test('Wqkv is read as its three blocks; a convex Z as (groups, d); rank-1 parameters have no spectrum', () => {
  const d = 3;
  const W = Float64Array.from({ length: d * 3 * d }, (_, k) => k);
  const Z = randn(2 * 4 * 5 * 3, 3);
  const m = weightMatrices([
    { name: '0.Wqkv', data: W, shape: [d, 3 * d] }, { name: '0.bqkv', data: new Float64Array(9), shape: [9] }, { name: 'Z2', data: Z, shape: [2, 4, 5, 3] },
  ]);
  assert.deepEqual(m.map((x) => [x.name, x.rows, x.cols]), [['0.WQ', 3, 3], ['0.WK', 3, 3], ['0.WV', 3, 3], ['Z2', 40, 3]]);
  // K is columns d..2d-1 of each row of Wqkv
  assert.deepEqual(Array.from(m[1].data), [3, 4, 5, 12, 13, 14, 21, 22, 23]);
  // a copy in the parameter's order: changing the parameter afterwards leaves it as taken
  const before = Float64Array.from(Z);
  Z[0] += 1;
  assert.deepEqual(m[3].data, before);
});
