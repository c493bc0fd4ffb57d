// Shared by the fuzz test (test/data/fuzz.test.ts) and the long run (bench/fuzz-npz.ts): mutate a
// valid .npz with a seeded PRNG, read it, and classify what happened. A mutated file must either
// read exactly the original arrays or be refused with a one-line InputError; anything else (a
// different array, another exception, a newline, an allocation past the bound) is a failure.
import { Rng } from '../../src/core/rng';
import { allocationStats } from '../../src/data/alloc';
import { InputError } from '../../src/data/errors';
import type { NdArray } from '../../src/data/npy';
import { openNpzBytes } from '../../src/data/npz';

/** The fixtures the fuzzers mutate: stored, deflated, Fortran order, zip64, and unused odd keys. */
export const FUZZ_FIXTURES = ['squared.npz', 'ce_compressed.npz', 'fortran_dataset.npz', 'zip64.npz', 'zip64_compressed.npz', 'with_metadata.npz'];

export interface Seed { name: string; bytes: Uint8Array; arrays: Map<string, NdArray>; keys: string[] }

/** Reads every key of a valid file; keys whose dtype we do not read are left out of the comparison. */
export function makeSeed(name: string, bytes: Uint8Array): Seed {
  const archive = openNpzBytes(bytes, name);
  const arrays = new Map<string, NdArray>();
  for (const k of archive.keys) {
    try {
      arrays.set(k, archive.read(k));
    } catch (e) {
      if (!(e instanceof InputError && /unsupported dtype/.test(e.message))) throw e;
    }
  }
  return { name, bytes, arrays, keys: archive.keys };
}

/** Bytes a header field is likely to be confused by. */
const INTERESTING = [0, 1, 0x7f, 0x80, 0xff, 0xffff, 0x7fffffff, 0x80000000, 0xffffffff];

export function mutate(bytes: Uint8Array, rng: Rng): { bytes: Uint8Array; how: string } {
  const n = bytes.length;
  // half the time aim at the last 200 bytes: the central directory and end records, where
  // damage is not caught by a CRC and must be caught by the structure checks
  const pos = () => (rng.uniform() < 0.5 ? n - 1 - rng.int(Math.min(200, n)) : rng.int(n));
  const out = Uint8Array.from(bytes);
  switch (rng.int(6)) {
    case 0: {
      const k = 1 + rng.int(4);
      for (let i = 0; i < k; i++) out[pos()] ^= 1 + rng.int(255);
      return { bytes: out, how: `flip ${k}` };
    }
    case 1: {
      const at = pos(), len = 1 + rng.int(16);
      for (let i = at; i < Math.min(n, at + len); i++) out[i] = rng.int(256);
      return { bytes: out, how: 'random run' };
    }
    case 2: {
      const at = pos(), v = INTERESTING[rng.int(INTERESTING.length)];
      const width = [1, 2, 4][rng.int(3)];
      for (let i = 0; i < width && at + i < n; i++) out[at + i] = (v >>> (8 * i)) & 0xff;
      return { bytes: out, how: `field ${width}` };
    }
    case 3: {
      const at = pos(), ins = Uint8Array.from({ length: 1 + rng.int(16) }, () => rng.int(256));
      const r = new Uint8Array(n + ins.length);
      r.set(bytes.subarray(0, at)); r.set(ins, at); r.set(bytes.subarray(at), at + ins.length);
      return { bytes: r, how: 'insert' };
    }
    case 4: {
      const at = pos(), len = Math.min(1 + rng.int(16), n - at);
      const r = new Uint8Array(n - len);
      r.set(bytes.subarray(0, at)); r.set(bytes.subarray(at + len), at);
      return { bytes: r, how: 'delete' };
    }
    default:
      return { bytes: bytes.slice(0, rng.int(n)), how: 'truncate' };
  }
}

export type Outcome = { kind: 'identical' } | { kind: 'refused'; message: string } | { kind: 'failure'; detail: string };

const same = (a: NdArray, b: NdArray) => a.dtype === b.dtype && a.kind === b.kind &&
  a.shape.length === b.shape.length && a.shape.every((v, i) => v === b.shape[i]) &&
  a.values.length === b.values.length && a.values.every((v, i) => Object.is(v, b.values[i]));

/** Largest allocation the reader may make for a file of `size` bytes (see alloc.ts, zip.ts). */
export const allocationBound = (size: number) => 8 * (1032 * size + 64);

export function readMutated(seed: Seed, bytes: Uint8Array, chunkSize: number): Outcome {
  allocationStats.largestBytes = 0;
  try {
    const archive = openNpzBytes(bytes, `${seed.name} (mutated)`, { chunkSize });
    if (archive.keys.join('\0') !== seed.keys.join('\0')) return { kind: 'failure', detail: `keys ${JSON.stringify(archive.keys)}` };
    for (const [k, want] of seed.arrays) {
      if (!same(archive.read(k), want)) return { kind: 'failure', detail: `${k} read different data` };
    }
    return checkBound(bytes, { kind: 'identical' });
  } catch (e) {
    if (!(e instanceof InputError)) return { kind: 'failure', detail: `${(e as Error).name}: ${(e as Error).message}` };
    if (/[\n\r]/.test(e.message)) return { kind: 'failure', detail: `message of several lines: ${JSON.stringify(e.message)}` };
    return checkBound(bytes, { kind: 'refused', message: e.message });
  }
}

function checkBound(bytes: Uint8Array, outcome: Outcome): Outcome {
  const bound = allocationBound(bytes.length);
  if (allocationStats.largestBytes > bound) return { kind: 'failure', detail: `allocated ${allocationStats.largestBytes} bytes > ${bound}` };
  return outcome;
}

/** An error message with its numbers, hex and quoted names blanked: the kind of refusal. */
export function errorKind(message: string): string {
  return message.replace(/"(?:[^"\\]|\\.)*"/g, '"…"').replace(/0x[0-9a-f]+/g, 'HEX').replace(/(?<![\w-])\d+/g, 'N').slice(0, 110);
}
