// Messages: numbers that stay distinguishable, errors that name the option, no raw control
// characters on the terminal, one line for every failure (bench included), out of memory said so.
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { spawnSync } from 'node:child_process';
import { zipSync } from 'fflate';
import { encodeNpz } from '../../src/data/npz';
import { doing, errorLine, fmt } from '../../src/cli/common';
import { cli, randn } from '../helpers';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'cf-msg-'));
const data = path.join(tmp, 'data.npz');
fs.writeFileSync(data, encodeNpz({ X: { data: randn(40 * 4 * 3, 1), shape: [40, 4, 3] }, Y: { data: randn(80, 2), shape: [40, 2] } }));
const run = (args: string[]) => spawnSync(process.execPath, [cli, ...args], { encoding: 'utf8', cwd: tmp });
const oneLine = (r: { status: number | null; stderr: string }, pattern: RegExp) => {
  assert.equal(r.status, 2, r.stderr);
  assert.match(r.stderr, pattern);
  assert.equal(r.stderr.trim().split('\n').length, 1, r.stderr);
  assert.ok(r.stderr.startsWith('convexformer: '), r.stderr);
};

test('a small --beta-frac prints as a distinguishable number', () => {
  const r = run(['fit', '--data', data, '--beta-frac', '0.001', '--out', 'small', '--quiet']);
  assert.notEqual(r.status, 2, r.stderr);
  assert.match(r.stdout, /\(1\.0e-3 x beta_max=/);
  assert.equal(fmt(0.001, 4), '1.0e-3');
  assert.notEqual(fmt(0.002, 4), fmt(0.001, 4));
});

test('a beta that overflows names the option', () => {
  oneLine(run(['fit', '--data', data, '--beta-frac', '1e308', '--out', 'huge', '--quiet']), /--beta-frac: gives beta = Infinity/);
  oneLine(run(['path', '--data', data, '--fracs', '1e308,1', '--out', 'huge-path', '--quiet']), /--fracs: 1e\+308 x beta_max .* is not a finite beta/);
});

test('control characters in echoed names are escaped', () => {
  const r = run(['fit', '--data', 'x\x1b[31mred\x07.npz', '--beta-frac', '0.1', '--out', 'ctl']);
  oneLine(r, /--data: cannot read x\\u001b\[31mred\\u0007\.npz/);
  assert.ok(!/[\x00-\x09\x0b-\x1f]/.test(r.stderr), JSON.stringify(r.stderr));
});

test('bench fails only with one line and exit 2', () => {
  oneLine(run(['bench', 'step', '--nope']), /unknown option '--nope'/);
  oneLine(run(['bench']), /bench: missing subcommand; expected one of: step/);
  oneLine(run(['bench', 'step', '--heads', '3']), /d-model 128 is not divisible by 3 heads/);
});

test('a data file too large to unpack is reported as memory running out, not as a bad file', () => {
  // a zip entry that claims 4 GB unpacked, read under a 3 GB address-space limit
  const z = Buffer.from(zipSync({ 'X.npy': [new Uint8Array(100), { level: 6 }] }));
  z.writeUInt32LE(0xfffffff0, 22);
  z.writeUInt32LE(0xfffffff0, z.indexOf(Buffer.from([0x50, 0x4b, 0x01, 0x02])) + 24);
  const huge = path.join(tmp, 'huge.npz');
  fs.writeFileSync(huge, z);
  const r = spawnSync('bash', ['-c', `ulimit -v 3000000 && exec "${process.execPath}" "${cli}" fit --data "${huge}" --beta-frac 0.1 --out huge-out`], { encoding: 'utf8', cwd: tmp });
  oneLine(r, /^convexformer: error: out of memory while reading .*huge\.npz \(0\.0 MB on disk, more once unpacked\) \(Array buffer allocation failed\)/);
  assert.doesNotMatch(r.stderr, /not a readable/);
});

test('an allocation failure is reported as memory, with what was being done', () => {
  doing('solving the convex program for N=10 n=2 d=2');
  assert.equal(errorLine(new RangeError('Array buffer allocation failed')),
    'convexformer: error: out of memory while solving the convex program for N=10 n=2 d=2 (Array buffer allocation failed); try a smaller data set or a machine with more memory');
  assert.equal(errorLine(new Error('a\nb\x1b')), 'convexformer: error: a\\nb\\u001b');
});
