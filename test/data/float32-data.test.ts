// --float32-data: X (and X_test) decoded straight into float32, and every solve on it the float64
// solve of the values as stored. The reference for each check is the same data rounded to float32
// and held in float64, so any float32 arithmetic (rather than storage) would show as a difference
// far above the 1e-12 asked.
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { readNpz, encodeNpz } from '../../src/data/npz';
import { loadDataset } from '../../src/data/dataset';
import { runFit } from '../../src/experiments/fit';
import type { SolverChoice } from '../../src/convex/solve';
import { tokenSpectralNorms } from '../../src/convex/solvers/prox-newton';
import { plantedDataset } from '../../src/data/planted';
import { fixture, relDiff } from '../helpers';
import { cliRun } from '../report/cli-runs';

const rounded = (a: ArrayLike<number>) => Float64Array.from(a, (v) => Math.fround(v));

test('X is decoded into float32 (each value rounded once), in any chunking, byte order and layout; other keys stay float64', () => {
  for (const name of ['f8.npy', 'f4.npy', 'f8_fortran.npy', 'f8_bigendian.npy', 'f2.npy', 'i4.npy']) {
    const wide = readNpz(fixture(name)).X;
    for (const chunkSize of [1, 3, 1000]) {
      const narrow = readNpz(fixture(name), { chunkSize, float32: ['X'] }).X;
      assert.ok(narrow.values instanceof Float32Array, `${name}: float32`);
      assert.deepEqual(Array.from(narrow.values), Array.from(rounded(wide.values)), `${name} chunk ${chunkSize}`);
      assert.deepEqual(narrow.shape, wide.shape);
    }
  }
  const ds = loadDataset(fixture('squared.npz'), { loss: 'squared', float32Data: true });
  const plain = loadDataset(fixture('squared.npz'), { loss: 'squared' });
  assert.ok(ds.train.X instanceof Float32Array);
  assert.deepEqual(Array.from(ds.train.X), Array.from(rounded(plain.train.X)));
  assert.ok(ds.trainTargets.Y instanceof Float64Array, 'targets are not narrowed');
  assert.deepEqual(ds.trainTargets.Y, plain.trainTargets.Y);
});

test('a float64 value beyond float32\'s range is refused by name, not read as Infinity', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cf-f32-'));
  try {
    const X = new Float64Array(2 * 2 * 3).fill(1);
    X[5] = 1e39;
    const file = path.join(dir, 'big.npz');
    fs.writeFileSync(file, encodeNpz({ X: { data: X, shape: [2, 2, 3] }, Y: { data: new Float64Array(2), shape: [2, 1] } }));
    assert.equal(loadDataset(file, { loss: 'squared' }).train.X[5], 1e39);
    assert.throws(() => loadDataset(file, { loss: 'squared', float32Data: true }),
      /^InputError: X: contains Infinity at flat index 5 \(read in float32 for --float32-data, whose range ends at 3\.4e38\); expected finite numbers$/);
  } finally {
    fs.rmSync(dir, { recursive: true });
  }
});

test('token spectral norms (prox-Newton\'s screening) read float32 storage as its float64 values', () => {
  const { data } = plantedDataset({ N: 700, n: 3, d: 5, c: 2, tokens: [0, 2], noise: 0.1, seed: 4, loss: 'ce' });
  const X32 = Float32Array.from(data.train.X);
  const a = tokenSpectralNorms(X32, 700, 3, 5), b = tokenSpectralNorms(Float64Array.from(X32), 700, 3, 5);
  for (let k = 0; k < 3; k++) assert.ok(relDiff(a[k], b[k]) < 1e-13, `token ${k}: ${a[k]} vs ${b[k]}`);
});

test('a fit on float32 storage is the float64 fit of the stored values: attention (FISTA, Gram form, prox-Newton) and gated (FISTA, Gram form); kernel and linear-mhsa refuse it', () => {
  for (const loss of ['squared', 'ce'] as const) {
    const { data } = plantedDataset({ N: 600, n: 4, d: 6, c: 3, tokens: [1, 3], noise: 0.3, seed: 2, loss });
    const X32 = Float32Array.from(data.train.X);
    const stored = { ...data, train: { ...data.train, X: X32 }, test: data.test && { ...data.test, X: Float32Array.from(data.test.X) } };
    const wide = { ...data, train: { ...data.train, X: Float64Array.from(X32) }, test: data.test && { ...data.test, X: rounded(data.test.X) } };
    const runs: [string, SolverChoice][] = [['attention', 'fista'], ['attention', loss === 'ce' ? 'newton' : 'gram'], ['gated', 'fista'], ...(loss === 'squared' ? [['gated', 'gram'] as [string, SolverChoice]] : [])];
    for (const [model, solver] of runs) {
      const opts = { model, loss, betaFrac: 0.05, solver, tol: 1e-10 } as const;
      const a = runFit(stored, opts).result, b = runFit(wide, opts).result;
      const what = `${model}/${loss}/${solver}`;
      assert.equal(a.dataPrecision, 'float32', what);
      assert.equal(b.dataPrecision, 'float64', what);
      assert.ok(a.converged, `${what}: certified`);
      assert.ok(relDiff(a.objective, b.objective) < 1e-12, `${what}: objective ${a.objective} vs ${b.objective}`);
      assert.ok(relDiff(a.lowerBound, b.lowerBound) < 1e-9, `${what}: bound`);
      assert.ok(a.recoveryRelError < 1e-9, `${what}: recovered non-convex objective ${a.recoveryRelError}`);
      if (a.test && b.test) assert.ok(relDiff(a.test.loss, b.test.loss) < 1e-9, `${what}: test loss`);
      assert.equal(a.solver, solver, `${what}: the solver asked for ran`);
    }
    for (const model of ['kernel', 'linear-mhsa']) {
      assert.throws(() => runFit(stored, { model, loss, betaFrac: 0.05 }), new RegExp(`^InputError: float32Data: ${model} holds .* in float64, so X read in float32 saves nothing`));
    }
  }
});

test('fit --float32-data says X is held in float32 and records it', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cf-f32-'));
  try {
    const out = path.join(dir, 'run');
    const r = cliRun(['fit', '--data', fixture('squared.npz'), '--beta-frac', '0.2', '--float32-data', '--quiet', '--out', out]);
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /X held in float32/);
    const result = JSON.parse(fs.readFileSync(path.join(out, 'result.json'), 'utf8'));
    const config = JSON.parse(fs.readFileSync(path.join(out, 'config.json'), 'utf8'));
    assert.equal(result.dataPrecision, 'float32');
    assert.equal(config.config.float32Data, true);
  } finally {
    fs.rmSync(dir, { recursive: true });
  }
});
