// What `path` prints: nothing on stdout when an input is refused (every fraction and its beta are
// checked before the table starts), and no raw control characters from a user-given --out.
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { spawnSync } from 'node:child_process';
import { encodeNpz } from '../../src/data/npz';
import { cli, randn } from '../helpers';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'cf-path-'));
const data = path.join(tmp, 'data.npz');
fs.writeFileSync(data, encodeNpz({ X: { data: randn(40 * 4 * 3, 1), shape: [40, 4, 3] }, Y: { data: randn(80, 2), shape: [40, 2] } }));
const run = (args: string[]) => spawnSync(process.execPath, [cli, 'path', '--data', data, ...args, '--quiet'], { encoding: 'utf8' });

test('path refuses a fraction whose beta overflows before printing anything', () => {
  const r = run(['--fracs', '1e308,0.1', '--out', path.join(tmp, 'huge')]);
  assert.equal(r.status, 2, r.stderr);
  assert.match(r.stderr, /--fracs: 1e\+308 x beta_max .* is not a finite beta/);
  assert.equal(r.stdout, '');
});

test('path escapes control characters of --out in what it prints', () => {
  const out = path.join(tmp, 'o\x1b[1mut');
  const r = run(['--fracs', '1,0.5', '--out', out]);
  assert.equal(r.status, 0, r.stderr);
  assert.ok(fs.existsSync(path.join(out, 'path.json')));
  assert.match(r.stdout, /^beta\/bmax/);
  // eslint-disable-next-line no-control-regex
  assert.doesNotMatch(r.stdout.replace(/\n/g, ''), /[\u0000-\u001f\u007f-\u009f]/);
  assert.match(r.stdout, /wrote .*o\\u001b\[1mut: config\.json, path\.json, path\.jsonl$/m);
});
