// Bounded work: every solver loop ends, the line search included, and values that leave the
// range of float64 stop a solve with one line naming what overflowed. Data at any magnitude
// either solves to the same optimum as at scale 1 (the programs are scale-invariant under
// beta-frac: Z scales by 1/s, beta by s, the objective not at all) or is refused before work.
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { withBeta } from '../../src/convex/programs/assemble';
import { attention } from '../../src/convex/programs/attention';
import { programNamed } from '../../src/convex/registry';
import { fista } from '../../src/convex/solvers/fista';
import { adamConvex } from '../../src/convex/solvers/adam';
import { NumericError } from '../../src/convex/numeric-error';
import { InputError } from '../../src/data/errors';
import { checkLinearMhsaFits, checkSolveFits } from '../../src/convex/memory-estimate';
import type { Datafit, LinearOperator, Problem, Targets } from '../../src/convex/types';
import { randLabels, randn, relDiff } from '../helpers';

const N = 30, n = 4, d = 3, c = 2;

function problemAt(scale: number, loss: 'squared' | 'ce' = 'squared', model: 'attention' | 'gated' = 'attention') {
  const X = randn(N * n * d, 7, scale);
  const targets: Targets = loss === 'squared' ? { Y: randn(N * c, 8), c } : { y: randLabels(N, c, 9), c };
  const ap = programNamed(model).build({ train: { X, N, n, d }, trainTargets: targets }, { loss, gates: 2, seed: 3 });
  return withBeta(ap, 0.3 * ap.betaMax).problem;
}

/** A datafit whose sufficient-decrease test never passes, as when predictions overflow. */
function neverDecreasing(p: Problem, bregman: number): Problem {
  const f = p.datafit;
  const broken: Datafit = {
    name: f.name, samples: f.samples, outputs: f.outputs, lipschitz: f.lipschitz,
    value: (q) => f.value(q), gradient: (q, out) => f.gradient(q, out), conjugate: (u) => f.conjugate(u),
    bregman: () => bregman,
  };
  return { ...p, datafit: broken };
}

test('a line search that can never succeed stops with one line instead of looping', { timeout: 20_000 }, () => {
  for (const value of [NaN, 1e300]) {
    const p = neverDecreasing(problemAt(1), value);
    assert.throws(() => fista(p, { tol: 1e-8, maxIter: 100 }), (e: Error) => {
      assert.ok(e instanceof NumericError, `${e.name}: ${e.message}`);
      assert.match(e.message, /line search found no step/);
      assert.ok(!e.message.includes('\n'));
      return true;
    });
  }
});

test('--time-limit holds inside the line search', { timeout: 20_000 }, () => {
  // Each operator application takes 20 ms and no step is ever accepted, so the line search ends
  // either at the time limit (0.15 s: the solve returns, uncertified) or after 64 doublings
  // (1.3 s: it throws). Returning is the proof; no clock is read here.
  const base = problemAt(1);
  const slow: LinearOperator = {
    rows: base.operator.rows, cols: base.operator.cols, flopsPerApply: 0, precision: 'float64',
    normEstimate: () => base.operator.normEstimate(),
    apply: (w, out) => { Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 20); base.operator.apply(w, out); },
    applyT: (r, out) => base.operator.applyT(r, out),
  };
  const p = neverDecreasing({ ...base, operator: slow }, 1e300);
  const r = fista(p, { tol: 1e-8, maxIter: 100, timeLimit: 0.15 });
  assert.equal(r.converged, false);
});

test('data at any magnitude solves to the scale-1 optimum or is refused with the array named', { timeout: 60_000 }, () => {
  const outcomes = { solved: 0, refused: 0, stopped: 0 };
  for (const loss of ['squared', 'ce'] as const) {
    for (const model of ['attention', 'gated'] as const) {
      const ref = fista(problemAt(1, loss, model), { tol: 1e-9, maxIter: 20000 });
      assert.ok(ref.converged);
      for (const scale of [1e-300, 1e-160, 1e-130, 1e-120, 1e-100, 1e100, 1e140, 1e150, 1e155, 1e160, 1e200, 1e300]) {
        let p: Problem;
        try {
          p = problemAt(scale, loss, model);
        } catch (e) {
          assert.ok(e instanceof InputError, `${scale}: ${(e as Error).message}`);
          assert.match(e.message, /^X: entries up to \S+ (overflow|underflow) float64/);
          outcomes.refused++;
          continue;
        }
        let r;
        try {
          r = fista(p, { tol: 1e-9, maxIter: 20000 });
        } catch (e) {
          assert.ok(e instanceof NumericError, `${loss}/${model} at ${scale}: ${(e as Error).message}`);
          outcomes.stopped++;
          continue;
        }
        assert.ok(r.converged, `${loss}/${model} at ${scale}: gap ${r.certificate.relGap}`);
        assert.ok(relDiff(r.certificate.primal, ref.certificate.primal) < 1e-8, `${loss}/${model} at ${scale}: ${r.certificate.primal} vs ${ref.certificate.primal}`);
        outcomes.solved++;
      }
    }
  }
  // 1e-120, 1e-100, 1e100, 1e140 and 1e150 solve (x 4 programs); the other 7 are refused up front.
  assert.deepEqual(outcomes, { solved: 20, refused: 28, stopped: 0 });
});

test('a diverging Adam stops with the objective named, not with NaN weights', () => {
  const p = problemAt(1);
  assert.throws(() => adamConvex(p, { lr: 1e300, maxIter: 50, tol: 1e-12 }), (e: Error) => e instanceof NumericError && /objective became/.test(e.message));
});

test('a problem whose solver vectors cannot fit in memory is refused before any work, naming the class count', () => {
  assert.throws(() => checkSolveFits(200, 4, 8, 1e8), (e: Error) => e instanceof InputError && /^c: 100000000 classes \(outputs\) x 200 samples need 1804\.8 GB/.test(e.message));
  // what solves today fits: 200000 samples, 10 outputs (0.16 GB); 8 gates x 160 classes of n d = 256
  checkSolveFits(200000, 8, 32, 10);
  checkSolveFits(20000, 8, 32, 160, 8);
  assert.throws(() => checkSolveFits(1000, 4, 8, 100, 1, 1e6), /more than this machine's 0\.0 GB/);
  // linear-mhsa: each sample's d x d Gram matrix is what grows (60,000 x 32 x 32 x 8 B = 0.5 GB: fits)
  checkLinearMhsaFits(60000, 32, 10);
  assert.throws(() => checkLinearMhsaFits(60000, 32, 10, 4e8), (e: Error) => e instanceof InputError && /^X: 60000 samples of d = 32 need 0\.7 GB for linear-mhsa/.test(e.message));
  // and the problem builder applies it
  const X = randn(10 * n * d, 1);
  assert.throws(() => attention.build({ train: { X, N: 10, n, d }, trainTargets: { y: new Int32Array(10), c: 1e9 } }, { loss: 'ce' }), /^InputError: c: 1000000000 classes/);
});
