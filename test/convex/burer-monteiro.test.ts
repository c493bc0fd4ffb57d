// The Burer-Monteiro solver (solvers/burer-monteiro.ts, docs/burer-monteiro.md) on the four
// nuclear-norm programs with a factored form: it certifies below 1e-9, its certified interval
// meets FISTA's, its dual point checks from scratch (feasible, the bound it claims), the heads
// recovered from its Z give the non-convex objective at the optimum, a warm start at the optimum
// certifies at once, an iteration limit leaves it honestly uncertified, beta_max gives Z = 0, and
// the programs without a factored form refuse it. L-BFGS itself against known minimisers, and what
// its line search costs; the factored objective's passes against objective().
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { lbfgs } from '../../src/optim/lbfgs';
import { FactoredObjective } from '../../src/convex/solvers/factored-objective';
import { objective } from '../../src/nn/models/model';
import { burerMonteiro } from '../../src/convex/solvers/burer-monteiro';
import { fista } from '../../src/convex/solvers/fista';
import { chooseSolver, solve } from '../../src/convex/solve';
import { gatedFactorsToZ } from '../../src/convex/recovery/gated-factor-heads';
import { verifyDualPoint } from '../../src/convex/duality';
import { checkScale } from '../../src/convex/scale-check';
import { withBeta } from '../../src/convex/programs/assemble';
import { LINEAR_MHSA_BM_MAX_D, LINEAR_MHSA_MAX_D, linearMhsa } from '../../src/convex/programs/linear-mhsa';
import { mixer } from '../../src/convex/programs/mixer';
import { gatedMhsa, gatedMixer } from '../../src/convex/programs/gated-sahiner';
import { attention } from '../../src/convex/programs/attention';
import type { Program } from '../../src/convex/programs/program';
import { InputError } from '../../src/data/errors';
import { assertClose, randLabels, randn, relDiff } from '../helpers';

/** A SmoothFunction from a value-and-gradient function: the gradient at the last point valued. */
function smooth(f: (v: Float64Array, g: Float64Array) => number) {
  let at = new Float64Array(0);
  return { value: (v: Float64Array) => { at = Float64Array.from(v); return f(at, new Float64Array(v.length)); }, gradient: (g: Float64Array) => { f(at, g); } };
}

test('lbfgs: reaches the minimiser of a convex quadratic and of the Rosenbrock function', () => {
  // f = 1/2 x' H x - b' x, H diagonal with condition number 1e3
  const n = 30, h = Float64Array.from({ length: n }, (_, i) => 10 ** (3 * i / (n - 1))), b = randn(n, 4);
  const x = new Float64Array(n);
  const r = lbfgs(smooth((v, g) => {
    let f = 0;
    for (let i = 0; i < n; i++) { g[i] = h[i] * v[i] - b[i]; f += 0.5 * h[i] * v[i] * v[i] - b[i] * v[i]; }
    return f;
  }), x, { maxIter: 500, gtol: 1e-10 });
  assert.equal(r.reason, 'gradient');
  for (let i = 0; i < n; i++) assert.ok(Math.abs(x[i] - b[i] / h[i]) <= 1e-9 * Math.abs(b[i] / h[i]) + 1e-12, `x[${i}]`);
  const y = Float64Array.from([-1.2, 1]);
  const rosen = lbfgs(smooth((v, g) => {
    g[0] = -2 * (1 - v[0]) - 400 * v[0] * (v[1] - v[0] * v[0]);
    g[1] = 200 * (v[1] - v[0] * v[0]);
    return (1 - v[0]) ** 2 + 100 * (v[1] - v[0] * v[0]) ** 2;
  }), y, { maxIter: 1000, gtol: 1e-10 });
  assert.ok(Math.abs(y[0] - 1) < 1e-8 && Math.abs(y[1] - 1) < 1e-8, `Rosenbrock ended at ${y} (${rosen.reason})`);
});

