// IDX files (the MNIST family's format): every element type read big-endian, gzipped files
// recognised by their bytes, and one-line refusals naming the file for every malformed header.
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { gzipSync } from 'node:zlib';
import { parseIdx } from '../../src/data/idx';
import { idxBytes } from './idx-files';

test('IDX: uint8 images, plain and gzipped, read to the same array and shape', () => {
  const values = Array.from({ length: 2 * 3 * 4 }, (_, i) => (i * 37) % 256);
  const raw = idxBytes(0x08, [2, 3, 4], values);
  for (const bytes of [raw, gzipSync(raw)]) {
    const a = parseIdx(bytes, 'x.idx3-ubyte');
    assert.deepEqual(a.dims, [2, 3, 4]);
    assert.ok(a.data instanceof Uint8Array);
    assert.deepEqual(Array.from(a.data), values);
  }
});

test('IDX: every element type is read big-endian', () => {
  const cases: [number, unknown, number[]][] = [
    [0x09, Int8Array, [-128, 5, 127]], [0x0b, Int16Array, [-30000, 2, 31000]], [0x0c, Int32Array, [-2e9, 7, 2e9]],
    [0x0d, Float32Array, [-1.5, 0.25, 2 ** 40]], [0x0e, Float64Array, [-Math.PI, 1e-300, 2 ** 60]],
  ];
  for (const [type, Kind, values] of cases) {
    const a = parseIdx(idxBytes(type, [3], values), 'v');
    assert.ok(a.data instanceof (Kind as typeof Int8Array), `type ${type}`);
    assert.deepEqual(Array.from(a.data), values, `type ${type}`);
  }
});

test('IDX: malformed files are refused in one line naming the file and what was expected', () => {
  const good = idxBytes(0x08, [2, 2], [1, 2, 3, 4]);
  const bad: [Uint8Array, RegExp][] = [
    [Uint8Array.of(1, 2, 3, 4, 5), /^f\.idx: is not an IDX file: expected the magic 0x00 0x00/],
    [Uint8Array.of(0, 0, 0x07, 1, 0, 0, 0, 1, 9), /^f\.idx: has IDX type 0x07; expected one of 08/],
    [good.subarray(0, 7), /^f\.idx: is truncated: its header declares 2 dimensions/],
    [good.subarray(0, good.length - 1), /^f\.idx: holds 15 bytes; its header \(uint8, shape 2 x 2\) needs 16/],
    [Uint8Array.of(...good, 0), /holds 17 bytes/],
    [Uint8Array.of(0, 0, 8, 0), /has 0 dimensions/],
    [Uint8Array.of(0x1f, 0x8b, 1, 2, 3), /^f\.idx: is gzipped but does not decompress/],
  ];
  for (const [bytes, re] of bad) assert.throws(() => parseIdx(bytes, 'f.idx'), (e: Error) => re.test(e.message) && !e.message.includes('\n'), String(re));
});
