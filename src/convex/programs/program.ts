// The shape every convex program has. A program is a unit: it says which paper equation it
// implements and which non-convex model (with which weight decay) its optimum certifies, builds
// its problem (operator x datafit x penalty) from data, predicts on other tokens, recovers the
// non-convex weights from Z and evaluates the non-convex objective through them, which must equal
// the convex optimum. The registry (../registry.ts) lists the programs; nothing else branches on
// a program's name.
import type { Gating, LossKind, Problem, Targets, Tokens } from '../types';
import type { RecoveredWeights } from '../recovery/heads';
import type { NamedArray } from '../../data/npz';

/** The fields of a configuration that a program may take as options (FitConfig has each). */
export type ProgramOptionField = 'gates' | 'seed';

/** An option a program takes: the config field it sets, and how the CLI offers it. */
export interface ProgramOption {
  field: ProgramOptionField;
  /** the flag and its argument, e.g. '--gates <h>' */
  flag: string;
  description: string;
  /** the smallest value allowed: integers >= min */
  min: 0 | 1;
}

export interface ProgramOptions extends Partial<Record<ProgramOptionField, number>> {
  loss: LossKind;
  /** run the GEMMs in single precision; the problem then carries a float64 `exact` twin */
  float32?: boolean;
}

/** What a program builds from: training tokens and targets, and gates when the data file has them. */
export interface ProgramData {
  train: Tokens;
  trainTargets: Targets;
  gating?: Gating;
}

/** A program built on data: its problem (at beta_max until withBeta) and what it knows about Z. */
export interface BuiltProgram {
  readonly program: Program;
  readonly problem: Problem;
  /** With float32 GEMMs: the same problem in float64, in which the certificate is finished. */
  readonly exact?: Problem;
  readonly betaMax: number;
  /** the shape of Z; its last axis is one penalty group (a token row of length d) */
  readonly zShape: number[];
  /** what result.json reports as h: the number of gates, or null for a program without gates */
  readonly h: number | null;
  /** predictions (N, c) of the convex model Z on other tokens (a test split) */
  predict(Z: Float64Array, tokens: Tokens): Float64Array;
  /** the non-convex weights Z stands for */
  recover(Z: Float64Array): RecoveredWeights;
  /** the non-convex objective (loss + weight decay) at recovered weights, computed through them */
  nonconvexObjective(X: Float64Array, N: number, rec: RecoveredWeights, beta: number): { objective: number; pred: Float64Array };
  /** the named arrays weights.npz holds: Z and the recovered weights */
  weights(Z: Float64Array, rec: RecoveredWeights): Record<string, NamedArray>;
}

export interface Program {
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
  build(data: ProgramData, options: ProgramOptions): BuiltProgram;
}
