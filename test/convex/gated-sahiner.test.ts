// The gated-ReLU Sahiner programs (gated-mhsa, gated-mixer; docs/sahiner-gated.md): each operator
// against a dense matrix built entry by entry from its definition with the gates computed here by
// hand, the adjoint identity, the gates all on giving the linear program, the block nuclear norm's
// prox against per-block thresholding and perturbations, the certificate closing below 1e-9, the
// recovered heads giving the gated model's objective equal to the optimum (at most P min(rows, cols)
// heads), beta_max giving zero, and Adam on the gated model never ending below the certified bound.
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { GatedMixerOperator } from '../../src/convex/operators/gated-mixer';
import { GatedMhsaOperator } from '../../src/convex/operators/gated-mhsa';
import { MixerOperator } from '../../src/convex/operators/mixer';
import { LinearMhsaOperator } from '../../src/convex/operators/linear-mhsa';
import { DenseOperator } from '../../src/convex/operators/dense';
import { BlockNuclearNorm } from '../../src/convex/penalties/block-nuclear';
import { NuclearNorm } from '../../src/convex/penalties/nuclear';
import { mixerGates, scoreGates } from '../../src/attention/gate-patterns';
import { gatedMhsa, gatedMixer, drawSahinerGates, GATED_MHSA_MAX_GFLOP } from '../../src/convex/programs/gated-sahiner';
import { checkCapabilities } from '../../src/convex/solvers/capabilities';
import { chooseSolver } from '../../src/convex/solve';
import { withBeta } from '../../src/convex/programs/assemble';
import { fista } from '../../src/convex/solvers/fista';
import { verifyDualPoint } from '../../src/convex/duality';
import { trainModel } from '../../src/experiments/train';
import { gatedMhsaModel } from '../../src/nn/models/gated-mhsa-model';
import { gatedMixerModel } from '../../src/nn/models/gated-mixer-model';
import type { Batch } from '../../src/nn/models/model';
import type { MhsaOutput } from '../../src/nn/models/linear-mhsa-model';
import type { Targets } from '../../src/convex/types';
import { dot } from '../../src/core/vec';
import { assertClose, randLabels, randn, relDiff } from '../helpers';

const N = 6, s = 3, d = 2, c = 4, P = 2; // s, d and c apart, so that no index mix-up goes unseen
const X = randn(N * s * d, 1);
const x = (i: number, a: number, t: number) => X[(i * s + a) * d + t];

/** pred_i[a, m] = sum_g sum_{b,t} 1{(U_g X_i)[a, t] >= 0} X_i[b, t] Z_g[a s + b, t c + m]. */
function denseMixer(U: Float64Array, output: MhsaOutput): DenseOperator {
  const cols = P * s * s * d * c, S = output === 'tokens' ? s : 1, A = new Float64Array(N * S * c * cols);
  for (let i = 0; i < N; i++) for (let g = 0; g < P; g++) for (let a = 0; a < s; a++) for (let t = 0; t < d; t++) {
    let pre = 0;
    for (let b = 0; b < s; b++) pre += U[(g * s + a) * s + b] * x(i, b, t);
    if (pre < 0) continue;
    for (let m = 0; m < c; m++) {
      const row = output === 'tokens' ? (i * s + a) * c + m : i * c + m, w = output === 'tokens' ? 1 : 1 / s;
      for (let b = 0; b < s; b++) A[row * cols + g * s * s * d * c + (a * s + b) * d * c + t * c + m] += w * x(i, b, t);
    }
  }
  return new DenseOperator(A, N * S * c, cols);
}

