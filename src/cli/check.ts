// convexformer check: is a model optimal? Weights from a certified fit, from NumPy, or from a
// non-convex model trained elsewhere, checked against the convex program's KKT conditions and a
// certified lower bound (src/experiments/check.ts).
import { Command, Option } from 'commander';
import { loadDataset } from '../data/dataset';
import { readNpz } from '../data/npz';
import { writeFileWhole } from '../data/tasks/write-file';
import { runCheck, type CheckResult, type WeightsKind } from '../experiments/check';
import { FIT_DEFAULTS, notTaken } from '../experiments/fit';
import { PROGRAMS, programNamed, programNames, programOptions } from '../convex/registry';
import { InputError, quote } from '../data/errors';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { CLASSES_HELP, choice, doing, escapeControl, fmt, guarded, positive, positiveInt, progressPrinter, reading } from './common';
import { addProgramOptions } from './fit-options';
import type { LossKind } from '../convex/types';

const OBJECTIVES = PROGRAMS.map((p) => `  ${p.name} (${p.equation}):\n    non-convex: ${p.nonconvex}\n    convex:     ${p.convex}`).join('\n');

const HELP = `
What is compared. Z (the file has Z, or --weights-kind convex) is checked on the convex program;
non-convex heads W1 (H, n) rows on the simplex, W2 (H, d), W3 (H, c), gate (H,) (the layout fit
writes; gated models also take U1, U2 from the file; the Sahiner and matrix-target programs take
their own, listed under --weights) are checked by their non-convex objective:
${OBJECTIVES}
L is 1/2 ||yhat - y||^2 per sample (--loss squared) or softmax cross-entropy (ce), summed.
The convex optimum is a lower bound on the non-convex objective for any number of heads, and
equal to its minimum once the heads are enough (Ergen et al. Theorems 1-3).

What it reports: the KKT residuals at Z (or at the Z the heads stand for, the same prediction)
relative to beta (Fisher et al. 3.4; docs/kkt.md): dual feasibility Omega_D(v) / beta <= 1 with
v = -A^T grad L; stationarity (for the group lasso max ||v_g - beta z_g/||z_g|| || / beta) = 0 on
nonzero groups; the slack min 1 - ||v_g|| / beta >= 0 on zero groups (groups: token rows, singular
directions for a nuclear norm, attention blocks for matrix targets); and the duality gap there. Unless that gap
already proves the weights optimal, the solver --solver auto would pick (FISTA, the Gram form, or
FISTA then prox-Newton for cross-entropy) solves the program from them to a certified gap of
tol/10, which gives a tighter lower bound and possibly a better point.

Exit code: 0 optimal within --tol (proven: objective - lower bound <= tol |objective|), 1 not
optimal (proven: the solve found a point more than tol |objective| lower), 3 cannot tell (the
solve stopped at --max-iter, or the weights lie within tol/10 of tol above the optimum, so the
two bounds straddle it), 2 bad input. The kernel program's weights record its feature map
(phi_features, phi_chi_dof, phi_seed), which check uses.`;

interface CheckOpts {
  data: string; weights: string; model: string; loss: LossKind; classes?: number;
  beta?: number; betaFrac?: number; tol: number; maxIter: number; weightsKind: WeightsKind;
  json?: string; force: boolean; quiet: boolean;
  [option: string]: unknown;
}

export function printCheck(r: CheckResult, log: (s: string) => void = console.log): void {
  log(`${r.model} / ${r.loss}: N=${r.N} n=${r.n} d=${r.d} c=${r.c}${r.h ? ` h=${r.h}` : ''}, beta=${fmt(r.beta)} (${fmt(r.beta / r.betaMax, 4)} x beta_max)`);
  log(r.weights === 'convex' ? `  convex Z: objective ${r.objective.toPrecision(12)}`
    : `  non-convex, ${r.heads} heads: objective ${r.objective.toPrecision(12)} (its Z: convex objective ${r.kkt.primal.toPrecision(12)})`);
  const k = r.kkt;
  log(`  KKT at Z: rel. gap ${k.relGap.toExponential(2)}; dual feasibility ${fmt(k.dualFeasibility, 8)} (<= 1); ` +
    `stationarity ${k.stationarity.toExponential(2)} on ${k.nonzeroGroups} nonzero groups (0); ` +
    (k.zeroGroupSlack === null ? 'no zero groups' : `zero-group slack ${fmt(k.zeroGroupSlack, 4)} on ${k.totalGroups - k.nonzeroGroups} (>= 0)`));
  if (r.solve) {
    const how = { fista: 'FISTA', gram: 'FISTA on the Gram form', 'gram+fista': 'FISTA on the Gram form, then over the data', newton: 'prox-Newton', 'fista+newton': 'FISTA, then prox-Newton', adam: 'Adam' }[r.solve.method] ?? r.solve.method;
    log(`  ${how} from the weights: ${r.solve.iterations} iterations, ${r.solve.seconds.toFixed(2)} s, rel. gap ${r.solve.relGap.toExponential(2)}` +
      (r.solve.converged ? ' (certified)' : ` (NOT converged to ${fmt(r.tol / 10)})`));
  }
  // a difference at the rounding level of the objective is no evidence of a better point
  const atLeast = r.suboptimalityAtLeast > 1e-12 * Math.abs(r.objective) ? `, at least ${fmt(r.suboptimalityAtLeast)}` : '';
  log(`  lower bound ${r.lowerBound.toPrecision(12)}: the weights are at most ${fmt(r.suboptimalityAtMost)} above the optimum ` +
    `(rel. ${r.relSuboptimalityAtMost.toExponential(2)})${atLeast}`);
  const lower = r.weights === 'convex' ? 'a point' : 'a convex point (as heads it may need more than these)';
  log(r.optimal === true ? `  OPTIMAL within tol ${fmt(r.tol)}`
    : r.optimal === false ? `  NOT OPTIMAL: ${lower} ${fmt(r.suboptimalityAtLeast)} lower exists (more than tol ${fmt(r.tol)})`
      : r.solve?.converged
        ? `  CANNOT TELL at tol ${fmt(r.tol)}: the weights are between ${fmt(r.suboptimalityAtLeast)} and ${fmt(r.suboptimalityAtMost)} above the optimum, on both sides of tol`
        : `  CANNOT TELL at tol ${fmt(r.tol)}: the solve stopped at --max-iter before deciding; raise it`);
}

