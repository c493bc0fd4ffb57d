// `--float32-data` (issue 12 item 4): X held in float32, widened block by block for float64 GEMMs.
// 1. The operators alone (A w and A^T r once each, median of REPS, float32 storage and float64
//    storage alternating in one process): the ratio of their times.
// 2. `convexformer fit` as a user runs it, each run in its own process (peak RSS by bench/peak-rss.ts),
//    with and without --float32-data, on the same file (X stored as float32, so both solve the same
//    data): solve seconds, peak memory over X in float64, and how far the two objectives differ.
//   npm run bench:float32-data            (Fashion-MNIST from the Debian package when it is installed)
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { spawnSync } from 'node:child_process';
import { AttentionOperator } from '../src/convex/operators/attention';
import { GatedOperator } from '../src/convex/operators/gated';
import { computeGates } from '../src/convex/operators/gates';
import type { LinearOperator } from '../src/convex/types';
import { plantedDataset } from '../src/data/planted';
import { encodeNpz } from '../src/data/npz';
import { DEFAULT_FASHION_DIR } from '../src/data/vision';
import { blas } from '../src/core/blas';
import { Rng } from '../src/core/rng';
import { peakRssRunner } from './peak-rss';

const REPS = 9;
const repo = path.resolve(__dirname, '..', '..');
const cli = path.join(repo, 'dist', 'src', 'cli', 'main.js');
const work = fs.mkdtempSync(path.join(os.tmpdir(), 'cf-f32data-'));
const peak = peakRssRunner(work);
const median = (v: number[]) => [...v].sort((a, b) => a - b)[v.length >> 1];

function msPerPass(op: LinearOperator, w: Float64Array, r: Float64Array): number {
  const out = new Float64Array(op.rows), g = new Float64Array(op.cols);
  const t0 = process.hrtime.bigint();
  op.apply(w, out);
  op.applyT(r, g);
  return Number(process.hrtime.bigint() - t0) / 1e6;
}

console.log(`machine: ${os.cpus()[0].model}, ${os.cpus().length} cores, node ${process.version}, ${JSON.stringify(blas.info())}`);
console.log('\n1. A w + A^T r, float64 GEMMs (median of', REPS, 'alternating runs)\n');
console.log('| operator | N, n, d, c (h) | X float64 (ms) | X float32, widened (ms) | ratio |');
console.log('|---|---|---|---|---|');
for (const [kind, N, n, d, c, h] of [['attention', 60000, 16, 49, 10, 0], ['attention', 20000, 16, 64, 10, 0], ['gated', 10000, 8, 16, 10, 16]] as const) {
  const rng = new Rng(1);
  const X32 = Float32Array.from(rng.normals(N * n * d)), X64 = Float64Array.from(X32);
  const D = h ? computeGates(X64, N, n, d, rng.normals(h * n), rng.normals(h * d), h) : null;
  const make = (X: Float64Array | Float32Array): LinearOperator => (D ? new GatedOperator(X, N, n, d, c, D, h) : new AttentionOperator(X, N, n, d, c));
  const a = make(X64), b = make(X32);
  const w = rng.normals(a.cols), r = rng.normals(a.rows);
  msPerPass(a, w, r); msPerPass(b, w, r); // warm-up
  const ta: number[] = [], tb: number[] = [];
  for (let k = 0; k < REPS; k++) { ta.push(msPerPass(a, w, r)); tb.push(msPerPass(b, w, r)); }
  console.log(`| ${kind} | ${N}, ${n}, ${d}, ${c}${h ? ` (${h})` : ''} | ${median(ta).toFixed(1)} | ${median(tb).toFixed(1)} | ${(median(tb) / median(ta)).toFixed(2)} |`);
}

