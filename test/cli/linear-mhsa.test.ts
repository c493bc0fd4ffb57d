// `fit --model linear-mhsa` and `check` on its weights, as a user runs them: the certified nuclear-
// norm program, heads recovered with the non-convex objective equal to the optimum, weights NumPy
// can read back into `check`, the token maps of single samples in result.json and the report, and
// the refusals that name the field.
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { encodeNpz, readNpz } from '../../src/data/npz';
import { cliRun } from '../report/cli-runs';
import { tokenClusters } from '../../src/report/sections/fit';
import { randLabels, randn } from '../helpers';

function dataFile(dir: string, N: number, s: number, d: number): string {
  const file = path.join(dir, `mhsa-${d}.npz`);
  fs.writeFileSync(file, encodeNpz({ X: { data: randn(N * s * d, 5), shape: [N, s, d] }, y: { data: randLabels(N, 3, 6), shape: [N] } }));
  return file;
}

test('fit --model linear-mhsa certifies, recovers heads with the optimum\'s objective, and check finds them optimal', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cf-mhsa-'));
  try {
    const data = dataFile(dir, 60, 4, 3), out = path.join(dir, 'run');
    const r = cliRun(['fit', '--data', data, '--model', 'linear-mhsa', '--loss', 'ce', '--beta-frac', '0.2', '--tol', '1e-9', '--quiet', '--out', out]);
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /certified/);
    assert.match(r.stdout, /heads: \d+ of 9 singular values/);
    const result = JSON.parse(fs.readFileSync(path.join(out, 'result.json'), 'utf8'));
    assert.equal(result.penalty, 'nuclear');
    assert.ok(result.converged && result.relGap <= 1e-9);
    assert.ok(result.heads >= 1 && result.heads <= 9, `${result.heads} heads, at most min(d^2, dc) = 9`);
    assert.ok(result.recoveryRelError < 1e-9, `recovered objective off by ${result.recoveryRelError}`);
    // where the tokens of the first three samples read (their maps depend on X_i), drawn with their clusters beside the heads' norms
    assert.deepEqual(result.sampleAttention.map((m: { sample: number }) => m.sample), [0, 1, 2]);
    assert.equal(result.tokenAttention, undefined);
    for (const { map } of result.sampleAttention) {
      assert.equal(map.length, 4);
      for (const row of map) assert.ok(row.length === 4 && row.every((x: number) => x >= 0) && Math.abs(row.reduce((a: number, b: number) => a + b, 0) - 1) < 1e-12);
    }
    const page = path.join(dir, 'report.html');
    assert.equal(cliRun(['report', out, '--out', page]).status, 0);
    const html = fs.readFileSync(page, 'utf8');
    for (const { sample, map } of result.sampleAttention) {
      assert.ok(html.includes(`Token attention in training sample ${sample} (4 x 4)`), `no map of sample ${sample}`);
      assert.ok(html.includes(`Tokens grouped by the token they read most (the first on ties): ${tokenClusters(map)}.`), `no clusters of sample ${sample}`);
    }
    assert.equal(result.heads >= 2, html.includes('recovered heads by norm'), 'the heads\' norms are drawn when there are two or more');
    const w = readNpz(path.join(out, 'weights.npz'));
    assert.deepEqual(w.Z.shape, [9, 9]);
    assert.deepEqual(w.W1.shape, [result.heads, 3, 3]);
    assert.deepEqual(w.W2.shape, [result.heads, 3, 3]);
    // the heads alone (no Z) through check
    const heads = path.join(dir, 'heads.npz');
    fs.writeFileSync(heads, encodeNpz({ W1: w.W1, W2: w.W2 }));
    const chk = cliRun(['check', '--data', data, '--model', 'linear-mhsa', '--loss', 'ce', '--beta-frac', '0.2', '--tol', '1e-6', '--weights', heads]);
    assert.equal(chk.status, 0, chk.stderr);
    assert.match(chk.stdout, new RegExp(`non-convex, ${result.heads} heads`));
    assert.match(chk.stdout, /OPTIMAL within tol/);
  } finally {
    fs.rmSync(dir, { recursive: true });
  }
});