export function checkCommand(): Command {
  const cmd = new Command('check')
    .description('is a model optimal? KKT residuals, duality gap and a certified lower bound for a convex Z or non-convex heads')
    .addHelpText('after', HELP)
    .requiredOption('--data <file>', 'the training data the weights were fit on (.npz as for fit)')
    .requiredOption('--weights <file>', '.npz with Z, or with W1, W2, W3 (gate, U1, U2); linear-mhsa: W1 (H, d, d), W2 (H, d, c); mixer: W1 (H, n, n), W2 (H, d, c); matrix-attention: W1 (H, n, n), W2 (H, d, c), w3 (H,): weights.npz of a fit, or your own')
    .addOption(choice('--model <kind>', 'the program the weights belong to', programNames(), FIT_DEFAULTS.model))
    .addOption(choice('--loss <kind>', 'squared or ce, as the weights were trained', ['squared', 'ce'], FIT_DEFAULTS.loss))
    .option('--classes <c>', CLASSES_HELP, positiveInt('--classes'))
    .option('--beta <B>', 'regularization strength the weights were trained with', positive('--beta'))
    .option('--beta-frac <F>', 'beta as a fraction of beta_max', positive('--beta-frac'))
    .addOption(choice('--weights-kind <k>', 'auto: Z if the file has it, else the heads; convex: Z; nonconvex: the heads, W1, W2, ... (a fit\'s weights.npz has both)', ['auto', 'convex', 'nonconvex'], 'auto'))
    .option('--tol <t>', 'relative suboptimality that counts as optimal', positive('--tol'), FIT_DEFAULTS.tol)
    .option('--max-iter <k>', 'iteration limit of the solve for the bound', positiveInt('--max-iter'), FIT_DEFAULTS.maxIter)
    .option('--json <file>', 'also write the report as JSON')
    .addOption(new Option('--force', 'replace --json if it exists').default(false))
    .option('--quiet', 'no progress on stderr', false);
  addProgramOptions(cmd);
  return cmd.action((o: CheckOpts) => guarded(() => {
    // the program options given on the command line; one the model does not take is refused
    const program = programNamed(o.model);
    const given = programOptions().filter((p) => cmd.getOptionValueSource(p.field) === 'cli');
    for (const { field } of given) if (!program.options.some((q) => q.field === field)) throw notTaken(program, field);
    const options = Object.fromEntries(given.map((p) => [p.field, o[p.field]]));
    if (o.json) {
      // refused before any work: an existing file without --force, a directory, a missing folder
      if (!o.force && fs.existsSync(o.json)) throw new InputError('json', `${quote(o.json)} exists; pass \`force\` to replace it`);
      if (fs.existsSync(o.json) && fs.statSync(o.json).isDirectory()) throw new InputError('json', `${quote(o.json)} is a directory; expected a file to write`);
      if (!fs.existsSync(path.dirname(path.resolve(o.json)))) throw new InputError('json', `${quote(o.json)}: its folder does not exist`);
    }
    doing(reading(o.data));
    const data = loadDataset(o.data, { loss: o.loss, classes: o.classes });
    doing(reading(o.weights));
    const arrays = renamed(() => readNpz(o.weights), 'data', 'weights');
    doing('checking the weights');
    const r = runCheck(data, arrays, {
      model: o.model, loss: o.loss, beta: o.beta, betaFrac: o.betaFrac, ...options,
      tol: o.tol, maxIter: o.maxIter, weights: o.weightsKind,
    }, progressPrinter(o.quiet));
    if (o.json) renamed(() => writeFileWhole(o.json!, new TextEncoder().encode(`${JSON.stringify(r, null, 2)}\n`), o.force), 'out', 'json');
    printCheck(r);
    if (o.json) console.log(`wrote ${escapeControl(o.json)}`);
    process.exitCode = r.optimal === true ? 0 : r.optimal === false ? 1 : 3;
  }));
}

/** Runs `f`; an InputError naming field `from` (the reader's and writer's own names) names `to` instead. */
function renamed<T>(f: () => T, from: string, to: string): T {
  try {
    return f();
  } catch (e) {
    if (e instanceof InputError && e.field === from) throw new InputError(to, e.message.slice(from.length + 2));
    throw e;
  }
}