test('lbfgs: a first step a thousand times too long is shortened by interpolation, not halving, and rejected trials cost no gradient', () => {
  // f = 1e6/2 (x - 1)^2 from 1 - 1e-3: the first step has unit length, the minimiser is 1e-3 away;
  // shortening by at least 10x a trial reaches it in 4 trials (halving would take 10)
  let values = 0, gradients = 0;
  const f = smooth((v, g) => { g[0] = 1e6 * (v[0] - 1); return 0.5e6 * (v[0] - 1) ** 2; });
  const counted = { value: (v: Float64Array) => (values++, f.value(v)), gradient: (g: Float64Array) => (gradients++, f.gradient(g)) };
  const x = Float64Array.from([1 - 1e-3]);
  const r = lbfgs(counted, x, { maxIter: 1 });
  assert.equal(r.iterations, 1);
  assert.ok(r.value < 1e-3 * r.startValue, `${r.startValue} to ${r.value}`);
  assert.deepEqual([r.values, r.gradients], [values, gradients]);
  assert.equal(values, 1 + 4, 'the start and four trials');
  assert.equal(gradients, 2, 'the start and the accepted step');
  // the minimiser 0.3 of the way along the first step: one rejection, then the quadratic's minimiser itself
  const y = Float64Array.from([0.7]);
  const q = lbfgs(smooth((v, g) => { g[0] = 5 * (v[0] - 1); return 2.5 * (v[0] - 1) ** 2; }), y, { maxIter: 1 });
  assert.equal(q.values, 3);
  assert.ok(Math.abs(y[0] - 1) <= 1e-15, `ended at ${y[0]}, not at the minimiser 1`);
});

test('lbfgs where f is flat to rounding and its gradient is not: the line search ends with no decrease, not a step of zero accepted', () => {
  // f = 10 everywhere, gradient 1, from x = 1e6: trial steps halve (f does not rise) until x + step dir
  // rounds to x (below 5.8e-11), while the Armijo decrease 1e-4 step is still above f's rounding
  // (8.9e-16) for steps above 8.9e-12; a step of zero there would pass the test as 10 <= 10
  const x = Float64Array.from([1e6]);
  const r = lbfgs(smooth((_, g) => { g[0] = 1; return 10; }), x, { maxIter: 5 });
  assert.equal(r.reason, 'no-decrease', `${r.reason} after ${r.iterations} iterations`);
  assert.equal(r.iterations, 0);
  assert.equal(x[0], 1e6);
});

const N = 40, s = 4, d = 3, c = 2;
const X = randn(N * s * d, 21, 1 / Math.sqrt(d));
const programs: [string, Program<never> | Program<'gates' | 'seed'>][] = [['linear-mhsa', linearMhsa], ['mixer', mixer], ['gated-mhsa', gatedMhsa], ['gated-mixer', gatedMixer]];

function built(program: Program<never> | Program<'gates' | 'seed'>, tokens: boolean, frac: number) {
  const targets = tokens ? { Y: randn(N * s * c, 22), c, tokens: s } : { y: randLabels(N, c, 23), c };
  const b = (program as Program<'gates' | 'seed'>).build({ train: { X, N, n: s, d }, trainTargets: targets }, { loss: tokens ? 'squared' : 'ce', gates: 2, seed: 0 });
  return withBeta(b, frac * b.betaMax);
}

for (const [name, program] of programs) {
  for (const tokens of [true, false]) {
    test(`bm on ${name} (${tokens ? 'per-token squared loss' : 'token-mean cross-entropy'}): certified below 1e-9, FISTA's optimum, a dual point that checks, recovered heads at the optimum`, () => {
      const b = built(program, tokens, 0.2);
      const r = burerMonteiro(b.problem, { tol: 1e-9, maxIter: 50000 });
      assert.ok(r.converged && r.certificate.relGap <= 1e-9, `relative gap ${r.certificate.relGap}`);
      assert.equal(r.method, 'bm');
      const f = fista(b.problem, { tol: 1e-9, maxIter: 200000 });
      assert.ok(f.converged);
      // both certified intervals hold the optimum: they meet
      assert.ok(r.certificate.dual <= f.certificate.primal && f.certificate.dual <= r.certificate.primal,
        `bm [${r.certificate.dual}, ${r.certificate.primal}] and fista [${f.certificate.dual}, ${f.certificate.primal}] do not meet`);
      const v = verifyDualPoint(b.problem, r.dualPoint);
      assert.ok(v.feasibility <= 1 + 1e-12, `dual point infeasible: ${v.feasibility}`);
      assert.ok(relDiff(v.value, r.certificate.dual) <= 1e-12, `dual value ${v.value} against ${r.certificate.dual}`);
      const rec = b.recover(r.w);
      const nc = b.nonconvexObjective(X, N, rec, b.problem.beta);
      assert.ok(relDiff(nc.objective, r.certificate.primal) <= 1e-9, `non-convex ${nc.objective} against ${r.certificate.primal}`);
    });
  }
}

