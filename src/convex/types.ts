// The interfaces of the convex side: a problem is operator x datafit x penalty (x beta).
import type { FloatArray } from '../core/blas';
import type { Datafit } from '../losses/datafit';
import type { Model } from '../nn/models/model';

// The types a problem is made of that live in lower layers, re-exported for the convex side.
export type { Datafit } from '../losses/datafit';
export type { Gating, LossKind, Targets, Tokens } from '../data/tokens';

/** The design of a problem, applied without materialising it. pred = A w, g = A^T r. */
export interface LinearOperator {
  readonly rows: number;
  readonly cols: number;
  apply(w: Float64Array, out: Float64Array): void;
  applyT(r: Float64Array, out: Float64Array): void;
  /** An estimate of the spectral norm ||A||_2 (power iteration); cached after the first call. */
  normEstimate(): number;
  /** Floating-point operations of one apply (the same for applyT), for GFLOP/s reports. */
  readonly flopsPerApply: number;
  /** The precision the GEMMs run in. */
  readonly precision: 'float64' | 'float32';
  /**
   * Operators of the form pred[i, l] = <w_l, f_i> (f_i sample i's q features) may offer their
   * Gram matrix F^T F (q x q, float64, row-major), which the squared loss's Gram-form solver
   * (solvers/fista-gram.ts) iterates on without touching the data. w is laid out
   * (gramBlocks, c, q / gramBlocks) and f_i (gramBlocks, q / gramBlocks): attention's one block
   * (w_l is row l), the gated program's h (f_i = [D_i1 x_i, ..., D_ih x_i]). Computing G costs a
   * pass over the data with q x q outputs per sample block.
   */
  gram?(): Float64Array;
  /** q, the width of the Gram matrix, known without computing it */
  readonly gramWidth?: number;
  /** the number of blocks of w and f_i (default 1) */
  readonly gramBlocks?: number;
  /**
   * Operators of the form pred[i, l] = sum_k <w[l, k, :], X[i, k, :]> (w as (c, n, d)) whose GEMMs
   * run in float64 may expose it: the prox-Newton solver (solvers/prox-newton.ts) works on one token's
   * columns of X at a time.
   */
  readonly tokenDesign?: TokenDesign;
}

/**
 * X (N, n, d) row-major, and c: the design of pred[i, l] = sum_k <w[l, k, :], X[i, k, :]>. X may be
 * float32 storage (`--float32-data`); whoever reads it sums in float64.
 */
export interface TokenDesign {
  X: FloatArray;
  N: number;
  n: number;
  d: number;
  c: number;
}

export interface Penalty {
  readonly name: string;
  /**
   * Where the penalty is finite, for a penalty that is +infinity somewhere (the simplex gauge): said
   * when a point given from outside (`check` on Z) lies outside it. Absent: finite everywhere.
   */
  readonly domain?: string;
  value(w: Float64Array): number;
  /**
   * out = prox_{step * penalty}(v), what proximal solvers (FISTA) step with. A penalty without a
   * closed-form prox leaves it out, and those solvers refuse it up front (solvers/capabilities.ts).
   */
  prox?(v: Float64Array, step: number, out: Float64Array): void;
  /** The dual norm; the dual constraint is dualNorm(A^T theta) <= beta. */
  dualNorm(u: Float64Array): number;
  /**
   * scale times a subgradient at w, into out (Adam on the convex objective steps along it with
   * scale = beta). A penalty without one declares so by leaving it out, and subgradient solvers
   * refuse it up front.
   */
  subgradient?(w: Float64Array, scale: number, out: Float64Array): void;
  /**
   * The stationarity part of the KKT conditions at w, given v = -A^T grad f(A w): how far v is
   * from beta times a subgradient of the penalty at w (kkt.ts). A penalty without one has no
   * KKT check.
   */
  optimality?(w: Float64Array, v: Float64Array, beta: number): PenaltyOptimality;
}

/** Residuals relative to beta, so they read the same at any scale of the data. */
export interface PenaltyOptimality {
  /** max over nonzero groups of ||v_g - beta w_g / ||w_g|| || / beta (0 at a KKT point) */
  stationarity: number;
  /** min over zero groups of 1 - ||v_g|| / beta (>= 0 at a KKT point); null without zero groups */
  zeroGroupSlack: number | null;
  nonzeroGroups: number;
  totalGroups: number;
}

