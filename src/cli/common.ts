// Pieces every subcommand shares: option parsers that name the option in their error, the
// progress line on stderr, and one way to report failure.
import { InvalidArgumentError, Option, type Command } from 'commander';
import type { Progress } from '../convex/types';
import { InputError, oneLine } from '../data/errors';
import * as fs from 'node:fs';
import { RUN_KINDS, type RunKind } from '../experiments/kinds';

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

/** "0.3, 0.1" -> [0.3, 0.1]: comma-separated numbers > 0, or one line naming `flag`. */
export function positiveList(flag: string, raw: string): number[] {
  const v = raw.split(',').map((x) => Number(x.trim()));
  if (raw.trim() === '' || v.some((x) => !(x > 0) || !Number.isFinite(x))) throw new InputError(flag, `must be comma-separated numbers > 0, got '${raw}'`);
  return v;
}

/** --classes' help, one text for fit, path and compare. */
export const CLASSES_HELP = 'labels y (cross-entropy): number of classes (default: largest training label + 1, labels below the number of labels (N, or N n per token), every class present)';

/** The line a command prints when its run directory is in place: the directory and the files a run of its kind holds. */
export function wroteLine(out: string, kind: RunKind): string {
  return `wrote ${escapeControl(out)}: ${RUN_KINDS[kind].files.join(', ')}`;
}

/** --force's help, one text for every command that writes a run directory. */
export const FORCE_HELP = 'replace --out if it is a convexformer run directory of the same kind (its .convexformer-run names the kind: a fit replaces only a fit)';

export function choice(flags: string, description: string, choices: string[], dflt: string): Option {
  return new Option(flags, description).choices(choices).default(dflt);
}

export function progressPrinter(quiet: boolean, prefix = ''): ((p: Progress) => void) | undefined {
  if (quiet) return undefined;
  return (p) => {
    process.stderr.write(
      `${prefix}iter ${String(p.iteration).padStart(6)}  objective ${p.primal.toExponential(8)}  ` +
      `bound ${p.dual.toExponential(8)}  rel.gap ${p.relGap.toExponential(2)}  ` +
      `${p.screened === undefined ? '' : `screened ${(100 * p.screened).toFixed(1)}%  `}${p.seconds.toFixed(2)}s\n`,
    );
  };
}

/** Control characters in a name shown as escapes, never sent to the terminal (one escaper for the tool). */
export const escapeControl = oneLine;

/** What the command is doing, for the message when memory runs out (set by the commands). */
let activity = '';
export function doing(what: string): void {
  activity = what;
}

/** "N=.. n=.. d=.. (X: 12.3 MB)", the size of what a solve works on, for `doing`. */
export function sizeOf(t: { N: number; n: number; d: number }, c?: number): string {
  return `N=${t.N} n=${t.n} d=${t.d}${c === undefined ? '' : ` c=${c}`} (the tokens alone take ${(t.N * t.n * t.d * 8 / 1e6).toFixed(1)} MB as float64)`;
}

/** "reading F (12.3 MB on disk)", for `doing`. */
export function reading(file: string): string {
  let size = '';
  try {
    size = ` (${(fs.statSync(file).size / 1e6).toFixed(1)} MB on disk, more once unpacked)`;
  } catch { /* the reader says why it cannot read it */ }
  return `reading ${file}${size}`;
}

/** V8's words for an allocation that did not fit; the .npz reader wraps them in its own message. */
const ALLOCATION = /Array buffer allocation failed|Invalid typed array length|Invalid array length/;

/** The one line a failure prints: `convexformer: error: ...`. */
export function errorLine(e: unknown): string {
  const err = e instanceof Error ? e : new Error(String(e));
  let msg = err.message;
  const alloc = ALLOCATION.exec(msg);
  if (alloc && (err instanceof RangeError || err instanceof InputError)) {
    // not the file's fault: say that memory ran out, and doing what
    msg = `out of memory${activity ? ` while ${activity}` : ''} (${msg.trimEnd()}); try a smaller data set or a machine with more memory`;
  }
  return `convexformer: error: ${escapeControl(msg.trimEnd())}`;
}

/**
 * Config field -> flag, learned from the commands' own options (program.ts calls learnFlags on
 * the whole command tree): below src/cli an error names the field (betaFrac, gates, out), the
 * terminal names the flag (--beta-frac, --gates, --out). Other fields (array keys of a data file
 * such as X or U1) are shown as they are.
 */
const FLAGS = new Map<string, string>();

export function learnFlags(cmd: Command): void {
  for (const o of cmd.options) if (o.long) FLAGS.set(o.attributeName(), o.long);
  cmd.commands.forEach(learnFlags);
}

export function flagOf(field: string): string | undefined {
  return FLAGS.get(field);
}

/** Below the CLI a message cites other fields in backticks (`force`); the terminal shows their flags. */
function citedFlags(detail: string): string {
  return detail.replace(/`([A-Za-z]+)`/g, (cited, field: string) => flagOf(field) ?? cited);
}

/**
 * An InputError naming config fields, renamed to name their flags; another error (a solver's
 * NumericError) citing fields in its message gets their flags there.
 */
function withFlag(e: unknown): unknown {
  if (!(e instanceof InputError)) {
    if (e instanceof Error) e.message = citedFlags(e.message);
    return e;
  }
  const detail = e.message.slice(e.field.length + 2);
  const flag = flagOf(e.field) ?? e.field;
  const shown = citedFlags(detail);
  if (flag === e.field && shown === detail) return e;
  const renamed = new InputError(flag, shown);
  renamed.stack = e.stack;
  return renamed;
}

/** Runs a command body; any error becomes one line on stderr and exit code 2. */
export async function guarded(body: () => void | Promise<void>): Promise<void> {
  try {
    await body();
  } catch (caught) {
    const e = withFlag(caught);
    process.stderr.write(`${errorLine(e)}\n`);
    if (process.env.CONVEXFORMER_DEBUG) console.error(e);
    process.exitCode = 2;
  }
}

/**
 * A number for the terminal: fixed point between 0.01 and 1e4, else exponential, with `digits`
 * significant digits so that different values print differently (0.001 is 1.0e-3, not 0.00).
 */
export function fmt(v: number | null | undefined, digits = 6): string {
  if (v === null || v === undefined) return '-';
  return Math.abs(v) >= 1e4 || (Math.abs(v) < 0.01 && v !== 0) ? v.toExponential(digits - 3) : v.toPrecision(digits);
}
