// convexformer compare: softmax attention, simplex attention and the convex program on the same data.
import { Command } from 'commander';
import { datasetFromArrays, type Dataset } from '../data/dataset';
import { readNpz } from '../data/npz';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { runCompare, type CheckpointStore, type CompareConfig, type CompareResult, type MetricPoint } from '../experiments/compare';
import { InputError } from '../data/errors';
import { RunDir } from '../experiments/run-dir';
import { guarded, nonNegativeInt, positive, positiveInt } from './common';

/**
 * Runs compare in OUT.partial, checkpointing there (checkpoint.json), and renames it to OUT when
 * complete. A run that dies leaves OUT.partial; `resume` continues it with the same options.
 */
export function compareToDir(
  data: Dataset, cfg: CompareConfig, teacherMap: Float64Array | null, out: string,
  opts: { force?: boolean; resume?: boolean; quiet?: boolean },
): CompareResult {
  const dir = new RunDir(out, { force: opts.force, resumable: true, resume: opts.resume });
  const saved = dir.read('config.json');
  if (opts.resume && saved !== null && saved !== JSON.stringify(cfg, null, 2) + '\n') {
    throw new InputError('--resume', `the options differ from the interrupted run's (${path.join(dir.tmp, 'config.json')})`);
  }
  dir.writeJson('config.json', cfg);
  const store: CheckpointStore = {
    load: () => { const t = dir.read('checkpoint.json'); return t === null ? null : JSON.parse(t); },
    save: (c) => dir.writeAtomic('checkpoint.json', JSON.stringify(c)),
  };
  const lines: string[] = [];
  let result: CompareResult;
  try {
    result = runCompare(data, cfg, teacherMap, (p: MetricPoint) => {
      lines.push(JSON.stringify(p));
      if (!opts.quiet) process.stderr.write(`${p.model.padEnd(8)} iter ${String(p.iteration).padStart(6)}  ${p.seconds.toFixed(2)}s  objective ${p.objective.toExponential(6)}  test loss ${p.testLoss.toFixed(5)}\n`);
    }, store);
  } catch (e) {
    // nothing to resume yet (refused before the first checkpoint): leave nothing behind
    if (dir.read('checkpoint.json') === null) dir.abort();
    throw e;
  }
  dir.write('metrics.jsonl', lines.join('\n') + '\n');
  dir.writeJson('result.json', result);
  fs.rmSync(path.join(dir.tmp, 'checkpoint.json'), { force: true });
  dir.commit();
  return result;
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
    .option('--steps <k>', 'Adam steps per non-convex model instead of a time budget: reproducible, and resumable mid-training', positiveInt('--steps'))
    .option('--resume', 'continue the unfinished run in OUT.partial (same options)', false)
    .option('--seed <s>', 'initialisation seed', nonNegativeInt('--seed'), 0)
    .option('--lrs <list>', 'Adam learning rates to choose from on the validation split', '0.001,0.003,0.01,0.03')
    .option('--tol <t>', 'convex relative duality gap', positive('--tol'), 1e-6)
    .option('--quiet', 'no progress on stderr', false)
    .option('--force', 'replace --out if it exists', false)
    .requiredOption('--out <dir>', 'run directory: metrics.jsonl, result.json, config.json')
    .action((o: { data: string; heads: number; beta?: number; betaFrac?: number; timeBudget: number; steps?: number; resume: boolean; seed: number; lrs: string; tol: number; quiet: boolean; force: boolean; out: string }) => guarded(() => {
      const lrGrid = o.lrs.split(',').map(Number);
      if (lrGrid.some((v) => !(v > 0) || !Number.isFinite(v))) throw new InputError('--lrs', `must be comma-separated numbers > 0, got '${o.lrs}'`);
      const arrays = readNpz(o.data);
      const loss = arrays.Y ? 'squared' : 'ce';
      const data = datasetFromArrays(arrays, { loss }); // the file is read once
      if (!data.test) throw new InputError('X_test', 'compare needs a test split (X_test with Y_test or y_test)');
      const map = arrays.attention_map;
      if (map && (map.shape.length !== 1 || map.shape[0] !== data.train.n)) {
        throw new InputError('attention_map', `has shape (${map.shape.join(', ')}); expected (${data.train.n},), one weight per token`);
      }
      const teacher = map ? Float64Array.from(map.values) : null;
      const betaFrac = o.beta === undefined && o.betaFrac === undefined ? 0.1 : o.betaFrac;
      const cfg: CompareConfig = { heads: o.heads, beta: o.beta, betaFrac, timeBudget: o.timeBudget, steps: o.steps, seed: o.seed, lrGrid, valFraction: 0.2, tol: o.tol };
      printCompare(compareToDir(data, cfg, teacher, o.out, { force: o.force, resume: o.resume, quiet: o.quiet }));
      console.log(`wrote ${o.out}/metrics.jsonl and result.json`);
    }));
}
