// A run directory appears complete or not at all: everything is written under a temporary
// name next to the destination and renamed into place at the end. Every run directory holds
// the marker file (MARKER), so that --force can tell a run from anything else. Errors name the
// options `out`, `force`, `resume` (the CLI shows their flags).
import * as fs from 'node:fs';
import * as path from 'node:path';
import { joinArrays, splitArrays } from './checkpoint-arrays';
import { parentPort } from 'node:worker_threads';
import { InputError } from '../data/errors';
import { MARKER, checkSameKind, checkTarget, isRunDir, makeDirs, removeLeftovers } from './out-path';
import type { RunKind } from './kinds';
import type { RunRecord } from './run-record';

export type { RunKind } from './kinds';

/** The standard files of a run directory (src/experiments/kinds.ts lists which kind holds which). */
export const RUN_FILES = { config: 'config.json', metrics: 'metrics.jsonl', result: 'result.json', checkpoint: 'checkpoint.json' } as const;

export interface RunDirOptions {
  kind: RunKind;
  force?: boolean;
  /** Work in OUT.partial, kept when the process dies, so that a later run can resume it. */
  resumable?: boolean;
  /** Continue the OUT.partial an earlier resumable run left. */
  resume?: boolean;
  /** Input files: --out may neither be one nor contain one. */
  inputs?: string[];
}

/**
 * Tells the CLI's main thread (src/cli/main.ts), which runs the command in a worker, which
 * temporary directory to remove if SIGINT or SIGTERM ends the run (a signal handler in the
 * thread that computes would only run once the computation is over), and which partial
 * directory a signal leaves for --resume, so that it can say so.
 */
function announce(msg: { removeOnSignal: string } | { resumable: string } | { release: string }): void {
  parentPort?.postMessage({ convexformerTempDir: msg });
}

export class RunDir {
  readonly tmp: string;
  private readonly abs: string;
  private closed = false;
  private readonly force: boolean;
  readonly kind: RunKind;

