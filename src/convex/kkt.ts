// Optimality of a given point w of  min_w f(A w) + beta Omega(w), computed from w alone (no
// solver is trusted): the duality gap at the dual point w's own loss gradient gives, and the KKT
// conditions of Fisher et al. section 3.4 as residuals relative to beta. docs/kkt.md derives them.
//   v = -A^T grad f(A w), the dual constraint matrix sum_i alpha_i X_i of eq. (8) at alpha = -grad f
//   dual feasibility  Omega_D(v) <= beta                      -> dualFeasibility = Omega_D(v) / beta
//   stationarity      v in beta dOmega(w), group by group     -> the penalty's optimality()
// The gap bounds the suboptimality of w; the residuals say where it is not optimal.
import type { PenaltyOptimality, Problem } from './types';
import { dualValue, primalValue, relativeGap } from './duality';

export interface KktReport extends PenaltyOptimality {
  primal: number;
  /** the dual value at w's own (rescaled) loss gradient: a lower bound on the optimum */
  dual: number;
  gap: number;
  relGap: number;
  /** Omega_D(v) / beta with v = -A^T grad f(A w): at most 1 at a KKT point */
  dualFeasibility: number;
}

export function kktReport(problem: Problem, w: Float64Array): KktReport {
  const { operator, datafit, penalty, beta } = problem;
  if (!penalty.optimality) throw new Error(`the ${penalty.name} penalty has no KKT check`);
  const pred = new Float64Array(operator.rows);
  operator.apply(w, pred);
  const grad = new Float64Array(operator.rows);
  datafit.gradient(pred, grad);
  const AtGrad = new Float64Array(operator.cols);
  operator.applyT(grad, AtGrad);
  const primal = primalValue(problem, w, pred);
  const dual = dualValue(problem, grad, AtGrad, new Float64Array(grad.length));
  const v = AtGrad.map((x) => -x);
  return {
    primal, dual, gap: primal - dual, relGap: relativeGap(primal, dual),
    dualFeasibility: penalty.dualNorm(v) / beta,
    ...penalty.optimality(w, v, beta),
  };
}

export type KktResiduals = Pick<KktReport, 'dualFeasibility' | 'stationarity' | 'zeroGroupSlack'>;

/** The residuals alone, as result.json of a fit carries them. */
export function kktResiduals(r: KktReport): KktResiduals {
  return { dualFeasibility: r.dualFeasibility, stationarity: r.stationarity, zeroGroupSlack: r.zeroGroupSlack };
}
