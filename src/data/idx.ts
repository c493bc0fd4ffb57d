// IDX files, the format of MNIST, Fashion-MNIST and their family (LeCun et al.): a 4-byte magic
// 0x00 0x00 <type> <number of dimensions>, then each dimension as a big-endian uint32, then the
// values in C order, big-endian. Types: 0x08 uint8, 0x09 int8, 0x0B int16, 0x0C int32, 0x0D
// float32, 0x0E float64. Files may be gzipped (as Debian's dataset-fashion-mnist ships them): a
// gzip header (1f 8b) is recognised by its bytes, not by the file name.
import * as fs from 'node:fs';
import { gunzipSync } from 'node:zlib';
import { InputError } from './errors';

export type IdxData = Uint8Array | Int8Array | Int16Array | Int32Array | Float32Array | Float64Array;

export interface IdxArray {
  dims: number[];
  data: IdxData;
}

const TYPES: Record<number, { name: string; bytes: number; make: (n: number) => IdxData; get: (v: DataView, o: number) => number }> = {
  0x08: { name: 'uint8', bytes: 1, make: (n) => new Uint8Array(n), get: (v, o) => v.getUint8(o) },
  0x09: { name: 'int8', bytes: 1, make: (n) => new Int8Array(n), get: (v, o) => v.getInt8(o) },
  0x0b: { name: 'int16', bytes: 2, make: (n) => new Int16Array(n), get: (v, o) => v.getInt16(o, false) },
  0x0c: { name: 'int32', bytes: 4, make: (n) => new Int32Array(n), get: (v, o) => v.getInt32(o, false) },
  0x0d: { name: 'float32', bytes: 4, make: (n) => new Float32Array(n), get: (v, o) => v.getFloat32(o, false) },
  0x0e: { name: 'float64', bytes: 8, make: (n) => new Float64Array(n), get: (v, o) => v.getFloat64(o, false) },
};

/** Parses IDX bytes (gzipped or not); `name` is the file named in errors. */
export function parseIdx(raw: Uint8Array, name: string): IdxArray {
  let bytes = raw;
  if (raw.length >= 2 && raw[0] === 0x1f && raw[1] === 0x8b) {
    try {
      bytes = gunzipSync(raw);
    } catch (e) {
      throw new InputError(name, `is gzipped but does not decompress (${(e as Error).message})`);
    }
  }
  if (bytes.length < 4 || bytes[0] !== 0 || bytes[1] !== 0) {
    throw new InputError(name, 'is not an IDX file: expected the magic 0x00 0x00 <type> <dims> (an .idx3-ubyte or .idx1-ubyte file, gzipped or not)');
  }
  const type = TYPES[bytes[2]];
  if (!type) throw new InputError(name, `has IDX type 0x${bytes[2].toString(16).padStart(2, '0')}; expected one of 08 (uint8), 09, 0b, 0c, 0d, 0e`);
  const nd = bytes[3];
  if (nd < 1) throw new InputError(name, 'has 0 dimensions; expected at least 1');
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const header = 4 + 4 * nd;
  if (bytes.length < header) throw new InputError(name, `is truncated: its header declares ${nd} dimensions but the file has ${bytes.length} bytes`);
  const dims = Array.from({ length: nd }, (_, i) => view.getUint32(4 + 4 * i, false));
  const count = dims.reduce((a, b) => a * b, 1);
  const expected = header + count * type.bytes;
  if (bytes.length !== expected) {
    throw new InputError(name, `holds ${bytes.length} bytes; its header (${type.name}, shape ${dims.join(' x ')}) needs ${expected}`);
  }
  const data = type.make(count);
  if (type.bytes === 1) data.set(bytes.subarray(header, expected));
  else for (let i = 0; i < count; i++) data[i] = type.get(view, header + i * type.bytes);
  return { dims, data };
}

export function readIdx(file: string): IdxArray {
  let raw: Uint8Array;
  try {
    raw = fs.readFileSync(file);
  } catch (e) {
    throw new InputError(file, `cannot be read (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
  }
  return parseIdx(raw, file);
}
