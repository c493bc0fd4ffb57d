// Pieces every subcommand shares: option parsers that name the option in their error, the
// progress line on stderr, and one way to report failure.
import { InvalidArgumentError, Option } from 'commander';
import type { Progress } from '../convex/types';
import { InputError } from '../data/errors';

export function number(name: string, check: (v: number) => boolean, expected: string) {
  return (raw: string): number => {
    const v = Number(raw);
    if (raw.trim() === '' || !Number.isFinite(v) || !check(v)) {
      throw new InvalidArgumentError(`${name} must be ${expected}, got '${raw}'`);
    }
    return v;
  };
}

export const positive = (name: string) => number(name, (v) => v > 0, 'a number > 0');
export const positiveInt = (name: string) => number(name, (v) => Number.isInteger(v) && v >= 1, 'an integer >= 1');
export const nonNegativeInt = (name: string) => number(name, (v) => Number.isInteger(v) && v >= 0, 'an integer >= 0');

export function choice(flags: string, description: string, choices: string[], dflt: string): Option {
  return new Option(flags, description).choices(choices).default(dflt);
}

export function progressPrinter(quiet: boolean, prefix = ''): ((p: Progress) => void) | undefined {
  if (quiet) return undefined;
  return (p) => {
    process.stderr.write(
      `${prefix}iter ${String(p.iteration).padStart(6)}  objective ${p.primal.toExponential(8)}  ` +
      `bound ${p.dual.toExponential(8)}  rel.gap ${p.relGap.toExponential(2)}  ${p.seconds.toFixed(2)}s\n`,
    );
  };
}

/** Runs a command body; any error becomes one line on stderr and exit code 2. */
export async function guarded(body: () => void | Promise<void>): Promise<void> {
  try {
    await body();
  } catch (e) {
    const msg = e instanceof InputError ? e.message : `${(e as Error).message}`;
    process.stderr.write(`convexformer: error: ${msg}\n`);
    if (process.env.CONVEXFORMER_DEBUG) console.error(e);
    process.exitCode = 2;
  }
}

export function fmt(v: number | null | undefined, digits = 6): string {
  if (v === null || v === undefined) return '-';
  return Math.abs(v) >= 1e4 || (Math.abs(v) < 1e-3 && v !== 0) ? v.toExponential(digits - 3) : v.toFixed(digits - 2);
}
