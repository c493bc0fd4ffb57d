// The non-convex gated-ReLU self-attention model (docs/sahiner-gated.md): its gradient against
// finite differences, its forward pass against the formula in plain loops (gates computed by hand),
// equal to linear attention when every gate is on, and its gate arguments validated.
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { BLOCK, gatedMhsaModel } from '../../src/nn/models/gated-mhsa-model';
import { linearMhsaModel, type MhsaOutput } from '../../src/nn/models/linear-mhsa-model';
import type { Batch } from '../../src/nn/models/model';
import { SquaredLoss } from '../../src/losses/squared';
import { CrossEntropyLoss } from '../../src/losses/cross-entropy';
import type { Datafit } from '../../src/convex/types';
import { checkModelGradients } from './gradcheck';
import { assertClose, randLabels, randn } from '../helpers';

const N = 30, s = 4, d = 3, c = 2, P = 2;
const X = randn(N * s * d, 31);
const gates = { U: randn(P * d * d, 32), P, gateOf: Int32Array.from([0, 1, 1]) };
const datafitFor = (output: MhsaOutput, loss: 'squared' | 'ce'): Datafit =>
  loss === 'ce' ? new CrossEntropyLoss(randLabels(N, c, 33), c) : new SquaredLoss(randn(N * (output === 'tokens' ? s : 1) * c, 34), N * (output === 'tokens' ? s : 1), c);
const cases = [['tokens', 'squared'], ['mean', 'squared'], ['mean', 'ce']] as const;

for (const [output, loss] of cases) {
  test(`gated attention model (${output}, ${loss}): every parameter's gradient matches finite differences`, () => {
    const model = gatedMhsaModel({ s, d, c }, gates, output, 0.7, 1);
    const batch: Batch = { input: X, B: N, datafit: datafitFor(output, loss) };
    checkModelGradients(`${output}/${loss}`, model, batch);
  });
}

test('gated attention model: across blocks of samples (2 BLOCK + 5), predictions equal one-sample passes and gradients match finite differences', () => {
  const NB = 2 * BLOCK + 5, XB = randn(NB * s * d, 35);
  const model = gatedMhsaModel({ s, d, c }, gates, 'tokens', 0.7, 1);
  const all = Float64Array.from(model.forward(XB, NB));
  for (const i of [0, BLOCK - 1, BLOCK, NB - 1]) assertClose(model.forward(XB.subarray(i * s * d, (i + 1) * s * d), 1), all.subarray(i * s * c, (i + 1) * s * c), 1e-13, `sample ${i}`);
  checkModelGradients('blocks', model, { input: XB, B: NB, datafit: new SquaredLoss(randn(NB * s * c, 36), NB * s, c) });
});

/** f(X_i) = sum_j (D ⊙ (X W1j X^T)) X W2j in plain loops, the gates 1{X_a U_g X_b^T >= 0} by hand. */
function naiveForward(W1: Float64Array, W2: Float64Array, output: MhsaOutput): Float64Array {
  const m = gates.gateOf.length, f = new Float64Array(N * s * c);
  const x = (i: number, a: number, k: number) => X[(i * s + a) * d + k];
  for (let i = 0; i < N; i++) {
    for (let j = 0; j < m; j++) {
      const g = gates.gateOf[j];
      for (let a = 0; a < s; a++) {
        for (let b = 0; b < s; b++) {
          let gate = 0, score = 0;
          for (let k = 0; k < d; k++) {
            for (let l = 0; l < d; l++) {
              gate += x(i, a, k) * gates.U[(g * d + k) * d + l] * x(i, b, l);
              score += x(i, a, k) * W1[(j * d + k) * d + l] * x(i, b, l);
            }
          }
          if (gate < 0) continue;
          for (let e = 0; e < c; e++) {
            let v = 0;
            for (let t = 0; t < d; t++) v += x(i, b, t) * W2[(j * d + t) * c + e];
            f[(i * s + a) * c + e] += score * v;
          }
        }
      }
    }
  }
  if (output === 'tokens') return f;
  const mean = new Float64Array(N * c);
  for (let i = 0; i < N; i++) for (let a = 0; a < s; a++) for (let e = 0; e < c; e++) mean[i * c + e] += f[(i * s + a) * c + e] / s;
  return mean;
}

test('gated attention model: the forward pass equals the formula evaluated directly (both outputs)', () => {
  for (const output of ['tokens', 'mean'] as const) {
    const model = gatedMhsaModel({ s, d, c }, gates, output, 0.7, 5);
    const [W1, W2] = model.params.map((p) => p.data as Float64Array);
    assertClose(model.forward(X, N), naiveForward(W1, W2, output), 1e-12, `${output} forward`);
  }
});

test('gated attention model: with every gate on it is linear attention with the same heads (both outputs)', () => {
  const Xpos = X.map(Math.abs), Upos = gates.U.map(Math.abs);
  for (const output of ['tokens', 'mean'] as const) {
    const gated = gatedMhsaModel({ s, d, c }, { ...gates, U: Upos }, output, 0.7, 6);
    const linear = linearMhsaModel({ s, d, c }, gates.gateOf.length, output, 0.7, 7);
    linear.params.forEach((p, k) => p.data.set(gated.params[k].data));
    assertClose(gated.forward(Xpos, N), linear.forward(Xpos, N), 1e-12, `${output}: gated vs linear`);
  }
});

test('gated attention model: a gate index out of range or a U of the wrong length throws', () => {
  const make = (g: Partial<typeof gates>) => () => gatedMhsaModel({ s, d, c }, { ...gates, ...g }, 'mean', 0.7, 1);
  assert.throws(make({ gateOf: Int32Array.from([0, 2]) }), /gate 2/);
  assert.throws(make({ gateOf: Int32Array.from([-1, 0]) }), /gate -1/);
  assert.throws(make({ U: new Float64Array(P * d * d - 1) }), /U has/);
  assert.doesNotThrow(make({}));
});
