// The linear MLP-Mixer's nuclear-norm program: the operator against a dense matrix built entry by
// entry from pred_i[a, m] = sum_{b,t} X_i[b, t] Z[a s + b, t c + m] (per token and averaged), its
// adjoint, one branch as the rank-one vec(W1) vec(W2)^T, the certificate closing below 1e-9 and the
// branches recovered from Z giving the mixer's objective equal to the optimum.
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { MixerOperator } from '../../src/convex/operators/mixer';
import { DenseOperator } from '../../src/convex/operators/dense';
import { NuclearNorm } from '../../src/convex/penalties/nuclear';
import { mixerHeadsToZ, mixerNonconvexObjective, mixerPredict, recoverMixerHeads } from '../../src/convex/recovery/mixer-heads';
import { SquaredLoss } from '../../src/losses/squared';
import { CrossEntropyLoss } from '../../src/losses/cross-entropy';
import { betaMax, verifyDualPoint } from '../../src/convex/duality';
import { fista } from '../../src/convex/solvers/fista';
import type { MhsaOutput } from '../../src/nn/models/linear-mhsa-model';
import type { Datafit, Problem } from '../../src/convex/types';
import { dot } from '../../src/core/vec';
import { assertClose, randLabels, randn, relDiff } from '../helpers';

const N = 7, s = 3, d = 2, c = 2;
const X = randn(N * s * d, 1);

function dense(output: MhsaOutput, Xs = X): DenseOperator {
  const cols = s * s * d * c, S = output === 'tokens' ? s : 1, A = new Float64Array(N * S * c * cols);
  for (let i = 0; i < N; i++) for (let a = 0; a < s; a++) for (let m = 0; m < c; m++) {
    const row = output === 'tokens' ? (i * s + a) * c + m : i * c + m, w = output === 'tokens' ? 1 : 1 / s;
    for (let b = 0; b < s; b++) for (let t = 0; t < d; t++) A[row * cols + (a * s + b) * d * c + t * c + m] += w * Xs[(i * s + b) * d + t];
  }
  return new DenseOperator(A, N * S * c, cols);
}

test('the mixer operator equals its definition entry by entry, both outputs and float32 storage, and its adjoint is the transpose', () => {
  for (const output of ['tokens', 'mean'] as const) {
    const op = new MixerOperator(X, N, s, d, c, output), ref = dense(output);
    assert.deepEqual([op.rows, op.cols], [ref.rows, ref.cols]);
    const w = randn(op.cols, 2), r = randn(op.rows, 3);
    const a = new Float64Array(op.rows), b = new Float64Array(op.rows), g = new Float64Array(op.cols), e = new Float64Array(op.cols);
    op.apply(w, a); ref.apply(w, b);
    assertClose(a, b, 1e-12, `${output}: apply`);
    op.applyT(r, g); ref.applyT(r, e);
    assertClose(g, e, 1e-12, `${output}: applyT`);
    assert.ok(relDiff(dot(a, r), dot(w, g)) < 1e-12, 'adjoint identity');
    const op32 = new MixerOperator(Float32Array.from(X), N, s, d, c, output), a32 = new Float64Array(op.rows), b32 = new Float64Array(op.rows);
    op32.apply(w, a32); dense(output, Float64Array.from(Float32Array.from(X))).apply(w, b32);
    assertClose(a32, b32, 1e-12, `${output}: float32 storage widened exactly`);
  }
});

test('one branch W1 X W2 is the rank-one vec(W1) vec(W2)^T: nuclear norm ||W1|| ||W2||, same prediction', () => {
  const W1 = randn(s * s, 4), W2 = randn(d * c, 5);
  const h = { H: 1, s, d, c, W1, W2, sigma: Float64Array.of(0), heads: [] };
  const Z = mixerHeadsToZ(h), nrm = (v: Float64Array) => Math.sqrt(dot(v, v));
  assert.ok(relDiff(new NuclearNorm(s * s, d * c).value(Z), nrm(W1) * nrm(W2)) < 1e-13);
  for (const output of ['tokens', 'mean'] as const) {
    const viaZ = new Float64Array(N * (output === 'tokens' ? s : 1) * c);
    new MixerOperator(X, N, s, d, c, output).apply(Z, viaZ);
    assertClose(mixerPredict(X, N, h, output), viaZ, 1e-12, `${output}: the branch against the program at Z`);
  }
});

function problem(output: MhsaOutput, loss: 'squared' | 'ce', frac: number): { p: Problem; Xs: Float64Array; NN: number } {
  const NN = 40, Xs = randn(NN * s * d, 11), op = new MixerOperator(Xs, NN, s, d, c, output);
  const rows = op.rows / c;
  const datafit: Datafit = loss === 'squared' ? new SquaredLoss(randn(op.rows, 12), rows, c) : new CrossEntropyLoss(randLabels(rows, c, 13), c);
  const penalty = new NuclearNorm(s * s, d * c);
  return { p: { operator: op, datafit, penalty, beta: frac * betaMax(op, datafit, penalty) }, Xs, NN };
}

test('FISTA certifies the mixer below 1e-9; the recovered branches give the mixer\'s objective equal to the optimum', () => {
  for (const [output, loss] of [['tokens', 'squared'], ['tokens', 'ce'], ['mean', 'squared'], ['mean', 'ce']] as const) {
    for (const frac of [0.05, 0.4]) {
      const { p, Xs, NN } = problem(output, loss, frac), what = `${output}/${loss} at ${frac} beta_max`;
      const r = fista(p, { tol: 1e-10, maxIter: 200000 });
      assert.ok(r.converged && r.certificate.relGap <= 1e-10, `${what}: gap ${r.certificate.relGap}`);
      const v = verifyDualPoint(p, r.dualPoint);
      assert.ok(v.feasibility <= 1 + 1e-12 && relDiff(v.value, r.certificate.dual) < 1e-12, `${what}: the dual point verifies`);
      const h = recoverMixerHeads(r.w, s, d, c);
      assert.ok(h.H >= 1 && h.H <= Math.min(s * s, d * c), `${what}: ${h.H} branches`);
      const nc = mixerNonconvexObjective(Xs, NN, h, output, p.datafit, p.beta);
      assert.ok(relDiff(nc.objective, r.certificate.primal) < 1e-9, `${what}: mixer ${nc.objective} vs program ${r.certificate.primal}`);
      assertClose(nc.pred, r.pred, 1e-9 * Math.max(1, ...r.pred.map(Math.abs)), `${what}: predictions`);
    }
  }
});

test('mixer: at beta_max Z = 0 is optimal and certified; just below it, not', () => {
  const { p } = problem('tokens', 'squared', 1);
  const at = fista(p, { tol: 1e-10 });
  assert.ok(at.converged);
  assert.equal(p.penalty.value(at.w), 0);
  const below = fista({ ...p, beta: 0.9 * p.beta }, { tol: 1e-10, maxIter: 100000 });
  assert.ok(below.converged && p.penalty.value(below.w) > 0);
});
