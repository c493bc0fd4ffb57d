// Decodes one .npy file fed in chunks of any size (straight from a file or from an inflater),
// so a large array is never held twice. Sizes are checked before anything is allocated: the
// header must fit in the bytes the caller says there are, and the shape must account for exactly
// the bytes after it, so a header that promises more than the file holds fails at once.
import { allocBytes, allocFloat32, allocFloat64 } from './alloc';
import { InputError } from './errors';
import type { NdArray, NpyData } from './ndarray';

const MAGIC = [0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59]; // \x93NUMPY
/** NumPy itself refuses headers over 10000 bytes unless told otherwise; allow a margin. */
const MAX_HEADER_BYTES = 1 << 20;
export const ACCEPTED_DTYPES = 'float16/32/64, int8/16/32/64, uint8/16/32/64, bool';

type Reader = (view: DataView, offset: number, little: boolean) => number;

/** IEEE half precision to double; every half is exactly representable as a double. */
export function halfToNumber(h: number): number {
  const sign = h & 0x8000 ? -1 : 1;
  const exp = (h >> 10) & 0x1f;
  const frac = h & 0x3ff;
  if (exp === 0) return sign * frac * 2 ** -24; // zero and subnormals
  if (exp === 31) return frac ? NaN : sign * Infinity;
  return sign * (1024 + frac) * 2 ** (exp - 25);
}

const READERS: Record<string, Reader> = {
  f8: (v, o, le) => v.getFloat64(o, le),
  f4: (v, o, le) => v.getFloat32(o, le),
  f2: (v, o, le) => halfToNumber(v.getUint16(o, le)),
  i8: (v, o, le) => Number(v.getBigInt64(o, le)),
  i4: (v, o, le) => v.getInt32(o, le),
  i2: (v, o, le) => v.getInt16(o, le),
  i1: (v, o) => v.getInt8(o),
  u8: (v, o, le) => Number(v.getBigUint64(o, le)),
  u4: (v, o, le) => v.getUint32(o, le),
  u2: (v, o, le) => v.getUint16(o, le),
  u1: (v, o) => v.getUint8(o),
  b1: (v, o) => v.getUint8(o),
};

type BigReader = (view: DataView, offset: number, little: boolean) => bigint;
/** int64/uint64 are also kept exactly: beyond 2^53 a float64 drops bits, and a read array must write back unchanged. */
const BIG_READERS: Partial<Record<string, BigReader>> = {
  i8: (v, o, le) => v.getBigInt64(o, le),
  u8: (v, o, le) => v.getBigUint64(o, le),
};

/** The typed array of each dtype, built from the values read (exact for every dtype below, read in float64). */
const TYPED: Record<string, (values: ArrayLike<number>) => NpyData> = {
  f8: (v) => (v instanceof Float64Array ? v : Float64Array.from(v)),
  f4: (v) => (v instanceof Float32Array ? v : Float32Array.from(v)),
  f2: (v) => Float32Array.from(v),
  i4: (v) => Int32Array.from(v),
  i2: (v) => Int16Array.from(v),
  i1: (v) => Int8Array.from(v),
  u4: (v) => Uint32Array.from(v),
  u2: (v) => Uint16Array.from(v),
  u1: (v) => Uint8Array.from(v),
  b1: (v) => Uint8Array.from(v),
};

const HOST_LITTLE = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

interface Layout {
  dtype: string;
  kind: NdArray['kind'];
  size: number;
  little: boolean;
  fortran: boolean;
  shape: number[];
  read: Reader;
  big?: BigReader;
  /** kind and size, e.g. 'f8': the key of READERS and TYPED */
  code: string;
  /** the stored type is the one decoded into (float64, or float32 when narrowed), in host order: bytes are copied as they are */
  copy: boolean;
}

export class NpyDecoder {
  private head: Uint8Array = new Uint8Array(8);
  private headLen = 0;
  private layout?: Layout;
  private values?: Float64Array | Float32Array;
  private exact?: BigInt64Array | BigUint64Array;
  private dataAt = 0; // data bytes consumed
  private carry = new Uint8Array(8);
  private carryLen = 0;
  private received = 0;

