// FISTA to a certified 1e-6, or the line with which it refuses a problem too large to iterate on
// (Problem.tooLargeToIterate: bm then runs alone); the benches of the nuclear-norm programs share it.
import type { Problem } from '../src/convex/types';
import { fista } from '../src/convex/solvers/fista';
import { InputError } from '../src/data/errors';

export function fistaOrRefusal(problem: Problem): ReturnType<typeof fista> | string {
  try {
    return fista(problem, { tol: 1e-6, maxIter: 100000 });
  } catch (e) {
    if (!(e instanceof InputError)) throw e;
    return `refused: ${e.message}`;
  }
}
