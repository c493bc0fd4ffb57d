// convexformer vision: convex attention heads against non-convex baselines on Fashion-MNIST
// patches, in one run directory (src/experiments/vision.ts does the work).
import { Command, Option } from 'commander';
import { PROJECTIONS } from '../data/vision';
import { SOLVER_CHOICES } from '../convex/solve';
import { CONVEX_MODELS, VISION_DEFAULTS, VISION_MODELS, visionToDir, type VisionConfig, type VisionResult, type ConvexRow } from '../experiments/vision';
import type { BaselineRow } from '../experiments/vision-baselines';
import { FORCE_HELP, choice, doing, escapeControl, guarded, nonNegativeInt, number, positive, positiveInt, positiveList, progressPrinter } from './common';

const D = VISION_DEFAULTS;

const pct = (x: number) => `${(100 * x).toFixed(1)}%`.padStart(6);

export function printVision(r: VisionResult): void {
  const d = r.data;
  console.log(`${d.N} training and ${d.Ntest} test images as ${d.n} tokens of ${d.d} features, ${d.classes} classes`);
  if (r.baselineSeconds !== null) {
    console.log(`baselines: Adam on minibatches for ${r.baselineSeconds.toFixed(1)} s each (half of it a learning-rate search), ${r.baselineBeta ? `penalty beta/2 ||W||^2 with beta = ${r.baselineBeta}` : 'no penalty'}`);
  }
  console.log('model     train acc.  test acc.  seconds  certificate / training');
  for (const row of r.rows) {
    const c = row as ConvexRow, b = row as BaselineRow;
    const what = (CONVEX_MODELS as readonly string[]).includes(row.model)
      ? `${c.converged ? 'certified' : 'NOT certified'} (rel. gap ${c.relGap.toExponential(2)}, tol ${c.tol.toExponential(0)}), ${c.heads} heads, ${c.solver}, ` +
        `beta ${c.beta.toPrecision(6)} = ${(c.beta / c.betaMax).toPrecision(3)} x its beta_max ${c.betaMax.toPrecision(6)}`
      : `Adam ${b.steps} steps at lr ${b.lr}, ${b.parameters} parameters`;
    console.log(`${row.model.padEnd(8)}  ${pct(row.trainAccuracy)}      ${pct(row.testAccuracy)}    ${row.seconds.toFixed(1).padStart(6)}   ${what}`);
  }
  for (const p of r.path) {
    console.log(`path ${p.betaFrac.toPrecision(3).padEnd(6)} beta_max: ${String(p.heads).padStart(4)} heads, train ${pct(p.trainAccuracy)}, test ${pct(p.testAccuracy)}, ` +
      `${p.converged ? 'certified' : 'NOT certified'} (rel. gap ${p.relGap.toExponential(2)}), ${p.seconds.toFixed(1)} s`);
  }
  for (const w of r.warnings) console.log(`warning: ${w}`);
}

interface VisionOpts {
  idxDir: string; patch: number; project: VisionConfig['project']; dim?: number; nTrain?: number; nTest?: number;
  betaFrac: number; path: string; models: string; gates: number; solver: VisionConfig['solver']; tol: number; maxIter: number; timeLimit?: number;
  baselineSeconds?: number; baselineBeta: number; hidden: number; softmaxHeads?: number; simplexHeads: number; batch: number; lrs: string;
  seed: number; out: string; resume: boolean; force: boolean; quiet: boolean;
}

