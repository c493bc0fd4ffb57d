// Where `report --out` writes: into a directory (as report.html), never half a page, and the same
// bytes for the same runs; a bad --out fails before any run directory is read.
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { cliOk, cliRun, fitRun, tmpDir } from './cli-runs';

test('report: --out a directory writes report.html in it, byte-identical to a second report of the same runs', () => {
  const tmp = tmpDir();
  const run = fitRun(path.join(tmp, 'run'));
  const outDir = path.join(tmp, 'out');
  fs.mkdirSync(outDir);
  const r = cliOk(['report', run, '--out', outDir]);
  const written = path.join(outDir, 'report.html');
  assert.ok(r.stdout.includes(written), r.stdout);
  cliOk(['report', run, '--out', path.join(tmp, 'again.html')]);
  assert.ok(fs.readFileSync(written).equals(fs.readFileSync(path.join(tmp, 'again.html'))), 'two reports of the same run differ');
});

test('report: an --out whose directory does not exist is created, as for run directories; one that cannot be fails at once', () => {
  const tmp = tmpDir();
  const parent = path.join(tmp, 'no-such-dir', 'deeper');
  const run = fitRun(path.join(tmp, 'run'));
  cliOk(['report', run, '--out', path.join(parent, 'r.html')]);
  assert.ok(fs.statSync(path.join(parent, 'r.html')).isFile());
  const r = cliRun(['report', path.join(tmp, 'no-such-run'), '--out', '/proc/no-such-dir/r.html']);
  assert.equal(r.status, 2);
  assert.match(r.stderr, /^convexformer: error: --out: cannot create \/proc\/no-such-dir: ENOENT\n$/);
  const file = path.join(tmp, 'a-file');
  fs.writeFileSync(file, '');
  const r2 = cliRun(['report', path.join(tmp, 'no-such-run'), '--out', path.join(file, 'r.html')]);
  assert.equal(r2.status, 2);
  assert.match(r2.stderr, /^convexformer: error: --out: .*a-file.* not a directory\n$/);
});

test('report: a report that cannot be written leaves no partial file, and a failed report keeps the old page', () => {
  const tmp = tmpDir();
  const run = fitRun(path.join(tmp, 'run'));
  // --out DIR whose report.html is itself a directory: nothing can be written
  const outDir = path.join(tmp, 'out');
  fs.mkdirSync(path.join(outDir, 'report.html'), { recursive: true });
  const r = cliRun(['report', run, '--out', outDir]);
  assert.equal(r.status, 2, r.stderr);
  assert.match(r.stderr, /--out/);
  const leftovers = (d: string): string[] => fs.readdirSync(d, { recursive: true }).map(String).filter((f) => f.includes('.tmp-'));
  assert.deepEqual(leftovers(tmp), []);
  // a run that cannot be read: the page from before stays as it was
  const page = path.join(tmp, 'page.html');
  fs.writeFileSync(page, 'the previous report');
  fs.writeFileSync(path.join(run, 'result.json'), '{');
  assert.equal(cliRun(['report', run, '--out', page]).status, 2);
  assert.equal(fs.readFileSync(page, 'utf8'), 'the previous report');
  assert.deepEqual(leftovers(tmp), []);
});
