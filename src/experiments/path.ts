// `path`: the solution path over a grid of beta fractions, largest first, each solve warm-started
// from the previous one. Per beta: objective, certificate, heads, training (and test) metrics.
import type { Dataset } from '../data/dataset';
import type { Progress } from '../convex/types';
import { withBeta } from '../convex/programs/assemble';
import { fitAt, fitConfig, prepareProblem, type FitConfig, type FitResult } from './fit';
import type { Program } from '../convex/programs/program';
import { InputError } from '../data/errors';
import { RunDir } from './run-dir';
import { runRecord } from './run-record';

export interface PathRow {
  betaFrac: number;
  beta: number;
  objective: number;
  lowerBound: number;
  relGap: number;
  converged: boolean;
  iterations: number;
  seconds: number;
  heads: number;
  training: FitResult['training'];
  test: FitResult['test'];
  /** the problem's shape (h: the gated program's gates, else null), so a report of path.json alone can state it */
  N: number; n: number; d: number; c: number; h: number | null;
}

/** n fractions from 1 down to `min`, evenly spaced on a log scale. */
export function geometricGrid(points: number, min: number): number[] {
  if (!(Number.isInteger(points) && points >= 1)) throw new InputError('points', `must be an integer >= 1, got ${points}`);
  if (!(min > 0 && min <= 1)) throw new InputError('minFrac', `must be in (0, 1], got ${min}`);
  if (points === 1) return [1];
  return Array.from({ length: points }, (_, i) => Math.pow(min, i / (points - 1)));
}

/** Options not given take FIT_DEFAULTS and are checked (fitConfig); beta and betaFrac are ignored (the fractions set beta). */
export function runPath(
  data: Dataset, options: Partial<FitConfig>, fracs: number[],
  onRow?: (r: PathRow) => void, onProgress?: (p: Progress) => void, program?: Program,
): PathRow[] {
  const cfg = fitConfig(options, program);
  const base = prepareProblem(data, cfg, program);
  if (base.betaMax === 0) throw new InputError('data', 'beta_max is 0 (zero already fits every target); nothing to trace');
  const sorted = [...fracs].sort((a, b) => b - a);
  // every beta is checked before the first solve
  if (!Number.isFinite(sorted[0] * base.betaMax)) {
    throw new InputError('fracs', `${sorted[0]} x beta_max ${base.betaMax} is not a finite beta; expected smaller fractions`);
  }
  let w0: Float64Array | undefined;
  const rows: PathRow[] = [];
  for (const f of sorted) {
    const out = fitAt(withBeta(base, f * base.betaMax), data, cfg, onProgress, w0);
    w0 = out.solution.w;
    const r = out.result;
    const row: PathRow = {
      betaFrac: f, beta: r.beta, objective: r.objective, lowerBound: r.lowerBound, relGap: r.relGap,
      converged: r.converged, iterations: r.iterations, seconds: r.seconds, heads: r.heads,
      training: r.training, test: r.test, N: r.N, n: r.n, d: r.d, c: r.c, h: r.h,
    };
    rows.push(row);
    onRow?.(row);
  }
  return rows;
}

export interface PathToDirOptions {
  force: boolean;
  /** the data file, recorded with its hash in config.json */
  dataFile: string;
  /** a program outside the registry (config.json records its name as the model) */
  program?: Program;
  onRow?: (r: PathRow) => void;
  onProgress?: (p: Progress) => void;
}

/** Traces the path and writes DIR/{.convexformer-run, config.json, path.jsonl, path.json}. */
export function pathToDir(data: Dataset, options: Partial<FitConfig>, fracs: number[], out: string, o: PathToDirOptions): PathRow[] {
  const cfg = fitConfig({ ...options, beta: undefined, betaFrac: 1 }, o.program);
  const dir = new RunDir(out, { kind: 'path', force: o.force, inputs: [o.dataFile] });
  try {
    dir.writeConfig(runRecord('path', o.dataFile, { ...cfg, betaFrac: undefined, fracs }));
    const lines: string[] = [];
    const rows = runPath(data, cfg, fracs, (r) => {
      lines.push(JSON.stringify(r));
      o.onRow?.(r);
    }, o.onProgress, o.program);
    dir.write('path.jsonl', lines.join('\n') + '\n');
    dir.writeJson('path.json', rows);
    dir.commit();
    return rows;
  } catch (e) {
    dir.abort();
    throw e;
  }
}