export function visionCommand(): Command {
  return new Command('vision')
    .description('convex attention heads (eq. 10), gated convex heads (eq. 12) and non-convex baselines (linear softmax, MLP, softmax attention, trained with Adam for the convex heads\' wall time) ' +
      'on Fashion-MNIST patches: accuracy, seconds and certificates, a regularisation path of the convex heads, and the heads as images (convexformer report)')
    .option('--idx-dir <dir>', 'the directory of the four MNIST-family IDX files (docs/vision.md)', D.idxDir)
    .option('--patch <p>', 'patch side in pixels (28 x 28 images, 7: 16 tokens of 49 pixels)', positiveInt('--patch'), D.patch)
    .addOption(choice('--project <how>', 'per-token projection: none, pca (training set), random', [...PROJECTIONS], D.project))
    .option('--dim <d>', 'the projected width (with --project pca or random)', positiveInt('--dim'))
    .option('--n-train <N>', 'a seeded subset of the training images (default: all 60,000)', positiveInt('--n-train'))
    .option('--n-test <N>', 'a seeded subset of the test images (default: all 10,000)', positiveInt('--n-test'))
    .option('--beta-frac <F>', 'beta of the table\'s convex solves, a fraction of each program\'s beta_max', positive('--beta-frac'), D.betaFrac)
    .option('--path <list>', 'the convex heads\' regularisation path (with --models convex): comma-separated fractions of beta_max, solved largest first, each from the last (the table\'s fraction is the table\'s solve); none: no path', D.path.join(','))
    .option('--models <list>', `the table's models, in order: ${VISION_MODELS.join(', ')} (mhsa: linear self-attention, Sahiner eq. 6, not in the default: its Z is d^2 x 10 d, use --project pca --dim 16)`, D.models.join(','))
    .option('--gates <h>', 'gates of the gated convex heads', positiveInt('--gates'), D.gates)
    .addOption(new Option('--solver <s>', 'solver of the convex programs (auto: prox-Newton for the convex heads, FISTA for gated and mhsa; newton: the convex heads only)').choices(SOLVER_CHOICES.filter((x) => x !== 'gram' && x !== 'bm')).default(D.solver))
    .option('--tol <t>', 'relative duality gap at which a convex solve is certified', positive('--tol'), D.tol)
    .option('--max-iter <k>', 'iteration limit of each convex solve', positiveInt('--max-iter'), D.maxIter)
    .option('--time-limit <s>', 'seconds per convex solve; a solve it stops is reported NOT certified (exit code 3)', positive('--time-limit'))
    .option('--baseline-seconds <s>', 'wall seconds of each baseline, search and training (default: what the convex heads\' solve took)', positive('--baseline-seconds'))
    .option('--baseline-beta <B>', 'the baselines\' penalty beta/2 ||W||^2; the time budget and the validation-chosen learning rate are their only other regularisers', number('--baseline-beta', (v) => v >= 0, 'a number >= 0'), D.baselineBeta)
    .option('--hidden <k>', 'hidden units of the MLP', positiveInt('--hidden'), D.hidden)
    .option('--softmax-heads <h>', 'heads of the softmax attention baseline, a divisor of d + n (default: the fewest, at least 4, that divide it: 5 for 49 + 16)', positiveInt('--softmax-heads'))
    .option('--simplex-heads <h>', 'heads of the simplex attention baseline (--models simplex)', positiveInt('--simplex-heads'), D.simplexHeads)
    .option('--batch <B>', 'minibatch size of the baselines', positiveInt('--batch'), D.batch)
    .option('--lrs <list>', 'Adam learning rates the baselines choose from on a validation split', D.lrGrid.join(','))
    .option('--seed <s>', 'seeds the subsets, the gates, the baselines\' initialisation and minibatches', nonNegativeInt('--seed'), D.seed)
    .option('--resume', 'continue the unfinished run in OUT.partial (same images and options)', false)
    .option('--quiet', 'no progress on stderr', false)
    .option('--force', FORCE_HELP, false)
    .requiredOption('--out <dir>', 'run directory: config.json, result.json, metrics.jsonl, weights.npz')
    .action((o: VisionOpts) => guarded(() => {
      const cfg: Partial<VisionConfig> = {
        idxDir: o.idxDir, patch: o.patch, project: o.project, dim: o.dim, nTrain: o.nTrain, nTest: o.nTest,
        betaFrac: o.betaFrac, path: o.path === 'none' ? [] : positiveList('--path', o.path), models: o.models.split(',') as VisionConfig['models'], gates: o.gates,
        solver: o.solver, tol: o.tol, maxIter: o.maxIter, timeLimit: o.timeLimit, baselineSeconds: o.baselineSeconds, baselineBeta: o.baselineBeta,
        hidden: o.hidden, softmaxHeads: o.softmaxHeads, simplexHeads: o.simplexHeads, batch: o.batch, lrGrid: positiveList('--lrs', o.lrs), seed: o.seed,
      };
      doing(`the vision experiment on ${o.idxDir}`);
      const printers = new Map<string, ReturnType<typeof progressPrinter>>();
      const r = visionToDir(cfg, o.out, {
        force: o.force, resume: o.resume,
        onPhase: o.quiet ? undefined : (line) => process.stderr.write(`${line}\n`),
        onProgress: o.quiet ? undefined : (phase, p) => {
          if (!printers.has(phase)) printers.set(phase, progressPrinter(false, `  ${phase}: `));
          printers.get(phase)!(p);
        },
      });
      printVision(r);
      if (r.rows.some((row) => 'converged' in row && !row.converged) || r.path.some((p) => !p.converged)) process.exitCode = 3;
      console.log(`wrote ${escapeControl(o.out)}: config.json, metrics.jsonl, result.json${r.heads ? ', weights.npz' : ''}`);
    }));
}
