// Images as patch tokens (src/data/vision.ts): the patch order, standardisation with training
// statistics only, PCA and random projections, one-line refusals; `data fashion-mnist` read back
// with NumPy and solved by `fit`; and, where Debian's package is installed, the real files.
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { spawnSync } from 'node:child_process';
import { DEFAULT_FASHION_DIR, loadVision, type VisionOptions } from '../../src/data/vision';
import { Rng } from '../../src/core/rng';
import { assertClose, cli } from '../helpers';
import { writeIdxDir } from './idx-files';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'cf-vision-'));
const R = 4, C = 6, NTR = 10, NTE = 4;
const rng = new Rng(3);
const imgs = (N: number) => Uint8Array.from({ length: N * R * C }, () => Math.floor(rng.uniform() * 256));
const trainImages = imgs(NTR), testImages = imgs(NTE);
const trainLabels = Array.from({ length: NTR }, (_, i) => i % 3), testLabels = [0, 1, 2, 1];
const dir = path.join(tmp, 'idx');
writeIdxDir(dir, 'train', trainImages, NTR, R, C, trainLabels, true);
writeIdxDir(dir, 't10k', testImages, NTE, R, C, testLabels);
const opts = (o: Partial<VisionOptions>): VisionOptions => ({ idxDir: dir, patch: 2, project: 'none', seed: 0, ...o });

test('vision: tokens are the p x p patches read row by row, standardised per pixel with the training tokens', () => {
  const v = loadVision(opts({}));
  assert.equal(v.n, 6); // (4/2) x (6/2)
  assert.equal(v.d, 4);
  assert.deepEqual([v.N, v.Ntest, v.classes], [NTR, NTE, 3]);
  assert.deepEqual(Array.from(v.y), trainLabels);
  // token t of image i, pixel (a, b) of the patch: image pixel (2 (t div 3) + a, 2 (t mod 3) + b)
  const raw = (images: Uint8Array, i: number, t: number, f: number) =>
    images[i * R * C + (2 * Math.floor(t / 3) + Math.floor(f / 2)) * C + 2 * (t % 3) + (f % 2)] / 255;
  const mean = new Float64Array(4), sq = new Float64Array(4);
  for (let i = 0; i < NTR; i++) for (let t = 0; t < 6; t++) for (let f = 0; f < 4; f++) mean[f] += raw(trainImages, i, t, f) / (NTR * 6);
  for (let i = 0; i < NTR; i++) for (let t = 0; t < 6; t++) for (let f = 0; f < 4; f++) sq[f] += (raw(trainImages, i, t, f) - mean[f]) ** 2 / (NTR * 6);
  const want = (images: Uint8Array, N: number) => Float32Array.from({ length: N * 24 }, (_, e) => {
    const i = Math.floor(e / 24), t = Math.floor((e % 24) / 4), f = e % 4;
    return (raw(images, i, t, f) - mean[f]) / Math.sqrt(sq[f]);
  });
  assert.deepEqual(v.X, want(trainImages, NTR));
  assert.deepEqual(v.Xtest, want(testImages, NTE)); // the test set with the training statistics
});

test('vision: the test images never reach the statistics; a seeded subset is the same subset every time', () => {
  const other = path.join(tmp, 'idx-other-test');
  writeIdxDir(other, 'train', trainImages, NTR, R, C, trainLabels);
  writeIdxDir(other, 't10k', testImages.map((x) => 255 - x), NTE, R, C, testLabels);
  const a = loadVision(opts({})), b = loadVision(opts({ idxDir: other }));
  assert.deepEqual(b.X, a.X);
  assert.deepEqual(b.mean, a.mean);
  assert.notDeepEqual(b.Xtest, a.Xtest);
  const s1 = loadVision(opts({ nTrain: 4, nTest: 2, seed: 5 })), s2 = loadVision(opts({ nTrain: 4, nTest: 2, seed: 5 }));
  assert.deepEqual(s1.X, s2.X);
  assert.equal(s1.N, 4);
  // classes come from the whole label files, not from what a subset happens to hold
  const tiny = loadVision(opts({ nTrain: 1, nTest: 1, seed: 5 }));
  assert.equal(tiny.classes, 3);
  assert.notDeepEqual(loadVision(opts({ nTrain: 4, nTest: 2, seed: 6 })).X, s1.X);
});

test('vision: PCA keeps the top principal directions (orthonormal, variance descending, signed); random is seeded', () => {
  const full = loadVision(opts({}));
  const v = loadVision(opts({ project: 'pca', dim: 3 }));
  const P = v.projection!, k = 4, d = 3;
  for (let i = 0; i < d; i++) for (let j = 0; j < d; j++) {
    let dot = 0;
    for (let a = 0; a < k; a++) dot += P[a * d + i] * P[a * d + j];
    assert.ok(Math.abs(dot - (i === j ? 1 : 0)) < 1e-12, `columns ${i}, ${j}: ${dot}`);
  }
  for (let j = 0; j < d; j++) {
    const col = Array.from({ length: k }, (_, a) => P[a * d + j]);
    assert.ok(col.reduce((m, x) => (Math.abs(x) > Math.abs(m) ? x : m), 0) > 0, `column ${j} signed by its largest entry`);
  }
  // the projected training tokens: their variances are the covariance's top eigenvalues, descending
  const variance = (j: number) => { let s = 0; for (let r = 0; r < v.N * v.n; r++) s += v.X[r * d + j] ** 2; return s / (v.N * v.n); };
  const vars = [0, 1, 2].map(variance);
  assert.ok(vars[0] >= vars[1] && vars[1] >= vars[2], `variances ${vars}`);
  assert.ok(v.varianceKept! > 0 && v.varianceKept! <= 1);
  assert.ok(Math.abs(vars.reduce((a, b) => a + b, 0) / 4 - v.varianceKept!) < 1e-6, 'standardised features have total variance 4');
  // the tokens are the standardised ones times the projection
  const want = new Float64Array(v.N * v.n * d);
  for (let r = 0; r < v.N * v.n; r++) for (let j = 0; j < d; j++) for (let a = 0; a < k; a++) want[r * d + j] += full.X[r * k + a] * P[a * d + j];
  assertClose(v.X, want, 1e-6, 'PCA tokens');
  const r1 = loadVision(opts({ project: 'random', dim: 2, seed: 4 })), r2 = loadVision(opts({ project: 'random', dim: 2, seed: 4 }));
  assert.deepEqual(r1.X, r2.X);
  assert.notDeepEqual(loadVision(opts({ project: 'random', dim: 2, seed: 9 })).projection, r1.projection);
});