interface FitCase { name: string; file: string; xMB: number; args: string[] }
const cases: FitCase[] = [];
const planted = (model: 'attention' | 'gated', loss: 'squared' | 'ce', N: number, n: number, d: number, c: number, h?: number): FitCase => {
  const { data } = plantedDataset({ N, n, d, c, tokens: [1, 5], noise: 0.1, seed: 1, loss });
  const file = path.join(work, `${model}-${loss}-${N}.npz`);
  const t = data.trainTargets;
  fs.writeFileSync(file, encodeNpz({
    X: { data: Float32Array.from(data.train.X), shape: [N, n, d] },
    ...(t.Y ? { Y: { data: t.Y, shape: [N, c] } } : { y: { data: t.y!, shape: [N] } }),
  }));
  return { name: `planted ${model}/${loss} ${N}, ${n}, ${d}, ${c}${h ? ` (${h})` : ''}`, file, xMB: N * n * d * 8 / 2 ** 20,
    args: ['--model', model, '--loss', loss, '--beta-frac', '0.1', ...(h ? ['--gates', String(h)] : [])] };
};
cases.push(planted('attention', 'squared', 20000, 16, 64, 10), planted('attention', 'ce', 20000, 16, 64, 10), planted('gated', 'ce', 10000, 8, 16, 10, 16));
if (fs.existsSync(DEFAULT_FASHION_DIR)) {
  const file = path.join(work, 'fashion.npz');
  const made = spawnSync(process.execPath, [cli, 'data', 'fashion-mnist', '--out', file], { encoding: 'utf8' });
  if (made.status !== 0) throw new Error(`data fashion-mnist failed: ${made.stderr}`);
  for (const frac of ['0.1', '0.01']) {
    cases.push({ name: `Fashion-MNIST attention/ce 60000, 16, 49, 10 at ${frac} beta_max`, file, xMB: 60000 * 16 * 49 * 8 / 2 ** 20, args: ['--loss', 'ce', '--beta-frac', frac] });
  }
}

console.log('\n2. convexformer fit, each run in its own process (X stored as float32 in the file: the same data both ways)\n');
console.log('| data | X float64 (MB) | float64: solve s (solver) | float32 data: solve s | time ratio | float64: peak MB (/ X) | float32 data: peak MB (/ X) | objectives agree to | both certified |');
console.log('|---|---|---|---|---|---|---|---|---|');
const rows: Record<string, unknown>[] = [];
try {
  for (const cs of cases) {
    const fit = (extra: string[]) => {
      const out = path.join(work, 'run');
      const r = peak([cli, 'fit', '--data', cs.file, ...cs.args, ...extra, '--quiet', '--force', '--out', out]);
      if (r.status !== 0) throw new Error(`fit ${cs.name} ${extra.join(' ')} failed (${r.status}): ${r.stderr.trim()}`);
      return { mb: r.mb, result: JSON.parse(fs.readFileSync(path.join(out, 'result.json'), 'utf8')) };
    };
    const a = fit([]), b = fit(['--float32-data']);
    const agree = Math.abs(a.result.objective - b.result.objective) / Math.abs(a.result.objective);
    const row = { case: cs.name, xMB: cs.xMB, float64: { seconds: a.result.seconds, solver: a.result.solver, peakMB: a.mb }, float32Data: { seconds: b.result.seconds, solver: b.result.solver, peakMB: b.mb }, agree, certified: a.result.converged && b.result.converged };
    rows.push(row);
    console.log(`| ${cs.name} | ${cs.xMB.toFixed(0)} | ${a.result.seconds.toFixed(2)} (${a.result.solver}) | ${b.result.seconds.toFixed(2)} | ${(b.result.seconds / a.result.seconds).toFixed(2)} | ` +
      `${a.mb.toFixed(0)} (${(a.mb / cs.xMB).toFixed(2)}) | ${b.mb.toFixed(0)} (${(b.mb / cs.xMB).toFixed(2)}) | ${agree.toExponential(1)} | ${row.certified ? 'yes' : 'NO'} |`);
  }
} finally {
  fs.rmSync(work, { recursive: true, force: true });
}
fs.writeFileSync(path.join(repo, 'bench', 'float32-data.json'), JSON.stringify({ rows }, null, 2) + '\n');