  /**
   * `total`: the exact size of the .npy in bytes (the zip entry's or the file's size). `narrow`:
   * decode into float32 (each value rounded once) instead of float64, so a large array costs half
   * and never exists in float64 (`--float32-data`).
   */
  constructor(readonly name: string, readonly total: number, readonly narrow = false) {}

  write(chunk: Uint8Array): void {
    this.received += chunk.length;
    if (this.received > this.total) throw new InputError(this.name, `more than the ${this.total} bytes announced`);
    let off = 0;
    while (!this.layout && off < chunk.length) {
      const take = Math.min(this.head.length - this.headLen, chunk.length - off);
      this.head.set(chunk.subarray(off, off + take), this.headLen);
      this.headLen += take;
      off += take;
      if (this.headLen === this.head.length) this.advanceHeader();
    }
    if (this.layout && off < chunk.length) this.decode(chunk.subarray(off), this.layout);
  }

  finish(): NdArray {
    if (this.received < this.total) throw new InputError(this.name, `ended after ${this.received} of ${this.total} bytes`);
    if (!this.layout) throw new InputError(this.name, `not a .npy array (${this.total} bytes, too short for a header)`);
    const L = this.layout!;
    const values = L.fortran ? toCOrder(this.values!, L.shape) : this.values!;
    const exact = this.exact && L.fortran ? toCOrder(this.exact, L.shape) : this.exact;
    let data: NpyData | undefined = exact;
    // built on first use only: most readers want `values` alone, and float64's data is `values` itself
    return { dtype: L.dtype, shape: L.shape, kind: L.kind, values, get data() { return (data ??= TYPED[L.code](values)); } };
  }

  /** Called whenever `head` is full, which it first is after 8 bytes: magic and version, then the header length, then the header. */
  private advanceHeader(): void {
    const h = this.head;
    if (MAGIC.some((b, i) => h[i] !== b)) throw new InputError(this.name, 'not a .npy array (bad magic)');
    const major = h[6];
    if (major < 1 || major > 3) throw new InputError(this.name, `unsupported .npy version ${major}; expected 1, 2 or 3`);
    const lenBytes = major === 1 ? 2 : 4;
    if (h.length === 8) return this.growHead(8 + lenBytes);
    const view = new DataView(h.buffer, h.byteOffset, h.byteLength);
    if (h.length === 8 + lenBytes) {
      const headerLen = lenBytes === 2 ? view.getUint16(8, true) : view.getUint32(8, true);
      if (headerLen > MAX_HEADER_BYTES) throw new InputError(this.name, `.npy header of ${headerLen} bytes; expected at most ${MAX_HEADER_BYTES}`);
      return this.growHead(8 + lenBytes + headerLen);
    }
    this.start(parseHeader(new TextDecoder().decode(h.subarray(8 + lenBytes)), this.name), h.length);
  }

  private growHead(length: number): void {
    if (length > this.total) throw new InputError(this.name, `truncated .npy header: ${this.total} bytes, the header needs ${length}`);
    const next = allocBytes(length, this.total, '.npy header');
    next.set(this.head);
    this.head = next;
    if (this.headLen === length) this.advanceHeader(); // e.g. an empty header text
  }

  private start(header: { descr: string; fortran: boolean; shape: number[] }, dataStart: number): void {
    const m = /^([<>|=])([fiub])(\d+)$/.exec(header.descr);
    const read = m ? READERS[m[2] + m[3]] : undefined;
    if (!m || !read) throw new InputError(this.name, `unsupported dtype ${header.descr}; accepted: ${ACCEPTED_DTYPES}`);
    const size = Number(m[3]);
    const count = header.shape.reduce((a, b) => a * b, 1);
    const have = this.total - dataStart;
    const shapeText = `(${header.shape.join(', ')})`;
    if (have < count * size) throw new InputError(this.name, `truncated data: ${have} bytes, expected ${count * size} for shape ${shapeText} of ${header.descr}`);
    if (have > count * size) throw new InputError(this.name, `${have} bytes of data, expected ${count * size} for shape ${shapeText} of ${header.descr}`);
    const little = m[1] !== '>';
    const kind = m[2] as NdArray['kind'];
    const code = m[2] + m[3];
    const big = BIG_READERS[code];
    const stored = this.narrow ? 4 : 8;
    this.layout = { dtype: header.descr, kind, size, little, fortran: header.fortran, shape: header.shape, read, big, code, copy: kind === 'f' && size === stored && little === HOST_LITTLE };
    // count * size === have <= total, so this is at most 8 bytes per byte of input (u1 -> f64).
    this.values = this.narrow ? allocFloat32(count, 4 * this.total, `array ${this.name}`) : allocFloat64(count, 8 * this.total, `array ${this.name}`);
    if (big) this.exact = code === 'i8' ? new BigInt64Array(count) : new BigUint64Array(count);
  }

