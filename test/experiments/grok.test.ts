// The grok experiment as a library: one default set per model filled in under what was given, an
// option of the other model refused naming it, tiny runs of both models that fit their training
// half, the summary's amount of grokking and median step time, and the deep convex model's beta
// put beside the mean loss (its objective is N times PyTorch's).
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { InputError } from '../../src/data/errors';
import { GROK_DEFAULTS, grokConfig, grokSummary, grokTask, runGrok, type GrokConfig } from '../../src/experiments/grok';
import { grokConvexModel } from '../../src/experiments/grok-convex';
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
