// The command end to end: a fit writes a complete run directory; bad input is refused with one
// line naming the field, a non-zero exit, and nothing written to --out.
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { spawnSync } from 'node:child_process';
import { encodeNpz, readNpz, type NamedArray } from '../../src/data/npz';
import { cli, randLabels, randn, relDiff } from '../helpers';
import { programLines } from '../../src/cli/info';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'cf-cli-'));
const N = 40, n = 4, d = 3, c = 2;

function npz(name: string, arrays: Record<string, NamedArray>): string {
  const file = path.join(tmp, name);
  fs.writeFileSync(file, encodeNpz(arrays));
  return file;
}

function run(args: string[]) {
  return spawnSync(process.execPath, [cli, ...args], { encoding: 'utf8' });
}

const X = { data: randn(N * n * d, 1), shape: [N, n, d] };
const Y = { data: randn(N * c, 2), shape: [N, c] };
const y = { data: randLabels(N, 3, 3), shape: [N] };
const good = npz('good.npz', {
  X, Y, y, X_test: { data: randn(10 * n * d, 4), shape: [10, n, d] },
  Y_test: { data: randn(10 * c, 5), shape: [10, c] }, y_test: { data: randLabels(10, 3, 6), shape: [10] },
});

test('fit writes result.json with every field and weights.npz NumPy can read', () => {
  const out = path.join(tmp, 'run-sq');
  const r = run(['fit', '--data', good, '--beta-frac', '0.3', '--out', out, '--quiet', '--tol', '1e-8']);
  assert.equal(r.status, 0, r.stderr);
  const res = JSON.parse(fs.readFileSync(path.join(out, 'result.json'), 'utf8'));
  for (const k of ['model', 'loss', 'beta', 'betaMax', 'objective', 'lowerBound', 'gap', 'relGap', 'iterations', 'seconds',
    'solver', 'nonzeroGroups', 'totalGroups', 'heads', 'recoveredObjective', 'training', 'test']) {
    assert.ok(k in res, `result.json lacks ${k}`);
  }
  assert.ok(res.relGap <= 1e-8 && res.lowerBound <= res.objective);
  assert.ok(relDiff(res.recoveredObjective, res.objective) < 1e-10);
  assert.equal(res.totalGroups, c * n);
  assert.ok(res.test.loss > 0 && res.test.accuracy !== null);
  const w = readNpz(path.join(out, 'weights.npz'));
  assert.deepEqual(w.Z.shape, [c, n, d]);
  assert.deepEqual(w.W1.shape, [res.heads, n]);
  assert.deepEqual(w.W3.shape, [res.heads, c]);
  assert.ok(!fs.readdirSync(tmp).some((f) => f.includes('.tmp-')), 'temporary directory left behind');
  // the line names every file the run directory holds, and each is there
  const files = /^wrote .*run-sq: (.*)$/m.exec(r.stdout)?.[1].split(', ');
  assert.deepEqual(files, ['config.json', 'metrics.jsonl', 'result.json', 'weights.npz'], r.stdout);
  for (const f of files!) assert.ok(fs.existsSync(path.join(out, f)), f);
});

