// Per-token targets through the CLI: `fit --model matrix-attention` (Ergen Theorem A.1) on Y (N, n, c)
// and on labels y (N, n), `check` on the heads alone, linear-mhsa with per-token outputs, and the
// refusals in one line naming the field (per-token targets to a per-sample program and the
// reverse, a token count that is not X's, attention rows outside the simplex), writing nothing.
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { encodeNpz, readNpz, type NamedArray } from '../../src/data/npz';
import { cliRun } from '../report/cli-runs';
import { tokenClusters } from '../../src/report/sections/fit';
import { randLabels, randn } from '../helpers';

const escapeRe = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

test('tokens are grouped by the token they read most', () => {
  assert.equal(tokenClusters([[0.9, 0.1, 0], [0.6, 0.4, 0], [0, 0.2, 0.8]]), '0, 1 read 0; 2 reads 2');
  assert.equal(tokenClusters([[0, 1], [0, 1]]), '0, 1 read 1');
});

const N = 40, Nt = 10, n = 3, d = 2, c = 2;

function dataFile(dir: string, name: string, targets: Record<string, NamedArray>): string {
  const file = path.join(dir, name);
  fs.writeFileSync(file, encodeNpz({ X: { data: randn(N * n * d, 5), shape: [N, n, d] }, X_test: { data: randn(Nt * n * d, 6), shape: [Nt, n, d] }, ...targets }));
  return file;
}

const perTokenY = { Y: { data: randn(N * n * c, 7), shape: [N, n, c] }, Y_test: { data: randn(Nt * n * c, 8), shape: [Nt, n, c] } };
const perTokenLabels = { y: { data: randLabels(N * n, c, 9), shape: [N, n] }, y_test: { data: randLabels(Nt * n, c, 10), shape: [Nt, n] } };

test('fit --model matrix-attention certifies on Y (N, n, c) and y (N, n); check finds the heads alone optimal', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cf-matrix-'));
  try {
    for (const [loss, targets] of [['squared', perTokenY], ['ce', perTokenLabels]] as const) {
      const data = dataFile(dir, `${loss}.npz`, targets), out = path.join(dir, `run-${loss}`);
      const r = cliRun(['fit', '--data', data, '--model', 'matrix-attention', '--loss', loss, '--beta-frac', '0.2', '--tol', '1e-9', '--quiet', '--out', out]);
      assert.equal(r.status, 0, r.stderr);
      assert.match(r.stdout, /certified/);
      assert.match(r.stdout, new RegExp(`heads: \\d+ of ${2 * d * c} attention blocks`));
      const result = JSON.parse(fs.readFileSync(path.join(out, 'result.json'), 'utf8'));
      assert.equal(result.penalty, 'simplex-gauge');
      assert.ok(result.converged && result.relGap <= 1e-9, `${loss}: gap ${result.relGap}`);
      assert.ok(result.heads >= 1 && result.heads <= 2 * d * c, `${loss}: ${result.heads} heads`);
      assert.ok(result.recoveryRelError < 1e-9, `${loss}: recovered objective off by ${result.recoveryRelError}`);
      assert.ok(result.test && result.test.accuracy !== null, `${loss}: test metrics per token`);
      // the token-to-token attention of the heads: rows in the simplex, drawn by the report with its clusters
      assert.equal(result.tokenAttention.length, n);
      for (const row of result.tokenAttention) assert.ok(Math.abs(row.reduce((a: number, b: number) => a + b, 0) - 1) < 1e-12 && row.every((x: number) => x >= 0));
      const page = path.join(dir, `report-${loss}.html`);
      assert.equal(cliRun(['report', out, '--out', page]).status, 0);
      const html = fs.readFileSync(page, 'utf8');
      assert.ok(html.includes(`Token attention of the recovered heads (${n} x ${n})`), 'no token attention heatmap');
      assert.match(html, new RegExp(`Tokens grouped by the token they read most \\(the first on ties\\): ${escapeRe(tokenClusters(result.tokenAttention))}\\.`));
      const w = readNpz(path.join(out, 'weights.npz'));
      assert.deepEqual(w.Z.shape, [2, d, c, n, n]);
      assert.deepEqual([w.W1.shape, w.W2.shape, w.w3.shape], [[result.heads, n, n], [result.heads, d, c], [result.heads]]);
      const heads = path.join(dir, `heads-${loss}.npz`);
      fs.writeFileSync(heads, encodeNpz({ W1: w.W1, W2: w.W2, w3: w.w3 }));
      const chk = cliRun(['check', '--data', data, '--model', 'matrix-attention', '--loss', loss, '--beta-frac', '0.2', '--tol', '1e-6', '--weights', heads]);
      assert.equal(chk.status, 0, chk.stderr);
      assert.match(chk.stdout, /OPTIMAL within tol/);
      // one attention row moved off the simplex is refused by name
      const bad = Float64Array.from(w.W1.values);
      bad[0] += 0.5;
      fs.writeFileSync(heads, encodeNpz({ W1: { data: bad, shape: w.W1.shape }, W2: w.W2, w3: w.w3 }));
      const off = cliRun(['check', '--data', data, '--model', 'matrix-attention', '--loss', loss, '--beta-frac', '0.2', '--weights', heads]);
      assert.notEqual(off.status, 0);
      assert.match(off.stderr, /^convexformer: error: W1: row 0 of head 0 sums to 1\.5\d*; attention rows must sum to 1 \(within 0\.00001\)\n$/);
    }
  } finally {
    fs.rmSync(dir, { recursive: true });
  }
});

