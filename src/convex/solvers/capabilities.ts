// What each solver needs from a problem, declared here and checked before any work: a solver
// refuses a penalty or datafit that does not offer it with one line naming what is missing,
// instead of failing (or branching on a class) halfway through a solve.
import type { Problem } from '../types';
import { InputError } from '../../data/errors';

export type SolverKind = 'fista' | 'gram' | 'newton' | 'adam' | 'bm';

interface Needs {
  penalty: readonly string[];
  datafit: readonly string[];
  /** parts of the problem itself */
  problem?: readonly string[];
  /** what to try instead, for the message */
  instead: string;
  /** applies the operator and the prox (or a subgradient) in every iteration: refuses a problem tooLargeToIterate */
  iterates: boolean;
}

export const SOLVER_NEEDS: Record<SolverKind, Needs> = {
  // a proximal step on the penalty; a step-size test through the Bregman divergence, started at
  // the Lipschitz constant of the loss gradient
  fista: { penalty: ['prox'], datafit: ['lipschitz', 'bregman'], instead: 'the adam solver needs only a subgradient', iterates: true },
  // FISTA on the squared loss's Gram form (fista-gram.ts, which also checks the loss and the
  // operator's Gram matrix): the prox
  gram: { penalty: ['prox'], datafit: [], instead: 'the fista solver needs neither the squared loss nor a Gram matrix', iterates: true },
  // prox-Newton with working sets (prox-newton.ts, which also checks the token design, the loss's
  // Hessian and the group-l2 penalty): the loss's step-size test in the line search
  newton: { penalty: [], datafit: ['bregman'], instead: 'the fista solver needs neither a token design nor a Hessian', iterates: true },
  // steps along a subgradient of the whole objective
  adam: { penalty: ['subgradient'], datafit: [], instead: 'the fista solver needs only the prox', iterates: true },
  // L-BFGS over the heads of a nuclear-norm program (burer-monteiro.ts): the program's factored
  // form, and the loss's Lipschitz constant for the step of a new head
  bm: { penalty: [], datafit: ['lipschitz'], problem: ['factored'], instead: 'bm runs on the nuclear-norm programs (linear-mhsa, gated-mhsa, mixer, gated-mixer); fista solves every program', iterates: false },
};

function offers(part: object, capability: string): boolean {
  const v = (part as Record<string, unknown>)[capability];
  return typeof v === 'function' || (typeof v === 'number' && Number.isFinite(v));
}

/** The capabilities `solver` needs that `problem` lacks, as "penalty group-l2: prox". */
export function missingCapabilities(problem: Problem, solver: SolverKind): string[] {
  const needs = SOLVER_NEEDS[solver];
  return [
    ...needs.penalty.filter((c) => !offers(problem.penalty, c)).map((c) => `the penalty ${problem.penalty.name} declares no ${c}`),
    ...needs.datafit.filter((c) => !offers(problem.datafit, c)).map((c) => `the datafit ${problem.datafit.name} declares no ${c}`),
    ...(needs.problem ?? []).filter((c) => !(problem as unknown as Record<string, unknown>)[c]).map((c) => `the program has no ${c} form`),
  ];
}

/**
 * Throws InputError('solver', ...) when `solver` cannot run on `problem`, and InputError('X', ...)
 * when it iterates on the operator and the prox and the problem is too large for that.
 */
export function checkCapabilities(problem: Problem, solver: SolverKind): void {
  const missing = missingCapabilities(problem, solver);
  if (missing.length > 0) {
    throw new InputError('solver', `${solver} cannot solve this program: ${missing.join(', ')}; ${SOLVER_NEEDS[solver].instead}`);
  }
  if (problem.tooLargeToIterate !== undefined && SOLVER_NEEDS[solver].iterates) {
    const instead = problem.factored ? '--solver bm (or auto) applies the operator once per certificate and takes no SVD of Z' : 'use smaller inputs';
    throw new InputError('X', `${problem.tooLargeToIterate}: too large for ${solver}, which iterates on it hundreds of times; ${instead}`);
  }
}
