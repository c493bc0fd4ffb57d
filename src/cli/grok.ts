// convexformer grok: one run of the grokking experiment (a model trained on modular arithmetic
// until it generalizes), written to a run directory; src/experiments/grok.ts does the work.
import { Command, Option } from 'commander';
import { MODULAR_OPS } from '../data/tasks/modular';
import { LOG_ROUNDS, periodicity } from '../data/tasks/periodicity';
import { TASKS } from '../data/tasks/registry';
import { GROK_CHECKPOINT_EVERY, GROK_DEFAULTS, GROK_MODELS, GROK_TASK_DEFAULTS, grokToDir, type GrokModel, type GrokSummary } from '../experiments/grok';
import { GROK_EMBEDDINGS, GROK_GATE_INPUTS, type GrokCertifiedEval } from '../experiments/grok-convex';
import { GROK_OPTIMIZERS, type GrokEval } from '../experiments/grok-train';
import { InputError } from '../data/errors';
import { GROK_SUITE, GROK_SUITE_DEFAULTS, GROK_SUITE_NOTE } from '../experiments/grok-suite';
import { checkSuiteFlags, grokSuiteAction } from './grok-suite';
import { FORCE_HELP, doing, fmt, guarded, nonNegativeInt, number, positive, positiveInt, wroteLine } from './common';

const { standard: S, convex: C, 'convex-certified': CC } = GROK_DEFAULTS;
/** "(default: standard X, convex Y)": the flags' defaults depend on --model (convex-certified's are convex's) */
const both = (s: unknown, c: unknown) => (s === c ? `(default: ${String(s)})` : `(default: standard ${String(s)}, convex ${String(c)})`);

/** The progress line of one evaluation, on stderr; steps/s since the previous one. */
function progressLine(e: GrokEval, prev: GrokEval | null): string {
  const rate = prev && e.seconds > prev.seconds ? ((e.step - prev.step) / (e.seconds - prev.seconds)).toFixed(1) : '-';
  return `step ${String(e.step).padStart(7)}  train loss ${fmt(e.trainLoss, 5)} acc ${e.trainAccuracy.toFixed(4)}  ` +
    `test loss ${fmt(e.testLoss, 5)} acc ${e.testAccuracy.toFixed(4)}  ${rate} steps/s${roundLine(e)}\n`;
}

const at = (step: number | null, seconds: number | null) => (step === null ? 'not reached' : `step ${step} (${seconds!.toFixed(1)} s)`);

function printSummary(s: GrokSummary, target: number | null): void {
  console.log(`99% train accuracy: ${at(s.stepsToTrain99, s.secondsToTrain99)}; 99% test accuracy: ${at(s.stepsToTest99, s.secondsToTest99)}; ` +
    `amount of grokking: ${s.grokking === null ? '- (needs both)' : `${s.grokking} steps`}`);
  const f = s.final;
  console.log(`after ${s.steps} steps (${s.seconds.toFixed(1)} s, ${s.parameters} parameters): train loss ${fmt(f.trainLoss, 5)} acc ${f.trainAccuracy.toFixed(4)}, ` +
    `test loss ${fmt(f.testLoss, 5)} acc ${f.testAccuracy.toFixed(4)}`);
  if (target !== null && !s.reachedTarget) console.log(`target test accuracy ${target} not reached in ${s.steps} steps (a result, recorded in result.json)`);
  if (s.certificate) printCertificate(s);
}

/** convex-certified: the last layer's certificate, and loudly any solve that did not reach its tol. */
function printCertificate(s: GrokSummary): void {
  const c = s.certificate!;
  console.log(`last layer after round ${s.steps}: J ${fmt(s.objective, 10)}, primal ${fmt(c.primal, 10)}, dual bound ${fmt(c.dual, 10)}, ` +
    `rel. gap ${c.relGap.toExponential(2)} (${c.converged ? 'certified' : 'NOT certified: the solve stopped before its tol'})`);
  if (!s.allSolvesConverged) console.log(`last-layer solves that did not reach --tol: rounds ${s.unconvergedRounds!.join(', ')} (exit code 3)`);
  if (s.stoppedAtFixedPoint) console.log(`stopped at round ${s.steps}: it changed no parameter, so every later round would repeat it`);
}

/** convex-certified's progress adds J and the last layer's relative gap to each round's line */
const roundLine = (e: GrokEval | GrokCertifiedEval) => ('certificate' in e ? `  J ${fmt(e.objective, 8)} rel. gap ${e.certificate.relGap.toExponential(2)}` : '');

