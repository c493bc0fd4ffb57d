// One entry point for the solvers. The solver's needs (solvers/capabilities.ts) are checked
// against the program before any work, so an incompatible program/solver/loss is refused with one
// line. With float32 GEMMs the iterations run in single precision and the certificate is finished
// in float64: FISTA continues from the float32 point on the float64 operator until the float64 gap
// reaches tol (usually a few iterations); Adam gets its final certificate evaluated in float64.
// Either way the reported bound is a float64 proof.
import type { Problem, SolveResult } from './types';
import type { BuiltProgram } from './programs/program';
import { fista } from './solvers/fista';
import { adamConvex, type AdamOptions } from './solvers/adam';
import { checkCapabilities, type SolverKind } from './solvers/capabilities';

export type { SolverKind };

const FLOAT32_TOL = 1e-5;

export function solve(problem: Problem, solver: SolverKind, opts: AdamOptions = {}): SolveResult {
  return solver === 'fista' ? fista(problem, opts) : adamConvex(problem, opts);
}

export function solveCertified(built: Pick<BuiltProgram, 'problem' | 'exact'>, solver: SolverKind, opts: AdamOptions = {}): SolveResult {
  // each solver checks too (it can be called alone); here the refusal comes before the float32 copy is used
  checkCapabilities(built.problem, solver);
  if (!built.exact) return solve(built.problem, solver, opts);
  const tol = opts.tol ?? 1e-6;
  // Single precision cannot certify much below ~1e-6: its rounding stalls the gap. Stop the
  // float32 phase at the looser of tol and FLOAT32_TOL, or when it stalls.
  const first = solve(built.problem, solver, { ...opts, tol: Math.max(tol, FLOAT32_TOL), stallIterations: 20 });
  const rest = Math.max(1, (opts.maxIter ?? 20000) - first.certificate.iterations);
  const polish = solver === 'fista'
    ? fista(built.exact, { ...opts, w0: first.w, maxIter: rest, targetPrimal: undefined })
    // one float64 iteration of Adam at lr 0 evaluates the certificate at Adam's point
    : adamConvex(built.exact, { ...opts, w0: first.w, lr: 0, maxIter: 1, onProgress: undefined });
  const cert = polish.certificate;
  return {
    ...polish,
    converged: cert.relGap <= tol,
    certificate: {
      ...cert,
      iterations: first.certificate.iterations + cert.iterations,
      seconds: first.certificate.seconds + cert.seconds,
    },
    operatorApplications: first.operatorApplications + polish.operatorApplications,
    operatorSeconds: first.operatorSeconds + polish.operatorSeconds,
  };
}