export interface Problem {
  operator: LinearOperator;
  datafit: Datafit;
  penalty: Penalty;
  beta: number;
  /** Nuclear-norm programs: the same program over factors, for the Burer-Monteiro solver. */
  factored?: FactoredForm;
  /**
   * Set when the problem is too large for the solvers that apply the operator and the prox (or a
   * subgradient) in every iteration (fista, gram, newton, adam: hundreds of iterations), saying
   * why, as "has d = 64 features per token: ..." after the field X: an operator too heavy per
   * application (gated attention at the medium size), a Z whose SVD per iteration costs
   * seconds (linear attention above d = 32). bm, which applies the operator once per certificate
   * and takes no SVD of Z, still runs, and `auto` picks it (solvers/capabilities.ts).
   */
  tooLargeToIterate?: string;
}

/**
 * A nuclear-norm program min_Z f(A Z) + beta sum_g ||Z_g||_* over factors (Burer-Monteiro;
 * solvers/burer-monteiro.ts, docs/burer-monteiro.md): heads j, each on one block g(j), with
 * Z_g = sum_{j: g(j) = g} fromW1(W1j) vec(W2j)^T, evaluated by the program's non-convex model, whose
 * weight decay beta/2 sum_j (||W1j||^2 + ||W2j||^2) is at least beta sum_g ||Z_g||_* (equal at
 * balanced factors). The operator's Z is the blocks one after the other, each rows x cols row-major.
 */
export interface FactoredForm {
  readonly blocks: number;
  readonly rows: number;
  readonly cols: number;
  /** a left factor u (rows) in the layout of the model's W1j, and back */
  toW1(u: Float64Array, out: Float64Array): void;
  fromW1(w1: Float64Array, out: Float64Array): void;
  /** the model with one head per entry of gateOf (the block it adds to), params [W1 (m, rows), W2 (m, cols)] */
  model(gateOf: Int32Array, beta: number): Model;
  /** the training samples, as the model reads them */
  readonly input: Float64Array;
  readonly N: number;
  /**
   * About the flops of the model's forward pass over the N samples: flopsShared whatever the
   * heads, plus flopsPerHead for each (bm evaluates A Z by the cheaper of it and the operator).
   */
  readonly flopsShared: number;
  readonly flopsPerHead: number;
}

/** What every convex solve returns: how close to the global optimum it provably is. */
export interface Certificate {
  primal: number;
  /** The dual objective at a feasible dual point: a lower bound on the optimum. */
  dual: number;
  gap: number;
  relGap: number;
  iterations: number;
  seconds: number;
}

export interface SolveResult {
  w: Float64Array;
  /** A w, carried with w so nothing recomputes it. */
  pred: Float64Array;
  certificate: Certificate;
  /**
   * The dual-feasible point theta (one value per prediction) whose value is certificate.dual:
   * -f*(-theta) with Omega_D(A^T theta) <= beta. `verifyDualPoint` recomputes both from it, so
   * the bound can be checked anywhere without trusting the solver's bookkeeping.
   */
  dualPoint: Float64Array;
  converged: boolean;
  operatorApplications: number;
  operatorSeconds: number;
  /** the share of groups Gap Safe screening proved zero (prox-newton) */
  screened?: number;
  /** which solver ran (`solve` with solver 'auto' picks one; gram+fista: the Gram form stalled and FISTA finished; fista+newton: FISTA's probe did not certify and prox-Newton finished) */
  method?: 'fista' | 'gram' | 'gram+fista' | 'newton' | 'fista+newton' | 'adam' | 'bm';
}

export interface Progress {
  iteration: number;
  seconds: number;
  primal: number;
  dual: number;
  relGap: number;
  /** the best point so far (a live reference: copy it to keep it) */
  w?: Float64Array;
  /** the share of the penalty's groups that Gap Safe screening has proven zero (prox-newton) */
  screened?: number;
}

export interface SolveOptions {
  tol?: number;
  maxIter?: number;
  /** Warm start. */
  w0?: Float64Array;
  /** Called about every progressEvery iterations and at the end. */
  onProgress?: (p: Progress) => void;
  progressEvery?: number;
  /** Stop once the primal objective is at or below this (benchmarks: time to a suboptimality). */
  targetPrimal?: number;
  /** Wall-clock limit in seconds. */
  timeLimit?: number;
  /** Stop when the gap has not shrunk by 1% for this many iterations (rounding floor reached). */
  stallIterations?: number;
}

export type { FloatArray };
