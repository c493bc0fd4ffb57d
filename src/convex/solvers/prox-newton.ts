// Prox-Newton with working sets and Gap Safe screening (issue 12) for the group-l2 programs whose
// operator is a token design: pred[i, l] = sum_k <w[l, k, :], X[i, k, :]>, one group per w[l, k, :]
// (attention, eq. 10). docs/numerics.md has the derivation; in short, each outer iteration
//  1. computes A w, the loss gradient and g = A^T grad (two passes over X) and certifies that point
//     exactly as fista.ts does; the solve stops only on that full-problem certificate;
//  2. screens: with the dual point theta and the gap, Gap Safe (Ndiaye et al. 2017) proves a group
//     zero at every optimum when ||A_g^T theta|| + r ||A_g||_2 < beta, r = sqrt(2 L gap) (the dual is
//     1/L-strongly concave for a loss with an L-Lipschitz gradient). Screened groups never return;
//  3. picks a working set: the nonzero groups and the unscreened zero groups that violate the
//     optimality condition ||g_g|| <= beta most, at least twice as many groups as are nonzero;
//  4. minimises the local model <g, D> + 1/2 D^T A^T H A D + beta Omega(w + D) over the working
//     set by block coordinate descent, one token at a time: the token's groups (one per output) step
//     together, each with the exact minimiser of its own quadratic bound (the d x d block
//     sum_i b_il x_ik x_ik^T, b from the loss Hessian's Gershgorin bound, so the joint step never
//     raises the model; group-block.ts), while A D and H A D are kept up to date for the next
//     token's gradient. The model's curvature A^T H A is taken on a fixed seeded subsample of the
//     samples, scaled by N / m (sub-sampled Newton, Byrd et al. 2011; Roosta-Khorasani and Mahoney
//     2019), held in float32: a sweep then costs m / N of a pass over X at half the memory traffic,
//     and the gradient, the line search and the certificate stay exact (float64, every sample), so
//     the subsample changes the path, never the answer;
//     Once the support has settled (the same nonzero groups two outer iterations in a row, no zero
//     group violating its condition, and the last Newton step, if any, at least half taken), the penalty is smooth on the nonzero groups and the step
//     is a Newton step there instead: conjugate gradients on (A^T H A + beta Hess Omega) D = -grad,
//     preconditioned by each group's block, with Hessian-vector products on the same subsample;
//  5. searches along D (backtracking, Armijo on the whole objective; A D by one pass, then
//     A (w + t D) = A w + t A D), with the loss change taken through the Bregman divergence, exact
//     however small the step.
import type { Problem, SolveOptions, SolveResult } from '../types';
import type { SampleHessian } from '../../losses/datafit';
import { blas, mirrorUpper, syrkUpper, type FloatArray } from '../../core/blas';
import { BlockReader, forBlocks, rowsPerBlock } from '../operators/row-blocks';
import { eigh } from '../../core/linalg';
import { dualValue, primalValue } from '../duality';
import { GroupL2 } from '../penalties/group-l2';
import { groupNorms } from '../../losses/group-norms';
import { InputError } from '../../data/errors';
import { TimedOperator } from './timed-operator';
import { GapTracker } from './tracker';
import { checkCapabilities } from './capabilities';
import { Rng } from '../../core/rng';
import { minimiseGroupBlock } from './group-block';

/** Why the prox-Newton solver cannot run on `problem` ('' when it can). */
export function newtonUnavailable(problem: Problem): string {
  const t = problem.operator.tokenDesign;
  if (!t) return 'its operator is not a token design over float64 tokens (attention\'s is; gated and float32 operators are not)';
  if (!problem.datafit.hessian) return `the ${problem.datafit.name} loss declares no Hessian`;
  if (!(problem.penalty instanceof GroupL2) || problem.penalty.groupSize !== t.d) return 'it needs the group-l2 penalty over token rows';
  return '';
}

