// The standard model of the grokking experiment: the pre-LN transformer in Power et al.'s setting
// (AdamW, weight decay 1, betas 0.9/0.98, warm-up) trained through the one trainer on modular
// arithmetic fits its training half within a fixed number of steps for every operation; a run
// resumed from a mid-run checkpoint reports exactly the evaluations of the uninterrupted run;
// bad options are refused naming the field.
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { taskNamed } from '../../src/data/tasks';
import { InputError } from '../../src/data/errors';
import { MODULAR_OPS } from '../../src/data/tasks/modular';
import { POWER_SETTING, trainStandardGrok, type GrokEval, type GrokStandardOptions } from '../../src/experiments/grok-standard';
import type { TrainCheckpoint } from '../../src/experiments/train';

// Power's setting scaled down to mod 11: one layer of width 32, the full training half as the batch
const tiny: GrokStandardOptions = { ...POWER_SETTING, layers: 1, dModel: 32, heads: 4, steps: 150, evalEvery: 10, targetAccuracy: null, seed: 0 };

for (const op of MODULAR_OPS) {
  test(`standard model, ${op} mod 11: 100% training accuracy within 150 steps (it took 70 when written)`, () => {
    const data = taskNamed('modular').generate({ op, p: 11, seed: 0 });
    const r = trainStandardGrok(data, tiny);
    assert.ok(r.evals[0].trainAccuracy < 0.5, `already at ${r.evals[0].trainAccuracy} before training`);
    const fitted = r.evals.find((e) => e.trainAccuracy === 1);
    assert.ok(fitted, `training accuracy reached only ${Math.max(...r.evals.map((e) => e.trainAccuracy))} in 150 steps`);
    assert.ok(r.stepsToTrain99 !== null && r.stepsToTrain99 <= fitted.step);
    assert.equal(r.steps, 150);
    assert.deepEqual(r.evals.map((e) => e.step), Array.from({ length: 16 }, (_, k) => 10 * k));
    for (const e of r.evals) assert.ok(e.trainLoss > 0 && e.testLoss > 0 && e.testAccuracy >= 0 && e.testAccuracy <= 1);
  });
}

test('standard model: a run resumed from a mid-run checkpoint (JSON round trip) reports exactly the evaluations of the uninterrupted run', () => {
  const data = taskNamed('modular').generate({ op: 'div', p: 7, seed: 1 });
  // batch 8 of 21 training equations: the sampler's position is part of what must resume
  const o: GrokStandardOptions = { ...tiny, dModel: 16, steps: 40, evalEvery: 5, batchSize: 8, seed: 3 };
  const checkpoints: TrainCheckpoint[] = [];
  const whole = trainStandardGrok(data, o, { checkpointEvery: 15, onCheckpoint: (c) => checkpoints.push(JSON.parse(JSON.stringify(c))) });
  assert.deepEqual(checkpoints.map((c) => c.step), [15, 30]);
  const history: GrokEval[] = JSON.parse(JSON.stringify(whole.evals));
  const seen: GrokEval[] = [];
  const resumed = trainStandardGrok(data, o, { resume: { checkpoint: checkpoints[0], history }, onEval: (e) => seen.push(e) });
  const strip = (es: GrokEval[]) => es.map(({ seconds: _s, ...rest }) => rest);
  assert.deepEqual(seen.map((e) => e.step), [15, 20, 25, 30, 35, 40], 'the resumed run evaluates from the checkpoint on');
  assert.deepEqual(strip(resumed.evals), strip(whole.evals));
  assert.equal(resumed.steps, whole.steps);
  assert.equal(resumed.stepsToTrain99, whole.stepsToTrain99);
  assert.equal(resumed.stepsToTest99, whole.stepsToTest99);
  // and the run moved: the check compares runs that learnt something
  assert.notEqual(whole.evals.at(-1)!.trainLoss, whole.evals[0].trainLoss);
});

test('standard model: bad options are refused naming the field', () => {
  const data = taskNamed('modular').generate({ op: 'add', p: 5, seed: 0 });
  for (const [field, bad] of [
    ['heads', { heads: 3 }], ['steps', { steps: 0 }], ['optimizer', { optimizer: 'sgd' }], ['lr', { lr: -1 }],
    ['weightDecay', { weightDecay: -1 }], ['beta2', { beta2: 1 }], ['targetAccuracy', { targetAccuracy: 2 }], ['warmup', { warmup: 1.5 }],
  ] as const) {
    assert.throws(() => trainStandardGrok(data, { ...tiny, ...bad } as GrokStandardOptions), (e: unknown) => e instanceof InputError && e.field === field, field);
  }
});
