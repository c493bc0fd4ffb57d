// Reads run directories (and nothing else: the report never recomputes a model). Every kind the
// tool writes is accepted: fit and compare (result.json), path (path.json), and demo (a folder
// holding fit/ and compare/). Values are kept as found; html.ts checks each before showing it.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { InputError } from '../data/errors';
import { jsonKind, printable } from './text';

export type Json = Record<string, unknown>;

export interface TimedRun {
  kind: 'fit' | 'compare';
  dir: string;
  config: Json;
  result: Json;
  /** metrics.jsonl, one object per line */
  metrics: Json[];
}

export interface PathRun {
  kind: 'path';
  dir: string;
  config: Json;
  /** path.json, one object per beta */
  rows: Json[];
}

export type Run = TimedRun | PathRun;

export type Warn = (message: string) => void;

/** The subdirectories `demo` writes. */
const DEMO_PARTS = ['compare', 'fit'];

function readText(file: string): string {
  try {
    return fs.readFileSync(file, 'utf8');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new InputError(printable(file), code === 'ENOENT' ? 'missing; every run directory has one' : `cannot be read (${code ?? printable((e as Error).message)})`);
  }
}

function parseJson(text: string, where: string): unknown {
  try {
    return JSON.parse(text);
  } catch (e) {
    throw new InputError(where, `not valid JSON (${printable((e as Error).message)})`);
  }
}

function readObject(file: string): Json {
  const v = parseJson(readText(file), printable(file));
  if (jsonKind(v) !== 'an object') throw new InputError(printable(file), `holds ${jsonKind(v)}; expected a JSON object`);
  return v as Json;
}

/**
 * metrics.jsonl, one JSON object per line. A run killed mid-write leaves a torn last line: that one
 * is dropped with a warning; a bad line anywhere else means a damaged file and is an error.
 */
export function readMetrics(file: string, warn: Warn): Json[] {
  if (!fs.existsSync(file)) return [];
  const lines = readText(file).split('\n');
  let last = lines.length - 1;
  while (last >= 0 && lines[last].trim() === '') last--;
  const out: Json[] = [];
  for (let i = 0; i <= last; i++) {
    if (lines[i].trim() === '') continue;
    let v: unknown;
    let problem = '';
    try {
      v = JSON.parse(lines[i]);
      if (jsonKind(v) !== 'an object') problem = `holds ${jsonKind(v)}; expected a JSON object`;
    } catch (e) {
      problem = `not valid JSON (${printable((e as Error).message)})`;
    }
    if (!problem) { out.push(v as Json); continue; }
    if (i === last) {
      warn(`${printable(file)} line ${i + 1}: ${problem}; a torn last line (the run was stopped mid-write?); plotting the ${out.length} lines before it`);
    } else {
      throw new InputError(`${printable(file)} line ${i + 1}`, `${problem}; expected one JSON object per line`);
    }
  }
  return out;
}

function readPathRows(file: string): Json[] {
  const v = parseJson(readText(file), printable(file));
  if (!Array.isArray(v)) throw new InputError(printable(file), `holds ${jsonKind(v)}; expected an array with one object per beta`);
  v.forEach((row, i) => {
    if (jsonKind(row) !== 'an object') throw new InputError(`${printable(file)} row ${i}`, `holds ${jsonKind(row)}; expected an object`);
  });
  return v as Json[];
}

/** stat, or null when nothing is there; any other failure (a file used as a folder, no permission) is an error naming the path. */
export function statOrNull(p: string, field: string): fs.Stats | null {
  try {
    return fs.statSync(p);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return null;
    const reason = code === 'ENOTDIR' ? 'a part of the path is a file, not a directory' : `cannot be read (${code ?? printable((e as Error).message)})`;
    throw new InputError(field, `${printable(p)}: ${reason}`);
  }
}

const isFile = (f: string): boolean => statOrNull(f, printable(f))?.isFile() ?? false;

/** The runs in one directory the tool wrote: itself, or for a demo directory its parts. */
export function loadRuns(dir: string, warn: Warn): Run[] {
  const st = statOrNull(dir, 'run');
  if (!st) throw new InputError('run', `${printable(dir)} has no result.json: no such directory`);
  if (!st.isDirectory()) throw new InputError('run', `${printable(dir)} is a file; expected a run directory`);
  const file = (name: string): string => path.join(dir, name);
  if (isFile(file('path.json'))) {
    return [{ kind: 'path', dir, config: readObject(file('config.json')), rows: readPathRows(file('path.json')) }];
  }
  if (isFile(file('result.json'))) {
    const result = readObject(file('result.json'));
    // compare writes a certificate and per-model final numbers; fit writes its own numbers at the top
    const kind = 'certificate' in result || 'final' in result ? 'compare' : 'fit';
    return [{ kind, dir, config: readObject(file('config.json')), result, metrics: readMetrics(file('metrics.jsonl'), warn) }];
  }
  const parts = DEMO_PARTS.map(file).filter((d) => isFile(path.join(d, 'result.json')));
  if (parts.length > 0) return parts.flatMap((d) => loadRuns(d, warn));
  const partial = fs.existsSync(`${path.resolve(dir)}.partial`) ? `; an unfinished run is in ${printable(`${dir}.partial`)}` : '';
  throw new InputError('run', `${printable(dir)} has no result.json (fit, compare), path.json (path) or fit/ and compare/ (demo): not a run directory${partial}`);
}
