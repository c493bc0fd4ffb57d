// Ergen et al. Theorem A.1 (matrix targets): the operator against a dense matrix built entry by
// entry from eq. 37, the simplex gauge's support function against every vertex of Delta (eq. 36)
// and its prox against a direct minimisation, the certificate closing below 1e-9, the recovered
// heads giving eq. 34's objective equal to the optimum, and the optimum against brute force: the
// lasso over every vertex attention matrix (which is eq. 34 with its heads at the vertices). The
// same brute force with rows allowed to be zero (eq. 37 as printed, without equal row sums) goes
// lower: the printed program is not eq. 34's.
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { MatrixAttentionOperator } from '../../src/convex/operators/matrix-attention';
import { DenseOperator } from '../../src/convex/operators/dense';
import { SimplexGauge } from '../../src/convex/penalties/simplex-gauge';
import { GroupL2 } from '../../src/convex/penalties/group-l2';
import { matrixHeadsToZ, matrixNonconvexObjective, recoverMatrixHeads } from '../../src/convex/recovery/matrix-heads';
import { SquaredLoss } from '../../src/losses/squared';
import { CrossEntropyLoss } from '../../src/losses/cross-entropy';
import { betaMax, verifyDualPoint } from '../../src/convex/duality';
import { fista } from '../../src/convex/solvers/fista';
import type { Datafit, Problem } from '../../src/convex/types';
import { dot } from '../../src/core/vec';
import { Rng } from '../../src/core/rng';
import { assertClose, randLabels, randn, relDiff } from '../helpers';

const N = 6, n = 3, d = 2, c = 2;
const X = randn(N * n * d, 1);

/** A (rows (i, r, l), columns w's (part, j, l, r, k)) straight from eq. 37: pred[i, r, l] = sum_j sum_k (Z1 - Z2)_jl[r, k] X_i[k, j]. */
function dense(Xs: Float64Array, NN: number): DenseOperator {
  const cols = 2 * d * c * n * n, A = new Float64Array(NN * n * c * cols);
  for (let i = 0; i < NN; i++) for (let r = 0; r < n; r++) for (let l = 0; l < c; l++) {
    const row = (i * n + r) * c + l;
    for (let part = 0; part < 2; part++) for (let j = 0; j < d; j++) for (let k = 0; k < n; k++) {
      A[row * cols + (((part * d + j) * c + l) * n + r) * n + k] = (part === 0 ? 1 : -1) * Xs[(i * n + k) * d + j];
    }
  }
  return new DenseOperator(A, NN * n * c, cols);
}

test('the matrix-attention operator equals eq. 37 entry by entry, and its adjoint is the transpose', () => {
  const op = new MatrixAttentionOperator(X, N, n, d, c), ref = dense(X, N);
  assert.deepEqual([op.rows, op.cols], [ref.rows, ref.cols]);
  const w = randn(op.cols, 2), r = randn(op.rows, 3);
  const a = new Float64Array(op.rows), b = new Float64Array(op.rows), g = new Float64Array(op.cols), e = new Float64Array(op.cols);
  op.apply(w, a); ref.apply(w, b);
  assertClose(a, b, 1e-12, 'apply');
  op.applyT(r, g); ref.applyT(r, e);
  assertClose(g, e, 1e-12, 'applyT');
  assert.ok(relDiff(dot(a, r), dot(w, g)) < 1e-12, 'adjoint identity');
  // float32 storage of X is widened exactly
  const op32 = new MatrixAttentionOperator(Float32Array.from(X), N, n, d, c), X32 = Float64Array.from(Float32Array.from(X));
  const a32 = new Float64Array(op.rows), b32 = new Float64Array(op.rows);
  op32.apply(w, a32); dense(X32, N).apply(w, b32);
  assertClose(a32, b32, 1e-12, 'float32 storage');
});

/** Every vertex of Delta (n x n, each row a unit vector): n^n of them; with `zeroRows`, rows may also be 0 ((n+1)^n). */
function vertices(zeroRows: boolean): Float64Array[] {
  const choices = zeroRows ? n + 1 : n, out: Float64Array[] = [];
  for (let code = 0; code < choices ** n; code++) {
    const V = new Float64Array(n * n);
    for (let r = 0, x = code; r < n; r++, x = Math.floor(x / choices)) if (x % choices < n) V[r * n + (x % choices)] = 1;
    out.push(V);
  }
  return out;
}

