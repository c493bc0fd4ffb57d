// Peak memory of `convexformer fit` on large .npz files, as a user runs it: reading the file,
// building the problem, solving, recovering, writing the run directory. Each fit runs in its own
// process; a preloaded hook reports that process's peak RSS when it exits. The ratio that matters
// is peak RSS / size of X (float64); Node's own footprint (an empty process, measured here in the
// same run) is printed beside it.
//   npm run bench:memory                  (attention and gated, squared loss, X of 200-400 MB)
//   node dist/bench/memory.js --quick     (X of ~40 MB)
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { plantedDataset } from '../src/data/planted';
import { encodeNpz } from '../src/data/npz';
import { peakRssRunner } from './peak-rss';

interface Case { model: 'attention' | 'gated'; N: number; n: number; d: number; c: number; heads?: number }

const quick = process.argv.includes('--quick');
const cases: Case[] = quick
  ? [{ model: 'attention', N: 20000, n: 8, d: 32, c: 10 }, { model: 'gated', N: 20000, n: 8, d: 32, c: 10, heads: 8 }]
  : [{ model: 'attention', N: 100000, n: 8, d: 32, c: 10 }, { model: 'gated', N: 100000, n: 8, d: 32, c: 10, heads: 8 },
    { model: 'attention', N: 200000, n: 8, d: 32, c: 10 }];

const repo = path.resolve(__dirname, '..', '..');
const cli = path.join(repo, 'dist', 'src', 'cli', 'main.js');
const work = fs.mkdtempSync(path.join(os.tmpdir(), 'cf-memory-'));
const peakRssMB = peakRssRunner(work);

const emptyNode = peakRssMB(['-e', '0']).mb;
const cliLoaded = peakRssMB([cli, 'info']).mb;
console.log(`machine: ${os.cpus()[0].model}, ${os.cpus().length} cores, node ${process.version}`);
console.log(`baseline peak RSS: empty node ${emptyNode.toFixed(0)} MB, convexformer info ${cliLoaded.toFixed(0)} MB`);
console.log('| program | N, n, d, c (h) | X (MB) | file (MB) | peak RSS (MB) | peak / X | (peak - info) / X |');
console.log('|---|---|---|---|---|---|---|');
const rows: Record<string, unknown>[] = [];
try {
  for (const cs of cases) {
    const { data } = plantedDataset({ N: cs.N, n: cs.n, d: cs.d, c: cs.c, tokens: [1, 5], noise: 0.1, seed: 1, loss: 'squared' });
    const file = path.join(work, `${cs.model}-${cs.N}.npz`);
    fs.writeFileSync(file, encodeNpz({ X: { data: data.train.X, shape: [cs.N, cs.n, cs.d] }, Y: { data: data.trainTargets.Y!, shape: [cs.N, cs.c] } }));
    const xMB = data.train.X.byteLength / 2 ** 20;
    const fileMB = fs.statSync(file).size / 2 ** 20;
    const out = path.join(work, `run-${cs.model}-${cs.N}`);
    const args = [cli, 'fit', '--data', file, '--model', cs.model, '--beta-frac', '0.2', '--tol', '1e-6', '--quiet', '--out', out];
    if (cs.heads) args.push('--gates', String(cs.heads));
    const r = peakRssMB(args);
    if (r.status !== 0) throw new Error(`fit failed (${r.status}): ${r.stderr.trim()}`);
    const row = { ...cs, xMB, fileMB, peakMB: r.mb, ratio: r.mb / xMB, aboveInfo: (r.mb - cliLoaded) / xMB };
    rows.push(row);
    console.log(`| ${cs.model}/squared | ${cs.N}, ${cs.n}, ${cs.d}, ${cs.c}${cs.heads ? ` (${cs.heads})` : ''} | ${xMB.toFixed(0)} | ${fileMB.toFixed(0)} | ` +
      `${r.mb.toFixed(0)} | ${row.ratio.toFixed(2)} | ${row.aboveInfo.toFixed(2)} |`);
    fs.rmSync(file);
    fs.rmSync(out, { recursive: true, force: true });
  }
} finally {
  fs.rmSync(work, { recursive: true, force: true });
}
fs.writeFileSync(path.join(repo, 'bench', `memory${quick ? '-quick' : ''}.json`), JSON.stringify({ emptyNode, cliLoaded, rows }, null, 2) + '\n');
