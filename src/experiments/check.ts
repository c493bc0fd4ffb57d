// `check`: is this model optimal? Given weights written by anyone (a convex Z, or the non-convex
// heads W1, W2, W3, gate in the layout `fit` writes), it evaluates their objective, the KKT
// residuals and duality gap at the convex point they stand for (src/convex/kkt.ts), and, unless
// that gap already proves them optimal, solves the program to a certificate starting from them.
// The verdict is proven either way or says it cannot tell:
//   optimal within tol      objective - lower bound <= tol |objective|
//   not optimal             objective - (a point the solve found) > tol |objective|
// Errors name config fields and the keys of the weights file.
import { readGating, type Dataset } from '../data/dataset';
import { float64Values, type NdArray } from '../data/ndarray';
import type { LossKind, Progress } from '../convex/types';
import { fitConfig, prepareProblem, chooseBeta } from './fit';
import { programNamed } from '../convex/registry';
import { withBeta } from '../convex/programs/assemble';
import { solveCertified } from '../convex/solve';
import { kktReport, type KktReport } from '../convex/kkt';
import { InputError } from '../data/errors';
import { missingKey } from '../data/missing-key';

export type WeightsKind = 'auto' | 'convex' | 'nonconvex';

export interface CheckConfig {
  model: string;
  loss: LossKind;
  beta?: number;
  betaFrac?: number;
  /** relative tolerance of the verdict */
  tol: number;
  /** iteration limit of the solve that looks for a better point or a tighter bound */
  maxIter: number;
  /** which weights to check: auto reads Z when the file has it, else W1, W2, W3 */
  weights: WeightsKind;
  /** the program's own options (gated: gates, seed) */
  [option: string]: unknown;
}

export interface CheckResult {
  model: string;
  loss: LossKind;
  weights: 'convex' | 'nonconvex';
  N: number; n: number; d: number; c: number; h: number | null;
  beta: number;
  betaMax: number;
  tol: number;
  /** the objective of the given weights: convex for Z, non-convex (eq. 9 / 29) for heads */
  objective: number;
  /** non-convex weights: their number of heads */
  heads: number | null;
  /** the duality gap and KKT residuals at Z, or at the Z the heads stand for */
  kkt: KktReport;
  /** the solve that tightened the bounds, or null when the gap at the weights already proved them */
  solve: { method: string; relGap: number; converged: boolean; iterations: number; seconds: number; primal: number; dual: number } | null;
  /** the best lower bound on the convex optimum (a certified one: a dual value) */
  lowerBound: number;
  /** objective - lowerBound: the given weights are at most this far above the optimum */
  suboptimalityAtMost: number;
  /** objective - the best point found: the given weights are at least this far above it (0 if none better) */
  suboptimalityAtLeast: number;
  relSuboptimalityAtMost: number;
  /** true: optimal within tol (proven); false: not (proven); null: the solve stopped before it could tell */
  optimal: boolean | null;
}

function pickKind(arrays: Record<string, NdArray>, asked: WeightsKind): 'convex' | 'nonconvex' {
  if (asked !== 'auto') return asked;
  if ('Z' in arrays) return 'convex';
  if ('W1' in arrays) return 'nonconvex';
  throw missingKey('Z', 'a convex Z, or the non-convex heads W1, W2, W3 (and gate)', Object.keys(arrays));
}

/** The data with the weights file's gates (U1, U2), which a gated model's weights carry. */
function withGates(data: Dataset, arrays: Record<string, NdArray>): Dataset {
  if (!('U1' in arrays) && !('U2' in arrays)) return data;
  const gating = readGating(arrays, data.train.n, data.train.d);
  const g = data.gating;
  if (g && (g.h !== gating.h || g.U1.some((v, i) => v !== gating.U1[i]) || g.U2.some((v, i) => v !== gating.U2[i]))) {
    throw new InputError('U1', 'in the weights differs from the data file\'s U1/U2; the gates must be the ones the weights were trained with');
  }
  return { ...data, gating };
}

