// The two attention programs of the Ergen paper, assembled from data:
//   attention: eq. (10) (Theorem 2; Theorem 1 is c = 1), Z (c, n, d)
//   gated:     eq. (12) (Theorem 3, gated ReLU), Z (h, c, n, d) with gates from U1 (h, n), U2 (h, d)
// Loss: squared (targets Y (N, c)) or softmax cross-entropy (labels y (N,)).
import type { Datafit, LinearOperator, Problem } from './types';
import type { FloatArray } from '../core/blas';
import { AttentionOperator } from './operators/attention';
import { GatedOperator } from './operators/gated';
import { computeGates } from './operators/gates';
import { SquaredLoss } from '../losses/squared';
import { CrossEntropyLoss } from '../losses/cross-entropy';
import { GroupL2 } from './penalties/group-l2';
import { betaMax } from './problem';
import { checkScale } from './scale-check';
import { checkSolveFits } from './memory-estimate';
import { Rng } from '../core/rng';

export type ModelKind = 'attention' | 'gated';
export type LossKind = 'squared' | 'ce';

export interface Tokens {
  X: Float64Array;
  N: number;
  n: number;
  d: number;
}

export interface Targets {
  /** (N, c) for squared loss */
  Y?: Float64Array;
  /** (N,) integer labels for cross-entropy */
  y?: Int32Array;
  c: number;
}

export interface Gating {
  h: number;
  U1: Float64Array;
  U2: Float64Array;
}

export interface ProblemSpec {
  model: ModelKind;
  loss: LossKind;
  /** gated only: the gates (U1, U2); drawn from N(0, 1) with `seed` when absent */
  gating?: Gating;
  heads?: number;
  seed?: number;
  float32?: boolean;
}

export interface AttentionProblem {
  problem: Problem;
  /** With float32 GEMMs: the same problem in float64, in which the certificate is finished. */
  exact?: Problem;
  betaMax: number;
  spec: ProblemSpec;
  gating?: Gating;
  /** (c, n, d) or (h, c, n, d) */
  zShape: number[];
}

export function drawGating(h: number, n: number, d: number, seed: number): Gating {
  const rng = new Rng(seed);
  return { h, U1: rng.normals(h * n), U2: rng.normals(h * d) };
}

export function makeDatafit(loss: LossKind, t: Targets, N: number): Datafit {
  if (loss === 'squared') {
    if (!t.Y) throw new Error('squared loss needs targets Y (N, c)');
    return new SquaredLoss(t.Y, N, t.c);
  }
  if (!t.y) throw new Error('cross-entropy loss needs integer labels y (N,)');
  return new CrossEntropyLoss(t.y, t.c);
}

/** Builds operator x datafit x penalty; beta is set by withBeta. */
export function buildProblem(tokens: Tokens, targets: Targets, spec: ProblemSpec): AttentionProblem {
  const { N, n, d } = tokens;
  const c = targets.c;
  checkSolveFits(N, n, d, c, spec.model === 'gated' ? spec.gating?.h ?? spec.heads ?? 8 : 1);
  let gating: Gating | undefined;
  let zShape: number[];
  let makeOperator: (X: FloatArray) => LinearOperator;
  if (spec.model === 'attention') {
    makeOperator = (X) => new AttentionOperator(X, N, n, d, c);
    zShape = [c, n, d];
  } else {
    const g = (gating = spec.gating ?? drawGating(spec.heads ?? 8, n, d, spec.seed ?? 0));
    const D = computeGates(tokens.X, N, n, d, g.U1, g.U2, g.h);
    makeOperator = (X) => new GatedOperator(X, N, n, d, c, D, g.h);
    zShape = [g.h, c, n, d];
  }
  const operator = makeOperator(spec.float32 ? Float32Array.from(tokens.X) : tokens.X);
  const datafit = makeDatafit(spec.loss, targets, N);
  const penalty = new GroupL2(d);
  const exactOperator = spec.float32 ? makeOperator(tokens.X) : operator;
  const bmax = betaMax(exactOperator, datafit, penalty);
  checkScale(tokens.X, exactOperator, datafit, bmax, targets.Y);
  const exact = spec.float32 ? { operator: exactOperator, datafit, penalty, beta: bmax } : undefined;
  return { problem: { operator, datafit, penalty, beta: bmax }, exact, betaMax: bmax, spec, gating, zShape };
}

/** The same problem at another beta (a path shares operator and data). */
export function withBeta(ap: AttentionProblem, beta: number): AttentionProblem {
  if (!(beta > 0) || !Number.isFinite(beta)) throw new Error(`beta must be a positive finite number, got ${beta}`);
  return { ...ap, problem: { ...ap.problem, beta }, exact: ap.exact && { ...ap.exact, beta } };
}

/** Predictions of the convex model Z on other tokens (a test split), with the same gates. */
export function predictConvex(ap: AttentionProblem, Z: Float64Array, tokens: Tokens, c: number): Float64Array {
  const { X, N, n, d } = tokens;
  const op: LinearOperator = ap.gating
    ? new GatedOperator(X, N, n, d, c, computeGates(X, N, n, d, ap.gating.U1, ap.gating.U2, ap.gating.h), ap.gating.h)
    : new AttentionOperator(X, N, n, d, c);
  const pred = new Float64Array(N * c);
  op.apply(Z, pred);
  return pred;
}
