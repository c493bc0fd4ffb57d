// convexformer compare: softmax attention, simplex attention and the convex program on the same data.
import { Command } from 'commander';
import { loadDataset, type Dataset } from '../data/dataset';
import { readNpz } from '../data/npz';
import { runCompare, type CompareConfig, type CompareResult, type MetricPoint } from '../experiments/compare';
import { RunDir } from '../experiments/run-dir';
import { guarded, nonNegativeInt, positive, positiveInt } from './common';

export function compareToDir(data: Dataset, cfg: CompareConfig, teacherMap: Float64Array | null, out: string, force: boolean, quiet: boolean): CompareResult {
  const dir = new RunDir(out, force);
  try {
    const lines: string[] = [];
    const result = runCompare(data, cfg, teacherMap, (p: MetricPoint) => {
      lines.push(JSON.stringify(p));
      if (!quiet) process.stderr.write(`${p.model.padEnd(8)} iter ${String(p.iteration).padStart(6)}  ${p.seconds.toFixed(2)}s  objective ${p.objective.toExponential(6)}  test loss ${p.testLoss.toFixed(5)}\n`);
    });
    dir.writeJson('config.json', cfg);
    dir.write('metrics.jsonl', lines.join('\n') + '\n');
    dir.writeJson('result.json', result);
    dir.commit();
    return result;
  } catch (e) {
    dir.abort();
    throw e;
  }
}

export function printCompare(r: CompareResult): void {
  console.log(`beta = ${r.beta.toPrecision(6)} (beta_max ${r.betaMax.toPrecision(6)}); convex certificate: objective ${r.certificate.objective.toPrecision(10)}, ` +
    `lower bound ${r.certificate.lowerBound.toPrecision(10)}, rel. gap ${r.certificate.relGap.toExponential(1)}, ${r.certificate.heads} heads`);
  console.log('model      objective        test loss   seconds  iterations  lr');
  for (const [name, f] of Object.entries(r.final)) {
    console.log(`${name.padEnd(9)}  ${f.objective.toExponential(6).padStart(13)}  ${f.testLoss.toFixed(5).padStart(10)}  ${f.seconds.toFixed(2).padStart(7)}  ${String(f.iterations).padStart(10)}  ${r.chosenLr[name] ?? '-'}`);
  }
  for (const [name, m] of Object.entries(r.maps)) console.log(`map ${name.padEnd(8)} ${m.map((v) => v.toFixed(2)).join(' ')}`);
}

export function compareCommand(): Command {
  return new Command('compare')
    .description('train softmax attention and simplex attention with Adam and solve the convex program, on the same data')
    .requiredOption('--data <file>', '.npz with X, Y (or y), X_test, Y_test (or y_test); optional attention_map (n,) of the teacher')
    .option('--heads <h>', 'heads of the non-convex models', positiveInt('--heads'), 2)
    .option('--beta <B>', 'regularization strength (all models)', positive('--beta'))
    .option('--beta-frac <F>', 'beta as a fraction of the convex beta_max (default 0.1)', positive('--beta-frac'))
    .option('--time-budget <s>', 'seconds of training per non-convex model (and the convex limit)', positive('--time-budget'), 20)
    .option('--seed <s>', 'initialisation seed', nonNegativeInt('--seed'), 0)
    .option('--lrs <list>', 'Adam learning rates to choose from on the validation split', '0.001,0.003,0.01,0.03')
    .option('--tol <t>', 'convex relative duality gap', positive('--tol'), 1e-6)
    .option('--quiet', 'no progress on stderr', false)
    .option('--force', 'replace --out if it exists', false)
    .requiredOption('--out <dir>', 'run directory: metrics.jsonl, result.json, config.json')
    .action((o: { data: string; heads: number; beta?: number; betaFrac?: number; timeBudget: number; seed: number; lrs: string; tol: number; quiet: boolean; force: boolean; out: string }) => guarded(() => {
      const lrGrid = o.lrs.split(',').map(Number);
      const arrays = readNpz(o.data);
      const loss = arrays.Y ? 'squared' : 'ce';
      const data = loadDataset(o.data, { loss });
      const teacher = arrays.attention_map ? Float64Array.from(arrays.attention_map.values) : null;
      const betaFrac = o.beta === undefined && o.betaFrac === undefined ? 0.1 : o.betaFrac;
      const cfg: CompareConfig = { heads: o.heads, beta: o.beta, betaFrac, timeBudget: o.timeBudget, seed: o.seed, lrGrid, valFraction: 0.2, tol: o.tol };
      printCompare(compareToDir(data, cfg, teacher, o.out, o.force, o.quiet));
      console.log(`wrote ${o.out}/metrics.jsonl and result.json`);
    }));
}
