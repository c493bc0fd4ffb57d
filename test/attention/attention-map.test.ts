// The one attention map (src/attention/attention-map.ts): a weighted mean of distributions over
// tokens, checked on hand-computed cases for each way the models call it.
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { attentionMap } from '../../src/attention/attention-map';
import { assertClose } from '../helpers';

test('recovered heads: vertices e_k weighted by ||z|| give each token its share of the norm', () => {
  const W1 = Float64Array.from([0, 1, 0, 0, 0, 0, 1, 0, 0, 1, 0, 0]); // heads on tokens 1, 2, 1
  assertClose(attentionMap(W1, 3, 4, [1, 2, 3]), [0, 4 / 6, 2 / 6, 0], 1e-15);
});

test('without weights the rows are averaged, and rowStart picks them out of a larger buffer', () => {
  // two (2 x 3) attention matrices; the rows of query token 1 are [0.2 0.3 0.5] and [0.6 0.4 0]
  const att = Float64Array.from([1, 0, 0, 0.2, 0.3, 0.5, 0, 1, 0, 0.6, 0.4, 0]);
  assertClose(attentionMap(att, 2, 3, undefined, (r) => (r * 2 + 1) * 3), [0.4, 0.35, 0.25], 1e-15);
});

test('weights summing to zero give the zero map, not NaN', () => {
  assert.deepEqual(Array.from(attentionMap(Float64Array.from([0.5, 0.5]), 1, 2, [0])), [0, 0]);
});
