// convexformer compare: a convex program (--model, default simplex attention's eq. (10)), its own
// non-convex model and softmax attention, on the same data.
import { Command } from 'commander';
import { datasetFromArrays } from '../data/dataset';
import { readNpz } from '../data/npz';
import { COMPARE_BETA_FRAC, COMPARE_DEFAULTS, CONVEX_SHARE, compareToDir, type CompareConfig, type CompareResult, type MetricPoint } from '../experiments/compare';
import { checkHeads } from '../experiments/compare-models';
import { InputError } from '../data/errors';
import { PROGRAMS, programOptions } from '../convex/registry';
import { addProgramOptions } from './fit-options';
import { checkTarget } from '../experiments/out-path';
import { CLASSES_HELP, FORCE_HELP, doing, reading, guarded, wroteLine, nonNegativeInt, positive, positiveInt, positiveList, sizeOf } from './common';

/** The progress line of one metric point, on stderr. */
export function printMetric(p: MetricPoint): void {
  process.stderr.write(`${p.model.padEnd(8)} iter ${String(p.iteration).padStart(6)}  ${p.seconds.toFixed(2)}s  objective ${p.objective.toExponential(6)}  test loss ${p.testLoss.toFixed(5)}\n`);
}

export function printCompare(r: CompareResult): void {
  const c = r.certificate;
  const status = c.converged ? 'certified' : `NOT converged (tol ${c.tol.toExponential(0)}): the objective is not proven optimal`;
  console.log(`beta = ${r.beta.toPrecision(6)} (beta_max ${r.betaMax.toPrecision(6)}); convex certificate: objective ${c.objective.toPrecision(10)}, ` +
    `lower bound ${c.lowerBound.toPrecision(10)}, rel. gap ${c.relGap.toExponential(1)} ${status}, ${c.heads} heads`);
  const m = r.models;
  const described = Object.entries(m).map(([name, s]) => name === 'softmax'
    ? `softmax ${s.heads} heads, reads out at token ${s.readoutToken}, ${s.positional ? 'positions one-hot appended (--positional)' : 'no positional encoding'}`
    : `${name} ${s.heads} heads, ${s.attention}`);
  console.log(`non-convex models beside program ${r.program}: ${described.join('; ')}`);
  for (const w of r.warnings) console.log(`warning: ${w}`);
  // accuracy: a column only for labels y (cross-entropy), where the run records it
  const acc = r.loss === 'ce';
  console.log(`model      objective        test loss${acc ? '  test acc.' : ''}   seconds  iterations  heads  lr`);
  for (const [name, f] of Object.entries(r.final)) {
    const heads = name === 'convex' ? c.heads : m[name].heads;
    const mark = f.converged === false ? '  NOT converged' : '';
    const accCell = acc ? `  ${(f.testAccuracy === undefined ? '-' : f.testAccuracy.toFixed(4)).padStart(9)}` : '';
    console.log(`${name.padEnd(9)}  ${f.objective.toExponential(6).padStart(13)}  ${f.testLoss.toFixed(5).padStart(10)}${accCell}  ${f.seconds.toFixed(2).padStart(7)}  ${String(f.iterations).padStart(10)}  ${String(heads).padStart(5)}  ${r.chosenLr[name] ?? '-'}${mark}`);
  }
  for (const [name, v] of Object.entries(r.maps)) console.log(`map ${name.padEnd(8)} ${v.map((x) => x.toFixed(2)).join(' ')}`);
}

interface CompareOpts {
  data: string; model: string; classes?: number; heads?: number; beta?: number; betaFrac?: number; timeBudget: number; steps?: number; maxIter: number;
  positional: boolean; resume: boolean; seed: number; lrs: string; tol: number; quiet: boolean; force: boolean; out: string;
  /** the options programs declare (--gates, --bands), by field */
  [option: string]: unknown;
}

