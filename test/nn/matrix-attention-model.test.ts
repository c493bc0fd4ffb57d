// The non-convex side of Ergen et al.'s Theorem A.1 (eq. 34): the model's gradient against finite
// differences, the forward pass at the recovered heads equal to the convex predictions, and Adam
// on it (attention rows as softmaxes) never ending below the certified lower bound (a program or a
// bound too high would let it) and ending within 5% of the optimum (a program too low, like eq. 37
// as printed, is caught by the brute force in test/convex/matrix-attention.test.ts).
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { matrixAttentionModel, matrixAttentionPredict } from '../../src/nn/models/matrix-attention-model';
import { objective, type Batch } from '../../src/nn/models/model';
import { MatrixAttentionOperator } from '../../src/convex/operators/matrix-attention';
import { SimplexGauge } from '../../src/convex/penalties/simplex-gauge';
import { recoverMatrixHeads } from '../../src/convex/recovery/matrix-heads';
import { SquaredLoss } from '../../src/losses/squared';
import { CrossEntropyLoss } from '../../src/losses/cross-entropy';
import { betaMax } from '../../src/convex/duality';
import { fista } from '../../src/convex/solvers/fista';
import { trainModel } from '../../src/experiments/train';
import type { Datafit } from '../../src/convex/types';
import { checkModelGradients } from './gradcheck';
import { assertClose, randLabels, randn } from '../helpers';

const N = 20, n = 3, d = 2, c = 2, shape = { n, d, c };
const X = randn(N * n * d, 41);
const datafitFor = (loss: 'squared' | 'ce'): Datafit =>
  loss === 'ce' ? new CrossEntropyLoss(randLabels(N * n, c, 42), c) : new SquaredLoss(randn(N * n * c, 43), N * n, c);

for (const loss of ['squared', 'ce'] as const) {
  test(`matrix-attention model (${loss}): every parameter's gradient matches finite differences`, () => {
    const model = matrixAttentionModel(shape, 3, 0.7, 1);
    const batch: Batch = { input: X, B: N, datafit: datafitFor(loss) };
    checkModelGradients(`${loss}`, model, batch);
  });

  test(`matrix-attention (${loss}): eq. 34 at the recovered heads predicts what eq. 37 does; Adam never ends below the certified bound`, () => {
    const datafit = datafitFor(loss);
    const op = new MatrixAttentionOperator(X, N, n, d, c), penalty = new SimplexGauge(n, 2 * d * c);
    const beta = 0.1 * betaMax(op, datafit, penalty);
    const r = fista({ operator: op, datafit, penalty, beta }, { tol: 1e-10, maxIter: 200000 });
    assert.ok(r.converged);
    const heads = recoverMatrixHeads(r.w, shape, penalty);
    assertClose(matrixAttentionPredict(shape, heads, X, N), r.pred, 1e-10 * Math.max(1, ...r.pred.map(Math.abs)), 'predictions at the heads');
    const batch: Batch = { input: X, B: N, datafit };
    for (const seed of [1, 2, 3]) {
      const model = matrixAttentionModel(shape, heads.H + 2, beta, seed);
      const end = trainModel(model, { N, all: batch, gather: () => batch }, { lr: 0.02, timeBudget: 60, maxSteps: 1000 });
      assert.ok(end.objective >= r.certificate.dual * (1 - 1e-12), `seed ${seed}: Adam's ${end.objective} below the certified bound ${r.certificate.dual}`);
      assert.ok(end.objective <= r.certificate.primal * 1.05, `seed ${seed}: Adam's ${end.objective} far above the optimum ${r.certificate.primal}: the model and the program disagree`);
    }
  });
}
