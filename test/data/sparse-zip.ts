// Writes a stored zip whose entries start after a hole of `gap` bytes, as a sparse file: a
// "5 GiB" .npz that takes a few kB of disk, so the over-4-GiB (zip64) read path runs in the
// suite. Entry offsets above 4 GiB go in zip64 extra fields, as Python's zipfile writes them.
import * as fs from 'node:fs';
import { crc32 } from '../../src/data/crc32';

const U32_MAX = 0xffffffff;

export function writeSparseZip(file: string, gap: number, entries: Record<string, Uint8Array>): void {
  const fd = fs.openSync(file, 'w');
  const central: Buffer[] = [];
  let at = gap;
  const put = (b: Buffer) => { fs.writeSync(fd, b, 0, b.length, at); at += b.length; };
  for (const [name, data] of Object.entries(entries)) {
    const nameBytes = Buffer.from(name);
    const crc = crc32(data);
    const local = Buffer.alloc(30);
    local.writeUInt32LE(0x04034b50, 0); local.writeUInt16LE(45, 4);
    local.writeUInt32LE(crc, 14); local.writeUInt32LE(data.length, 18); local.writeUInt32LE(data.length, 22);
    local.writeUInt16LE(nameBytes.length, 26);
    const offset = at;
    put(local); put(nameBytes); put(Buffer.from(data));
    const big = offset > U32_MAX;
    const extra = Buffer.alloc(big ? 12 : 0);
    if (big) { extra.writeUInt16LE(1, 0); extra.writeUInt16LE(8, 2); extra.writeBigUInt64LE(BigInt(offset), 4); }
    const c = Buffer.alloc(46);
    c.writeUInt32LE(0x02014b50, 0); c.writeUInt16LE(45, 4); c.writeUInt16LE(45, 6);
    c.writeUInt32LE(crc, 16); c.writeUInt32LE(data.length, 20); c.writeUInt32LE(data.length, 24);
    c.writeUInt16LE(nameBytes.length, 28); c.writeUInt16LE(extra.length, 30);
    c.writeUInt32LE(big ? U32_MAX : offset, 42);
    central.push(c, nameBytes, extra);
  }
  const cdOffset = at;
  const cd = Buffer.concat(central);
  put(cd);
  const count = Object.keys(entries).length;
  const zip64At = at;
  const z = Buffer.alloc(56 + 20);
  z.writeUInt32LE(0x06064b50, 0); z.writeBigUInt64LE(44n, 4); z.writeUInt16LE(45, 12); z.writeUInt16LE(45, 14);
  z.writeBigUInt64LE(BigInt(count), 24); z.writeBigUInt64LE(BigInt(count), 32);
  z.writeBigUInt64LE(BigInt(cd.length), 40); z.writeBigUInt64LE(BigInt(cdOffset), 48);
  z.writeUInt32LE(0x07064b50, 56); z.writeBigUInt64LE(BigInt(zip64At), 64); z.writeUInt32LE(1, 72);
  put(z);
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0); end.writeUInt16LE(count, 8); end.writeUInt16LE(count, 10);
  end.writeUInt32LE(cd.length, 12); end.writeUInt32LE(Math.min(cdOffset, U32_MAX), 16);
  put(end);
  fs.closeSync(fd);
}
