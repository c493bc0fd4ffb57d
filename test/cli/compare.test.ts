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
import { cli, randn, killAtCheckpoint } from '../helpers';

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
  const killedAt = await killAtCheckpoint(child, ckFile, (ck) => (ck.training?.name === 'simplex' && ck.training.state.step >= 300 ? ck.training.state.step : null));
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
    [data, ['--heads', '3'], /--heads: 3 does not divide d = 8 .*expected one of 1, 2, 4, 8/],
    [data, ['--time-budget', '5'], /--time-budget: cannot be combined with --steps/],
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

const other = path.join(tmp, 'other.npz');
{
  const u = teacherDataset({ N: 400, testN: 100, n: 5, d: 8, c: 2, tokens: [0, 2], focus: 4, gamma: 0.5, noise: 0.05, seed: 10 });
  fs.writeFileSync(other, encodeNpz({
    X: { data: u.data.train.X, shape: [400, 5, 8] }, Y: { data: u.data.trainTargets.Y!, shape: [400, 2] },
    X_test: { data: u.data.test!.X, shape: [100, 5, 8] }, Y_test: { data: u.data.testTargets!.Y!, shape: [100, 2] },
  }));
}

/** A compare run killed after its first checkpoint: OUT.partial waits for --resume. */
async function killedRun(name: string): Promise<string> {
  const out = path.join(tmp, name);
  const child = spawn(process.execPath, args(out), { stdio: 'ignore' });
  await new Promise<void>((resolve, reject) => {
    const timer = setInterval(() => {
      if (fs.existsSync(path.join(`${out}.partial`, 'checkpoint.json'))) { clearInterval(timer); child.kill('SIGKILL'); resolve(); }
    }, 2);
    child.on('exit', () => { clearInterval(timer); reject(new Error('the run finished before it could be killed')); });
  });
  await new Promise((res) => child.on('exit', res));
  return out;
}

const partialFiles = (out: string) => Object.fromEntries(fs.readdirSync(`${out}.partial`).map((f) => [f, fs.readFileSync(path.join(`${out}.partial`, f), 'utf8')]));

test('--resume with another data file is refused, naming the hashes, and the partial run is kept', async () => {
  const out = await killedRun('resume-data');
  const config = JSON.parse(fs.readFileSync(path.join(`${out}.partial`, 'config.json'), 'utf8'));
  assert.equal(config.kind, 'compare');
  assert.match(config.dataHash, /^[0-9a-f]{64}$/);
  const before = partialFiles(out);
  const a = args(out);
  a[a.indexOf(data)] = other;
  const r = spawnSync(process.execPath, [...a, '--resume'], { encoding: 'utf8' });
  assert.equal(r.status, 2, r.stderr);
  assert.match(r.stderr, new RegExp(`--resume: data differs: sha256 ${config.dataHash.slice(0, 12)}\\.\\. .*config\\.json, [0-9a-f]{12}\\.\\. .*other\\.npz\\) now`));
  assert.equal(r.stderr.trim().split('\n').length, 1);
  assert.deepEqual(partialFiles(out), before);
  assert.ok(!fs.existsSync(out));
});

test('--resume with other options is refused, naming each option that differs', async () => {
  const out = await killedRun('resume-config');
  const before = partialFiles(out);
  const a = args(out);
  a[a.indexOf('--seed') + 1] = '5';
  const r = spawnSync(process.execPath, [...a, '--tol', '1e-7', '--resume'], { encoding: 'utf8' });
  assert.equal(r.status, 2, r.stderr);
  assert.match(r.stderr, /--resume: options differ from .*config\.json: seed 4 there, 5 now; tol 0\.000001 there, 1e-7 now/);
  assert.deepEqual(partialFiles(out), before);
});