  /** Checks the target and creates the temporary directory now, so a bad --out fails before any work. */
  constructor(readonly out: string, o: RunDirOptions) {
    this.force = !!o.force;
    this.kind = o.kind;
    this.abs = checkTarget(out, o.inputs ?? []);
    removeLeftovers(this.abs);
    if (fs.existsSync(this.abs)) {
      if (!this.force) throw new InputError('out', `${out} already exists; choose a new directory or pass \`force\``);
      if (!isRunDir(this.abs)) {
        throw new InputError('out', `${out} exists and is not a convexformer run directory (no ${MARKER}); \`force\` replaces only run directories`);
      }
      checkSameKind(this.abs, out, o.kind, 'force');
    }
    this.tmp = o.resumable ? `${this.abs}.partial` : `${this.abs}.tmp-${process.pid}`;
    const partialExists = o.resumable && fs.existsSync(this.tmp);
    if (o.resumable) {
      if (o.resume && !partialExists) throw new InputError('resume', `no unfinished run at ${out}.partial to resume`);
      if (partialExists && !isRunDir(this.tmp)) {
        throw new InputError('out', `${out}.partial exists and is not a convexformer run directory (no ${MARKER}); move it away`);
      }
      if (partialExists && (o.resume || this.force)) checkSameKind(this.tmp, `${out}.partial`, o.kind, o.resume ? 'resume' : 'force');
      if (!o.resume && partialExists) {
        if (!this.force) throw new InputError('out', `${out}.partial holds an unfinished run; pass \`resume\` to continue it or \`force\` to start over`);
        fs.rmSync(this.tmp, { recursive: true, force: true });
      }
    }
    if (!(o.resume && partialExists)) {
      try {
        makeDirs(path.dirname(this.tmp));
        fs.mkdirSync(this.tmp);
      } catch (e) {
        throw new InputError('out', `cannot create ${this.tmp}: ${(e as Error).message}`);
      }
    }
    this.write(MARKER, JSON.stringify({ kind: o.kind }) + '\n');
    // A resumable run keeps its partial directory for --resume; any other is removed on exit.
    if (!o.resumable) {
      process.once('exit', () => this.abort());
      announce({ removeOnSignal: this.tmp });
    } else {
      announce({ resumable: this.tmp });
    }
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

  /** config.json: the kind, schema version, data (file and hash, or generator) and full configuration. */
  writeConfig<C>(record: RunRecord<C>): void {
    if (record.kind !== this.kind) throw new Error(`a ${record.kind} record in a ${this.kind} run directory`);
    this.writeJson(RUN_FILES.config, record);
  }

  /** Appends lines to metrics.jsonl, one JSON object per line; with none, the file exists, empty. */
  appendMetrics(lines: readonly object[]): void {
    fs.appendFileSync(path.join(this.tmp, RUN_FILES.metrics), lines.map((l) => JSON.stringify(l)).join('\n') + (lines.length ? '\n' : ''));
  }

  writeResult(result: unknown): void {
    this.writeJson(RUN_FILES.result, result);
  }

  /**
   * checkpoint.json, replaced atomically: a run killed while saving keeps the previous one. Its
   * large arrays go to a new checkpoint.N.npz first (checkpoint-arrays.ts), which the JSON names,
   * so the JSON's rename is the one commit point; the older .npz files go after it.
   */
  writeCheckpoint(state: unknown): void {
    const { json, npz } = splitArrays(state);
    let arrays: string | null = null;
    if (npz) {
      // one past the newest on disk (a resumed run's process starts after the killed one's files)
      const newest = Math.max(0, ...this.checkpointArrayFiles().map((n) => Number(n.split('.')[1])));
      arrays = `checkpoint.${newest + 1}.npz`;
      const f = path.join(this.tmp, arrays);
      fs.writeFileSync(`${f}.tmp`, npz);
      fs.renameSync(`${f}.tmp`, f);
    }
    // the state's own fields stay at the top (a reader of checkpoint.json finds its step where it was)
    this.writeAtomic(RUN_FILES.checkpoint, JSON.stringify(arrays ? { ...(json as object), $arrays: arrays } : json));
    for (const name of this.checkpointArrayFiles()) if (name !== arrays) fs.rmSync(path.join(this.tmp, name), { force: true });
  }

  readCheckpoint(): unknown {
    const text = this.read(RUN_FILES.checkpoint);
    if (text === null) return null;
    const { $arrays, ...state } = JSON.parse(text) as { $arrays?: unknown };
    // a checkpoint without arrays (or written before they moved out) is the state itself
    if (typeof $arrays !== 'string') return state;
    return joinArrays(state, fs.readFileSync(path.join(this.tmp, path.basename($arrays))));
  }

  /** A finished run keeps no checkpoint. */
  removeCheckpoint(): void {
    fs.rmSync(path.join(this.tmp, RUN_FILES.checkpoint), { force: true });
    for (const name of this.checkpointArrayFiles()) fs.rmSync(path.join(this.tmp, name), { force: true });
  }

  private checkpointArrayFiles(): string[] {
    return fs.readdirSync(this.tmp).filter((n) => /^checkpoint\.\d+\.npz$/.test(n));
  }

  /** Moves the finished directory into place; an old run there (--force) goes only after that. */
  commit(): void {
    if (fs.existsSync(this.abs)) {
      if (!this.force || !isRunDir(this.abs)) {
        this.closed = true; // keep the results
        throw new InputError('out', `${this.out} appeared while the run was working; results left in ${this.tmp}`);
      }
      const old = `${this.abs}.old-${process.pid}`;
      fs.renameSync(this.abs, old);
      fs.renameSync(this.tmp, this.abs);
      fs.rmSync(old, { recursive: true, force: true });
    } else {
      fs.renameSync(this.tmp, this.abs);
    }
    this.closed = true;
    announce({ release: this.tmp });
  }

  /** Removes the partial output; called on failure and on exit. */
  abort(): void {
    if (this.closed) return;
    this.closed = true;
    fs.rmSync(this.tmp, { recursive: true, force: true });
    announce({ release: this.tmp });
  }
}
