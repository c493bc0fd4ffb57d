// The gated-ReLU Sahiner programs (issue 11 items 2 and 3): time to a certified relative gap of 1e-6
// by FISTA with per-gate singular-value thresholding and by the Burer-Monteiro solver (--solver bm),
// against Adam on the gated model (the optimum's heads on their gates + one more per gate, the
// gates computed once as bm's model has them) until within 1e-3 of the certified optimum, at most
// LIMIT x the faster certified solve's time per learning rate. Outputs per token, squared loss on targets of a
// random gated model (2 heads per gate) plus N(0, 0.1^2) noise, P = 4 gates, beta 0.1 beta_max.
//   npm run build && node dist/bench/gated-sahiner.js [gated-mhsa | gated-mixer] [--quick | --small | --medium]
//     [--adam-limit K] [--adam-rates 0.01,0.001]
// At the issue's medium size (s 64, d 32, c 10, N 10000) gated-mhsa's operator takes 1,040 GFlop per
// application, above what FISTA accepts (GATED_MHSA_MAX_GFLOP): its FISTA cell says so and bm runs
// alone. gated-mixer's Z there is 4 blocks of 4,096 x 320 (under GATED_MAX_ENTRIES, 2^23). Each
// medium row takes the better part of an hour, most of it Adam's (--adam-limit, --adam-rates cap it:
// the table's "> K x" then says how far Adam got in that budget).
import * as os from 'node:os';
import { gatedMhsa, gatedMixer, drawSahinerGates } from '../src/convex/programs/gated-sahiner';
import { withBeta } from '../src/convex/programs/assemble';
import { burerMonteiro } from '../src/convex/solvers/burer-monteiro';
import { mixerGates, scoreGates } from '../src/attention/gate-patterns';
import { gatedMhsaModel } from '../src/nn/models/gated-mhsa-model';
import { gatedMixerModel } from '../src/nn/models/gated-mixer-model';
import { blas } from '../src/core/blas';
import { Rng } from '../src/core/rng';
import { adamFlags, raceAdam } from './adam-race';
import { fistaOrRefusal } from './fista-or-refusal';

const P = 4;
const has = (flag: string) => process.argv.includes(flag);
const { limit: LIMIT, rates: RATES } = adamFlags(process.argv);
const SMALL = { N: 2000, s: 16, d: 16, c: 10 }, MEDIUM = { N: 10000, s: 64, d: 32, c: 10 };
const sizes = has('--quick') ? [{ N: 300, s: 6, d: 6, c: 4 }] : has('--small') ? [SMALL] : has('--medium') ? [MEDIUM] : [SMALL, MEDIUM];
const named = process.argv.slice(2).filter((a, i, all) => !a.startsWith('--') && !(i > 0 && all[i - 1].startsWith('--adam-')));
const programs = [gatedMhsa, gatedMixer].filter((p) => named.length === 0 || named.includes(p.name));

console.log(`machine: ${os.cpus()[0].model}, ${os.cpus().length} cores, node ${process.version}, ${JSON.stringify(blas.info())}`);
console.log('| program | N, s, d, c | Z | FISTA to 1e-6: s (iterations) | s per iteration | heads | BM to 1e-6: s (L-BFGS iterations, heads, operator applications, forward + backward model passes) | FISTA / BM | Adam to 1e-3 subopt.: s (lr, steps) | Adam / faster certified |');
console.log('|---|---|---|---|---|---|---|---|---|---|');
for (const program of programs) {
  const make = program === gatedMhsa ? gatedMhsaModel : gatedMixerModel;
  for (const { N, s, d, c } of sizes) {
    const rng = new Rng(1), q = program === gatedMhsa ? d : s;
    const X = rng.normals(N * s * d, 1 / Math.sqrt(d));
    // the teacher: the program's own gates (seed 0), 2 heads per gate
    const U = drawSahinerGates(P, q, 0), teacher = make({ s, d, c }, { U, P, gateOf: Int32Array.from({ length: 2 * P }, (_, j) => j % P) }, 'tokens', 0, 2);
    const Y = Float64Array.from(teacher.forward(X, N));
    const noise = rng.normals(Y.length, 0.1 * Math.sqrt(Y.reduce((a, v) => a + v * v, 0) / Y.length));
    for (let i = 0; i < Y.length; i++) Y[i] += noise[i];
    const base = program.build({ train: { X, N, n: s, d }, trainTargets: { Y, c, tokens: s } }, { loss: 'squared', gates: P, seed: 0 });
    const built = withBeta(base, 0.1 * base.betaMax);
    // FISTA refuses an operator above the program's limit (gated-mhsa at the medium size): bm alone then
    const f = fistaOrRefusal(built.problem);
    const bm = burerMonteiro(built.problem, { tol: 1e-6, maxIter: 100000, onProgress: (p) => console.error(`  bm: iteration ${p.iteration}, ${p.seconds.toFixed(0)} s, relative gap ${p.relGap.toExponential(2)}`) });
    const rec = built.recover(typeof f === 'string' ? bm.w : f.w), Hbm = built.recover(bm.w).H;
    const certified = typeof f === 'string' ? [bm] : [f, bm];
    const pStar = Math.min(...certified.map((r) => r.certificate.primal)), best = Math.min(...certified.map((r) => r.certificate.seconds)), limit = LIMIT * best;
    console.error(`${program.name} N ${N}: FISTA ${typeof f === 'string' ? 'refused' : `${f.certificate.seconds.toFixed(2)} s`}, BM ${bm.certificate.seconds.toFixed(2)} s, ${rec.H} heads; Adam for up to ${limit.toFixed(0)} s per lr`);
    // Adam's model reads the gates computed once, as BM's does (the program's factored form)
    const known = { X, N, D: (program === gatedMhsa ? scoreGates : mixerGates)(X, N, s, d, U, P) };
    const gateOf = Int32Array.from([...rec.gate, ...Array.from({ length: P }, (_, g) => g)]);
    const { adam, ratio } = raceAdam(() => make({ s, d, c }, { U, P, gateOf, known }, 'tokens', built.problem.beta, 1), { input: X, B: N, datafit: built.problem.datafit }, pStar, limit, best, LIMIT, RATES);
    const fCells = typeof f === 'string' ? `${f} | | ${rec.H}` : `${f.certificate.seconds.toFixed(2)} (${f.certificate.iterations}${f.converged ? '' : ', NOT certified'}) | ` +
      `${(f.certificate.seconds / f.certificate.iterations * 1000).toFixed(1)} ms | ${rec.H}`;
    console.log(`| ${program.name} | ${N}, ${s}, ${d}, ${c} | ${built.zShape.join(' x ')} | ${fCells} | ${bm.certificate.seconds.toFixed(2)} (${bm.certificate.iterations}${bm.converged ? '' : ', NOT certified'}, ${Hbm} heads, ` +
      `${bm.operatorApplications} operator applications, ${bm.passes.forward} + ${bm.passes.backward} model passes) | ${typeof f === 'string' ? '' : `${(f.certificate.seconds / bm.certificate.seconds).toFixed(1)}x`} | ${adam} | ${ratio} |`);
  }
}
