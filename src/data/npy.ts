// NumPy .npy (format versions 1-3): read float/int/uint/bool arrays in C or Fortran order,
// little or big endian (see npy-decoder.ts); write every dtype we read, so what is read writes back.
import { NpyDecoder } from './npy-decoder';

export type { NpyData, NamedArray, NdArray } from './ndarray';
import type { NpyData, NdArray } from './ndarray';

const MAGIC = [0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59]; // \x93NUMPY

/** Parses one .npy file held in memory; `name` is used in error messages (the array's key). */
export function parseNpy(bytes: Uint8Array, name: string): NdArray {
  const decoder = new NpyDecoder(name, bytes.length);
  decoder.write(bytes);
  return decoder.finish();
}

function descrOf(data: NpyData, dtype?: string): string {
  if (data instanceof Float64Array) return '<f8';
  if (data instanceof Float32Array) return '<f4';
  if (data instanceof Int8Array) return '|i1';
  if (data instanceof Int16Array) return '<i2';
  if (data instanceof Int32Array) return '<i4';
  if (data instanceof BigInt64Array) return '<i8';
  if (data instanceof Uint16Array) return '<u2';
  if (data instanceof Uint32Array) return '<u4';
  if (data instanceof BigUint64Array) return '<u8';
  return dtype?.endsWith('b1') ? '|b1' : '|u1';
}

/** Serialises a C-order array as .npy version 1.0 (little endian, 64-byte aligned header); shape [] is a 0-d array. */
export function encodeNpy(data: NpyData, shape: number[], dtype?: string): Uint8Array {
  const count = shape.reduce((a, b) => a * b, 1);
  if (count !== data.length) throw new Error(`encodeNpy: ${data.length} values for shape (${shape.join(', ')})`);
  const shapeText = shape.length === 1 ? `(${shape[0]},)` : `(${shape.join(', ')})`;
  let header = `{'descr': '${descrOf(data, dtype)}', 'fortran_order': False, 'shape': ${shapeText}, }`;
  const pad = 64 - ((10 + header.length + 1) % 64);
  header = header + ' '.repeat(pad % 64) + '\n';
  const out = new Uint8Array(10 + header.length + data.byteLength);
  out.set(MAGIC, 0);
  out[6] = 1;
  out[7] = 0;
  new DataView(out.buffer).setUint16(8, header.length, true);
  out.set(new TextEncoder().encode(header), 10);
  out.set(new Uint8Array(data.buffer, data.byteOffset, data.byteLength), 10 + header.length);
  return out;
}