test('an uncertified convex solve says so: converged false, a mark in the summary, exit 3', () => {
  for (const [name, extra] of [['maxiter', ['--steps', '20', '--max-iter', '5']], ['budget', ['--time-budget', '0.01']]] as const) {
    const out = path.join(tmp, `uncertified-${name}`);
    const r = spawnSync(process.execPath, [cli, 'compare', '--data', data, ...extra, '--lrs', '0.01', '--out', out, '--quiet'], { encoding: 'utf8' });
    assert.equal(r.status, 3, `${name}: ${r.stderr}`);
    assert.match(r.stdout, /rel\. gap \S+ NOT converged \(tol 1e-6\)/);
    assert.match(r.stdout, /^convex .*NOT converged$/m);
    const res = JSON.parse(fs.readFileSync(path.join(out, 'result.json'), 'utf8'));
    assert.equal(res.certificate.converged, false);
    assert.equal(res.final.convex.converged, false);
  }
});

test('--time-budget is the total wall time, the learning-rate search included', () => {
  // no absolute timing (the machine may be loaded): the yardstick is a run of one step of each
  // model with one learning rate, measured on this machine now, which pays the same start-up,
  // loading and evaluations; the budgeted run may take at most the budget beyond it
  const run = (extra: string[], out: string) => {
    const t0 = Date.now();
    const r = spawnSync(process.execPath, [cli, 'compare', '--data', data, ...extra, '--out', path.join(tmp, out), '--quiet'], { encoding: 'utf8' });
    // 0, or 3 on a machine too slow to certify in the convex share of the budget; either way on time
    assert.ok(r.status === 0 || r.status === 3, r.stderr);
    return (Date.now() - t0) / 1000;
  };
  const one = run(['--steps', '1', '--max-iter', '1', '--lrs', '0.01'], 'budget-yardstick');
  const budget = 3;
  const seconds = run(['--time-budget', String(budget)], 'budget');
  assert.ok(seconds < budget + 1.5 * one + 0.5, `took ${seconds} s for a budget of ${budget} s; one step of everything took ${one} s`);
});

