// Run directories cannot destroy: --force replaces only convexformer run directories, dangerous
// targets are refused, an unwritable --out fails at once, signals and dead runs leave nothing
// behind, and two runs with the same inputs write the same bytes (timing fields aside).
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { spawn, spawnSync } from 'node:child_process';
import { encodeNpz } from '../../src/data/npz';
import { cli, randn } from '../helpers';
import { RunDir } from '../../src/experiments/run-dir';
import { RUN_KINDS, SCHEMA_VERSION } from '../../src/experiments/kinds';
import { checkSameRun, generatedRecord, runRecord } from '../../src/experiments/run-record';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'cf-rundir-'));
const N = 40, n = 4, d = 3, c = 2;
const data = path.join(tmp, 'data.npz');
fs.writeFileSync(data, encodeNpz({ X: { data: randn(N * n * d, 1), shape: [N, n, d] }, Y: { data: randn(N * c, 2), shape: [N, c] } }));

function fit(out: string, extra: string[] = [], cwd = tmp, file = data) {
  return spawnSync(process.execPath, [cli, 'fit', '--data', file, '--beta-frac', '0.3', '--quiet', ...extra, '--out', out], { encoding: 'utf8', cwd, timeout: 30000 });
}
const leftovers = (dir: string) => fs.readdirSync(dir).filter((f) => /\.(tmp|old)-\d+$/.test(f));

test('--force refuses to replace what is not a run directory, and the data file', () => {
  const mine = path.join(tmp, 'mydata');
  fs.mkdirSync(mine);
  fs.writeFileSync(path.join(mine, 'notes.txt'), 'precious');
  const r = fit(mine, ['--force']);
  assert.equal(r.status, 2);
  assert.match(r.stderr, /--out: .*mydata exists and is not a convexformer run directory \(no \.convexformer-run\)/);
  assert.equal(fs.readFileSync(path.join(mine, 'notes.txt'), 'utf8'), 'precious');
  // --out is checked before the data is read; with a data file that does not exist, code
  // without the check fails on the data and cannot reach the removal of these directories
  const missing = path.join(tmp, 'no-such-data.npz');
  for (const [out, cwd, file, pattern] of [
    ['', tmp, missing, /--out: is empty/],
    ['.', tmp, missing, /--out: \. is the working directory or contains it/],
    ['..', mine, missing, /--out: \.\. is the working directory or contains it/],
    ['/', tmp, missing, /--out: \/ is the root directory/],
    [os.homedir(), tmp, missing, /--out: .* is the home directory/],
    [data, tmp, data, /--out: .*data\.npz is or contains the input file/],
    [tmp, os.tmpdir(), data, /--out: .* is or contains the input file/],
  ] as const) {
    const rr = fit(out, ['--force'], cwd, file);
    assert.equal(rr.status, 2, `${out}: ${rr.stderr}`);
    assert.match(rr.stderr, pattern);
    assert.equal(rr.stderr.trim().split('\n').length, 1);
  }
  assert.ok(fs.existsSync(data) && fs.existsSync(path.join(mine, 'notes.txt')));
});

test('every run directory holds the marker, and --force replaces a run directory', () => {
  const out = path.join(tmp, 'run');
  assert.equal(fit(out).status, 0);
  assert.deepEqual(JSON.parse(fs.readFileSync(path.join(out, '.convexformer-run'), 'utf8')), { kind: 'fit' });
  const config = JSON.parse(fs.readFileSync(path.join(out, 'config.json'), 'utf8'));
  assert.equal(config.kind, 'fit');
  assert.equal(config.schemaVersion, SCHEMA_VERSION);
  assert.match(config.dataHash, /^[0-9a-f]{64}$/);
  assert.equal(config.dataFile, data);
  const r = fit(out, ['--force', '--beta-frac', '0.5']);
  assert.equal(r.status, 0, r.stderr);
  assert.equal(JSON.parse(fs.readFileSync(path.join(out, 'config.json'), 'utf8')).config.betaFrac, 0.5);
  assert.deepEqual(leftovers(tmp), []);
});

test('--force replaces only a run of the same kind: a demo over a fit run is refused, and the fit stays', () => {
  const out = path.join(tmp, 'kept-fit');
  assert.equal(fit(out).status, 0);
  const r = spawnSync(process.execPath, [cli, 'demo', '--out', out, '--force', '--steps', '5', '--quiet'], { encoding: 'utf8', cwd: tmp });
  assert.equal(r.status, 2);
  assert.match(r.stderr, /^convexformer: error: --force: .*kept-fit holds a fit run, not a demo run; choose another directory\n$/);
  assert.equal(r.stdout, '', 'nothing printed before the refusal');
  assert.deepEqual(JSON.parse(fs.readFileSync(path.join(out, '.convexformer-run'), 'utf8')), { kind: 'fit' });
  assert.ok(fs.existsSync(path.join(out, 'weights.npz')));
});

