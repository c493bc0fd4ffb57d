// The prox-Newton solver (solvers/prox-newton.ts) and its parts: the losses' Hessian-vector
// products against finite differences of their gradients and their diagonal bounds against the
// blocks they bound; the group block's minimiser against its optimality conditions; the solver
// against FISTA's certified optimum (with the whole Hessian and with a subsample of it); Gap Safe
// screening against the reference solution (no screened group is nonzero there); `auto` and the
// refusals.
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { withBeta } from '../../src/convex/programs/assemble';
import { programNamed } from '../../src/convex/registry';
import { fista } from '../../src/convex/solvers/fista';
import { gapSafeRadius, proxNewton, tokenSpectralNorms } from '../../src/convex/solvers/prox-newton';
import { minimiseGroupBlock } from '../../src/convex/solvers/group-block';
import { chooseSolver, solveCertified } from '../../src/convex/solve';
import { dualValue, primalValue, verifyDualPoint } from '../../src/convex/duality';
import { CrossEntropyLoss } from '../../src/losses/cross-entropy';
import { SquaredLoss } from '../../src/losses/squared';
import { eigh } from '../../src/core/linalg';
import type { Datafit } from '../../src/losses/datafit';
import type { Targets } from '../../src/convex/types';
import { randLabels, randn, relDiff } from '../helpers';

function attention(N: number, n: number, d: number, c: number, frac: number, loss: 'squared' | 'ce' = 'ce', float32 = false) {
  const X = randn(N * n * d, 41);
  const targets: Targets = loss === 'squared' ? { Y: randn(N * c, 42), c } : { y: randLabels(N, c, 43), c };
  const ap = programNamed('attention').build({ train: { X, N, n, d }, trainTargets: targets }, { loss, float32 });
  return withBeta(ap, frac * ap.betaMax);
}

const groupNorms = (w: Float64Array, d: number) => Array.from({ length: w.length / d }, (_, g) => Math.hypot(...w.subarray(g * d, g * d + d)));

test('Hessian-vector products match finite differences of the gradient (cross-entropy, squared)', () => {
  const N = 7, c = 4, pred = randn(N * c, 1, 2), v = randn(N * c, 2);
  const losses: Datafit[] = [new CrossEntropyLoss(randLabels(N, c, 3), c), new SquaredLoss(randn(N * c, 4), N, c)];
  for (const loss of losses) {
    const Hv = new Float64Array(N * c), gp = new Float64Array(N * c), gm = new Float64Array(N * c);
    loss.hessian!(pred).times(v, Hv);
    const h = 1e-5;
    loss.gradient(pred.map((p, i) => p + h * v[i]), gp);
    loss.gradient(pred.map((p, i) => p - h * v[i]), gm);
    const scale = Math.max(...Hv.map(Math.abs));
    for (let i = 0; i < N * c; i++) assert.ok(Math.abs((gp[i] - gm[i]) / (2 * h) - Hv[i]) <= 1e-8 * scale, `${loss.name} H v [${i}]`);
    // add accumulates
    const twice = Hv.slice();
    loss.hessian!(pred).times(v, twice, true);
    for (let i = 0; i < N * c; i++) assert.ok(Math.abs(twice[i] - 2 * Hv[i]) <= 1e-15 * scale);
  }
});

