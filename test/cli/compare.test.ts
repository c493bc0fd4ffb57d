// compare end to end: a run killed midway resumes with --resume and ends with the same metrics
// as an uninterrupted run; bad input is refused.
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { spawn, spawnSync } from 'node:child_process';
import { teacherDataset } from '../../src/data/teacher';
import { encodeNpz } from '../../src/data/npz';
import { cli } from '../helpers';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'cf-compare-'));
const t = teacherDataset({ N: 400, testN: 100, n: 5, d: 8, c: 2, tokens: [1, 3], focus: 4, gamma: 0.5, noise: 0.05, seed: 9 });
const data = path.join(tmp, 'teacher.npz');
fs.writeFileSync(data, encodeNpz({
  X: { data: t.data.train.X, shape: [400, 5, 8] }, Y: { data: t.data.trainTargets.Y!, shape: [400, 2] },
  X_test: { data: t.data.test!.X, shape: [100, 5, 8] }, Y_test: { data: t.data.testTargets!.Y!, shape: [100, 2] },
  attention_map: { data: t.map, shape: [5] },
}));
const args = (out: string) => [cli, 'compare', '--data', data, '--steps', '1500', '--lrs', '0.01,0.03', '--seed', '4', '--out', out, '--quiet'];
const withoutSeconds = (file: string) => fs.readFileSync(file, 'utf8').trim().split('\n').map((l) => {
  const { seconds: _s, ...rest } = JSON.parse(l);
  return rest;
});

test('a compare run killed midway resumes and ends with the same metrics', async () => {
  const whole = path.join(tmp, 'whole');
  const r = spawnSync(process.execPath, args(whole), { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);

  const cut = path.join(tmp, 'cut');
  const child = spawn(process.execPath, args(cut), { stdio: 'ignore' });
  const ckFile = path.join(`${cut}.partial`, 'checkpoint.json');
  // kill it once it is inside the training of the second model
  const killedAt = await new Promise<number>((resolve, reject) => {
    const timer = setInterval(() => {
      try {
        const ck = JSON.parse(fs.readFileSync(ckFile, 'utf8'));
        if (ck.training?.name === 'simplex' && ck.training.state.step >= 300) {
          clearInterval(timer);
          child.kill('SIGKILL');
          resolve(ck.training.state.step);
        }
      } catch { /* not written yet, or mid-rename */ }
    }, 2);
    child.on('exit', () => { clearInterval(timer); reject(new Error('the run finished before it could be killed')); });
  });
  await new Promise((res) => child.on('exit', res));
  assert.ok(!fs.existsSync(cut), 'a killed run must not leave --out');
  assert.ok(killedAt >= 300 && killedAt < 1500);

  const again = spawnSync(process.execPath, args(cut), { encoding: 'utf8' });
  assert.equal(again.status, 2);
  assert.match(again.stderr, /--out: .*\.partial holds an unfinished run; pass --resume/);

  const resumed = spawnSync(process.execPath, [...args(cut), '--resume'], { encoding: 'utf8' });
  assert.equal(resumed.status, 0, resumed.stderr);
  assert.ok(!fs.existsSync(`${cut}.partial`));
  assert.deepEqual(withoutSeconds(path.join(cut, 'metrics.jsonl')), withoutSeconds(path.join(whole, 'metrics.jsonl')));
  const a = JSON.parse(fs.readFileSync(path.join(whole, 'result.json'), 'utf8'));
  const b = JSON.parse(fs.readFileSync(path.join(cut, 'result.json'), 'utf8'));
  for (const m of ['convex', 'softmax', 'simplex']) {
    assert.equal(b.final[m].objective, a.final[m].objective, m);
    assert.equal(b.final[m].testLoss, a.final[m].testLoss, m);
  }
  assert.deepEqual(b.maps, a.maps);
});

test('compare refuses bad input: no test split, a teacher map of the wrong length, --resume with nothing to resume', () => {
  const noTest = path.join(tmp, 'notest.npz');
  fs.writeFileSync(noTest, encodeNpz({ X: { data: t.data.train.X, shape: [400, 5, 8] }, Y: { data: t.data.trainTargets.Y!, shape: [400, 2] } }));
  const badMap = path.join(tmp, 'badmap.npz');
  fs.writeFileSync(badMap, encodeNpz({
    X: { data: t.data.train.X, shape: [400, 5, 8] }, Y: { data: t.data.trainTargets.Y!, shape: [400, 2] },
    X_test: { data: t.data.test!.X, shape: [100, 5, 8] }, Y_test: { data: t.data.testTargets!.Y!, shape: [100, 2] },
    attention_map: { data: new Float64Array(3), shape: [3] },
  }));
  for (const [file, extra, pattern] of [
    [noTest, [], /X_test: compare needs a test split/],
    [badMap, [], /attention_map: has shape \(3\); expected \(5,\)/],
    [data, ['--resume'], /--resume: no unfinished run/],
    [data, ['--lrs', '0.1,x'], /--lrs: must be comma-separated numbers > 0/],
  ] as const) {
    const out = path.join(tmp, `bad-${path.basename(file)}-${extra.length}`);
    const r = spawnSync(process.execPath, [cli, 'compare', '--data', file, '--steps', '10', ...extra, '--out', out, '--quiet'], { encoding: 'utf8' });
    assert.equal(r.status, 2, r.stderr);
    assert.match(r.stderr, pattern);
    assert.equal(r.stderr.trim().split('\n').length, 1);
    assert.ok(!fs.existsSync(out));
    if (!(extra as readonly string[]).includes('--resume')) assert.ok(!fs.existsSync(`${out}.partial`), 'partial directory left behind');
  }
});
