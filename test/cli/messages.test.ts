// Messages: numbers that stay distinguishable, errors that name the option, no raw control
// characters on the terminal, one line for every failure (bench included), out of memory said so.
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { spawnSync } from 'node:child_process';
import { encodeNpz } from '../../src/data/npz';
import { doing, errorLine, flagOf, fmt, guarded, learnFlags } from '../../src/cli/common';
import { checkSolveFits } from '../../src/convex/memory-estimate';
import { NumericError } from '../../src/convex/numeric-error';
import { fitCommand } from '../../src/cli/fit';
import { compareCommand } from '../../src/cli/compare';
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
  oneLine(r, /--data: cannot read "x\\u001b\[31mred\\u0007\.npz"/);
  assert.ok(!/[\x00-\x09\x0b-\x1f]/.test(r.stderr), JSON.stringify(r.stderr));
});

test('bench fails only with one line and exit 2', () => {
  oneLine(run(['bench', 'step', '--nope']), /unknown option '--nope'/);
  oneLine(run(['bench']), /bench: missing subcommand; expected one of: step/);
  oneLine(run(['bench', 'step', '--heads', '3']), /d-model 128 is not divisible by 3 heads/);
});

test('a data file too large for memory is reported as memory running out, with how much and for what', () => {
  // A stored X.npy of shape (100000000, 4, 1): 3.2 GB of float64 that the file really holds (as a
  // sparse hole, a few kB of disk), read under a 3 GB address-space limit.
  const shape = '(100000000, 4, 1)';
  let header = `{'descr': '<f8', 'fortran_order': False, 'shape': ${shape}, }`;
  header += ' '.repeat(63 - ((10 + header.length) % 64)) + '\n';
  const npyHead = Buffer.concat([Buffer.from([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, 1, 0, header.length & 0xff, header.length >> 8]), Buffer.from(header, 'latin1')]);
  const size = npyHead.length + 3.2e9;
  const name = Buffer.from('X.npy');
  const local = Buffer.alloc(30);
  local.writeUInt32LE(0x04034b50, 0); local.writeUInt16LE(20, 4);
  local.writeUInt32LE(size, 18); local.writeUInt32LE(size, 22); local.writeUInt16LE(name.length, 26);
  const central = Buffer.alloc(46);
  central.writeUInt32LE(0x02014b50, 0); central.writeUInt16LE(20, 4); central.writeUInt16LE(20, 6);
  central.writeUInt32LE(size, 20); central.writeUInt32LE(size, 24); central.writeUInt16LE(name.length, 28);
  const cdAt = 30 + name.length + size;
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0); end.writeUInt16LE(1, 8); end.writeUInt16LE(1, 10);
  end.writeUInt32LE(46 + name.length, 12); end.writeUInt32LE(cdAt, 16);
  const huge = path.join(tmp, 'huge.npz');
  const fd = fs.openSync(huge, 'w');
  fs.writeSync(fd, Buffer.concat([local, name, npyHead]), 0, 30 + name.length + npyHead.length, 0);
  fs.writeSync(fd, Buffer.concat([central, name, end]), 0, 46 + name.length + 22, cdAt);
  fs.closeSync(fd);
  try {
    const r = spawnSync('bash', ['-c', `ulimit -v 3000000 && exec "${process.execPath}" "${cli}" fit --data "${huge}" --beta-frac 0.1 --out huge-out`], { encoding: 'utf8', cwd: tmp });
    oneLine(r, /^convexformer: error: out of memory while reading .*huge\.npz \(3200\.0 MB on disk, more once unpacked\) \(Array buffer allocation failed: 3\.20 GB needed for array X\)/);
    assert.doesNotMatch(r.stderr, /damaged|not a readable/);
  } finally {
    fs.unlinkSync(huge);
  }
});

test('an allocation failure is reported as memory, with what was being done', () => {
  doing('solving the convex program for N=10 n=2 d=2');
  assert.equal(errorLine(new RangeError('Array buffer allocation failed')),
    'convexformer: error: out of memory while solving the convex program for N=10 n=2 d=2 (Array buffer allocation failed); try a smaller data set or a machine with more memory');
  assert.equal(errorLine(new Error('a\nb\x1b')), 'convexformer: error: a\\nb\\u001b');
});

test('names echoed on success are escaped too (fit, report)', () => {
  const out = 'o\x1b[1mut';
  const f = run(['fit', '--data', data, '--beta-frac', '0.3', '--out', out, '--quiet']);
  assert.equal(f.status, 0, f.stderr);
  const r = run(['report', out, '--out', 'r\x1b[1m.html']);
  assert.equal(r.status, 0, r.stderr);
  for (const s of [f.stdout, r.stdout]) {
    assert.ok(!/[\x00-\x09\x0b-\x1f]/.test(s), JSON.stringify(s));
    assert.match(s, /\\u001b\[1m/);
  }
});

test('config fields map to the flags the commands declare; array keys of a data file do not', () => {
  assert.equal(flagOf('betaFrac'), undefined, 'learned before any command was');
  learnFlags(fitCommand());
  learnFlags(compareCommand());
  assert.equal(flagOf('betaFrac'), '--beta-frac');
  assert.equal(flagOf('out'), '--out');
  assert.equal(flagOf('resume'), '--resume');
  assert.equal(flagOf('heads'), '--heads');
  assert.equal(flagOf('maxIter'), '--max-iter');
  assert.equal(flagOf('gates'), '--gates');
  assert.equal(flagOf('X'), undefined);
  assert.equal(flagOf('U1'), undefined);
  // a field's error printed by a command names the flag
  oneLine(run(['fit', '--data', data, '--beta', '1', '--beta-frac', '0.5', '--out', 'both', '--quiet']), /^convexformer: error: --beta: give exactly one of --beta and --beta-frac/);
});

test('messages below the CLI cite fields in backticks; the terminal shows the flags, for any error', async () => {
  assert.throws(() => checkSolveFits(1000, 4, 3, 10, 1, 1), /use fewer classes \(`classes`\) or fewer samples$/);
  learnFlags(fitCommand());
  const written: string[] = [];
  const write = process.stderr.write;
  process.stderr.write = ((s: string) => { written.push(s); return true; }) as typeof process.stderr.write;
  try {
    await guarded(() => { throw new NumericError('solver: the objective became NaN; rescale X or Y, or lower `lr` for adam'); });
    await guarded(() => checkSolveFits(1000, 4, 3, 10, 1, 1));
  } finally {
    process.stderr.write = write;
    process.exitCode = undefined;
  }
  assert.match(written[0], /^convexformer: error: solver: the objective became NaN; rescale X or Y, or lower --lr for adam\n$/);
  assert.match(written[1], /use fewer classes \(--classes\) or fewer samples\n$/);
});
