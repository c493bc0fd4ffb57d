// .npz = a zip of .npy files (np.savez / np.savez_compressed). Only the central directory is
// read up front; an array is read, CRC-checked and parsed when its key is first used, so keys a
// command does not use (strings, pickled objects, float128...) cost nothing and cannot fail it.
import { zipSync } from 'fflate';
import { encodeNpy, type NamedArray, type NdArray } from './npy';

export type { NamedArray, NdArray } from './npy';
import { allocBytes } from './alloc';
import { NpyDecoder } from './npy-decoder';
import { InputError, quote } from './errors';
import { fileSource, memorySource, type ByteSource } from './source';
import { readDirectory, streamEntry, type ZipEntry } from './zip';

export interface ReadOptions {
  /** bytes read (or inflated from) per step; small values exercise the chunked path in tests */
  chunkSize?: number;
  /** keys decoded into float32 instead of float64 (NpyDecoder's `narrow`; a single .npy is key X) */
  float32?: readonly string[];
}

const DEFAULT_CHUNK = 16 << 20;

/** An opened .npz: its keys, and each array decoded on request. */
export interface NpzArchive {
  keys: string[];
  read(key: string): NdArray;
}

function openArchive(open: () => ByteSource, isNpy: boolean, opts: ReadOptions): NpzArchive {
  const chunkSize = opts.chunkSize ?? DEFAULT_CHUNK;
  if (!(Number.isSafeInteger(chunkSize) && chunkSize >= 1)) throw new Error(`readNpz: chunkSize must be an integer >= 1, got ${chunkSize}`);
  const narrow = (key: string) => opts.float32?.includes(key) ?? false;
  if (isNpy) return { keys: ['X'], read: () => withSource(open, (src) => readWholeNpy(src, chunkSize, narrow('X'))) };
  const dir = withSource(open, (src) => {
    const d = readDirectory(src);
    refusePyTorch(src, d.entries);
    return d;
  });
  const byKey = new Map<string, ZipEntry[]>();
  for (const e of dir.entries) {
    if (!e.name.endsWith('.npy')) continue;
    const key = e.name.slice(0, -4);
    byKey.set(key, [...(byKey.get(key) ?? []), e]);
  }
  return {
    keys: [...byKey.keys()],
    read: (key) => withSource(open, (src) => {
      const found = byKey.get(key);
      if (!found) throw new InputError(key, `not in ${src.label}`);
      if (found.length > 1) throw new InputError(key, `${src.label} holds ${found.length} entries named ${quote(found[0].name)}`);
      const decoder = new NpyDecoder(key, found[0].size, narrow(key));
      streamEntry(src, dir, found[0], key, (chunk) => decoder.write(chunk), chunkSize);
      return decoder.finish();
    }),
  };
}

function withSource<T>(open: () => ByteSource, use: (src: ByteSource) => T): T {
  const src = open();
  try {
    return use(src);
  } finally {
    src.close();
  }
}

function readWholeNpy(src: ByteSource, chunkSize: number, narrow: boolean): NdArray {
  const decoder = new NpyDecoder('X', src.size, narrow);
  const buf = allocBytes(Math.min(chunkSize, src.size), chunkSize, 'read buffer');
  for (let done = 0; done < src.size; done += buf.length) {
    const piece = buf.subarray(0, Math.min(buf.length, src.size - done));
    src.readInto(piece, done);
    decoder.write(piece);
  }
  return decoder.finish();
}

/** torch.save writes a zip too, holding <name>/data.pkl and no .npy entries. */
function refusePyTorch(src: ByteSource, entries: ZipEntry[]): void {
  if (entries.some((e) => e.name.endsWith('.npy'))) return;
  const pickle = entries.find((e) => /(^|\/)data\.pkl$/.test(e.name));
  if (pickle) {
    throw new InputError('data', `${src.label} is a PyTorch file (it holds ${quote(pickle.name)}), not an .npz; ` +
      'save the tensors with NumPy: np.savez(f, X=X.numpy(), y=y.numpy())');
  }
}

/** Opens an .npz (or a single .npy, read as key X) without reading any array yet. */
export function openNpz(file: string, opts: ReadOptions = {}): NpzArchive {
  return openArchive(() => fileSource(file), file.endsWith('.npy'), opts);
}

/** The same from bytes in memory; `name` stands for the file in messages. */
export function openNpzBytes(bytes: Uint8Array, name: string, opts: ReadOptions = {}): NpzArchive {
  return openArchive(() => memorySource(bytes, name), name.endsWith('.npy'), opts);
}

/**
 * Every key of the file (a path, or the bytes of an .npz), each array read on first access (then
 * kept): enumerating the keys reads nothing, so a file whose unused keys hold strings or objects
 * loads fine. `encodeNpz(readNpz(f))` writes the same arrays back (float16 as float32).
 */
export function readNpz(file: string | Uint8Array, opts: ReadOptions = {}): Record<string, NdArray> {
  return lazyRecord(typeof file === 'string' ? openNpz(file, opts) : openNpzBytes(file, 'the .npz bytes', opts));
}

export function lazyRecord(archive: NpzArchive): Record<string, NdArray> {
  const out: Record<string, NdArray> = {};
  for (const key of archive.keys) {
    let cached: NdArray | undefined;
    Object.defineProperty(out, key, { enumerable: true, get: () => (cached ??= archive.read(key)) });
  }
  return out;
}

/** Zip timestamps are local time; 1980-01-01 00:00 is the earliest a zip can hold. */
const FIXED_MTIME = new Date(1980, 0, 1, 0, 0, 0);

/**
 * Writes an uncompressed .npz that np.load reads as is. The same arrays give the same bytes
 * (fixed timestamp, keys in the order given), so two runs' weights can be compared with cmp.
 */
export function encodeNpz(arrays: Record<string, NamedArray>): Uint8Array {
  const files: Record<string, [Uint8Array, { level: 0; mtime: Date }]> = {};
  for (const [k, a] of Object.entries(arrays)) files[`${k}.npy`] = [encodeNpy(a.data, a.shape, a.dtype), { level: 0, mtime: FIXED_MTIME }];
  return zipSync(files);
}
