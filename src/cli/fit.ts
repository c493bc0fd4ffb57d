// convexformer fit: one certified solve, written to a run directory.
import { Command } from 'commander';
import { loadDataset } from '../data/dataset';
import { fitToDir, groupsName, type FitOutcome } from '../experiments/fit';
import { checkTarget } from '../experiments/out-path';
import { doing, reading, wroteLine, fmt, guarded, positive, progressPrinter, sizeOf } from './common';
import { addSolveOptions, refuseUnused, toFitConfig, type SolveOpts } from './fit-options';

export function printFit(r: FitOutcome['result'], log: (s: string) => void = console.log): void {
  const status = r.converged ? 'certified' : `NOT converged (tol ${r.tol})`;
  log(`${r.model} / ${r.loss}: N=${r.N} n=${r.n} d=${r.d} c=${r.c}${r.h ? ` h=${r.h}` : ''}, ` +
    `beta=${fmt(r.beta)} (${fmt(r.betaFrac, 4)} x beta_max=${fmt(r.betaMax)})`);
  log(`  objective   ${r.objective.toPrecision(12)}`);
  log(`  lower bound ${r.lowerBound.toPrecision(12)}   rel. gap ${r.relGap.toExponential(2)}  ${status}`);
  log(`  ${r.solver}: ${r.iterations} iterations, ${r.seconds.toFixed(3)} s, ${r.operatorApplications} operator applications at ${r.operatorGflops.toFixed(1)} GFLOP/s (${r.blas.backend}, ${r.precision}${r.dataPrecision === 'float32' ? ', X held in float32' : ''})`);
  log(`  KKT: dual feasibility ${fmt(r.kkt.dualFeasibility, 8)} (<= 1), stationarity ${r.kkt.stationarity.toExponential(2)} (0), ` +
    `zero-group slack ${r.kkt.zeroGroupSlack === null ? '-' : fmt(r.kkt.zeroGroupSlack, 4)} (>= 0), relative to beta`);
  log(`  heads: ${r.heads} of ${r.totalGroups} ${groupsName(r.penalty)}; recovered non-convex objective ${r.recoveredObjective.toPrecision(12)} (rel. diff ${r.recoveryRelError.toExponential(1)})`);
  // squared loss: how often the largest output is where Y's largest is (null for c = 1)
  const acc = r.loss === 'ce' ? 'accuracy' : 'argmax agreement with Y';
  log(`  training loss ${fmt(r.training.loss)} ${acc} ${fmt(r.training.accuracy, 4)}` +
    (r.test ? `; test loss ${fmt(r.test.loss)} ${acc} ${fmt(r.test.accuracy, 4)}` : ''));
  if (!r.equivalent) log(`  warning: the recovered optimum uses ${r.heads} heads, more than the budget: the certificate holds for a model with ${r.heads} heads; one within the budget may not reach it`);
}

export function fitCommand(): Command {
  const cmd = new Command('fit').description('solve a convex attention program to a certified optimum and recover the heads');
  addSolveOptions(cmd)
    .option('--beta <B>', 'regularization strength', positive('--beta'))
    .option('--beta-frac <F>', 'beta as a fraction of beta_max, the smallest beta with Z = 0 optimal', positive('--beta-frac'))
    .requiredOption('--out <dir>', 'run directory to create: result.json, weights.npz, config.json, metrics.jsonl')
    .action((o: SolveOpts & { beta?: number; betaFrac?: number }) => guarded(() => {
      refuseUnused(cmd, o);
      const cfg = toFitConfig(o, o.beta, o.betaFrac);
      checkTarget(o.out, [o.data]); // before reading anything: a dangerous --out is refused first
      doing(reading(o.data));
      const data = loadDataset(o.data, { loss: o.loss, classes: o.classes, float32Data: o.float32Data });
      doing(`solving the convex program for ${sizeOf(data.train, data.trainTargets.c)}`);
      const { result } = fitToDir(data, cfg, o.out, { force: o.force, dataFile: o.data, onProgress: progressPrinter(o.quiet) });
      printFit(result);
      console.log(wroteLine(o.out, 'fit'));
      if (!result.converged) process.exitCode = 3;
    }));
  return cmd;
}
