// Sahiner et al.'s linear multi-head self-attention (eq. 5) and its convex program (eq. 6): the
// operator against a dense matrix built entry by entry from eq. 6, the nuclear norm's prox against
// its optimality conditions and random perturbations, the certificate closing below 1e-9, and the
// heads recovered from Z giving eq. 5's objective equal to the convex optimum.
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { LinearMhsaOperator, type MhsaOutput } from '../../src/convex/operators/linear-mhsa';
import { DenseOperator } from '../../src/convex/operators/dense';
import { NuclearNorm } from '../../src/convex/penalties/nuclear';
import { mhsaHeadsToZ, mhsaNonconvexObjective, mhsaPredict, recoverMhsaHeads } from '../../src/convex/recovery/mhsa-heads';
import { SquaredLoss } from '../../src/losses/squared';
import { CrossEntropyLoss } from '../../src/losses/cross-entropy';
import { betaMax, verifyDualPoint } from '../../src/convex/duality';
import { fista } from '../../src/convex/solvers/fista';
import type { Datafit, Problem } from '../../src/convex/types';
import { svd } from '../../src/core/linalg';
import { dot } from '../../src/core/vec';
import { assertClose, randLabels, randn, relDiff } from '../helpers';

const N = 7, s = 4, d = 3, c = 2;
const X = randn(N * s * d, 1);

/** A (rows (i, a, m) or (i, m), columns Z's (k d + t) dc + l c + m') straight from eq. 6. */
function dense(output: MhsaOutput): DenseOperator {
  const dc = d * c, cols = d * d * dc, S = output === 'tokens' ? s : 1;
  const A = new Float64Array(N * S * c * cols);
  for (let i = 0; i < N; i++) {
    const G = new Float64Array(d * d);
    for (let k = 0; k < d; k++) for (let l = 0; l < d; l++) for (let a = 0; a < s; a++) G[k * d + l] += X[(i * s + a) * d + k] * X[(i * s + a) * d + l];
    for (let a = 0; a < s; a++) for (let m = 0; m < c; m++) {
      // pred_i[a, m] = sum_{k,l,t} G[k,l] X_i[a,t] Z[(k d + t), (l c + m)]; the mean output averages a
      const row = output === 'tokens' ? (i * s + a) * c + m : i * c + m;
      const w = output === 'tokens' ? 1 : 1 / s;
      for (let k = 0; k < d; k++) for (let l = 0; l < d; l++) for (let t = 0; t < d; t++) {
        A[row * cols + (k * d + t) * dc + l * c + m] += w * G[k * d + l] * X[(i * s + a) * d + t];
      }
    }
  }
  return new DenseOperator(A, N * S * c, cols);
}

test('the linear-attention operator equals eq. 6 entry by entry, both outputs, and its adjoint is the transpose', () => {
  for (const output of ['tokens', 'mean'] as const) {
    const op = new LinearMhsaOperator(X, N, s, d, c, output), ref = dense(output);
    assert.equal(op.rows, ref.rows);
    assert.equal(op.cols, ref.cols);
    const w = randn(op.cols, 2), r = randn(op.rows, 3);
    const a = new Float64Array(op.rows), b = new Float64Array(op.rows), g = new Float64Array(op.cols), e = new Float64Array(op.cols);
    op.apply(w, a); ref.apply(w, b);
    assertClose(a, b, 1e-12, `${output}: apply`);
    op.applyT(r, g); ref.applyT(r, e);
    assertClose(g, e, 1e-12, `${output}: applyT`);
    assert.ok(relDiff(dot(a, r), dot(w, g)) < 1e-12, 'adjoint identity');
  }
});

test('one head of eq. 5 is the rank-one vec(W1^T) vec(W2)^T: its nuclear norm is ||W1|| ||W2|| and its prediction is X W1 G W2', () => {
  const W1 = randn(d * d, 4), W2 = randn(d * c, 5);
  const heads = { H: 1, d, c, W1, W2, sigma: Float64Array.of(0), heads: [] };
  const Z = mhsaHeadsToZ(heads);
  const nrm = (v: Float64Array) => Math.sqrt(dot(v, v));
  assert.ok(relDiff(new NuclearNorm(d * d, d * c).value(Z), nrm(W1) * nrm(W2)) < 1e-13);
  const viaZ = new Float64Array(N * s * c);
  new LinearMhsaOperator(X, N, s, d, c, 'tokens').apply(Z, viaZ);
  assertClose(mhsaPredict(X, N, s, heads, 'tokens'), viaZ, 1e-12, 'eq. 5 through the head against eq. 6 at Z');
});

