// Optimizers, table-driven: each must bring a convex quadratic and the Rosenbrock function to
// their minimizers; single steps are checked against their formulas.
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import {
  adam, adamw, applyUpdates, chain, clipByGlobalNorm, globalNorm, linearWarmup, scaleByLearningRate, sgd, type Transform,
} from '../../src/optim/transform';

type Problem = { name: string; x0: number[]; grad: (x: Float64Array) => Float64Array; xStar: number[] };

// f = 1/2 x^T A x - b^T x with A = [[3, 1], [1, 2]], b = [1, -1]; x* = A^{-1} b = [0.6, -0.8]
const quadratic: Problem = {
  name: 'quadratic', x0: [2, 2], xStar: [0.6, -0.8],
  grad: (x) => new Float64Array([3 * x[0] + x[1] - 1, x[0] + 2 * x[1] + 1]),
};
// f = (1 - x)^2 + 100 (y - x^2)^2, minimum at (1, 1)
const rosenbrock: Problem = {
  name: 'rosenbrock', x0: [-1.2, 1], xStar: [1, 1],
  grad: ([x, y]) => new Float64Array([-2 * (1 - x) - 400 * x * (y - x * x), 200 * (y - x * x)]),
};

const table: [string, () => Transform<any>, Problem, number, number][] = [
  ['sgd', () => sgd(0.1), quadratic, 500, 1e-6],
  ['sgd + momentum', () => sgd(0.05, 0.9), quadratic, 500, 1e-6],
  ['adam', () => adam(0.05), quadratic, 3000, 1e-4],
  ['adamw (wd 0)', () => adamw(0.05, 0), quadratic, 3000, 1e-4],
  ['sgd + clipping', () => chain(clipByGlobalNorm(1), scaleByLearningRate(0.1)), quadratic, 1000, 1e-6],
  ['adam + warmup', () => adam(linearWarmup(0.05, 100)), quadratic, 3000, 1e-4],
  ['sgd + momentum', () => sgd(5e-4, 0.9), rosenbrock, 20000, 1e-3],
  ['adam', () => adam(0.01), rosenbrock, 20000, 1e-3],
];

for (const [name, make, p, steps, tol] of table) {
  test(`${name} minimises the ${p.name} function`, () => {
    const opt = make();
    const x = Float64Array.from(p.x0);
    let state = opt.init([x]);
    for (let s = 0; s < steps; s++) {
      const g = p.grad(x);
      state = opt.update([g], state, [x]);
      applyUpdates([x], [g]);
    }
    const err = Math.hypot(x[0] - p.xStar[0], x[1] - p.xStar[1]);
    assert.ok(err < tol, `${name}: |x - x*| = ${err}`);
  });
}

test('adam: the first step is -lr * sign(g); adamw adds -lr * wd * p', () => {
  const g = new Float64Array([0.3, -2, 5e-3]);
  const p = new Float64Array([1, 2, -3]);
  const u1 = [g.slice()];
  const a = adam(0.1);
  a.update(u1, a.init([p]), [p]);
  u1[0].forEach((v, i) => assert.ok(Math.abs(v + 0.1 * Math.sign(g[i])) < 1e-6));
  const u2 = [g.slice()];
  const w = adamw(0.1, 0.5);
  w.update(u2, w.init([p]), [p]);
  u2[0].forEach((v, i) => assert.ok(Math.abs(v - (-0.1 * Math.sign(g[i]) - 0.1 * 0.5 * p[i])) < 1e-6));
});

test('clipping scales to the global norm, across buffers; warm-up is linear then flat', () => {
  const u = [new Float64Array([3, 0]), new Float64Array([4])];
  const c = clipByGlobalNorm(1);
  c.update(u, c.init(u), u);
  assert.ok(Math.abs(globalNorm(u) - 1) < 1e-15);
  assert.ok(Math.abs(u[0][0] - 0.6) < 1e-15 && u[0][1] === 0 && Math.abs(u[1][0] - 0.8) < 1e-15);
  const small = [new Float64Array([0.1])];
  c.update(small, null, small);
  assert.equal(small[0][0], 0.1);
  const s = linearWarmup(1, 4);
  assert.deepEqual([0, 1, 2, 3, 4, 10].map(s), [0.25, 0.5, 0.75, 1, 1, 1]);
});