test('linear-mhsa refuses --float32, --float32-data, fista beyond d = 32 and any solver beyond 64 in one line naming the field, and writes nothing; auto runs bm at d = 33', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cf-mhsa-'));
  try {
    const small = dataFile(dir, 20, 2, 3), wide = dataFile(dir, 3, 2, 33), wider = dataFile(dir, 2, 2, 65);
    for (const [data, extra, pattern] of [
      [small, ['--float32'], /^convexformer: error: --float32: linear-mhsa runs in float64 only/],
      [small, ['--float32-data'], /^convexformer: error: --float32-data: linear-mhsa holds the Gram matrix X_i\^T X_i of every sample in float64/],
      [wide, ['--solver', 'fista'], /^convexformer: error: X: has d = 33 features per token: linear-mhsa's Z is 1089 x 99, and its full SVD, which those solvers take every iteration, grows as d\^5 c .* \(the limit is d = 32\): too large for fista, which iterates on it hundreds of times; --solver bm/],
      [wider, [], /^convexformer: error: X: has d = 65 features per token; linear-mhsa's Z is d\^2 x dc \(4225 x 130\), so d is limited to 64/],
    ] as const) {
      const out = path.join(dir, 'run');
      const r = cliRun(['fit', '--data', data, '--model', 'linear-mhsa', '--loss', 'ce', '--beta-frac', '0.2', '--quiet', ...extra, '--out', out]);
      assert.notEqual(r.status, 0);
      assert.match(r.stderr, pattern);
      assert.equal(r.stderr.trim().split('\n').length, 1, r.stderr);
      assert.ok(!fs.existsSync(out), 'no run directory');
    }
    const out = path.join(dir, 'auto');
    const r = cliRun(['fit', '--data', wide, '--model', 'linear-mhsa', '--loss', 'ce', '--beta-frac', '0.2', '--tol', '1e-8', '--quiet', '--out', out]);
    assert.equal(r.status, 0, r.stderr);
    const result = JSON.parse(fs.readFileSync(path.join(out, 'result.json'), 'utf8'));
    assert.ok(result.solver === 'bm' && result.converged, `solver ${result.solver}, converged ${result.converged}`);
  } finally {
    fs.rmSync(dir, { recursive: true });
  }
});

test('fit --solver bm (Burer-Monteiro) certifies linear-mhsa to the same optimum as fista; attention refuses it and writes nothing', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cf-mhsa-'));
  try {
    const data = dataFile(dir, 60, 4, 3), objective: Record<string, number> = {};
    for (const solver of ['fista', 'bm']) {
      const out = path.join(dir, solver);
      const r = cliRun(['fit', '--data', data, '--model', 'linear-mhsa', '--loss', 'ce', '--beta-frac', '0.2', '--tol', '1e-9', '--solver', solver, '--quiet', '--out', out]);
      assert.equal(r.status, 0, r.stderr);
      const result = JSON.parse(fs.readFileSync(path.join(out, 'result.json'), 'utf8'));
      assert.equal(result.solver, solver);
      assert.ok(result.converged && result.relGap <= 1e-9 && result.recoveryRelError < 1e-9);
      objective[solver] = result.objective;
    }
    assert.ok(Math.abs(objective.bm - objective.fista) <= 2e-9 * objective.fista, `bm ${objective.bm} against fista ${objective.fista}`);
    const out = path.join(dir, 'attention');
    const r = cliRun(['fit', '--data', data, '--model', 'attention', '--loss', 'ce', '--beta-frac', '0.2', '--solver', 'bm', '--quiet', '--out', out]);
    assert.notEqual(r.status, 0);
    assert.match(r.stderr, /^convexformer: error: --solver: bm cannot solve this program: the program has no factored form;[^\n]*\n$/);
    assert.ok(!fs.existsSync(out));
  } finally {
    fs.rmSync(dir, { recursive: true });
  }
});