interface GrokOpts {
  task: string; op?: string; p?: number; logRound?: string; trainFrac: number; model: GrokModel; layers?: number; steps?: number; targetAcc?: number;
  seed?: number; evalEvery?: number; weightDecay?: number; optimizer?: string; lr?: number; batch?: number; gates?: number;
  beta?: number; embedding?: string; kernelBlocks?: number; chiDof?: number; gateFrom?: string; skip?: boolean; positions?: boolean; rounds?: number; innerSteps?: number; tol?: number; maxIter?: number; out: string; resume: boolean; force: boolean; quiet: boolean; checkpointEvery: number;
  suite: boolean; seeds?: number; jobs?: number;
}

/** "5000 steps for p97-L1-standard-wd1, ...": the grid's caps, grouped by cap. */
function suiteCaps(): string {
  const byCap = new Map<number, string[]>();
  for (const s of GROK_SUITE) byCap.set(s.steps, [...(byCap.get(s.steps) ?? []), s.name]);
  return [...byCap].map(([cap, names]) => `${cap} steps for ${names.join(', ')}`).join('; ');
}

export function grokCommand(): Command {
  const cmd = new Command('grok')
    .description('train the standard transformer or the deep convex model (end to end, or by rounds with a certified last layer) on modular arithmetic or the periodicity task until test accuracy holds a target (grokking; Ergen et al. section 4)')
    .addOption(new Option('--task <name>', 'the generated task').choices(TASKS.map((t) => t.name)).default(GROK_TASK_DEFAULTS.task))
    .addOption(new Option('--op <op>', 'modular only: the operation; div is x * y^{-1} mod p, defined only for y invertible mod p (gcd(y, p) = 1): ' +
      `for a composite p only those pairs (mod 15: 120 equations), and config.json says so (default: ${GROK_TASK_DEFAULTS.op})`).choices(MODULAR_OPS))
    .option('--p <P>', `the modulus (classes = p); modular: required without --suite; periodicity: a prime (default: ${periodicity.options.find((t) => t.field === 'p')!.default})`,
      number('--p', (v) => Number.isInteger(v) && v >= 2, 'an integer >= 2'))
    .addOption(new Option('--log-round <r>', 'periodicity only: [log2 p] read as floor (6 for p = 97, default) or ceil (7); docs/periodicity.md').choices(LOG_ROUNDS))
    .option('--train-frac <F>', 'fraction of the equations for training, the rest for testing', number('--train-frac', (v) => v > 0 && v < 1, 'a number in (0, 1)'), GROK_TASK_DEFAULTS.trainFrac)
    .addOption(new Option('--model <m>', 'standard: pre-LN transformer in Power et al.\'s setting; convex: stacked gated-ReLU convex blocks in Fisher et al. 5.2\'s; convex-kernel: that model with every layer reading chi kernel features of its input (Fisher et al. section 4); convex-certified: that model by block-coordinate rounds, Adam steps on the earlier layers then the last layer solved by FISTA to a duality-gap certificate (a step is a round); required without --suite').choices(GROK_MODELS))
    .option('--layers <L>', `layers ${both(S.layers, C.layers)}`, positiveInt('--layers'))
    .option('--steps <K>', `at most this many steps ${both(S.steps, C.steps)}`, positiveInt('--steps'))
    .option('--target-acc <a>', `stop once test accuracy reaches it ${both(S.targetAccuracy, C.targetAccuracy)}`, number('--target-acc', (v) => v > 0 && v <= 1, 'a number in (0, 1]'))
    .option('--seed <S>', 'seeds the split, the initial weights and the minibatch order (default: 0)', nonNegativeInt('--seed'))
    .option('--eval-every <k>', `evaluate both splits every k steps ${both(S.evalEvery, C.evalEvery)}`, positiveInt('--eval-every'))
    .option('--weight-decay <W>', `AdamW's decoupled decay, or Adam's coupled decay on the mean loss ${both(S.weightDecay, C.weightDecay)}`, number('--weight-decay', (v) => v >= 0, 'a number >= 0'))
    .addOption(new Option('--optimizer <o>', `AdamW or Adam ${both(S.optimizer, C.optimizer)}`).choices(GROK_OPTIMIZERS))
    .option('--lr <r>', `learning rate ${both(S.lr, C.lr)}`, positive('--lr'))
    .option('--batch <B>', `samples per step ${both(S.batchSize, C.batchSize)}`, positiveInt('--batch'))
    .option('--rounds <R>', `convex-certified only: at most this many rounds (default: ${CC.rounds})`, positiveInt('--rounds'))
    .option('--inner-steps <K>', `convex-certified only: full-batch Adam steps on the earlier layers per round (default: ${CC.innerSteps})`, nonNegativeInt('--inner-steps'))
    .option('--tol <t>', `convex-certified only: relative duality gap at which a last-layer solve stops (default: ${CC.tol})`, positive('--tol'))
    .option('--max-iter <k>', `convex-certified only: FISTA iterations per last-layer solve; a solve stopped by it is reported uncertified, exit code 3 (default: ${CC.maxIter})`, positiveInt('--max-iter'))
    .option('--gates <h>', `convex models only: gates per layer (default: ${C.gates})`, positiveInt('--gates'))
    .option('--beta <B>', `convex models only: weight of the group penalty beside the mean loss (default: ${C.beta})`, number('--beta', (v) => v >= 0, 'a number >= 0'))
    .addOption(new Option('--embedding <e>', `convex models only: learned token and position embeddings (width ${C.dModel}) or fixed one-hot tokens (default: ${C.embedding})`).choices(GROK_EMBEDDINGS))
    .addOption(new Option('--gate-from <g>', `convex only: every layer's gates read that layer's input, or the first layer's (the embeddings) (default: ${C.gateFrom})`).choices(GROK_GATE_INPUTS))
    .option('--skip', `convex only: a skip connection X + block(X) around every hidden layer (default: ${C.skip})`)
    .option('--no-positions', `convex only, with --embedding learned: learned token embeddings without the learned position table (default: positions ${C.positions}; one-hot tokens have none)`)
    .option('--kernel-blocks <b>', `convex-kernel only: kernel features per layer, in blocks of the input width rounded up to a power of two (default: ${GROK_DEFAULTS['convex-kernel'].kernelBlocks})`, positiveInt('--kernel-blocks'))
    .option('--chi-dof <k>', `convex-kernel only: degrees of freedom of the map's chi entries (default: ${GROK_DEFAULTS['convex-kernel'].chiDof}, |N(0, 1)|)`, positiveInt('--chi-dof'))
    .option('--checkpoint-every <k>', 'save a checkpoint in OUT.partial every k steps', positiveInt('--checkpoint-every'), GROK_CHECKPOINT_EVERY)
    .option('--resume', 'continue the unfinished run in OUT.partial (same options)', false)
    .option('--quiet', 'no progress on stderr', false)
    .option('--force', FORCE_HELP, false)
    .requiredOption('--out <dir>', 'run directory: config.json, metrics.jsonl, result.json');
  // --suite: the paper's grid, one grok run per setting and seed (src/cli/grok-suite.ts)
  cmd.option('--suite', `run Ergen et al.'s grid (div mod 97 with 1 and 2 layers, mod 15 with 1 and 4; the standard model with weight decay 1 and 0, and the convex model) ` +
      `as single grok runs in OUT/SETTING-seedS, and the table of steps to 99% test accuracy per setting; the per-run flags are the grid's. Step caps: ${suiteCaps()}; ${GROK_SUITE_NOTE}`, false)
    .option('--seeds <N>', `--suite: seeds 0..N-1 of every setting (default: ${GROK_SUITE_DEFAULTS.seeds})`, positiveInt('--seeds'))
    .option('--jobs <J>', `--suite: runs at a time, each a child process, with one OpenBLAS thread when J > 1 (default: ${GROK_SUITE_DEFAULTS.jobs})`, positiveInt('--jobs'));
  return cmd.action((o: GrokOpts) => guarded(async () => {
    checkSuiteFlags(cmd, o.suite);
    if (o.suite) return grokSuiteAction(o);
    if (o.model === undefined) throw new InputError('model', 'is required (or --suite)');
    doing(`training the ${o.model} model on ${o.task}`);
    let prev: GrokEval | null = null;
    const { config, summary } = grokToDir({
      task: o.task, op: o.op, p: o.p, logRound: o.logRound, trainFrac: o.trainFrac, model: o.model, layers: o.layers, steps: o.steps, targetAccuracy: o.targetAcc,
      seed: o.seed, evalEvery: o.evalEvery, weightDecay: o.weightDecay, optimizer: o.optimizer, lr: o.lr, batchSize: o.batch,
      gates: o.gates, beta: o.beta, embedding: o.embedding, kernelBlocks: o.kernelBlocks, chiDof: o.chiDof,
      gateFrom: o.gateFrom, skip: o.skip, positions: o.positions === false ? false : undefined, rounds: o.rounds, innerSteps: o.innerSteps, tol: o.tol, maxIter: o.maxIter,
    }, o.out, {
      force: o.force, resume: o.resume, checkpointEvery: o.checkpointEvery,
      onEval: o.quiet ? undefined : (e) => { process.stderr.write(progressLine(e, prev)); prev = e; },
      onProgressLine: o.quiet ? undefined : (line) => process.stderr.write(`${line}\n`),
    });
    console.log(config.taskSummary);
    printSummary(summary, config.targetAccuracy);
    if (summary.allSolvesConverged === false) process.exitCode = 3;
    console.log(wroteLine(o.out, 'grok'));
  }));
}