export function runCheck(data: Dataset, arrays: Record<string, NdArray>, cfg: CheckConfig, onProgress?: (p: Progress) => void): CheckResult {
  if (!(cfg.tol > 0 && Number.isFinite(cfg.tol))) throw new InputError('tol', `must be a finite number > 0, got ${cfg.tol}`);
  const kind = pickKind(arrays, cfg.weights);
  const { tol: _t, maxIter: _m, weights: _w, ...fitFields } = cfg;
  // options the weights record (the kernel program's feature map) win; one given otherwise is refused
  const recorded = programNamed(cfg.model).optionsFromWeights?.(arrays) ?? {};
  for (const [field, v] of Object.entries(recorded)) {
    if (fitFields[field] !== undefined && fitFields[field] !== v) throw new InputError(field, `is ${String(fitFields[field])} but the weights were fit with ${field} ${v}`);
  }
  const fit = fitConfig({ ...fitFields, ...recorded, tol: cfg.tol, maxIter: cfg.maxIter });
  const base = prepareProblem(withGates(data, arrays), fit);
  const built = withBeta(base, chooseBeta(base, fit));
  const problem = built.exact ?? built.problem;
  const { n, d } = data.train;
  const { c } = data.trainTargets;
  let Z: Float64Array;
  let objective: number;
  let heads: number | null = null;
  if (kind === 'convex') {
    const a = arrays.Z;
    if (!a) throw missingKey('Z', `the convex weights, shape (${built.zShape.join(', ')})`, Object.keys(arrays));
    if (a.shape.join() !== built.zShape.join()) {
      throw new InputError('Z', `has shape (${a.shape.join(', ')}); expected (${built.zShape.join(', ')}) for ${built.program.name} on this data`);
    }
    a.values.forEach((v, i) => {
      if (!Number.isFinite(v)) throw new InputError('Z', `contains ${v} at flat index ${i}; expected finite numbers`);
    });
    Z = float64Values(a, 'Z');
    // a penalty that is +infinity off its domain (the simplex gauge) leaves nothing to compare
    if (problem.penalty.domain && !Number.isFinite(problem.penalty.value(Z))) {
      throw new InputError('Z', `is outside the ${problem.penalty.name} penalty's domain (${problem.penalty.domain}); Z saved in float32 loses that: save it in float64, or give the heads`);
    }
    objective = NaN; // the convex objective, from the KKT report below
  } else {
    const rec = built.readRecovered(arrays);
    heads = rec.H;
    objective = built.nonconvexObjective(data.train.X, data.train.N, rec, problem.beta).objective;
    Z = built.embed(rec);
  }
  const kkt = kktReport(problem, Z);
  if (kind === 'convex') objective = kkt.primal;
  const margin = (x: number) => x / Math.max(Math.abs(objective), Number.MIN_VALUE);
  let lowerBound = kkt.dual;
  let best = kkt.primal;
  let solve: CheckResult['solve'] = null;
  if (margin(objective - lowerBound) > cfg.tol) {
    // a tenth of tol, so that a model within tol is not called unproven by the solve's own slack
    const sol = solveCertified(built, 'auto', { tol: cfg.tol / 10, maxIter: cfg.maxIter, w0: Z, onProgress });
    const cert = sol.certificate;
    solve = { method: sol.method, relGap: cert.relGap, converged: sol.converged, iterations: cert.iterations, seconds: cert.seconds, primal: cert.primal, dual: cert.dual };
    lowerBound = Math.max(lowerBound, cert.dual);
    best = Math.min(best, cert.primal);
  }
  const atMost = objective - lowerBound;
  const atLeast = Math.max(0, objective - best);
  const optimal = margin(atMost) <= cfg.tol ? true : margin(atLeast) > cfg.tol ? false : null;
  return {
    model: built.program.name, loss: cfg.loss, weights: kind,
    N: data.train.N, n, d, c, h: built.h,
    beta: problem.beta, betaMax: built.betaMax, tol: cfg.tol,
    objective, heads, kkt, solve, lowerBound,
    suboptimalityAtMost: atMost, suboptimalityAtLeast: atLeast, relSuboptimalityAtMost: margin(atMost),
    optimal,
  };
}
