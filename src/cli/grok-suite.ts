// convexformer grok --suite: the paper's grid (GROK_SUITE), each (setting, seed) a single grok run;
// src/experiments/grok-suite.ts does the work. Here: the flags the suite takes, the refusal of the
// per-run flags it sets itself, and the per-setting table on stdout.
import type { Command } from 'commander';
import { InputError } from '../data/errors';
import { GROK_SUITE, runGrokSuite } from '../experiments/grok-suite';
import { stepsText, type GrokSuiteAggregate, type SeedStats } from '../experiments/grok-suite-result';
import { wroteLine } from './common';

/** The flags --suite takes; every other grok flag is a per-run one the grid sets. */
const SUITE_FLAGS = new Set(['suite', 'seeds', 'jobs', 'resume', 'quiet', 'force', 'out']);
const SUITE_ONLY = ['seeds', 'jobs'];

/** Refuses a per-run flag with --suite, and a suite flag without it, before anything is written. */
export function checkSuiteFlags(cmd: Command, suite: boolean): void {
  const given = Object.keys(cmd.opts()).filter((k) => cmd.getOptionValueSource(k) === 'cli');
  const wrong = suite ? given.find((k) => !SUITE_FLAGS.has(k)) : given.find((k) => SUITE_ONLY.includes(k));
  if (wrong === undefined) return;
  throw new InputError(wrong, suite ? 'is set by each setting of the suite; not allowed with `suite`' : 'is an option of `suite`');
}

const mean = (s: SeedStats | null, digits = 0): string => (s === null ? '-' : s.n > 1 ? `${s.mean.toFixed(digits)} [${s.min.toFixed(digits)}-${s.max.toFixed(digits)}]` : s.mean.toFixed(digits));

/** One line per setting: how many seeds reached 99% test accuracy and when, the amount of grokking, time, and how many seeds ended below 99% train after reaching it. */
export function suiteTable(settings: GrokSuiteAggregate[]): string[] {
  const head = ['setting', 'reached 99% test', 'steps to 99% test', 'amount of grokking', 's to 99% test', 'median step s', 'lost their fit'];
  const rows = settings.map((a) => [a.setting, `${a.reachedTest} of ${a.seeds}`, stepsText(a), mean(a.grokking), mean(a.secondsToTest99, 1), mean(a.medianStepSeconds, 3), String(a.lostFit)]);
  const widths = head.map((h, k) => Math.max(h.length, ...rows.map((r) => r[k].length)));
  return [head, ...rows].map((r) => r.map((c, k) => c.padEnd(widths[k])).join('  ').trimEnd());
}

export async function grokSuiteAction(o: { seeds?: number; jobs?: number; resume: boolean; force: boolean; quiet: boolean; out: string }): Promise<void> {
  const result = await runGrokSuite(GROK_SUITE, o.out, {
    seeds: o.seeds, jobs: o.jobs, resume: o.resume, force: o.force,
    onProgress: o.quiet ? undefined : (line) => process.stderr.write(`${line}\n`),
  });
  for (const line of suiteTable(result.settings)) console.log(line);
  console.log(`steps: mean [min-max] over the seeds that reached 99% test accuracy; "> cap": not reached within the step cap (a lower bound); lost their fit: seeds whose final train accuracy is below 99% after reaching it (no amount of grokking is bounded by them). ${result.secondsNote}.`);
  console.log(wroteLine(o.out, 'grok-suite'));
}
