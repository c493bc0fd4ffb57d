// The parts of the zip format an .npz uses, read from the end of the file at offsets (no size
// limit, zip64 included): the central directory lists the entries; an entry's bytes are read only
// when asked for, streamed in chunks, and their CRC-32 and sizes checked. Every size is checked
// against the file before anything is allocated.
import { Inflate } from 'fflate';
import { allocBytes, OutOfMemory } from './alloc';
import { crc32 } from './crc32';
import { InputError, quote } from './errors';
import type { ByteSource } from './source';

export interface ZipEntry {
  name: string;
  /** the name's bytes, to compare with the local header's */
  rawName: Uint8Array;
  flags: number;
  method: number;
  crc: number;
  compressedSize: number;
  size: number;
  localOffset: number;
}

export interface ZipDirectory {
  entries: ZipEntry[];
  /** where the central directory starts: every entry's data lies before it */
  dataEnd: number;
}

const EOCD = 0x06054b50, EOCD64 = 0x06064b50, EOCD64_LOCATOR = 0x07064b50;
const CENTRAL = 0x02014b50, LOCAL = 0x04034b50;
const U16_MAX = 0xffff, U32_MAX = 0xffffffff;
/** Deflate cannot expand data more than 1032:1 (258-byte matches coded in 2 bits). */
const MAX_DEFLATE_RATIO = 1032;
/** fflate inflates all it is given at once, so feed it little at a time to bound its buffers. */
const INFLATE_FEED = 1 << 16;

const structural = (src: ByteSource, detail: string) => new InputError('data', `${src.label} is not a readable .npz (zip) file: ${detail}`);

function readAt(src: ByteSource, position: number, length: number, what: string): DataView {
  if (position < 0 || position + length > src.size) throw structural(src, `${what} at byte ${position} runs past the end (${src.size} bytes)`);
  const buf = allocBytes(length, src.size, what);
  src.readInto(buf, position);
  return new DataView(buf.buffer);
}

const u64 = (v: DataView, at: number) => Number(v.getBigUint64(at, true)); // exact below 2^53; larger is refused as past the end

/** Finds the end-of-central-directory record: the last 22 + comment bytes of the file. */
function findEnd(src: ByteSource): { at: number; v: DataView } {
  const tailLength = Math.min(src.size, 22 + U16_MAX);
  const tail = readAt(src, src.size - tailLength, tailLength, 'end of file');
  for (let i = tailLength - 22; i >= 0; i--) {
    if (tail.getUint32(i, true) === EOCD && i + 22 + tail.getUint16(i + 20, true) === tailLength) {
      return { at: src.size - tailLength + i, v: new DataView(tail.buffer, i, 22) };
    }
  }
  const head = src.size >= 2 ? new Uint8Array(readAt(src, 0, 2, 'first bytes').buffer) : new Uint8Array(2);
  if (head[0] === 0x80 && head[1] >= 2 && head[1] <= 5) { // pickle protocols 2-5
    throw structural(src, 'it is a Python pickle (an old torch.save file?); save the arrays with NumPy instead: np.savez(f, X=X.numpy(), y=y.numpy())');
  }
  throw structural(src, 'no end-of-central-directory record (truncated, or not a zip)');
}

