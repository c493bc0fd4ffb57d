// Recovery (Proposition 1 and its multi-output and gated versions): the heads recovered from a
// certified solution give the same predictions and the same objective, evaluated the
// non-convex way (eq. 9 / eq. 29), as the convex optimum. The non-convex evaluation is itself
// held against a per-sample, per-head loop.
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import type { Gating, Targets } from '../../src/convex/types';
import { withBeta } from '../../src/convex/programs/assemble';
import { attention } from '../../src/convex/programs/attention';
import { drawGating, gated } from '../../src/convex/programs/gated';
import { fista } from '../../src/convex/solvers/fista';
import { recoverHeads, type RecoveredWeights } from '../../src/convex/recovery/heads';
import { nonconvexObjective, nonconvexPredict } from '../../src/convex/recovery/nonconvex-objective';
import { assertClose, randLabels, randn, relDiff, randSimplexRows } from '../helpers';
import { blockSvdsOfHeads } from '../../src/convex/recovery/factored-svd';
import { gatedFactorsToZ } from '../../src/convex/recovery/gated-factor-heads';
import { svd } from '../../src/core/linalg';

const N = 50, n = 6, d = 3, c = 2;
const X = randn(N * n * d, 41);

/** sum_j g_ij (w1j^T X_i w2j) w3j, one sample and one head at a time. */
function predictByLoop(w: RecoveredWeights, gating?: Gating): Float64Array {
  const out = new Float64Array(N * c);
  for (let i = 0; i < N; i++) for (let j = 0; j < w.H; j++) {
    let on = 1;
    if (gating) {
      const g = w.gate[j];
      let s = 0;
      for (let k = 0; k < n; k++) for (let m = 0; m < d; m++) s += gating.U1[g * n + k] * X[(i * n + k) * d + m] * gating.U2[g * d + m];
      on = s >= 0 ? 1 : 0;
    }
    let a = 0;
    for (let k = 0; k < n; k++) for (let m = 0; m < d; m++) a += w.W1[j * n + k] * X[(i * n + k) * d + m] * w.W2[j * d + m];
    for (let l = 0; l < c; l++) out[i * c + l] += on * a * w.W3[j * c + l];
  }
  return out;
}

test('the non-convex forward equals the per-head loop, with general simplex rows and gates', () => {
  const H = 4, h = 2;
  const W1 = randSimplexRows(H, n, 3);
  const w: RecoveredWeights = { H, n, d, c, W1, W2: randn(H * d, 5), W3: randn(H * c, 6), gate: new Int32Array([0, 1, 1, 0]), heads: [] };
  const gating = { h, U1: randn(h * n, 7), U2: randn(h * d, 8) };
  assertClose(nonconvexPredict(X, N, w), predictByLoop(w), 1e-12, 'ungated');
  assertClose(nonconvexPredict(X, N, w, gating), predictByLoop(w, gating), 1e-12, 'gated');
  // in blocks of 7 samples (50 = 7 x 7 + 1), as for large N
  assertClose(nonconvexPredict(X, N, w, gating, 7 * n * H), predictByLoop(w, gating), 1e-12, 'gated, blocked');
});

