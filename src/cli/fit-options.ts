// The options `fit` and `path` share, and their conversion to a FitConfig. The programs, their
// descriptions and the options each takes come from the registry.
import { Command, Option } from 'commander';
import { FIT_DEFAULTS, notTaken, type FitConfig } from '../experiments/fit';
import { InputError } from '../data/errors';
import { SOLVER_CHOICES } from '../convex/solve';
import { PROGRAMS, programNamed, programNames, programOptions } from '../convex/registry';
import { CLASSES_HELP, FORCE_HELP, choice, number, positive, positiveInt } from './common';

const modelHelp = PROGRAMS.map((p) => `${p.name}: ${p.summary} (${p.equation})`).join('; ');

/**
 * The options programs declare (gated: --gates, --seed), each offered once: its flag, an
 * integer >= its min, and its default (the program's, else FIT_DEFAULTS'; none with
 * `defaults` false). `skip`: fields the command offers itself (compare's --seed).
 */
export function addProgramOptions(cmd: Command, skip: readonly string[] = [], defaults = true): Command {
  const fitDefaults: Readonly<Record<string, unknown>> = FIT_DEFAULTS;
  for (const o of programOptions()) {
    if (skip.includes(o.field)) continue;
    const users = PROGRAMS.filter((p) => p.options.some((q) => q.field === o.field)).map((p) => p.name).join(', ');
    const parse = number(o.flag.split(' ')[0], (v) => Number.isInteger(v) && v >= o.min, `an integer >= ${o.min}`);
    cmd.option(o.flag, `${users}: ${o.description}`, parse, defaults ? o.default ?? fitDefaults[o.field] : undefined);
  }
  return cmd;
}

export function addSolveOptions(cmd: Command): Command {
  return addProgramOptions(cmd
    .requiredOption('--data <file>', '.npz with X (N, n, d) and Y (N, c) or labels y (N,) (per token: Y (N, n, c) or y (N, n)); optional U1, U2, X_test, Y_test/y_test')
    .addOption(choice('--model <kind>', modelHelp, programNames(), FIT_DEFAULTS.model))
    .addOption(choice('--loss <kind>', 'squared: 1/2||yhat - y||^2 per sample; ce: softmax cross-entropy', ['squared', 'ce'], FIT_DEFAULTS.loss))
    .option('--heads <h>', 'head budget of the non-convex model: the result says whether the optimum fits in it', positiveInt('--heads')))
    .option('--classes <c>', CLASSES_HELP, positiveInt('--classes'))
    .option('--tol <t>', 'stop at this relative duality gap (primal - dual) / |primal|', positive('--tol'), FIT_DEFAULTS.tol)
    .option('--max-iter <k>', 'iteration limit', positiveInt('--max-iter'), FIT_DEFAULTS.maxIter)
    .option('--time-limit <s>', 'wall-clock limit per solve, seconds', positive('--time-limit'))
    .addOption(choice('--solver <name>', 'auto: the Gram form for the squared loss where an iteration on it is cheaper than two passes over the data, for cross-entropy on attention FISTA first and prox-Newton from its point where 30-100 iterations did not certify (fista+newton), bm where the others refuse a problem as too large to iterate on (gated-mhsa above 100 GFlop per application, linear-mhsa above d = 32), else fista; fista: accelerated proximal gradient over the data (the reference); gram: FISTA on the squared loss\'s Gram matrix (attention, kernel, gated), certified by passes over the data; newton: prox-Newton with working sets and Gap Safe screening (attention); adam: Adam on the convex objective (as the papers); bm: L-BFGS over the heads of the nuclear-norm programs (linear-mhsa, gated-mhsa, mixer, gated-mixer; Burer-Monteiro), certified like the others every few dozen iterations: the low-rank path, fastest where the optimum has few heads', [...SOLVER_CHOICES], FIT_DEFAULTS.solver))
    .option('--lr <rate>', 'adam: learning rate', positive('--lr'), FIT_DEFAULTS.lr)
    .option('--float32', 'run the GEMMs in single precision (the certificate stays float64; the Gram form and prox-Newton iterate in float64 whatever this says, and result.json\'s precision says so)', false)
    .option('--float32-data', 'hold X and X_test in float32, read straight from the file (half the memory; float64 values are rounded once): the solvers widen X block by block and sum in float64, so the certificate is a float64 proof for the data as stored', false)
    .option('--quiet', 'no progress on stderr', false)
    .addOption(new Option('--force', FORCE_HELP).default(false));
}

/** What commander parses for fit and path: the settings' flags, and the programs' options by field. */
export interface SolveOpts {
  data: string;
  model: FitConfig['model'];
  loss: FitConfig['loss'];
  heads?: number;
  classes?: number;
  seed: number;
  tol: number;
  maxIter: number;
  timeLimit?: number;
  solver: FitConfig['solver'];
  lr: number;
  float32: boolean;
  float32Data: boolean;
  quiet: boolean;
  force: boolean;
  out: string;
  [option: string]: unknown;
}

/**
 * Options the run would not use are refused, not recorded as if they mattered: a program option
 * the model does not declare (attention and --seed), --lr without --solver adam. Only options the
 * user gave: their defaults fill every config. (--classes with squared loss: the data loader.)
 */
export function refuseUnused(cmd: Command, o: SolveOpts): void {
  const given = (field: string) => cmd.getOptionValueSource(field) === 'cli';
  const program = programNamed(o.model);
  for (const { field } of programOptions()) {
    if (given(field) && !program.options.some((q) => q.field === field)) throw notTaken(program, field);
  }
  if (given('lr') && o.solver !== 'adam') throw new InputError('lr', `is the learning rate of \`solver\` adam; \`solver\` ${o.solver} takes none`);
}

export function toFitConfig(o: SolveOpts, beta?: number, betaFrac?: number): FitConfig {
  const options = Object.fromEntries(programOptions().map((p) => [p.field, o[p.field]]));
  // the programs' options after heads (config.json: ..., heads, gates, seed, tol, ...)
  return {
    model: o.model, loss: o.loss, beta, betaFrac, heads: o.heads, ...options, seed: o.seed, tol: o.tol,
    maxIter: o.maxIter, solver: o.solver, float32: o.float32, float32Data: o.float32Data, lr: o.lr, timeLimit: o.timeLimit,
  };
}
