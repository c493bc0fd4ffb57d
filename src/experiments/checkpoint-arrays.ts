// A checkpoint's large arrays (parameters and optimizer moments) go to a binary .npz beside its
// JSON: as JSON text, 25 million numbers (an 8-million-parameter model with Adam's two moments)
// exceed V8's longest string, and the run died at its first checkpoint. Arrays of at least
// BIG numbers are replaced in the JSON by {"$array": k} and stored as float64 (exact for the
// float32 and float64 values they hold; NumPy reads the file).
import { encodeNpz, readNpz, type NamedArray } from '../data/npz';

const BIG = 1024;

const isNumbers = (v: unknown): v is number[] | Float64Array | Float32Array =>
  (Array.isArray(v) && v.length >= BIG && v.every((x) => typeof x === 'number')) ||
  ((v instanceof Float64Array || v instanceof Float32Array) && v.length >= BIG);

/** The JSON-able state with its large arrays moved out, and the .npz bytes that hold them (null: none). */
export function splitArrays(state: unknown): { json: unknown; npz: Uint8Array | null } {
  const arrays: Record<string, NamedArray> = {};
  let k = 0;
  const walk = (v: unknown): unknown => {
    if (isNumbers(v)) {
      const key = `a${k++}`;
      arrays[key] = { data: Float64Array.from(v), shape: [v.length] };
      return { $array: key };
    }
    if (Array.isArray(v)) return v.map(walk);
    if (v !== null && typeof v === 'object') return Object.fromEntries(Object.entries(v).map(([key, x]) => [key, walk(x)]));
    return v;
  };
  const json = walk(state);
  return { json, npz: k === 0 ? null : encodeNpz(arrays) };
}

/** The state back from its JSON and the .npz bytes: each {"$array": k} is the array of numbers it stood for. */
export function joinArrays(json: unknown, npz: Uint8Array | null): unknown {
  const arrays = npz ? readNpz(npz) : {};
  const walk = (v: unknown): unknown => {
    if (Array.isArray(v)) return v.map(walk);
    if (v !== null && typeof v === 'object') {
      const keys = Object.keys(v);
      if (keys.length === 1 && keys[0] === '$array') {
        const a = arrays[(v as { $array: string }).$array];
        if (!a) throw new Error(`checkpoint: array ${(v as { $array: string }).$array} is missing from its .npz`);
        return Array.from(a.values);
      }
      return Object.fromEntries(Object.entries(v).map(([key, x]) => [key, walk(x)]));
    }
    return v;
  };
  return walk(json);
}
