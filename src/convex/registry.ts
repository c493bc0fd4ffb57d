// The convex programs, one line each. The CLI (--model, --help, `info`), the experiments, the
// README's table and the tests read this list; adding a program is its file, its tests and a line here.
import type { Program, ProgramOption } from './programs/program';
import { attention } from './programs/attention';
import { gated } from './programs/gated';
import { bfno, fno } from './programs/fno';
import { gatedMhsa, gatedMixer } from './programs/gated-sahiner';
import { kernel } from './programs/kernel';
import { linearMhsa } from './programs/linear-mhsa';
import { matrixAttention } from './programs/matrix-attention';
import { mixer } from './programs/mixer';
import { InputError } from '../data/errors';

export const PROGRAMS: readonly Program[] = [
  attention,
  bfno,
  fno,
  gated,
  gatedMhsa,
  gatedMixer,
  kernel,
  linearMhsa,
  matrixAttention,
  mixer,
];

/** What --model defaults to. */
export const DEFAULT_PROGRAM = attention;

export const programNames = (): string[] => PROGRAMS.map((p) => p.name);

/** The program called `name`; anything else is refused naming the config field `model` and the choices. */
export function programNamed(name: string): Program {
  const p = PROGRAMS.find((q) => q.name === name);
  if (!p) throw new InputError('model', `unknown program '${name}'; expected one of: ${programNames().join(', ')}`);
  return p;
}

/** Every option some program takes, each once (two programs may share a field, e.g. a seed). */
export function programOptions(): ProgramOption[] {
  const seen = new Map<string, ProgramOption>();
  for (const p of PROGRAMS) for (const o of p.options) if (!seen.has(o.field)) seen.set(o.field, o);
  return [...seen.values()];
}
