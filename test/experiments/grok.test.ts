// The grok experiment as a library: one default set per model filled in under what was given, an
// option of the other model refused naming it, tiny runs of both models that fit their training
// half, the summary's amount of grokking and median step time, and the deep convex model's beta
// put beside the mean loss (its objective is N times PyTorch's); convex-certified: its options,
// the one-layer one-hot model certified whole, J never rising over rounds, resume between rounds.
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { InputError } from '../../src/data/errors';
import { GROK_DEFAULTS, grokConfig, grokSummary, grokTask, runGrok, type GrokConfig } from '../../src/experiments/grok';
import { grokConvexModel, type GrokCertifiedEval } from '../../src/experiments/grok-convex';
import type { TrainCheckpoint } from '../../src/experiments/train';
import type { GrokResult } from '../../src/experiments/grok-train';
import { objective } from '../../src/nn/models/model';
import { idSource } from '../../src/experiments/batches';
import { splitMetrics } from '../../src/convex/metrics';

const refuses = (f: () => unknown, field: string) =>
  assert.throws(f, (e: unknown) => e instanceof InputError && e.field === field, field);

test('grokConfig: each model gets its own defaults whole, what was given wins, the task first', () => {
  const s = grokConfig({ model: 'standard', p: 7, lr: 0.01, layers: undefined });
  assert.deepEqual(s, { task: 'modular', op: 'div', p: 7, trainFrac: 0.5, model: 'standard', ...GROK_DEFAULTS.standard, lr: 0.01 });
  assert.deepEqual(Object.keys(s).slice(0, 5), ['task', 'op', 'p', 'trainFrac', 'model']);
  const c = grokConfig({ model: 'convex', p: 97, gates: 4 });
  assert.equal(c.model === 'convex' && c.gates, 4);
  assert.equal(c.model === 'convex' && c.weightDecay, 1e-6);
  assert.equal(c.model === 'convex' && c.beta, 1e-4);
  assert.equal(s.weightDecay, 1);
});

test('grokConfig refuses an option of the other model, an unknown option and an unknown model, naming the field', () => {
  refuses(() => grokConfig({ model: 'standard', p: 7, gates: 4 }), 'gates');
  refuses(() => grokConfig({ model: 'convex', p: 7, heads: 4 }), 'heads');
  refuses(() => grokConfig({ model: 'convex', p: 7, colour: 'red' }), 'colour');
  refuses(() => grokConfig({ model: 'deep' as 'convex', p: 7 }), 'model');
});

test('grokConfig: convex-kernel is the convex setting with a kernel map; its flags are refused for the other models', () => {
  const k = grokConfig({ model: 'convex-kernel', p: 7 });
  assert.deepEqual(k, { ...grokConfig({ model: 'convex', p: 7 }), model: 'convex-kernel', kernelBlocks: 4, chiDof: 1 });
  refuses(() => grokConfig({ model: 'convex', p: 7, kernelBlocks: 2 }), 'kernelBlocks');
  refuses(() => grokConfig({ model: 'standard', p: 7, chiDof: 2 }), 'chiDof');
  refuses(() => runGrok(grokTask(k), grokConfig({ model: 'convex-kernel', p: 7, kernelBlocks: 0 })), 'kernelBlocks');
  // the model built reads 4 x 32 kernel features per layer
  const r = runGrok(grokTask(k), { ...k, steps: 2, evalEvery: 1 });
  assert.equal(r.parameters, 9 * 32 + 4 * 32 + 8 * 4 * 32 * 4 * 128 + 8 * 7 * 4 * 128);
  // the features are about sqrt(D) times the tokens, and Z starts that much smaller: the first loss
  // is near the convex model's (log 7 = 1.9 for a uniform guess; 133 before the scaling)
  const plain = runGrok(grokTask(k), grokConfig({ model: 'convex', p: 7, steps: 2, evalEvery: 1 }));
  assert.ok(r.evals[0].trainLoss < 2 * plain.evals[0].trainLoss, `convex-kernel starts at ${r.evals[0].trainLoss}, convex at ${plain.evals[0].trainLoss}`);
});