test('vision: bad options and missing files are refused, naming the field and what was expected', () => {
  const cases: [Partial<VisionOptions>, RegExp][] = [
    [{ patch: 4 }, /^patch: must divide the 4 x 6 images \(one of 1, 2\), got 4$/],
    [{ dim: 2 }, /^dim: applies to `project` pca or random, not none$/],
    [{ project: 'pca' }, /^dim: is required with `project` pca \(an integer in 1\.\.4\)$/],
    [{ project: 'pca', dim: 5 }, /^dim: must be an integer in 1\.\.4/],
    [{ nTrain: 11 }, /^nTrain: must be an integer in 1\.\.10, got 11$/],
    [{ idxDir: tmp }, /^idxDir: .* has none of train-images-idx3-ubyte, train-images-idx3-ubyte\.gz/],
  ];
  for (const [o, re] of cases) assert.throws(() => loadVision(opts(o)), (e: Error) => re.test(e.message), String(re));
});

test('data fashion-mnist: NumPy reads X, y, X_test, y_test and the statistics; fit solves it to a certificate; bad flags refused', () => {
  const run = (...args: string[]) => spawnSync(process.execPath, [cli, ...args], { encoding: 'utf8', cwd: tmp, timeout: 120000 });
  const r = run('data', 'fashion-mnist', '--idx-dir', dir, '--patch', '2', '--project', 'pca', '--dim', '3', '--out', 'v.npz');
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /^wrote v\.npz: 10 training and 4 test images as 6 tokens of 3 values, 3 classes, PCA keeps \d+\.\d% of the training variance\n$/);
  const py = spawnSync('python3', ['-c', `
import numpy as np
z = np.load('v.npz')
print(z['X'].shape, z['X'].dtype, z['y'].dtype, z['X_test'].shape, z['projection'].shape, int(z['patch']), int(z['classes']))
print(z['Y'].shape, z['Y'].dtype, bool((z['Y'].argmax(1) == z['y']).all() and (z['Y'].sum(1) == 1).all()), z['Y_test'].shape)
`], { encoding: 'utf8', cwd: tmp });
  assert.equal(py.status, 0, py.stderr);
  assert.equal(py.stdout.trim(), '(10, 6, 3) float32 int32 (4, 6, 3) (4, 3) 2 3\n(10, 3) float32 True (4, 3)');
  for (const loss of ['ce', 'squared']) { // labels y for cross-entropy, one-hot Y for the squared loss
    const fit = run('fit', '--data', 'v.npz', '--loss', loss, '--beta-frac', '0.3', '--out', `fit-${loss}`, '--quiet');
    assert.equal(fit.status, 0, fit.stderr);
    const result = JSON.parse(fs.readFileSync(path.join(tmp, `fit-${loss}`, 'result.json'), 'utf8'));
    assert.equal(result.converged, true, `${loss}: the solve reached its tolerance`);
  }
  const bad = run('data', 'fashion-mnist', '--idx-dir', dir, '--patch', '5', '--out', 'bad.npz');
  assert.notEqual(bad.status, 0);
  assert.match(bad.stderr, /^convexformer: error: --patch: must divide the 4 x 6 images/);
  assert.equal(bad.stderr.trim().split('\n').length, 1);
  assert.ok(!fs.existsSync(path.join(tmp, 'bad.npz')), 'no partial output');
});

test('Fashion-MNIST from Debian\'s dataset-fashion-mnist: 60,000 + 10,000 images of 16 tokens, 10 balanced classes', { skip: !fs.existsSync(DEFAULT_FASHION_DIR) && `${DEFAULT_FASHION_DIR} is missing (apt-get install dataset-fashion-mnist)` }, () => {
  const v = loadVision({ idxDir: DEFAULT_FASHION_DIR, patch: 7, project: 'none', seed: 0, nTest: 500 });
  assert.deepEqual([v.N, v.Ntest, v.n, v.d, v.classes], [60000, 500, 16, 49, 10]);
  const counts = new Array(10).fill(0);
  v.y.forEach((c) => counts[c]++);
  assert.deepEqual(counts, new Array(10).fill(6000));
  // standardised: each pixel of the patch has mean 0 and variance 1 over the training tokens
  const m = new Float64Array(49), s = new Float64Array(49);
  for (let e = 0; e < v.X.length; e++) { m[e % 49] += v.X[e]; s[e % 49] += v.X[e] ** 2; }
  for (let f = 0; f < 49; f++) {
    assert.ok(Math.abs(m[f] / (v.N * 16)) < 1e-4, `mean of pixel ${f}`);
    assert.ok(Math.abs(s[f] / (v.N * 16) - 1) < 1e-4, `variance of pixel ${f}`);
  }
});
