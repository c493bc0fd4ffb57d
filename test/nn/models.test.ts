// Whole-model checks through the one Model interface: the objective of each non-convex model
// (loss + its weight decay, as the papers write it) against finite differences, for both losses;
// the same objective, gradient and attention map as before the interface (pinned below); the
// transformer in float32 against float64.
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { softmaxModel } from '../../src/nn/models/softmax-model';
import { simplexModel } from '../../src/nn/models/simplex-model';
import { mlpModel } from '../../src/nn/models/mlp-model';
import { gradBuffers, objective, type Batch, type Model } from '../../src/nn/models/model';
import { Transformer } from '../../src/nn/models/transformer';
import { SquaredLoss } from '../../src/losses/squared';
import { CrossEntropyLoss } from '../../src/losses/cross-entropy';
import type { FloatArray } from '../../src/core/blas';
import { assertClose, randLabels, randn, relDiff } from '../helpers';
import { checkGradient } from './gradcheck';

const N = 6, n = 4, d = 4, c = 3;
const X = randn(N * n * d, 1);
const fits = { squared: new SquaredLoss(randn(N * c, 2), N, c), ce: new CrossEntropyLoss(randLabels(N, c, 3), c) };

// Printed by the models before they implemented Model (commit a9e944b, model.objective(grads) and
// model.attentionMap()) at these data and seeds: the objective, sum_k sum_i g_k[i] sin(i + 1),
// and the attention map. The interface must leave all three unchanged to 1e-12.
const before: Record<string, { objective: number; gradProbe: number; map?: number[] }> = {
  'softmax.squared': { objective: 16.25198949270505, gradProbe: -25.936593101844586, map: [0.24556907786128318, 0.27888408663834063, 0.28719191582723513, 0.18835491967314102] },
  'simplex.squared': { objective: 14.748674543864285, gradProbe: 3.912871843086655, map: [0.26008478624943043, 0.23689544559056785, 0.2593256453271709, 0.2436941228328307] },
  'softmax.ce': { objective: 8.875045745052745, gradProbe: 3.239950746157825, map: [0.24556907786128318, 0.27888408663834063, 0.28719191582723513, 0.18835491967314102] },
  'simplex.ce': { objective: 8.141600787575406, gradProbe: -1.2461283278119897, map: [0.26008478624943043, 0.23689544559056785, 0.2593256453271709, 0.2436941228328307] },
  transformer: { objective: 6.530237348812014, gradProbe: -0.9032443505815541 },
};

/** The objective, gradient and map at fixed parameters equal the pinned ones (the probe relative to sum |g|). */
function assertAsBefore<In>(key: string, model: Model<In, FloatArray>, batch: Batch<In>): FloatArray[] {
  const grads = gradBuffers(model);
  const value = objective(model, batch, grads);
  const old = before[key];
  assert.ok(relDiff(value, old.objective) <= 1e-12, `${key}: objective ${value} was ${old.objective}`);
  let probe = 0, scale = 0;
  for (const g of grads) g.forEach((x, i) => { probe += x * Math.sin(i + 1); scale += Math.abs(x); });
  assert.ok(Math.abs(probe - old.gradProbe) <= 1e-12 * scale, `${key}: gradient probe ${probe} was ${old.gradProbe}`);
  if (old.map) assertClose(model.attentionMap(batch.input, batch.B), old.map, 1e-12, `${key}: attention map`);
  return grads;
}

for (const [lossName, datafit] of Object.entries(fits)) {
  const batch: Batch = { input: X, B: N, datafit };
  for (const [key, name, make] of [
    ['softmax', 'softmax attention (eq. 3)', () => softmaxModel({ n, d, c }, 2, 0.3, 4, 1)],
    ['simplex', 'simplex attention (eq. 9)', () => simplexModel({ n, d, c }, 3, 0.3, 5)],
  ] as const) {
    test(`${name}, ${lossName}: objective as before; its gradient matches finite differences`, () => {
      const model = make();
      const grads = assertAsBefore(`${key}.${lossName}`, model, batch);
      model.params.forEach((p, k) => checkGradient(`${name} ${p.name}`, () => objective(model, batch, null), p.data as Float64Array, grads[k], 1e-6));
      const map = model.attentionMap(X, N);
      assert.equal(map.length, n);
      assert.ok(Math.abs(map.reduce((a, b) => a + b, 0) - 1) < 1e-12);
    });
  }
}

for (const [lossName, datafit] of Object.entries(fits)) {
  test(`linear classifier and MLP (vision baselines), ${lossName}: gradient matches finite differences; biases not decayed`, () => {
    const batch: Batch = { input: X, B: N, datafit };
    for (const hidden of [[], [5], [5, 3]]) {
      const model = mlpModel({ n, d, c }, hidden, 0.3, 8);
      // nonzero biases, so their gradient paths are exercised
      model.params.forEach((p) => { if (p.name.startsWith('b')) p.data.forEach((_, i) => (p.data[i] = 0.1 * Math.cos(i + 1))); });
      const grads = gradBuffers(model);
      objective(model, batch, grads);
      model.params.forEach((p, k) => checkGradient(`mlp [${hidden}] ${p.name}`, () => objective(model, batch, null), p.data as Float64Array, grads[k], 1e-6));
      const squares = model.params.filter((p) => p.name.startsWith('W')).reduce((a, p) => a + Array.from(p.data).reduce((s, v) => s + v * v, 0), 0);
      assert.ok(relDiff(model.weightDecay(null), 0.15 * squares) < 1e-14, 'decay is beta/2 times the squared weights only');
      assert.throws(() => model.attentionMap(X, N), /has no attention/);
    }
  });
}

test('transformer (eq. 1, 2 layers, classification head): objective as before; its gradient matches finite differences', () => {
  const cfg = { layers: 2, dModel: 4, heads: 2, seq: 3, vocab: 5, classes: 3, hidden: 6, token: 1, beta: 0.1, seed: 7 };
  const model = new Transformer(cfg);
  // larger than the 0.02 default init, so that every path carries gradient
  model.params.forEach((p, k) => { if (!model.isMatrix[k]) p.data.forEach((_, i) => (p.data[i] += 0.3 * Math.sin(3 * i + k))); });
  const batch: Batch<Int32Array> = { input: new Int32Array([0, 4, 2, 1, 1, 3]), B: 2, datafit: new CrossEntropyLoss(new Int32Array([2, 0]), 3) };
  const grads = assertAsBefore('transformer', model, batch);
  model.params.forEach((p, k) => checkGradient(p.name, () => objective(model, batch, null), p.data as Float64Array, grads[k], 1e-6));
  const map = model.attentionMap(batch.input, batch.B);
  assert.equal(map.length, cfg.seq);
  assert.ok(Math.abs(map.reduce((a, b) => a + b, 0) - 1) < 1e-12);
});

test('transformer in float32 agrees with float64', () => {
  const cfg = { layers: 2, dModel: 8, heads: 2, seq: 4, vocab: 7, classes: 5, seed: 3 };
  const m64 = new Transformer(cfg);
  const m32 = new Transformer({ ...cfg, float32: true });
  const ids = Int32Array.from({ length: 12 }, (_, i) => (i * 5) % 7);
  const a = m64.forward(ids, 3), b = m32.forward(ids, 3);
  // float32 rounding (6e-8 relative) grown through two layers, relative to the logits' scale
  assertClose(b, a, 1e-5, 'logits');
});
