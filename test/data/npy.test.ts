// .npy/.npz: files written by NumPy (test/fixtures/make_fixtures.py) read back exactly; our
// writer round-trips, and NumPy loads what we write; damaged files are refused by name.
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { spawnSync } from 'node:child_process';
import { parseNpy, encodeNpy } from '../../src/data/npy';
import { readNpz, encodeNpz } from '../../src/data/npz';
import { loadDataset } from '../../src/data/dataset';
import { fixture } from '../helpers';

const base = Array.from({ length: 24 }, (_, i) => i / 8 - 1);
const read = (name: string) => parseNpy(fs.readFileSync(fixture(name)), name);

test('reads float64, float32, Fortran order and big-endian arrays written by NumPy', () => {
  for (const name of ['f8.npy', 'f4.npy', 'f8_fortran.npy', 'f8_bigendian.npy']) {
    const a = read(name);
    assert.deepEqual(a.shape, [2, 3, 4], name);
    assert.deepEqual(Array.from(a.values), base, name);
  }
  assert.equal(read('f4.npy').dtype, '<f4');
});

test('reads integer, unsigned, bool and 0-d arrays', () => {
  assert.deepEqual(Array.from(read('i8.npy').values), [0, 3, 1, 2, 7]);
  assert.deepEqual(read('i4.npy').shape, [2, 2]);
  assert.deepEqual(Array.from(read('i4.npy').values), [1, -2, 3, 4]);
  assert.deepEqual(Array.from(read('u1.npy').values), [0, 1, 255]);
  assert.deepEqual(Array.from(read('bool.npy').values), [1, 0, 1]);
  assert.equal(read('bool.npy').kind, 'b');
  assert.deepEqual(read('scalar.npy').shape, []);
  assert.deepEqual(Array.from(read('scalar.npy').values), [2.5]);
});

test('reads .npz, stored and deflated, into a data set', () => {
  const sq = loadDataset(fixture('squared.npz'), { loss: 'squared' });
  assert.deepEqual([sq.train.N, sq.train.n, sq.train.d, sq.trainTargets.c], [12, 3, 4, 2]);
  const ce = loadDataset(fixture('ce_compressed.npz'), { loss: 'ce' });
  assert.equal(ce.trainTargets.y!.length, 12);
  assert.ok(ce.trainTargets.c >= 2);
  const fo = loadDataset(fixture('fortran_dataset.npz'), { loss: 'squared' });
  assert.deepEqual(Array.from(fo.train.X), Array.from(sq.train.X), 'Fortran-order X equals C-order X');
  assert.deepEqual(Array.from(fo.trainTargets.Y!), Array.from(sq.trainTargets.Y!));
});

test('encode then parse round-trips every dtype we write', () => {
  const cases = [
    { data: new Float64Array([1.5, -2, Math.PI, 1e-300]), shape: [2, 2] },
    { data: new Float32Array([1.5, -2, 0.25]), shape: [3] },
    { data: new Int32Array([1, -7, 2 ** 31 - 1]), shape: [3] },
    { data: new BigInt64Array([1n, -5n]), shape: [2, 1] },
    { data: new Float64Array(0), shape: [0, 4] },
  ];
  for (const cse of cases) {
    const a = parseNpy(encodeNpy(cse.data, cse.shape), 'a');
    assert.deepEqual(a.shape, cse.shape);
    assert.deepEqual(Array.from(a.values), Array.from(cse.data, Number));
  }
  const z = encodeNpz({ A: cases[0], B: cases[2] });
  const tmp = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'cf-')), 'x.npz');
  fs.writeFileSync(tmp, z);
  const back = readNpz(tmp);
  assert.deepEqual(Object.keys(back).sort(), ['A', 'B']);
});

