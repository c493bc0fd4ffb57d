// grok end to end: tiny runs of both models write their run directory and exit 0 whether or not
// the target is reached; bad input is refused in one line naming the flag, with nothing written;
// a run killed midway resumes with --resume and ends with the same metrics as an uninterrupted run;
// convex-certified writes a certificate per round and exits 3 when a last-layer solve missed its tol.
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { spawn, spawnSync } from 'node:child_process';
import { cli, killAtCheckpoint } from '../helpers';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'cf-grok-'));
const run = (args: string[]) => spawnSync(process.execPath, [cli, 'grok', ...args], { encoding: 'utf8' });
const readJson = (file: string) => JSON.parse(fs.readFileSync(file, 'utf8'));
const withoutSeconds = (file: string) => fs.readFileSync(file, 'utf8').trim().split('\n').map((l) => {
  const { seconds: _s, ...rest } = JSON.parse(l);
  return rest;
});

for (const [model, extra] of [['standard', ['--layers', '1']], ['convex', []]] as const) {
  test(`grok --model ${model} on division mod 7: the run directory, progress on stderr, the target not reached is a result`, () => {
    const out = path.join(tmp, model);
    const r = run(['--p', '7', '--model', model, ...extra, '--steps', '60', '--eval-every', '20', '--out', out]);
    assert.equal(r.status, 0, r.stderr);
    assert.deepEqual(fs.readdirSync(out).filter((f) => !f.startsWith('.')).sort(), ['config.json', 'metrics.jsonl', 'result.json', 'spectra.jsonl']);
    // spectra at every evaluation while they are few (geometric later), of every weight matrix
    const spectra = fs.readFileSync(path.join(out, 'spectra.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l));
    assert.deepEqual(spectra.map((l) => l.step), [0, 20, 40, 60]);
    const names = spectra[0].matrices.map((m: { name: string }) => m.name);
    assert.deepEqual(names, model === 'standard' ? ['wte', 'wpe', '0.WQ', '0.WK', '0.WV', '0.Wo', '0.W1', '0.W2', 'Wh'] : ['wte', 'wpe', 'Z1', 'Z2']);
    for (const m of spectra.at(-1).matrices) {
      assert.equal(m.singularValues.length, Math.min(...m.shape), m.name);
      assert.ok(m.effectiveRank >= 1 && m.effectiveRank <= Math.min(...m.shape) + 1e-9 && m.stableRank >= 1 - 1e-12, m.name);
    }
    const cfg = readJson(path.join(out, 'config.json'));
    assert.equal(cfg.kind, 'grok');
    assert.equal(cfg.config.model, model);
    assert.equal(cfg.config.equations, 42);
    assert.equal(cfg.config.weightDecay, model === 'standard' ? 1 : 1e-6);
    const lines = fs.readFileSync(path.join(out, 'metrics.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l));
    assert.deepEqual(lines.map((l) => l.step), [0, 20, 40, 60]);
    for (const l of lines) for (const k of ['seconds', 'trainLoss', 'trainAccuracy', 'testLoss', 'testAccuracy']) assert.equal(typeof l[k], 'number', k);
    const res = readJson(path.join(out, 'result.json'));
    assert.equal(res.steps, 60);
    assert.ok(res.parameters > 0);
    assert.equal(res.final.testAccuracy, lines.at(-1).testAccuracy);
    assert.equal(res.reachedTarget, false);
    assert.match(r.stdout, /target test accuracy 0\.99 not reached in 60 steps/);
    assert.match(r.stderr, /^step +20 +train loss .* acc .* test loss .* acc .* steps\/s$/m);
  });
}

test('grok on division mod 15 records that division is defined only for invertible y', () => {
  const out = path.join(tmp, 'mod15');
  const r = run(['--p', '15', '--model', 'convex', '--steps', '1', '--eval-every', '1', '--out', out, '--quiet']);
  assert.equal(r.status, 0, r.stderr);
  assert.equal(r.stderr, '');
  const cfg = readJson(path.join(out, 'config.json')).config;
  assert.equal(cfg.equations, 120);
  assert.match(cfg.taskSummary, /division defined for y invertible mod p: 120 of the 210 pairs/);
});

test('grok refuses bad input in one line naming the flag, and writes nothing', () => {
  for (const [args, pattern] of [
    [['--p', '1', '--model', 'convex'], /--p must be an integer >= 2/],
    [['--p', '7', '--model', 'deep'], /--model/],
    [['--p', '7', '--model', 'standard', '--gates', '4'], /^convexformer: error: --gates: is an option of the convex, convex-kernel and convex-certified models, not of standard$/],
    [['--p', '7', '--model', 'convex-certified', '--steps', '4'], /^convexformer: error: --steps: is an option of the standard, convex and convex-kernel models, not of convex-certified$/],
    [['--p', '7', '--model', 'convex', '--max-iter', '4'], /^convexformer: error: --max-iter: is an option of the convex-certified model, not of convex$/],
    [['--p', '7', '--model', 'convex-certified', '--tol', '0'], /--tol must be a number > 0/],
    [['--p', '7', '--model', 'convex', '--target-acc', '2'], /--target-acc must be a number in \(0, 1\]/],
    [['--p', '7', '--model', 'convex', '--embedding', 'random'], /--embedding/],
    [['--p', '7', '--model', 'convex', '--train-frac', '1'], /--train-frac must be a number in \(0, 1\)/],
    [['--p', '7', '--model', 'standard', '--layers', '1', '--resume'], /^convexformer: error: --resume: no unfinished run/],
  ] as const) {
    const out = path.join(tmp, 'bad');
    const r = run([...args, ...((args as readonly string[]).includes('convex-certified') ? [] : ['--steps', '5']), '--out', out]);
    assert.equal(r.status, 2, `${args.join(' ')}: ${r.stderr}`);
    assert.equal(r.stderr.trim().split('\n').length, 1, r.stderr);
    assert.match(r.stderr.trim(), pattern);
    assert.ok(!fs.existsSync(out) && !fs.existsSync(`${out}.partial`), `${args.join(' ')} left files`);
  }
});

test('a grok run killed midway resumes and ends with the same metrics', async () => {
  // one-hot tokens and one layer: a model that does not generalize, so the target never stops it early
  const args = (out: string) => ['--p', '11', '--model', 'convex', '--layers', '1', '--embedding', 'onehot', '--batch', '8', '--steps', '4000',
    '--eval-every', '100', '--checkpoint-every', '100', '--seed', '2', '--out', out, '--quiet'];
  const whole = path.join(tmp, 'whole');
  const w = run(args(whole));
  assert.equal(w.status, 0, w.stderr);
  assert.equal(readJson(path.join(whole, 'result.json')).steps, 4000, 'the run must not stop early for this test to cut it');

  const cut = path.join(tmp, 'cut');
  const child = spawn(process.execPath, [cli, 'grok', ...args(cut)], { stdio: 'ignore' });
  const ckFile = path.join(`${cut}.partial`, 'checkpoint.json');
  const killedAt = await killAtCheckpoint(child, ckFile, (ck) => (ck.train.step >= 300 ? ck.train.step : null));
  assert.ok(!fs.existsSync(cut), 'a killed run must not leave --out');
  assert.ok(killedAt >= 300 && killedAt < 4000);

  const again = run(args(cut));
  assert.equal(again.status, 2);
  assert.match(again.stderr, /--out: .*\.partial holds an unfinished run; pass --resume/);
  const otherSeed = run([...args(cut).map((a) => (a === '2' ? '3' : a)), '--resume']);
  assert.equal(otherSeed.status, 2);
  assert.match(otherSeed.stderr, /--resume: generated data differs/);

  const resumed = run([...args(cut), '--resume']);
  assert.equal(resumed.status, 0, resumed.stderr);
  assert.ok(!fs.existsSync(`${cut}.partial`));
  assert.deepEqual(withoutSeconds(path.join(cut, 'metrics.jsonl')), withoutSeconds(path.join(whole, 'metrics.jsonl')));
  // the spectra recorded before the kill come from the checkpoint, those after from the resumed run
  assert.equal(fs.readFileSync(path.join(cut, 'spectra.jsonl'), 'utf8'), fs.readFileSync(path.join(whole, 'spectra.jsonl'), 'utf8'));
  const { seconds: _a, secondsToTrain99: _b, secondsToTest99: _c, medianStepSeconds: _d, ...a } = readJson(path.join(whole, 'result.json'));
  const { seconds: _e, secondsToTrain99: _f, secondsToTest99: _g, medianStepSeconds: _h, ...b } = readJson(path.join(cut, 'result.json'));
  assert.deepEqual(b, a);
  // and the run learnt something: identical metrics of a model that never moved would prove nothing
  const lines = withoutSeconds(path.join(whole, 'metrics.jsonl'));
  assert.ok(lines.at(-1).trainLoss < 0.5 * lines[0].trainLoss);
});

test('grok --model convex-certified: one line per round with J and the certificate; certified exits 0, a solve cut short exits 3 and says so', () => {
  const args = (out: string, extra: string[]) => ['--p', '5', '--model', 'convex-certified', '--layers', '1', '--embedding', 'onehot', '--rounds', '2', ...extra, '--out', out, '--quiet'];
  const ok = path.join(tmp, 'certified');
  const r = run(args(ok, []));
  assert.equal(r.status, 0, r.stderr);
  const lines = fs.readFileSync(path.join(ok, 'metrics.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l));
  assert.deepEqual(lines.map((l) => l.step), [1, 2]);
  for (const l of lines) {
    for (const k of ['trainLoss', 'trainAccuracy', 'testLoss', 'testAccuracy', 'objective']) assert.equal(typeof l[k], 'number', k);
    assert.equal(l.certificate.converged, true);
    assert.ok(l.certificate.dual <= l.certificate.primal && l.certificate.relGap <= 1e-6);
  }
  const res = readJson(path.join(ok, 'result.json'));
  assert.equal(res.steps, 2);
  assert.deepEqual(res.certificate, lines.at(-1).certificate);
  assert.equal(res.allSolvesConverged, true);
  assert.match(r.stdout, /last layer after round 2: J .* rel\. gap .* \(certified\)/);

  const cut = path.join(tmp, 'uncertified');
  const u = run(args(cut, ['--max-iter', '3']));
  assert.equal(u.status, 3, u.stderr);
  const bad = readJson(path.join(cut, 'result.json'));
  assert.equal(bad.allSolvesConverged, false);
  assert.deepEqual(bad.unconvergedRounds, [1, 2]);
  assert.equal(bad.certificate.converged, false);
  assert.ok(bad.certificate.relGap > 1e-6);
  assert.match(u.stdout, /NOT certified/);
  assert.match(u.stdout, /did not reach --tol: rounds 1, 2 \(exit code 3\)/);
});
