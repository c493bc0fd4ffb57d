// Adam's moments are computed once (adamMoments, src/optim/transform.ts), for the optimizer of the
// non-convex models and for Adam on the convex objective. The convex solver's iterates must be
// those of its own loop before it shared the update: that loop is kept here as the reference.
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { attention } from '../../src/convex/programs/attention';
import { withBeta } from '../../src/convex/programs/assemble';
import { adamConvex } from '../../src/convex/solvers/adam';
import { primalValue } from '../../src/convex/duality';
import type { Problem } from '../../src/convex/types';
import { adamMoments } from '../../src/optim/transform';
import { randLabels, randn } from '../helpers';

/** Adam on f(A w) + beta Omega(w) as src/convex/solvers/adam.ts wrote it before issue 8 (commit fe4ac3c; groups of size gs): the best primal and its w. */
function adamBefore(problem: Problem, gs: number, lr: number, iters: number): { primal: number; w: Float64Array } {
  const { operator: op, datafit, beta } = problem;
  const b1 = 0.9, b2 = 0.999, eps = 1e-8;
  const w = new Float64Array(op.cols), pred = new Float64Array(op.rows), grad = new Float64Array(op.rows);
  const g = new Float64Array(op.cols), m = new Float64Array(op.cols), v = new Float64Array(op.cols);
  let best = { primal: Infinity, w: w.slice() };
  for (let it = 0; ; ) {
    op.apply(w, pred);
    const primal = primalValue(problem, w, pred);
    if (primal < best.primal) best = { primal, w: w.slice() };
    if (it === iters) return best;
    datafit.gradient(pred, grad);
    op.applyT(grad, g);
    it++;
    for (let s = 0; s < op.cols; s += gs) {
      let nrm = 0;
      for (let t = s; t < s + gs; t++) nrm += w[t] * w[t];
      nrm = Math.sqrt(nrm);
      if (nrm > 0) for (let t = s; t < s + gs; t++) g[t] += (beta * w[t]) / nrm;
    }
    const c1 = 1 - Math.pow(b1, it);
    const c2 = 1 - Math.pow(b2, it);
    for (let i = 0; i < op.cols; i++) {
      m[i] = b1 * m[i] + (1 - b1) * g[i];
      v[i] = b2 * v[i] + (1 - b2) * g[i] * g[i];
      w[i] -= (lr * (m[i] / c1)) / (Math.sqrt(v[i] / c2) + eps);
    }
  }
}

for (const loss of ['squared', 'ce'] as const) {
  test(`convex Adam (${loss}) through the shared moments: the same iterates as its own loop before, to the bit`, () => {
    const N = 60, n = 5, d = 4, c = 3;
    const targets = loss === 'squared' ? { Y: randn(N * c, 22), c } : { y: randLabels(N, c, 23), c };
    const ap = attention.build({ train: { X: randn(N * n * d, 21), N, n, d }, trainTargets: targets }, { loss });
    const { problem } = withBeta(ap, 0.1 * ap.betaMax);
    const iters = 1500;
    const want = adamBefore(problem, d, 0.05, iters);
    const r = adamConvex(problem, { lr: 0.05, maxIter: iters, tol: 0 });
    assert.equal(r.certificate.iterations, iters);
    assert.equal(r.certificate.primal, want.primal);
    assert.deepEqual(r.w, want.w);
  });
}

test('adamMoments: one step from zero moments is g / (|g| + eps) (bias correction exact), moments updated', () => {
  const u = new Float64Array([0.3, -2, 0]);
  const mu = new Float64Array(3), nu = new Float64Array(3);
  adamMoments(u, mu, nu, 1, 0.9, 0.999, 1e-8);
  [0.3, -2, 0].forEach((g, i) => {
    assert.ok(Math.abs(u[i] - g / (Math.abs(g) + 1e-8)) <= 1e-15, `u[${i}] = ${u[i]}`);
    assert.ok(Math.abs(mu[i] - 0.1 * g) <= 1e-16 && Math.abs(nu[i] - 0.001 * g * g) <= 1e-16);
  });
});
