import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { median } from '../../src/core/median';

test('median: the middle value, the mean of the two middle ones for an even count, NaN for none; the input is not reordered', () => {
  const a = [5, 1, 3];
  assert.equal(median(a), 3);
  assert.deepEqual(a, [5, 1, 3]);
  assert.equal(median([4, 1, 3, 2]), 2.5);
  assert.ok(Number.isNaN(median([])));
});
