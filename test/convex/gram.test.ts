// The squared loss's Gram form (solvers/fista-gram.ts): the operator's Gram matrix is A^T A; the
// solver reaches the same certified optimum as FISTA over the data, its certificate verifies from
// its own dual point, also where the residual is far below ||y|| (the Gram form's value would
// cancel there); `auto` picks it only where it is cheaper; what it cannot solve is refused.
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { withBeta } from '../../src/convex/programs/assemble';
import { programNamed } from '../../src/convex/registry';
import { fista } from '../../src/convex/solvers/fista';
import { fistaGram, gramUnavailable } from '../../src/convex/solvers/fista-gram';
import { chooseSolver, solveCertified } from '../../src/convex/solve';
import { primalValue, verifyDualPoint } from '../../src/convex/duality';
import { AttentionOperator } from '../../src/convex/operators/attention';
import type { GatedOperator } from '../../src/convex/operators/gated';
import type { Problem, SolveResult, Targets } from '../../src/convex/types';
import { assertClose, randLabels, randn, relDiff } from '../helpers';

function attention(N: number, n: number, d: number, c: number, Y: Float64Array | null, frac: number, loss: 'squared' | 'ce' = 'squared') {
  const X = randn(N * n * d, 31);
  const targets: Targets = loss === 'squared' ? { Y: Y ?? randn(N * c, 32), c } : { y: randLabels(N, c, 33), c };
  const ap = programNamed('attention').build({ train: { X, N, n, d }, trainTargets: targets }, { loss });
  return withBeta(ap, frac * ap.betaMax);
}

function assertCertified(problem: Problem, r: SolveResult, tol: number): void {
  assert.ok(r.converged && r.certificate.relGap <= tol, `rel gap ${r.certificate.relGap}`);
  const v = verifyDualPoint(problem, r.dualPoint);
  assert.ok(v.feasibility <= 1 + 1e-12, `dual point infeasible: ${v.feasibility}`);
  assert.ok(relDiff(v.value, r.certificate.dual) < 1e-12, `dual point value ${v.value} vs certificate ${r.certificate.dual}`);
  const pred = new Float64Array(problem.operator.rows);
  problem.operator.apply(r.w, pred);
  assertClose(pred, r.pred, 1e-12, 'pred travels with w');
  // the objective is the loss of the residual itself, not the Gram form's value
  assert.ok(relDiff(primalValue(problem, r.w, pred), r.certificate.primal) < 1e-12, 'the certified objective is recomputed from A w');
}

test('attention operator: gram() is A^T A per output (float64 and float32 tokens), exactly symmetric', () => {
  const N = 30, n = 3, d = 4, c = 2, p = n * d;
  const X = randn(N * p, 5);
  for (const Xs of [X, Float32Array.from(X)]) {
    const op = new AttentionOperator(Xs, N, n, d, c, { blockRows: 7 }); // several blocks of samples
    const G = op.gram();
    assert.equal(op.gramWidth, p);
    const Xw = Float64Array.from(Xs);
    for (let a = 0; a < p; a++) for (let b = 0; b < p; b++) {
      let s = 0;
      for (let i = 0; i < N; i++) s += Xw[i * p + a] * Xw[i * p + b];
      assert.ok(Math.abs(G[a * p + b] - s) <= 1e-12 * Math.max(1, Math.abs(s)), `G[${a},${b}]`);
      assert.equal(G[a * p + b], G[b * p + a]);
    }
  }
});