test('the support function sum_r max_k G[r, k] is the maximum of <P, G> over the vertices of Delta (eq. 36); the dual norm is eq. 35\'s max |<P, G_b>|', () => {
  const pen = new SimplexGauge(n, 2), G = randn(2 * n * n, 4);
  const verts = vertices(false);
  let both = 0;
  for (let b = 0; b < 2; b++) {
    const inner = verts.map((V) => dot(V, G.subarray(b * n * n, (b + 1) * n * n)));
    assert.ok(Math.abs(pen.support(G, b) - Math.max(...inner)) < 1e-14, `block ${b}: ${pen.support(G, b)} vs ${Math.max(...inner)}`);
    both = Math.max(both, ...inner.map(Math.abs));
  }
  assert.ok(Math.abs(pen.dualNorm(G) - both) < 1e-14, `dual norm ${pen.dualNorm(G)} vs max over vertices and blocks of |<P, G_b>| ${both}`);
});

test('the simplex gauge\'s prox at the edges: one token, tied entries, a step above sigma(V), a step near 0', () => {
  const one = new SimplexGauge(1, 3), out1 = new Float64Array(3);
  one.prox(Float64Array.of(2, 0.5, -1), 1, out1); // n = 1: max(v - step, 0)
  assert.deepEqual(Array.from(out1), [1, 0, 0]);
  // every entry tied: the prox keeps the rows uniform, of the scale that balances step against the rows
  const pen = new SimplexGauge(3, 1), out = new Float64Array(9);
  pen.prox(new Float64Array(9).fill(2), 1, out); // T(a) = 3 (2 - a/3) = 1 at a = 5: entries 5/3
  assertClose(out, new Float64Array(9).fill(5 / 3), 1e-15, 'tied entries');
  const V = randn(9, 71);
  pen.prox(V, pen.support(V, 0) * (1 + 1e-12), out);
  assert.ok(out.every((x) => x === 0), 'step just above sigma(V): 0');
  // a step just below sigma(V): a is at rounding level of V, and the rows still share their sum
  for (let t = 0; t < 50; t++) {
    const W = randn(9, 200 + t, 1e3);
    pen.prox(W, pen.support(W, 0) * (1 - 1e-13), out);
    assert.ok(Number.isFinite(pen.value(out)), `trial ${t}: the prox left the cone (${Array.from(out)})`);
  }
  // a tiny step: Z = a P with a close to sigma's balance; still on the cone and within step of V's projection
  pen.prox(V, 1e-12, out);
  assert.ok(Number.isFinite(pen.value(out)) && pen.value(out) > 0, 'tiny step: on the cone');
  const opt = pen.optimality(out, V.map((v, i) => v - out[i]), 1e-12);
  assert.ok(opt.stationarity < 1e-3, `tiny step: stationarity ${opt.stationarity}`);
});

/** The threshold tau projecting v onto {z >= 0, sum z = a} (z = max(v - tau, 0)), by bisection: independent of the sorted closed form. */
function thresholdBisect(v: Float64Array, a: number): number {
  let lo = Math.min(...v) - a, hi = Math.max(...v);
  for (let it = 0; it < 200; it++) {
    const mid = 0.5 * (lo + hi);
    const s = v.reduce((acc, x) => acc + Math.max(x - mid, 0), 0);
    if (s > a) lo = mid; else hi = mid;
  }
  return 0.5 * (lo + hi);
}