/** pred_i[a, m] = sum_g sum_{t,k,l} X_i[a, t] (sum_b 1{x_a U_g x_b >= 0} X_i[b, k] X_i[b, l]) Z_g[k d + t, l c + m]. */
function denseMhsa(U: Float64Array, output: MhsaOutput): DenseOperator {
  const dd = d * d, dc = d * c, cols = P * dd * dc, S = output === 'tokens' ? s : 1, A = new Float64Array(N * S * c * cols);
  for (let i = 0; i < N; i++) for (let g = 0; g < P; g++) for (let a = 0; a < s; a++) for (let b = 0; b < s; b++) {
    let score = 0;
    for (let k = 0; k < d; k++) for (let l = 0; l < d; l++) score += x(i, a, k) * U[(g * d + k) * d + l] * x(i, b, l);
    if (score < 0) continue;
    for (let m = 0; m < c; m++) {
      const row = output === 'tokens' ? (i * s + a) * c + m : i * c + m, w = output === 'tokens' ? 1 : 1 / s;
      for (let t = 0; t < d; t++) for (let k = 0; k < d; k++) for (let l = 0; l < d; l++) {
        A[row * cols + g * dd * dc + (k * d + t) * dc + l * c + m] += w * x(i, a, t) * x(i, b, k) * x(i, b, l);
      }
    }
  }
  return new DenseOperator(A, N * S * c, cols);
}

test('the gated mixer and gated attention operators equal their definitions entry by entry; the adjoint is the transpose; the gates are mixed', () => {
  for (const output of ['tokens', 'mean'] as const) {
    const Um = drawSahinerGates(P, s, 5), Ua = drawSahinerGates(P, d, 6);
    const Dm = mixerGates(X, N, s, d, Um, P), Da = scoreGates(X, N, s, d, Ua, P);
    for (const D of [Dm, Da]) {
      const on = D.reduce((acc, v) => acc + v, 0) / D.length;
      assert.ok(on > 0.2 && on < 0.8, `gates on ${on}: the test would not see the masking`);
    }
    for (const [op, ref, what] of [
      [new GatedMixerOperator(X, N, s, d, c, Dm, P, output), denseMixer(Um, output), 'gated mixer'],
      [new GatedMixerOperator(X, N, s, d, c, Dm, P, output, 4), denseMixer(Um, output), 'gated mixer in blocks of 4 and 2 samples'],
      [new GatedMhsaOperator(X, N, s, d, c, Da, P, output), denseMhsa(Ua, output), 'gated attention'],
      [new GatedMhsaOperator(X, N, s, d, c, Da, P, output, 0), denseMhsa(Ua, output), 'gated attention streamed (no token-mean features)'],
    ] as const) {
      assert.deepEqual([op.rows, op.cols], [ref.rows, ref.cols]);
      const w = randn(op.cols, 2), r = randn(op.rows, 3);
      // outputs full of NaN: every entry must be written, not added to; applyT before apply on the same operator
      const a = new Float64Array(op.rows).fill(NaN), b = new Float64Array(op.rows), g = new Float64Array(op.cols).fill(NaN), e = new Float64Array(op.cols);
      op.applyT(r, g); ref.applyT(r, e);
      assertClose(g, e, 1e-12, `${what} ${output}: applyT`);
      op.apply(w, a); ref.apply(w, b);
      assertClose(a, b, 1e-12, `${what} ${output}: apply`);
      assert.ok(relDiff(dot(a, r), dot(w, g)) < 1e-12, `${what} ${output}: adjoint identity`);
    }
  }
});

test('with one gate that is always on, each gated operator is its linear program\'s operator', () => {
  const Xp = X.map(Math.abs), ones = new Uint8Array(N * s * Math.max(s, d)).fill(1);
  for (const output of ['tokens', 'mean'] as const) {
    const pairs = [
      [new GatedMixerOperator(Xp, N, s, d, c, ones.subarray(0, N * s * d), 1, output), new MixerOperator(Xp, N, s, d, c, output)],
      [new GatedMhsaOperator(Xp, N, s, d, c, ones.subarray(0, N * s * s), 1, output), new LinearMhsaOperator(Xp, N, s, d, c, output)],
    ] as const;
    for (const [gatedOp, linear] of pairs) {
      const w = randn(linear.cols, 7), a = new Float64Array(linear.rows), b = new Float64Array(linear.rows);
      gatedOp.apply(w, a); linear.apply(w, b);
      assertClose(a, b, 1e-12, `${output}: one open gate against the linear operator`);
    }
  }
});