test('gram: the same certified optimum as FISTA over the data, at several betas, warm start included', () => {
  for (const frac of [0.05, 0.3, 0.9]) {
    const { problem } = attention(400, 4, 5, 3, null, frac);
    const ref = fista(problem, { tol: 1e-10, maxIter: 50000 });
    const r = fistaGram(problem, { tol: 1e-10, maxIter: 50000 });
    assertCertified(problem, r, 1e-10);
    assert.equal(r.method, 'gram');
    assert.ok(relDiff(r.certificate.primal, ref.certificate.primal) < 1e-9, `objective ${r.certificate.primal} vs fista ${ref.certificate.primal}`);
    const warm = fistaGram(problem, { tol: 1e-10, w0: r.w });
    assertCertified(problem, warm, 1e-10);
    assert.ok(warm.certificate.iterations <= 1, `warm start from the optimum took ${warm.certificate.iterations} iterations`);
  }
});

test('gram: a residual 1e-7 of ||y|| (the Gram form\'s value cancels) still ends on a verified certificate', () => {
  const N = 300, n = 3, d = 4, c = 2;
  const X = randn(N * n * d, 31); // the same X attention() draws
  const W = randn(c * n * d, 40);
  const Y = new Float64Array(N * c);
  new AttentionOperator(X, N, n, d, c).apply(W, Y);
  const noise = randn(N * c, 41, 1e-7);
  for (let i = 0; i < Y.length; i++) Y[i] += noise[i];
  const built = attention(N, n, d, c, Y, 1e-9), { problem } = built;
  const r = fistaGram(problem, { tol: 1e-6, maxIter: 100000 });
  assertCertified(problem, r, 1e-6);
  const ref = fista(problem, { tol: 5e-8, maxIter: 100000 });
  assert.ok(relDiff(r.certificate.primal, ref.certificate.primal) < 1e-5);
  // 5e-8 is below the Gram form's rounding floor here (1.3e-7 to 4e-7, by BLAS kernel) and above
  // FISTA's over the data (1.7e-8 to 2.9e-8): alone the Gram form stalls, never claiming
  // convergence; `auto` hands its point to FISTA over the data, which certifies
  const stalled = fistaGram(problem, { tol: 5e-8, maxIter: 100000, stallCertificates: 5 });
  assert.ok(!stalled.converged && stalled.certificate.relGap > 5e-8, `the Gram form alone reached ${stalled.certificate.relGap}`);
  assert.ok(stalled.certificate.iterations < 100000, 'stopped by the stall test, not the iteration limit');
  const viaAuto = solveCertified(built, 'auto', { tol: 5e-8, maxIter: 100000 });
  assert.equal(viaAuto.method, 'gram+fista');
  assertCertified(problem, viaAuto, 5e-8);
});

test('auto picks the Gram form for squared loss when N is large against n d, FISTA otherwise; gram refuses what it cannot solve', () => {
  assert.equal(chooseSolver(attention(400, 4, 5, 3, null, 0.3).problem, 'auto'), 'gram');
  assert.equal(chooseSolver(attention(19, 4, 5, 3, null, 0.3).problem, 'auto'), 'fista'); // N < n d: an iteration on G costs more than half of FISTA's
  assert.equal(chooseSolver(attention(20, 4, 5, 3, null, 0.3).problem, 'auto'), 'gram');
  assert.equal(chooseSolver(attention(400, 4, 5, 3, null, 0.3, 'ce').problem, 'auto'), 'newton'); // cross-entropy: prox-newton (prox-newton.test.ts)
  assert.equal(chooseSolver(attention(400, 4, 5, 3, null, 0.3).problem, 'fista'), 'fista');
  const built = attention(400, 4, 5, 3, null, 0.3);
  const viaAuto = solveCertified(built, 'auto', { tol: 1e-8 });
  assert.equal(viaAuto.method, 'gram');
  assertCertified(built.problem, viaAuto, 1e-8);
  assert.throws(() => fistaGram(attention(400, 4, 5, 3, null, 0.3, 'ce').problem), /^InputError: solver: gram cannot solve this program: the Gram form needs the squared loss, not ce; use `solver` fista$/);
  const kernel = programNamed('kernel').build({ train: { X: randn(60 * 12, 1), N: 60, n: 3, d: 4 }, trainTargets: { Y: randn(60 * 2, 2), c: 2 } }, { loss: 'squared', features: 8, seed: 1 });
  assert.ok(!gramUnavailable(kernel.problem), 'kernel runs on the attention operator');
});

