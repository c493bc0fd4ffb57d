// .npz reading: unused keys are never touched, every byte read is CRC-checked, sizes are checked
// before allocating, files of any size (zip64) are read in chunks, and missing keys are explained.
import { test, mock } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { unzipSync, zipSync } from 'fflate';
import * as zlib from 'node:zlib';
import { crc32, crc32Sliced } from '../../src/data/crc32';
import { allocationStats } from '../../src/data/alloc';
import { InputError } from '../../src/data/errors';
import { parseNpy, encodeNpy } from '../../src/data/npy';
import { readNpz, openNpzBytes, encodeNpz } from '../../src/data/npz';
import { readDirectory } from '../../src/data/zip';
import { memorySource } from '../../src/data/source';
import { loadDataset } from '../../src/data/dataset';
import { fixture } from '../helpers';
import { writeSparseZip } from './sparse-zip';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'cf-npz-'));
const bytesOf = (name: string) => new Uint8Array(fs.readFileSync(fixture(name)));
const values = (r: Record<string, { values: ArrayLike<number> }>, k: string) => Array.from(r[k].values);
function writeTmp(name: string, bytes: Uint8Array): string {
  const file = path.join(tmp, name);
  fs.writeFileSync(file, bytes);
  return file;
}
/** Where `needle` (a zip entry's name) first occurs in `bytes`: its local header's name field. */
function indexOf(bytes: Uint8Array, needle: string, from = 0): number {
  return Buffer.from(bytes).indexOf(needle, from);
}

// Defect 1: keys the command does not use are ignored, whatever their dtype.
test('unused keys holding strings, bytes, pickled objects, complex and datetime do not stop loading', () => {
  const ds = loadDataset(fixture('with_metadata.npz'), { loss: 'ce' });
  const plain = readNpz(fixture('ce_compressed.npz'));
  assert.equal(ds.train.N, 12);
  assert.deepEqual(Array.from(ds.trainTargets.y!), values(plain, 'y'));
});

test('unused entries are neither inflated nor parsed: damaging one does not matter', () => {
  const bytes = bytesOf('with_metadata.npz');
  const at = indexOf(bytes, "{'descr': '|O'");
  assert.ok(at > 0);
  bytes.fill(0x55, at, at + 40); // the object array's header, and its CRC no longer matches
  const arrays = openNpzBytes(bytes, 'meta.npz');
  assert.deepEqual(arrays.keys, ['X', 'y', 'name', 'model', 'tag', 'obj', 'z', 'when', 'h']);
  assert.deepEqual(arrays.read('y').shape, [12]);
  assert.throws(() => arrays.read('obj'), /^InputError: obj: the bytes are damaged: their CRC-32 is/);
});

test('a used key of an unsupported dtype is named with the dtypes accepted; objects are never unpickled', () => {
  const arrays = readNpz(fixture('with_metadata.npz'));
  assert.throws(() => arrays.name, /^InputError: name: unsupported dtype <U5; accepted: float16\/32\/64, int8\/16\/32\/64, uint8\/16\/32\/64, bool$/);
  assert.throws(() => arrays.obj, /^InputError: obj: unsupported dtype \|O; accepted/);
  assert.throws(() => arrays.z, /^InputError: z: unsupported dtype <c16; accepted/);
  assert.deepEqual(values(arrays, 'h'), [1, 1]); // float16
});

test('float16 is read exactly as NumPy widens it, including -0, subnormals, inf and nan', () => {
  const half = parseNpy(bytesOf('f2.npy'), 'h');
  const wide = parseNpy(bytesOf('f2_as_f8.npy'), 'w');
  assert.equal(half.dtype, '<f2');
  assert.equal(half.values.length, 11);
  half.values.forEach((v, i) => assert.ok(Object.is(v, wide.values[i]), `element ${i}: ${v} vs ${wide.values[i]}`));
});

// Defect 2: CRC-32 and sizes.
test('CRC-32 matches the standard check value and the CRCs NumPy wrote, in one piece or in chunks', () => {
  assert.equal(crc32(new TextEncoder().encode('123456789')), 0xcbf43926);
  assert.equal(crc32Sliced(new TextEncoder().encode('123456789')), 0xcbf43926);
  const noise = Uint8Array.from({ length: 4099 }, (_, i) => (i * 2654435761) >>> 24);
  for (const [from, to] of [[0, 0], [0, 1], [3, 12], [5, 4099], [0, 4099]]) {
    const part = noise.subarray(from, to);
    assert.equal(crc32Sliced(part.subarray(7), crc32Sliced(part.subarray(0, 7))), crc32Sliced(part), `chunked ${from}..${to}`);
    const native = (zlib as { crc32?: (d: Uint8Array) => number }).crc32;
    if (native) assert.equal(crc32Sliced(part), native(part), `zlib ${from}..${to}`);
  }
  for (const name of ['squared.npz', 'ce_compressed.npz']) {
    const bytes = bytesOf(name);
    const contents = unzipSync(bytes);
    for (const e of readDirectory(memorySource(bytes, name)).entries) {
      const data = contents[e.name];
      assert.equal(crc32(data), e.crc, `${name} ${e.name}`);
      assert.equal(crc32Sliced(data), e.crc, `${name} ${e.name} (hand-written)`);
      assert.equal(crc32(data.subarray(7), crc32(data.subarray(0, 7))), e.crc, 'chunked');
    }
  }
});