test('the block nuclear norm thresholds each block on its own: value, prox, dual norm and KKT are the blocks\'', () => {
  const rows = 4, cols = 3, pen = new BlockNuclearNorm(3, rows, cols), one = new NuclearNorm(rows, cols);
  const V = randn(3 * rows * cols, 8), Pz = new Float64Array(V.length), step = 0.8;
  pen.prox(V, step, Pz);
  let value = 0, dual = 0;
  for (let g = 0; g < 3; g++) {
    const part = (w: Float64Array) => w.subarray(g * rows * cols, (g + 1) * rows * cols);
    const own = new Float64Array(rows * cols);
    one.prox(part(V), step, own);
    assertClose(part(Pz), own, 0, `block ${g}: prox`);
    value += one.value(part(V));
    dual = Math.max(dual, one.dualNorm(part(V)));
  }
  assert.ok(relDiff(pen.value(V), value) < 1e-15 && pen.dualNorm(V) === dual);
  const obj = (Q: Float64Array) => 0.5 * Q.reduce((acc, q, i) => acc + (q - V[i]) ** 2, 0) + step * pen.value(Q);
  const best = obj(Pz);
  for (let k = 0; k < 100; k++) {
    const E = randn(V.length, 200 + k, k % 2 ? 1e-3 : 1e-1);
    assert.ok(obj(Pz.map((p, i) => p + E[i])) >= best - 1e-12 * Math.abs(best), `perturbation ${k} did better`);
  }
  const opt = pen.optimality(Pz, V.map((v, i) => v - Pz[i]), step);
  assert.ok(opt.stationarity < 1e-12 && (opt.zeroGroupSlack ?? 0) >= -1e-12 && opt.totalGroups === 9, JSON.stringify(opt));
});

const NN = 24, XS = randn(NN * s * d, 11);
function built(program: typeof gatedMhsa, output: MhsaOutput, loss: 'squared' | 'ce', frac: number) {
  const rows = output === 'tokens' ? NN * s : NN, tokens = output === 'tokens' ? { tokens: s } : {};
  const targets: Targets = loss === 'squared' ? { Y: randn(rows * c, 12), c, ...tokens } : { y: randLabels(rows, c, 13), c, ...tokens };
  const base = program.build({ train: { X: XS, N: NN, n: s, d }, trainTargets: targets }, { loss, gates: P, seed: 3 });
  return withBeta(base, frac * base.betaMax);
}

