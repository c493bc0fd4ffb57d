// Reads run directories (and nothing else: the report never recomputes a model). The kind comes
// from config.json, which every run directory holds; the section module of that kind
// (sections/index.ts) reads the rest. A demo directory contributes itself and its parts.
import * as path from 'node:path';
import { InputError } from '../data/errors';
import { isRunKind, runKinds } from '../experiments/kinds';
import type { Run, Warn } from './runs';
import { readObject, statOrNull } from './read';
import { sectionOf } from './sections';
import { printable } from './text';

export type { Json, Run, TimedRun, PathRun, DemoRun, Warn } from './runs';
export { readMetrics, statOrNull } from './read';

/** The runs in one directory the tool wrote: itself, and for a demo directory its parts. */
export function loadRuns(dir: string, warn: Warn): Run[] {
  const st = statOrNull(dir, 'run');
  if (!st) throw new InputError('run', `${printable(dir)} has no result.json: no such directory`);
  if (!st.isDirectory()) throw new InputError('run', `${printable(dir)} is a file; expected a run directory`);
  const configFile = path.join(dir, 'config.json');
  if (!statOrNull(configFile, printable(configFile))?.isFile()) {
    const partial = statOrNull(`${path.resolve(dir)}.partial`, 'run') ? `; an unfinished run is in ${printable(`${dir}.partial`)}` : '';
    throw new InputError(printable(configFile), `missing: not a run directory (every run directory records its kind there: ${runKinds().join(', ')})${partial}`);
  }
  const config = readObject(configFile);
  if (!isRunKind(config.kind)) {
    const found = typeof config.kind === 'string' ? `kind ${JSON.stringify(config.kind)}` : 'no kind';
    throw new InputError(printable(configFile), `has ${printable(found)}; expected one of ${runKinds().join(', ')}`);
  }
  return sectionOf(config.kind).load({ dir, config, warn, loadPart: (d) => loadRuns(d, warn) });
}
