// A few thousand mutated and truncated copies of the fixtures (fixed seed): each reads exactly the
// original arrays or is refused with a one-line InputError, within the allocation bound, quickly.
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import { Rng } from '../../src/core/rng';
import { fixture } from '../helpers';
import { FUZZ_FIXTURES, makeSeed, mutate, readMutated, type Seed } from './npz-fuzz';

test('3000 mutated .npz files: identical arrays or a one-line InputError, nothing else', () => {
  const seeds: Seed[] = FUZZ_FIXTURES.map((f) => makeSeed(f, new Uint8Array(fs.readFileSync(fixture(f)))));
  const rng = new Rng(20261130);
  const counts = { identical: 0, refused: 0 };
  const failures: string[] = [];
  let slowest = 0;
  const rssBefore = process.memoryUsage().rss;
  for (let i = 0; i < 3000; i++) {
    const seed = seeds[i % seeds.length];
    const m = mutate(seed.bytes, rng);
    const chunkSize = [1, 5, 64, 1 << 20][rng.int(4)];
    const t0 = performance.now();
    const r = readMutated(seed, m.bytes, chunkSize);
    slowest = Math.max(slowest, performance.now() - t0);
    if (r.kind === 'failure') failures.push(`#${i} ${seed.name} ${m.how} chunk ${chunkSize}: ${r.detail}`);
    else counts[r.kind]++;
  }
  assert.deepEqual(failures, []);
  // both outcomes occur, or the mutations are not reaching the reader
  assert.ok(counts.identical > 100 && counts.refused > 1000, JSON.stringify(counts));
  assert.ok(slowest < 1000, `slowest file took ${slowest.toFixed(0)} ms`);
  assert.ok(process.memoryUsage().rss - rssBefore < 300e6, 'resident memory grew by more than 300 MB');
});