for (const program of [gatedMhsa, gatedMixer]) {
  test(`${program.name}: FISTA certifies below 1e-9; the heads recovered from each gate's block give the gated model's objective equal to the optimum`, () => {
    const gatesUsed = new Set<number>();
    for (const [output, loss] of [['tokens', 'squared'], ['mean', 'ce']] as const) {
      for (const frac of [0.05, 0.4]) {
        const b = built(program, output, loss, frac), what = `${output}/${loss} at ${frac} beta_max`;
        const r = fista(b.problem, { tol: 1e-10, maxIter: 200000 });
        assert.ok(r.converged && r.certificate.relGap <= 1e-10, `${what}: gap ${r.certificate.relGap}`);
        const v = verifyDualPoint(b.problem, r.dualPoint);
        assert.ok(v.feasibility <= 1 + 1e-12 && relDiff(v.value, r.certificate.dual) < 1e-12, `${what}: the dual point verifies`);
        const rec = b.recover(r.w), [, rows, cols] = b.zShape;
        assert.ok(rec.H >= 1 && rec.H <= P * Math.min(rows, cols), `${what}: ${rec.H} heads`);
        rec.gate.forEach((g) => gatesUsed.add(g));
        const nc = b.nonconvexObjective(XS, NN, rec, b.problem.beta);
        assert.ok(relDiff(nc.objective, r.certificate.primal) < 1e-9, `${what}: model ${nc.objective} vs program ${r.certificate.primal}`);
        assertClose(nc.pred, r.pred, 1e-9, `${what}: predictions`);
      }
    }
    assert.equal(gatesUsed.size, P, 'heads on one gate only: the test would not see a gate mixed up');
  });

  test(`${program.name}: at beta_max Z = 0 is optimal and certified; just below it, not`, () => {
    const b = built(program, 'tokens', 'squared', 1);
    const at = fista(b.problem, { tol: 1e-10 });
    assert.ok(at.converged && b.problem.penalty.value(at.w) === 0);
    // no heads: the model without any has the same objective (what fit and check evaluate)
    const none = b.recover(at.w);
    assert.equal(none.H, 0);
    assert.ok(relDiff(b.nonconvexObjective(XS, NN, none, b.problem.beta).objective, at.certificate.primal) < 1e-12);
    const below = fista({ ...b.problem, beta: 0.9 * b.problem.beta }, { tol: 1e-10, maxIter: 100000 });
    assert.ok(below.converged && b.problem.penalty.value(below.w) > 0);
  });

  test(`${program.name}: Adam on the gated model (the program's gates, more heads than recovered) never ends below the certified bound`, () => {
    const b = built(program, 'mean', 'squared', 0.1);
    const r = fista(b.problem, { tol: 1e-10, maxIter: 200000 });
    assert.ok(r.converged);
    const rec = b.recover(r.w), batch: Batch = { input: XS, B: NN, datafit: b.problem.datafit };
    const make = program === gatedMhsa ? gatedMhsaModel : gatedMixerModel;
    for (const seed of [1, 2]) {
      const gateOf = Int32Array.from({ length: rec.H + 2 * P }, (_, j) => j % P);
      const model = make({ s, d, c }, { U: rec.U, P, gateOf }, 'mean', b.problem.beta, seed);
      const end = trainModel(model, { N: NN, all: batch, gather: () => batch }, { lr: 0.01, timeBudget: 60, maxSteps: 3000 });
      assert.ok(end.objective >= r.certificate.dual * (1 - 1e-12), `seed ${seed}: Adam's ${end.objective} below the certified bound ${r.certificate.dual}`);
      assert.ok(end.objective <= r.certificate.primal * 1.2, `seed ${seed}: Adam's ${end.objective} far above the optimum ${r.certificate.primal}`);
    }
  });
}

test('gated-mhsa above GATED_MHSA_MAX_GFLOP per application: too large to iterate on (fista refuses naming X and the GFlop), auto picks bm; the small size is not', () => {
  const [Nb, sb, db, cb] = [1000, 64, 32, 10];
  const heavy = gatedMhsa.build({ train: { X: randn(Nb * sb * db, 9), N: Nb, n: sb, d: db }, trainTargets: { Y: randn(Nb * sb * cb, 10), c: cb, tokens: sb } }, { loss: 'squared' }).problem; // per token: token-mean outputs cost s times less
  assert.match(heavy.tooLargeToIterate ?? '', new RegExp(`^has N = 1000 samples of s = 64 tokens, d = 32 features: gated-mhsa's operator with 4 gates takes 10\\d GFlop per application \\(the limit is ${GATED_MHSA_MAX_GFLOP}; fewer samples, tokens or --gates lower it\\)$`));
  assert.throws(() => checkCapabilities(heavy, 'fista'), /^InputError: X: has N = 1000 samples .* 10\d GFlop per application .*: too large for fista, which iterates on it hundreds of times; --solver bm/);
  assert.equal(chooseSolver(heavy, 'auto'), 'bm');
  assert.equal(built(gatedMhsa, 'mean', 'squared', 0.1).problem.tooLargeToIterate, undefined);
});

test('the gated mixer refuses Z beyond 2^23 entries naming X and the blocks, and builds the issue\'s medium shape with 4 gates', () => {
  const [sb, db, cb] = [64, 32, 10], data = { train: { X: randn(2 * sb * db, 11), N: 2, n: sb, d: db }, trainTargets: { Y: randn(2 * sb * cb, 12), c: cb, tokens: sb } };
  assert.throws(() => gatedMixer.build(data, { loss: 'squared', gates: 8 }),
    /^InputError: X: has s = 64 tokens, d = 32 features, c = 10 outputs: with 8 gates gated-mixer's Z is 8 blocks of 4096 x 320, above 8388608 entries/);
  assert.deepEqual(gatedMixer.build(data, { loss: 'squared', gates: 4 }).zShape, [4, 4096, 320]);
});
