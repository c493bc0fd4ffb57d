// One benchmark configuration, run in its own process so its peak memory is its own:
//   node dist/bench/solve-one.js '{"model":"attention","loss":"squared","N":2000,...}'
// Prints one JSON line: FISTA time to the certified gap, Adam time to a suboptimality, operator
// GFLOP/s, GEMM peak, peak RSS. With "npz": path, also writes the data for the NumPy baseline.
import * as fs from 'node:fs';
import { plantedDataset } from '../src/data/planted';
import type { LossKind } from '../src/convex/types';
import { withBeta } from '../src/convex/programs/assemble';
import { programNamed } from '../src/convex/registry';
import { solveCertified, type SolverChoice } from '../src/convex/solve';
import { adamConvex } from '../src/convex/solvers/adam';
import { encodeNpz } from '../src/data/npz';
import { blas } from '../src/core/blas';
import { gemmPeak } from './gemm-peak';

interface Config {
  model: string; loss: LossKind; N: number; n: number; d: number; c: number; h: number;
  betaFrac: number; tol: number; float32: boolean; adamSubopt: number; adamLrs: number[];
  adamTimeLimit: number; npz?: string; seed: number; skipAdam?: boolean;
  /** FISTA solves in this process: the first is cold (JIT warm-up), the rest are warm */
  reps?: number;
  /** the solver of the timed solves (default fista; its result is still printed as `fista`, with `method`) */
  solver?: SolverChoice;
  /** skip the GEMM-peak measurement */
  skipPeak?: boolean;
}

const cfg = JSON.parse(process.argv[2]) as Config;
const mb = (b: number): number => b / 2 ** 20;
const rssBefore = process.memoryUsage().rss;
const tokens = Array.from({ length: Math.max(2, Math.floor(cfg.n / 4)) }, (_, i) => (3 * i + 1) % cfg.n);
const { data } = plantedDataset({ N: cfg.N, n: cfg.n, d: cfg.d, c: cfg.c, tokens, noise: 0.1, seed: cfg.seed, loss: cfg.loss });
const base = programNamed(cfg.model).build(data, { loss: cfg.loss, gates: cfg.h, seed: cfg.seed, float32: cfg.float32 });
const ap = withBeta(base, cfg.betaFrac * base.betaMax);
const { problem } = ap;

if (cfg.npz) {
  const arrays: Parameters<typeof encodeNpz>[0] = {
    X: { data: data.train.X, shape: [cfg.N, cfg.n, cfg.d] },
    beta: { data: new Float64Array([problem.beta]), shape: [] },
  };
  if (cfg.loss === 'squared') arrays.Y = { data: data.trainTargets.Y!, shape: [cfg.N, cfg.c] };
  else arrays.y = { data: data.trainTargets.y!, shape: [cfg.N] };
  // the gates, for programs that have them, as weights.npz would hold them
  const zero = new Float64Array(problem.operator.cols);
  const { U1, U2 } = ap.weights(zero, ap.recover(zero));
  if (U1 && U2) Object.assign(arrays, { U1, U2 });
  fs.writeFileSync(cfg.npz, encodeNpz(arrays));
}

const runs = Array.from({ length: cfg.reps ?? 1 }, () => solveCertified(ap, cfg.solver ?? 'fista', { tol: cfg.tol, maxIter: 100000 }));
const coldSeconds = runs[0].certificate.seconds;
const warm = runs.length > 1 ? runs.slice(1) : runs;
const f = [...warm].sort((a, b) => a.certificate.seconds - b.certificate.seconds)[Math.floor((warm.length - 1) / 2)];
const fistaRss = process.memoryUsage().rss;
// The reference optimum for Adam's suboptimality: the certified primal (within tol of p*).
const pStar = f.certificate.primal;
const adam: Record<string, unknown>[] = [];
if (!cfg.skipAdam) {
  for (const lr of cfg.adamLrs) {
    const a = adamConvex(problem, {
      lr, tol: 0, maxIter: 10_000_000, targetPrimal: pStar * (1 + cfg.adamSubopt), timeLimit: cfg.adamTimeLimit,
    });
    adam.push({
      lr, reached: a.certificate.primal <= pStar * (1 + cfg.adamSubopt), seconds: a.certificate.seconds,
      iterations: a.certificate.iterations, subopt: (a.certificate.primal - pStar) / Math.abs(pStar), relGap: a.certificate.relGap,
    });
  }
}
// Memory first: the GEMM-peak matrices below would otherwise count as the solver's.
const peakRssMB = process.resourceUsage().maxRSS / 1024;
const peak = cfg.skipPeak ? NaN : gemmPeak(false);
const peak32 = cfg.skipPeak ? NaN : gemmPeak(true);
const xBytes = cfg.N * cfg.n * cfg.d * 8;
console.log(JSON.stringify({
  config: cfg,
  blas: blas.info().backend,
  betaMax: base.betaMax,
  fista: {
    method: f.method,
    seconds: f.certificate.seconds, coldSeconds, iterations: f.certificate.iterations, relGap: f.certificate.relGap,
    converged: f.converged, primal: f.certificate.primal, dual: f.certificate.dual,
    operatorApplications: f.operatorApplications, operatorSeconds: f.operatorSeconds,
    operatorGflops: (f.operatorApplications * problem.operator.flopsPerApply) / f.operatorSeconds / 1e9,
    nonzeroGroups: (() => { let k = 0; for (let s = 0; s < f.w.length; s += cfg.d) { let z = false; for (let t = s; t < s + cfg.d; t++) if (f.w[t] !== 0) z = true; if (z) k++; } return k; })(),
    totalGroups: f.w.length / cfg.d,
  },
  adam,
  gemmPeakGflops: peak,
  sgemmPeakGflops: peak32,
  memory: {
    xMB: mb(xBytes), rssAtStartMB: mb(rssBefore), rssAfterFistaMB: mb(fistaRss),
    peakRssMB,
  },
}));
