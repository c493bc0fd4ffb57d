// `fit` on data at extreme magnitudes, as a user would run it: X scaled by 1e100 used to hang the
// line search forever (ignoring --max-iter and --time-limit). Now it certifies the same optimum
// as the unscaled data; a scale that would overflow float64 is refused with one line naming X,
// exit 2, and nothing written.
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { spawnSync } from 'node:child_process';
import { encodeNpz } from '../../src/data/npz';
import { cli, randn, relDiff } from '../helpers';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'cf-scale-'));
const N = 40, n = 4, d = 3, c = 2;
const X = randn(N * n * d, 1);
const Y = { data: randn(N * c, 2), shape: [N, c] };

function fitAt(scale: number) {
  const file = path.join(tmp, `x${scale}.npz`);
  fs.writeFileSync(file, encodeNpz({ X: { data: X.map((v) => v * scale), shape: [N, n, d] }, Y }));
  const out = path.join(tmp, `run-${scale}`);
  const r = spawnSync(process.execPath, [cli, 'fit', '--data', file, '--beta-frac', '0.3', '--tol', '1e-8', '--quiet', '--out', out],
    { encoding: 'utf8', timeout: 60_000 });
  return { r, out };
}

test('fit on X x 1e100 certifies the unscaled optimum; X x 1e200 is refused naming X', () => {
  const ref = fitAt(1);
  assert.equal(ref.r.status, 0, ref.r.stderr);
  const big = fitAt(1e100);
  assert.equal(big.r.status, 0, big.r.stderr || 'timed out');
  const a = JSON.parse(fs.readFileSync(path.join(ref.out, 'result.json'), 'utf8'));
  const b = JSON.parse(fs.readFileSync(path.join(big.out, 'result.json'), 'utf8'));
  assert.ok(b.converged && relDiff(a.objective, b.objective) < 1e-8, `${b.objective} vs ${a.objective}`);
  const huge = fitAt(1e200);
  assert.equal(huge.r.status, 2);
  const lines = huge.r.stderr.trim().split('\n');
  assert.equal(lines.length, 1, huge.r.stderr);
  assert.match(lines[0], /^convexformer: error: X: entries up to \d\.\de\+200 overflow float64/);
  assert.ok(!fs.existsSync(huge.out));
});