test('by default the non-convex models get the heads of the convex optimum; every model setting is recorded', () => {
  const out = path.join(tmp, 'heads-default');
  const r = spawnSync(process.execPath, [cli, 'compare', '--data', data, '--steps', '40', '--lrs', '0.01', '--out', out, '--quiet'], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  const res = JSON.parse(fs.readFileSync(path.join(out, 'result.json'), 'utf8'));
  const H = res.certificate.heads;
  assert.ok(H > 2, `the test needs an optimum with more than 2 heads, got ${H}`);
  assert.equal(res.models.simplex.heads, H);
  assert.ok(res.models.softmax.heads >= H && 8 % res.models.softmax.heads === 0);
  assert.deepEqual(res.warnings, []);
  for (const m of ['softmax', 'simplex']) {
    for (const k of ['heads', 'readoutToken', 'positional', 'beta', 'lr', 'searchSteps', 'steps']) assert.ok(k in res.models[m], `${m} lacks ${k}`);
    assert.equal(res.models[m].steps, 40);
    assert.equal(res.models[m].lr, 0.01);
  }
  assert.equal(res.models.softmax.readoutToken, 0);
  assert.equal(res.models.softmax.positional, false);
  assert.match(r.stdout, new RegExp(`softmax ${res.models.softmax.heads} heads, reads out at token 0, no positional encoding`));

  const few = path.join(tmp, 'heads-2');
  const r2 = spawnSync(process.execPath, [cli, 'compare', '--data', data, '--steps', '40', '--lrs', '0.01', '--heads', '2', '--out', few, '--quiet'], { encoding: 'utf8' });
  assert.equal(r2.status, 0, r2.stderr);
  assert.match(r2.stdout, new RegExp(`warning: the convex optimum uses ${H} heads, the softmax model has 2 \\(heads as given\\)`));
  const res2 = JSON.parse(fs.readFileSync(path.join(few, 'result.json'), 'utf8'));
  assert.equal(res2.models.softmax.heads, 2);
  assert.equal(res2.warnings.length, 2);
});

test('--positional gives the softmax model one-hot positions (d + n features), recorded and printed', () => {
  const out = path.join(tmp, 'positional');
  const r = spawnSync(process.execPath, [cli, 'compare', '--data', data, '--steps', '40', '--lrs', '0.01', '--positional', '--out', out, '--quiet'], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  const res = JSON.parse(fs.readFileSync(path.join(out, 'result.json'), 'utf8'));
  assert.equal(res.models.softmax.positional, true);
  assert.equal(13 % res.models.softmax.heads, 0, 'heads divide d + n = 8 + 5');
  assert.ok(res.models.softmax.heads >= res.certificate.heads);
  assert.match(r.stdout, /reads out at token 0, positions one-hot appended \(--positional\)/);
  const bad = spawnSync(process.execPath, [cli, 'compare', '--data', data, '--steps', '40', '--positional', '--heads', '2', '--out', path.join(tmp, 'positional-2'), '--quiet'], { encoding: 'utf8' });
  assert.equal(bad.status, 2);
  assert.match(bad.stderr, /--heads: 2 does not divide d \+ n = 13 \(d = 8 plus n = 5 positions, positional\)/);
});

const metricLines = (out: string) => fs.readFileSync(path.join(out, 'metrics.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l));

test('each metrics line holds the objective and test loss of the parameters after its iteration; the last is the result', () => {
  const out = path.join(tmp, 'metrics-steps');
  const r = spawnSync(process.execPath, [cli, 'compare', '--data', data, '--steps', '40', '--lrs', '0.01', '--out', out, '--quiet'], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  const res = JSON.parse(fs.readFileSync(path.join(out, 'result.json'), 'utf8'));
  const lines = metricLines(out);
  const rel = (a: number, b: number) => Math.abs(a - b) / Math.abs(b);
  for (const m of ['softmax', 'simplex']) {
    const mine = lines.filter((l) => l.model === m);
    // the objective at iteration 1 is after one Adam step, not the initial one again
    assert.deepEqual(mine.slice(0, 2).map((l) => l.iteration), [0, 1], m);
    assert.notEqual(mine[1].objective, mine[0].objective, `${m}: iteration 1 repeats the objective of iteration 0`);
    const last = mine[mine.length - 1];
    assert.equal(last.iteration, 40, m);
    assert.ok(rel(last.objective, res.final[m].objective) <= 1e-12, `${m}: last line ${last.objective}, result ${res.final[m].objective}`);
    assert.ok(rel(last.testLoss, res.final[m].testLoss) <= 1e-12, `${m}: last test loss ${last.testLoss}, result ${res.final[m].testLoss}`);
  }
});

test('--classes gives the class count of labels y (labels from 1, an empty class 0)', () => {
  const labels = (Y: Float64Array, N: number) => Float64Array.from({ length: N }, (_, i) => 1 + (Y[2 * i] > Y[2 * i + 1] ? 0 : 1) + (i % 2));
  const y1 = path.join(tmp, 'y1.npz');
  fs.writeFileSync(y1, encodeNpz({
    X: { data: t.data.train.X, shape: [400, 5, 8] }, y: { data: labels(t.data.trainTargets.Y!, 400), shape: [400] },
    X_test: { data: t.data.test!.X, shape: [100, 5, 8] }, y_test: { data: labels(t.data.testTargets!.Y!, 100), shape: [100] },
  }));
  const run = (extra: string[], out: string) => spawnSync(process.execPath, [cli, 'compare', '--data', y1, '--steps', '10', '--lrs', '0.01', ...extra, '--out', path.join(tmp, out), '--quiet'], { encoding: 'utf8' });
  const without = run([], 'classes-none');
  assert.equal(without.status, 2);
  assert.match(without.stderr, /give the class count with --classes C/);
  const r = run(['--classes', '4'], 'classes-4');
  assert.ok(r.status === 0 || r.status === 3, r.stderr);
  const config = JSON.parse(fs.readFileSync(path.join(tmp, 'classes-4', 'config.json'), 'utf8'));
  assert.equal(config.config.classes, 4);
  const few = run(['--classes', '3'], 'classes-3');
  assert.equal(few.status, 2);
  assert.match(few.stderr, /^convexformer: error: y: label 3 is out of range \[0, 2\] .*--classes is 3/);
  const squared = spawnSync(process.execPath, [cli, 'compare', '--data', data, '--steps', '10', '--classes', '4', '--out', path.join(tmp, 'classes-Y'), '--quiet'], { encoding: 'utf8' });
  assert.equal(squared.status, 2);
  assert.match(squared.stderr, /--classes: is for labels y \(cross-entropy\); .* has targets Y/);
});

test('the success lines escape control characters in --out', () => {
  const out = path.join(tmp, 'o\x1b[1mut');
  const r = spawnSync(process.execPath, [cli, 'compare', '--data', data, '--steps', '10', '--lrs', '0.01', '--out', out, '--quiet'], { encoding: 'utf8' });
  assert.ok(r.status === 0 || r.status === 3, r.stderr);
  assert.ok(fs.existsSync(path.join(out, 'result.json')));
  // eslint-disable-next-line no-control-regex
  assert.doesNotMatch(r.stdout.replace(/\n/g, ''), /[\u0000-\u001f\u007f-\u009f]/);
  assert.match(r.stdout, /wrote .*o\\u001b\[1mut: config\.json, metrics\.jsonl, result\.json$/m);
});

test('a --time-budget too short for the steps it needs: about one step of each model over it, warned and recorded', () => {
  // steps of a fraction of a second or more: the search cannot give 6 rates 3 steps each
  const N = 8000, n = 8, d = 32;
  const big = path.join(tmp, 'big.npz');
  fs.writeFileSync(big, encodeNpz({
    X: { data: randn(N * n * d, 1), shape: [N, n, d] }, Y: { data: randn(N * 10, 2), shape: [N, 10] },
    X_test: { data: randn(800 * n * d, 3), shape: [800, n, d] }, Y_test: { data: randn(8000, 4), shape: [800, 10] },
  }));
  const lrs = '0.001,0.002,0.005,0.01,0.02,0.05';
  const timed = (extra: string[], out: string) => {
    const t0 = Date.now();
    const r = spawnSync(process.execPath, [cli, 'compare', '--data', big, ...extra, '--out', path.join(tmp, out), '--quiet'], { encoding: 'utf8' });
    assert.ok(r.status === 0 || r.status === 3, r.stderr);
    return { r, seconds: (Date.now() - t0) / 1000, res: JSON.parse(fs.readFileSync(path.join(tmp, out, 'result.json'), 'utf8')) };
  };
  // the yardstick, on this machine now: a run with one search step and one training step per model
  const one = timed(['--steps', '1', '--max-iter', '1', '--lrs', '0.01'], 'one-step');
  const budget = 1;
  const { r, seconds, res } = timed(['--time-budget', String(budget), '--lrs', lrs], 'short-budget');
  console.log(`# budget ${budget} s took ${seconds} s; one step of each model: ${one.seconds} s`);
  // before the fix each of the 6 rates took a step: about 3 times the yardstick's model work;
  // now the first search step (or one training step) of each model, and evaluations
  assert.ok(seconds < budget + 1.5 * one.seconds + 0.5, `took ${seconds} s for a budget of ${budget} s; one step of everything took ${one.seconds} s`);
  for (const m of ['softmax', 'simplex']) {
    const s = res.models[m];
    const warned = (what: RegExp) => res.warnings.some((w: string) => w.startsWith(`${m}: `) && what.test(w));
    assert.equal(s.steps, res.final[m].iterations, m);
    for (const k of ['shareSeconds', 'searchSeconds', 'trainSeconds']) assert.ok(s[k] >= 0, `${m}.${k} = ${s[k]}`);
    assert.ok(s.searchSeconds + s.trainSeconds <= seconds, m);
    for (const trial of res.lrSearch[m]) assert.ok(Number.isInteger(trial.steps), m);
    // a shrunk or skipped search, and a short training, are said, in result.json and on stdout
    assert.equal(warned(/learning-rate search/), res.lrSearch[m].length < 6, `${m}: ${res.warnings.join(' | ')}`);
    assert.equal(warned(/trained for only/), s.steps < 3, `${m}: ${res.warnings.join(' | ')}`);
    for (const w of res.warnings) assert.ok(r.stdout.includes(`warning: ${w}`));
  }
});

test('labels y: test and training accuracy of every model in result.json, test accuracy in the metrics lines and a table column; none for targets Y', () => {
  const labels = (Y: Float64Array, N: number) => Float64Array.from({ length: N }, (_, i) => (Y[2 * i] > Y[2 * i + 1] ? 0 : 1));
  const yFile = path.join(tmp, 'labels.npz');
  fs.writeFileSync(yFile, encodeNpz({
    X: { data: t.data.train.X, shape: [400, 5, 8] }, y: { data: labels(t.data.trainTargets.Y!, 400), shape: [400] },
    X_test: { data: t.data.test!.X, shape: [100, 5, 8] }, y_test: { data: labels(t.data.testTargets!.Y!, 100), shape: [100] },
  }));
  const run = (file: string, out: string) => spawnSync(process.execPath, [cli, 'compare', '--data', file, '--steps', '40', '--lrs', '0.01', '--out', path.join(tmp, out), '--quiet'], { encoding: 'utf8' });
  const r = run(yFile, 'accuracy-y');
  assert.equal(r.status, 0, r.stderr);
  const res = JSON.parse(fs.readFileSync(path.join(tmp, 'accuracy-y', 'result.json'), 'utf8'));
  const lines = metricLines(path.join(tmp, 'accuracy-y'));
  const header = r.stdout.split('\n').find((l) => l.startsWith('model '))!;
  assert.match(header, /test loss {2}test acc\./);
  for (const m of ['convex', 'softmax', 'simplex']) {
    const f = res.final[m];
    // a share of the 100 test (400 training) sequences
    assert.ok(Math.abs(f.testAccuracy * 100 - Math.round(f.testAccuracy * 100)) < 1e-9, `${m}: test accuracy ${f.testAccuracy}`);
    assert.ok(f.testAccuracy >= 0 && f.testAccuracy <= 1 && f.trainAccuracy >= 0 && f.trainAccuracy <= 1, `${m}: ${JSON.stringify(f)}`);
    assert.ok(Math.abs(f.trainAccuracy * 400 - Math.round(f.trainAccuracy * 400)) < 1e-9, `${m}: training accuracy ${f.trainAccuracy}`);
    const mine = lines.filter((l) => l.model === m);
    assert.ok(mine.length > 0 && mine.every((l) => typeof l.testAccuracy === 'number'), `${m}: a metrics line without testAccuracy`);
    if (m !== 'convex') assert.equal(mine[mine.length - 1].testAccuracy, f.testAccuracy, `${m}: the last line's accuracy is the result's`);
    const row = r.stdout.split('\n').find((l) => l.startsWith(`${m} `))!;
    assert.ok(row.includes(` ${f.testAccuracy.toFixed(4)} `), `${m}: the table row lacks its test accuracy: ${row}`);
  }
  // targets Y: no accuracy recorded, no column
  const s = run(data, 'accuracy-Y');
  assert.equal(s.status, 0, s.stderr);
  const sq = JSON.parse(fs.readFileSync(path.join(tmp, 'accuracy-Y', 'result.json'), 'utf8'));
  for (const m of ['convex', 'softmax', 'simplex']) assert.deepEqual([sq.final[m].testAccuracy, sq.final[m].trainAccuracy], [undefined, undefined], m);
  assert.ok(metricLines(path.join(tmp, 'accuracy-Y')).every((l) => !('testAccuracy' in l)));
  assert.ok(!s.stdout.includes('test acc.'), s.stdout);
});
