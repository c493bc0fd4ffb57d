// One entry point for the solvers, so callers choose by name.
import type { Problem, SolveResult } from './types';
import { fista } from './solvers/fista';
import { adamConvex, type AdamOptions } from './solvers/adam';

export type SolverKind = 'fista' | 'adam';

export function solve(problem: Problem, solver: SolverKind, opts: AdamOptions = {}): SolveResult {
  return solver === 'fista' ? fista(problem, opts) : adamConvex(problem, opts);
}