  private decode(bytes: Uint8Array, L: Layout): void {
    if (L.copy) {
      // a view of this chunk's span only: V8 refuses a Uint8Array over more than 4 GiB
      new Uint8Array(this.values!.buffer, this.dataAt, bytes.length).set(bytes);
      this.dataAt += bytes.length;
      return;
    }
    const values = this.values!;
    let off = 0;
    if (this.carryLen > 0) { // an element split across chunks
      const take = Math.min(L.size - this.carryLen, bytes.length);
      this.carry.set(bytes.subarray(0, take), this.carryLen);
      this.carryLen += take;
      off = take;
      if (this.carryLen < L.size) return;
      const carried = new DataView(this.carry.buffer);
      values[this.dataAt / L.size] = L.read(carried, 0, L.little);
      if (L.big) this.exact![this.dataAt / L.size] = L.big(carried, 0, L.little);
      this.dataAt += L.size;
      this.carryLen = 0;
    }
    const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    const whole = Math.floor((bytes.length - off) / L.size);
    let at = this.dataAt / L.size;
    if (L.big) for (let e = 0, o = off; e < whole; e++, o += L.size) this.exact![at + e] = L.big(view, o, L.little);
    for (let e = 0; e < whole; e++, off += L.size) values[at++] = L.read(view, off, L.little);
    this.dataAt += whole * L.size;
    this.carry.set(bytes.subarray(off));
    this.carryLen = bytes.length - off;
  }
}

/** The header's Python dict literal: descr, fortran_order, shape. */
function parseHeader(text: string, name: string): { descr: string; fortran: boolean; shape: number[] } {
  const descr = /'descr'\s*:\s*(?:'([^']*)'|(\[[^\]]{0,40}))/.exec(text);
  const fortran = /'fortran_order'\s*:\s*(True|False)/.exec(text);
  const shape = /'shape'\s*:\s*\(([^)]*)\)/.exec(text);
  if (!descr || !fortran || !shape) throw new InputError(name, 'not a valid .npy header');
  if (descr[1] === undefined) throw new InputError(name, `unsupported dtype ${descr[2]}... (a structured array); accepted: ${ACCEPTED_DTYPES}`);
  const inner = shape[1].trim().replace(/,$/, ''); // (3,) and () are NumPy's 1-d and 0-d shapes
  const dims = inner === '' ? [] : inner.split(',').map((s) => (/^\s*\d{1,16}\s*$/.test(s) ? Number(s) : NaN));
  if (dims.some((v) => !Number.isSafeInteger(v))) throw new InputError(name, `bad shape (${shape[1].slice(0, 60)})`);
  return { descr: descr[1], fortran: fortran[1] === 'True', shape: dims };
}

/** Fortran (column-major) to C (row-major) order. */
export function toCOrder<T extends Float64Array | Float32Array | BigInt64Array | BigUint64Array>(src: T, shape: number[]): T {
  const r = shape.length;
  if (r < 2) return src;
  const out = (src instanceof Float64Array ? allocFloat64(src.length, 8 * src.length, 'C-order copy')
    : src instanceof Float32Array ? allocFloat32(src.length, 4 * src.length, 'C-order copy')
    : new (src.constructor as new (n: number) => T)(src.length)) as T;
  const idx = new Array<number>(r).fill(0);
  const fStride = new Array<number>(r);
  fStride[0] = 1;
  for (let a = 1; a < r; a++) fStride[a] = fStride[a - 1] * shape[a - 1];
  for (let c = 0; c < out.length; c++) {
    let f = 0;
    for (let a = 0; a < r; a++) f += idx[a] * fStride[a];
    out[c] = src[f];
    for (let a = r - 1; a >= 0; a--) {
      if (++idx[a] < shape[a]) break;
      idx[a] = 0;
    }
  }
  return out;
}
