// Linear multi-head self-attention (Sahiner et al. eq. 5-6, issue 11 item 1): time to a certified
// relative gap of 1e-6 by FISTA with singular-value thresholding and by the Burer-Monteiro solver
// (--solver bm: L-BFGS over heads, the same certificate), against Adam on the non-convex model
// (eq. 5, as many heads as the optimum uses plus 4) until its objective is within 1e-3 of the
// certified optimum, with a time limit of LIMIT x the faster certified solve per learning rate. Token-mean outputs, cross-entropy,
// labels from a random linear-attention teacher, beta 0.1 beta_max; sizes of the issue (s 16,
// d 16, c 10, N 2000 and s 64, d 32, c 10, N 10000), and with --large d 64 (s 16, c 10, N 2000),
// above LINEAR_MHSA_MAX_D, where FISTA refuses (its cell says so) and bm runs alone. Everything in
// this process, one after another.
//   npm run build && node dist/bench/mhsa.js [--quick | --small | --medium | --large (one size only)] [--adam-limit K]
//     [--adam-rates 0.01,0.001]
import * as os from 'node:os';
import { LinearMhsaOperator } from '../src/convex/operators/linear-mhsa';
import { recoverMhsaHeads } from '../src/convex/recovery/mhsa-heads';
import { burerMonteiro } from '../src/convex/solvers/burer-monteiro';
import { linearMhsa } from '../src/convex/programs/linear-mhsa';
import { withBeta } from '../src/convex/programs/assemble';
import { linearMhsaModel } from '../src/nn/models/linear-mhsa-model';
import { adamFlags, raceAdam } from './adam-race';
import { fistaOrRefusal } from './fista-or-refusal';
import { blas } from '../src/core/blas';
import { Rng } from '../src/core/rng';

const has = (flag: string) => process.argv.includes(flag);
const { limit: LIMIT, rates: RATES } = adamFlags(process.argv);
const SMALL = { N: 2000, s: 16, d: 16, c: 10 }, MEDIUM = { N: 10000, s: 64, d: 32, c: 10 }, LARGE = { N: 2000, s: 16, d: 64, c: 10 };
const sizes = has('--quick') ? [{ N: 500, s: 8, d: 8, c: 5 }] : has('--small') ? [SMALL] : has('--medium') ? [MEDIUM] : has('--large') ? [LARGE] : [SMALL, MEDIUM];

console.log(`machine: ${os.cpus()[0].model}, ${os.cpus().length} cores, node ${process.version}, ${JSON.stringify(blas.info())}`);
console.log('| N, s, d, c | Z | FISTA to 1e-6: s (iterations) | s per iteration | heads | BM to 1e-6: s (L-BFGS iterations, heads, forward + backward model passes) | FISTA / BM | Adam to 1e-3 subopt.: s (lr, steps) | Adam / faster certified |');
console.log('|---|---|---|---|---|---|---|---|---|');
for (const { N, s, d, c } of sizes) {
  const rng = new Rng(1);
  const X = rng.normals(N * s * d, 1 / Math.sqrt(d));
  // labels from a random teacher of 4 heads
  const teacher = new LinearMhsaOperator(X, N, s, d, c, 'mean');
  const Zt = new Float64Array(teacher.cols);
  for (let h = 0; h < 4; h++) {
    const u = rng.normals(d * d), v = rng.normals(d * c);
    for (let a = 0; a < d * d; a++) for (let b = 0; b < d * c; b++) Zt[a * d * c + b] += u[a] * v[b];
  }
  const scores = new Float64Array(N * c);
  teacher.apply(Zt, scores);
  const y = new Int32Array(N);
  for (let i = 0; i < N; i++) { let best = 0; for (let m = 1; m < c; m++) if (scores[i * c + m] > scores[i * c + best]) best = m; y[i] = best; }
  const built = linearMhsa.build({ train: { X, N, n: s, d }, trainTargets: { y, c } }, { loss: 'ce' });
  const problem = withBeta(built, 0.1 * built.betaMax).problem, { beta, datafit } = problem;
  // FISTA refuses d above LINEAR_MHSA_MAX_D (its SVD of Z per iteration): bm alone then
  const f = fistaOrRefusal(problem);
  const bm = burerMonteiro(problem, { tol: 1e-6, maxIter: 100000, onProgress: (p) => console.error(`  bm: iteration ${p.iteration}, ${p.seconds.toFixed(0)} s, relative gap ${p.relGap.toExponential(2)}`) });
  const Hbm = recoverMhsaHeads(bm.w, d, c).H, H = typeof f === 'string' ? Hbm : recoverMhsaHeads(f.w, d, c).H;
  const certified = typeof f === 'string' ? [bm] : [f, bm];
  const pStar = Math.min(...certified.map((r) => r.certificate.primal)), best = Math.min(...certified.map((r) => r.certificate.seconds)), limit = LIMIT * best;
  console.error(`N ${N}, d ${d}: FISTA ${typeof f === 'string' ? 'refused' : `${f.certificate.seconds.toFixed(2)} s`}, BM ${bm.certificate.seconds.toFixed(2)} s; Adam for up to ${limit.toFixed(0)} s per lr`);
  const batch = { input: X, B: N, datafit };
  const { adam, ratio } = raceAdam(() => linearMhsaModel({ s, d, c }, H + 4, 'mean', beta, 1), batch, pStar, limit, best, LIMIT, RATES);
  const fCells = typeof f === 'string' ? `${f} | | ${H}` : `${f.certificate.seconds.toFixed(2)} (${f.certificate.iterations}${f.converged ? '' : ', NOT certified'}) | ` +
    `${(f.certificate.seconds / f.certificate.iterations * 1000).toFixed(1)} ms | ${H}`;
  console.log(`| ${N}, ${s}, ${d}, ${c} | ${d * d} x ${d * c} | ${fCells} | ${bm.certificate.seconds.toFixed(2)} (${bm.certificate.iterations}${bm.converged ? '' : ', NOT certified'}, ${Hbm} heads, ${bm.passes.forward} + ${bm.passes.backward} model passes) | ` +
    `${typeof f === 'string' ? '' : `${(f.certificate.seconds / bm.certificate.seconds).toFixed(1)}x`} | ${adam} | ${ratio} |`);
}
