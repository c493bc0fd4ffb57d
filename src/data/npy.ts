// NumPy .npy (format versions 1-3): read float/int/uint/bool arrays in C or Fortran order,
// little or big endian; write float64, float32, int32 and int64 arrays NumPy loads unchanged.
import { InputError } from './errors';

export type NpyData = Float64Array | Float32Array | Int32Array | BigInt64Array | Uint8Array;

export interface NdArray {
  /** NumPy dtype string as read, e.g. '<f8' */
  dtype: string;
  shape: number[];
  /** 'f' float, 'i' signed int, 'u' unsigned int, 'b' bool */
  kind: 'f' | 'i' | 'u' | 'b';
  /** the values in C order, widened to float64 (exact for every integer a label can be) */
  values: Float64Array;
}

const MAGIC = [0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59]; // \x93NUMPY

function parseHeader(text: string, name: string): { descr: string; fortran: boolean; shape: number[] } {
  const descr = /'descr'\s*:\s*'([^']+)'/.exec(text);
  const fortran = /'fortran_order'\s*:\s*(True|False)/.exec(text);
  const shape = /'shape'\s*:\s*\(([^)]*)\)/.exec(text);
  if (!descr || !fortran || !shape) throw new InputError(name, 'not a valid .npy header');
  const dims = shape[1].split(',').map((s) => s.trim()).filter((s) => s.length > 0).map(Number);
  if (dims.some((v) => !Number.isInteger(v) || v < 0)) throw new InputError(name, `bad shape (${shape[1]})`);
  return { descr: descr[1], fortran: fortran[1] === 'True', shape: dims };
}

function readElement(view: DataView, off: number, kind: string, size: number, little: boolean): number {
  switch (`${kind}${size}`) {
    case 'f8': return view.getFloat64(off, little);
    case 'f4': return view.getFloat32(off, little);
    case 'i8': return Number(view.getBigInt64(off, little));
    case 'i4': return view.getInt32(off, little);
    case 'i2': return view.getInt16(off, little);
    case 'i1': return view.getInt8(off);
    case 'u8': return Number(view.getBigUint64(off, little));
    case 'u4': return view.getUint32(off, little);
    case 'u2': return view.getUint16(off, little);
    case 'u1': case 'b1': return view.getUint8(off);
    default: throw new Error('unreachable');
  }
}

/** Parses one .npy file; `name` is used in error messages (the array's key). */
export function parseNpy(bytes: Uint8Array, name: string): NdArray {
  if (bytes.length < 10 || MAGIC.some((b, i) => bytes[i] !== b)) throw new InputError(name, 'not a .npy array (bad magic)');
  const major = bytes[6];
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const lenBytes = major === 1 ? 2 : 4;
  if (major < 1 || major > 3) throw new InputError(name, `unsupported .npy version ${major}`);
  const headerLen = lenBytes === 2 ? view.getUint16(8, true) : view.getUint32(8, true);
  const start = 8 + lenBytes + headerLen;
  if (bytes.length < start) throw new InputError(name, 'truncated .npy header');
  const header = parseHeader(new TextDecoder().decode(bytes.subarray(8 + lenBytes, start)), name);
  const m = /^([<>|=])([fiub])(\d+)$/.exec(header.descr);
  if (!m || !['f8', 'f4', 'i8', 'i4', 'i2', 'i1', 'u8', 'u4', 'u2', 'u1', 'b1'].includes(m[2] + m[3])) {
    throw new InputError(name, `unsupported dtype ${header.descr} (expected float, int, uint or bool)`);
  }
  const kind = m[2] as NdArray['kind'];
  const size = Number(m[3]);
  const little = m[1] !== '>';
  const count = header.shape.reduce((a, b) => a * b, 1);
  if (bytes.length - start < count * size) {
    throw new InputError(name, `truncated data: ${bytes.length - start} bytes, expected ${count * size}`);
  }
  const values = new Float64Array(count);
  if (kind === 'f' && size === 8 && little && (bytes.byteOffset + start) % 8 === 0) {
    values.set(new Float64Array(bytes.buffer, bytes.byteOffset + start, count));
  } else if (kind === 'f' && size === 4 && little && (bytes.byteOffset + start) % 4 === 0) {
    values.set(new Float32Array(bytes.buffer, bytes.byteOffset + start, count));
  } else {
    for (let i = 0; i < count; i++) values[i] = readElement(view, start + i * size, kind, size, little);
  }
  return { dtype: header.descr, shape: header.shape, kind, values: header.fortran ? toCOrder(values, header.shape) : values };
}

/** Fortran (column-major) to C (row-major) order. */
function toCOrder(src: Float64Array, shape: number[]): Float64Array {
  const r = shape.length;
  if (r < 2) return src;
  const out = new Float64Array(src.length);
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

function descrOf(data: NpyData): string {
  if (data instanceof Float64Array) return '<f8';
  if (data instanceof Float32Array) return '<f4';
  if (data instanceof Int32Array) return '<i4';
  if (data instanceof BigInt64Array) return '<i8';
  return '|u1';
}

/** Serialises a C-order array as .npy version 1.0 (little endian, 64-byte aligned header). */
export function encodeNpy(data: NpyData, shape: number[]): Uint8Array {
  const count = shape.reduce((a, b) => a * b, 1);
  if (count !== data.length) throw new Error(`encodeNpy: ${data.length} values for shape (${shape.join(', ')})`);
  const shapeText = shape.length === 1 ? `(${shape[0]},)` : `(${shape.join(', ')})`;
  let header = `{'descr': '${descrOf(data)}', 'fortran_order': False, 'shape': ${shapeText}, }`;
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