test('bm: a warm start at the optimum certifies at once; an iteration limit is not certified; beta_max gives Z = 0', () => {
  const b = built(gatedMhsa, true, 0.2);
  const f = fista(b.problem, { tol: 1e-10, maxIter: 200000 });
  const warm = burerMonteiro(b.problem, { tol: 1e-8, w0: f.w });
  assert.ok(warm.converged && warm.certificate.iterations === 0, `warm start: ${warm.certificate.iterations} iterations, gap ${warm.certificate.relGap}`);
  const short = burerMonteiro(b.problem, { tol: 1e-12, maxIter: 3 });
  assert.ok(!short.converged && short.certificate.relGap > 1e-12, `3 iterations claimed gap ${short.certificate.relGap}`);
  assert.ok(short.certificate.iterations <= 3);
  const top = withBeta(b, b.betaMax * 1.0001);
  const zero = burerMonteiro(top.problem, { tol: 1e-9 });
  assert.ok(zero.converged && zero.w.every((v) => v === 0), 'beta above beta_max: Z = 0 certified');
});

test('bm at 0.01 beta_max (gradient matrix far above beta at first): pruning does not throw away the heads it needs, and the gap closes', () => {
  // a review's case: pruning by beta sigma below a share of the gap, with omega >> beta, dropped every head each round
  const Nb = 50, sb = 4, db = 4, cb = 3, Xb = randn(Nb * sb * db, 2);
  for (const program of [gatedMixer, gatedMhsa, linearMhsa] as Program<'gates' | 'seed'>[]) {
    const b0 = program.build({ train: { X: Xb, N: Nb, n: sb, d: db }, trainTargets: { Y: randn(Nb * sb * cb, 3), c: cb, tokens: sb } }, { loss: 'squared', gates: 2, seed: 2 });
    const b = withBeta(b0, 0.01 * b0.betaMax);
    const r = burerMonteiro(b.problem, { tol: 1e-8, maxIter: 20000 });
    const f = fista(b.problem, { tol: 1e-8, maxIter: 200000 });
    assert.ok(r.converged, `${program.name}: relative gap ${r.certificate.relGap} after ${r.certificate.iterations} iterations`);
    assert.ok(r.certificate.dual <= f.certificate.primal && f.certificate.dual <= r.certificate.primal, `${program.name}: intervals do not meet`);
  }
});

test('bm: a program without a factored form refuses it in one line naming the solver', () => {
  const b = attention.build({ train: { X, N, n: s, d }, trainTargets: { y: randLabels(N, c, 3), c } }, { loss: 'ce' });
  assert.throws(() => solve(b.problem, 'bm'), (e: unknown) => e instanceof InputError && /solver/.test(e.message) && /factored/.test(e.message));
});

test('the factored form\'s model at any heads gives the operator\'s A Z (bm takes the primal from whichever is cheaper)', () => {
  for (const [name, program] of programs) {
    for (const tokens of [true, false]) {
      const form = built(program, tokens, 0.2).problem.factored!, op = built(program, tokens, 0.2).problem.operator;
      assert.ok(form.flopsPerHead > 0, name);
      const H = 3, gate = Int32Array.from({ length: H }, (_, j) => j % form.blocks);
      const heads = { H, W1: randn(H * form.rows, 31), W2: randn(H * form.cols, 32), gate };
      const model = form.model(gate, 0);
      model.params[0].data.set(heads.W1);
      model.params[1].data.set(heads.W2);
      const viaModel = Float64Array.from(model.forward(form.input, form.N)), viaOperator = new Float64Array(op.rows);
      op.apply(gatedFactorsToZ(heads, form.blocks, form.rows, form.cols, form.fromW1), viaOperator);
      assertClose(viaModel, viaOperator, 1e-12, `${name} (${tokens ? 'tokens' : 'mean'}): the model against the operator`);
    }
  }
});

