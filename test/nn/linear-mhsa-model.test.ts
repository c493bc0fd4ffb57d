// The non-convex side of Sahiner et al.'s eq. 5: the linear-attention model's gradient against
// finite differences, its objective at the heads recovered from the certified convex optimum equal
// to that optimum, and Adam on it never ending below the certified lower bound (a wrong derivation
// of the convex program or its dual would let it).
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { linearMhsaModel } from '../../src/nn/models/linear-mhsa-model';
import { objective, type Batch } from '../../src/nn/models/model';
import { LinearMhsaOperator, type MhsaOutput } from '../../src/convex/operators/linear-mhsa';
import { NuclearNorm } from '../../src/convex/penalties/nuclear';
import { recoverMhsaHeads } from '../../src/convex/recovery/mhsa-heads';
import { SquaredLoss } from '../../src/losses/squared';
import { CrossEntropyLoss } from '../../src/losses/cross-entropy';
import { betaMax } from '../../src/convex/duality';
import { fista } from '../../src/convex/solvers/fista';
import { trainModel } from '../../src/experiments/train';
import type { Datafit } from '../../src/convex/types';
import { checkModelGradients } from './gradcheck';
import { randLabels, randn, relDiff } from '../helpers';

const N = 30, s = 4, d = 3, c = 2;
const X = randn(N * s * d, 21);
const datafitFor = (output: MhsaOutput, loss: 'squared' | 'ce'): Datafit =>
  loss === 'ce' ? new CrossEntropyLoss(randLabels(N, c, 22), c) : new SquaredLoss(randn(N * (output === 'tokens' ? s : 1) * c, 23), N * (output === 'tokens' ? s : 1), c);
const cases = [['tokens', 'squared'], ['mean', 'squared'], ['mean', 'ce']] as const;

for (const [output, loss] of cases) {
  test(`linear attention model (${output}, ${loss}): every parameter's gradient matches finite differences`, () => {
    const model = linearMhsaModel({ s, d, c }, 3, output, 0.7, 1);
    const batch: Batch = { input: X, B: N, datafit: datafitFor(output, loss) };
    checkModelGradients(`${output}/${loss}`, model, batch);
  });

  test(`linear attention (${output}, ${loss}): the model at the recovered heads has the certified optimum; Adam never ends below the lower bound`, () => {
    const datafit = datafitFor(output, loss);
    const op = new LinearMhsaOperator(X, N, s, d, c, output), penalty = new NuclearNorm(d * d, d * c);
    const beta = 0.1 * betaMax(op, datafit, penalty);
    const r = fista({ operator: op, datafit, penalty, beta }, { tol: 1e-10, maxIter: 200000 });
    assert.ok(r.converged);
    const heads = recoverMhsaHeads(r.w, d, c);
    const batch: Batch = { input: X, B: N, datafit };
    const atHeads = linearMhsaModel({ s, d, c }, heads.H, output, beta, 0);
    atHeads.params[0].data.set(heads.W1);
    atHeads.params[1].data.set(heads.W2);
    assert.ok(relDiff(objective(atHeads, batch, null), r.certificate.primal) < 1e-9, 'the model at the recovered heads');
    // Adam from three random starts with more heads than the optimum needs: close to the optimum, never below its bound
    for (const seed of [1, 2, 3]) {
      const model = linearMhsaModel({ s, d, c }, heads.H + 2, output, beta, seed);
      const end = trainModel(model, { N, all: batch, gather: () => batch }, { lr: 0.01, timeBudget: 60, maxSteps: 3000 });
      assert.ok(end.objective >= r.certificate.dual * (1 - 1e-12), `seed ${seed}: Adam's ${end.objective} below the certified bound ${r.certificate.dual}`);
      assert.ok(end.objective <= r.certificate.primal * 1.05, `seed ${seed}: Adam's ${end.objective} far above the optimum ${r.certificate.primal}: the model and the program disagree`);
    }
  });
}
