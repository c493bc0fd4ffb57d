// What every program does the same way once it has an operator: the datafit for the loss, the
// penalty (the group l2 over token rows unless the program gives its own), beta_max, the scale
// check, and the float64 twin of a float32 problem. A program only says how to make its operator.
import type { Datafit, LinearOperator, LossKind, Penalty, Problem, Targets, Tokens } from '../types';
import { targetRows } from '../../data/tokens';
import type { FloatArray } from '../../core/blas';
import { SquaredLoss } from '../../losses/squared';
import { CrossEntropyLoss } from '../../losses/cross-entropy';
import { GroupL2 } from '../penalties/group-l2';
import { betaMax } from '../duality';
import { checkScale } from '../scale-check';
import type { OperatorOptions } from '../operators/row-blocks';

export function makeDatafit(loss: LossKind, t: Targets, N: number): Datafit {
  if (loss === 'squared') {
    if (!t.Y) throw new Error('squared loss needs targets Y (N, c)');
    return new SquaredLoss(t.Y, targetRows(t, N), t.c);
  }
  if (!t.y) throw new Error('cross-entropy loss needs integer labels y (N,)');
  return new CrossEntropyLoss(t.y, t.c);
}

export interface Assembled {
  problem: Problem;
  exact?: Problem;
  betaMax: number;
}

/**
 * operator x datafit x penalty (by default the group l2 over token rows) at beta = beta_max. With
 * float32 GEMMs the operator runs on X in float32 (X itself when it is stored so, `--float32-data`,
 * else a copy) and the exact twin in float64 on X as given.
 */
export function assemble(
  tokens: Tokens, targets: Targets, loss: LossKind, float32: boolean, makeOperator: (X: FloatArray, o: OperatorOptions) => LinearOperator,
  penalty: Penalty = new GroupL2(tokens.d),
): Assembled {
  const exactOperator = makeOperator(tokens.X, { precision: 'float64' });
  const operator = float32
    ? makeOperator(tokens.X instanceof Float32Array ? tokens.X : Float32Array.from(tokens.X), { precision: 'float32' })
    : exactOperator;
  const datafit = makeDatafit(loss, targets, tokens.N);
  const bmax = betaMax(exactOperator, datafit, penalty);
  checkScale(tokens.X, exactOperator, datafit, bmax, targets.Y);
  const exact = float32 ? { operator: exactOperator, datafit, penalty, beta: bmax } : undefined;
  return { problem: { operator, datafit, penalty, beta: bmax }, exact, betaMax: bmax };
}

/** The same built program at another beta (a path shares operator and data). */
export function withBeta<B extends { problem: Problem; exact?: Problem }>(built: B, beta: number): B {
  if (!(beta > 0) || !Number.isFinite(beta)) throw new Error(`beta must be a positive finite number, got ${beta}`);
  return { ...built, problem: { ...built.problem, beta }, exact: built.exact && { ...built.exact, beta } };
}