test('an OUT.partial of another kind is neither resumed nor replaced', () => {
  const out = path.join(tmp, 'other-partial');
  fs.mkdirSync(`${out}.partial`);
  fs.writeFileSync(path.join(`${out}.partial`, '.convexformer-run'), JSON.stringify({ kind: 'fit' }));
  assert.throws(() => new RunDir(out, { kind: 'compare', resumable: true, resume: true }), /^InputError: resume: .*other-partial\.partial holds a fit run, not a compare run/);
  assert.throws(() => new RunDir(out, { kind: 'compare', resumable: true, force: true }), /^InputError: force: .*other-partial\.partial holds a fit run, not a compare run/);
  assert.ok(fs.existsSync(path.join(`${out}.partial`, '.convexformer-run')));
});

test('demo refuses an existing --out before printing anything', () => {
  const out = path.join(tmp, 'exists');
  fs.mkdirSync(out, { recursive: true });
  const r = spawnSync(process.execPath, [cli, 'demo', '--out', out, '--steps', '5', '--quiet'], { encoding: 'utf8', cwd: tmp });
  assert.equal(r.status, 2);
  assert.equal(r.stdout, '');
  assert.match(r.stderr, /--out: .*exists already exists/);
});

test('an unwritable --out fails at once with the path and the reason', { timeout: 30000 }, () => {
  const r = fit('/proc/nope/out'); // fs.mkdirSync(recursive) never returns here
  assert.equal(r.status, 2, `status ${r.status} signal ${r.signal}`);
  assert.match(r.stderr, /--out: cannot create \/proc\/nope\/out\.tmp-\d+: ENOENT/);
  const blocker = path.join(tmp, 'a-file');
  fs.writeFileSync(blocker, 'x');
  const r2 = fit(path.join(blocker, 'deeper', 'out'));
  assert.equal(r2.status, 2);
  assert.match(r2.stderr, /--out: cannot create .*a-file.*ENOTDIR/);
  // a directory we may not write to: a read-only one, or (root may write anywhere) sysfs
  let locked = '/sys/cf-out';
  if (process.getuid?.() !== 0) {
    locked = path.join(tmp, 'read-only', 'out');
    fs.mkdirSync(path.dirname(locked));
    fs.chmodSync(path.dirname(locked), 0o555);
  }
  const r3 = fit(locked);
  assert.equal(r3.status, 2, r3.stderr);
  assert.match(r3.stderr, /--out: cannot create .*(cf-out|read-only).*(EACCES|EPERM|EROFS)/);
});

test('a later run removes the temporary directories of runs that died', () => {
  const dead = spawnSync(process.execPath, ['-e', '0']).pid!; // a PID that no longer runs
  const out = path.join(tmp, 'after-crash');
  const left = `${out}.tmp-${dead}`;
  fs.mkdirSync(left);
  fs.writeFileSync(path.join(left, '.convexformer-run'), '{"kind":"fit"}\n');
  const foreign = `${out}.tmp-${dead + 1}x`; // not ours by name: stays
  fs.mkdirSync(foreign);
  assert.equal(fit(out).status, 0);
  assert.ok(!fs.existsSync(left), 'leftover of a dead run not removed');
  assert.ok(fs.existsSync(foreign));
});