test('the Hessian\'s diagonal bound: diag(b) - H restricted to the masked outputs is positive semidefinite, tight for one output', () => {
  const N = 20, c = 5, pred = randn(N * c, 5, 3);
  const ce = new CrossEntropyLoss(randLabels(N, c, 6), c);
  const H = ce.hessian(pred);
  for (const mask of [[1, 1, 1, 1, 1], [1, 0, 1, 0, 0], [0, 0, 0, 1, 0]]) {
    const m = Uint8Array.from(mask), b = new Float64Array(N * c).fill(NaN);
    H.diagonalBound(m, b);
    for (let i = 0; i < N; i++) {
      // sample i's block, column by column from H e_l
      const block = new Float64Array(c * c);
      for (let l = 0; l < c; l++) {
        const e = new Float64Array(N * c), out = new Float64Array(N * c);
        e[i * c + l] = 1;
        H.times(e, out);
        for (let k = 0; k < c; k++) block[k * c + l] = out[i * c + k];
      }
      const S = mask.flatMap((on, l) => (on ? [l] : []));
      const D = new Float64Array(S.length * S.length);
      S.forEach((a, p) => S.forEach((q, r) => { D[p * S.length + r] = (p === r ? b[i * c + a] : 0) - block[a * c + q]; }));
      for (let p = 0; p < S.length; p++) for (let r = 0; r < p; r++) D[p * S.length + r] = D[r * S.length + p] = 0.5 * (D[p * S.length + r] + D[r * S.length + p]);
      assert.ok(eigh(D, S.length).values[0] >= -1e-15, `sample ${i}, mask ${mask}: diag(b) - H_S has a negative eigenvalue`);
      if (S.length === 1) assert.ok(Math.abs(b[i * c + S[0]] - block[S[0] * c + S[0]]) <= 1e-16, 'one output: the bound is the diagonal entry');
      mask.forEach((on, l) => { if (!on) assert.ok(Number.isNaN(b[i * c + l]), 'unmasked entries are left alone'); });
    }
  }
});

test('the group block\'s minimiser satisfies its optimality conditions, zero included', () => {
  const d = 6;
  for (let seed = 0; seed < 20; seed++) {
    const M = randn(d * d, 100 + seed), P = new Float64Array(d * d);
    for (let a = 0; a < d; a++) for (let b = 0; b < d; b++) for (let t = 0; t < d; t++) P[a * d + b] += M[a * d + t] * M[b * d + t] * (t === 0 ? 100 : 1);
    const { values, vectors } = eigh(P, d);
    const x0 = randn(d, 200 + seed), gm = randn(d, 300 + seed, 5);
    const Px0 = Array.from({ length: d }, (_, a) => P.subarray(a * d, a * d + d).reduce((s, v, t) => s + v * x0[t], 0));
    const bvec = Px0.map((v, a) => v - gm[a]);
    const beta = Math.hypot(...bvec) * (seed % 3 === 0 ? 1.2 : 0.4); // a third of the cases are zero at the minimum
    const x = new Float64Array(d);
    minimiseGroupBlock(vectors, values, d, x0, (t) => gm[t], beta, new Float64Array(d), x);
    const nx = Math.hypot(...x);
    if (seed % 3 === 0) { assert.equal(nx, 0, `seed ${seed}: ||P x0 - gm|| <= beta, so x = 0`); continue; }
    // P x - (P x0 - gm) + beta x / ||x|| = 0
    for (let a = 0; a < d; a++) {
      const Px = P.subarray(a * d, a * d + d).reduce((s, v, t) => s + v * x[t], 0);
      assert.ok(Math.abs(Px - bvec[a] + (beta * x[a]) / nx) <= 1e-10 * Math.hypot(...bvec), `seed ${seed}, row ${a}`);
    }
  }
});

test('tokenSpectralNorms: ||X_k||_2 per token', () => {
  const N = 9, n = 3, d = 2, X = randn(N * n * d, 7);
  const norms = tokenSpectralNorms(X, N, n, d);
  for (let k = 0; k < n; k++) {
    const G = new Float64Array(d * d);
    for (let i = 0; i < N; i++) for (let a = 0; a < d; a++) for (let b = 0; b < d; b++) G[a * d + b] += X[i * n * d + k * d + a] * X[i * n * d + k * d + b];
    assert.ok(relDiff(norms[k] ** 2, eigh(G, d).values[d - 1]) < 1e-12);
  }
});