test('singular-value thresholding is the nuclear norm\'s prox: optimality conditions hold and no perturbation does better', () => {
  const m = 6, n = 4, pen = new NuclearNorm(m, n);
  const V = randn(m * n, 6), P = new Float64Array(m * n);
  const sv = svd(V, m, n).s;
  const step = 0.5 * (sv[1] + sv[2]); // two singular values survive, two are cut
  pen.prox(V, step, P);
  assert.equal(pen.optimality(P, V, 1).nonzeroGroups, 2);
  const resid = V.map((v, i) => v - P[i]); // V - P must be step times a subgradient at P
  const opt = pen.optimality(P, resid, step);
  assert.ok(opt.stationarity < 1e-12, `stationarity ${opt.stationarity}`);
  // V - P keeps V's singular values min(sigma, step): the complement of P's range holds sigma_3, sigma_4
  assert.ok(Math.abs(opt.zeroGroupSlack! - (1 - sv[2] / step)) < 1e-12, `slack ${opt.zeroGroupSlack} vs ${1 - sv[2] / step}`);
  assert.deepEqual([opt.nonzeroGroups, opt.totalGroups], [2, 4]);
  // away from the prox, the conditions fail by about what was changed
  const off = pen.optimality(P, resid.map((x, i) => x + (i === 0 ? 0.1 : 0)), step);
  assert.ok(off.stationarity > 0.1 / step / 10, `a perturbed multiplier passed: stationarity ${off.stationarity}`);
  const tooSmall = pen.optimality(P, resid, 0.5 * step);
  assert.ok(tooSmall.stationarity > 0.4 && tooSmall.zeroGroupSlack! < 0, 'the multiplier for another step passed');
  const obj = (Q: Float64Array) => 0.5 * Q.reduce((acc, q, i) => acc + (q - V[i]) ** 2, 0) + step * pen.value(Q);
  const best = obj(P);
  for (let k = 0; k < 200; k++) {
    const E = randn(m * n, 100 + k, k % 2 ? 1e-3 : 1e-1);
    assert.ok(obj(P.map((p, i) => p + E[i])) >= best - 1e-12 * Math.abs(best), `perturbation ${k} did better`);
  }
  // the dual norm is the largest singular value, the subgradient U_r V_r^T has it 1
  assert.ok(relDiff(pen.dualNorm(V), sv[0]) < 1e-14);
  const sub = new Float64Array(m * n);
  pen.subgradient(P, 1, sub);
  assert.ok(relDiff(pen.dualNorm(sub), 1) < 1e-12);
});

function problem(output: MhsaOutput, loss: 'squared' | 'ce', frac: number, NN = 40, seed = 11): { problem: Problem; X: Float64Array; NN: number } {
  const Xs = randn(NN * s * d, seed);
  const op = new LinearMhsaOperator(Xs, NN, s, d, c, output);
  const datafit: Datafit = loss === 'squared' ? new SquaredLoss(randn(op.rows, seed + 1), op.rows / c, c) : new CrossEntropyLoss(randLabels(NN, c, seed + 2), c);
  const penalty = new NuclearNorm(d * d, d * c);
  const bmax = betaMax(op, datafit, penalty);
  return { problem: { operator: op, datafit, penalty, beta: frac * bmax }, X: Xs, NN };
}

test('FISTA with singular-value thresholding certifies a gap below 1e-9; the recovered heads give eq. 5\'s objective equal to the optimum', () => {
  const cases = [['tokens', 'squared'], ['mean', 'squared'], ['mean', 'ce']] as const;
  for (const [output, loss] of cases) {
    for (const frac of [0.05, 0.4]) {
      const { problem: p, X: Xs, NN } = problem(output, loss, frac);
      const r = fista(p, { tol: 1e-10, maxIter: 200000 });
      const what = `${output}/${loss} at ${frac} beta_max`;
      assert.ok(r.converged && r.certificate.relGap <= 1e-10, `${what}: gap ${r.certificate.relGap}`);
      const v = verifyDualPoint(p, r.dualPoint);
      assert.ok(v.feasibility <= 1 + 1e-12 && relDiff(v.value, r.certificate.dual) < 1e-12, `${what}: the dual point verifies`);
      const heads = recoverMhsaHeads(r.w, d, c);
      assert.ok(heads.H >= 1 && heads.H <= Math.min(d * d, d * c), `${what}: ${heads.H} heads`);
      const nc = mhsaNonconvexObjective(Xs, NN, s, heads, output, p.datafit, p.beta);
      assert.ok(relDiff(nc.objective, r.certificate.primal) < 1e-9, `${what}: eq. 5 ${nc.objective} vs eq. 6 ${r.certificate.primal}`);
      assertClose(nc.pred, r.pred, 1e-9 * Math.max(1, ...r.pred.map(Math.abs)), `${what}: predictions`);
    }
  }
});

test('at beta_max and above, Z = 0 is optimal and certified; just below it, not', () => {
  const { problem: p } = problem('tokens', 'squared', 1);
  const at = fista(p, { tol: 1e-10 });
  assert.ok(at.converged);
  assert.equal(p.penalty.value(at.w), 0);
  assert.equal(recoverMhsaHeads(at.w, d, c).H, 0);
  const below = fista({ ...p, beta: 0.9 * p.beta }, { tol: 1e-10, maxIter: 100000 });
  assert.ok(below.converged && p.penalty.value(below.w) > 0);
});