export function readDirectory(src: ByteSource): ZipDirectory {
  const end = findEnd(src);
  const e = end.v;
  if (e.getUint16(4, true) !== 0 || e.getUint16(6, true) !== 0) throw structural(src, 'multi-disk archives are not supported');
  let count = e.getUint16(10, true);
  let cdSize = e.getUint32(12, true);
  let cdOffset = e.getUint32(16, true);
  let cdEnd = end.at; // where the central directory must end
  if (e.getUint16(8, true) !== count) throw structural(src, `end record counts ${e.getUint16(8, true)} and ${count} entries`);
  if (end.at >= 20 && readAt(src, end.at - 20, 4, 'zip64 locator').getUint32(0, true) === EOCD64_LOCATOR) {
    const loc = readAt(src, end.at - 20, 20, 'zip64 locator');
    const at = u64(loc, 8);
    if (at + 56 > end.at - 20) throw structural(src, `zip64 end record at byte ${at} is past its locator`);
    const z = readAt(src, at, 56, 'zip64 end record');
    if (z.getUint32(0, true) !== EOCD64) throw structural(src, `no zip64 end record at byte ${at}`);
    // the record (12 bytes + its stated size) ends where the locator starts, as Python reads it
    if (at + 12 + u64(z, 4) !== end.at - 20) throw structural(src, `zip64 end record at byte ${at} does not end at its locator (byte ${end.at - 20})`);
    const [c64, size64, offset64] = [u64(z, 32), u64(z, 40), u64(z, 48)];
    if (u64(z, 24) !== c64 || z.getUint32(16, true) !== 0 || z.getUint32(20, true) !== 0) throw structural(src, 'zip64 end record: inconsistent disk or entry counts');
    if ((count !== U16_MAX && count !== c64) || (cdSize !== U32_MAX && cdSize !== size64) || (cdOffset !== U32_MAX && cdOffset !== offset64)) {
      throw structural(src, 'the zip64 end record disagrees with the end record');
    }
    [count, cdSize, cdOffset, cdEnd] = [c64, size64, offset64, at];
  }
  if (cdOffset + cdSize !== cdEnd) throw structural(src, `central directory at byte ${cdOffset} of ${cdSize} bytes should end at byte ${cdEnd}`);
  if (count * 46 > cdSize) throw structural(src, `${count} entries cannot fit in a ${cdSize}-byte central directory`);
  const cd = readAt(src, cdOffset, cdSize, 'central directory');
  const entries: ZipEntry[] = [];
  let p = 0;
  for (let k = 0; k < count; k++) {
    const entry = parseCentralEntry(src, cd, p, cdOffset);
    entries.push(entry.entry);
    p = entry.next;
  }
  if (p !== cdSize) throw structural(src, `central directory holds ${cdSize - p} bytes after its ${count} entries`);
  // Nothing checksums the central directory: a damaged name would silently rename or hide an
  // array. Each entry's local header repeats its name, so compare them (no data is read).
  for (const e of entries) dataStart(src, e, cdOffset, (detail) => structural(src, `entry ${quote(e.name)}: ${detail}`));
  return { entries, dataEnd: cdOffset };
}

function parseCentralEntry(src: ByteSource, cd: DataView, p: number, cdOffset: number): { entry: ZipEntry; next: number } {
  const where = `central directory entry at byte ${cdOffset + p}`;
  if (p + 46 > cd.byteLength || cd.getUint32(p, true) !== CENTRAL) throw structural(src, `bad ${where}`);
  const nameLen = cd.getUint16(p + 28, true), extraLen = cd.getUint16(p + 30, true), commentLen = cd.getUint16(p + 32, true);
  const next = p + 46 + nameLen + extraLen + commentLen;
  if (next > cd.byteLength) throw structural(src, `${where} runs past the directory`);
  const rawName = new Uint8Array(cd.buffer, p + 46, nameLen);
  const flags = cd.getUint16(p + 8, true);
  let name: string;
  try {
    // bit 11: UTF-8 (Python sets it for non-ASCII keys); otherwise read as Latin-1, ASCII either way
    name = new TextDecoder(flags & 0x800 ? 'utf-8' : 'latin1', { fatal: true }).decode(rawName);
  } catch {
    throw structural(src, `${where}: name is not valid UTF-8`);
  }
  let size = cd.getUint32(p + 24, true), compressedSize = cd.getUint32(p + 20, true), localOffset = cd.getUint32(p + 42, true);
  if (size === U32_MAX || compressedSize === U32_MAX || localOffset === U32_MAX || cd.getUint16(p + 34, true) === U16_MAX) {
    // zip64 extra field (id 1): 8-byte values for exactly the fields saturated above, in this order
    const z = findExtra(cd, p + 46 + nameLen, extraLen, 1);
    if (!z) throw structural(src, `${where} (${quote(name)}): sizes need a zip64 extra field, none found`);
    let q = z.start;
    const take = () => {
      if (q + 8 > z.end) throw structural(src, `${where} (${quote(name)}): zip64 extra field too short`);
      q += 8;
      return u64(cd, q - 8);
    };
    if (size === U32_MAX) size = take();
    if (compressedSize === U32_MAX) compressedSize = take();
    if (localOffset === U32_MAX) localOffset = take();
  }
  const entry = { name, rawName, flags, method: cd.getUint16(p + 10, true), crc: cd.getUint32(p + 16, true), compressedSize, size, localOffset };
  return { entry, next };
}

