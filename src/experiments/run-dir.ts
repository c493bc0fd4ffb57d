// A run directory appears complete or not at all: everything is written under a temporary
// name next to the destination and renamed into place at the end.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { InputError } from '../data/errors';

export interface RunDirOptions {
  force?: boolean;
  /** Work in OUT.partial, kept when the process dies, so that a later run can resume it. */
  resumable?: boolean;
  /** Continue the OUT.partial an earlier resumable run left. */
  resume?: boolean;
}

export class RunDir {
  readonly tmp: string;
  private closed = false;
  private readonly force: boolean;

  /** Creates the temporary directory now, so an unwritable --out fails before any work. */
  constructor(readonly out: string, opts: RunDirOptions | boolean = {}) {
    const o = typeof opts === 'boolean' ? { force: opts } : opts;
    this.force = !!o.force;
    const abs = path.resolve(out);
    if (fs.existsSync(abs) && !this.force) {
      throw new InputError('--out', `${out} already exists; choose a new directory or pass --force`);
    }
    this.tmp = o.resumable ? `${abs}.partial` : `${abs}.tmp-${process.pid}`;
    if (o.resumable) {
      const exists = fs.existsSync(this.tmp);
      if (o.resume && !exists) throw new InputError('--resume', `no unfinished run at ${out}.partial to resume`);
      if (!o.resume && exists) {
        if (!this.force) throw new InputError('--out', `${out}.partial holds an unfinished run; pass --resume to continue it or --force to start over`);
        fs.rmSync(this.tmp, { recursive: true, force: true });
      }
    }
    try {
      fs.mkdirSync(this.tmp, { recursive: true });
    } catch (e) {
      throw new InputError('--out', `cannot create ${out}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
    }
    // A resumable run keeps its partial directory for --resume; any other is removed on exit.
    if (!o.resumable) process.once('exit', () => this.abort());
  }

  read(name: string): string | null {
    const f = path.join(this.tmp, name);
    return fs.existsSync(f) ? fs.readFileSync(f, 'utf8') : null;
  }

  /** Writes under a temporary name and renames, so a kill never leaves half a file. */
  writeAtomic(name: string, data: string): void {
    const f = path.join(this.tmp, name);
    fs.writeFileSync(`${f}.tmp`, data);
    fs.renameSync(`${f}.tmp`, f);
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
