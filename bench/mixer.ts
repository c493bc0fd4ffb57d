// The linear MLP-Mixer's nuclear-norm program (issue 11 item 3): time to a certified relative gap of
// 1e-6 by FISTA with singular-value thresholding, against Adam on the mixer (the optimum's branches
// + 4) until within 1e-3 of the certified optimum, at most LIMIT x FISTA's time per learning rate.
// Per-token outputs, squared loss on targets of a random 4-branch mixer plus N(0, 0.1^2) noise,
// beta 0.1 beta_max; the sizes (s 16, d 16, c 10, N 2000 and s 64, d 32, c 10, N 10000).
//   npm run build && node dist/bench/mixer.js [--quick | --small | --medium (one size only)]
import * as os from 'node:os';
import { MixerOperator } from '../src/convex/operators/mixer';
import { NuclearNorm } from '../src/convex/penalties/nuclear';
import { mixerPredict, recoverMixerHeads } from '../src/convex/recovery/mixer-heads';
import { SquaredLoss } from '../src/losses/squared';
import { betaMax } from '../src/convex/duality';
import { fista } from '../src/convex/solvers/fista';
import { mixerModel } from '../src/nn/models/mixer-model';
import { blas } from '../src/core/blas';
import { Rng } from '../src/core/rng';
import { raceAdam } from './adam-race';

const LIMIT = 5;
const has = (flag: string) => process.argv.includes(flag);
const SMALL = { N: 2000, s: 16, d: 16, c: 10 }, MEDIUM = { N: 10000, s: 64, d: 32, c: 10 };
const sizes = has('--quick') ? [{ N: 500, s: 8, d: 8, c: 5 }] : has('--small') ? [SMALL] : has('--medium') ? [MEDIUM] : [SMALL, MEDIUM];

console.log(`machine: ${os.cpus()[0].model}, ${os.cpus().length} cores, node ${process.version}, ${JSON.stringify(blas.info())}`);
console.log('| N, s, d, c | Z | FISTA to 1e-6: s (iterations) | s per iteration | branches | Adam to 1e-3 subopt.: s (lr, steps) | Adam / FISTA |');
console.log('|---|---|---|---|---|---|---|');
for (const { N, s, d, c } of sizes) {
  const rng = new Rng(1);
  const X = rng.normals(N * s * d, 1 / Math.sqrt(d));
  const teacher = { H: 4, s, d, c, W1: rng.normals(4 * s * s, 1 / Math.sqrt(s)), W2: rng.normals(4 * d * c, 1), sigma: new Float64Array(4), heads: [] };
  const Y = mixerPredict(X, N, teacher, 'tokens');
  const noise = rng.normals(Y.length, 0.1);
  for (let i = 0; i < Y.length; i++) Y[i] += noise[i];
  const op = new MixerOperator(X, N, s, d, c, 'tokens'), datafit = new SquaredLoss(Y, N * s, c), penalty = new NuclearNorm(s * s, d * c);
  const beta = 0.1 * betaMax(op, datafit, penalty);
  const f = fista({ operator: op, datafit, penalty, beta }, { tol: 1e-6, maxIter: 100000 });
  const H = recoverMixerHeads(f.w, s, d, c).H;
  const pStar = f.certificate.primal, limit = LIMIT * f.certificate.seconds;
  console.error(`N ${N}: FISTA ${f.certificate.seconds.toFixed(2)} s, ${f.certificate.iterations} iterations, ${H} branches; Adam for up to ${limit.toFixed(0)} s per lr`);
  const { adam, ratio } = raceAdam(() => mixerModel({ s, d, c }, H + 4, 'tokens', beta, 1), { input: X, B: N, datafit }, pStar, limit, f.certificate.seconds, LIMIT);
  console.log(`| ${N}, ${s}, ${d}, ${c} | ${s * s} x ${d * c} | ${f.certificate.seconds.toFixed(2)} (${f.certificate.iterations}${f.converged ? '' : ', NOT certified'}) | ` +
    `${(f.certificate.seconds / f.certificate.iterations * 1000).toFixed(1)} ms | ${H} | ${adam} | ${ratio} |`);
}