test('SIGTERM and SIGINT remove the temporary directory and exit with 143 and 130', { timeout: 60000 }, async () => {
  const big = path.join(tmp, 'big.npz');
  fs.writeFileSync(big, encodeNpz({ X: { data: randn(3000 * 8 * 16, 3), shape: [3000, 8, 16] }, Y: { data: randn(3000 * 4, 4), shape: [3000, 4] } }));
  for (const [signal, code] of [['SIGTERM', 143], ['SIGINT', 130]] as const) {
    const parent = fs.mkdtempSync(path.join(tmp, 'sig-'));
    const out = path.join(parent, 'out');
    const child = spawn(process.execPath, [cli, 'fit', '--data', big, '--beta-frac', '0.01', '--solver', 'adam', '--lr', '1e-7', '--tol', '1e-15', '--max-iter', '100000000', '--quiet', '--out', out], { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr!.on('data', (b) => { stderr += b; });
    const exited = new Promise<number | null>((res) => child.on('exit', (s) => res(s)));
    await new Promise<void>((resolve) => {
      const timer = setInterval(() => {
        if (leftovers(parent).length) { clearInterval(timer); setTimeout(resolve, 300); }
      }, 20);
    });
    const t0 = Date.now();
    child.kill(signal);
    const status = await exited;
    assert.equal(status, code, `${signal}: ${stderr}`);
    assert.ok(Date.now() - t0 < 5000, `${signal} took ${Date.now() - t0} ms`);
    assert.deepEqual(fs.readdirSync(parent), [], `${signal} left ${fs.readdirSync(parent)}`);
  }
});

test('progress reaches stderr while the solve runs, not all at once when it ends', { timeout: 60000 }, async () => {
  // the command runs in a worker thread, whose process.stderr passed on the first line and then
  // nothing until the command was over and its run directory in place: the second line must come
  // while OUT does not exist yet
  const big = path.join(tmp, 'live.npz');
  fs.writeFileSync(big, encodeNpz({ X: { data: randn(3000 * 8 * 16, 5), shape: [3000, 8, 16] }, Y: { data: randn(3000 * 4, 6), shape: [3000, 4] } }));
  const out = path.join(fs.mkdtempSync(path.join(tmp, 'live-')), 'out');
  const child = spawn(process.execPath, [cli, 'fit', '--data', big, '--beta-frac', '0.01', '--solver', 'fista', '--tol', '1e-15', '--max-iter', '3000', '--out', out], { stdio: ['ignore', 'ignore', 'pipe'] });
  const exited = new Promise<number | null>((res) => child.on('exit', (s) => res(s)));
  let stderr = '';
  let outAtSecondLine: boolean | null = null;
  child.stderr!.on('data', (b) => {
    stderr += b;
    if (outAtSecondLine === null && (stderr.match(/iter\s+\d+/g) ?? []).length >= 2) {
      outAtSecondLine = fs.existsSync(out);
      child.kill('SIGTERM');
    }
  });
  await exited;
  assert.equal(outAtSecondLine, false, `the progress arrived after the run was over: ${stderr}`);
});

test('two runs with the same inputs write the same bytes, apart from the timing fields', () => {
  const timing = new Set(['seconds', 'operatorSeconds', 'operatorGflops']);
  const strip = (text: string) => JSON.stringify(JSON.parse(text), (k, v) => (timing.has(k) ? undefined : v));
  const [a, b] = ['same-a', 'same-b'].map((name) => path.join(tmp, name));
  for (const out of [a, b]) assert.equal(fit(out).status, 0);
  assert.deepEqual(fs.readdirSync(a).sort(), fs.readdirSync(b).sort());
  for (const f of ['.convexformer-run', 'config.json']) assert.equal(fs.readFileSync(path.join(a, f), 'utf8'), fs.readFileSync(path.join(b, f), 'utf8'), f);
  assert.equal(strip(fs.readFileSync(path.join(a, 'result.json'), 'utf8')), strip(fs.readFileSync(path.join(b, 'result.json'), 'utf8')));
  const lines = (dir: string) => fs.readFileSync(path.join(dir, 'metrics.jsonl'), 'utf8').trim().split('\n').map(strip);
  assert.deepEqual(lines(a), lines(b));
});

test('RunDir writes the standard files through its typed methods: config (kind checked), metrics lines, result, checkpoint', () => {
  const out = path.join(tmp, 'typed');
  const dir = new RunDir(out, { kind: 'compare' });
  assert.throws(() => dir.writeConfig(generatedRecord('fit', {})), /a fit record in a compare run directory/);
  dir.writeConfig(runRecord('compare', data, { steps: 3 }));
  dir.appendMetrics([{ model: 'convex', iteration: 0 }]);
  dir.appendMetrics([]);
  dir.appendMetrics([{ model: 'convex', iteration: 1 }, { model: 'softmax', iteration: 0 }]);
  assert.equal(dir.readCheckpoint(), null);
  dir.writeCheckpoint({ step: 2 });
  assert.deepEqual(dir.readCheckpoint(), { step: 2 });
  dir.writeResult({ done: true });
  dir.commit();
  const read = (f: string) => fs.readFileSync(path.join(out, f), 'utf8');
  assert.deepEqual(read('metrics.jsonl').trim().split('\n').map((l) => JSON.parse(l).iteration), [0, 1, 0]);
  assert.deepEqual(JSON.parse(read('result.json')), { done: true });
  const config = JSON.parse(read('config.json'));
  assert.deepEqual([config.kind, config.schemaVersion, config.dataFile, config.config], ['compare', SCHEMA_VERSION, data, { steps: 3 }]);
  // every file a finished compare directory is said to hold is there (checkpoint.json only while unfinished)
  for (const f of RUN_KINDS.compare.files) assert.ok(fs.existsSync(path.join(out, f)), f);
});

test('generated data is recorded by its generator, and resuming with another generator is refused', () => {
  const gen = (seed: number) => generatedRecord('compare', { steps: 3 }, { name: 'teacherDataset', options: { N: 10, seed } });
  assert.deepEqual(gen(1).generator, { name: 'teacherDataset', options: { N: 10, seed: 1 } });
  assert.equal(gen(1).dataHash, null);
  checkSameRun(gen(1), gen(1), 'config.json');
  assert.throws(() => checkSameRun(gen(1), gen(2), 'config.json'), /^InputError: resume: generated data differs: .*"seed":1.* in config\.json, .*"seed":2.* now/);
});

test('demo writes config.json with kind demo and the generator of its data', () => {
  const out = path.join(tmp, 'demo');
  const r = spawnSync(process.execPath, [cli, 'demo', '--out', out, '--quiet', '--steps', '3'], { encoding: 'utf8', cwd: tmp });
  assert.equal(r.status, 0, r.stderr);
  const config = JSON.parse(fs.readFileSync(path.join(out, 'config.json'), 'utf8'));
  assert.equal(config.kind, 'demo');
  assert.equal(config.dataFile, null);
  assert.equal(config.generator.name, 'teacherDataset');
  assert.deepEqual(config.generator.options.tokens, [1, 5]);
  assert.equal(config.config.steps, 3);
  for (const f of RUN_KINDS.demo.files) assert.ok(fs.existsSync(path.join(out, f)), f);
});
