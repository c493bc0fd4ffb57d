// The options `fit` and `path` share, and their conversion to a FitConfig.
import { Command, Option } from 'commander';
import { FIT_DEFAULTS, type FitConfig } from '../experiments/fit';
import { choice, nonNegativeInt, positive, positiveInt } from './common';

export function addSolveOptions(cmd: Command): Command {
  return cmd
    .requiredOption('--data <file>', '.npz with X (N, n, d) and Y (N, c) or labels y (N,); optional U1, U2, X_test, Y_test/y_test')
    .addOption(choice('--model <kind>', 'attention: eq. (10); gated: eq. (12), attention + gated-ReLU FCN', ['attention', 'gated'], FIT_DEFAULTS.model))
    .addOption(choice('--loss <kind>', 'squared: 1/2||yhat - y||^2 per sample; ce: softmax cross-entropy', ['squared', 'ce'], FIT_DEFAULTS.loss))
    .option('--heads <h>', 'gated: number of gates h (default 8, or the h of U1/U2 in the file); attention: head budget of the non-convex model', positiveInt('--heads'))
    .option('--classes <c>', 'ce: number of classes (default: largest training label + 1, and labels must be below N)', positiveInt('--classes'))
    .option('--seed <s>', 'seed for the random gates', nonNegativeInt('--seed'), FIT_DEFAULTS.seed)
    .option('--tol <t>', 'stop at this relative duality gap (primal - dual) / |primal|', positive('--tol'), FIT_DEFAULTS.tol)
    .option('--max-iter <k>', 'iteration limit', positiveInt('--max-iter'), FIT_DEFAULTS.maxIter)
    .option('--time-limit <s>', 'wall-clock limit per solve, seconds', positive('--time-limit'))
    .addOption(choice('--solver <name>', 'fista: accelerated proximal gradient; adam: Adam on the convex objective (as the papers)', ['fista', 'adam'], FIT_DEFAULTS.solver))
    .option('--lr <rate>', 'adam: learning rate', positive('--lr'), FIT_DEFAULTS.lr)
    .option('--float32', 'run the GEMMs in single precision (the certificate stays float64)', false)
    .option('--quiet', 'no progress on stderr', false)
    .addOption(new Option('--force', 'replace --out if it is a convexformer run directory (holds .convexformer-run)').default(false));
}

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
  quiet: boolean;
  force: boolean;
  out: string;
}

export function toFitConfig(o: SolveOpts, beta?: number, betaFrac?: number): FitConfig {
  return {
    model: o.model, loss: o.loss, beta, betaFrac, heads: o.heads, seed: o.seed, tol: o.tol,
    maxIter: o.maxIter, solver: o.solver, float32: o.float32, lr: o.lr, timeLimit: o.timeLimit,
  };
}
