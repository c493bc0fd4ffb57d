// One entry point for the solvers. The solver's needs (solvers/capabilities.ts) are checked
// against the program before any work, so an incompatible program/solver/loss is refused with one
// line. With float32 GEMMs the iterations run in single precision and the certificate is finished
// in float64: FISTA continues from the float32 point on the float64 operator until the float64 gap
// reaches tol (usually a few iterations); Adam gets its final certificate evaluated in float64.
// Either way the reported bound is a float64 proof.
// `auto` (the default) picks the Gram form for the squared loss when the operator offers its Gram
// matrix (attention, gated), an iteration on it costs at most half of FISTA's two passes over the
// data, and forming it costs at most GRAM_SETUP_ITERATIONS of FISTA's iterations (solvers/fista-gram.ts; measured in
// bench/RESULTS.md); FISTA otherwise. Where the Gram form stalls (a near-exact fit) `auto` hands its
// point to FISTA. For other losses (cross-entropy) on a float64 token design (attention) `auto`
// runs FISTA first, which certifies the well-conditioned problems in about 50 iterations (planted
// data), and hands a point that is not yet certified to the prox-Newton solver with working sets and
// Gap Safe screening (solvers/prox-newton.ts; `solver: "fista+newton"`), which wins where FISTA
// needs hundreds or thousands (Fashion-MNIST; bench/RESULTS.md): after NEWTON_PROBE[0] iterations
// if the gap is still above NEWTON_PROBE_GAP (far from any tolerance), else after NEWTON_PROBE[1].
// A nuclear-norm program too large for the solvers that iterate on the operator and the prox
// (Problem.tooLargeToIterate: gated attention at the medium size, linear attention above
// d = 32) goes to the Burer-Monteiro solver, which applies the operator once per certificate and
// takes no SVD of Z.
// The choice decides the time only: every path ends on the same certificate. `fista` forces the
// reference, `gram` and `newton` those solvers alone.
import type { Certificate, Problem, SolveResult } from './types';
import type { BuiltProgram } from './programs/program';
import { fista } from './solvers/fista';
import { fistaGram, gramCostRatio, gramUnavailable } from './solvers/fista-gram';
import { newtonUnavailable, proxNewton } from './solvers/prox-newton';
import { adamConvex, type AdamOptions } from './solvers/adam';
import { burerMonteiro } from './solvers/burer-monteiro';
import { certifyAt } from './solvers/certify-at';
import { checkCapabilities, type SolverKind } from './solvers/capabilities';

export type { SolverKind };
export type SolverChoice = SolverKind | 'auto';
type SolveMethod = NonNullable<SolveResult['method']>;
/** A solve through solve() or solveCertified(): it says which solver ran, and in which precision its iterations ran. */
export type ChosenSolve = SolveResult & { method: SolveMethod; precision: 'float64' | 'float32' };
export const SOLVER_CHOICES: readonly SolverChoice[] = ['auto', 'fista', 'gram', 'newton', 'adam', 'bm'];

const FLOAT32_TOL = 1e-5;
/** The Gram form when its iteration costs at most this share of a FISTA iteration, and G is at most this wide. */
const GRAM_COST_RATIO = 0.5;
/** Forming G (N q^2 multiply-adds, by dsyrk N q^2 / 2) may cost at most this many FISTA iterations. */
const GRAM_SETUP_ITERATIONS = 40;
/**
 * dsyrk forms G at about 3x the rate of the operators' skinny products, so its multiply-adds count
 * a third (measured: 61 against 19.5 GFLOP/s, gated N 10,000, q 2,048, where the Gram form then
 * certified in 1.85 s against FISTA's 2.76 s).
 */
const SYRK_SPEEDUP = 3;
/** FISTA iterations `auto` spends on cross-entropy before it hands the point to prox-Newton: the first while the gap is above NEWTON_PROBE_GAP, the second otherwise. */
export const NEWTON_PROBE = [30, 100] as const, NEWTON_PROBE_GAP = 1e-2;
/**
 * `auto` leaves groups wider than this to FISTA: prox-Newton eigendecomposes a d x d block per group
 * (d^3) and forms it from the subsample (m d^2); with the kernel program's 256 features per token it
 * ran 4x slower than FISTA (review, 1,000 Fashion-MNIST images), with attention's 49 pixels 5x faster.
 */
export const NEWTON_MAX_GROUP = 64;
/** Certificates without progress before `auto` leaves the Gram form for FISTA. */
const GRAM_STALL_CERTIFICATES = 5;

/** The solver `auto` runs on `problem`: the Gram form where it is cheaper, FISTA otherwise. */
export function chooseSolver(problem: Problem, asked: SolverChoice): SolverKind {
  if (asked !== 'auto') return asked;
  if (problem.factored && problem.tooLargeToIterate !== undefined) return 'bm'; // the only one that takes it
  if (problem.datafit.name !== 'squared') return newtonUnavailable(problem) || problem.operator.tokenDesign!.d > NEWTON_MAX_GROUP ? 'fista' : 'newton';
  if (gramUnavailable(problem)) return 'fista';
  const op = problem.operator, q = op.gramWidth!, N = op.rows / (op.cols / q);
  const setup = N * q * q / 2 / SYRK_SPEEDUP, fistaIteration = 2 * op.flopsPerApply / 2; // multiply-adds
  return gramCostRatio(problem) <= GRAM_COST_RATIO && setup <= GRAM_SETUP_ITERATIONS * fistaIteration ? 'gram' : 'fista';
}

