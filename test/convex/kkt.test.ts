// The KKT check (src/convex/kkt.ts) and the non-convex side of `check`: residuals against closed
// forms, a certified solution passes with a gap below 1e-8 and residuals below 1e-6, perturbed
// ones fail, and non-convex heads map to a Z with their prediction and no larger an objective.
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import type { Dataset } from '../../src/data/dataset';
import type { NamedArray, NdArray } from '../../src/data/ndarray';
import { GroupL2 } from '../../src/convex/penalties/group-l2';
import { headsToZ, type RecoveredWeights } from '../../src/convex/recovery/heads';
import { runCheck, type CheckConfig } from '../../src/experiments/check';
import { runFit } from '../../src/experiments/fit';
import { GatedOperator } from '../../src/convex/operators/gated';
import { computeGates } from '../../src/convex/operators/gates';
import { nonconvexPredict } from '../../src/convex/recovery/nonconvex-objective';
import { InputError } from '../../src/data/errors';
import { assertClose, randLabels, randn, randSimplexRows } from '../helpers';

const N = 60, n = 5, d = 3, c = 3;
const data: Dataset = {
  train: { X: randn(N * n * d, 11), N, n, d },
  trainTargets: { y: randLabels(N, c, 12), c },
};

const nd = (data: Float64Array | Int32Array, shape: number[]): NdArray =>
  ({ data, shape, dtype: '<f8', kind: 'f', values: Float64Array.from(data) });

test('group-l2 optimality against a hand-computed case', () => {
  const beta = 2;
  // group 0: w = (3, 4), v = beta (0.6, 0.8) + (0.2, 0): stationarity 0.2 / beta
  // group 1: w = 0, ||v|| = 1.5: slack 1 - 1.5 / beta = 0.25
  const w = new Float64Array([3, 4, 0, 0]);
  const v = new Float64Array([1.2 + 0.2, 1.6, 0.9, 1.2]);
  const r = new GroupL2(2).optimality(w, v, beta);
  assert.ok(Math.abs(r.stationarity - 0.1) < 1e-15, String(r.stationarity));
  assert.ok(Math.abs(r.zeroGroupSlack! - 0.25) < 1e-15, String(r.zeroGroupSlack));
  assert.deepEqual([r.nonzeroGroups, r.totalGroups], [1, 2]);
});

/** A fit's weights as `check` reads them from weights.npz, with `change` applied to copies. */
function asRead(weights: Record<string, NamedArray>, change: Record<string, (a: Float64Array) => void> = {}): Record<string, NdArray> {
  return Object.fromEntries(Object.entries(weights).map(([k, a]) => {
    const values = Float64Array.from(a.data as ArrayLike<number>);
    change[k]?.(values);
    return [k, nd(values, a.shape)];
  }));
}

// the kernel program with a seed other than the default: check must rebuild its map from the file
const OPTIONS = { attention: {}, gated: {}, kernel: { seed: 5, features: 8 } } as const;