test('one flipped data byte is refused by the CRC-32, stored or deflated', () => {
  const stored = bytesOf('squared.npz');
  stored[indexOf(stored, 'X.npy') + 200] ^= 0x01; // inside X's float64 data
  assert.throws(() => readNpz(writeTmp('flip.npz', stored)).X, /^InputError: X: the bytes are damaged: their CRC-32 is 0x[0-9a-f]{8}, the zip says 0x[0-9a-f]{8} \(zip entry "X.npy" in ".*flip.npz"\)$/);
  const deflated = bytesOf('ce_compressed.npz');
  deflated[indexOf(deflated, 'y.npy') + 40] ^= 0x10;
  assert.throws(() => readNpz(writeTmp('flip2.npz', deflated)).y, (e: Error) => e instanceof InputError && /^y: /.test(e.message));
});

test('a .npy header promising (10^12,) in a 200-byte file fails without allocating it', () => {
  const npy = encodeNpy(new Float64Array(8), [8]);
  const headerLength = new DataView(npy.buffer).getUint16(8, true);
  const text = new TextDecoder().decode(npy.subarray(10, 10 + headerLength)).replace("(8,)", '(1000000000000,)').replace(' '.repeat(12), '');
  assert.equal(text.length, headerLength);
  npy.set(new TextEncoder().encode(text), 10);
  allocationStats.largestBytes = 0;
  assert.throws(() => parseNpy(npy, 'X'), /^InputError: X: truncated data: 64 bytes, expected 8000000000000 for shape \(1000000000000\) of <f8$/);
  const zipped = zipSync({ 'X.npy': [npy, { level: 0 }] });
  assert.throws(() => openNpzBytes(zipped, 'big.npz').read('X'), /^InputError: X: truncated data/);
  assert.ok(allocationStats.largestBytes <= zipped.length, `allocated ${allocationStats.largestBytes} bytes`);
});

/** ce_compressed.npz with the central directory's uncompressed size of X.npy replaced. */
function withDeclaredSize(size: number): Uint8Array {
  const bytes = bytesOf('ce_compressed.npz');
  const e = readDirectory(memorySource(bytes, 'ce')).entries.find((x) => x.name === 'X.npy')!;
  const cd = indexOf(bytes, 'PK\x01\x02');
  const view = new DataView(bytes.buffer);
  assert.equal(view.getUint32(cd + 24, true), e.size);
  view.setUint32(cd + 24, size, true);
  return bytes;
}

test('a deflated entry may not announce more than deflate can expand to, nor other than it inflates to', () => {
  allocationStats.largestBytes = 0;
  assert.throws(() => openNpzBytes(withDeclaredSize(0xf0000000), 'bomb.npz').read('X'), /^InputError: X: \d+ deflated bytes cannot expand to the 4026531840 the zip announces/);
  assert.ok(allocationStats.largestBytes < 1 << 20, `allocated ${allocationStats.largestBytes} bytes`);
  const real = readDirectory(memorySource(bytesOf('ce_compressed.npz'), 'ce')).entries[0].size;
  assert.throws(() => openNpzBytes(withDeclaredSize(real - 4), 'short.npz').read('X'), /^InputError: X: /);
  assert.throws(() => openNpzBytes(withDeclaredSize(real + 4), 'long.npz').read('X'), /^InputError: X: /);
});

// Defect 3: large files, read at offsets and in chunks; zip64.
test('every chunk size, down to 1 byte, reads the same arrays (stored, deflated, zip64, Fortran)', () => {
  for (const name of ['squared.npz', 'ce_compressed.npz', 'fortran_dataset.npz', 'zip64.npz', 'zip64_compressed.npz']) {
    const whole = readNpz(fixture(name));
    for (const chunkSize of [1, 3, 7, 64, 1000]) {
      const chunked = readNpz(fixture(name), { chunkSize });
      assert.deepEqual(Object.keys(chunked), Object.keys(whole));
      for (const k of Object.keys(whole)) assert.deepEqual(values(chunked, k), values(whole, k), `${name} ${k} chunk ${chunkSize}`);
    }
  }
  assert.deepEqual(values(readNpz(fixture('zip64.npz')), 'X'), values(readNpz(fixture('squared.npz')), 'X'));
  for (const name of ['f8.npy', 'f4.npy', 'f8_bigendian.npy', 'i8.npy', 'f2.npy']) { // a lone .npy is read as X
    const whole = parseNpy(bytesOf(name), 'X');
    for (const chunkSize of [1, 3, 1000]) assert.deepEqual(readNpz(fixture(name), { chunkSize }).X, whole, `${name} chunk ${chunkSize}`);
  }
});

