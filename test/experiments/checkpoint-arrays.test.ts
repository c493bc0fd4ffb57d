// Checkpoints keep large arrays in a binary .npz beside checkpoint.json: the state reads back
// equal, the JSON rename is the commit point (an orphan .npz from a run killed between the two
// renames is ignored and cleaned up), and a finished run keeps neither.
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { RunDir } from '../../src/experiments/run-dir';
import { joinArrays, splitArrays } from '../../src/experiments/checkpoint-arrays';
import { randn } from '../helpers';

const state = (seed: number) => ({
  train: { step: seed * 100, seconds: 1.5, params: { W: Array.from(randn(3000, seed)), b: [1, 2, 3] }, opt: { m: [Array.from(randn(1024, seed + 1))], t: 7, nothing: null } },
  history: [{ step: 0, trainLoss: 4.5 }],
});

test('split and join give the state back; only arrays of 1024 numbers or more move out', () => {
  const s = state(1);
  const { json, npz } = splitArrays(s);
  assert.ok(npz !== null);
  const text = JSON.stringify(json);
  assert.ok(text.length < 1000, `the JSON still holds the arrays (${text.length} chars)`);
  assert.match(text, /"b":\[1,2,3\]/);
  assert.deepEqual(joinArrays(JSON.parse(text), npz), s);
  // float32 values come back exactly
  const f = new Float32Array(2000).map((_, i) => i / 3);
  assert.deepEqual(joinArrays(JSON.parse(JSON.stringify(splitArrays({ f }).json)), splitArrays({ f }).npz), { f: Array.from(f) });
  assert.equal(splitArrays({ small: [1, 2] }).npz, null);
});

test('RunDir: a checkpoint reads back whole; an orphan .npz is ignored and removed; a finished run keeps no checkpoint file', () => {
  const out = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'cf-ck-')), 'run');
  const dir = new RunDir(out, { kind: 'grok', resumable: true });
  dir.writeCheckpoint(state(1));
  const partial = `${out}.partial`;
  assert.deepEqual(fs.readdirSync(partial).filter((n) => n.startsWith('checkpoint')).sort(), ['checkpoint.1.npz', 'checkpoint.json']);
  // the step is where readers of checkpoint.json look for it
  assert.equal(JSON.parse(fs.readFileSync(path.join(partial, 'checkpoint.json'), 'utf8')).train.step, 100);
  // a run killed after writing the next .npz but before renaming its JSON
  fs.writeFileSync(path.join(partial, 'checkpoint.2.npz'), 'half');
  assert.deepEqual(dir.readCheckpoint(), state(1));
  dir.writeCheckpoint(state(2));
  assert.deepEqual(fs.readdirSync(partial).filter((n) => n.startsWith('checkpoint')).sort(), ['checkpoint.3.npz', 'checkpoint.json']);
  assert.deepEqual(dir.readCheckpoint(), state(2));
  dir.removeCheckpoint();
  assert.deepEqual(fs.readdirSync(partial).filter((n) => n.startsWith('checkpoint')), []);
  dir.abort();
});