/** Options for a phase that continues one that spent `before`: its limits are what is left, its progress counts on from there. */
function continuing(before: Certificate, opts: AdamOptions): AdamOptions {
  const { iterations, seconds } = before;
  const report = opts.onProgress;
  return {
    ...opts,
    maxIter: (opts.maxIter ?? 20000) - iterations,
    timeLimit: opts.timeLimit === undefined ? undefined : opts.timeLimit - seconds,
    onProgress: report && ((p) => report({ ...p, iteration: p.iteration + iterations, seconds: p.seconds + seconds })),
  };
}

/** No time or iterations left after the first phase, or it certified: no second phase. */
function finished(first: SolveResult, opts: AdamOptions): boolean {
  const { iterations, seconds } = first.certificate;
  return first.converged || iterations >= (opts.maxIter ?? 20000) || (opts.timeLimit !== undefined && seconds >= opts.timeLimit);
}

/** Two phases as one solve: the better certificate, iterations, seconds and passes summed. */
function joined(a: SolveResult, b: SolveResult, tol: number): SolveResult {
  const better = b.certificate.relGap <= a.certificate.relGap ? b : a;
  return {
    ...better,
    converged: better.certificate.relGap <= tol,
    certificate: { ...better.certificate, iterations: a.certificate.iterations + b.certificate.iterations, seconds: a.certificate.seconds + b.certificate.seconds },
    operatorApplications: a.operatorApplications + b.operatorApplications,
    operatorSeconds: a.operatorSeconds + b.operatorSeconds,
  };
}

/** `auto`'s Gram form: stopped where it stalls, then FISTA over the data from its point. */
function gramThenFista(problem: Problem, opts: AdamOptions): SolveResult & { method: SolveMethod } {
  const g = fistaGram(problem, { ...opts, stallCertificates: GRAM_STALL_CERTIFICATES });
  if (finished(g, opts)) return g;
  return { ...joined(g, fista(problem, { ...continuing(g.certificate, opts), w0: g.w }), opts.tol ?? 1e-6), method: 'gram+fista' };
}

/** `auto`'s cross-entropy path: FISTA's probe (NEWTON_PROBE), then prox-Newton from its point. */
function fistaThenNewton(problem: Problem, opts: AdamOptions): SolveResult & { method: SolveMethod } {
  const tol = opts.tol ?? 1e-6;
  let f = fista(problem, { ...opts, maxIter: Math.min(opts.maxIter ?? 20000, NEWTON_PROBE[0]) });
  if (!finished(f, opts) && f.certificate.relGap <= NEWTON_PROBE_GAP) {
    const more = continuing(f.certificate, opts);
    f = joined(f, fista(problem, { ...more, w0: f.w, maxIter: Math.min(more.maxIter!, NEWTON_PROBE[1] - NEWTON_PROBE[0]) }), tol);
  }
  if (finished(f, opts)) return { ...f, method: 'fista' };
  const nw = proxNewton(problem, { ...continuing(f.certificate, opts), w0: f.w });
  return { ...joined(f, nw, tol), method: 'fista+newton', screened: nw.screened };
}

export function solve(problem: Problem, solver: SolverChoice, opts: AdamOptions = {}): ChosenSolve {
  const kind = chooseSolver(problem, solver);
  const auto = solver === 'auto';
  const r: SolveResult & { method: SolveMethod } =
    kind === 'gram' ? (auto ? gramThenFista(problem, opts) : fistaGram(problem, opts))
    : kind === 'newton' ? (auto ? fistaThenNewton(problem, opts) : proxNewton(problem, opts))
    : kind === 'fista' ? { ...fista(problem, opts), method: 'fista' }
    : kind === 'bm' ? burerMonteiro(problem, opts)
    : { ...adamConvex(problem, opts), method: 'adam' };
  return { ...r, precision: problem.operator.precision };
}

export function solveCertified(built: Pick<BuiltProgram, 'problem' | 'exact'>, asked: SolverChoice, opts: AdamOptions = {}): ChosenSolve {
  const solver = chooseSolver(built.exact ?? built.problem, asked);
  // the Gram form iterates in float64 on G, prox-Newton on the float64 X, Burer-Monteiro on the float64 model, whatever precision the operator's GEMMs use
  if (solver === 'gram' || solver === 'newton' || solver === 'bm') return solve(built.exact ?? built.problem, asked, opts);
  // each solver checks too (it can be called alone); here the refusal comes before the float32 copy is used
  checkCapabilities(built.problem, solver);
  if (!built.exact) return solve(built.problem, solver, opts);
  const tol = opts.tol ?? 1e-6;
  // Single precision cannot certify much below ~1e-6: its rounding stalls the gap. Stop the
  // float32 phase at the looser of tol and FLOAT32_TOL, or when it stalls.
  const first = solve(built.problem, solver, { ...opts, tol: Math.max(tol, FLOAT32_TOL), stallIterations: 20 });
  const more = continuing(first.certificate, opts);
  // FISTA goes on in float64 while iterations and time are left; otherwise (Adam, or a limit
  // reached in float32) the float32 point is certified in float64 as it is, no iteration counted
  const left = more.maxIter! > 0 && (more.timeLimit === undefined || more.timeLimit > 0);
  const polish = solver === 'fista' && left
    ? fista(built.exact, { ...more, w0: first.w, targetPrimal: undefined })
    : certifyAt(built.exact, first.w, tol);
  const cert = polish.certificate;
  return {
    ...polish,
    method: solver,
    precision: built.problem.operator.precision,
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
