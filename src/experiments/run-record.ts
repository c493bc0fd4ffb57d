// config.json of a run directory: what ran (kind), on which data (path and a content hash) and
// with which configuration. --resume compares it with the new invocation and names what differs.
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { InputError } from '../data/errors';
import { SCHEMA_VERSION, type RunKind } from './kinds';

/** How generated data was made: the generator's name and every option it was called with. */
export interface Generator {
  name: string;
  options: Record<string, unknown>;
}

export interface RunRecord<C> {
  kind: RunKind;
  /** the layout of this record (kinds.ts's SCHEMA_VERSION when written) */
  schemaVersion: number;
  /** null: generated data, described by `generator` when the caller knows it */
  dataFile: string | null;
  /** sha256 of the data file's bytes */
  dataHash: string | null;
  /** generated data only */
  generator?: Generator;
  config: C;
}

/** sha256 of a file, read in 1 MiB chunks (data files can be larger than memory allows twice). */
export function sha256File(file: string): string {
  const hash = createHash('sha256');
  const buf = Buffer.allocUnsafe(1 << 20);
  const fd = fs.openSync(file, 'r');
  try {
    for (let n; (n = fs.readSync(fd, buf, 0, buf.length, null)) > 0;) hash.update(buf.subarray(0, n));
  } finally {
    fs.closeSync(fd);
  }
  return hash.digest('hex');
}

export function runRecord<C>(kind: RunKind, dataFile: string, config: C): RunRecord<C> {
  return { kind, schemaVersion: SCHEMA_VERSION, dataFile: path.resolve(dataFile), dataHash: sha256File(dataFile), config };
}

export function generatedRecord<C>(kind: RunKind, config: C, generator?: Generator): RunRecord<C> {
  return { kind, schemaVersion: SCHEMA_VERSION, dataFile: null, dataHash: null, ...(generator ? { generator } : {}), config };
}

const short = (h: string): string => `${h.slice(0, 12)}..`;

/** Refuses to resume a run recorded in `savedFile` with other data, another kind or other options. */
export function checkSameRun<C>(saved: RunRecord<C>, now: RunRecord<C>, savedFile: string): void {
  // the generator's options are data, like the hash of a file
  if (JSON.stringify(saved.generator ?? null) !== JSON.stringify(now.generator ?? null)) {
    throw new InputError('resume', `generated data differs: ${JSON.stringify(saved.generator ?? null)} in ${savedFile}, ${JSON.stringify(now.generator ?? null)} now`);
  }
  if (saved.kind !== now.kind) throw new InputError('resume', `kind differs: ${saved.kind} in ${savedFile}, ${now.kind} now`);
  if (saved.dataHash !== now.dataHash) {
    throw new InputError('resume', `data differs: sha256 ${short(String(saved.dataHash))} (${saved.dataFile}) in ${savedFile}, ${short(String(now.dataHash))} (${now.dataFile}) now`);
  }
  const a = (saved.config ?? {}) as Record<string, unknown>;
  const b = now.config as Record<string, unknown>;
  const keys = [...new Set([...Object.keys(a), ...Object.keys(b)])].sort();
  const differs = keys.filter((k) => JSON.stringify(a[k]) !== JSON.stringify(b[k]))
    .map((k) => `${k} ${JSON.stringify(a[k]) ?? 'unset'} there, ${JSON.stringify(b[k]) ?? 'unset'} now`);
  if (differs.length) throw new InputError('resume', `options differ from ${savedFile}: ${differs.join('; ')}`);
}
