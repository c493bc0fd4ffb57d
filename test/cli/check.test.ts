// convexformer check end to end: a fit's weights pass (exit 0) as Z and as heads, perturbed ones
// fail (exit 1), bad weights are refused in one line naming the key or flag (exit 2) with no
// --json written, and the JSON report holds the residuals.
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { spawnSync } from 'node:child_process';
import { encodeNpz, readNpz, type NamedArray } from '../../src/data/npz';
import { cli, randLabels, randn } from '../helpers';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'cf-check-'));
const N = 40, n = 4, d = 3, c = 3;

function npz(name: string, arrays: Record<string, NamedArray>): string {
  const file = path.join(tmp, name);
  fs.writeFileSync(file, encodeNpz(arrays));
  return file;
}

const run = (args: string[]) => spawnSync(process.execPath, [cli, ...args], { encoding: 'utf8' });
const data = npz('data.npz', { X: { data: randn(N * n * d, 1), shape: [N, n, d] }, y: { data: randLabels(N, c, 2), shape: [N] } });
const common = ['--data', data, '--loss', 'ce', '--model', 'gated', '--gates', '3', '--beta-frac', '0.2', '--quiet'];

const fitDir = path.join(tmp, 'fit');
const fitRun = run(['fit', ...common, '--tol', '1e-12', '--max-iter', '200000', '--out', fitDir]);
const weights = path.join(fitDir, 'weights.npz');

test('a certified fit passes as Z and as heads; the JSON report holds the residuals', () => {
  assert.equal(fitRun.status, 0, fitRun.stderr);
  const res = JSON.parse(fs.readFileSync(path.join(fitDir, 'result.json'), 'utf8'));
  assert.ok(res.kkt.stationarity < 1e-6 && res.kkt.dualFeasibility <= 1 + 1e-6, JSON.stringify(res.kkt));
  const json = path.join(tmp, 'z.json');
  // the gates come from the weights file (U1, U2): no --gates needed
  const z = run(['check', '--data', data, '--weights', weights, '--loss', 'ce', '--model', 'gated', '--beta-frac', '0.2', '--json', json]);
  assert.equal(z.status, 0, z.stdout + z.stderr);
  assert.match(z.stdout, /OPTIMAL within tol/);
  const r = JSON.parse(fs.readFileSync(json, 'utf8'));
  assert.equal(r.weights, 'convex');
  assert.ok(r.kkt.relGap < 1e-8 && r.kkt.stationarity < 1e-6 && r.optimal === true, JSON.stringify(r.kkt));
  const heads = run(['check', ...common, '--weights', weights, '--weights-kind', 'nonconvex']);
  assert.equal(heads.status, 0, heads.stdout + heads.stderr);
  assert.match(heads.stdout, /non-convex, \d+ heads/);
});

test('perturbed heads are proven not optimal (exit 1)', () => {
  const w = readNpz(weights);
  const W2 = Float64Array.from(w.W2.values).map((v) => v * 1.2);
  const file = npz('perturbed.npz', { W1: w.W1, W2: { data: W2, shape: w.W2.shape }, W3: w.W3, gate: w.gate, U1: w.U1, U2: w.U2 });
  const r = run(['check', ...common, '--weights', file]);
  assert.equal(r.status, 1, r.stdout + r.stderr);
  assert.match(r.stdout, /NOT OPTIMAL/);
});

test('bad weights are refused in one line naming the key or flag, and no --json is written', () => {
  const w = readNpz(weights);
  const json = path.join(tmp, 'bad.json');
  const cases: [string[], RegExp][] = [
    [['--weights', npz('shape.npz', { Z: { data: new Float64Array(6), shape: [2, 3] } })], /^convexformer: error: Z: has shape \(2, 3\); expected \(8, 3, 4, 3\) for gated/],
    [['--weights', npz('simplex.npz', { W1: { data: new Float64Array(n).fill(0.5), shape: [1, n] }, W2: w.W2, W3: w.W3 })], /^convexformer: error: W1: row 0 sums to 2/],
    [['--weights', npz('none.npz', { A: w.W2 })], /^convexformer: error: Z: missing; expected a convex Z, or the non-convex heads/],
    [['--weights', weights, '--seed', '3', '--model', 'attention'], /^convexformer: error: --seed: program attention takes no seed/],
  ];
  for (const [args, message] of cases) {
    const r = run(['check', '--data', data, '--loss', 'ce', '--beta-frac', '0.2', '--quiet', '--json', json, '--model', 'gated', ...args]);
    assert.equal(r.status, 2, r.stderr);
    assert.match(r.stderr, message);
    assert.equal(r.stderr.trim().split('\n').length, 1, r.stderr);
    assert.ok(!fs.existsSync(json), 'a refused check wrote --json');
  }
});