test('the simplex gauge\'s prox equals a direct minimisation over the scale and the rows, and no feasible perturbation does better', () => {
  const nn = 5, pen = new SimplexGauge(nn, 1), rng = new Rng(9);
  for (let trial = 0; trial < 20; trial++) {
    const V = randn(nn * nn, 50 + trial, 1 + trial % 3);
    const sigma = pen.support(V, 0), step = sigma * (trial < 2 ? 1.01 : 0.2 + 0.6 * rng.uniform());
    const P = new Float64Array(nn * nn);
    pen.prox(V, step, P);
    const obj = (Q: Float64Array) => 0.5 * Q.reduce((acc, q, i) => acc + (q - V[i]) ** 2, 0) + step * pen.value(Q);
    if (trial < 2) {
      assert.ok(P.every((x) => x === 0), 'step above sigma(V): the prox is 0');
      continue;
    }
    const a = pen.blockScale(P, 0);
    assert.ok(a > 0, `trial ${trial}: a = ${a}`);
    // direct: minimise sum_r 1/2 dist(v_r, s simplex)^2 + step s over s by bisection on its
    // derivative step - sum_r tau_r(s), each row's threshold itself by bisection
    const row = (r: number) => V.subarray(r * nn, (r + 1) * nn);
    const slope = (s: number) => step - Array.from({ length: nn }, (_, r) => thresholdBisect(row(r), s)).reduce((x, y) => x + y, 0);
    let lo = 0, hi = 1;
    while (slope(hi) < 0) hi *= 2;
    for (let it = 0; it < 200; it++) {
      const mid = 0.5 * (lo + hi);
      if (slope(mid) < 0) lo = mid; else hi = mid;
    }
    const sBest = 0.5 * (lo + hi), direct = new Float64Array(nn * nn);
    for (let r = 0; r < nn; r++) {
      const tau = thresholdBisect(row(r), sBest);
      for (let e = 0; e < nn; e++) direct[r * nn + e] = Math.max(V[r * nn + e] - tau, 0);
    }
    assertClose(P, direct, 1e-12, `trial ${trial}: prox against the direct minimisation`);
    assert.ok(obj(P) <= obj(direct) + 1e-12 * Math.abs(obj(P)), `trial ${trial}: the direct minimisation did better`);
    // perturbations inside the cone: another scale, rows mixed with random simplex rows
    const best = obj(P);
    for (let k = 0; k < 200; k++) {
      const t = k % 2 ? 1e-3 : 1e-1, s = a * (1 + t * (rng.uniform() - 0.5));
      const Q = new Float64Array(nn * nn);
      for (let r = 0; r < nn; r++) {
        const u = Float64Array.from({ length: nn }, () => rng.uniform()), us = u.reduce((x, y) => x + y, 0);
        for (let e = 0; e < nn; e++) Q[r * nn + e] = s * ((1 - t) * P[r * nn + e] / a + t * u[e] / us);
      }
      assert.ok(obj(Q) >= best - 1e-12 * Math.abs(best), `trial ${trial}, perturbation ${k} did better`);
    }
    // the KKT check of the penalty agrees: V - P is step times a subgradient at P
    const opt = pen.optimality(P, V.map((v, i) => v - P[i]), step);
    assert.ok(opt.stationarity < 1e-10, `trial ${trial}: stationarity ${opt.stationarity}`);
    const top = P.indexOf(Math.max(...P)); // lowering a multiplier entry where P has mass breaks <v, P> = step
    assert.ok(pen.optimality(P, V.map((v, i) => v - P[i] - (i === top ? 0.3 : 0)), step).stationarity > 1e-3, 'a wrong multiplier passed');
    assert.ok(pen.optimality(P, V.map((v, i) => v - P[i]), 2 * step).stationarity > 0.4, 'the multiplier of another step passed');
  }
  // off the cone the penalty is infinite
  assert.equal(pen.value(Float64Array.from({ length: nn * nn }, (_, i) => (i < nn ? 1 / nn : 0.5 / nn))), Infinity);
  assert.equal(pen.value(Float64Array.from({ length: nn * nn }, (_, i) => (i === 0 ? -1e-3 : 1 / nn))), Infinity);
});

function problem(loss: 'squared' | 'ce', frac: number, NN = N, Xs = X, seed = 11): Problem {
  const op = new MatrixAttentionOperator(Xs, NN, n, d, c);
  const datafit: Datafit = loss === 'squared' ? new SquaredLoss(randn(op.rows, seed), NN * n, c) : new CrossEntropyLoss(randLabels(NN * n, c, seed), c);
  const penalty = new SimplexGauge(n, 2 * d * c);
  return { operator: op, datafit, penalty, beta: frac * betaMax(op, datafit, penalty) };
}

test('FISTA with the exact prox certifies a gap below 1e-9; eq. 34 at the recovered heads equals the optimum', () => {
  for (const loss of ['squared', 'ce'] as const) {
    for (const frac of [0.05, 0.3]) {
      const p = problem(loss, frac), what = `${loss} at ${frac} beta_max`;
      const r = fista(p, { tol: 1e-10, maxIter: 200000 });
      assert.ok(r.converged && r.certificate.relGap <= 1e-10, `${what}: gap ${r.certificate.relGap}`);
      const v = verifyDualPoint(p, r.dualPoint);
      assert.ok(v.feasibility <= 1 + 1e-12 && relDiff(v.value, r.certificate.dual) < 1e-12, `${what}: the dual point verifies`);
      const heads = recoverMatrixHeads(r.w, { n, d, c }, p.penalty as SimplexGauge);
      assert.ok(heads.H >= 1 && heads.H <= 2 * d * c, `${what}: ${heads.H} heads`);
      for (let h = 0; h < heads.H; h++) for (let row = 0; row < n; row++) {
        const sum = heads.W1.subarray((h * n + row) * n, (h * n + row + 1) * n).reduce((x, y) => x + y, 0);
        assert.ok(Math.abs(sum - 1) < 1e-12, `${what}: head ${h} row ${row} sums to ${sum}`);
      }
      const nc = matrixNonconvexObjective(X, N, heads, p.datafit, p.beta);
      assert.ok(relDiff(nc.objective, r.certificate.primal) < 1e-9, `${what}: eq. 34 ${nc.objective} vs eq. 37 ${r.certificate.primal}`);
      assertClose(nc.pred, r.pred, 1e-9 * Math.max(1, ...r.pred.map(Math.abs)), `${what}: predictions`);
      assertClose(matrixHeadsToZ(heads), r.w, 1e-12 * Math.max(1, ...r.w.map(Math.abs)), `${what}: the heads embed back to Z`);
    }
  }
});

