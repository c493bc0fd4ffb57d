// Matrix-target simplex attention (Ergen et al. Theorem A.1, issue 11 item 5): time to a certified
// relative gap of 1e-6 by FISTA with the simplex gauge's exact prox, against Adam on the non-convex
// model (eq. 34, softmax attention rows, as many heads as the optimum uses plus 4) until its
// objective is within 1e-3 of the certified optimum, with a time limit of LIMIT x FISTA's time per
// learning rate. Squared loss per token on targets from a random teacher of 4 heads (attention rows
// softmax(3 g), g ~ N(0, 1)) plus N(0, 0.1^2) noise; beta 0.1 beta_max; the sizes (s 16,
// d 16, c 10, N 2000 and s 64, d 32, c 10, N 10000). Everything in this process, one after another.
//   npm run build && node dist/bench/matrix-attention.js [--quick | --small | --medium (one size only)]
import * as os from 'node:os';
import { MatrixAttentionOperator } from '../src/convex/operators/matrix-attention';
import { SimplexGauge } from '../src/convex/penalties/simplex-gauge';
import { recoverMatrixHeads } from '../src/convex/recovery/matrix-heads';
import { matrixAttentionModel, matrixAttentionPredict } from '../src/nn/models/matrix-attention-model';
import { SquaredLoss } from '../src/losses/squared';
import { betaMax } from '../src/convex/duality';
import { fista } from '../src/convex/solvers/fista';
import { raceAdam } from './adam-race';
import { blas } from '../src/core/blas';
import { Rng } from '../src/core/rng';

const LIMIT = 5;
const has = (flag: string) => process.argv.includes(flag);
const SMALL = { N: 2000, n: 16, d: 16, c: 10 }, MEDIUM = { N: 10000, n: 64, d: 32, c: 10 };
const sizes = has('--quick') ? [{ N: 500, n: 8, d: 8, c: 5 }] : has('--small') ? [SMALL] : has('--medium') ? [MEDIUM] : [SMALL, MEDIUM];

console.log(`machine: ${os.cpus()[0].model}, ${os.cpus().length} cores, node ${process.version}, ${JSON.stringify(blas.info())}`);
console.log('| N, s, d, c | Z entries | FISTA to 1e-6: s (iterations) | s per iteration | heads | Adam to 1e-3 subopt.: s (lr, steps) | Adam / FISTA |');
console.log('|---|---|---|---|---|---|---|');
for (const { N, n, d, c } of sizes) {
  const rng = new Rng(1), shape = { n, d, c };
  const X = rng.normals(N * n * d, 1 / Math.sqrt(d));
  const T = 4, U = rng.normals(T * n * n, 3), W1 = new Float64Array(T * n * n);
  for (let r = 0; r < T * n; r++) {
    let s = 0;
    for (let k = 0; k < n; k++) s += (W1[r * n + k] = Math.exp(U[r * n + k]));
    for (let k = 0; k < n; k++) W1[r * n + k] /= s;
  }
  const Y = matrixAttentionPredict(shape, { H: T, W1, W2: rng.normals(T * d * c, 1), w3: Float64Array.from({ length: T }, () => 1) }, X, N);
  const noise = rng.normals(Y.length, 0.1);
  for (let i = 0; i < Y.length; i++) Y[i] += noise[i];
  const op = new MatrixAttentionOperator(X, N, n, d, c), datafit = new SquaredLoss(Y, N * n, c), penalty = new SimplexGauge(n, 2 * d * c);
  const beta = 0.1 * betaMax(op, datafit, penalty);
  const f = fista({ operator: op, datafit, penalty, beta }, { tol: 1e-6, maxIter: 100000 });
  const H = recoverMatrixHeads(f.w, shape, penalty).H;
  const pStar = f.certificate.primal, limit = LIMIT * f.certificate.seconds;
  console.error(`N ${N}: FISTA ${f.certificate.seconds.toFixed(2)} s, ${f.certificate.iterations} iterations, ${H} heads; Adam for up to ${limit.toFixed(0)} s per lr`);
  const batch = { input: X, B: N, datafit };
  const { adam, ratio } = raceAdam(() => matrixAttentionModel(shape, H + 4, beta, 1), batch, pStar, limit, f.certificate.seconds, LIMIT);
  console.log(`| ${N}, ${n}, ${d}, ${c} | ${op.cols} | ${f.certificate.seconds.toFixed(2)} (${f.certificate.iterations}${f.converged ? '' : ', NOT certified'}) | ` +
    `${(f.certificate.seconds / f.certificate.iterations * 1000).toFixed(1)} ms | ${H} | ${adam} | ${ratio} |`);
}
