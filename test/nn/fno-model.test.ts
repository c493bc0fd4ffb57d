// The (block) FNO layer: the forward pass against the circular convolution written out, every
// parameter's gradient against finite differences (one band and three), and a bad band refused.
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { fnoModel } from '../../src/nn/models/fno-model';
import type { Batch } from '../../src/nn/models/model';
import { bandProjections } from '../../src/core/frequency-bands';
import { SquaredLoss } from '../../src/losses/squared';
import { CrossEntropyLoss } from '../../src/losses/cross-entropy';
import { checkModelGradients } from './gradcheck';
import { assertClose, randLabels, randn } from '../helpers';

const N = 6, s = 8, d = 3, c = 2;
const X = randn(N * s * d, 41);

test('the FNO layer is sum_j C(Pi w_j) X W2j, written out', () => {
  const P = bandProjections(s, 3), bandOf = Int32Array.of(0, 2, 1, 2);
  const model = fnoModel({ s, d, c }, { projections: P, bandOf }, 0, 1);
  const theta = model.params[0].data as Float64Array, W2 = model.params[1].data as Float64Array;
  const out = Float64Array.from(model.forward(X, N)), expect = new Float64Array(N * s * c);
  for (let j = 0; j < bandOf.length; j++) {
    const w = new Float64Array(s);
    for (let r = 0; r < s; r++) for (let q = 0; q < s; q++) w[r] += P[bandOf[j]][r * s + q] * theta[j * s + q];
    for (let i = 0; i < N; i++) for (let a = 0; a < s; a++) for (let m = 0; m < c; m++) {
      let v = 0;
      for (let b = 0; b < s; b++) for (let t = 0; t < d; t++) v += w[(a - b + s) % s] * X[(i * s + b) * d + t] * W2[(j * d + t) * c + m];
      expect[(i * s + a) * c + m] += v;
    }
  }
  assertClose(out, expect, 1e-12, 'forward');
});

for (const [bands, loss] of [[1, 'squared'], [3, 'squared'], [3, 'ce']] as const) {
  test(`FNO layer (${bands} band${bands > 1 ? 's' : ''}, ${loss}): every parameter's gradient matches finite differences`, () => {
    const P = bandProjections(s, bands), bandOf = Int32Array.from({ length: 4 }, (_, j) => j % bands);
    const model = fnoModel({ s, d, c }, { projections: P, bandOf }, 0.7, 2);
    const datafit = loss === 'ce' ? new CrossEntropyLoss(randLabels(N * s, c, 42), c) : new SquaredLoss(randn(N * s * c, 43), N * s, c);
    const batch: Batch = { input: X, B: N, datafit };
    checkModelGradients(`${bands}/${loss}`, model, batch);
  });
}

test('a head on a band that does not exist is refused', () => {
  assert.throws(() => fnoModel({ s, d, c }, { projections: bandProjections(s, 2), bandOf: Int32Array.of(0, 2) }, 0, 1), /head 1 has band 2/);
});
