// A run directory appears complete or not at all: everything is written under a temporary
// name next to the destination and renamed into place at the end.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { InputError } from '../data/errors';

export class RunDir {
  readonly tmp: string;
  private closed = false;

  /** Creates the temporary directory now, so an unwritable --out fails before any work. */
  constructor(readonly out: string, private readonly force = false) {
    const abs = path.resolve(out);
    if (fs.existsSync(abs) && !force) {
      throw new InputError('--out', `${out} already exists; choose a new directory or pass --force`);
    }
    this.tmp = `${abs}.tmp-${process.pid}`;
    try {
      fs.mkdirSync(this.tmp, { recursive: true });
    } catch (e) {
      throw new InputError('--out', `cannot create ${out}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
    }
    const cleanup = (): void => this.abort();
    process.once('exit', cleanup);
  }

  write(name: string, data: string | Uint8Array): void {
    fs.writeFileSync(path.join(this.tmp, name), data);
  }

  writeJson(name: string, value: unknown): void {
    this.write(name, JSON.stringify(value, null, 2) + '\n');
  }

  /** Moves the finished directory into place (replacing an old one only with --force). */
  commit(): void {
    const abs = path.resolve(this.out);
    if (this.force && fs.existsSync(abs)) fs.rmSync(abs, { recursive: true, force: true });
    fs.renameSync(this.tmp, abs);
    this.closed = true;
  }

  /** Removes the partial output; called on failure and on exit. */
  abort(): void {
    if (this.closed) return;
    this.closed = true;
    fs.rmSync(this.tmp, { recursive: true, force: true });
  }
}
