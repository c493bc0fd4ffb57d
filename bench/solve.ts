// Time to a certified gap for the four programs at two sizes, against Adam on the convex
// objective and a NumPy FISTA on the same data, in the same run (the machine is shared and
// noisy: only ratios measured together mean anything).
//   npm run bench [-- --quick]
// Each configuration runs in its own process (bench/solve-one.ts) so its peak memory is its own.
// Prints a markdown table for bench/RESULTS.md and writes bench/results.json.
import { runJson } from './run-json';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

const quick = process.argv.includes('--quick');
const root = path.resolve(__dirname, '..', '..');
const one = path.join(__dirname, 'solve-one.js');
const npz = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'cf-bench-')), 'data.npz');

interface Size { N: number; n: number; d: number; c: number; h: number; reps: number; adamLrs: number[] }
const sizes: Size[] = quick
  ? [{ N: 500, n: 8, d: 16, c: 5, h: 4, reps: 3, adamLrs: [0.01] }]
  : [
    { N: 2000, n: 8, d: 32, c: 10, h: 16, reps: 5, adamLrs: [0.1, 0.01, 0.001] },
    { N: 20000, n: 16, d: 64, c: 10, h: 16, reps: 1, adamLrs: [0.01] },
  ];
const programs = [['attention', 'squared'], ['attention', 'ce'], ['gated', 'squared'], ['gated', 'ce']] as const;


const rows: Record<string, any>[] = [];
for (const s of sizes) {
  for (const [model, loss] of programs) {
    // Probe FISTA's time first, so Adam gets 21x that: if Adam has not reached 1e-3 by then, the
    // ">= 20x" target is met whatever Adam would do later.
    const base = { model, loss, ...s, betaFrac: 0.1, tol: 1e-6, float32: false, adamSubopt: 1e-3, seed: 1 };
    const probe = runJson(process.execPath, [one, JSON.stringify({ ...base, skipAdam: true, adamLrs: [], adamTimeLimit: 0, npz })]);
    const numpy = runJson('/usr/bin/python3', [path.join(root, 'bench', 'numpy_fista.py'), npz, model, loss, '1e-6']);
    const adamLimit = Math.max(5, 21 * probe.fista.seconds);
    const full = runJson(process.execPath, [one, JSON.stringify({ ...base, adamTimeLimit: adamLimit })]);
    const row = { ...full, numpy, adamLimit };
    rows.push(row);
    const f = full.fista;
    const bestAdam = full.adam.filter((a: any) => a.reached).sort((a: any, b: any) => a.seconds - b.seconds)[0];
    process.stderr.write(`${model}/${loss} N=${s.N}: fista ${f.seconds.toFixed(3)}s, numpy ${numpy.seconds.toFixed(3)}s, ` +
      `adam ${bestAdam ? bestAdam.seconds.toFixed(2) + 's' : `not within ${adamLimit.toFixed(0)}s`}\n`);
  }
}
fs.writeFileSync(path.join(root, 'bench', 'results.json'), JSON.stringify(rows, null, 2) + '\n');

const fmt = (v: number, d = 3): string => v.toFixed(d);
console.log('| program | N, n, d, c (h) | FISTA to 1e-6 (s) | cold (s) | iters | heads | NumPy FISTA (s) | ours / NumPy | Adam to 1e-3 subopt. (best lr) | Adam / FISTA | op GFLOP/s | dgemm peak | op / peak | peak RSS (MB) | X (MB) | (RSS - start) / X |');
console.log('|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|');
for (const r of rows) {
  const c = r.config, f = r.fista, m = r.memory;
  const reached = r.adam.filter((a: any) => a.reached).sort((a: any, b: any) => a.seconds - b.seconds);
  const adamText = reached.length ? `${fmt(reached[0].seconds, 2)} (lr ${reached[0].lr})`
    : `not reached in ${fmt(r.adamLimit, 0)} s (best ${Math.min(...r.adam.map((a: any) => a.subopt)).toExponential(1)})`;
  const ratio = reached.length ? `${fmt(reached[0].seconds / f.seconds, 0)}x` : `> ${fmt(r.adamLimit / f.seconds, 0)}x`;
  console.log(`| ${c.model}/${c.loss} | ${c.N}, ${c.n}, ${c.d}, ${c.c}${c.model === 'gated' ? ` (${c.h})` : ''} | ${fmt(f.seconds)} | ${fmt(f.coldSeconds)} | ${f.iterations} | ${f.nonzeroGroups}/${f.totalGroups} | ` +
    `${fmt(r.numpy.seconds)} | ${fmt(f.seconds / r.numpy.seconds, 2)} | ${adamText} | ${ratio} | ${fmt(f.operatorGflops, 1)} | ${fmt(r.gemmPeakGflops, 0)} | ` +
    `${fmt((100 * f.operatorGflops) / r.gemmPeakGflops, 0)}% | ${fmt(m.peakRssMB, 0)} | ${fmt(m.xMB, 1)} | ${fmt((m.peakRssMB - m.rssAtStartMB) / m.xMB, 2)} |`);
}