export interface NewtonOptions extends SolveOptions {
  /** Gap Safe screening (default on); off only to measure what it saves */
  screening?: boolean;
  /** samples in the Hessian's subsample (default: all of them up to HESSIAN_SAMPLES, then that) */
  hessianSamples?: number;
}

/** The model's curvature is taken on at most this many samples (a sweep then reads m x n x d floats). */
export const HESSIAN_SAMPLES = 8192;

/** Conjugate gradients stop at this relative residual (inexact Newton's forcing term), or after CG_MAX_STEPS steps. */
const CG_TOL = 0.1, CG_MAX_STEPS = 100;
/** The working set holds at least this many groups (or all unscreened ones). */
const MIN_WORKING_SET = 16;
/** Block coordinate descent sweeps per outer iteration at most. */
const MAX_SWEEPS = 40;
/** A sweep that lowers the model by less than this share of what the sweeps so far did ends the inner solve. */
const SWEEP_TOL = 0.01;
/** Armijo's constant and the line search's halvings. */
const ARMIJO = 1e-4, MAX_HALVINGS = 40;
/** Outer iterations in a row without a step, or without a 1% smaller gap, before the solve stops (rounding floor). */
const MAX_STALLS = 3, NEWTON_STALLS = 10;
/** Screening tests hold with this relative margin, far above the rounding of the norms they compare. */
const SCREEN_MARGIN = 1e-9;

/**
 * The Gap Safe radius: the optimal dual point lies within sqrt(2 L gap) of any feasible dual point
 * whose value is within `gap` of a primal value (the dual is 1/L-strongly concave when the loss's
 * gradient is L-Lipschitz).
 */
export function gapSafeRadius(lipschitz: number, gap: number): number {
  return Math.sqrt(2 * lipschitz * Math.max(0, gap));
}

/** ||X_k||_2 for each token k: the spectral norm of the (N x d) columns of token k. */
export function tokenSpectralNorms(X: FloatArray, N: number, n: number, d: number): Float64Array {
  const norms = new Float64Array(n), G = new Float64Array(n * d * d), nd = n * d;
  // one pass over X: float32 storage is widened a block of samples at a time
  const block = X instanceof Float64Array ? N : Math.min(N, rowsPerBlock(nd, 8)), reader = new BlockReader(X, nd, block, 'float64');
  forBlocks(N, block, (i0, m) => {
    const Xb = reader.rows(i0, m) as Float64Array;
    for (let k = 0; k < n; k++) syrkUpper(d, m, 1, Xb.subarray(k * d), nd, i0 === 0 ? 0 : 1, G.subarray(k * d * d), d);
  });
  for (let k = 0; k < n; k++) {
    const Gk = G.subarray(k * d * d, (k + 1) * d * d);
    mirrorUpper(Gk, d);
    norms[k] = Math.sqrt(Math.max(0, eigh(Gk, d).values[d - 1]));
  }
  return norms;
}

/** The solve, and which groups screening proved zero (1 at group l * n + k). */
export type NewtonResult = SolveResult & { method: 'newton'; screenedGroups: Uint8Array };