test('fit --model linear-mhsa takes per-token targets Y (N, s, c) and certifies per-token outputs', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cf-matrix-'));
  try {
    const data = dataFile(dir, 'mhsa.npz', perTokenY), out = path.join(dir, 'run');
    const r = cliRun(['fit', '--data', data, '--model', 'linear-mhsa', '--beta-frac', '0.2', '--tol', '1e-9', '--quiet', '--out', out]);
    assert.equal(r.status, 0, r.stderr);
    const result = JSON.parse(fs.readFileSync(path.join(out, 'result.json'), 'utf8'));
    assert.ok(result.converged && result.recoveryRelError < 1e-9, JSON.stringify(result.relGap));
  } finally {
    fs.rmSync(dir, { recursive: true });
  }
});

test('fit --model mixer on per-token targets: certified, its token mixing as tokenAttention, check finds the branches alone optimal', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cf-matrix-'));
  try {
    const data = dataFile(dir, 'mixer.npz', perTokenY), out = path.join(dir, 'run');
    const r = cliRun(['fit', '--data', data, '--model', 'mixer', '--beta-frac', '0.2', '--tol', '1e-9', '--quiet', '--out', out]);
    assert.equal(r.status, 0, r.stderr);
    const result = JSON.parse(fs.readFileSync(path.join(out, 'result.json'), 'utf8'));
    assert.ok(result.converged && result.recoveryRelError < 1e-9 && result.heads >= 1 && result.heads <= Math.min(n * n, d * c));
    assert.equal(result.penalty, 'nuclear');
    for (const row of result.tokenAttention) assert.ok(Math.abs(row.reduce((a: number, b: number) => a + b, 0) - 1) < 1e-12 && row.every((x: number) => x >= 0));
    const w = readNpz(path.join(out, 'weights.npz'));
    assert.deepEqual([w.Z.shape, w.W1.shape, w.W2.shape], [[n * n, d * c], [result.heads, n, n], [result.heads, d, c]]);
    const heads = path.join(dir, 'heads.npz');
    fs.writeFileSync(heads, encodeNpz({ W1: w.W1, W2: w.W2 }));
    const chk = cliRun(['check', '--data', data, '--model', 'mixer', '--beta-frac', '0.2', '--tol', '1e-6', '--weights', heads]);
    assert.equal(chk.status, 0, chk.stderr);
    assert.match(chk.stdout, /OPTIMAL within tol/);
  } finally {
    fs.rmSync(dir, { recursive: true });
  }
});

test('targets of the wrong form are refused in one line naming Y or y, and nothing is written', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cf-matrix-'));
  try {
    const tokenY = dataFile(dir, 'token.npz', perTokenY);
    const sampleY = dataFile(dir, 'sample.npz', { Y: { data: randn(N * c, 7), shape: [N, c] }, Y_test: { data: randn(Nt * c, 8), shape: [Nt, c] } });
    const wrongN = dataFile(dir, 'wrong-n.npz', { Y: { data: randn(N * (n + 1) * c, 7), shape: [N, n + 1, c] } });
    const mixed = dataFile(dir, 'mixed.npz', { Y: perTokenY.Y, Y_test: { data: randn(Nt * c, 8), shape: [Nt, c] } });
    for (const [data, model, pattern] of [
      [tokenY, 'attention', /^convexformer: error: Y: holds one target per token \(\(N, n, c\)\); program attention predicts one per sample, \(N, c\) \(per-token targets: bfno, fno, gated-mhsa, gated-mixer, linear-mhsa, matrix-attention, mixer\)\n$/],
      [sampleY, 'matrix-attention', /^convexformer: error: Y: holds one target per sample; program matrix-attention predicts one per token: give Y \(N, n, c\)\n$/],
      [wrongN, 'matrix-attention', /^convexformer: error: Y: has shape \(40, 4, 2\); per-token targets need n = 3 tokens as in X\n$/],
      [mixed, 'matrix-attention', /^convexformer: error: Y_test: has shape \(10, 2\); expected \(10, 3, c\) with c >= 1\n$/],
    ] as const) {
      const out = path.join(dir, 'run');
      const r = cliRun(['fit', '--data', data, '--model', model, '--beta-frac', '0.2', '--quiet', '--out', out]);
      assert.notEqual(r.status, 0);
      assert.match(r.stderr, pattern);
      assert.ok(!fs.existsSync(out), 'a refused fit wrote its run directory');
    }
    const cmp = cliRun(['compare', '--data', tokenY, '--beta-frac', '0.2', '--quiet', '--out', path.join(dir, 'cmp')]);
    assert.notEqual(cmp.status, 0);
    assert.match(cmp.stderr, /^convexformer: error: Y: holds one target per token/);
    assert.ok(!fs.existsSync(path.join(dir, 'cmp')));
  } finally {
    fs.rmSync(dir, { recursive: true });
  }
});