test('fit --model gated --loss ce writes the gates and reaches the gap', () => {
  const out = path.join(tmp, 'run-ce');
  // --gates is the number of gates; --heads stays the head budget of the non-convex model
  const r = run(['fit', '--data', good, '--model', 'gated', '--loss', 'ce', '--gates', '2', '--heads', '1', '--beta-frac', '0.2', '--out', out, '--quiet']);
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /certified/);
  const res = JSON.parse(fs.readFileSync(path.join(out, 'result.json'), 'utf8'));
  assert.equal(res.c, 3);
  assert.equal(res.h, 2);
  assert.ok(res.heads > 1, `heads ${res.heads}`);
  assert.equal(res.equivalent, false, 'a budget of 1 head is below what the optimum uses');
  assert.match(r.stdout, /warning: the recovered optimum uses \d+ heads, more than the budget/);
  const config = JSON.parse(fs.readFileSync(path.join(out, 'config.json'), 'utf8')).config;
  assert.equal(config.gates, 2);
  assert.equal(config.heads, 1);
  // the programs' options sit where they always have, after heads (config.json is byte-stable)
  assert.deepEqual(Object.keys(config), ['model', 'loss', 'betaFrac', 'heads', 'gates', 'seed', 'tol', 'maxIter', 'solver', 'float32', 'float32Data', 'lr']);
  assert.ok(res.relGap <= 1e-6);
  const w = readNpz(path.join(out, 'weights.npz'));
  assert.deepEqual(w.Z.shape, [2, 3, n, d]);
  assert.deepEqual(w.U1.shape, [2, n]);
  assert.deepEqual(w.gate.shape, [res.heads]);
});

test('fit --solver adam reports the same kind of certificate', () => {
  const out = path.join(tmp, 'run-adam');
  const r = run(['fit', '--data', good, '--solver', 'adam', '--beta-frac', '0.3', '--max-iter', '300', '--out', out, '--quiet']);
  assert.equal(r.status, 3, 'Adam does not reach 1e-6 in 300 steps: exit 3, results still written');
  const res = JSON.parse(fs.readFileSync(path.join(out, 'result.json'), 'utf8'));
  assert.equal(res.solver, 'adam');
  assert.equal(res.converged, false);
  assert.ok(res.lowerBound <= res.objective);
});

test('fit --loss ce --solver newton: result.json says newton, float64 under --float32, the share screened; progress shows it', () => {
  const out = path.join(tmp, 'run-newton');
  const r = run(['fit', '--data', good, '--loss', 'ce', '--solver', 'newton', '--float32', '--beta-frac', '0.5', '--tol', '1e-9', '--out', out]);
  assert.equal(r.status, 0, r.stderr);
  const res = JSON.parse(fs.readFileSync(path.join(out, 'result.json'), 'utf8'));
  assert.equal(res.solver, 'newton');
  assert.equal(res.precision, 'float64', 'prox-Newton iterates on the float64 tokens whatever --float32 says');
  assert.ok(res.converged && res.relGap <= 1e-9);
  assert.ok(typeof res.screened === 'number' && res.screened >= 0 && res.screened <= 1);
  assert.match(r.stderr, /screened \d+\.\d%/);
  const fistaOut = path.join(tmp, 'run-newton-fista');
  assert.equal(run(['fit', '--data', good, '--loss', 'ce', '--solver', 'fista', '--beta-frac', '0.5', '--tol', '1e-9', '--out', fistaOut, '--quiet']).status, 0);
  const ref = JSON.parse(fs.readFileSync(path.join(fistaOut, 'result.json'), 'utf8'));
  assert.equal(ref.screened, null);
  assert.ok(relDiff(res.objective, ref.objective) < 1e-8);
});

test('path prints a row per beta, warm-started, and writes path.json and config.json with kind and data hash', () => {
  const out = path.join(tmp, 'run-path');
  const r = run(['path', '--data', good, '--fracs', '1,0.5,0.1', '--out', out, '--quiet']);
  assert.equal(r.status, 0, r.stderr);
  const rows = JSON.parse(fs.readFileSync(path.join(out, 'path.json'), 'utf8'));
  assert.deepEqual(rows.map((x: { betaFrac: number }) => x.betaFrac), [1, 0.5, 0.1]);
  assert.equal(rows[0].heads, 0);
  assert.ok(rows[2].heads >= rows[1].heads);
  const config = JSON.parse(fs.readFileSync(path.join(out, 'config.json'), 'utf8'));
  assert.equal(config.kind, 'path');
  assert.match(config.dataHash, /^[0-9a-f]{64}$/);
  assert.deepEqual(config.config.fracs, [1, 0.5, 0.1]);
});