function gated(N: number, n: number, d: number, c: number, h: number, frac: number, X: Float64Array | Float32Array = randn(N * n * d, 51)) {
  const built = programNamed('gated').build({ train: { X, N, n, d }, trainTargets: { Y: randn(N * c, 52), c } }, { loss: 'squared', gates: h, seed: 3 });
  return withBeta(built, frac * built.betaMax);
}

test('gated operator: gram() is F^T F with f_i = [D_i1 x_i, ..., D_ih x_i] (float64 and float32 tokens), and A^T A in the (h, c, n d) layout', () => {
  const N = 37, n = 2, d = 3, c = 2, h = 3, p = n * d, q = h * p;
  const X = randn(N * p, 53);
  for (const Xs of [X, Float32Array.from(X)]) {
    const built = gated(N, n, d, c, h, 0.3, Xs); // float32 storage: gram() widens it
    const op = built.problem.operator as GatedOperator;
    const G = op.gram!();
    assert.equal(op.gramWidth, q);
    assert.equal(op.gramBlocks, h);
    const Xw = Float64Array.from(Xs);
    for (let a = 0; a < q; a++) for (let b = 0; b < q; b++) {
      const [ja, ta, jb, tb] = [Math.floor(a / p), a % p, Math.floor(b / p), b % p];
      let s = 0;
      for (let i = 0; i < N; i++) s += op.D[i * h + ja] * op.D[i * h + jb] * Xw[i * p + ta] * Xw[i * p + tb];
      assert.ok(Math.abs(G[a * q + b] - s) <= 1e-12 * Math.max(1, Math.abs(s)), `G[${a},${b}]`);
      assert.equal(G[a * q + b], G[b * q + a]);
    }
    // A^T A e_k, column by column, against G regrouped: column (j, l, t) of A^T A is G's (j, t) column on output l
    const e = new Float64Array(op.cols), Ae = new Float64Array(op.rows), col = new Float64Array(op.cols);
    for (const k of [0, 7, op.cols - 1]) {
      e.fill(0); e[k] = 1;
      op.apply(e, Ae); op.applyT(Ae, col);
      const j = Math.floor(k / (c * p)), l = Math.floor(k / p) % c, t = k % p;
      for (let jj = 0; jj < h; jj++) for (let ll = 0; ll < c; ll++) for (let tt = 0; tt < p; tt++) {
        const want = ll === l ? G[(jj * p + tt) * q + j * p + t] : 0;
        assert.ok(Math.abs(col[(jj * c + ll) * p + tt] - want) <= 1e-12 * Math.max(1, Math.abs(want)), `column ${k} entry (${jj},${ll},${tt})`);
      }
    }
  }
});

test('gram on the gated program: the same certified optimum as FISTA over the data; auto picks it where N is large against h n d', () => {
  for (const frac of [0.05, 0.5]) {
    const { problem } = gated(300, 3, 4, 3, 4, frac);
    const ref = fista(problem, { tol: 1e-10, maxIter: 50000 });
    const r = fistaGram(problem, { tol: 1e-10, maxIter: 50000 });
    assertCertified(problem, r, 1e-10);
    assert.ok(relDiff(r.certificate.primal, ref.certificate.primal) < 1e-9, `objective ${r.certificate.primal} vs fista ${ref.certificate.primal}`);
  }
  assert.equal(chooseSolver(gated(300, 3, 4, 3, 4, 0.3).problem, 'auto'), 'gram'); // q = 48
  assert.equal(chooseSolver(gated(40, 3, 4, 3, 4, 0.3).problem, 'auto'), 'fista'); // q = 48 > N: an iteration on G costs more than half of FISTA's
});
