// The gated-ReLU MLP-Mixer model: every gradient against finite differences, the forward pass
// against the formula evaluated in plain loops (gates by hand from U), the linear mixer when every
// gate is on, and the shape checks.
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { gatedMixerModel } from '../../src/nn/models/gated-mixer-model';
import { mixerModel } from '../../src/nn/models/mixer-model';
import type { Batch } from '../../src/nn/models/model';
import { SquaredLoss } from '../../src/losses/squared';
import { CrossEntropyLoss } from '../../src/losses/cross-entropy';
import type { Datafit } from '../../src/convex/types';
import { checkModelGradients } from './gradcheck';
import { assertClose, randLabels, randn } from '../helpers';

const N = 30, s = 4, d = 3, c = 2, P = 2;
const X = randn(N * s * d, 31);
const gates = { U: randn(P * s * s, 34), P, gateOf: Int32Array.from([0, 1, 1]) };
const datafitFor = (output: 'tokens' | 'mean', loss: 'squared' | 'ce'): Datafit => {
  const rows = N * (output === 'tokens' ? s : 1);
  return loss === 'ce' ? new CrossEntropyLoss(randLabels(rows, c, 32), c) : new SquaredLoss(randn(rows * c, 33), rows, c);
};

for (const [output, loss] of [['tokens', 'squared'], ['mean', 'squared'], ['mean', 'ce']] as const) {
  test(`gated mixer model (${output}, ${loss}): every parameter's gradient matches finite differences`, () => {
    const model = gatedMixerModel({ s, d, c }, gates, output, 0.7, 1);
    const batch: Batch = { input: X, B: N, datafit: datafitFor(output, loss) };
    checkModelGradients(`${output}/${loss}`, model, batch);
  });
}

/** f(X_i)[a, e] = sum_j sum_t 1{(U_g X_i)[a, t] >= 0} (W1j X_i)[a, t] W2j[t, e], g = gateOf[j], in plain loops. */
function naive(W1: Float64Array, W2: Float64Array, output: 'tokens' | 'mean'): Float64Array {
  const m = gates.gateOf.length, rows = output === 'tokens' ? s : 1, out = new Float64Array(N * rows * c);
  for (let i = 0; i < N; i++) {
    for (let a = 0; a < s; a++) for (let e = 0; e < c; e++) {
      let f = 0;
      for (let j = 0; j < m; j++) for (let t = 0; t < d; t++) {
        let q = 0, y = 0;
        for (let b = 0; b < s; b++) {
          const x = X[(i * s + b) * d + t];
          q += gates.U[(gates.gateOf[j] * s + a) * s + b] * x;
          y += W1[(j * s + a) * s + b] * x;
        }
        if (q >= 0) f += y * W2[(j * d + t) * c + e];
      }
      if (output === 'tokens') out[(i * s + a) * c + e] = f;
      else out[i * c + e] += f / s;
    }
  }
  return out;
}

test('gated mixer: the forward pass equals the formula evaluated directly, both outputs', () => {
  for (const output of ['tokens', 'mean'] as const) {
    const model = gatedMixerModel({ s, d, c }, gates, output, 0.7, 5);
    const want = naive(model.params[0].data as Float64Array, model.params[1].data as Float64Array, output);
    assertClose(model.forward(X, N), want, 1e-12, `${output} forward`);
  }
});

test('gated mixer: with every gate on (positive X and U) it is the linear mixer with the same weights', () => {
  const Xp = X.map(Math.abs), onGates = { ...gates, U: gates.U.map(Math.abs) };
  for (const output of ['tokens', 'mean'] as const) {
    const gated = gatedMixerModel({ s, d, c }, onGates, output, 0.7, 6);
    const linear = mixerModel({ s, d, c }, onGates.gateOf.length, output, 0.7, 7);
    linear.params.forEach((p, k) => p.data.set(gated.params[k].data));
    assertClose(gated.forward(Xp, N), linear.forward(Xp, N), 1e-12, `${output} forward`);
  }
});

test('gated mixer: a gate index out of range or a U of the wrong length throws', () => {
  assert.throws(() => gatedMixerModel({ s, d, c }, { ...gates, gateOf: Int32Array.from([0, 2]) }, 'mean', 0.7, 1), /gate 2/);
  assert.throws(() => gatedMixerModel({ s, d, c }, { ...gates, gateOf: Int32Array.from([-1]) }, 'mean', 0.7, 1), /gate -1/);
  assert.throws(() => gatedMixerModel({ s, d, c }, { ...gates, U: new Float64Array(P * s * s - 1) }, 'mean', 0.7, 1), /U has/);
});