function findExtra(v: DataView, start: number, length: number, id: number): { start: number; end: number } | undefined {
  for (let q = start; q + 4 <= start + length;) {
    const len = v.getUint16(q + 2, true);
    if (v.getUint16(q, true) === id) return { start: q + 4, end: Math.min(q + 4 + len, start + length) };
    q += 4 + len;
  }
  return undefined;
}

/** Checks the entry's local header against the central directory; returns where its data starts. */
function dataStart(src: ByteSource, e: ZipEntry, dataEnd: number, fail: (detail: string) => InputError): number {
  const nameLen = e.rawName.length;
  if (e.localOffset + 30 + nameLen > dataEnd) throw fail(`local header at byte ${e.localOffset} is past the data`);
  const local = readAt(src, e.localOffset, 30 + nameLen, 'local header');
  if (local.getUint32(0, true) !== LOCAL || local.getUint16(8, true) !== e.method || local.getUint16(26, true) !== nameLen) {
    throw fail('local header does not match the central directory');
  }
  for (let i = 0; i < nameLen; i++) if (local.getUint8(30 + i) !== e.rawName[i]) throw fail('local header names another entry');
  return e.localOffset + 30 + nameLen + local.getUint16(28, true);
}

/**
 * Streams one entry's uncompressed bytes to `sink` in chunks of at most `chunkSize` (and at most
 * the entry's size in total), then checks size and CRC-32. `field` names the entry in errors.
 */
export function streamEntry(src: ByteSource, dir: ZipDirectory, e: ZipEntry, field: string, sink: (chunk: Uint8Array) => void, chunkSize: number): void {
  const fail = (detail: string) => new InputError(field, `${detail} (zip entry ${quote(e.name)} in ${src.label})`);
  if (e.flags & 1) throw fail('is encrypted');
  if (e.method !== 0 && e.method !== 8) throw fail(`uses zip compression method ${e.method}; expected 0 (stored, np.savez) or 8 (deflate, np.savez_compressed)`);
  const start = dataStart(src, e, dir.dataEnd, fail);
  if (start + e.compressedSize > dir.dataEnd) throw fail(`${e.compressedSize} bytes at byte ${start} run past the data (${dir.dataEnd})`);
  if (e.method === 0 && e.compressedSize !== e.size) throw fail(`stored entry of ${e.compressedSize} bytes says it holds ${e.size}`);
  if (e.method === 8 && e.size > e.compressedSize * MAX_DEFLATE_RATIO + 64) {
    throw fail(`${e.compressedSize} deflated bytes cannot expand to the ${e.size} the zip announces`);
  }
  let crc = 0;
  let produced = 0;
  // A decoding error may come from damage: read on to the CRC, and report damage if it shows.
  let sinkError: unknown;
  const out = (data: Uint8Array) => {
    produced += data.length;
    if (produced > e.size) throw fail(`inflates to more than the ${e.size} bytes the zip announces`);
    crc = crc32(data, crc);
    if (sinkError === undefined) {
      try {
        sink(data);
      } catch (err) {
        // Memory running out is no sign of damage (the sizes were checked against the file
        // before anything was allocated): say so now rather than after reading the whole entry.
        if (err instanceof OutOfMemory) throw err;
        sinkError = err;
      }
    }
  };
  const inflater = e.method === 8 ? new Inflate((data) => out(data)) : undefined;
  const push = (piece: Uint8Array, final: boolean) => {
    try {
      inflater!.push(piece, final);
    } catch (err) {
      if (err instanceof InputError) throw err;
      throw fail(`deflate data is damaged (${(err as Error).message})`);
    }
  };
  const buf = allocBytes(Math.min(chunkSize, e.compressedSize), chunkSize, 'read buffer');
  let done = 0;
  do {
    const piece = buf.subarray(0, Math.min(buf.length, e.compressedSize - done));
    src.readInto(piece, start + done);
    done += piece.length;
    if (!inflater) out(piece);
    else for (let q = 0; q === 0 || q < piece.length; q += INFLATE_FEED) {
      push(piece.subarray(q, q + INFLATE_FEED), done === e.compressedSize && q + INFLATE_FEED >= piece.length);
    }
  } while (done < e.compressedSize);
  if (produced !== e.size) throw fail(`holds ${produced} bytes; the zip announces ${e.size}`);
  if (crc !== e.crc) throw fail(`the bytes are damaged: their CRC-32 is 0x${hex(crc)}, the zip says 0x${hex(e.crc)}`);
  if (sinkError !== undefined) throw sinkError;
}

const hex = (v: number) => v.toString(16).padStart(8, '0');
