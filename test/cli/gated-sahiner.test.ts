// The gated Sahiner programs through the CLI: `fit --model gated-mixer` on per-token targets and
// `--model gated-mhsa` on labels, certified, with the gates recorded (U, gate_seed, h in result.json);
// `check` on the heads (W1, W2, gate) redraws the gates from the recorded seed (or, with no seed in
// the file, from --seed) and finds them optimal, and refuses gates U that are not the seed's, naming U.
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { encodeNpz, readNpz, type NamedArray } from '../../src/data/npz';
import { cliRun } from '../report/cli-runs';
import { randLabels, randn } from '../helpers';

const N = 30, n = 3, d = 2, c = 2, gates = 3;

test('fit --model gated-mixer / gated-mhsa: certified, gates recorded; check on the heads alone is optimal; other gates are refused naming U', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cf-gated-sahiner-'));
  try {
    const cases: [string, string, Record<string, NamedArray>, number][] = [
      ['gated-mixer', 'squared', { Y: { data: randn(N * n * c, 7), shape: [N, n, c] } }, n],
      ['gated-mhsa', 'ce', { y: { data: randLabels(N, c, 8), shape: [N] } }, d],
    ];
    for (const [model, loss, targets, q] of cases) {
      const data = path.join(dir, `${model}.npz`), out = path.join(dir, `run-${model}`);
      fs.writeFileSync(data, encodeNpz({ X: { data: randn(N * n * d, 5), shape: [N, n, d] }, ...targets }));
      const common = ['--data', data, '--model', model, '--loss', loss, '--beta-frac', '0.2', '--gates', String(gates), '--seed', '7'];
      const r = cliRun(['fit', ...common, '--tol', '1e-9', '--quiet', '--out', out]);
      assert.equal(r.status, 0, r.stderr);
      const result = JSON.parse(fs.readFileSync(path.join(out, 'result.json'), 'utf8'));
      assert.ok(result.converged && result.recoveryRelError < 1e-9 && result.heads >= 1, JSON.stringify(result).slice(0, 400));
      assert.equal(result.h, gates);
      assert.equal(result.penalty, 'block-nuclear');
      // the mixer's token mixing is one map for all samples; gated attention's scores are per sample
      if (model === 'gated-mixer') assert.ok(result.tokenAttention.length === n && result.sampleAttention === undefined);
      else assert.ok(result.tokenAttention === undefined && result.sampleAttention.length === 3 && result.sampleAttention[2].map.length === n);
      const w = readNpz(path.join(out, 'weights.npz'));
      assert.deepEqual([w.W1.shape, w.gate.shape, w.U.shape, w.gate_seed.values[0]], [[result.heads, q, q], [result.heads], [gates, q, q], 7]);
      // the heads alone, with the seed that draws their gates (no --seed given: check reads it)
      const heads = path.join(dir, `heads-${model}.npz`);
      fs.writeFileSync(heads, encodeNpz({ W1: w.W1, W2: w.W2, gate: w.gate, gate_seed: w.gate_seed, U: w.U }));
      const checkArgs = ['check', '--data', data, '--model', model, '--loss', loss, '--beta-frac', '0.2', '--tol', '1e-6'];
      const chk = cliRun([...checkArgs, '--weights', heads]);
      assert.equal(chk.status, 0, chk.stderr);
      assert.match(chk.stdout, /OPTIMAL within tol/);
      const other = path.join(dir, `other-${model}.npz`);
      fs.writeFileSync(other, encodeNpz({ W1: w.W1, W2: w.W2, gate: w.gate, gate_seed: w.gate_seed, U: { data: randn(gates * q * q, 9), shape: [gates, q, q] } }));
      // the heads alone, no U and no gate_seed: the seed given to check draws the gates
      const bare = path.join(dir, `bare-${model}.npz`);
      fs.writeFileSync(bare, encodeNpz({ W1: w.W1, W2: w.W2, gate: w.gate }));
      const chkBare = cliRun([...checkArgs, '--gates', String(gates), '--seed', '7', '--weights', bare]);
      assert.equal(chkBare.status, 0, chkBare.stderr);
      assert.match(chkBare.stdout, /OPTIMAL within tol/);
      const bad = cliRun([...checkArgs, '--weights', other]);
      assert.notEqual(bad.status, 0);
      assert.match(bad.stderr, /^convexformer: error: U: differs from the 3 gates drawn with seed 7/);
    }
  } finally {
    fs.rmSync(dir, { recursive: true });
  }
});