test('a 5 GiB (sparse) .npz whose arrays lie past 4 GiB is read through zip64 offsets', () => {
  const file = path.join(tmp, 'sparse.npz');
  const X = encodeNpy(new Float64Array(24).map((_, i) => i), [2, 3, 4]);
  writeSparseZip(file, 5 * 2 ** 30, { 'X.npy': X, 'Y.npy': encodeNpy(new Float64Array([1, 2, 3, 4]), [2, 2]) });
  try {
    assert.ok(fs.statSync(file).size > 5 * 2 ** 30);
    const ds = loadDataset(file, { loss: 'squared' });
    assert.deepEqual(Array.from(ds.train.X), Array.from({ length: 24 }, (_, i) => i));
    assert.deepEqual(Array.from(ds.trainTargets.Y!), [1, 2, 3, 4]);
  } finally {
    fs.unlinkSync(file);
  }
});

// Defect 4: say what the file holds.
test('a missing key lists the keys the file holds, with a hint for the usual near misses', () => {
  const load = (name: string) => () => loadDataset(fixture(name), { loss: 'ce' });
  assert.throws(load('positional.npz'), /^InputError: X: missing; expected tokens of shape \(N, n, d\); the file holds "arr_0", "arr_1"; np.savez\(f, X, y\) names arrays arr_0, arr_1, ...: pass them by name, np.savez\(f, X=X, y=y\)$/);
  assert.throws(load('lowercase.npz'), /^InputError: X: missing; .*the file holds "x", "y"; keys are case-sensitive: rename "x" to "X"$/);
  assert.throws(load('train_split.npz'), /^InputError: X: missing; .*the file holds "X_train", "y_train"; rename "X_train" to "X" \(the test split goes in "X_test"\)$/);
  assert.throws(() => loadDataset(fixture('squared.npz'), { loss: 'ce' }), /^InputError: y: missing; expected integer labels of shape \(12,\) or per token \(12, 3\) for cross-entropy; the file holds "X", "Y"; the file has targets Y \(N, c\) for squared loss: use `loss` squared, or add labels y$/);
});

test('a PyTorch .pt file is recognised and the message says how to save with NumPy', () => {
  assert.throws(() => loadDataset(fixture('tensors.pt'), { loss: 'ce' }),
    /^InputError: data: ".*tensors.pt" is a PyTorch file \(it holds "archive\/data.pkl"\), not an .npz; save the tensors with NumPy: np.savez\(f, X=X.numpy\(\), y=y.numpy\(\)\)$/);
  const legacy = writeTmp('legacy.pt', Uint8Array.from([0x80, 0x02, 0x8a, 0x0a, ...new Array(100).fill(0x6c)])); // torch.save(..., _use_new_zipfile_serialization=False)
  assert.throws(() => loadDataset(legacy, { loss: 'ce' }), /^InputError: data: ".*legacy.pt" is not a readable .npz \(zip\) file: it is a Python pickle \(an old torch.save file\?\); save the arrays with NumPy instead: np.savez\(f, X=X.numpy\(\), y=y.numpy\(\)\)$/);
});

test('control characters in file names and keys are escaped: every message is one line', () => {
  const odd = path.join(tmp, 'a\nb\u0007.npz');
  assert.throws(() => loadDataset(odd, { loss: 'squared' }), (e: Error) => e instanceof InputError && !e.message.includes('\n') && e.message.includes('a\\nb\\u0007.npz'));
  const keys = ['line\nbreak', 'tab\there', 'x'.repeat(100)];
  const file = writeTmp('keys.npz', encodeNpz(Object.fromEntries(keys.map((k) => [k, { data: new Float64Array(1), shape: [1] }]))));
  assert.throws(() => loadDataset(file, { loss: 'squared' }), (e: Error) => e instanceof InputError && !e.message.includes('\n') &&
    e.message.includes('"line\\nbreak", "tab\\there", "xxxxxxxx') && e.message.includes('x..."'));
});

// Defect 7: identical bytes for identical arrays.
test('encodeNpz writes the same bytes at different times, with keys in the order given', () => {
  const arrays = { Z: { data: new Float64Array([1, 2, 3]), shape: [3] }, A: { data: new Int32Array([4]), shape: [1] } };
  const clock = mock.method(Date, 'now', () => Date.UTC(2031, 4, 6, 7, 8, 9));
  try {
    const first = encodeNpz(arrays);
    clock.mock.mockImplementation(() => Date.UTC(2040, 11, 31, 23, 59, 58));
    const second = encodeNpz(arrays);
    assert.deepEqual(Buffer.from(first), Buffer.from(second));
    assert.ok(indexOf(first, 'Z.npy') < indexOf(first, 'A.npy'));
  } finally {
    clock.mock.restore();
  }
});
