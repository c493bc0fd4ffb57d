// The shape every convex program has. A program is a unit: it says which paper equation it
// implements and which non-convex model (with which weight decay) its optimum certifies, builds
// its problem (operator x datafit x penalty) from data, predicts on other tokens, recovers the
// non-convex weights from Z and evaluates the non-convex objective through them, which must equal
// the convex optimum. The registry (../registry.ts) lists the programs; nothing else branches on
// a program's name.
import type { FloatArray } from '../../core/blas';
import type { Gating, LossKind, Problem, Targets, Tokens } from '../types';
import type { Float64Tokens } from '../../data/tokens';
import type { NamedArray, NdArray } from '../../data/npz';
import { InputError } from '../../data/errors';
import type { Model } from '../../nn/models/model';

/**
 * An option a program takes, declared in the program's file only: the config field it sets (as
 * recorded in config.json), the flag `fit` and `path` offer it under, and what values it takes.
 * The CLI derives the flag, its validation and its config field from this; `prepareProblem`
 * refuses a value below `min` and an option the chosen program does not declare.
 */
export interface ProgramOption {
  /** the config field, camelCase; its flag is the same name in kebab-case */
  field: string;
  /** the flag and its argument, e.g. '--gates <h>' */
  flag: string;
  description: string;
  /** the smallest value allowed: integers >= min */
  min: number;
  /** the value when none is given (absent: unset, and the program decides from its data) */
  default?: number;
}

/** What every program's build receives; its declared options come as further fields. */
export interface ProgramOptions {
  loss: LossKind;
  /** run the GEMMs in single precision; the problem then carries a float64 `exact` twin */
  float32?: boolean;
  /** the values of the options programs declare (a program reads its own, typed by Program<F>) */
  [option: string]: unknown;
}

/** The values of the options F a program declares, as its build sees them. */
export type OptionValues<F extends string> = { readonly [K in F]?: number };

/** What a program builds from: training tokens and targets, and gates when the data file has them. */
export interface ProgramData {
  train: Tokens;
  trainTargets: Targets;
  gating?: Gating;
}

/** One head as result.json lists it: its norm, and where it reads (token, output, gate) for the group-lasso programs, its gate or band for the gated programs and block FNO. */
export interface HeadSummary {
  norm: number;
  gate?: number;
  output?: number;
  token?: number;
  /** block FNO: the frequency band the head's filter lives in */
  band?: number;
}

/** What fit and check read of any program's non-convex weights: how many heads, one summary each. */
export interface RecoveredHeads {
  H: number;
  heads: readonly HeadSummary[];
}

/**
 * A program built on data: its problem (at beta_max until withBeta) and what it knows about Z.
 * R: its non-convex weights (the simplex-attention programs' RecoveredWeights, linear attention's
 * MhsaWeights).
 */
export interface BuiltProgram<R extends RecoveredHeads = RecoveredHeads> {
  readonly program: Program;
  readonly problem: Problem;
  /** With float32 GEMMs: the same problem in float64, in which the certificate is finished. */
  readonly exact?: Problem;
  readonly betaMax: number;
  /** the shape of Z */
  readonly zShape: number[];
  /** the penalty's groups (result.json's totalGroups): token rows for the group lasso, singular values for a nuclear norm */
  readonly totalGroups: number;
  /** what result.json reports as h: the number of gates, or null for a program without gates */
  readonly h: number | null;
  /** predictions (N, c) of the convex model Z on other tokens (a test split) */
  predict(Z: Float64Array, tokens: Tokens): Float64Array;
  /** the non-convex weights Z stands for */
  recover(Z: Float64Array): R;
  /** non-convex weights written by anyone, in the layout `weights` writes, checked key by key */
  readRecovered(arrays: Record<string, NdArray>): R;
  /** the convex point non-convex weights stand for: the same prediction, a convex objective at most their non-convex one */
  embed(rec: R): Float64Array;
  /** the non-convex objective (loss + weight decay) at recovered weights, computed through them */
  nonconvexObjective(X: FloatArray, N: number, rec: R, beta: number): { objective: number; pred: Float64Array };
  /** the named arrays weights.npz holds: Z and the recovered weights */
  weights(Z: Float64Array, rec: R): Record<string, NamedArray>;
  /**
   * Programs whose heads weigh tokens against tokens with fixed weights (matrix-attention's
   * attention rows, the mixer's token mixing): (n, n), row r where token r's output reads
   * (tokenAttention below). Absent: heads read no fixed token-to-token map (linear-mhsa's depend on X: sampleAttention).
   */
  tokenAttention?(rec: R): Float64Array;
  /**
   * Programs whose heads weigh tokens by the input (linear-mhsa, gated-mhsa: S_j = X_i W1j X_i^T):
   * the (n, n) map of training sample i, row r where token r's output reads (sample-attention.ts).
   */
  sampleAttention?(rec: R, i: number): Float64Array;
  /** The non-convex model whose optimum the program certifies, for Adam beside it (`compare --model`): present exactly when the program declares `nonconvexName`. */
  readonly nonconvexModel?: NonconvexModel<R>;
}

