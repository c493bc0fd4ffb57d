// Primal and dual values of  min_w f(A w) + beta * Omega(w)  and the dual point that certifies it.
//
// Fenchel dual: max_theta -f*(-theta)  s.t.  Omega_D(A^T theta) <= beta, which for the attention
// programs is eq. (21), (28) or (33): every token group of A^T theta has l2 norm <= beta.
// From any w, theta = -grad f(A w) / max(1, Omega_D(A^T grad f(A w)) / beta) is feasible, and
// -f*(-theta) is a lower bound on the optimum (weak duality). At the optimum it is tight.
import type { Datafit, LinearOperator, Penalty, Problem } from './types';

export function primalValue(problem: Problem, w: Float64Array, pred: Float64Array): number {
  return problem.datafit.value(pred) + problem.beta * problem.penalty.value(w);
}

/**
 * The dual value at the point built from the loss gradient `grad` (at some prediction) and
 * `AtGrad` = A^T grad, already computed by the caller (the solver has both for free), and its dual
 * norm, when the caller has it too (the Burer-Monteiro solver's SVDs). On return
 * `scratch` holds -theta, the dual point itself.
 */
export function dualValue(problem: Problem, grad: Float64Array, AtGrad: Float64Array, scratch: Float64Array, omega = problem.penalty.dualNorm(AtGrad)): number {
  const scale = Math.max(1, omega / problem.beta);
  // -theta = grad / scale
  for (let i = 0; i < grad.length; i++) scratch[i] = grad[i] / scale;
  return -problem.datafit.conjugate(scratch);
}

/**
 * Checks a dual point from scratch: its value -f*(-theta) (a lower bound on the optimum) and its
 * feasibility Omega_D(A^T theta) / beta, which must be at most 1 up to rounding.
 */
export function verifyDualPoint(problem: Problem, theta: Float64Array): { value: number; feasibility: number } {
  const AtTheta = new Float64Array(problem.operator.cols);
  problem.operator.applyT(theta, AtTheta);
  const negTheta = theta.map((v) => -v);
  return { value: -problem.datafit.conjugate(negTheta), feasibility: problem.penalty.dualNorm(AtTheta) / problem.beta };
}

/** The smallest beta at which w = 0 is optimal: Omega_D(A^T grad f(0)). */
export function betaMax(operator: LinearOperator, datafit: Datafit, penalty: Penalty): number {
  const zero = new Float64Array(operator.rows);
  const grad = new Float64Array(operator.rows);
  datafit.gradient(zero, grad);
  const g = new Float64Array(operator.cols);
  operator.applyT(grad, g);
  return penalty.dualNorm(g);
}

export function relativeGap(primal: number, dual: number): number {
  const gap = Math.max(0, primal - dual);
  return gap === 0 ? 0 : gap / Math.max(Math.abs(primal), Number.MIN_VALUE);
}
