// The four speed cases of issue 12 against the NumPy FISTA (bench/numpy_fista.py, the same
// OpenBLAS), time to a certified relative gap of 1e-6, in one run: attention (eq. 10) with the
// squared loss and cross-entropy at N 20000, n 16, d 64, c 10, and the gated program (eq. 12) at
// N 10000, n 8, d 16, c 10, h 16; planted data (bench/solve-one.ts), beta 0.1 beta_max. Each solve
// runs in its own process: ours with `--solver auto` (what a user gets) and with FISTA (the
// reference), and NumPy's; REPS rounds in that order, the median of each reported.
//   npm run build && node dist/bench/speed-cases.js
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { runJson } from './run-json';

const REPS = 3;
const root = path.resolve(__dirname, '..', '..');
const one = path.join(__dirname, 'solve-one.js');
const work = fs.mkdtempSync(path.join(os.tmpdir(), 'cf-speed-'));
const CASES = [
  { model: 'attention', loss: 'squared', N: 20000, n: 16, d: 64, c: 10, h: 16 },
  { model: 'attention', loss: 'ce', N: 20000, n: 16, d: 64, c: 10, h: 16 },
  { model: 'gated', loss: 'squared', N: 10000, n: 8, d: 16, c: 10, h: 16 },
  { model: 'gated', loss: 'ce', N: 10000, n: 8, d: 16, c: 10, h: 16 },
] as const;
const median = (v: number[]) => [...v].sort((a, b) => a - b)[v.length >> 1];

console.log(`machine: ${os.cpus()[0].model}, ${os.cpus().length} cores, node ${process.version}; ${REPS} rounds, medians`);
console.log('| case | auto: s (what ran, iterations) | FISTA: s (iterations) | NumPy FISTA: s (iterations) | auto / NumPy | FISTA / NumPy | relative gaps (auto, FISTA, NumPy) | objectives agree to |');
console.log('|---|---|---|---|---|---|---|---|');
const rows: Record<string, unknown>[] = [];
try {
  for (const cs of CASES) {
    const npz = path.join(work, 'data.npz');
    const base = { ...cs, betaFrac: 0.1, tol: 1e-6, float32: false, adamSubopt: 1e-3, adamLrs: [], adamTimeLimit: 0, seed: 1, skipAdam: true, skipPeak: true };
    runJson(process.execPath, [one, JSON.stringify({ ...base, npz })]); // writes the data NumPy reads
    const runs = { auto: [] as Record<string, any>[], fista: [] as Record<string, any>[], numpy: [] as Record<string, any>[] }; // eslint-disable-line @typescript-eslint/no-explicit-any
    for (let r = 0; r < REPS; r++) {
      runs.auto.push(runJson(process.execPath, [one, JSON.stringify({ ...base, solver: 'auto' })]).fista);
      runs.fista.push(runJson(process.execPath, [one, JSON.stringify(base)]).fista);
      runs.numpy.push(runJson('/usr/bin/python3', [path.join(root, 'bench', 'numpy_fista.py'), npz, cs.model, cs.loss, '1e-6']));
    }
    const s = (k: keyof typeof runs) => median(runs[k].map((x) => x.seconds));
    const it = (k: keyof typeof runs) => median(runs[k].map((x) => x.iterations));
    const a = runs.auto[0], f = runs.fista[0], np = runs.numpy[0];
    const agree = Math.max(...[a.primal, np.primal].map((p: number) => Math.abs(p - f.primal) / Math.abs(f.primal)));
    const row = { ...cs, auto: s('auto'), method: a.method, fista: s('fista'), numpy: s('numpy'), runs, agree };
    rows.push(row);
    console.log(`| ${cs.model}/${cs.loss}, N ${cs.N}, n ${cs.n}, d ${cs.d}, c ${cs.c}${cs.model === 'gated' ? `, h ${cs.h}` : ''} | ` +
      `${s('auto').toFixed(2)} (${a.method}, ${it('auto')}) | ${s('fista').toFixed(2)} (${it('fista')}) | ${s('numpy').toFixed(2)} (${it('numpy')}) | ` +
      `**${(s('auto') / s('numpy')).toFixed(2)}** | ${(s('fista') / s('numpy')).toFixed(2)} | ` +
      `${a.relGap.toExponential(1)}, ${f.relGap.toExponential(1)}, ${np.relGap.toExponential(1)} | ${agree.toExponential(1)} |`);
  }
} finally {
  fs.rmSync(work, { recursive: true, force: true });
}
fs.writeFileSync(path.join(root, 'bench', 'speed-cases.json'), JSON.stringify(rows, null, 2) + '\n');
