// The deep convex model of the grokking experiment (issue 9): L stacked gated-ReLU convex blocks
// (src/nn/models/deep-convex.ts, docs/deep-convex.md) trained end to end through the same loop as
// the standard model (grok-train.ts), in Fisher et al. section 5.2's setting: AdamW, lr 1e-3,
// weight decay 1e-6, beta 1e-4.
//
// beta is the weight of the group penalty beside the MEAN cross-entropy, as in PyTorch (mean loss
// + beta * penalty). The trainer's objective sums the loss over the N training samples, so the
// model's penalty weight is beta * N: the objective is N times PyTorch's, which Adam's step does
// not see.
//
// `convex-certified` is the same model trained by block-coordinate descent
// (deep-convex-certified.ts): per round, guarded Adam steps on the earlier layers, then the last
// layer solved by FISTA to a duality-gap certificate. Its "step" is a round.
import type { TaskData } from '../data/tasks/task';
import { InputError } from '../data/errors';
import { DeepConvex } from '../nn/models/deep-convex';
import { splitMetrics } from '../convex/metrics';
import type { Certificate } from '../convex/types';
import { blockCoordinate, BLOCK_COORDINATE_DEFAULTS, type BlockCoordinateHooks } from './deep-convex-certified';
import { idSource } from './batches';
import { checkTraining, positiveInt, REACHED, trainGrokModel, type GrokEval, type GrokResult, type GrokRun, type GrokTraining } from './grok-train';

export const GROK_EMBEDDINGS = ['learned', 'onehot'] as const;
export const GROK_GATE_INPUTS = ['input', 'first'] as const;

export interface GrokConvexOptions extends GrokTraining {
  layers: number;
  /** gates per layer */
  gates: number;
  /** the group penalty's weight beside the mean loss */
  beta: number;
  /** 'onehot': fixed one-hot tokens; 'learned': token and position tables of width dModel */
  embedding: typeof GROK_EMBEDDINGS[number];
  /** learned embeddings only: their width */
  dModel: number;
  /** learned embeddings only: add a learned position table (one-hot tokens have none) */
  positions: boolean;
  /** what every layer's gates read: that layer's input, or the embeddings (docs/deep-convex.md) */
  gateFrom: typeof GROK_GATE_INPUTS[number];
  /** a skip connection X + block(X) around every hidden layer */
  skip: boolean;
}

/**
 * The convex model with Fisher et al.'s kernel preconditioning (section 4): every layer reads the
 * chi features of its input (DeepConvex's `kernel`), kernelBlocks blocks of the input width
 * rounded up to a power of two, entries chi(chiDof).
 */
export interface GrokKernelOptions extends GrokConvexOptions {
  kernelBlocks: number;
  chiDof: number;
}

/** Fisher et al. 5.2's optimizer and penalty; 8 gates per layer reading each layer's input, no skips, and learned token and position embeddings of width 32. */
export const CONVEX_SETTING: GrokConvexOptions = {
  layers: 2, gates: 8, beta: 1e-4, embedding: 'learned', dModel: 32, positions: true, gateFrom: 'input', skip: false, optimizer: 'adamw', weightDecay: 1e-6, lr: 1e-3,
  beta1: 0.9, beta2: 0.999, warmup: 0, batchSize: 512, steps: 100_000, targetAccuracy: 0.99, seed: 0, evalEvery: 100,
};

/** The convex setting with the kernel map of kernel-features.md's default: four blocks, chi(1) entries. */
export const KERNEL_SETTING: GrokKernelOptions = { ...CONVEX_SETTING, kernelBlocks: 4, chiDof: 1 };

/** What the deep convex model is, however it is trained. */
type ConvexModelOptions = Pick<GrokConvexOptions, 'layers' | 'gates' | 'beta' | 'embedding' | 'dModel' | 'seed'>;

function checkModel(o: ConvexModelOptions): void {
  for (const f of ['layers', 'gates', 'dModel'] as const) positiveInt(f, o[f]);
  if (!(o.beta >= 0 && Number.isFinite(o.beta))) throw new InputError('beta', `must be a finite number >= 0, got ${o.beta}`);
  if (!GROK_EMBEDDINGS.includes(o.embedding)) throw new InputError('embedding', `must be one of ${GROK_EMBEDDINGS.join(', ')}, got ${String(o.embedding)}`);
}

/**
 * One-hot tokens have no position table, so `positions` follows the embedding: a config records
 * the model actually built (positions false for one-hot), and asking for no positions on one-hot
 * tokens, which would change nothing, is refused rather than silently accepted.
 */
export function resolvePositions(given: unknown, embedding: unknown, fallback: unknown): unknown {
  if (embedding !== 'onehot') return given ?? fallback;
  if (given === false) throw new InputError('positions', 'only with embedding learned (one-hot tokens have no position table)');
  return false;
}

