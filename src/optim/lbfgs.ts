// Limited-memory BFGS (Nocedal & Wright, Numerical Optimization, Algorithm 7.4 and 7.5) on a
// smooth function of one flat vector, with a backtracking (Armijo) line search. The Burer-Monteiro
// solver (convex/solvers/burer-monteiro.ts) runs it on the factors of a nuclear-norm program; it
// stops after maxIter iterations, when the gradient norm is at most gtol, when stop() says so, or
// when the line search finds no decrease (a stationary point to rounding).
//
// A trial point of the line search is valued only; the gradient is taken where a step is
// accepted (and where the value is within rounding of f, for the slope test below). On a model the
// value is a forward pass and the gradient a backward pass, so a rejected trial costs a forward
// pass, not both. A rejected step is shortened to the minimiser of the
// quadratic through f(x), the slope at x and f at the trial (kept within [0.1, 0.5] of the step,
// Nocedal & Wright section 3.5), not by halving: a first step far too long, as after the curvature
// pairs were dropped, is shortened in a few trials.

/**
 * The function minimised: its value at x, and its gradient at the last point valued (the line
 * search asks for it only where it accepts a step). x is not kept by the function between calls.
 */
export interface SmoothFunction {
  value(x: Float64Array): number;
  gradient(g: Float64Array): void;
}

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
  /** calls of f.value and of f.gradient */
  values: number;
  gradients: number;
  /** why it stopped */
  reason: 'iterations' | 'gradient' | 'stopped' | 'no-decrease';
}

import { axpby, dot, norm2 as norm } from '../core/vec';

const ARMIJO = 1e-4, MAX_TRIALS = 40;
/** a rejected step is shortened to between these shares of itself */
const SHORTEN_MIN = 0.1, SHORTEN_MAX = 0.5;
/** the approximate Wolfe conditions (Hager & Zhang 2005): the slope's bounds, and how far above f the value may round */
const WOLFE = 0.9, APPROX_DELTA = 0.1, ROUNDING = 1e-13;

/** Minimises f from x (updated in place). */
export function lbfgs(f: SmoothFunction, x: Float64Array, opts: LbfgsOptions): LbfgsResult {
  const n = x.length, mem = opts.memory ?? 10;
  const pairs = opts.pairs ?? emptyPairs(), { S, Y, rho } = pairs;
  if (S.length > 0 && S[0].length !== n) S.length = Y.length = rho.length = 0; // another dimension: start afresh
  let g = new Float64Array(n), gNew = new Float64Array(n);
  const dir = new Float64Array(n), xNew = new Float64Array(n), alpha = new Float64Array(mem);
  let value = f.value(x), values = 1, gradients = 1;
  f.gradient(g);
  const startValue = value;
  const result = (iterations: number, reason: LbfgsResult['reason']): LbfgsResult => ({ startValue, value, iterations, values, gradients, reason });
  for (let it = 0; it < opts.maxIter; it++) {
    const gnorm = norm(g);
    if (gnorm <= (opts.gtol ?? 0)) return result(it, 'gradient');
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
    for (let trial = 0; trial < MAX_TRIALS; trial++) {
      let moved = false;
      for (let i = 0; i < n; i++) {
        xNew[i] = x[i] + step * dir[i];
        moved ||= xNew[i] !== x[i];
      }
      // a step that rounds to x would pass the Armijo test as value <= value: no step left
      if (!moved) break;
      valueNew = f.value(xNew);
      values++;
      if (valueNew <= value + ARMIJO * step * slope) {
        f.gradient(gNew);
        gradients++;
        accepted = true;
        break;
      }
      // Near a minimum the decrease step * slope falls below the rounding of f, and the Armijo test
      // fails on noise; Hager & Zhang's approximate Wolfe conditions decide on the slope instead:
      // f no higher than rounding allows, and the slope along dir at the new point between
      // WOLFE * slope and -(1 - 2 APPROX_DELTA) * slope (it went down, and not past the minimum by much).
      if (valueNew <= value + ROUNDING * Math.abs(value)) {
        f.gradient(gNew);
        gradients++;
        const slopeNew = dot(gNew, dir);
        if (slopeNew >= WOLFE * slope && slopeNew <= (2 * APPROX_DELTA - 1) * slope) { accepted = true; break; }
      }
      step = shortened(step, slope, valueNew - value);
    }
    if (!accepted) return result(it, 'no-decrease');
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
    if (opts.stop?.()) return result(it + 1, 'stopped');
  }
  return result(opts.maxIter, 'iterations');
}

/**
 * The next trial step after step was rejected with f(x + step dir) - f(x) = rise: the minimiser of
 * the quadratic q(0) = 0, q'(0) = slope, q(step) = rise, within [SHORTEN_MIN, SHORTEN_MAX] x step
 * (the least where f was not finite).
 */
function shortened(step: number, slope: number, rise: number): number {
  const q = (-slope * step * step) / (2 * (rise - slope * step));
  return Number.isFinite(q) ? Math.min(SHORTEN_MAX * step, Math.max(SHORTEN_MIN * step, q)) : SHORTEN_MIN * step;
}
