// The spectral norm of a gradient matrix as bm's certificate takes it (svdTop: the Gram matrix of
// the short side by one SYRK, LAPACK's symmetric eigensolver, the top 16 triplets) against the full
// SVD it took before (dgesdd), on random matrices of the nuclear-norm programs' block shapes. Both
// in the same run, calls alternating; ms per call, median. The two agree on sigma_1 (printed).
//   npm run build && node dist/bench/svd-top.js
import * as os from 'node:os';
import { blas } from '../src/core/blas';
import { svd, svdTop } from '../src/core/linalg';
import { Rng } from '../src/core/rng';
import { timePair } from './time-pair';

const shapes: [string, number, number][] = [
  ['linear-mhsa / gated-mhsa block, d 16, c 10', 256, 160],
  ['linear-mhsa / gated-mhsa block, d 32, c 10', 1024, 320],
  ['gated-mixer block, s 64, d 32, c 10', 4096, 320],
  ['linear-mhsa, d 64, c 10', 4096, 640],
];
const rng = new Rng(1);
console.log(`machine: ${os.cpus()[0].model}, ${os.cpus().length} cores, node ${process.version}, load average ${os.loadavg().map((x) => x.toFixed(1)).join(' ')}, ${JSON.stringify(blas.info())}`);
console.log('| matrix | rows x cols | svdTop, 16 triplets (ms) | full SVD (ms) | full / svdTop | sigma_1 relative difference | calls each |');
console.log('|---|---|---|---|---|---|---|');
for (const [what, m, n] of shapes) {
  const A = rng.normals(m * n);
  const t = timePair(() => svdTop(A, m, n, 16), () => svd(A, m, n));
  const a = svdTop(A, m, n, 16).s[0], b = svd(A, m, n).s[0];
  console.log(`| ${what} | ${m} x ${n} | ${t.a.toFixed(1)} | ${t.b.toFixed(1)} | ${(t.b / t.a).toFixed(1)} | ${(Math.abs(a - b) / b).toExponential(1)} | ${t.calls} |`);
}
