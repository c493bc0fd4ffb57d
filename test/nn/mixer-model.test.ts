// The linear MLP-Mixer model: every gradient against finite differences, its objective at the
// branches recovered from the certified convex optimum equal to that optimum, and Adam never ending
// below the certified lower bound (a wrong derivation of the program or its dual would let it).
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { mixerModel } from '../../src/nn/models/mixer-model';
import { objective, type Batch } from '../../src/nn/models/model';
import { MixerOperator } from '../../src/convex/operators/mixer';
import { NuclearNorm } from '../../src/convex/penalties/nuclear';
import { recoverMixerHeads } from '../../src/convex/recovery/mixer-heads';
import { SquaredLoss } from '../../src/losses/squared';
import { CrossEntropyLoss } from '../../src/losses/cross-entropy';
import { betaMax } from '../../src/convex/duality';
import { fista } from '../../src/convex/solvers/fista';
import { trainModel } from '../../src/experiments/train';
import type { Datafit } from '../../src/convex/types';
import { checkModelGradients } from './gradcheck';
import { randLabels, randn, relDiff } from '../helpers';

const N = 30, s = 4, d = 3, c = 2;
const X = randn(N * s * d, 31);
const datafitFor = (output: 'tokens' | 'mean', loss: 'squared' | 'ce'): Datafit => {
  const rows = N * (output === 'tokens' ? s : 1);
  return loss === 'ce' ? new CrossEntropyLoss(randLabels(rows, c, 32), c) : new SquaredLoss(randn(rows * c, 33), rows, c);
};

for (const [output, loss] of [['tokens', 'squared'], ['mean', 'squared'], ['mean', 'ce']] as const) {
  test(`mixer model (${output}, ${loss}): every parameter's gradient matches finite differences`, () => {
    const model = mixerModel({ s, d, c }, 3, output, 0.7, 1);
    const batch: Batch = { input: X, B: N, datafit: datafitFor(output, loss) };
    checkModelGradients(`${output}/${loss}`, model, batch);
  });

  test(`mixer (${output}, ${loss}): the model at the recovered branches has the certified optimum; Adam never ends below the bound`, () => {
    const datafit = datafitFor(output, loss);
    const op = new MixerOperator(X, N, s, d, c, output), penalty = new NuclearNorm(s * s, d * c);
    const beta = 0.1 * betaMax(op, datafit, penalty);
    const r = fista({ operator: op, datafit, penalty, beta }, { tol: 1e-10, maxIter: 200000 });
    assert.ok(r.converged);
    const h = recoverMixerHeads(r.w, s, d, c);
    const batch: Batch = { input: X, B: N, datafit };
    const atHeads = mixerModel({ s, d, c }, h.H, output, beta, 0);
    atHeads.params[0].data.set(h.W1);
    atHeads.params[1].data.set(h.W2);
    assert.ok(relDiff(objective(atHeads, batch, null), r.certificate.primal) < 1e-9, 'the model at the recovered branches');
    for (const seed of [1, 2, 3]) {
      const model = mixerModel({ s, d, c }, h.H + 2, output, beta, seed);
      const end = trainModel(model, { N, all: batch, gather: () => batch }, { lr: 0.01, timeBudget: 60, maxSteps: 3000 });
      assert.ok(end.objective >= r.certificate.dual * (1 - 1e-12), `seed ${seed}: Adam's ${end.objective} below the certified bound ${r.certificate.dual}`);
      assert.ok(end.objective <= r.certificate.primal * 1.05, `seed ${seed}: Adam's ${end.objective} far above the optimum ${r.certificate.primal}`);
    }
  });
}