/** A program's own non-convex model (named by Program.nonconvexName), as compare trains it and records its settings. */
export interface NonconvexModel<R extends RecoveredHeads = RecoveredHeads> {
  /** how it attends or mixes the tokens, and the penalty beta/2 times which is its weight decay (result.json's models) */
  readonly attention: string;
  readonly penalty: string;
  /** whether it can tell token positions apart */
  readonly positional: boolean;
  /** the heads it needs to represent the convex optimum rec (the gated programs: as many on every gate as the busiest gate has) */
  headsFor(rec: R): number;
  /** a fresh model with `heads` heads at beta, initialised from the seed (gated programs: head j on gate j mod P) */
  make(heads: number, beta: number, seed: number): Model;
  /**
   * For a model with a distribution over the tokens (Model.attentionMap): the convex optimum's
   * heads as one, for compare's maps. Absent: the model has none, and compare records no maps for it.
   */
  convexMap?(rec: R): Float64Array;
}

/**
 * F: the fields of the options the program declares (gated: 'gates' | 'seed'); R: its non-convex
 * weights. `Program` alone is any program; a program's build sees its own options typed.
 */
export interface Program<F extends string = never, R extends RecoveredHeads = RecoveredHeads> {
  readonly name: string;
  /** one line, for --help and `info` */
  readonly summary: string;
  /** the paper equation it implements, e.g. 'Ergen et al. eq. (10), Theorem 2' */
  readonly equation: string;
  /** the non-convex model and the weight decay whose global optimum the program certifies */
  readonly nonconvex: string;
  /** the convex program itself */
  readonly convex: string;
  readonly options: readonly ProgramOption[];
  /**
   * Targets per token, Y (N, n, c) or y (N, n): 'required' (the program predicts per token only),
   * 'optional' (per token or per sample); absent: one target per sample only.
   */
  readonly perTokenTargets?: 'optional' | 'required';
  /** The name of the program's own non-convex model, which `compare --model` trains beside the certified optimum (built: BuiltProgram.nonconvexModel); absent: compare refuses the program. */
  readonly nonconvexName?: string;
  /**
   * The option values weights written by `weights` were fit with, when the file records them (the
   * kernel program: its feature map's D, chi degrees of freedom and seed), so `check` rebuilds
   * the same program; absent: nothing is recorded beyond what the data holds.
   */
  optionsFromWeights?(arrays: Record<string, NdArray>): Record<string, number>;
  build(data: ProgramData, options: ProgramOptions & OptionValues<F>): BuiltProgram<R>;
}

/**
 * The training tokens of a program that holds float64 features of X (the kernel map, linear
 * attention's Gram matrices): X read in float32 (`--float32-data`) would save nothing there, so it
 * is refused rather than silently copied back to float64.
 */
export function float64Only(program: string, t: Tokens, holds: string): Float64Tokens {
  if (t.X instanceof Float32Array) throw new InputError('float32Data', `${program} holds ${holds} in float64, so X read in float32 saves nothing; run it without --float32-data`);
  return t as Float64Tokens;
}

/** Refuses a value of a declared option that is not an integer >= its min, naming the field. */
export function checkOptionValues(program: Program, values: Readonly<Record<string, unknown>>): void {
  for (const o of program.options) {
    const v = values[o.field];
    if (v !== undefined && !(typeof v === 'number' && Number.isInteger(v) && v >= o.min)) {
      throw new InputError(o.field, `must be an integer >= ${o.min}, got ${String(v)}`);
    }
  }
}

/** Refuses targets the program cannot fit (per token where it predicts per sample, or the reverse), naming Y or y; `all`: the registry, for the programs that take them. */
export function checkTargetsForm(program: Program, t: Targets, all: readonly Program[]): void {
  const key = t.Y ? 'Y' : 'y';
  if (t.tokens !== undefined && !program.perTokenTargets) {
    const takers = all.filter((p) => p.perTokenTargets).map((p) => p.name).join(', ');
    throw new InputError(key, `holds one target per token (${key === 'Y' ? '(N, n, c)' : '(N, n)'}); program ${program.name} predicts one per sample, ${key === 'Y' ? '(N, c)' : '(N,)'} (per-token targets: ${takers})`);
  }
  if (t.tokens === undefined && program.perTokenTargets === 'required') {
    throw new InputError(key, `holds one target per sample; program ${program.name} predicts one per token: give ${key === 'Y' ? 'Y (N, n, c)' : 'y (N, n)'}`);
  }
}

/**
 * Heads' token-to-token weights W1 (H, n, n) as one map: each head's rows |W1h[r, :]| normalised to
 * sum 1, averaged with their norms as weights over the heads that read anything from row r, so every
 * row sums to 1, or is 0 where no head reads (result.json's tokenAttention, the report's token
 * clustering; sampleAttention weighs contributions instead: sample-attention.ts). For simplex attention the rows already sum to 1.
 */
export function tokenAttentionMap(W1: Float64Array, norms: readonly number[], n: number): Float64Array {
  const A = new Float64Array(n * n);
  // per row: the weight of the heads that read anything there (a gated head's row can be all masked)
  const total = new Float64Array(n);
  norms.forEach((w, h) => {
    for (let r = 0; r < n; r++) {
      const row = W1.subarray((h * n + r) * n, (h * n + r + 1) * n);
      const mass = row.reduce((acc, x) => acc + Math.abs(x), 0);
      if (!(mass > 0)) continue;
      total[r] += w;
      for (let k = 0; k < n; k++) A[r * n + k] += (w * Math.abs(row[k])) / mass;
    }
  });
  for (let r = 0; r < n; r++) if (total[r] > 0) for (let k = 0; k < n; k++) A[r * n + k] /= total[r];
  return A;
}