for (const model of ['attention', 'gated', 'kernel'] as const) {
  test(`${model}: a certified solution passes the KKT check, perturbed and misshapen ones do not`, () => {
    // beta large enough that some token groups are zero, so the slack is tested too
    const fit = runFit(data, { model, loss: 'ce', betaFrac: 0.3, tol: 1e-13, maxIter: 200000, ...OPTIONS[model] });
    assert.ok(fit.result.converged, `fit: rel. gap ${fit.result.relGap}`);
    const kkt = fit.result.kkt;
    assert.ok(kkt.stationarity < 1e-6 && kkt.dualFeasibility <= 1 + 1e-6, JSON.stringify(kkt));
    assert.ok(kkt.zeroGroupSlack !== null && kkt.zeroGroupSlack >= -1e-6, 'expected zero groups at this beta');
    const cfg: CheckConfig = { model, loss: 'ce', betaFrac: 0.3, tol: 1e-6, maxIter: 20000, weights: 'convex' };
    const ok = runCheck(data, asRead(fit.weights), cfg);
    assert.ok(ok.kkt.relGap < 1e-8 && ok.kkt.stationarity < 1e-6, JSON.stringify(ok.kkt));
    assert.equal(ok.optimal, true);
    assert.equal(ok.solve, null, 'the gap at the weights proves them: no solve');
    // one nonzero group scaled: the objective moves only at second order (1% costs ~1e-6 of it),
    // the stationarity residual at first order; 10% is proven suboptimal by a better point
    const Z = fit.weights.Z.data as Float64Array;
    const g = Z.findIndex((v) => v !== 0) - (Z.findIndex((v) => v !== 0) % d);
    const scaled = (f: number) => asRead(fit.weights, { Z: (a) => { for (let m = g; m < g + d; m++) a[m] *= f; } });
    const slight = runCheck(data, scaled(1.01), cfg);
    assert.ok(slight.kkt.stationarity > 1e-3 && slight.kkt.stationarity < 0.1, `stationarity ${slight.kkt.stationarity}`);
    assert.ok(slight.relSuboptimalityAtMost < 1e-5, `1% costs ${slight.relSuboptimalityAtMost}`);
    const bad = runCheck(data, scaled(1.1), cfg);
    assert.ok(bad.kkt.stationarity > 1e-2 && bad.kkt.relGap > 1e-4, JSON.stringify(bad.kkt));
    assert.equal(bad.optimal, false);
    assert.ok(bad.suboptimalityAtLeast > 1e-6 * bad.objective && bad.suboptimalityAtLeast <= bad.suboptimalityAtMost);
    // a zero group made nonzero: it sits at the slack's place, so stationarity there is large
    const zeroGroup = Array.from({ length: Z.length / d }, (_, k) => k).find((k) => Z.subarray(k * d, k * d + d).every((v) => v === 0))!;
    const woken = runCheck(data, asRead(fit.weights, { Z: (a) => { a[zeroGroup * d] = 1e-3; } }), cfg);
    assert.ok(woken.kkt.stationarity > 0.1 && woken.optimal === false, JSON.stringify(woken.kkt));
    // the non-convex heads of the same fit: their objective is the optimum, and they pass
    const heads = runCheck(data, asRead(fit.weights), { ...cfg, weights: 'nonconvex' });
    assert.equal(heads.optimal, true);
    assert.ok(Math.abs(heads.objective - ok.objective) <= 1e-10 * ok.objective);
    assert.throws(() => runCheck(data, { ...asRead(fit.weights), Z: nd(new Float64Array(3), [3]) }, cfg),
      (e: Error) => e instanceof InputError && e.field === 'Z' && /expected \(/.test(e.message));
    if (model === 'kernel') {
      // the map is the file's: another seed asked for is refused, naming it
      assert.throws(() => runCheck(data, asRead(fit.weights), { ...cfg, seed: 6 }),
        (e: Error) => e instanceof InputError && e.field === 'seed' && /weights were fit with seed 5/.test(e.message));
    }
  });
}

test('heads map to a Z with their prediction and a convex objective no larger than theirs', () => {
  const H = 7, h = 2;
  const W1 = randSimplexRows(H, n, 5);
  const rec: RecoveredWeights = { H, n, d, c, W1, W2: randn(H * d, 6), W3: randn(H * c, 7), gate: new Int32Array([0, 1, 1, 0, 1, 0, 0]), heads: [] };
  const gating = { h, U1: randn(h * n, 8), U2: randn(h * d, 9) };
  const arrays = {
    W1: nd(W1, [H, n]), W2: nd(rec.W2, [H, d]), W3: nd(rec.W3, [H, c]), gate: nd(rec.gate, [H]),
    U1: nd(gating.U1, [h, n]), U2: nd(gating.U2, [h, d]),
  };
  const r = runCheck(data, arrays, { model: 'gated', loss: 'ce', betaFrac: 0.1, tol: 1e-6, maxIter: 20000, weights: 'auto' });
  assert.equal(r.weights, 'nonconvex');
  assert.ok(r.kkt.primal <= r.objective * (1 + 1e-12), `convex ${r.kkt.primal} > non-convex ${r.objective}`);
  assert.ok(r.lowerBound <= r.kkt.primal && r.optimal === false);
  const Z = headsToZ(rec, h);
  assert.equal(Z.length, h * c * n * d);
  // the prediction through Z: the same as through the heads (assertClose relative to its scale)
  const pred = new Float64Array(N * c);
  new GatedOperator(data.train.X, N, n, d, c, computeGates(data.train.X, N, n, d, gating.U1, gating.U2, h), h).apply(Z, pred);
  assertClose(pred, nonconvexPredict(data.train.X, N, rec, gating), 1e-12, 'prediction through Z');
});

test('non-convex weights off the simplex, with a gate out of range, or without gates are refused naming the key', () => {
  const H = 2;
  const W1 = new Float64Array(H * n).fill(1 / n);
  const base = { W1: nd(W1, [H, n]), W2: nd(randn(H * d, 1), [H, d]), W3: nd(randn(H * c, 2), [H, c]) };
  const cfg: CheckConfig = { model: 'attention', loss: 'ce', betaFrac: 0.1, tol: 1e-6, maxIter: 10, weights: 'auto' };
  const field = (f: string) => (e: Error) => e instanceof InputError && e.field === f;
  const off = Float64Array.from(W1); off[0] += 0.1;
  assert.throws(() => runCheck(data, { ...base, W1: nd(off, [H, n]) }, cfg), field('W1'));
  const neg = Float64Array.from(W1); neg[0] = -0.1; neg[1] += 0.1 + 1 / n;
  assert.throws(() => runCheck(data, { ...base, W1: nd(neg, [H, n]) }, cfg), field('W1'));
  assert.throws(() => runCheck(data, { ...base, W3: nd(randn(H * 2, 2), [H, 2]) }, cfg), field('W3'));
  assert.throws(() => runCheck(data, { ...base, gate: nd(new Int32Array([0, 1]), [H]) }, cfg), field('gate'));
  assert.throws(() => runCheck(data, base, { ...cfg, model: 'gated' }), field('gate'));
  assert.throws(() => runCheck(data, { ...base, W1: nd(W1, [H, n]), foo: nd(W1, [H * n]) } as Record<string, NdArray>, { ...cfg, weights: 'convex' }), field('Z'));
});
