// Where a run may write, checked before any work: --out must not be a directory whose loss
// hurts (/, home, the working directory or one of its ancestors, the input data), and --force
// replaces only what convexformer wrote itself.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { InputError } from '../data/errors';

/** Written into every run directory; --force replaces only directories that hold it. */
export const MARKER = '.convexformer-run';

/** Every name a run directory of an older convexformer (before the marker) can hold. */
const RUN_FILES = new Set(['config.json', 'result.json', 'metrics.jsonl', 'weights.npz', 'path.json', 'path.jsonl', 'checkpoint.json', 'timing.json']);

/** The path with symlinks resolved as far as it exists (the rest appended). */
export function realish(p: string): string {
  const abs = path.resolve(p);
  try {
    return fs.realpathSync(abs);
  } catch {
    const parent = path.dirname(abs);
    return parent === abs ? abs : path.join(realish(parent), path.basename(abs));
  }
}

/** true when `inner` is `outer` or lies below it. */
function within(inner: string, outer: string): boolean {
  const rel = path.relative(outer, inner);
  return rel === '' || (!rel.startsWith('..') && !path.isAbsolute(rel));
}

/** Refuses targets whose replacement would destroy something that is not a run. */
export function checkTarget(out: string, inputs: string[], field = 'out'): string {
  if (out.trim() === '') throw new InputError(field, 'is empty; expected the path of a run directory to create');
  const abs = realish(out);
  if (path.parse(abs).root === abs) throw new InputError(field, `${out} is the root directory; expected a new directory`);
  if (abs === realish(os.homedir())) throw new InputError(field, `${out} is the home directory; expected a new directory`);
  if (within(realish(process.cwd()), abs)) {
    throw new InputError(field, `${out} is the working directory or contains it; expected a new directory`);
  }
  for (const f of inputs) {
    if (within(realish(f), abs)) throw new InputError(field, `${out} is or contains the input file ${f}; expected a new directory`);
  }
  return abs;
}

/** A directory convexformer wrote: it holds the marker, or only the files a run writes. */
export function isRunDir(dir: string): boolean {
  let names: string[];
  try {
    names = fs.readdirSync(dir);
  } catch {
    return false; // not a directory, or unreadable
  }
  if (names.includes(MARKER)) return true;
  return names.includes('config.json') && names.every((n) => RUN_FILES.has(n) || n.endsWith('.tmp'));
}

/**
 * mkdir -p without fs.mkdirSync's recursive mode, which loops forever under /proc (the kernel
 * answers ENOENT to every mkdir there, and Node's recursive mkdir retries the parent). Missing
 * ancestors are created one by one from the top, so the first failure is the answer.
 */
export function makeDirs(dir: string): void {
  const missing: string[] = [];
  for (let d = path.resolve(dir); !fs.existsSync(d); d = path.dirname(d)) {
    missing.push(d);
    if (path.dirname(d) === d) break;
  }
  for (const d of missing.reverse()) fs.mkdirSync(d);
}

/**
 * The kind of run a run directory holds: its marker's, else (older runs) its config.json's;
 * null when neither says (a run from before kinds were recorded). `force` replaces only a run of
 * the same kind: a demo --force over a fit run would otherwise delete the fit.
 */
export function runKindOf(dir: string): string | null {
  for (const file of [MARKER, 'config.json']) {
    try {
      const kind = (JSON.parse(fs.readFileSync(path.join(dir, file), 'utf8')) as { kind?: unknown })?.kind;
      if (typeof kind === 'string') return kind;
    } catch { /* absent or not JSON: try the next */ }
  }
  return null;
}

/** Refuses to replace (`force`) or continue (`resume`) a run directory of another kind. */
export function checkSameKind(dir: string, shown: string, kind: string, field: string): void {
  const found = runKindOf(dir);
  if (found !== null && found !== kind) {
    throw new InputError(field, `${shown} holds a ${found} run, not a ${kind} run; choose another directory`);
  }
}

/**
 * The directory `dir`, created with its missing parents (makeDirs) as a run directory's parents
 * are, so every command's --out may name a new folder; a failure is one line naming `field`.
 */
export function createdDir(dir: string, field: string): fs.Stats {
  try {
    makeDirs(dir);
    return fs.statSync(dir);
  } catch (e) {
    throw new InputError(field, `cannot create ${dir}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
}

function isEmptyDir(dir: string): boolean {
  try {
    return fs.readdirSync(dir).length === 0;
  } catch {
    return false;
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM'; // exists, owned by someone else
  }
}

/** Removes OUT.tmp-PID and OUT.old-PID left by runs that died (their PID is not running). */
export function removeLeftovers(abs: string): void {
  const parent = path.dirname(abs);
  const pattern = new RegExp(`^${path.basename(abs).replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}\\.(tmp|old)-(\\d+)$`);
  let names: string[];
  try {
    names = fs.readdirSync(parent);
  } catch {
    return;
  }
  for (const name of names) {
    const m = pattern.exec(name);
    const dir = path.join(parent, name);
    if (m && Number(m[2]) !== process.pid && !alive(Number(m[2])) && (isRunDir(dir) || isEmptyDir(dir))) {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  }
}
