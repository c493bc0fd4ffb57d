// The squared loss's Gram form (src/convex/solvers/fista-gram.ts) against FISTA over the data and
// the NumPy FISTA (bench/numpy_fista.py, the same OpenBLAS), time to a certified relative gap of
// 1e-6 on attention (eq. 10) with the squared loss, each solve in its own process, all in one run
// (issue 12, item 1). The Gram form's time includes forming G = Xf^T Xf, A^T y and lambda_max(G);
// every certificate it reports is computed from the data (A w and A^T of the residual).
// Sizes: the (N 2000, n 8, d 32 and N 20000, n 16, d 64, c 10, planted data, beta 0.1
// beta_max) and Fashion-MNIST (all 60,000 training images as 16 tokens of 49 pixels, the one-hot
// labels as targets, beta 0.02 beta_max) when Debian's files are installed.
//   npm run build && node dist/bench/gram.js
import { runJson as child } from './run-json';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { blas } from '../src/core/blas';
import { withBeta } from '../src/convex/programs/assemble';
import { programNamed } from '../src/convex/registry';
import { solveCertified, type SolverChoice } from '../src/convex/solve';
import { plantedDataset } from '../src/data/planted';
import { encodeNpz } from '../src/data/npz';
import { DEFAULT_FASHION_DIR, loadVision } from '../src/data/vision';
import type { Dataset } from '../src/data/dataset';

const root = path.resolve(__dirname, '..', '..');
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'cf-gram-'));

interface Size { name: string; N: number; n: number; d: number; c: number; betaFrac: number; fashion?: boolean }
const SIZES: Size[] = [
  { name: 'planted', N: 2000, n: 8, d: 32, c: 10, betaFrac: 0.1 },
  { name: 'planted', N: 20000, n: 16, d: 64, c: 10, betaFrac: 0.1 },
  ...(fs.existsSync(DEFAULT_FASHION_DIR) ? [{ name: 'Fashion-MNIST', N: 60000, n: 16, d: 49, c: 10, betaFrac: 0.02, fashion: true }] : []),
];

function dataOf(s: Size): Dataset {
  if (!s.fashion) {
    const tokens = Array.from({ length: Math.max(2, Math.floor(s.n / 4)) }, (_, i) => (3 * i + 1) % s.n);
    return plantedDataset({ N: s.N, n: s.n, d: s.d, c: s.c, tokens, noise: 0.1, seed: 1, loss: 'squared' }).data;
  }
  const v = loadVision({ idxDir: DEFAULT_FASHION_DIR, patch: 7, project: 'none', seed: 0, nTest: 1 });
  const Y = new Float64Array(v.N * v.classes);
  v.y.forEach((l, i) => { Y[i * v.classes + l] = 1; });
  return { train: { X: Float64Array.from(v.X), N: v.N, n: v.n, d: v.d }, trainTargets: { Y, c: v.classes } };
}

/** One solve in this process: seconds to the certificate, iterations, the gap, passes over the data. */
function one(s: Size, solver: SolverChoice, npz?: string) {
  const data = dataOf(s);
  const base = programNamed('attention').build(data, { loss: 'squared' });
  const built = withBeta(base, s.betaFrac * base.betaMax);
  if (npz) {
    fs.writeFileSync(npz, encodeNpz({
      X: { data: data.train.X as Float64Array, shape: [s.N, s.n, s.d] }, Y: { data: data.trainTargets.Y!, shape: [s.N, s.c] },
      beta: { data: Float64Array.of(built.problem.beta), shape: [] },
    }));
  }
  const r = solveCertified(built, solver, { tol: 1e-6, maxIter: 100000 });
  return { seconds: r.certificate.seconds, iterations: r.certificate.iterations, relGap: r.certificate.relGap, primal: r.certificate.primal, passes: r.operatorApplications, method: r.method };
}

if (process.argv[2] === '--one') {
  const { size, solver, npz } = JSON.parse(process.argv[3]) as { size: Size; solver: SolverChoice; npz?: string };
  console.log(JSON.stringify(one(size, solver, npz)));
  process.exit(0);
}


console.log(`machine: ${os.cpus()[0].model}, ${os.cpus().length} cores, node ${process.version}, load average ${os.loadavg().map((x) => x.toFixed(1)).join(' ')}, ${JSON.stringify(blas.info())}`);
console.log('attention / squared, time to a certified relative gap of 1e-6 (seconds, each in its own process; ratio = ours / NumPy, lower is faster)');
console.log('| data | N | n | d | c | beta / beta_max | FISTA over the data: s (iterations, passes) | Gram form: s (iterations, passes) | NumPy FISTA: s (iterations) | FISTA / NumPy | Gram / NumPy | relative gaps (FISTA, Gram, NumPy) | objectives agree to |');
console.log('|---|---|---|---|---|---|---|---|---|---|---|---|---|');
for (const s of SIZES) {
  const npz = path.join(tmp, 'data.npz');
  const me = path.join(__dirname, 'gram.js');
  const f = child(process.execPath, [me, '--one', JSON.stringify({ size: s, solver: 'fista', npz })]);
  const g = child(process.execPath, [me, '--one', JSON.stringify({ size: s, solver: 'gram' })]);
  const np = child('/usr/bin/python3', [path.join(root, 'bench', 'numpy_fista.py'), npz, 'attention', 'squared', '1e-6']);
  const [fs_, gs, ns] = [f.seconds, g.seconds, np.seconds] as number[];
  const agree = Math.max(Math.abs((g.primal as number) - (f.primal as number)), Math.abs((np.primal as number) - (f.primal as number))) / Math.abs(f.primal as number);
  console.log(`| ${s.name} | ${s.N} | ${s.n} | ${s.d} | ${s.c} | ${s.betaFrac} | ${fs_.toFixed(3)} (${f.iterations}, ${f.passes}) | ${gs.toFixed(3)} (${g.iterations}, ${g.passes}) | ${ns.toFixed(3)} (${np.iterations}) | ${(fs_ / ns).toFixed(2)} | ${(gs / ns).toFixed(2)} | ${(f.relGap as number).toExponential(1)}, ${(g.relGap as number).toExponential(1)}, ${(np.relGap as number).toExponential(1)} | ${agree.toExponential(1)} |`);
}