test('grokConfig: each task records its own options; another task\'s is refused', () => {
  const per = grokConfig({ model: 'standard', task: 'periodicity' });
  assert.deepEqual(Object.keys(per).slice(0, 5), ['task', 'p', 'logRound', 'trainFrac', 'model']);
  assert.deepEqual([per.p, per.logRound, per.op], [97, 'floor', undefined]);
  assert.equal(grokTask(grokConfig({ model: 'convex', task: 'periodicity', p: 11, logRound: 'ceil' })).metadata.log_modulus, 4);
  refuses(() => grokConfig({ model: 'standard', task: 'periodicity', op: 'div' }), 'op');
  refuses(() => grokConfig({ model: 'standard', logRound: 'ceil', p: 7 }), 'logRound');
  refuses(() => grokConfig({ model: 'standard' }), 'p');
});

test('bad task and model options are refused naming the field', () => {
  refuses(() => grokTask(grokConfig({ model: 'convex', p: 1 })), 'p');
  refuses(() => grokTask(grokConfig({ model: 'convex', p: 7, op: 'pow' })), 'op');
  const data = grokTask(grokConfig({ model: 'convex', p: 5 }));
  for (const [field, bad] of [['gates', { gates: 0 }], ['beta', { beta: -1 }], ['embedding', { embedding: 'random' }], ['lr', { lr: 0 }], ['layers', { layers: 1.5 }]] as const) {
    refuses(() => runGrok(data, grokConfig({ model: 'convex', p: 5, ...bad })), field);
  }
});

for (const model of ['standard', 'convex'] as const) {
  test(`${model} model, division mod 7: 100% training accuracy within 300 steps`, () => {
    // the standard model with one layer of width 32; the convex one as it comes (two layers: one of
    // learned width-32 embeddings stalled at 20 of the 21 equations for 1500 steps when written)
    const small = model === 'standard' ? { dModel: 32, layers: 1 } : {};
    const cfg = grokConfig({ model, p: 7, steps: 300, evalEvery: 20, targetAccuracy: null, ...small });
    const data = grokTask(cfg);
    assert.equal(data.N, 42);
    const r = runGrok(data, cfg);
    assert.ok(r.evals[0].trainAccuracy < 0.5, `already at ${r.evals[0].trainAccuracy} before training`);
    assert.ok(r.evals.some((e) => e.trainAccuracy === 1), `training accuracy reached only ${Math.max(...r.evals.map((e) => e.trainAccuracy))}`);
    assert.equal(r.steps, 300);
    const s = grokSummary(r, cfg);
    assert.equal(s.reachedTarget, false);
    assert.equal(s.stepsToTrain99, r.stepsToTrain99);
    assert.ok(s.medianStepSeconds! > 0);
  });
}

test('grokSummary: the amount of grokking is the steps between 99% train and 99% test, null when either is missing', () => {
  const ev = (step: number, trainAccuracy: number, testAccuracy: number) => ({ step, seconds: step / 10, trainLoss: 1, trainAccuracy, testLoss: 2, testAccuracy });
  const r: GrokResult = {
    evals: [ev(0, 0, 0), ev(10, 1, 0.2), ev(30, 1, 0.995)], steps: 30, seconds: 3, parameters: 5,
    stepsToTrain99: 10, secondsToTrain99: 1, stepsToTest99: 30, secondsToTest99: 3,
  };
  const cfg = grokConfig({ model: 'convex', p: 7 }) as GrokConfig;
  const s = grokSummary(r, cfg);
  assert.equal(s.grokking, 20);
  assert.equal(s.reachedTarget, true);
  assert.equal(s.medianStepSeconds, 0.1);
  assert.deepEqual(s.final, { trainLoss: 1, trainAccuracy: 1, testLoss: 2, testAccuracy: 0.995 });
  assert.equal(grokSummary({ ...r, stepsToTest99: null, secondsToTest99: null }, cfg).grokking, null);
});

test('convex model: beta weighs the group penalty beside the mean loss (the model\'s weight is beta * N_train)', () => {
  const cfg = grokConfig({ model: 'convex', p: 7, beta: 0.5, layers: 1 });
  const data = grokTask(cfg);
  const model = grokConvexModel(data, cfg as GrokConfig & { model: 'convex' });
  assert.equal(model.cfg.beta, 0.5 * data.train.length);
  const all = idSource(data.ids, data.seq, data.labels, data.classes).gather(data.train);
  const N = data.train.length;
  const perSample = objective(model, all, null) / N;
  const meanLoss = splitMetrics('ce', Float64Array.from(model.forward(all.input, N)), { c: data.classes, y: Int32Array.from(data.train, (e) => data.labels[e]) }, N).loss;
  let penalty = 0;
  for (const layer of model.layers) for (let at = 0; at < layer.Z.length; at += layer.d) penalty += Math.hypot(...layer.Z.subarray(at, at + layer.d));
  // the objective per sample is PyTorch's loss.mean() + beta * penalty
  assert.ok(penalty > 0 && meanLoss > 0);
  assert.ok(Math.abs(perSample - (meanLoss + 0.5 * penalty)) <= 1e-9 * perSample, `${perSample} vs ${meanLoss} + 0.5 * ${penalty}`);
});

