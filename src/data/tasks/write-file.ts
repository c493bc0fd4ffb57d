// Writes an exported data file whole or not at all: to a temporary name beside the target, then
// renamed over it, so an interrupted export never leaves half a file under the name asked for.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { InputError, quote } from '../errors';

/** Refuses an empty name, a directory, and an existing file unless `force` (the field `out`). */
export function writeFileWhole(out: string, bytes: Uint8Array, force: boolean): void {
  if (out.trim() === '') throw new InputError('out', 'is empty; expected the path of a file to write');
  let existing: fs.Stats | null = null;
  try {
    existing = fs.statSync(out);
  } catch { /* absent: the usual case */ }
  if (existing?.isDirectory() || /[/\\]$/.test(out)) throw new InputError('out', `${quote(out)} is a directory; expected a file to write`);
  if (existing && !force) throw new InputError('out', `${quote(out)} exists; pass \`force\` to replace it`);
  const tmp = path.join(path.dirname(path.resolve(out)), `.${path.basename(out)}.tmp-${process.pid}`);
  try {
    fs.writeFileSync(tmp, bytes, { flag: 'wx' });
    fs.renameSync(tmp, out);
  } catch (e) {
    fs.rmSync(tmp, { force: true });
    throw new InputError('out', `cannot write ${quote(out)}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
}