/** The deep convex model of these options for `data`'s token ids. */
export function grokConvexModel(data: TaskData, o: GrokConvexOptions): DeepConvex {
  checkTraining(o);
  if (typeof o.positions !== 'boolean') throw new InputError('positions', `must be true or false, got ${String(o.positions)}`);
  if (!GROK_GATE_INPUTS.includes(o.gateFrom)) throw new InputError('gateFrom', `must be one of ${GROK_GATE_INPUTS.join(', ')}, got ${String(o.gateFrom)}`);
  if (typeof o.skip !== 'boolean') throw new InputError('skip', `must be true or false, got ${String(o.skip)}`);
  const k = o as Partial<GrokKernelOptions>;
  if (k.kernelBlocks !== undefined) {
    positiveInt('kernelBlocks', k.kernelBlocks);
    positiveInt('chiDof', k.chiDof ?? NaN);
  }
  return deepConvexOf(data, o, { positions: o.positions, gateFrom: o.gateFrom, skip: o.skip, kernel: k.kernelBlocks === undefined ? undefined : { blocks: k.kernelBlocks, dof: k.chiDof! } });
}

/** The structure the end-to-end model varies (the certified one keeps DeepConvex's defaults, with positions on learned tokens). */
type ConvexStructure = Pick<GrokConvexOptions, 'positions' | 'gateFrom' | 'skip'> & { kernel?: { blocks: number; dof: number } };

function deepConvexOf(data: TaskData, o: ConvexModelOptions, s: ConvexStructure = { positions: true, gateFrom: 'input', skip: false }): DeepConvex {
  checkModel(o);
  return new DeepConvex({
    layers: o.layers, seq: data.seq, vocab: data.vocab, classes: data.classes, gates: o.gates, embedding: o.embedding,
    dModel: o.dModel, positions: o.embedding === 'learned' && s.positions, gateFrom: s.gateFrom, skip: s.skip, kernel: s.kernel,
    beta: o.beta * data.train.length, seed: o.seed,
  });
}

/** Trains the deep convex model on `data`'s training split, evaluating both splits every evalEvery steps. */
export function trainConvexGrok(data: TaskData, options: GrokConvexOptions, run: GrokRun = {}): GrokResult {
  return trainGrokModel(grokConvexModel(data, options), data, options, run);
}

/**
 * The certified alternative: the convex model's options (its model, lr and target) without the
 * minibatch trainer's (optimizer, decay, batch, steps), which block-coordinate descent does not
 * use (its Adam steps are full-batch, undecayed), plus the rounds and the last-layer solve's tol
 * and iteration cap. A "step" of this model is a round.
 */
export interface GrokCertifiedOptions extends ConvexModelOptions {
  lr: number;
  targetAccuracy: number | null;
  rounds: number;
  /** Adam steps on the earlier layers per round */
  innerSteps: number;
  /** the relative duality gap at which a last-layer solve stops, and its FISTA iteration cap */
  tol: number;
  maxIter: number;
}

const { layers, gates, beta, embedding, dModel, seed, lr, targetAccuracy } = CONVEX_SETTING;
export const CERTIFIED_SETTING: GrokCertifiedOptions = {
  layers, gates, beta, embedding, dModel, seed, lr, targetAccuracy,
  rounds: 20, innerSteps: BLOCK_COORDINATE_DEFAULTS.innerSteps, tol: 1e-6, maxIter: BLOCK_COORDINATE_DEFAULTS.maxIter,
};

/** FISTA calls back every this many iterations; a line is written when progressSeconds have passed since the last. */
const SOLVE_PROGRESS_EVERY = 10;
const SOLVE_PROGRESS_SECONDS = 5;

/**
 * A long round must not be silent (a p = 97 FISTA iteration can take a second, a gradient phase
 * is up to 900 full-batch Adam steps): after the gradient phase and during the last-layer solve, a
 * line at most every `seconds` (none when the round is shorter; its own line follows it).
 */
function roundProgress(round: () => number, o: GrokCertifiedOptions, write: (line: string) => void, seconds: number): BlockCoordinateHooks {
  let last = performance.now();
  const throttled = (line: () => string) => {
    const now = performance.now();
    if ((now - last) / 1000 < seconds) return;
    last = now;
    write(line());
  };
  return {
    onGradientPhase: (g) => throttled(() => `round ${round()}: ${o.innerSteps} Adam steps ` +
      `${g.stepsLr === null ? 'rejected at every lr (J would rise)' : `kept at lr ${g.stepsLr.toExponential(2)}`}, J ${fmtJ(g.objectiveAfterSteps)}; solving the last layer`),
    onSolveProgress: (p) => throttled(() => `round ${round()}: last-layer solve, iteration ${p.iteration} of at most ${o.maxIter}, ` +
      `rel. gap ${p.relGap.toExponential(2)} (tol ${o.tol.toExponential(0)}), ${(p.seconds / Math.max(p.iteration, 1) * 1000).toFixed(2)} ms/iteration`),
    solveProgressEvery: SOLVE_PROGRESS_EVERY,
  };
}

const fmtJ = (j: number) => j.toPrecision(8);

/** The last layer's certificate of one round; converged: its relative gap reached tol. */
export type RoundCertificate = Pick<Certificate, 'primal' | 'dual' | 'relGap' | 'iterations'> & { converged: boolean };