const certified = (given: Record<string, unknown>) => {
  const cfg = grokConfig({ model: 'convex-certified', p: 5, ...given });
  return { cfg, data: grokTask(cfg) };
};
const certifiedEvals = (r: GrokResult) => r.evals as GrokCertifiedEval[];

test('grokConfig: convex-certified takes the convex model\'s defaults and its own, and refuses the minibatch trainer\'s options', () => {
  const { cfg } = certified({});
  assert.equal(cfg.model === 'convex-certified' && cfg.gates, GROK_DEFAULTS.convex.gates);
  assert.equal(cfg.model === 'convex-certified' && cfg.rounds, GROK_DEFAULTS['convex-certified'].rounds);
  for (const field of ['steps', 'weightDecay', 'optimizer', 'batchSize', 'evalEvery']) refuses(() => grokConfig({ model: 'convex-certified', p: 5, [field]: 1 }), field);
  for (const field of ['rounds', 'innerSteps', 'tol', 'maxIter']) refuses(() => grokConfig({ model: 'convex', p: 5, [field]: 1 }), field);
  const { cfg: bad, data } = certified({ rounds: 0 });
  refuses(() => runGrok(data, bad), 'rounds');
});

test('convex-certified, one layer of one-hot tokens: the whole model is one convex program, solved to its certificate', () => {
  const { cfg, data } = certified({ layers: 1, embedding: 'onehot', rounds: 1, tol: 1e-8 });
  const r = runGrok(data, cfg);
  assert.equal(r.steps, 1);
  const [e] = certifiedEvals(r);
  assert.ok(e.certificate.converged && e.certificate.relGap <= 1e-8, `rel. gap ${e.certificate.relGap}`);
  assert.ok(e.certificate.dual <= e.certificate.primal);
  // nothing but the last layer: J is the program's primal
  assert.ok(Math.abs(e.objective - e.certificate.primal) <= 1e-12 * e.objective, `J ${e.objective} vs primal ${e.certificate.primal}`);
  assert.equal(e.trainAccuracy, 1);
  const s = grokSummary(r, cfg);
  assert.deepEqual(s.certificate, e.certificate);
  assert.equal(s.allSolvesConverged, true);
  assert.deepEqual(s.unconvergedRounds, []);
  assert.equal(s.stepsToTrain99, 1);
});

test('convex-certified, two layers: J never increases from round to round, and does decrease', () => {
  const { cfg, data } = certified({ layers: 2, gates: 2, dModel: 8, rounds: 3, innerSteps: 10, targetAccuracy: null });
  const evals = certifiedEvals(runGrok(data, cfg));
  assert.deepEqual(evals.map((e) => e.step), [1, 2, 3]);
  for (let k = 1; k < evals.length; k++) assert.ok(evals[k].objective <= evals[k - 1].objective, `J rose at round ${evals[k].step}: ${evals[k - 1].objective} -> ${evals[k].objective}`);
  assert.ok(evals.at(-1)!.objective < evals[0].objective, 'J never moved');
});

test('convex-certified: a run resumed from a checkpoint between rounds ends as the uninterrupted run', () => {
  const { cfg, data } = certified({ layers: 2, gates: 2, dModel: 8, rounds: 3, innerSteps: 10, targetAccuracy: null });
  const checkpoints: TrainCheckpoint[] = [];
  const whole = runGrok(data, cfg, { checkpointEvery: 1, onCheckpoint: (c) => checkpoints.push(structuredClone(c)) });
  assert.deepEqual(checkpoints.map((c) => c.step), [1, 2, 3]);
  const resumed = runGrok(data, cfg, { resume: { checkpoint: checkpoints[0], history: whole.evals.slice(0, 1) } });
  const noSeconds = (r: GrokResult) => r.evals.map(({ seconds: _s, ...rest }) => rest);
  assert.deepEqual(noSeconds(resumed), noSeconds(whole));
  assert.ok(certifiedEvals(whole)[2].objective < certifiedEvals(whole)[0].objective, 'the rounds after the checkpoint must change the model');
});
