// Writing IDX files for the tests (the MNIST family's format; src/data/idx.ts reads it).
import * as fs from 'node:fs';
import * as path from 'node:path';
import { gzipSync } from 'node:zlib';

/** An IDX file: magic, big-endian dimensions, then the values big-endian. */
export function idxBytes(type: number, dims: number[], values: number[]): Uint8Array {
  const size = { 0x08: 1, 0x09: 1, 0x0b: 2, 0x0c: 4, 0x0d: 4, 0x0e: 8 }[type]!;
  const buf = new Uint8Array(4 + 4 * dims.length + values.length * size);
  const v = new DataView(buf.buffer);
  buf.set([0, 0, type, dims.length]);
  dims.forEach((d, i) => v.setUint32(4 + 4 * i, d, false));
  const o = 4 + 4 * dims.length;
  values.forEach((x, i) => {
    const at = o + i * size;
    if (type === 0x08) v.setUint8(at, x); else if (type === 0x09) v.setInt8(at, x);
    else if (type === 0x0b) v.setInt16(at, x, false); else if (type === 0x0c) v.setInt32(at, x, false);
    else if (type === 0x0d) v.setFloat32(at, x, false); else v.setFloat64(at, x, false);
  });
  return buf;
}

/** An MNIST-family directory of uint8 images (N x R x C) and labels, gzipped or not. */
export function writeIdxDir(dir: string, split: 'train' | 't10k', images: Uint8Array, N: number, R: number, C: number, labels: number[], gzip = false): void {
  fs.mkdirSync(dir, { recursive: true });
  const put = (name: string, bytes: Uint8Array) => fs.writeFileSync(path.join(dir, gzip ? `${name}.gz` : name), gzip ? gzipSync(bytes) : bytes);
  put(`${split}-images-idx3-ubyte`, idxBytes(0x08, [N, R, C], Array.from(images)));
  put(`${split}-labels-idx1-ubyte`, idxBytes(0x08, [labels.length], labels));
}
