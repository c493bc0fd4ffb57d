// Cross-entropy on attention (eq. 10): time to a certified relative gap of 1e-6 for `--solver auto`
// (FISTA's probe, then prox-Newton where it has not certified), the prox-Newton solver alone
// (solvers/prox-newton.ts), our FISTA over the data and the NumPy FISTA (bench/numpy_fista.py, same
// OpenBLAS), each in its own process, in one run. Cases: the
// issue's two cross-entropy speed cases (planted data) and all 60,000 Fashion-MNIST training
// images as 16 tokens of 49 pixels at beta = 0.1 and 0.01 beta_max. FISTA runs (ours and NumPy's)
// stop at LIMIT seconds on Fashion-MNIST; their gap then says how far they got.
//   npm run bench:newton [-- --quick]      (quick: the planted cases only)
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { plantedDataset } from '../src/data/planted';
import { withBeta } from '../src/convex/programs/assemble';
import { programNamed } from '../src/convex/registry';
import { solveCertified, type SolverChoice } from '../src/convex/solve';
import { encodeNpz } from '../src/data/npz';
import { blas } from '../src/core/blas';
import { DEFAULT_FASHION_DIR, loadVision } from '../src/data/vision';
import type { Dataset } from '../src/data/dataset';
import { runJson } from './run-json';

const root = path.resolve(__dirname, '..', '..');
const LIMIT = 300;

interface Case { name: string; N: number; n: number; d: number; c: number; betaFrac: number; fashion?: boolean }
const CASES: Case[] = [
  { name: 'planted', N: 2000, n: 8, d: 32, c: 10, betaFrac: 0.1 },
  { name: 'planted', N: 20000, n: 16, d: 64, c: 10, betaFrac: 0.1 },
  ...(fs.existsSync(DEFAULT_FASHION_DIR) && !process.argv.includes('--quick')
    ? [0.1, 0.01].map((betaFrac) => ({ name: 'Fashion-MNIST', N: 60000, n: 16, d: 49, c: 10, betaFrac, fashion: true }))
    : []),
];

function dataOf(s: Case): Dataset {
  if (!s.fashion) {
    const tokens = Array.from({ length: Math.max(2, Math.floor(s.n / 4)) }, (_, i) => (3 * i + 1) % s.n);
    return plantedDataset({ N: s.N, n: s.n, d: s.d, c: s.c, tokens, noise: 0.1, seed: 1, loss: 'ce' }).data;
  }
  const v = loadVision({ idxDir: DEFAULT_FASHION_DIR, patch: 7, project: 'none', seed: 0, nTest: 1 });
  return { train: { X: Float64Array.from(v.X), N: v.N, n: v.n, d: v.d }, trainTargets: { y: v.y, c: v.classes } };
}

/** One solve in this process: seconds to the certificate, iterations, gap, passes, peak memory over X's float64 size. */
function one(s: Case, solver: SolverChoice, npz?: string) {
  const data = dataOf(s);
  const base = programNamed('attention').build(data, { loss: 'ce' });
  const built = withBeta(base, s.betaFrac * base.betaMax);
  if (npz) {
    fs.writeFileSync(npz, encodeNpz({
      X: { data: data.train.X as Float64Array, shape: [s.N, s.n, s.d] }, y: { data: data.trainTargets.y!, shape: [s.N] },
      beta: { data: Float64Array.of(built.problem.beta), shape: [] },
    }));
  }
  const r = solveCertified(built, solver, { tol: 1e-6, maxIter: 100000, timeLimit: s.fashion ? LIMIT : undefined });
  const peak = process.resourceUsage().maxRSS * 1024;
  return {
    seconds: r.certificate.seconds, iterations: r.certificate.iterations, relGap: r.certificate.relGap, primal: r.certificate.primal,
    passes: r.operatorApplications, method: r.method, screened: r.screened ?? null,
    // the process's peak resident memory (X, the data it came from, the solver) over X in float64
    memoryOverX: peak / (s.N * s.n * s.d * 8),
  };
}

if (process.argv[2] === '--one') {
  const { size, solver, npz } = JSON.parse(process.argv[3]) as { size: Case; solver: SolverChoice; npz?: string };
  console.log(JSON.stringify(one(size, solver, npz)));
  process.exit(0);
}

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'cf-newton-'));
console.log(`machine: ${os.cpus()[0].model}, ${os.cpus().length} cores, node ${process.version}, load average ${os.loadavg().map((x) => x.toFixed(1)).join(' ')}, ${JSON.stringify(blas.info())}`);
console.log(`attention / cross-entropy, time to a certified relative gap of 1e-6 (seconds, each solver in its own process; FISTA stops at ${LIMIT} s on Fashion-MNIST)`);
console.log('| data | N | n | d | c | beta / beta_max | auto: s (what ran, iterations) | prox-Newton alone: s (outer iterations, passes) | screened | peak memory / X | FISTA: s (iterations) | NumPy FISTA: s (iterations) | auto / NumPy | Newton / NumPy | auto / FISTA | relative gaps (auto, Newton, FISTA, NumPy) | objectives agree to |');
console.log('|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|');
const me = path.join(__dirname, 'newton.js');
for (const s of CASES) {
  const npz = path.join(tmp, 'data.npz');
  const au = runJson(process.execPath, [me, '--one', JSON.stringify({ size: s, solver: 'auto', npz })]);
  const nw = runJson(process.execPath, [me, '--one', JSON.stringify({ size: s, solver: 'newton' })]);
  const f = runJson(process.execPath, [me, '--one', JSON.stringify({ size: s, solver: 'fista' })]);
  const np = runJson('/usr/bin/python3', [path.join(root, 'bench', 'numpy_fista.py'), npz, 'attention', 'ce', '1e-6', String(s.fashion ? LIMIT : 1e9)]);
  fs.rmSync(npz);
  // objectives agree where both are certified; otherwise the uncertified one is above by its gap at most
  const agree = Math.max(...[f, au].map((r) => Math.abs((r.primal as number) - (nw.primal as number)))) / Math.abs(nw.primal as number);
  const g = (x: number) => x.toExponential(1);
  console.log(`| ${s.name} | ${s.N} | ${s.n} | ${s.d} | ${s.c} | ${s.betaFrac} | ${au.seconds.toFixed(2)} (${au.method}, ${au.iterations}) | ${nw.seconds.toFixed(2)} (${nw.iterations}, ${nw.passes}) | ${(100 * nw.screened).toFixed(0)}% | ${nw.memoryOverX.toFixed(2)} | ${f.seconds.toFixed(2)} (${f.iterations}) | ${np.seconds.toFixed(2)} (${np.iterations}) | ${(au.seconds / np.seconds).toFixed(2)} | ${(nw.seconds / np.seconds).toFixed(2)} | ${(au.seconds / f.seconds).toFixed(2)} | ${g(au.relGap)}, ${g(nw.relGap)}, ${g(f.relGap)}, ${g(np.relGap)} | ${agree.toExponential(1)} |`);
}
fs.rmSync(tmp, { recursive: true, force: true });
