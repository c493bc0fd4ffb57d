// result.json of a grok suite: one row per (setting, seed) from each run's own result.json, and
// per setting the mean, standard deviation, min and max over the seeds that reached 99% test
// accuracy, with how many did. A seed that did not reach it within its cap counts as "> cap", a
// lower bound, never as a number of steps.
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { GrokSummary } from './grok';

/** What this file needs of a setting (grok-suite.ts's GrokSuiteSetting; that file imports this one). */
interface Setting {
  name: string;
  op: string;
  p: number;
  layers: number;
  model: string;
  /** the step cap */
  steps: number;
}

export interface GrokSuiteRow {
  setting: string;
  seed: number;
  /** its run directory, inside the suite's */
  dir: string;
  /** the setting's step cap */
  cap: number;
  reachedTarget: boolean;
  steps: number;
  /** the first evaluation at 99% train accuracy, whatever came after (see lostFit) */
  stepsToTrain99: number | null;
  secondsToTrain99: number | null;
  stepsToTest99: number | null;
  secondsToTest99: number | null;
  grokking: number | null;
  final: GrokSummary['final'];
  medianStepSeconds: number | null;
  /** reached 99% train accuracy and ended below it: its stepsToTrain99 bounds no amount of grokking */
  lostFit: boolean;
}

/** Over the seeds that have the value; null when none has. */
export interface SeedStats {
  mean: number;
  /** sample standard deviation (0 for one seed) */
  sd: number;
  min: number;
  max: number;
  /** how many seeds it is over */
  n: number;
}

export interface GrokSuiteAggregate {
  setting: string;
  op: string;
  p: number;
  layers: number;
  model: string;
  weightDecay: number;
  cap: number;
  seeds: number;
  /** seeds that reached 99% train, 99% test accuracy */
  reachedTrain: number;
  reachedTest: number;
  /** seeds that reached 99% train accuracy and ended below it */
  lostFit: number;
  stepsToTrain99: SeedStats | null;
  stepsToTest99: SeedStats | null;
  secondsToTest99: SeedStats | null;
  /** over the seeds that reached both */
  grokking: SeedStats | null;
  medianStepSeconds: SeedStats | null;
}

export interface GrokSuiteResult {
  rows: GrokSuiteRow[];
  settings: GrokSuiteAggregate[];
  /** what the seconds are: each run's training seconds while `jobs` runs shared the machine's cores */
  secondsNote: string;
  cores: number;
}

export const runName = (s: Setting, seed: number): string => `${s.name}-seed${seed}`;

export function seedStats(values: (number | null)[]): SeedStats | null {
  const v = values.filter((x): x is number => x !== null);
  if (v.length === 0) return null;
  const mean = v.reduce((a, b) => a + b, 0) / v.length;
  const sd = v.length > 1 ? Math.sqrt(v.reduce((a, b) => a + (b - mean) ** 2, 0) / (v.length - 1)) : 0;
  return { mean, sd, min: Math.min(...v), max: Math.max(...v), n: v.length };
}

/** The train accuracy a run must hold to count as fitted. */
export const FIT_ACCURACY = 0.99;

/** A run that reached 99% train accuracy (its first evaluation there) but whose final train accuracy is below it. */
export const lostFit = (stepsToTrain99: unknown, finalTrainAccuracy: unknown): boolean =>
  stepsToTrain99 !== null && typeof finalTrainAccuracy === 'number' && finalTrainAccuracy < FIT_ACCURACY;

export function suiteRow(s: Setting, seed: number, dir: string): GrokSuiteRow {
  const r = JSON.parse(fs.readFileSync(path.join(dir, runName(s, seed), 'result.json'), 'utf8')) as GrokSummary;
  return {
    setting: s.name, seed, dir: runName(s, seed), cap: s.steps, reachedTarget: r.reachedTarget, steps: r.steps,
    stepsToTrain99: r.stepsToTrain99, secondsToTrain99: r.secondsToTrain99, stepsToTest99: r.stepsToTest99, secondsToTest99: r.secondsToTest99,
    grokking: r.grokking, final: r.final, medianStepSeconds: r.medianStepSeconds, lostFit: lostFit(r.stepsToTrain99, r.final.trainAccuracy),
  };
}

export function aggregate(s: Setting, weightDecay: number, rows: GrokSuiteRow[]): GrokSuiteAggregate {
  const own = rows.filter((r) => r.setting === s.name);
  const of = (k: 'stepsToTrain99' | 'stepsToTest99' | 'secondsToTest99' | 'grokking' | 'medianStepSeconds') => seedStats(own.map((r) => r[k]));
  return {
    setting: s.name, op: s.op, p: s.p, layers: s.layers, model: s.model, weightDecay, cap: s.steps, seeds: own.length,
    reachedTrain: own.filter((r) => r.stepsToTrain99 !== null).length, reachedTest: own.filter((r) => r.stepsToTest99 !== null).length,
    lostFit: own.filter((r) => r.lostFit).length,
    stepsToTrain99: of('stepsToTrain99'), stepsToTest99: of('stepsToTest99'), secondsToTest99: of('secondsToTest99'),
    grokking: of('grokking'), medianStepSeconds: of('medianStepSeconds'),
  };
}

const round = (x: number): string => String(Math.round(x));

/**
 * Steps to 99% test accuracy as text: "2100 [1900-2300]" over the seeds that reached it, "> 5000"
 * when none did within the cap, and "(1 of 2 seeds; the other > 5000)" when some did.
 */
export function stepsText(a: Pick<GrokSuiteAggregate, 'stepsToTest99' | 'reachedTest' | 'seeds' | 'cap'>): string {
  const s = a.stepsToTest99;
  if (s === null) return `> ${a.cap}`;
  const range = s.n > 1 ? ` [${round(s.min)}-${round(s.max)}]` : '';
  const missing = a.seeds - a.reachedTest;
  return `${round(s.mean)}${range}${missing > 0 ? ` (${a.reachedTest} of ${a.seeds} seeds; ${missing === 1 ? 'the other' : `${missing} others`} > ${a.cap})` : ''}`;
}