test('Gap Safe radius: the optimal dual point lies inside it at every point tried, and for the squared loss not far inside', () => {
  for (const loss of ['squared', 'ce'] as const) {
    const { problem } = attention(300, 4, 5, 3, 0.3, loss);
    const { operator: op, datafit } = problem;
    const ref = fista(problem, { tol: 1e-14, maxIter: 500000 });
    const thetaStar = ref.dualPoint;
    const v = randn(op.cols, 77).map((x, i) => (ref.w[i] !== 0 ? x : 0)); // moves within the support
    let closest = 0;
    for (const eps of [1e-1, 1e-2, 1e-3, 1e-4]) {
      const w = ref.w.map((x, i) => x + eps * v[i]);
      const pred = new Float64Array(op.rows), grad = new Float64Array(op.rows), g = new Float64Array(op.cols), negTheta = new Float64Array(op.rows);
      op.apply(w, pred);
      datafit.gradient(pred, grad);
      op.applyT(grad, g);
      const dual = dualValue(problem, grad, g, negTheta);
      const r = gapSafeRadius(datafit.lipschitz, primalValue(problem, w, pred) - dual);
      const dist = Math.hypot(...negTheta.map((x, i) => -x - thetaStar[i]));
      assert.ok(dist <= r * (1 + 1e-6), `${loss}, eps ${eps}: ||theta - theta*|| = ${dist} outside the radius ${r}`);
      closest = Math.max(closest, dist / r);
    }
    // the squared loss's dual is exactly 1-strongly concave: the bound is nearly tight (a radius
    // half as large would have screened wrongly), which is what makes this test able to fail
    if (loss === 'squared') assert.ok(closest > 0.5, `closest ${closest}`);
  }
});

test('prox-newton: the same certified optimum as FISTA, with the whole Hessian and with a subsample, screening never wrong', () => {
  let screenedSomewhere = 0;
  for (const [frac, loss, samples] of [[0.05, 'ce', undefined], [0.3, 'ce', 150], [0.7, 'ce', undefined], [0.3, 'squared', undefined]] as const) {
    const { problem } = attention(400, 4, 5, 3, frac, loss);
    const ref = fista(problem, { tol: 1e-12, maxIter: 200000 });
    const r = proxNewton(problem, { tol: 1e-10, hessianSamples: samples });
    assert.equal(r.method, 'newton');
    assert.ok(r.converged && r.certificate.relGap <= 1e-10, `${frac} ${loss}: rel gap ${r.certificate.relGap}`);
    const v = verifyDualPoint(problem, r.dualPoint);
    assert.ok(v.feasibility <= 1 + 1e-12 && relDiff(v.value, r.certificate.dual) < 1e-12, 'the certificate verifies from its dual point');
    assert.ok(relDiff(r.certificate.primal, ref.certificate.primal) < 1e-9, `${frac} ${loss}: objective ${r.certificate.primal} vs fista ${ref.certificate.primal}`);
    // screening, rerun with the reference's zero groups known: a group it screened is zero at the optimum
    const refNorms = groupNorms(ref.w, 5), norms = groupNorms(r.w, 5);
    r.screenedGroups.forEach((s, g) => { screenedSomewhere += s; if (s) assert.equal(refNorms[g], 0, `${frac} ${loss}: group ${g} screened, nonzero at the optimum`); });
    norms.forEach((x, g) => { if (refNorms[g] > 1e-6 * Math.max(...refNorms)) assert.ok(x > 0, `group ${g} is nonzero at the optimum`); });
  }
  assert.ok(screenedSomewhere > 0, 'screening proved some group zero in these problems');
});

