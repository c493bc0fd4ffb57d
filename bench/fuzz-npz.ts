// The long fuzz run of the .npz reader: 10^5 mutated copies of the test fixtures (seeded), each
// read with a random chunk size. Prints how many read identical, how many were refused, the
// kinds of refusal, and every failure (a different array, another exception, a bad message).
//   npm run bench:fuzz [-- count seed]
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Rng } from '../src/core/rng';
import { FUZZ_FIXTURES, errorKind, makeSeed, mutate, readMutated } from '../test/data/npz-fuzz';

const count = Number(process.argv[2] ?? 1e5);
const seedValue = Number(process.argv[3] ?? 7);
const root = path.resolve(__dirname, '..', '..');
const seeds = FUZZ_FIXTURES.map((f) => makeSeed(f, new Uint8Array(fs.readFileSync(path.join(root, 'test', 'fixtures', f)))));
const rng = new Rng(seedValue);
const counts = { identical: 0, refused: 0, failure: 0 };
const kinds = new Map<string, number>();
const byMutation = new Map<string, { identical: number; refused: number }>();
let slowest = { ms: 0, what: '' };
const t0 = performance.now();
for (let i = 0; i < count; i++) {
  const seed = seeds[i % seeds.length];
  const m = mutate(seed.bytes, rng);
  const chunkSize = [1, 5, 64, 1 << 20][rng.int(4)];
  const t = performance.now();
  const r = readMutated(seed, m.bytes, chunkSize);
  const ms = performance.now() - t;
  if (ms > slowest.ms) slowest = { ms, what: `#${i} ${seed.name} ${m.how} chunk ${chunkSize}` };
  counts[r.kind]++;
  const how = m.how.split(' ')[0];
  const row = byMutation.get(how) ?? { identical: 0, refused: 0 };
  if (r.kind === 'failure') console.log(`FAILURE #${i} ${seed.name} ${m.how} chunk ${chunkSize}: ${r.detail}`);
  else row[r.kind]++;
  byMutation.set(how, row);
  if (r.kind === 'refused') kinds.set(errorKind(r.message), (kinds.get(errorKind(r.message)) ?? 0) + 1);
}
const s = (performance.now() - t0) / 1000;
console.log(`machine: ${os.cpus()[0].model}, node ${process.version}`);
console.log(`${count} files from ${seeds.length} fixtures, seed ${seedValue}, ${s.toFixed(1)} s; slowest file ${slowest.ms.toFixed(1)} ms (${slowest.what})`);
console.log(`read identical ${counts.identical}, refused ${counts.refused}, failures ${counts.failure}`);
console.log('| mutation | identical | refused |\n|---|---|---|');
for (const [how, r] of [...byMutation].sort()) console.log(`| ${how} | ${r.identical} | ${r.refused} |`);
console.log(`${kinds.size} kinds of refusal; the most frequent:`);
for (const [k, v] of [...kinds].sort((a, b) => b[1] - a[1]).slice(0, 20)) console.log(`${String(v).padStart(7)}  ${k}`);
