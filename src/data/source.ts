// Random-access reads of a file (or of bytes in memory, for tests), so a file of any size is
// read piece by piece at offsets: fs.readFileSync stops at 2 GiB.
import * as fs from 'node:fs';
import { InputError, quote } from './errors';

export interface ByteSource {
  readonly size: number;
  /** for messages: the file name, quoted */
  readonly label: string;
  /** Fills `dst` with the bytes at [position, position + dst.length); that range lies inside the source. */
  readInto(dst: Uint8Array, position: number): void;
  close(): void;
}

function ioError(file: string, e: unknown): InputError {
  return new InputError('data', `cannot read ${quote(file, 200)}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
}

export function fileSource(file: string): ByteSource {
  let fd: number;
  let size: number;
  try {
    fd = fs.openSync(file, 'r');
    const st = fs.fstatSync(fd);
    if (st.isDirectory()) throw Object.assign(new Error('is a directory'), { code: 'EISDIR' });
    size = st.size;
  } catch (e) {
    throw ioError(file, e);
  }
  const label = quote(file, 200);
  return {
    size,
    label,
    readInto(dst, position) {
      let done = 0;
      while (done < dst.length) {
        let n: number;
        try {
          n = fs.readSync(fd, dst, done, dst.length - done, position + done);
        } catch (e) {
          throw ioError(file, e);
        }
        if (n === 0) throw new InputError('data', `${label} ended at byte ${position + done}; it was ${size} bytes when opened (changed while reading?)`);
        done += n;
      }
    },
    close: () => fs.closeSync(fd),
  };
}

export function memorySource(bytes: Uint8Array, name: string): ByteSource {
  return {
    size: bytes.length,
    label: quote(name, 200),
    readInto: (dst, position) => dst.set(bytes.subarray(position, position + dst.length)),
    close: () => undefined,
  };
}