export function proxNewton(problem: Problem, opts: NewtonOptions = {}): NewtonResult {
  checkCapabilities(problem, 'newton');
  const why = newtonUnavailable(problem);
  if (why) throw new InputError('solver', `newton cannot solve this program: ${why}; use \`solver\` fista`);
  const { datafit, beta } = problem;
  const { X, N, n, d, c } = problem.operator.tokenDesign!;
  const nd = n * d, cols = c * nd, rows = N * c, groups = c * n;
  const op = new TimedOperator(problem.operator);
  const tol = opts.tol ?? 1e-6, maxIter = opts.maxIter ?? 20000, screening = opts.screening ?? true;
  // an outer iteration that does not shrink the gap by 1% is a stall; NEWTON_STALLS in a row end the
  // solve (not converged): a step the line search accepts can still gain nothing
  const tracker = new GapTracker(cols, rows, { ...opts, stallIterations: opts.stallIterations ?? NEWTON_STALLS });
  const tokenNorm = tokenSpectralNorms(X, N, n, d);
  const screened = new Uint8Array(groups); // group l * n + k
  let nScreened = 0;

  // the Hessian's subsample (m samples, m x n x d, row-major as X) and its weight N / m
  const m = Math.min(N, Math.max(1, Math.floor(opts.hessianSamples ?? HESSIAN_SAMPLES)));
  const pick = m === N ? Int32Array.from({ length: N }, (_, i) => i) : new Rng(1).permutation(N).subarray(0, m).sort();
  // in float32: it only shapes the step (the line search and the certificate read X), and its GEMMs
  // are bound by memory traffic, which single precision halves
  const XS = new Float32Array(m * nd);
  for (let j = 0; j < m; j++) XS.set(X.subarray(pick[j] * nd, (pick[j] + 1) * nd), j * nd);
  const nu = N / m, ms = m * c;
  const HADS32 = new Float32Array(ms), U32 = new Float32Array(ms), Gk32 = new Float32Array(d * c), Dk32 = new Float32Array(c * d);
  const v32 = new Float32Array(cols), out32 = new Float32Array(cols);

  const w = opts.w0 ? Float64Array.from(opts.w0) : new Float64Array(cols);
  const pred = new Float64Array(rows), grad = new Float64Array(rows), g = new Float64Array(cols), negTheta = new Float64Array(rows);
  const delta = new Float64Array(cols), AD = new Float64Array(rows), trial = new Float64Array(rows);
  const predS = new Float64Array(ms), ADS = new Float64Array(ms), HADS = new Float64Array(ms), U = new Float64Array(ms), bound = new Float64Array(ms);
  const scaled = new Float64Array(m * d), Gk = new Float64Array(d * c), Dk = new Float64Array(c * d);
  const P = new Float64Array(d * d), x0 = new Float64Array(d), b = new Float64Array(d), x = new Float64Array(d);
  const Q: Float64Array[] = new Array(groups), lam: Float64Array[] = new Array(groups);

  /** Q, lam: the eigendecomposition of each listed group's block P = nu sum_{i in S} b_il x_ik x_ik^T. */
  const curvature = (H: SampleHessian, byToken: readonly number[][]) => {
    const mask = new Uint8Array(c);
    for (let k = 0; k < n; k++) {
      if (byToken[k].length === 0) continue;
      mask.fill(0);
      for (const l of byToken[k]) mask[l] = 1;
      H.diagonalBound(mask, bound);
      // a floor far below any curvature the data can have keeps P positive definite (a linear model would step forever)
      const ridge = 1e-12 * datafit.lipschitz * tokenNorm[k] ** 2 + Number.MIN_VALUE;
      for (const l of byToken[k]) {
        for (let j = 0; j < m; j++) {
          const sq = Math.sqrt(Math.max(0, bound[j * c + l])), o = j * nd + k * d;
          for (let t = 0; t < d; t++) scaled[j * d + t] = sq * XS[o + t];
        }
        syrkUpper(d, m, nu, scaled, d, 0, P, d);
        for (let a = 0; a < d; a++) { P[a * d + a] += ridge; for (let e = 0; e < a; e++) P[a * d + e] = P[e * d + a]; }
        const eg = eigh(P, d);
        Q[l * n + k] = eg.vectors;
        lam[l * n + k] = eg.values.map((v) => Math.max(v, ridge));
      }
    }
  };

  /** Block coordinate descent on the model over the working set, token by token; returns <g, delta>. */
  const sweeps = (H: SampleHessian, ws: readonly number[], byToken: readonly number[][], penaltyChange: (t: number) => number) => {
    ADS.fill(0); HADS.fill(0);
    let lin = 0, model = 0, firstDrop = 0;
    for (let sweep = 0; sweep < MAX_SWEEPS; sweep++) {
      for (let k = 0; k < n; k++) {
        const outs = byToken[k];
        if (outs.length === 0) continue;
        const Xk = XS.subarray(k * d);
        // the model's gradient on token k's columns: g + nu X_k^T (H A D) over the subsample
        HADS32.set(HADS);
        blas.gemm(true, false, d, c, m, nu, Xk, nd, HADS32, c, 0, Gk32, c);
        Gk.set(Gk32);
        Dk.fill(0);
        let moved = false;
        for (const l of outs) {
          const gi = l * n + k, o = l * nd + k * d;
          for (let t = 0; t < d; t++) x0[t] = w[o + t] + delta[o + t];
          minimiseGroupBlock(Q[gi], lam[gi], d, x0, (t) => g[o + t] + Gk[t * c + l], beta, b, x);
          for (let t = 0; t < d; t++) {
            const step = x[t] - x0[t];
            if (step !== 0) moved = true;
            delta[o + t] += step;
            Dk[l * d + t] = step;
          }
        }
        if (!moved) continue;
        Dk32.set(Dk);
        blas.gemm(false, true, m, c, d, 1, Xk, nd, Dk32, d, 0, U32, c);
        U.set(U32);
        for (let i = 0; i < ms; i++) ADS[i] += U[i];
        H.times(U, HADS, true);
      }
      lin = dotOn(g, delta, ws, d);
      let quad = 0;
      for (let i = 0; i < ms; i++) quad += ADS[i] * HADS[i];
      const next = lin + 0.5 * nu * quad + beta * penaltyChange(1);
      const drop = model - next;
      model = next;
      if (sweep === 0) firstDrop = drop;
      if (!(drop > SWEEP_TOL * Math.max(firstDrop, -model)) || tracker.timeUp()) break;
    }
    return lin;
  };

  /**
   * The Newton step on the nonzero groups S, where Omega is smooth: conjugate gradients on
   * (nu A_S^T H A_S + beta diag((I - u u^T) / ||w_g||)) D = -(g + beta u), u = w_g / ||w_g||,
   * preconditioned by each group's block P + beta (I - u u^T) / ||w_g||. Returns <g, delta> and
   * the directional derivative.
   */
  const newtonStep = (H: SampleHessian, S: readonly number[], wNorms: Float64Array) => {
    const inv: Float64Array[] = [], ev: Float64Array[] = [];
    for (const gi of S) {
      const Qg = Q[gi], lg = lam[gi], o = gi * d, s = beta / wNorms[gi];
      for (let a = 0; a < d; a++) for (let e = 0; e < d; e++) {
        let v = 0;
        for (let j = 0; j < d; j++) v += Qg[a * d + j] * lg[j] * Qg[e * d + j];
        P[a * d + e] = v + s * ((a === e ? 1 : 0) - (w[o + a] * w[o + e]) / (wNorms[gi] * wNorms[gi]));
      }
      for (let a = 0; a < d; a++) for (let e = 0; e < a; e++) P[a * d + e] = P[e * d + a] = 0.5 * (P[a * d + e] + P[e * d + a]);
      const eg = eigh(P, d);
      inv.push(eg.vectors);
      ev.push(eg.values.map((v) => 1 / Math.max(v, lg[0])));
    }
    const offsets = S.map((gi) => gi * d); // group l * n + k starts at l * nd + k * d
    const hess = (v: Float64Array, out: Float64Array) => {
      v32.set(v);
      // U^T = V X_S^T (c x m), the faster shape for OpenBLAS here (bench: 6 ms against 7.4 for X_S V^T)
      blas.gemm(false, true, c, m, nd, 1, v32, nd, XS, nd, 0, U32, m);
      for (let j = 0; j < m; j++) for (let l = 0; l < c; l++) U[j * c + l] = U32[l * m + j];
      H.times(U, HADS);
      HADS32.set(HADS);
      blas.gemm(true, false, c, nd, m, nu, HADS32, c, XS, nd, 0, out32, nd);
      out.set(out32);
      S.forEach((gi, q) => {
        const o = offsets[q], nw = wNorms[gi];
        let uv = 0;
        for (let t = 0; t < d; t++) uv += w[o + t] * v[o + t];
        for (let t = 0; t < d; t++) out[o + t] += (beta / nw) * (v[o + t] - (w[o + t] * uv) / (nw * nw));
      });
    };
    const precondition = (r: Float64Array, z: Float64Array) => S.forEach((_, q) => {
      const o = offsets[q], V = inv[q], e = ev[q];
      for (let j = 0; j < d; j++) { let s = 0; for (let a = 0; a < d; a++) s += V[a * d + j] * r[o + a]; b[j] = s * e[j]; }
      for (let a = 0; a < d; a++) { let s = 0; for (let j = 0; j < d; j++) s += V[a * d + j] * b[j]; z[o + a] = s; }
    });
    const r = new Float64Array(cols), z = new Float64Array(cols), p = new Float64Array(cols), Hp = new Float64Array(cols), Hpr = new Float64Array(cols);
    S.forEach((gi, q) => { const o = offsets[q]; for (let t = 0; t < d; t++) r[o + t] = -(g[o + t] + (beta * w[o + t]) / wNorms[gi]); });
    const r0 = Math.sqrt(dotOn(r, r, S, d));
    precondition(r, z);
    p.set(z);
    let rz = dotOn(r, z, S, d);
    for (let step = 0; step < CG_MAX_STEPS && Math.sqrt(dotOn(r, r, S, d)) > CG_TOL * r0 && !tracker.timeUp(); step++) {
      hess(p, Hp);
      for (const o of offsets) Hpr.set(Hp.subarray(o, o + d), o); // the system restricted to S
      const alpha = rz / dotOn(p, Hpr, S, d);
      for (const o of offsets) for (let t = o; t < o + d; t++) { delta[t] += alpha * p[t]; r[t] -= alpha * Hpr[t]; }
      precondition(r, z);
      const rzNext = dotOn(r, z, S, d);
      for (const o of offsets) for (let t = o; t < o + d; t++) p[t] = z[t] + (rzNext / rz) * p[t];
      rz = rzNext;
    }
    // the directional derivative of the smooth restricted objective, <g + beta u, delta>
    const lin = dotOn(g, delta, S, d);
    let slope = lin;
    S.forEach((gi, q) => { const o = offsets[q]; for (let t = 0; t < d; t++) slope += (beta * w[o + t] * delta[o + t]) / wNorms[gi]; });
    return { lin, slope };
  };

  // the Newton step is tried once the support held for an iteration, and again after each one that
  // took at least half a step; a shorter one means a group is heading for zero, which only the
  // proximal sweeps can set exactly
  let it = 0, stalls = 0, lastSupport = '', newtonWorked = true;
  for (;;) {
    op.apply(w, pred);
    tracker.offerPrimal(primalValue(problem, w, pred), w, pred);
    datafit.gradient(pred, grad);
    op.applyT(grad, g);
    const dual = dualValue(problem, grad, g, negTheta);
    tracker.offerDual(dual, negTheta);
    const gNorms = groupNorms(g, d), wNorms = groupNorms(w, d);
    // theta = -grad / scale, so ||A_g^T theta|| = ||g_g|| / scale
    const scale = Math.max(1, gNorms.reduce((mx, v) => Math.max(mx, v), 0) / beta);
    if (screening) {
      const r = gapSafeRadius(datafit.lipschitz, tracker.bestPrimal - dual);
      for (let gi = 0; gi < groups; gi++) {
        if (screened[gi] || wNorms[gi] > 0) continue;
        if (gNorms[gi] / scale + r * tokenNorm[gi % n] < beta * (1 - SCREEN_MARGIN)) { screened[gi] = 1; nScreened++; }
      }
    }
    tracker.screened = nScreened / groups;
    tracker.report(it);
    if (tracker.done(tol) || it >= maxIter || stalls >= MAX_STALLS) break;
    it++;

    // the working set: nonzero groups first, then the worst violators among the unscreened zero ones
    const nonzero: number[] = [], violators: number[] = [];
    for (let gi = 0; gi < groups; gi++) {
      if (wNorms[gi] > 0) nonzero.push(gi);
      else if (!screened[gi] && gNorms[gi] > beta) violators.push(gi);
    }
    violators.sort((p, q) => gNorms[q] - gNorms[p]);
    const support = nonzero.join(',');
    const smooth: boolean = violators.length === 0 && nonzero.length > 0 && support === lastSupport && newtonWorked;
    lastSupport = support;
    const ws = smooth ? nonzero : [...nonzero, ...violators.slice(0, Math.max(MIN_WORKING_SET, 2 * nonzero.length) - nonzero.length)];
    const byToken: number[][] = Array.from({ length: n }, () => []);
    for (const gi of ws) byToken[gi % n].push(Math.floor(gi / n));

    for (let j = 0; j < m; j++) predS.set(pred.subarray(pick[j] * c, pick[j] * c + c), j * c);
    const H = datafit.hessian!(predS);
    // the Newton step uses the blocks as a preconditioner only: those of the last sweep, which
    // covered every group of the unchanged support, serve
    if (!smooth) curvature(H, byToken);
    // Omega(w + t delta) - Omega(w), group by group as (2 t <w_g, d_g> + t^2 ||d_g||^2) / (||w_g + t d_g|| + ||w_g||):
    // no cancellation between two large sums near the optimum
    const penaltyChange = (t: number) => ws.reduce((sum, gi) => {
      let wd = 0, dd = 0, moved = 0;
      for (let e = gi * d; e < gi * d + d; e++) { wd += w[e] * delta[e]; dd += delta[e] * delta[e]; moved += (w[e] + t * delta[e]) ** 2; }
      const den = Math.sqrt(moved) + wNorms[gi];
      return den > 0 ? sum + (2 * t * wd + t * t * dd) / den : sum;
    }, 0);
    delta.fill(0);
    // Armijo's slope: the directional derivative for the Newton step; for the proximal one, the
    // decrease its model predicts from the linear term and the penalty (Tseng and Yun 2009)
    let lin: number, slope: number;
    if (smooth) ({ lin, slope } = newtonStep(H, ws, wNorms));
    else { lin = sweeps(H, ws, byToken, penaltyChange); slope = lin + beta * penaltyChange(1); }

    // line search on the whole objective along delta
    let accepted = 0;
    if (slope < 0) {
      op.apply(delta, AD);
      for (let h = 0, t = 1; h < MAX_HALVINGS; h++, t /= 2) {
        for (let i = 0; i < rows; i++) trial[i] = pred[i] + t * AD[i];
        const change = t * lin + datafit.bregman(trial, pred) + beta * penaltyChange(t);
        if (change <= ARMIJO * t * slope) { accepted = t; break; }
      }
    }
    newtonWorked = !smooth || accepted >= 0.5;
    if (accepted > 0) {
      for (const gi of ws) for (let t = gi * d; t < gi * d + d; t++) w[t] += accepted * delta[t];
      stalls = 0;
    } else stalls++;
  }
  return { ...tracker.finish(it, tol, op), method: 'newton', screened: nScreened / groups, screenedGroups: screened };
}

/** sum over the listed groups of <a_g, b_g> */
function dotOn(a: Float64Array, b: Float64Array, set: readonly number[], d: number): number {
  let s = 0;
  for (const gi of set) for (let t = gi * d; t < gi * d + d; t++) s += a[t] * b[t];
  return s;
}