for (const model of ['attention', 'gated'] as const) {
  for (const loss of ['squared', 'ce'] as const) {
    test(`${model}/${loss}: recovered heads reproduce the convex optimum`, () => {
      const targets: Targets = loss === 'squared' ? { Y: randn(N * c, 42), c } : { y: randLabels(N, c, 43), c };
      // the gates given as a data file would give them, so the loop below can use them
      const gating = model === 'gated' ? drawGating(3, n, d, 9) : undefined;
      const base = (model === 'gated' ? gated : attention).build({ train: { X, N, n, d }, trainTargets: targets, gating }, { loss });
      const built = withBeta(base, 0.5 * base.betaMax);
      const { problem } = built;
      const sol = fista(problem, { tol: 1e-10 });
      const rec = built.recover(sol.w);
      assert.ok(rec.H > 0 && rec.H < sol.w.length / d, `heads ${rec.H}`);
      // W1 rows are vertices of the simplex
      for (let j = 0; j < rec.H; j++) {
        const row = Array.from(rec.W1.subarray(j * n, (j + 1) * n));
        assert.equal(row.filter((v) => v === 1).length, 1);
        assert.equal(row.reduce((a, b) => a + b, 0), 1);
      }
      const nc = nonconvexObjective(X, N, rec, problem.datafit, problem.beta, gating);
      assertClose(nc.pred, sol.pred, 1e-10, 'predictions');
      assertClose(predictByLoop(rec, gating), sol.pred, 1e-10, 'loop predictions');
      assert.ok(relDiff(nc.objective, sol.certificate.primal) < 1e-12, `${nc.objective} vs ${sol.certificate.primal}`);
      // the program's own non-convex objective is the same computation
      assert.equal(built.nonconvexObjective(X, N, rec, problem.beta).objective, nc.objective);
    });
  }
}

test('a zero solution recovers no heads and the objective at zero', () => {
  const base = attention.build({ train: { X, N, n, d }, trainTargets: { Y: randn(N * c, 44), c } }, { loss: 'squared' });
  const { problem, zShape } = withBeta(base, 2 * base.betaMax);
  const sol = fista(problem);
  const rec = recoverHeads(sol.w, [1, ...zShape] as [number, number, number, number]);
  assert.equal(rec.H, 0);
  assert.equal(nonconvexObjective(X, N, rec, problem.datafit, problem.beta).objective, sol.certificate.primal);
});

test('the blocks\' SVDs from heads\' factors (bm\'s certificate) are the SVDs of the blocks formed: singular values, and U diag(s) Vt rebuilds each block', () => {
  const P = 4, rows = 16, cols = 6, H = 13, gate = Int32Array.from([0, 2, 0, 0, 2, 3, 3, 3, 3, 3, 3, 3, 3]); // block 1 has no heads; block 3 more than cols
  const heads = { H, W1: randn(H * rows, 51), W2: randn(H * cols, 52), gate };
  const flip = (w1: Float64Array, out: Float64Array) => { for (let i = 0; i < rows; i++) out[i] = w1[rows - 1 - i]; }; // a layout that is not the identity
  const Z = gatedFactorsToZ(heads, P, rows, cols, flip), svds = blockSvdsOfHeads(heads, P, rows, cols, flip);
  for (let g = 0; g < P; g++) {
    const block = Z.subarray(g * rows * cols, (g + 1) * rows * cols), full = svd(block, rows, cols).s, t = svds[g], k = t.s.length;
    const scale = full[0] || 1;
    for (let j = 0; j < full.length; j++) assert.ok(Math.abs((t.s[j] ?? 0) - full[j]) <= 1e-13 * scale, `block ${g}: sigma_${j + 1} ${t.s[j]} against ${full[j]}`);
    const rebuilt = new Float64Array(rows * cols);
    for (let i = 0; i < rows; i++) for (let e = 0; e < cols; e++) for (let a = 0; a < k; a++) rebuilt[i * cols + e] += t.U[i * k + a] * t.s[a] * t.Vt[a * cols + e];
    assertClose(rebuilt, block, 1e-13, `block ${g}`);
    // orthonormal singular vectors (the pruned heads are balanced through them)
    for (let a = 0; a < k; a++) for (let b = 0; b < k; b++) {
      let uu = 0, vv = 0;
      for (let i = 0; i < rows; i++) uu += t.U[i * k + a] * t.U[i * k + b];
      for (let e = 0; e < cols; e++) vv += t.Vt[a * cols + e] * t.Vt[b * cols + e];
      assert.ok(Math.abs(uu - (a === b ? 1 : 0)) < 1e-12 && Math.abs(vv - (a === b ? 1 : 0)) < 1e-12, `block ${g}: U or V not orthonormal (${uu}, ${vv})`);
    }
  }
  assert.equal(svds[3].s.length, cols);
  assert.equal(svds[1].s.length, 0);
});