const bad: [string, Record<string, NamedArray> | null, string[], RegExp][] = [
  ['missing X', { Y }, [], /X: missing/],
  ['X of rank 2', { X: { data: X.data, shape: [N, n * d] }, Y }, [], /X: has shape \(40, 12\); expected rank 3/],
  ['NaN in X', { X: { data: Float64Array.from(X.data, (v, i) => (i === 5 ? NaN : v)), shape: X.shape }, Y }, [], /X: contains NaN at flat index 5/],
  ['Inf in Y', { X, Y: { data: Float64Array.from(Y.data, (v, i) => (i === 2 ? Infinity : v)), shape: Y.shape } }, [], /Y: contains Infinity/],
  ['Y rows differ from N', { X, Y: { data: randn(30, 1), shape: [15, 2] } }, [], /Y: has shape \(15, 2\); expected \(40, c\)/],
  ['labels for squared loss', { X, y }, [], /Y: missing; the file has labels y: use --loss ce/],
  ['non-integer labels', { X, y: { data: Float64Array.from(y.data, (v, i) => (i === 3 ? 0.5 : v)), shape: [N] } }, ['--loss', 'ce'], /y: label 0.5 at index 3/],
  ['negative labels', { X, y: { data: Int32Array.from(y.data, (v, i) => (i === 1 ? -1 : v)), shape: [N] } }, ['--loss', 'ce'], /y: label -1/],
  ['labels beyond --classes', { X, y }, ['--loss', 'ce', '--classes', '2'], /y: label 2 is out of range \[0, 1\] \(at index \d+\): --classes is 2$/m],
  ['--classes with squared loss', null, ['--classes', '5'], /^convexformer: error: --classes: is for labels y \(cross-entropy\); --loss is squared$/m],
  ['--lr without --solver adam', null, ['--lr', '5'], /^convexformer: error: --lr: is the learning rate of --solver adam; --solver auto takes none$/m],
  ['--seed for a program that draws nothing', null, ['--seed', '3'], /^convexformer: error: --seed: program attention takes no seed \(gated, gated-mhsa, gated-mixer, kernel do\)$/m],
  ['U1 without U2', { X, Y, U1: { data: randn(2 * n, 1), shape: [2, n] } }, ['--model', 'gated'], /U2: missing/],
  ['U2 of the wrong width', { X, Y, U1: { data: randn(2 * n, 1), shape: [2, n] }, U2: { data: randn(2 * 5, 1), shape: [2, 5] } }, ['--model', 'gated'], /U2: has shape \(2, 5\); expected \(2, 3\)/],
  ['X_test of other width', { X, Y, X_test: { data: randn(5 * n * 2, 1), shape: [5, n, 2] }, Y_test: { data: randn(10, 1), shape: [5, 2] } }, [], /X_test: has tokens \(4, 2\); expected \(4, 3\)/],
  ['beta <= 0', null, ['--beta', '0'], /--beta must be a number > 0, got '0'/],
  ['negative beta-frac', null, ['--beta-frac=-0.5'], /--beta-frac must be a number > 0/],
  ['both beta and beta-frac', null, ['--beta', '1', '--beta-frac', '0.5'], /--beta: give exactly one of --beta and --beta-frac/],
  ['neither beta nor beta-frac', null, [], /--beta: give exactly one/],
  ['unknown model', null, ['--model', 'mlp'], /--model <kind>' argument 'mlp' is invalid/],
  ['heads not matching U1', { X, Y, U1: { data: randn(2 * n, 1), shape: [2, n] }, U2: { data: randn(2 * d, 1), shape: [2, d] } }, ['--model', 'gated', '--gates', '3'], /--gates: is 3 but the U1\/U2 given \(in the data file, or with check's weights\) hold 2 gates/],
  ['zero gates', null, ['--model', 'gated', '--gates', '0'], /--gates must be an integer >= 1, got '0'/],
];

for (const [name, arrays, extra, pattern] of bad) {
  test(`bad input is refused: ${name}`, () => {
    const file = arrays ? npz(`${name.replace(/\W+/g, '_')}.npz`, arrays) : good;
    const out = path.join(tmp, `out-${name.replace(/\W+/g, '_')}`);
    const needsBeta = !extra.some((a) => a.startsWith('--beta')) && name !== 'neither beta nor beta-frac';
    const r = run(['fit', '--data', file, ...(needsBeta ? ['--beta-frac', '0.5'] : []), ...extra, '--out', out, '--quiet']);
    assert.notEqual(r.status, 0);
    assert.match(r.stderr, pattern);
    assert.equal(r.stderr.trim().split('\n').length, 1, `more than one line: ${r.stderr}`);
    assert.ok(!fs.existsSync(out), 'output written');
    assert.ok(!fs.readdirSync(tmp).some((f) => f.includes('.tmp-')), 'temporary directory left behind');
  });
}

test('path refuses the options its run would not use, as fit does', () => {
  for (const [extra, pattern] of [
    [['--seed', '3'], /--seed: program attention takes no seed \(gated, gated-mhsa, gated-mixer, kernel do\)/],
    [['--lr', '5'], /--lr: is the learning rate of --solver adam/],
    [['--classes', '5'], /--classes: is for labels y \(cross-entropy\); --loss is squared/],
  ] as const) {
    const out = path.join(tmp, 'path-unused');
    const r = run(['path', '--data', good, '--fracs', '1,0.5', ...extra, '--out', out, '--quiet']);
    assert.equal(r.status, 2, r.stderr);
    assert.match(r.stderr, pattern);
    assert.equal(r.stdout, '');
    assert.ok(!fs.existsSync(out));
  }
  // given where they are used, they are accepted: the default seed and lr are never refused
  const out = path.join(tmp, 'path-gated-seed');
  const r = run(['path', '--data', good, '--fracs', '1,0.5', '--model', 'gated', '--seed', '3', '--out', out, '--quiet']);
  assert.equal(r.status, 0, r.stderr);
});

test('bad input is refused: truncated and missing data files', () => {
  const z = fs.readFileSync(good);
  const cut = path.join(tmp, 'cut.npz');
  fs.writeFileSync(cut, z.subarray(0, Math.floor(z.length * 0.7)));
  for (const [file, pattern] of [[cut, /--data: .*not a readable .npz/], [path.join(tmp, 'nope.npz'), /--data: cannot read .*ENOENT/]] as const) {
    const out = path.join(tmp, 'out-cut');
    const r = run(['fit', '--data', file, '--beta-frac', '0.5', '--out', out]);
    assert.equal(r.status, 2);
    assert.match(r.stderr, pattern);
    assert.ok(!fs.existsSync(out));
  }
});

test('bad input is refused: an --out that cannot be written, or already exists', () => {
  const blocker = path.join(tmp, 'a-file');
  fs.writeFileSync(blocker, 'x');
  const r = run(['fit', '--data', good, '--beta-frac', '0.5', '--out', path.join(blocker, 'sub'), '--quiet']);
  assert.equal(r.status, 2);
  assert.match(r.stderr, /--out: cannot create .*ENOTDIR/);
  const r2 = run(['fit', '--data', good, '--beta-frac', '0.5', '--out', blocker, '--quiet']);
  assert.equal(r2.status, 2);
  assert.match(r2.stderr, /--out: .* already exists; choose a new directory or pass --force/);
  assert.equal(fs.readFileSync(blocker, 'utf8'), 'x');
});

test("demo finds the teacher's tokens and writes the report; info names the backend", () => {
  const out = path.join(tmp, 'demo');
  const r = run(['demo', '--out', out, '--quiet', '--steps', '30']); // steps, not seconds: the same on any machine
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /strongest tokens: 1, 5; the teacher's: 1, 5/);
  assert.match(r.stdout, /certified/);
  for (const f of ['fit/result.json', 'fit/weights.npz', 'compare/metrics.jsonl', 'compare/result.json', 'report.html']) {
    assert.ok(fs.existsSync(path.join(out, f)), `demo did not write ${f}`);
  }
  const i = run(['info']);
  assert.equal(i.status, 0);
  assert.match(i.stdout, /gemm backend: (openblas|typescript)/);
  assert.match(i.stdout, /eigh\/svd backend: (LAPACK|TypeScript Jacobi)/);
});

test('report refuses a directory that is not a finished run, and writes nothing', () => {
  const out = path.join(tmp, 'r.html');
  const r = run(['report', path.join(tmp, 'no-such-run'), '--out', out]);
  assert.equal(r.status, 2);
  assert.match(r.stderr, /run: .*no-such-run has no result.json/);
  assert.equal(r.stderr.trim().split('\n').length, 1);
  assert.ok(!fs.existsSync(out));
});

test('demo writes one run directory: a rerun needs --force, and nothing but a run directory is replaced', () => {
  const out = path.join(tmp, 'demo-twice');
  assert.equal(run(['demo', '--out', out, '--quiet', '--steps', '5']).status, 0);
  const again = run(['demo', '--out', out, '--quiet', '--steps', '5']);
  assert.equal(again.status, 2);
  assert.match(again.stderr, /--out: .*demo-twice already exists/);
  assert.equal(run(['demo', '--out', out, '--quiet', '--steps', '5', '--force']).status, 0);
  const mine = path.join(tmp, 'not-a-demo');
  fs.mkdirSync(mine);
  fs.writeFileSync(path.join(mine, 'report.html'), 'mine');
  const r = run(['demo', '--out', mine, '--quiet', '--steps', '5', '--force']);
  assert.equal(r.status, 2);
  assert.match(r.stderr, /not a convexformer run directory/);
  assert.equal(fs.readFileSync(path.join(mine, 'report.html'), 'utf8'), 'mine');
});

test('help texts agree: one --classes text, "(default: x)" everywhere, no line break inside a sentence', () => {
  const help = (args: string[]) => {
    const r = run([...args, '--help']);
    assert.equal(r.status, 0, r.stderr);
    // commander wraps at the terminal width: join the wrapped lines back into one text
    return r.stdout.replace(/\n {2,}/g, ' ').replace(/\s+/g, ' ');
  };
  const top = help([]);
  assert.match(top, /certified global optimum, recover ordinary attention weights/);
  const classes = (text: string) => /--classes <c> (.*?) --/.exec(text)?.[1];
  const fitHelp = help(['fit']);
  assert.ok(classes(fitHelp));
  assert.equal(classes(help(['compare'])), classes(fitHelp));
  assert.equal(classes(help(['path'])), classes(fitHelp));
  for (const cmd of [['fit'], ['path'], ['compare'], ['grok'], ['demo'], ['report'], ['bench', 'step']]) {
    const text = help(cmd);
    const bare = /\(default [^:][^)]*\)/.exec(text);
    assert.equal(bare, null, `${cmd.join(' ')}: ${bare?.[0]}`);
    if (cmd[0] !== 'report' && cmd[0] !== 'bench') assert.match(text, /--force .*of the same kind/, cmd.join(' '));
  }
});

test('info lines up the program names whatever their length', () => {
  const lines = programLines([
    { name: 'attention', equation: 'eq. (10)', summary: 'a' },
    { name: 'a-much-longer-program-name', equation: 'eq. (12)', summary: 'b' },
  ]);
  const starts = lines.map((l) => l.indexOf('eq. ('));
  assert.equal(starts[0], starts[1], lines.join('\n'));
  assert.ok(/name {2}eq\./.test(lines[1]));
});