test('NumPy loads the .npz we write unchanged', () => {
  const python = '/usr/bin/python3';
  const probe = spawnSync(python, ['-c', 'import numpy']);
  assert.equal(probe.status, 0, 'python3-numpy is required for this test (.ci/run installs it)');
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cf-'));
  const file = path.join(dir, 'w.npz');
  fs.writeFileSync(file, encodeNpz({
    Z: { data: new Float64Array([1, 2, 3, 4, 5, 6]), shape: [1, 2, 3] },
    gate: { data: new Int32Array([0, 2]), shape: [2] },
    E: { data: new Float64Array(0), shape: [0, 3] },
  }));
  const script = `import numpy as np\nz = np.load(${JSON.stringify(file)})\n` +
    `assert z['Z'].shape == (1, 2, 3) and z['Z'].dtype == np.float64 and z['Z'][0, 1, 2] == 6\n` +
    `assert z['gate'].tolist() == [0, 2] and z['gate'].dtype == np.int32\nassert z['E'].shape == (0, 3)\nprint('ok')`;
  const r = spawnSync(python, ['-c', script], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  assert.equal(r.stdout.trim(), 'ok');
});

test('damaged files are refused with the field named', () => {
  const good = fs.readFileSync(fixture('f8.npy'));
  assert.throws(() => parseNpy(good.subarray(0, good.length - 8), 'X'), /^InputError: X: truncated data/);
  assert.throws(() => parseNpy(good.subarray(0, 20), 'X'), /X: truncated .npy header/);
  assert.throws(() => parseNpy(new Uint8Array(40), 'Y'), /Y: not a .npy array/);
  const bad = Buffer.from(good);
  bad.write("'<c16'", bad.indexOf("'<f8'"));
  assert.throws(() => parseNpy(bad, 'X'), /X: unsupported dtype <c16/);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cf-'));
  const zfile = path.join(dir, 'cut.npz');
  const z = fs.readFileSync(fixture('squared.npz'));
  fs.writeFileSync(zfile, z.subarray(0, z.length / 2));
  assert.throws(() => readNpz(zfile), /^InputError: data: .* not a readable .npz/);
  assert.throws(() => readNpz(path.join(dir, 'missing.npz')), /^InputError: data: cannot read .*ENOENT/);
});

// Issue 8: one array type both ways. NumPy writes every dtype the reader reads (Fortran order and
// big endian included, scalars, 0-length); we read, write back, and NumPy finds the same arrays.
test('encodeNpz(readNpz(bytes)) gives NumPy back every array it wrote (float16 comes back as float32)', () => {
  const python = '/usr/bin/python3';
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cf-'));
  const src = path.join(dir, 'src.npz');
  const back = path.join(dir, 'back.npz');
  const make = `import numpy as np
big = 2**62 + 1  # beyond 2^53: a float64 would drop its last bit
a = {
  'f8': np.array([[1.5, -2.0, np.pi], [1e-300, 0.0, -0.0]]), 'f4': np.array([0.1, -3e38], np.float32),
  'f2': np.array([0.1, -65504, 6e-8], np.float16), 'i1': np.array([-128, 127], np.int8),
  'i2': np.array([-32768, 7], np.int16), 'i4': np.array([[-2**31, 2**31 - 1]], np.int32),
  'i8': np.array([-big, big, 3], np.int64), 'u1': np.array([0, 255], np.uint8),
  'u2': np.array([65535], np.uint16), 'u4': np.array([2**32 - 1], np.uint32),
  'u8': np.array([2**64 - 1, 1], np.uint64), 'b1': np.array([True, False, True]),
  'scalar': np.array(2.5), 'int_scalar': np.array(-4, np.int64), 'empty': np.zeros((0, 3), np.int32),
  'fortran': np.asfortranarray(np.arange(24.0).reshape(2, 3, 4)), 'fortran_i8': np.asfortranarray(np.arange(6, dtype=np.int64).reshape(2, 3) + big),
  'big_endian': np.arange(5, dtype='>f8'), 'big_endian_i4': np.arange(-2, 3, dtype='>i4'),
}
np.savez(${JSON.stringify(src)}, **a)
np.savez(${JSON.stringify(path.join(dir, 'expected.npz'))}, **a)`;
  const made = spawnSync(python, ['-c', make], { encoding: 'utf8' });
  assert.equal(made.status, 0, made.stderr);
  const arrays = readNpz(new Uint8Array(fs.readFileSync(src)));
  assert.equal(arrays.i8.data[1], 2n ** 62n + 1n, 'int64 kept exactly');
  assert.ok(arrays.f8.data === arrays.f8.values, 'float64 data is the values themselves, not a copy');
  fs.writeFileSync(back, encodeNpz(arrays));
  const check = `import numpy as np
want, got = np.load(${JSON.stringify(path.join(dir, 'expected.npz'))}), np.load(${JSON.stringify(back)})
assert sorted(want.files) == sorted(got.files), (want.files, got.files)
for k in want.files:
    w, g = want[k], got[k]
    dtype = np.dtype(np.float32) if w.dtype == np.float16 else w.dtype.newbyteorder('=')
    assert g.dtype == dtype, (k, w.dtype, g.dtype)
    assert g.shape == w.shape, (k, w.shape, g.shape)
    assert np.array_equal(g, w.astype(dtype)), (k, w, g)
    assert not np.signbit(w).any() or np.array_equal(np.signbit(g), np.signbit(w)), k
print(len(want.files))`;
  const r = spawnSync(python, ['-c', check], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  assert.equal(r.stdout.trim(), '19');
});

test('an .npz we write reads back to the same bytes, for every typed array we write', () => {
  const arrays = {
    f8: { data: new Float64Array([1, -0, 2.5]), shape: [3] }, f4: { data: new Float32Array([0.5]), shape: [] },
    i1: { data: new Int8Array([-1, 2]), shape: [2, 1] }, i2: { data: new Int16Array([-300]), shape: [1] },
    i4: { data: new Int32Array(0), shape: [0] }, i8: { data: new BigInt64Array([-(2n ** 63n)]), shape: [1] },
    u1: { data: new Uint8Array([200]), shape: [1] }, u2: { data: new Uint16Array([60000]), shape: [1] },
    u4: { data: new Uint32Array([4e9]), shape: [1] }, u8: { data: new BigUint64Array([2n ** 64n - 1n]), shape: [1] },
    b1: { data: new Uint8Array([1, 0]), shape: [2], dtype: '|b1' },
  };
  const bytes = encodeNpz(arrays);
  const read = readNpz(bytes);
  assert.equal(read.b1.kind, 'b');
  assert.equal(read.u1.kind, 'u');
  assert.deepEqual(Buffer.from(encodeNpz(read)), Buffer.from(bytes));
});