/**
 * A metrics line of the certified model: the evaluation after a round, J, the certificate;
 * fixedPoint: the round changed no parameter (bit for bit), so every later round would repeat it
 * and the run stops there.
 */
export type GrokCertifiedEval = GrokEval & { objective: number; certificate: RoundCertificate; solveAccepted: boolean; fixedPoint: boolean };

const sameBits = (a: ArrayLike<number>, b: ArrayLike<number>) => {
  for (let i = 0; i < a.length; i++) if (!Object.is(a[i], b[i])) return false;
  return true;
};

export type GrokCertifiedResult = GrokResult & { evals: GrokCertifiedEval[] };

/**
 * Block-coordinate descent of the deep convex model, one round per "step", both splits measured
 * after each; stops once test accuracy holds the target. Checkpoints between rounds: the
 * parameters are the whole state (each round's Adam starts afresh), opt is null.
 */
export function trainCertifiedGrok(data: TaskData, o: GrokCertifiedOptions, run: GrokRun = {}): GrokCertifiedResult {
  positiveInt('rounds', o.rounds);
  if (o.targetAccuracy !== null && !(o.targetAccuracy > 0 && o.targetAccuracy <= 1)) {
    throw new InputError('targetAccuracy', `must be in (0, 1] or null, got ${o.targetAccuracy}`);
  }
  const model = deepConvexOf(data, o);
  const bc = { rounds: 1, innerSteps: o.innerSteps, lr: o.lr, tol: o.tol, maxIter: o.maxIter };
  const source = idSource(data.ids, data.seq, data.labels, data.classes);
  const measure = (rows: Int32Array) => {
    const N = rows.length;
    const m = splitMetrics('ce', model.forward(source.gather(rows).input, N), { c: data.classes, y: Int32Array.from(rows, (e) => data.labels[e]) }, N);
    return { loss: m.loss, accuracy: m.accuracy! };
  };
  const ck = run.resume?.checkpoint;
  if (ck) model.params.forEach((p) => p.data.set(ck.params[p.name]));
  const evals = (ck ? run.resume!.history.filter((e) => e.step <= ck.step) : []) as GrokCertifiedEval[];
  let round = ck?.step ?? 0, seconds = ck?.seconds ?? 0;
  const hooks = run.onProgressLine ? roundProgress(() => round + 1, o, run.onProgressLine, run.progressSeconds ?? SOLVE_PROGRESS_SECONDS) : {};
  const reached = () => o.targetAccuracy !== null && evals.length > 0 && evals.at(-1)!.testAccuracy >= o.targetAccuracy;
  // A round is a deterministic function of the parameters (its Adam starts afresh), so a round
  // that changed none (its gradient phase kept no step, its solve started certified and did not
  // move) would be repeated exactly by every later one. Measured: from round 2 (p = 11) or 9
  // (p = 7) on, the default run did exactly that, 900 rejected Adam steps per round, to round 20.
  let fixed = evals.at(-1)?.fixedPoint ?? false;
  while (round < o.rounds && !reached() && !fixed) {
    const start = model.params.map((p) => Float64Array.from(p.data));
    const t0 = performance.now();
    // one round per call: the model carries the state, and a fresh Adam per round is what blockCoordinate does
    const [r] = blockCoordinate(model, data, { ...bc }, hooks);
    seconds += (performance.now() - t0) / 1000;
    round++;
    const tr = measure(data.train), te = measure(data.test);
    const c = r.certificate;
    const e: GrokCertifiedEval = {
      step: round, seconds, trainLoss: tr.loss, trainAccuracy: tr.accuracy, testLoss: te.loss, testAccuracy: te.accuracy,
      objective: r.objective, certificate: { primal: c.primal, dual: c.dual, relGap: c.relGap, iterations: c.iterations, converged: c.relGap <= o.tol },
      solveAccepted: r.solveAccepted, fixedPoint: model.params.every((p, i) => sameBits(p.data, start[i])),
    };
    fixed = e.fixedPoint;
    if (fixed) run.onProgressLine?.(`round ${round} changed no parameter: every later round would repeat it; stopping`);
    evals.push(e);
    run.onEval?.(e);
    run.onWeights?.(round, model.params);
    if (run.onCheckpoint && run.checkpointEvery && round % run.checkpointEvery === 0) {
      run.onCheckpoint({ step: round, seconds, params: Object.fromEntries(model.params.map((p) => [p.name, Array.from(p.data)])), opt: null });
    }
  }
  const first = (key: 'trainAccuracy' | 'testAccuracy') => evals.find((e) => e[key] >= REACHED) ?? null;
  const toTrain = first('trainAccuracy'), toTest = first('testAccuracy');
  return {
    evals, steps: round, seconds, parameters: model.params.reduce((s, p) => s + p.data.length, 0),
    stepsToTrain99: toTrain?.step ?? null, secondsToTrain99: toTrain?.seconds ?? null,
    stepsToTest99: toTest?.step ?? null, secondsToTest99: toTest?.seconds ?? null,
  };
}