test('bm certifies the same optimum with A Z from the operator (where L-BFGS has not just made it by the model) as always from the model', () => {
  for (const program of [gatedMhsa, linearMhsa] as Program<'gates' | 'seed'>[]) {
    const b = built(program, true, 0.2);
    const byModel = burerMonteiro({ ...b.problem, factored: { ...b.problem.factored!, flopsShared: 0, flopsPerHead: 0 } }, { tol: 1e-9, maxIter: 50000 });
    const byOperator = burerMonteiro({ ...b.problem, factored: { ...b.problem.factored!, flopsPerHead: Infinity } }, { tol: 1e-9, maxIter: 50000 });
    assert.ok(byModel.converged && byOperator.converged, program.name);
    assert.ok(byModel.certificate.dual <= byOperator.certificate.primal && byOperator.certificate.dual <= byModel.certificate.primal, `${program.name}: intervals do not meet`);
    assert.ok(byOperator.operatorApplications > byModel.operatorApplications, `${program.name}: ${byOperator.operatorApplications} against ${byModel.operatorApplications} applications`);
    // a warm start has no L-BFGS point yet: its certificate's A Z comes from the operator (A Z and A^T grad)
    const warm = burerMonteiro({ ...b.problem, factored: { ...b.problem.factored!, flopsPerHead: Infinity } }, { tol: 1e-8, w0: byModel.w });
    assert.ok(warm.converged && warm.certificate.iterations === 0, `${program.name}: warm start ${warm.certificate.iterations} iterations, gap ${warm.certificate.relGap}`);
    assert.equal(warm.operatorApplications, 2, program.name);
    assert.ok(relDiff(warm.certificate.primal, byModel.certificate.primal) <= 1e-12, `${program.name}: primal ${warm.certificate.primal} by the operator against ${byModel.certificate.primal} by the model`);
  }
});

test('the factored objective: a value is a forward pass and a gradient a backward pass, each made once per point; A Z at the last point valued only', () => {
  const b = built(gatedMhsa, true, 0.2), form = b.problem.factored!, H = 3;
  const passes = { forward: 0, backward: 0 };
  const f = new FactoredObjective(form.model(Int32Array.from({ length: H }, (_, j) => j % form.blocks), b.problem.beta), { input: form.input, B: form.N, datafit: b.problem.datafit }, passes);
  const v = randn(H * (form.rows + form.cols), 41), w = randn(v.length, 42), g = new Float64Array(v.length), g2 = new Float64Array(v.length);
  const value = f.value(v);
  assert.equal(f.value(Float64Array.from(v)), value);
  f.gradient(g);
  f.gradient(g2);
  assert.deepEqual(passes, { forward: 1, backward: 1 });
  assert.deepEqual(g2, g);
  // against objective(): value and gradient of the same model at v in one call
  const model = form.model(Int32Array.from({ length: H }, (_, j) => j % form.blocks), b.problem.beta);
  model.params[0].data.set(v.subarray(0, model.params[0].data.length));
  model.params[1].data.set(v.subarray(model.params[0].data.length));
  const grads = model.params.map((p) => new Float64Array(p.data.length));
  assert.equal(objective(model, { input: form.input, B: form.N, datafit: b.problem.datafit }, grads), value);
  assert.deepEqual(g, Float64Array.from([...grads[0], ...grads[1]]));
  assert.deepEqual(f.predictionAt(v), model.forward(form.input, form.N));
  f.value(w);
  assert.equal(f.predictionAt(v), null);
  f.gradient(g2);
  assert.notDeepEqual(g2, g);
  assert.deepEqual(passes, { forward: 2, backward: 2 });
});