export function compareCommand(): Command {
  const cmd = addProgramOptions(new Command('compare')
    .description('solve a convex program to its certificate and train its own non-convex model and softmax attention with Adam, on the same data')
    .requiredOption('--data <file>', '.npz with X, Y (or y), X_test, Y_test (or y_test) (per token: Y (N, n, c) or y (N, n), for the programs that take them; softmax attention is then left out); optional attention_map (n,) of the teacher')
    .option('--model <program>', `the convex program; its own non-convex model is trained beside it (${PROGRAMS.filter((p) => p.nonconvexName).map((p) => `${p.name}: ${p.nonconvexName}`).join(', ')})`, 'attention')
    .option('--classes <c>', CLASSES_HELP, positiveInt('--classes'))
    .option('--heads <h>', 'heads of the non-convex models (default: at least the heads of the convex optimum; softmax: rounded up to a divisor of d)', positiveInt('--heads'))
    .option('--beta <B>', 'regularization strength (all models)', positive('--beta'))
    .option('--beta-frac <F>', `beta as a fraction of the convex beta_max (default: ${COMPARE_BETA_FRAC})`, positive('--beta-frac'))
    .option('--time-budget <s>', `total wall-clock seconds: the convex solve gets up to ${CONVEX_SHARE === 1 / 3 ? 'a third' : CONVEX_SHARE}, the rest is split equally ` +
      'between the two non-convex models, each spending half on the learning-rate search and half on training; a share too short for 3 steps ' +
      'per rate keeps only the middle rates of --lrs (or none), with a warning', positive('--time-budget'), COMPARE_DEFAULTS.timeBudget)
    .option('--steps <k>', 'Adam steps per non-convex model instead of a time budget (a quarter of it per learning rate tried); ' +
      'no clock limits anything: the convex solve runs to --tol or --max-iter; reproducible, and resumable mid-training', positiveInt('--steps'))
    .option('--positional', 'the softmax model sees each token with a one-hot of its position appended (d + n features); by default it has no positional information', false)
    .option('--max-iter <k>', 'iteration limit of the convex solve', positiveInt('--max-iter'), COMPARE_DEFAULTS.maxIter)
    .option('--resume', 'continue the unfinished run in OUT.partial (same data and options)', false)
    .option('--seed <s>', 'initialisation seed of the non-convex models (and of the gates of the gated programs)', nonNegativeInt('--seed'), COMPARE_DEFAULTS.seed)
    .option('--lrs <list>', 'Adam learning rates to choose from on the validation split', COMPARE_DEFAULTS.lrGrid.join(','))
    .option('--tol <t>', 'convex relative duality gap', positive('--tol'), COMPARE_DEFAULTS.tol)
    .option('--quiet', 'no progress on stderr', false)
    .option('--force', FORCE_HELP, false)
    .requiredOption('--out <dir>', 'run directory: metrics.jsonl, result.json, config.json'), ['seed'], false);
  return cmd.action((o: CompareOpts) => guarded(() => {
    const startedAt = process.hrtime.bigint(); // the time budget includes reading the data
    const lrGrid = positiveList('--lrs', o.lrs);
    if (o.steps !== undefined && cmd.getOptionValueSource('timeBudget') === 'cli') {
      throw new InputError('--time-budget', 'cannot be combined with --steps: with --steps the work is fixed (Adam steps; the convex solve runs to --tol or --max-iter)');
    }
    checkTarget(o.out, [o.data]); // before reading anything: a dangerous --out is refused first
    doing(reading(o.data));
    const arrays = readNpz(o.data);
    const loss = arrays.Y ? 'squared' : 'ce';
    if (o.classes !== undefined && loss === 'squared') throw new InputError('--classes', `is for labels y (cross-entropy); ${o.data} has targets Y`);
    const data = datasetFromArrays(arrays, { loss, classes: o.classes }); // the file is read once
    if (!data.test) throw new InputError('X_test', 'compare needs a test split (X_test with Y_test or y_test)');
    if (data.trainTargets.tokens === undefined) checkHeads(o.heads, { positional: o.positional }, data.train);
    const map = arrays.attention_map;
    if (map && (map.shape.length !== 1 || map.shape[0] !== data.train.n)) {
      throw new InputError('attention_map', `has shape (${map.shape.join(', ')}); expected (${data.train.n},), one weight per token`);
    }
    const teacher = map ? Float64Array.from(map.values) : null;
    const cfg: Partial<CompareConfig> = {
      ...Object.fromEntries(programOptions().filter((p) => p.field !== 'seed').map((p) => [p.field, o[p.field]])),
      model: o.model, heads: o.heads, beta: o.beta, betaFrac: o.betaFrac, timeBudget: o.timeBudget, steps: o.steps, positional: o.positional, maxIter: o.maxIter,
      seed: o.seed, lrGrid, tol: o.tol, classes: o.classes,
    };
    doing(`comparing the models on ${sizeOf(data.train)}`);
    const result = compareToDir(data, cfg, teacher, o.out, { force: o.force, resume: o.resume, dataFile: o.data, startedAt, onMetric: o.quiet ? undefined : printMetric });
    printCompare(result);
    console.log(wroteLine(o.out, 'compare'));
    if (!result.certificate.converged) process.exitCode = 3;
  }));
}
