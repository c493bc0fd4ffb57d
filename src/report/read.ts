// Reading the files of a run directory: every failure is one line naming the file and what was
// expected. A torn last line of metrics.jsonl (a run killed mid-write) is dropped with a warning.
import * as fs from 'node:fs';
import { InputError } from '../data/errors';
import type { Json, Warn } from './runs';
import { jsonKind, printable } from './text';

export function readText(file: string): string {
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

export function readObject(file: string): Json {
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

/** A JSON array of objects (path.json: one per beta). */
export function readRows(file: string): Json[] {
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
