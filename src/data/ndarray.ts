// The array types of the .npy/.npz reader and writer, in their own module so that the decoder
// (npy-decoder.ts) and the format (npy.ts) both use them without importing each other.

export type NpyData =
  | Float64Array | Float32Array
  | Int8Array | Int16Array | Int32Array | BigInt64Array
  | Uint8Array | Uint16Array | Uint32Array | BigUint64Array;

/** An array to write, and what is read: `data` in C order, `dtype` only needed to mark a Uint8Array as bool ('|b1'). */
export interface NamedArray {
  data: NpyData;
  shape: number[];
  dtype?: string;
}

/** An array as read. `encodeNpz` takes it back as is (a NamedArray), so a read file writes back unchanged. */
export interface NdArray extends NamedArray {
  /** NumPy dtype string as read, e.g. '<f8' */
  dtype: string;
  /** 'f' float, 'i' signed int, 'u' unsigned int, 'b' bool */
  kind: 'f' | 'i' | 'u' | 'b';
  /**
   * The values in C order, widened to float64 (exact for every integer a label can be); float32
   * only for a key the reader was asked to narrow (npz.ts ReadOptions.float32).
   */
  values: Float64Array | Float32Array;
  /**
   * The values in C order in the typed array of their dtype: the same array as `values` for
   * float64; float16 comes as Float32Array (exact: Node 20 has no Float16Array), bool as
   * Uint8Array, int64/uint64 as BigInt64Array/BigUint64Array holding every bit.
   */
  data: NpyData;
}

/** `values` of an array read in float64: every array but one the reader was asked to narrow. */
export function float64Values(a: NdArray, key: string): Float64Array {
  if (!(a.values instanceof Float64Array)) throw new Error(`internal: ${key} was read in float32 where float64 is needed`);
  return a.values;
}
