// The FNO programs (issue 11 item 4): time to a certified relative gap of 1e-6 by FISTA in the
// Fourier domain, against Adam on the FNO layer (the optimum's heads per band + one per band) until
// within 1e-3 of the certified optimum, at most LIMIT x FISTA's time per learning rate; and the
// Fourier-domain operator (A w then A^T r) against the same convolution as the mixer's dense token
// mixing (MixerOperator on the circulant embedding of Z), median of 5, in the same run.
// Per-token outputs, squared loss on targets of a random 4-head layer (bfno: one head per band)
// plus N(0, (0.1 rms)^2) noise, beta 0.1 beta_max, bfno with 4 bands.
//   npm run build && node dist/bench/fno.js [fno | bfno] [--quick | --small | --medium]
import * as os from 'node:os';
import { bfno, fno } from '../src/convex/programs/fno';
import { withBeta } from '../src/convex/programs/assemble';
import { fista } from '../src/convex/solvers/fista';
import { FnoOperator } from '../src/convex/operators/fno';
import { MixerOperator } from '../src/convex/operators/mixer';
import { fnoModel } from '../src/nn/models/fno-model';
import { bandProjections } from '../src/core/frequency-bands';
import { blas } from '../src/core/blas';
import { median } from '../src/core/median';
import { Rng } from '../src/core/rng';
import { raceAdam } from './adam-race';

const LIMIT = 5, BANDS = 4;
const has = (flag: string) => process.argv.includes(flag);
const SMALL = { N: 2000, s: 16, d: 16, c: 10 }, MEDIUM = { N: 10000, s: 64, d: 32, c: 10 };
const sizes = has('--quick') ? [{ N: 300, s: 8, d: 6, c: 4 }] : has('--small') ? [SMALL] : has('--medium') ? [MEDIUM] : [SMALL, MEDIUM];
const programs = [fno, bfno].filter((p) => !process.argv.slice(2).some((a) => !a.startsWith('--')) || process.argv.includes(p.name));

/** ms of A w then A^T r. */
function timeOperator(op: { rows: number; cols: number; apply(w: Float64Array, o: Float64Array): void; applyT(r: Float64Array, o: Float64Array): void }, w: Float64Array, r: Float64Array): number {
  const out = new Float64Array(op.rows), g = new Float64Array(op.cols), times: number[] = [];
  for (let k = 0; k < 5; k++) {
    const t = process.hrtime.bigint();
    op.apply(w, out);
    op.applyT(r, g);
    times.push(Number(process.hrtime.bigint() - t) / 1e6);
  }
  return median(times);
}

console.log(`machine: ${os.cpus()[0].model}, ${os.cpus().length} cores, node ${process.version}, ${JSON.stringify(blas.info())}`);
console.log('| program | N, s, d, c | Z | FISTA to 1e-6: s (iterations) | s per iteration | heads | Adam to 1e-3 subopt.: s (lr, steps) | Adam / FISTA |');
console.log('|---|---|---|---|---|---|---|---|');
const operatorRows: string[] = [];
for (const program of programs) {
  const blocks = program === bfno;
  for (const { N, s, d, c } of sizes) {
    const rng = new Rng(1), X = rng.normals(N * s * d, 1 / Math.sqrt(d));
    const B = blocks ? BANDS : 1, projections = bandProjections(s, B);
    const teacher = fnoModel({ s, d, c }, { projections, bandOf: Int32Array.from({ length: 4 }, (_, j) => j % B) }, 0, 2);
    const Y = Float64Array.from(teacher.forward(X, N));
    const noise = rng.normals(Y.length, 0.1 * Math.sqrt(Y.reduce((a, v) => a + v * v, 0) / Y.length));
    for (let i = 0; i < Y.length; i++) Y[i] += noise[i];
    const base = program.build({ train: { X, N, n: s, d }, trainTargets: { Y, c, tokens: s } }, { loss: 'squared', bands: blocks ? BANDS : undefined });
    const built = withBeta(base, 0.1 * base.betaMax);
    const f = fista(built.problem, { tol: 1e-6, maxIter: 100000 });
    const rec = built.recover(f.w), pStar = f.certificate.primal, limit = LIMIT * f.certificate.seconds, spec = built.nonconvexModel!;
    console.error(`${program.name} N ${N}: FISTA ${f.certificate.seconds.toFixed(2)} s, ${f.certificate.iterations} iterations, ${rec.H} heads; Adam for up to ${limit.toFixed(0)} s per lr`);
    const heads = spec.headsFor(rec) + B;
    const { adam, ratio } = raceAdam(() => spec.make(heads, built.problem.beta, 1), { input: X, B: N, datafit: built.problem.datafit }, pStar, limit, f.certificate.seconds, LIMIT);
    console.log(`| ${program.name} | ${N}, ${s}, ${d}, ${c} | ${built.zShape.join(' x ')} | ${f.certificate.seconds.toFixed(2)} (${f.certificate.iterations}${f.converged ? '' : ', NOT certified'}) | ` +
      `${(f.certificate.seconds / f.certificate.iterations * 1000).toFixed(1)} ms | ${rec.H} | ${adam} | ${ratio} |`);
    if (!blocks) {
      // the same convolution as dense token mixing: Z_mix[a s + b, :] = Z[(a - b) mod s, :]
      const dc = d * c, Zmix = new Float64Array(s * s * dc), r = rng.normals(N * s * c);
      for (let a = 0; a < s; a++) for (let b = 0; b < s; b++) Zmix.set(f.w.subarray(((a - b + s) % s) * dc, ((a - b + s) % s + 1) * dc), (a * s + b) * dc);
      const fourier = timeOperator(new FnoOperator(X, N, s, d, c), f.w, r), dense = timeOperator(new MixerOperator(X, N, s, d, c, 'tokens'), Zmix, r);
      operatorRows.push(`| ${N}, ${s}, ${d}, ${c} | ${fourier.toFixed(1)} | ${dense.toFixed(1)} | ${(dense / fourier).toFixed(2)} |`);
    }
  }
}
if (operatorRows.length) {
  console.log('\n| N, s, d, c | Fourier domain: A w + A^T r (ms) | dense token mixing (ms) | dense / Fourier |');
  console.log('|---|---|---|---|');
  for (const row of operatorRows) console.log(row);
}
