// convexformer data modular: the .npz NumPy reads (dtypes, shapes, the equations and the split),
// the one-hot export that `fit --loss ce` solves, one-line refusals, and --out written whole.
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { spawnSync } from 'node:child_process';
import { cli } from '../helpers';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'cf-data-'));

function run(...args: string[]) {
  return spawnSync(process.execPath, [cli, ...args], { encoding: 'utf8', cwd: tmp, timeout: 60000 });
}

function python(code: string): string {
  const r = spawnSync('python3', ['-c', code], { encoding: 'utf8', cwd: tmp, timeout: 60000 });
  assert.equal(r.status, 0, r.stderr);
  return r.stdout.trim();
}

test('the ids export reads back with NumPy: int32 arrays of the right shapes, the equations check, the split is disjoint', () => {
  const r = run('data', 'modular', '--op', 'div', '--p', '15', '--seed', '1', '--out', 'div15.npz');
  assert.equal(r.status, 0, r.stderr);
  assert.equal(r.stdout, 'wrote div15.npz (ids): modular div mod 15: 120 equations x / y = c, 60 train + 60 test (seed 1); ' +
    'division defined for y invertible mod p: 120 of the 210 pairs\n');
  const out = python(`
import math, numpy as np
d = np.load('div15.npz')
tr, te = d['ids_train'], d['ids_test']
print(tr.dtype, tr.shape, d['y_train'].dtype, d['y_train'].shape, te.dtype, te.shape, d['y_test'].dtype, d['y_test'].shape)
print(*(int(d[k]) for k in ['p', 'op', 'op_token', 'eq_token', 'vocab', 'classes', 'seed', 'pairs', 'equations', 'invertible_y']), float(d['train_frac']))
ids, y = np.concatenate([tr, te]), np.concatenate([d['y_train'], d['y_test']])
assert (ids[:, 1] == 15).all() and (ids[:, 3] == 16).all()
assert all(math.gcd(int(b), 15) == 1 for b in ids[:, 2])
assert ((y * ids[:, 2]) % 15 == ids[:, 0]).all()
assert len({(int(r[0]), int(r[2])) for r in ids}) == 120
print('ok')
`);
  assert.equal(out, 'int32 (60, 4) int32 (60,) int32 (60, 4) int32 (60,)\n15 0 15 16 17 15 1 210 120 8 0.5\nok');
});

test('the same seed writes the same bytes, another seed another split', () => {
  for (const [name, seed] of [['a.npz', '7'], ['b.npz', '7'], ['c.npz', '8']]) {
    assert.equal(run('data', 'modular', '--op', 'add', '--p', '11', '--seed', seed, '--train-frac', '0.3', '--out', name).status, 0);
  }
  const read = (f: string) => fs.readFileSync(path.join(tmp, f));
  assert.ok(read('a.npz').equals(read('b.npz')));
  assert.ok(!read('a.npz').equals(read('c.npz')));
  assert.equal(python("import numpy as np; print(len(np.load('a.npz')['y_train']))"), String(Math.round(0.3 * 121)));
});

test('fit --loss ce solves the tokens export to a certificate and reports test accuracy', () => {
  const r = run('data', 'modular', '--op', 'add', '--p', '5', '--format', 'tokens', '--out', 'add5.npz');
  assert.equal(r.status, 0, r.stderr);
  assert.equal(python(`
import numpy as np
d = np.load('add5.npz')
print(d['X'].dtype, d['X'].shape, d['X_test'].shape, d['y'].dtype, d['y'].shape, d['y_test'].shape, float(d['X'].sum()))
`), 'float32 (13, 4, 7) (12, 4, 7) int32 (13,) (12,) 52.0');
  const fit = run('fit', '--data', 'add5.npz', '--loss', 'ce', '--classes', '5', '--beta-frac', '0.1', '--quiet', '--out', 'fit-add5');
  assert.equal(fit.status, 0, fit.stderr);
  const result = JSON.parse(fs.readFileSync(path.join(tmp, 'fit-add5', 'result.json'), 'utf8'));
  assert.equal(result.converged, true);
  assert.deepEqual([result.N, result.n, result.d, result.c], [13, 4, 7, 5]);
  assert.ok(result.test && Number.isFinite(result.test.accuracy), 'the test split is evaluated');
});

test('refusals: exit 2, one line naming the flag; an existing --out is kept unless --force, a directory never', () => {
  const cases: [string[], RegExp][] = [
    [['--op', 'div', '--p', '1'], /^convexformer: error: --p: must be an integer >= 2, got 1\n$/],
    [['--op', 'div', '--p', '2.5'], /^convexformer: error: --p: must be an integer >= 2, got 2\.5\n$/],
    [['--op', 'div', '--p', 'x'], /^convexformer: error: .*--p must be a number, got 'x'\n$/],
    [['--op', 'pow', '--p', '7'], /^convexformer: error: option '--op <op>' argument 'pow' is invalid\. Allowed choices are div, mul, add, sub\.\n$/],
    [['--p', '7'], /^convexformer: error: required option '--op <op>' not specified\n$/],
    [['--op', 'div', '--p', '7', '--train-frac', '0.01'], /^convexformer: error: --train-frac: 0\.01 leaves the training split empty .*\n$/],
    [['--op', 'div', '--p', '7', '--seed', '-1'], /^convexformer: error: --seed: must be an integer in \[0, 4294967295\], got -1\n$/],
  ];
  for (const [args, pattern] of cases) {
    const r = run('data', 'modular', ...args, '--out', 'refused.npz');
    assert.equal(r.status, 2, args.join(' '));
    assert.match(r.stderr, pattern, args.join(' '));
    assert.ok(!fs.existsSync(path.join(tmp, 'refused.npz')));
  }
  fs.writeFileSync(path.join(tmp, 'mine.npz'), 'precious');
  const kept = run('data', 'modular', '--op', 'mul', '--p', '7', '--out', 'mine.npz');
  assert.equal(kept.status, 2);
  assert.equal(kept.stderr, 'convexformer: error: --out: "mine.npz" exists; pass --force to replace it\n');
  assert.equal(fs.readFileSync(path.join(tmp, 'mine.npz'), 'utf8'), 'precious');
  assert.equal(run('data', 'modular', '--op', 'mul', '--p', '7', '--out', 'mine.npz', '--force').status, 0);
  assert.equal(python("import numpy as np; print(np.load('mine.npz')['y_train'].shape)"), `(${Math.round(0.5 * 49)},)`);
  fs.mkdirSync(path.join(tmp, 'adir'));
  const dir = run('data', 'modular', '--op', 'mul', '--p', '7', '--out', 'adir', '--force');
  assert.equal(dir.status, 2);
  assert.equal(dir.stderr, 'convexformer: error: --out: "adir" is a directory; expected a file to write\n');
  assert.deepEqual(fs.readdirSync(path.join(tmp, 'adir')), []);
  assert.deepEqual(fs.readdirSync(tmp).filter((f) => f.includes('.tmp-')), [], 'no temporary file left');
});

test('--help says how division is defined for a composite p, and data lists its tasks', () => {
  const help = run('data', 'modular', '--help');
  assert.equal(help.status, 0);
  assert.match(help.stdout, /gcd\(y, p\) = 1/);
  assert.match(help.stdout, /mod 15: 8 of 14 y, 120 of the 210 pairs/);
  assert.match(help.stdout, /--train-frac <F>/);
  const bare = run('data');
  assert.equal(bare.status, 2);
  assert.match(bare.stderr, /missing subcommand; expected one of: modular/);
});

test.after(() => fs.rmSync(tmp, { recursive: true, force: true }));
