// Cross-entropy labels: the class count comes from the training labels (or --classes), only after
// they are checked to be below N (or below --classes); test labels must fall in [0, c).
// Also: a plain record's undefined values count as absent.
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { datasetFromArrays } from '../../src/data/dataset';
import type { NdArray } from '../../src/data/npy';

const N = 200, n = 2, d = 3;
const arr = (values: ArrayLike<number>, shape: number[], kind: NdArray['kind'] = 'f'): NdArray =>
  ({ dtype: kind === 'f' ? '<f8' : '<i8', shape, kind, values: Float64Array.from(values), data: Float64Array.from(values) });
const X = arr(Array.from({ length: N * n * d }, (_, i) => Math.sin(i)), [N, n, d]);
const cycle = (len: number, c: number) => Array.from({ length: len }, (_, i) => i % c);
const labels = (vals: number[]) => arr(vals, [vals.length], 'i');

test('one huge label in a small file is refused before it sets the class count (10^5 and 10^7)', () => {
  for (const big of [1e5, 1e7]) {
    const y = cycle(N, 3);
    y[17] = big;
    // refused from the label itself, before any (V x N) one-hot of 10^7 classes is allocated:
    // that allocation (16 GB at 10^7) would fail the test by running out of memory, so no clock is needed
    assert.throws(() => datasetFromArrays({ X, y: labels(y) }, { loss: 'ce' }),
      new RegExp(`^InputError: y: label ${big} is out of range \\[0, 199\\] \\(at index 17\\): without \`classes\`, labels must be below N = 200, the number of samples$`));
  }
});

test('with --classes, labels must be below it', () => {
  assert.throws(() => datasetFromArrays({ X, y: labels(cycle(N, 4)) }, { loss: 'ce', classes: 3 }),
    /^InputError: y: label 3 is out of range \[0, 2\] \(at index 3\): `classes` is 3$/);
  assert.throws(() => datasetFromArrays({ X, y: labels(cycle(N, 3)) }, { loss: 'ce', classes: 1 }), /^InputError: classes: must be an integer >= 2, got 1$/);
});

test('the class count comes from the training labels; a test label outside [0, c) names key, label and index', () => {
  const Xt = arr(Array.from({ length: 5 * n * d }, (_, i) => Math.cos(i)), [5, n, d]);
  const ok = datasetFromArrays({ X, y: labels(cycle(N, 3)), X_test: Xt, y_test: labels([0, 1, 1, 2, 0]) }, { loss: 'ce' });
  assert.equal(ok.trainTargets.c, 3);
  assert.equal(ok.testTargets!.c, 3);
  assert.throws(() => datasetFromArrays({ X, y: labels(cycle(N, 3)), X_test: Xt, y_test: labels([0, 1, 2, 5, 0]) }, { loss: 'ce' }),
    /^InputError: y_test: label 5 is out of range \[0, 2\] \(at index 3\): c = 3 classes, from the training labels y$/);
  assert.throws(() => datasetFromArrays({ X, y: labels(cycle(N, 3)), X_test: Xt, y_test: labels([0, 1, 2, 3, 0]) }, { loss: 'ce', classes: 3 }),
    /^InputError: y_test: label 3 is out of range \[0, 2\] \(at index 3\): `classes` is 3$/);
});

test('an empty class is refused when the count is inferred, and allowed with an explicit --classes', () => {
  const from1 = cycle(N, 3).map((v) => v + 1); // labels 1..3: class 0 never occurs
  assert.throws(() => datasetFromArrays({ X, y: labels(from1) }, { loss: 'ce' }),
    /^InputError: y: class 0 of 0\.\.3 has no training sample; labels must be 0\.\.c-1 with every class present, or give the class count with `classes` C to allow empty classes$/);
  const gaps = cycle(N, 3).map((v) => v * 2); // 0, 2, 4
  assert.throws(() => datasetFromArrays({ X, y: labels(gaps) }, { loss: 'ce' }), /^InputError: y: classes 1, 3 of 0\.\.4 have no training sample/);
  assert.equal(datasetFromArrays({ X, y: labels(from1) }, { loss: 'ce', classes: 4 }).trainTargets.c, 4);
  assert.throws(() => datasetFromArrays({ X, y: labels(new Array(N).fill(0)) }, { loss: 'ce' }), /^InputError: y: every label is 0; cross-entropy needs 2 or more classes$/);
});

test('a key given as undefined in a plain record counts as absent', () => {
  const Y = arr(Array.from({ length: N * 2 }, (_, i) => i % 5), [N, 2]);
  const ds = datasetFromArrays({ X, Y, X_test: undefined as unknown as NdArray }, { loss: 'squared' });
  assert.equal(ds.test, undefined);
});
