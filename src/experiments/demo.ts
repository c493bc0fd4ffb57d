// `demo`: student-teacher data whose teacher attends to two planted tokens; a certified fit and a
// compare run on it, written whole as one run directory (DIR/fit, DIR/compare, DIR/report.html).
import * as path from 'node:path';
import type { Progress } from '../convex/types';
import { teacherDataset, type Teacher, type TeacherOptions } from '../data/teacher';
import { fitToDir, type FitResult } from './fit';
import { compareToDir, type CompareResult } from './compare';
import { RunDir } from './run-dir';
import { generatedRecord } from './run-record';

export interface DemoConfig {
  /** seed of the data and of the initialisations */
  seed: number;
  /** beta as a fraction of beta_max */
  betaFrac: number;
  /** seconds of the comparison (as compare's timeBudget) */
  timeBudget: number;
  /** instead of a time budget: Adam steps per non-convex model (as compare's steps) */
  steps?: number;
}

/** The demo's relative duality gap, tighter than the commands' default. */
const DEMO_TOL = 1e-8;
/** The demo's rates: its 15 s budget split over three rates, not compare's four (numbers as before issue 8). */
const DEMO_LRS = [0.003, 0.01, 0.03];

/** The tokens the teacher attends to. */
export const PLANTED_TOKENS = [1, 5];

export const demoTeacher = (seed: number): TeacherOptions => ({
  N: 2000, testN: 500, n: 8, d: 16, c: 3, tokens: PLANTED_TOKENS, focus: 4, gamma: 0.5, noise: 0.05, seed,
});

export interface DemoHooks {
  force: boolean;
  /** the generated data, before any solve */
  onData?: (t: Teacher) => void;
  onFitProgress?: (p: Progress) => void;
  onFit?: (r: FitResult) => void;
  onCompare?: (r: CompareResult) => void;
  /**
   * Renders the report of the finished run directories into `file` (src/report sits above the
   * experiments, so the caller passes its renderer in); called after the rename, so that the
   * page names the runs where they are.
   */
  writeReport: (runs: string[], file: string) => void;
}

export interface DemoOutcome {
  fit: FitResult;
  compare: CompareResult;
  report: string;
}

/**
 * Both runs are written whole under a temporary name like any other: an existing `out` is
 * replaced only with `force`, and only if it is an earlier run directory.
 */
export function runDemo(cfg: DemoConfig, out: string, hooks: DemoHooks): DemoOutcome {
  // the target first: a refused --out must not follow lines already printed about the data
  const dir = new RunDir(out, { kind: 'demo', force: hooks.force });
  const teacher = demoTeacher(cfg.seed);
  const t = teacherDataset(teacher);
  hooks.onData?.(t);
  // the data is generated, so its record is the generator and its options (no file, no hash)
  dir.writeConfig(generatedRecord('demo', cfg, { name: 'teacherDataset', options: { ...teacher } }));
  const { result } = fitToDir(t.data, {
    model: 'attention', loss: 'squared', betaFrac: cfg.betaFrac, seed: cfg.seed, tol: DEMO_TOL,
  }, path.join(dir.tmp, 'fit'), { force: false, onProgress: hooks.onFitProgress });
  hooks.onFit?.(result);
  // compare's defaults (COMPARE_DEFAULTS) but the fit's tighter gap, so both certify the same optimum,
  // and the demo's own learning rates
  const compare = compareToDir(t.data, {
    betaFrac: cfg.betaFrac, timeBudget: cfg.timeBudget, steps: cfg.steps, seed: cfg.seed, tol: DEMO_TOL, lrGrid: DEMO_LRS,
  }, t.map, path.join(dir.tmp, 'compare'), { force: false });
  hooks.onCompare?.(compare);
  dir.commit();
  const report = path.join(out, 'report.html');
  hooks.writeReport([path.join(out, 'compare'), path.join(out, 'fit')], report);
  return { fit: result, compare, report };
}