test('a problem too large to iterate on: the solvers that iterate refuse naming X and why, auto and bm certify', () => {
  const b = built(gatedMhsa, true, 0.2), heavy = { ...b.problem, tooLargeToIterate: 'is too large (a test)' };
  for (const solver of ['fista', 'adam', 'gram', 'newton'] as const) {
    assert.throws(() => solve(heavy, solver), (e: unknown) => e instanceof InputError
      && new RegExp(`^X: is too large \\(a test\\): too large for ${solver}, which iterates on it hundreds of times; --solver bm \\(or auto\\) applies the operator once per certificate and takes no SVD of Z$`).test(e.message), solver);
  }
  assert.equal(chooseSolver(heavy, 'auto'), 'bm');
  assert.equal(chooseSolver(b.problem, 'auto') === 'bm', false);
  const r = solve(heavy, 'auto', { tol: 1e-9, maxIter: 50000 });
  assert.ok(r.method === 'bm' && r.converged, `auto: ${r.method}, gap ${r.certificate.relGap}`);
  // a program without a factored form has nothing to offer instead
  const a = attention.build({ train: { X, N, n: s, d }, trainTargets: { y: randLabels(N, c, 3), c } }, { loss: 'ce' });
  assert.throws(() => solve({ ...a.problem, tooLargeToIterate: 'is too large (a test)' }, 'fista'), /too large for fista, which iterates on it hundreds of times; use smaller inputs$/);
});

test('linear-mhsa above d = 32: fista refuses naming X and d, auto runs bm and certifies (its dual point checked by full SVD), the recovered heads at the optimum; above LINEAR_MHSA_BM_MAX_D the build refuses', () => {
  const Nb = 30, sb = 3, db = LINEAR_MHSA_MAX_D + 1, cb = 2, Xb = randn(Nb * sb * db, 61, 1 / Math.sqrt(db));
  const b0 = linearMhsa.build({ train: { X: Xb, N: Nb, n: sb, d: db }, trainTargets: { Y: randn(Nb * sb * cb, 62), c: cb, tokens: sb } }, { loss: 'squared' });
  const b = withBeta(b0, 0.3 * b0.betaMax);
  assert.throws(() => solve(b.problem, 'fista'), /^InputError: X: has d = 33 features per token: linear-mhsa's Z is 1089 x 66, and its full SVD, which those solvers take every iteration, grows as d\^5 c .* \(the limit is d = 32\): too large for fista/);
  const r = solve(b.problem, 'auto', { tol: 1e-9, maxIter: 50000 });
  assert.ok(r.method === 'bm' && r.converged, `auto: ${r.method}, gap ${r.certificate.relGap}`);
  // the dual point from scratch: its constraint by the full SVD of A^T theta (bm took it from the Gram matrix)
  const v = verifyDualPoint(b.problem, r.dualPoint);
  assert.ok(v.feasibility <= 1 + 1e-12 && relDiff(v.value, r.certificate.dual) <= 1e-12, `dual point: feasibility ${v.feasibility}, value ${v.value} against ${r.certificate.dual}`);
  const nc = b.nonconvexObjective(Xb, Nb, b.recover(r.w), b.problem.beta);
  assert.ok(relDiff(nc.objective, r.certificate.primal) <= 1e-9, `non-convex ${nc.objective} against ${r.certificate.primal}`);
  const dd = LINEAR_MHSA_BM_MAX_D + 1;
  assert.throws(() => linearMhsa.build({ train: { X: randn(2 * sb * dd, 63), N: 2, n: sb, d: dd }, trainTargets: { Y: randn(2 * sb * cb, 64), c: cb, tokens: sb } }, { loss: 'squared' }),
    new RegExp(`^InputError: X: has d = ${dd} features per token; linear-mhsa's Z is d\\^2 x dc \\(${dd * dd} x ${dd * cb}\\), so d is limited to ${LINEAR_MHSA_BM_MAX_D} \\(to ${LINEAR_MHSA_MAX_D} but for --solver bm\\)`));
});

test('checkScale with norm false never takes the operator\'s norm (a problem only bm solves) and still refuses an overflowing beta_max', () => {
  const b = built(gatedMhsa, true, 0.2), op = b.problem.operator;
  const noNorm = Object.assign(Object.create(Object.getPrototypeOf(op)), op, { normEstimate: () => { throw new Error('normEstimate called'); } });
  assert.doesNotThrow(() => checkScale(X, noNorm, b.problem.datafit, b.betaMax, undefined, { norm: false }));
  assert.throws(() => checkScale(X, noNorm, b.problem.datafit, b.betaMax), /normEstimate called/);
  assert.throws(() => checkScale(X, noNorm, b.problem.datafit, Infinity, undefined, { norm: false }), /^InputError: X: entries up to .* overflow float64 in beta_max/);
});
