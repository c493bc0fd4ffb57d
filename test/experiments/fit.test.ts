// runFit from code takes the same defaults as the CLI: a call that gives only beta (or betaFrac)
// solves to the CLI's tolerance and says so, instead of running without a tolerance.
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { plantedDataset } from '../../src/data/planted';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { FIT_DEFAULTS, fitToDir, runFit } from '../../src/experiments/fit';
import { InputError } from '../../src/data/errors';
import { runPath } from '../../src/experiments/path';
import { COMPARE_BETA_FRAC, COMPARE_DEFAULTS, compareConfig } from '../../src/experiments/compare';
import { attention } from '../../src/convex/programs/attention';
import type { Program } from '../../src/convex/programs/program';
import { relDiff } from '../helpers';

const { data } = plantedDataset({ N: 200, n: 6, d: 8, c: 2, tokens: [1, 4], noise: 0.1, seed: 1, loss: 'squared' });

test('runFit with only betaFrac uses the CLI defaults and certifies at tol 1e-6', () => {
  for (const options of [{ betaFrac: 0.2 }, { betaFrac: 0.2, tol: undefined, maxIter: undefined }]) {
    const { result } = runFit(data, options);
    assert.equal(result.tol, FIT_DEFAULTS.tol);
    assert.equal(FIT_DEFAULTS.solver, 'auto');
    assert.equal(result.solver, 'gram', 'auto runs the Gram form for the squared loss with N = 200 >= n d = 48');
    assert.equal(result.model, 'attention');
    assert.ok(result.converged && result.relGap <= 1e-6, `rel gap ${result.relGap}`);
    assert.ok(result.iterations < FIT_DEFAULTS.maxIter);
  }
});

test('runFit with --float32 where auto runs the Gram form says float64: G is formed and iterated in float64', () => {
  const { result } = runFit(data, { betaFrac: 0.2, float32: true });
  assert.ok(result.solver.startsWith('gram'), `solver ${result.solver}`);
  assert.equal(result.precision, 'float64');
  assert.ok(result.converged);
});

test('runFit refuses a tolerance or iteration limit that cannot work, naming the option', () => {
  assert.throws(() => runFit(data, { betaFrac: 0.2, tol: 0 }), (e: Error) => e instanceof InputError && /^tol: must be a finite number > 0/.test(e.message));
  assert.throws(() => runFit(data, { betaFrac: 0.2, maxIter: 0.5 }), /^InputError: maxIter: must be an integer >= 1/);
});

test('errors below the CLI name the config field, not a flag', () => {
  assert.throws(() => runFit(data, { beta: 1, betaFrac: 0.5 }), /^InputError: beta: give exactly one of `beta` and `betaFrac`/);
  assert.throws(() => runFit(data, { betaFrac: 1e308 }), /^InputError: betaFrac: gives beta = Infinity/);
  assert.throws(() => runFit(data, { betaFrac: 0.2, heads: 0 }), /^InputError: heads: must be an integer >= 1, got 0/);
  assert.throws(() => runFit(data, { betaFrac: 0.2, model: 'gated', gates: 1.5 }), /^InputError: gates: must be an integer >= 1, got 1.5/);
  assert.throws(() => runFit(data, { betaFrac: 0.2, model: 'attention', gates: 4 }), /^InputError: gates: program attention takes no gates \(gated, gated-mhsa, gated-mixer do\)/);
  assert.throws(() => runFit(data, { betaFrac: 0.2, model: 'mlp' }), /^InputError: model: unknown program 'mlp'; expected one of: attention, bfno, fno, gated/);
  // the run directory too: `out`, which the CLI shows as --out
  const existing = fs.mkdtempSync(path.join(os.tmpdir(), 'cf-fit-out-'));
  try {
    assert.throws(() => fitToDir(data, { betaFrac: 0.2 }, existing, { force: false }), /^InputError: out: .* already exists; choose a new directory or pass `force`$/);
  } finally {
    fs.rmSync(existing, { recursive: true, force: true });
  }
});

test('gates from the data file and a different gates option are refused, naming gates', () => {
  const gating = { h: 2, U1: new Float64Array(2 * 6), U2: new Float64Array(2 * 8) };
  assert.throws(() => runFit({ ...data, gating }, { betaFrac: 0.2, model: 'gated', gates: 3 }), /^InputError: gates: is 3 but the U1\/U2 given \(in the data file, or with check's weights\) hold 2 gates/);
});

test('runPath takes a partial config through fitConfig: defaults filled, bad values refused by field', () => {
  const rows = runPath(data, {}, [1, 0.1]);
  assert.equal(rows.length, 2);
  assert.ok(rows.every((r) => r.converged && r.relGap <= FIT_DEFAULTS.tol), JSON.stringify(rows.map((r) => r.relGap)));
  assert.throws(() => runPath(data, { ...FIT_DEFAULTS, tol: 0, maxIter: 300 }, [1, 0.1]), /^InputError: tol: must be a finite number > 0/);
  assert.throws(() => runPath(data, { maxIter: 0.5 }, [1]), /^InputError: maxIter: must be an integer >= 1/);
});

test('runFit and runPath take a program outside the registry, as fitToDir does', () => {
  const renamed: Program = { ...attention, name: 'renamed-attention', build: (d, options) => ({ ...attention.build(d, options), program: renamed }) };
  const { result } = runFit(data, { betaFrac: 0.2 }, undefined, undefined, renamed);
  assert.equal(result.model, 'renamed-attention');
  const reference = runFit(data, { betaFrac: 0.2 }).result;
  assert.ok(relDiff(result.objective, reference.objective) <= 1e-12);
  const rows = runPath(data, {}, [0.2], undefined, undefined, renamed);
  assert.ok(relDiff(rows[0].objective, reference.objective) <= 1e-6);
});

test('compareConfig fills COMPARE_DEFAULTS (and betaFrac without beta) and refuses bad fields by name', () => {
  const cfg = compareConfig({});
  for (const [k, v] of Object.entries(COMPARE_DEFAULTS)) assert.deepEqual(cfg[k as keyof typeof cfg], v, k);
  assert.equal(cfg.betaFrac, COMPARE_BETA_FRAC);
  assert.equal(compareConfig({ beta: 2 }).betaFrac, undefined);
  assert.equal(compareConfig({ tol: 1e-8, seed: 3 }).tol, 1e-8);
  assert.throws(() => compareConfig({ tol: 0 }), /^InputError: tol: must be a finite number > 0/);
  assert.throws(() => compareConfig({ lrGrid: [] }), /^InputError: lrGrid: must be a non-empty list/);
  assert.throws(() => compareConfig({ maxIter: 0.5 }), /^InputError: maxIter: must be an integer >= 1/);
  assert.throws(() => compareConfig({ valFraction: 1 }), /^InputError: valFraction: must be in \(0, 1\)/);
  assert.throws(() => compareConfig({ timeBudget: -1 }), /^InputError: timeBudget: must be a finite number > 0/);
});
