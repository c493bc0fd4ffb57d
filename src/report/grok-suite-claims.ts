// The paper's grokking claims (issue 9, "Done when"; Ergen et al. section 4) beside a suite's
// numbers, each verdict computed from the per-setting aggregates of result.json, with by how much.
// "About 10x" is read as a factor between 3 and 30 (half a decade either side). A setting that did
// not reach 99% test accuracy within its cap gives a lower bound, and the verdict says so.
import { fields, finite } from './text';

/** What the claims read of a setting's aggregate (values kept as found: checked here). */
export interface Setting {
  name: string;
  p: number | null;
  layers: number | null;
  model: string;
  weightDecay: number | null;
  cap: number | null;
  seeds: number;
  reached: number;
  /** mean, min and max of steps to 99% test over the seeds that reached it */
  mean: number | null;
  min: number | null;
  max: number | null;
}

export interface ClaimRow {
  claim: string;
  settings: string;
  verdict: string;
}

export function settingOf(a: unknown): Setting {
  const f = fields(a);
  const s = fields(f.stepsToTest99);
  return {
    name: typeof f.setting === 'string' ? f.setting : '?', p: finite(f.p), layers: finite(f.layers), model: typeof f.model === 'string' ? f.model : '?',
    weightDecay: finite(f.weightDecay), cap: finite(f.cap), seeds: finite(f.seeds) ?? 0, reached: finite(f.reachedTest) ?? 0, mean: finite(s.mean), min: finite(s.min), max: finite(s.max),
  };
}

const PAPER_STANDARD_STEPS = 1e5;
const ABOUT = [3, 30];
const n = (v: number | null) => (v === null ? '?' : String(Math.round(v)));
const x = (r: number) => `${r.toPrecision(2)}x`;
const all = (s: Setting) => s.seeds > 0 && s.reached === s.seeds;

/** Standard on mod 97: more than 10^5 steps to 99% test. */
function standardSlow(s: Setting): string {
  if (all(s) && s.mean !== null) {
    if (s.min !== null && s.min >= PAPER_STANDARD_STEPS) return `agrees: every seed needed at least ${n(s.min)} steps`;
    if (s.max! < PAPER_STANDARD_STEPS) return `disagrees: all ${s.seeds} seeds reached it by step ${n(s.max)}, ${x(PAPER_STANDARD_STEPS / s.max!)} fewer than 10^5`;
    return `partly disagrees: seeds reached it between ${n(s.min)} and ${n(s.max)} steps`;
  }
  if (s.reached === 0) return s.cap !== null && s.cap >= PAPER_STANDARD_STEPS ? `agrees: > ${n(s.cap)} steps` : `cannot tell: not reached within the cap of ${n(s.cap)} steps (< 10^5)`;
  return `partly disagrees: ${s.reached} of ${s.seeds} seeds reached it by step ${n(s.max)}; the others > ${n(s.cap)}`;
}

/** Convex on mod 97 about 10x sooner than standard at the same depth. */
function convexFaster(std: Setting, cvx: Setting): string {
  if (all(std) && all(cvx)) {
    const r = std.mean! / cvx.mean!;
    return `${r >= ABOUT[0] && r <= ABOUT[1] ? 'agrees' : 'disagrees'}: convex ${n(cvx.mean)} against standard ${n(std.mean)} steps, ${x(r)} sooner`;
  }
  if (cvx.reached === 0 && all(std)) {
    // convex > cap: a speed-up of at most std / cap; only below the claimed range is that a disagreement
    const r = std.mean! / cvx.cap!;
    return r < ABOUT[0] ? `disagrees: convex did not reach it within ${n(cvx.cap)} steps; standard did at ${n(std.mean)} (convex at most ${x(r)} sooner${r < 1 ? ', i.e. slower' : ''})`
      : `cannot tell: convex did not reach it within ${n(cvx.cap)} steps, standard did at ${n(std.mean)}; a cap of ${n(cvx.cap)} allows up to ${x(r)} sooner`;
  }
  if (std.reached === 0 && all(cvx)) {
    const r = std.cap! / cvx.mean!;
    return `${r >= ABOUT[0] ? 'consistent' : 'cannot tell'}: standard > ${n(std.cap)}, convex ${n(cvx.mean)} steps: more than ${x(r)} sooner`;
  }
  return `cannot tell: standard reached it in ${std.reached} of ${std.seeds} seeds, convex in ${cvx.reached} of ${cvx.seeds} (caps ${n(std.cap)}, ${n(cvx.cap)})`;
}

/**
 * mod 15: one layer fails to reach 99% test, four layers reach it. The paper gives no step count
 * for mod 15, so not reaching it within a cap settles neither claim: "consistent" for the first,
 * "cannot tell" for the second.
 */
function reaches(s: Setting, expected: boolean): string {
  if (expected && all(s)) return `agrees: all ${s.seeds} seeds, mean ${n(s.mean)} steps`;
  if (!expected && s.reached === 0) return `consistent: no seed within the cap of ${n(s.cap)} steps (the paper gives no step count for mod 15)`;
  if (expected && s.reached === 0) return `cannot tell: no seed reached it within the cap of ${n(s.cap)} steps (the paper gives no step count for mod 15)`;
  return `${expected ? 'partly agrees' : 'disagrees'}: ${s.reached} of ${s.seeds} seeds reached it (mean ${n(s.mean)} steps)`;
}

const label = (s: Setting) => s.name;

export function claimRows(settings: Setting[]): ClaimRow[] {
  const at = (p: number, layers: number) => settings.filter((s) => s.p === p && s.layers === layers);
  const rows: ClaimRow[] = [];
  const standard97 = settings.filter((s) => s.p === 97 && s.model === 'standard');
  for (const s of standard97) rows.push({ claim: 'the standard model needs more than 10^5 steps to 99% test accuracy on div mod 97', settings: label(s), verdict: standardSlow(s) });
  for (const std of standard97) {
    const cvx = at(97, std.layers ?? -1).find((s) => s.model === 'convex');
    if (cvx) rows.push({ claim: 'the convex model reaches 99% test accuracy about 10x sooner (3x-30x) on div mod 97', settings: `${label(cvx)} vs ${label(std)}`, verdict: convexFaster(std, cvx) });
  }
  for (const s of at(15, 1)) rows.push({ claim: 'div mod 15 with one layer: no model reaches 99% test accuracy', settings: label(s), verdict: reaches(s, false) });
  for (const s of at(15, 4)) rows.push({ claim: 'div mod 15 with four layers: both models reach 99% test accuracy', settings: label(s), verdict: reaches(s, true) });
  return rows;
}
