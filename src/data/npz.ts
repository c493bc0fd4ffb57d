// .npz = a zip of .npy files (np.savez / np.savez_compressed). Zip through fflate.
import * as fs from 'node:fs';
import { unzipSync, zipSync } from 'fflate';
import { encodeNpy, parseNpy, type NdArray, type NpyData } from './npy';
import { InputError } from './errors';

export function readNpz(file: string): Record<string, NdArray> {
  let bytes: Uint8Array;
  try {
    bytes = fs.readFileSync(file);
  } catch (e) {
    throw new InputError('--data', `cannot read ${file}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
  if (file.endsWith('.npy')) return { X: parseNpy(bytes, 'X') };
  let entries: Record<string, Uint8Array>;
  try {
    entries = unzipSync(bytes);
  } catch (e) {
    throw new InputError('--data', `${file} is not a readable .npz (zip) file: ${(e as Error).message}`);
  }
  const out: Record<string, NdArray> = {};
  for (const [name, data] of Object.entries(entries)) {
    if (!name.endsWith('.npy')) continue;
    const key = name.slice(0, -4);
    out[key] = parseNpy(data, key);
  }
  return out;
}

export interface NamedArray {
  data: NpyData;
  shape: number[];
}

/** Writes an uncompressed .npz that np.load reads as is. */
export function encodeNpz(arrays: Record<string, NamedArray>): Uint8Array {
  const files: Record<string, [Uint8Array, { level: 0 }]> = {};
  for (const [k, a] of Object.entries(arrays)) files[`${k}.npy`] = [encodeNpy(a.data, a.shape), { level: 0 }];
  return zipSync(files);
}
