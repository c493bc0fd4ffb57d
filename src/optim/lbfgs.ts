// Limited-memory BFGS (Nocedal & Wright, Numerical Optimization, Algorithm 7.4 and 7.5) on a
// smooth function of one flat vector, with a backtracking (Armijo) line search. The Burer-Monteiro
// solver (convex/solvers/burer-monteiro.ts) runs it on the factors of a nuclear-norm program; it
// stops after maxIter iterations, when the gradient norm is at most gtol, when stop() says so, or
// when the line search finds no decrease (a stationary point to rounding).

/** f(x) and, into g, its gradient. */
export type ValueAndGradient = (x: Float64Array, g: Float64Array) => number;

export interface LbfgsOptions {
  maxIter: number;
  /** pairs (s, y) kept */
  memory?: number;
  /** stop when ||g||_2 <= gtol */
  gtol?: number;
  /** asked after every iteration (time limits) */
  stop?: () => boolean;
  /** the curvature pairs of an earlier call on the same function, to go on from (updated in place) */
  pairs?: LbfgsPairs;
}

/** The kept curvature pairs (s, y) and 1 / s'y. */
export interface LbfgsPairs { S: Float64Array[]; Y: Float64Array[]; rho: number[] }

export const emptyPairs = (): LbfgsPairs => ({ S: [], Y: [], rho: [] });

export interface LbfgsResult {
  /** f where it started, and where it stopped */
  startValue: number;
  value: number;
  iterations: number;
  evaluations: number;
  /** why it stopped */
  reason: 'iterations' | 'gradient' | 'stopped' | 'no-decrease';
}

import { axpby, dot, norm2 as norm } from '../core/vec';

const ARMIJO = 1e-4, MAX_HALVINGS = 40;
/** the approximate Wolfe conditions (Hager & Zhang 2005): the slope's bounds, and how far above f the value may round */
const WOLFE = 0.9, APPROX_DELTA = 0.1, ROUNDING = 1e-13;

/** Minimises f from x (updated in place). */
export function lbfgs(f: ValueAndGradient, x: Float64Array, opts: LbfgsOptions): LbfgsResult {
  const n = x.length, mem = opts.memory ?? 10;
  const pairs = opts.pairs ?? emptyPairs(), { S, Y, rho } = pairs;
  if (S.length > 0 && S[0].length !== n) S.length = Y.length = rho.length = 0; // another dimension: start afresh
  let g = new Float64Array(n), gNew = new Float64Array(n);
  const dir = new Float64Array(n), xNew = new Float64Array(n), alpha = new Float64Array(mem);
  let value = f(x, g), evaluations = 1;
  const startValue = value;
  for (let it = 0; it < opts.maxIter; it++) {
    const gnorm = norm(g);
    if (gnorm <= (opts.gtol ?? 0)) return { startValue, value, iterations: it, evaluations, reason: 'gradient' };
    // two-loop recursion: dir = -H g, H the inverse Hessian of the kept pairs, scaled by s'y / y'y
    dir.set(g);
    for (let k = S.length - 1; k >= 0; k--) {
      alpha[k] = rho[k] * dot(S[k], dir);
      axpby(dir, dir, -alpha[k], Y[k]);
    }
    const k0 = S.length - 1;
    // the first step: unit length (the gradient's scale says nothing about the curvature)
    const gamma = k0 >= 0 ? dot(S[k0], Y[k0]) / dot(Y[k0], Y[k0]) : 1 / Math.max(gnorm, 1e-300);
    for (let i = 0; i < n; i++) dir[i] *= gamma;
    for (let k = 0; k < S.length; k++) axpby(dir, dir, alpha[k] - rho[k] * dot(Y[k], dir), S[k]);
    for (let i = 0; i < n; i++) dir[i] = -dir[i];
    let slope = dot(g, dir);
    if (!(slope < 0)) { // not a descent direction (rounding in H): restart from the gradient
      S.length = Y.length = rho.length = 0;
      for (let i = 0; i < n; i++) dir[i] = -g[i] / Math.max(gnorm, 1e-300);
      slope = -gnorm;
    }
    let step = 1, valueNew = NaN, accepted = false;
    for (let h = 0; h < MAX_HALVINGS; h++, step /= 2) {
      for (let i = 0; i < n; i++) xNew[i] = x[i] + step * dir[i];
      valueNew = f(xNew, gNew);
      evaluations++;
      if (valueNew <= value + ARMIJO * step * slope) { accepted = true; break; }
      // Near a minimum the decrease step * slope falls below the rounding of f, and the Armijo test
      // fails on noise; Hager & Zhang's approximate Wolfe conditions decide on the slope instead:
      // f no higher than rounding allows, and the slope along dir at the new point between
      // WOLFE * slope and -(1 - 2 ARMIJO') * slope (it went down, and not past the minimum by much).
      const slopeNew = dot(gNew, dir);
      if (valueNew <= value + ROUNDING * Math.abs(value) && slopeNew >= WOLFE * slope && slopeNew <= (2 * APPROX_DELTA - 1) * slope) { accepted = true; break; }
    }
    if (!accepted) return { startValue, value, iterations: it, evaluations, reason: 'no-decrease' };
    const s = new Float64Array(n), y = new Float64Array(n);
    for (let i = 0; i < n; i++) { s[i] = xNew[i] - x[i]; y[i] = gNew[i] - g[i]; }
    const sy = dot(s, y);
    // keep the pair only with positive curvature along it (else H would not stay positive definite)
    if (sy > 1e-12 * norm(s) * norm(y)) {
      if (S.length === mem) { S.shift(); Y.shift(); rho.shift(); }
      S.push(s); Y.push(y); rho.push(1 / sy);
    }
    x.set(xNew);
    [g, gNew] = [gNew, g];
    value = valueNew;
    if (opts.stop?.()) return { startValue, value, iterations: it + 1, evaluations, reason: 'stopped' };
  }
  return { startValue, value, iterations: opts.maxIter, evaluations, reason: 'iterations' };
}