test('prox-newton: screened groups are zero at the optimum, group by group', () => {
  const { problem } = attention(300, 5, 3, 4, 0.5);
  const ref = fista(problem, { tol: 1e-13, maxIter: 500000 });
  const zeroAtOptimum = groupNorms(ref.w, 3).map((x) => x === 0);
  const on = proxNewton(problem, { tol: 1e-11 });
  const off = proxNewton(problem, { tol: 1e-11, screening: false });
  assert.equal(off.screened, 0);
  assert.ok((on.screened ?? 0) > 0, 'something was screened');
  assert.ok(relDiff(on.certificate.primal, off.certificate.primal) < 1e-10, 'screening does not change the optimum');
  on.screenedGroups.forEach((s, g) => { if (s) assert.ok(zeroAtOptimum[g], `group ${g} was screened but is nonzero at the optimum`); });
  assert.equal(on.screened, on.screenedGroups.reduce((a, s) => a + s, 0) / zeroAtOptimum.length);
});

test('auto on cross-entropy: FISTA certifies an easy problem alone, hands a hard one to prox-newton (correlated tokens: 20,000 FISTA iterations)', () => {
  const N = 300, n = 4, d = 5, c = 3, Z = randn(N * n * d, 41);
  // each token's features share one factor: a condition number FISTA pays for and Newton does not
  const X = Z.map((v, i) => 0.1 * v + Z[Math.floor(i / d) * d]);
  const ap = programNamed('attention').build({ train: { X, N, n, d }, trainTargets: { y: randLabels(N, c, 43), c } }, { loss: 'ce' });
  const easy = solveCertified(withBeta(ap, 0.3 * ap.betaMax), 'auto', { tol: 1e-9 });
  assert.equal(easy.method, 'fista');
  const hard = withBeta(ap, 0.01 * ap.betaMax);
  const r = solveCertified(hard, 'auto', { tol: 1e-9 });
  assert.equal(r.method, 'fista+newton');
  assert.ok(r.converged && r.certificate.relGap <= 1e-9 && r.certificate.iterations < 200, `${r.certificate.iterations} iterations, gap ${r.certificate.relGap}`);
  const ref = fista(hard.problem, { tol: 1e-11, maxIter: 200000 });
  assert.ok(relDiff(r.certificate.primal, ref.certificate.primal) < 1e-9);
  assert.ok(ref.certificate.iterations > 10 * r.certificate.iterations, `FISTA took ${ref.certificate.iterations}`);
});

test('prox-newton: auto picks it for cross-entropy on attention; float32 runs it on the float64 twin; what it cannot solve is refused', () => {
  const ce = attention(200, 3, 4, 3, 0.3);
  assert.equal(chooseSolver(ce.problem, 'auto'), 'newton');
  const f32 = attention(200, 3, 4, 3, 0.3, 'ce', true);
  const r = solveCertified(f32, 'newton', { tol: 1e-8 });
  assert.equal(r.method, 'newton');
  assert.ok(r.converged && relDiff(r.certificate.primal, solveCertified(ce, 'fista', { tol: 1e-10 }).certificate.primal) < 1e-7);
  const X = randn(200 * 3 * 4, 41);
  const gated = programNamed('gated').build({ train: { X, N: 200, n: 3, d: 4 }, trainTargets: { y: randLabels(200, 3, 43), c: 3 } }, { loss: 'ce', gates: 2, seed: 1 });
  assert.equal(chooseSolver(gated.problem, 'auto'), 'fista');
  // the kernel program is attention on 4 blocks of features per token: groups too wide for newton to pay
  const kernel = programNamed('kernel').build({ train: { X, N: 200, n: 3, d: 4 }, trainTargets: { y: randLabels(200, 3, 43), c: 3 } }, { loss: 'ce', seed: 1, features: 128 });
  assert.equal(kernel.problem.operator.tokenDesign?.d, 128);
  assert.equal(chooseSolver(kernel.problem, 'auto'), 'fista');
  assert.throws(() => proxNewton(gated.problem), /^InputError: solver: newton cannot solve this program: its operator is not a token design over float64 tokens \(attention's is; gated and float32 operators are not\); use `solver` fista$/);
});