test('at beta_max Z = 0 is optimal and certified; just below it, not', () => {
  const p = problem('squared', 1);
  const at = fista(p, { tol: 1e-10 });
  assert.ok(at.converged);
  assert.equal(p.penalty.value(at.w), 0);
  const below = fista({ ...p, beta: 0.9 * p.beta }, { tol: 1e-10, maxIter: 100000 });
  assert.ok(below.converged && p.penalty.value(below.w) > 0);
});

/** The lasso over atoms V x_ij into output l, V over `verts`: min L + beta sum |coef|, certified to 1e-12. */
function bruteForce(p: Problem, Xs: Float64Array, NN: number, verts: Float64Array[]): number {
  const atoms = verts.length * d * c, rows = NN * n * c, A = new Float64Array(rows * atoms);
  verts.forEach((V, v) => {
    for (let j = 0; j < d; j++) for (let l = 0; l < c; l++) {
      const col = (v * d + j) * c + l;
      for (let i = 0; i < NN; i++) for (let r = 0; r < n; r++) {
        let s = 0;
        for (let k = 0; k < n; k++) s += V[r * n + k] * Xs[(i * n + k) * d + j];
        A[((i * n + r) * c + l) * atoms + col] = s;
      }
    }
  });
  const r = fista({ operator: new DenseOperator(A, rows, atoms), datafit: p.datafit, penalty: new GroupL2(1), beta: p.beta }, { tol: 1e-12, maxIter: 500000 });
  assert.ok(r.converged, `brute force: gap ${r.certificate.relGap}`);
  return r.certificate.primal;
}

test('on a tiny case the optimum equals brute force over the vertices of Delta; rows allowed to be zero (eq. 37 as printed) go lower', () => {
  const NN = 5, Xs = randn(NN * n * d, 31);
  for (const frac of [0.1, 0.4]) {
    const p = problem('squared', frac, NN, Xs, 32);
    const r = fista(p, { tol: 1e-12, maxIter: 500000 });
    assert.ok(r.converged, `gap ${r.certificate.relGap}`);
    const exact = bruteForce(p, Xs, NN, vertices(false));
    assert.ok(relDiff(r.certificate.primal, exact) < 1e-9, `at ${frac} beta_max: the program ${r.certificate.primal} vs brute force ${exact}`);
    const relaxed = bruteForce(p, Xs, NN, vertices(true));
    assert.ok(relaxed < exact * (1 - 1e-4), `at ${frac} beta_max: zero rows gave ${relaxed}, not below ${exact}`);
  }
});

test('blocks with the same attention matrix are one head: fewer heads, the same Z and objective', () => {
  const pen = new SimplexGauge(n, 2 * d * c), nn = n * n, half = d * c;
  const perm = Float64Array.of(0, 1, 0, 1, 0, 0, 0, 0, 1), other = Float64Array.of(0.5, 0.5, 0, 0, 1, 0, 0.2, 0.3, 0.5);
  const w = new Float64Array(2 * half * nn);
  const put = (b: number, P: Float64Array, a: number) => w.set(P.map((x) => a * x), b * nn);
  put(0, perm, 2); // Z1 at (j, l) = (0, 0)
  put(3, perm, 0.5); // Z1 at (1, 1)
  put(half + 1, perm, 1.5); // Z2 at (0, 1): the same P with a negative coefficient
  put(2, other, 0.7); // Z1 at (1, 0), another P
  const h = recoverMatrixHeads(w, { n, d, c }, pen);
  assert.equal(h.H, 2, `${h.H} heads`);
  assert.deepEqual(h.heads.map((x) => x.norm), [4, 0.7]);
  assert.deepEqual(h.heads.map((x) => x.output), [undefined, 0]);
  assertClose(matrixHeadsToZ(h), w, 1e-15, 'the merged heads embed back to w');
  const p = problem('squared', 0.2);
  const nc = matrixNonconvexObjective(X, N, h, p.datafit, p.beta);
  const pred = new Float64Array(p.operator.rows);
  p.operator.apply(w, pred);
  assert.ok(relDiff(nc.objective, p.datafit.value(pred) + p.beta * pen.value(w)) < 1e-14, 'eq. 34 at the merged heads is the convex objective at w');
});
