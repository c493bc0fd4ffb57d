// The FNO programs (fno, bfno; docs/sahiner-fno.md): the frequency bands' projections (symmetric,
// idempotent, orthogonal, summing to I, keeping a cosine exactly when its frequency is in the band),
// the Fourier-domain operator against a dense matrix built entry by entry from the circular
// convolution and its adjoint, the band nuclear norm's prox against per-band thresholding and
// perturbations, the certificate closing below 1e-9, the heads recovered (filters in their bands)
// giving the FNO layer's objective equal to the optimum, beta_max giving zero, and Adam on the
// layer never ending below the certified bound.
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { FnoOperator } from '../../src/convex/operators/fno';
import { DenseOperator } from '../../src/convex/operators/dense';
import { BandNuclearNorm } from '../../src/convex/penalties/band-nuclear';
import { NuclearNorm } from '../../src/convex/penalties/nuclear';
import { bandOfBins, bandProjections } from '../../src/core/frequency-bands';
import { bfno, fno } from '../../src/convex/programs/fno';
import { withBeta } from '../../src/convex/programs/assemble';
import { fista } from '../../src/convex/solvers/fista';
import { verifyDualPoint } from '../../src/convex/duality';
import { trainModel } from '../../src/experiments/train';
import type { Batch } from '../../src/nn/models/model';
import type { Targets } from '../../src/convex/types';
import { blas } from '../../src/core/blas';
import { svd } from '../../src/core/linalg';
import { dot } from '../../src/core/vec';
import { assertClose, randLabels, randn, relDiff } from '../helpers';

const svdValues = (A: Float64Array, m: number, n: number) => Array.from(svd(A, m, n).s);
const maxAbs = (v: Float64Array) => v.reduce((m, x) => Math.max(m, Math.abs(x)), 0);
const matmul = (A: Float64Array, B: Float64Array, n: number, k: number, m: number) => {
  const C = new Float64Array(n * m);
  blas.gemm(false, false, n, m, k, 1, A, k, B, m, 0, C, m);
  return C;
};

for (const s of [16, 9]) test(`frequency bands (s ${s}): each projection is symmetric and idempotent, the bands are orthogonal and sum to I, and a cosine is kept by its own band only`, () => {
  const B = 3, P = bandProjections(s, B), band = bandOfBins(s, B);
  assert.deepEqual(Array.from(new Set(band)), [0, 1, 2]);
  const sum = new Float64Array(s * s);
  for (let b = 0; b < B; b++) {
    const T = Float64Array.from({ length: s * s }, (_, e) => P[b][(e % s) * s + Math.floor(e / s)]);
    assertClose(P[b], T, 1e-15, `band ${b}: symmetric`);
    assertClose(matmul(P[b], P[b], s, s, s), P[b], 1e-14, `band ${b}: idempotent`);
    for (let b2 = b + 1; b2 < B; b2++) assert.ok(maxAbs(matmul(P[b], P[b2], s, s, s)) < 1e-14, `bands ${b}, ${b2}: orthogonal`);
    P[b].forEach((v, e) => { sum[e] += v; });
  }
  assertClose(sum, Float64Array.from({ length: s * s }, (_, e) => (e % (s + 1) === 0 ? 1 : 0)), 1e-14, 'sum to I');
  for (let k = 0; k <= Math.floor(s / 2); k++) {
    const x = Float64Array.from({ length: s }, (_, a) => Math.cos((2 * Math.PI * k * a) / s + 0.3));
    for (let b = 0; b < B; b++) {
      const kept = matmul(P[b], x, s, s, 1);
      if (band[k] === b) assertClose(kept, x, 1e-13, `cosine at ${k}: kept by band ${b}`);
      else assert.ok(maxAbs(kept) < 1e-14, `cosine at ${k}: removed by band ${b}`);
    }
  }
});

const N = 5, s = 8, d = 2, c = 3;
const X8 = randn(N * s * d, 1);

for (const [s, X] of [[8, X8], [5, randn(N * 5 * d, 4)]] as const) test(`the FNO operator (in the Fourier domain, s ${s}) equals the circular convolution entry by entry, and its adjoint is the transpose`, () => {
  const cols = s * d * c, A = new Float64Array(N * s * c * cols);
  for (let i = 0; i < N; i++) for (let a = 0; a < s; a++) for (let m = 0; m < c; m++) for (let b = 0; b < s; b++) for (let t = 0; t < d; t++) {
    A[((i * s + a) * c + m) * cols + ((a - b + s) % s) * d * c + t * c + m] += X[(i * s + b) * d + t];
  }
  const op = new FnoOperator(X, N, s, d, c), ref = new DenseOperator(A, N * s * c, cols);
  const w = randn(cols, 2), r = randn(op.rows, 3);
  const a = new Float64Array(op.rows), b = new Float64Array(op.rows), g = new Float64Array(cols), e = new Float64Array(cols);
  op.apply(w, a); ref.apply(w, b);
  assertClose(a, b, 1e-12, 'apply');
  op.applyT(r, g); ref.applyT(r, e);
  assertClose(g, e, 1e-12, 'applyT');
  assert.ok(relDiff(dot(a, r), dot(w, g)) < 1e-12, 'adjoint identity');
});

test('the band nuclear norm thresholds each band\'s part on its own: value, prox, dual norm and KKT are the bands\'', () => {
  const cols = 5, P = bandProjections(s, 3), pen = new BandNuclearNorm(P, s, cols), one = new NuclearNorm(s, cols);
  const V = randn(s * cols, 8), Z = new Float64Array(V.length), step = 0.6;
  pen.prox(V, step, Z);
  const expect = new Float64Array(V.length), part = new Float64Array(V.length);
  let value = 0, dual = 0;
  for (let b = 0; b < 3; b++) {
    const Vb = matmul(P[b], V, s, s, cols);
    one.prox(Vb, step, part);
    part.forEach((v, e) => { expect[e] += v; });
    value += one.value(Vb);
    dual = Math.max(dual, one.dualNorm(Vb));
  }
  assertClose(Z, expect, 1e-14, 'prox');
  assert.ok(relDiff(pen.value(V), value) < 1e-14 && relDiff(pen.dualNorm(V), dual) < 1e-14);
  const obj = (Q: Float64Array) => 0.5 * Q.reduce((acc, q, i) => acc + (q - V[i]) ** 2, 0) + step * pen.value(Q);
  const best = obj(Z);
  for (let k = 0; k < 100; k++) {
    const E = randn(V.length, 300 + k, k % 2 ? 1e-3 : 1e-1);
    assert.ok(obj(Z.map((z, i) => z + E[i])) >= best - 1e-12 * Math.abs(best), `perturbation ${k} did better`);
  }
  const opt = pen.optimality(Z, V.map((v, i) => v - Z[i]), step);
  assert.ok(opt.stationarity < 1e-10 && (opt.zeroGroupSlack ?? 0) >= -1e-10 && opt.nonzeroGroups > 0, JSON.stringify(opt));
  // a band thresholded to zero holds only the other bands' rounding: it counts no directions, fails no condition
  const quiet = V.slice();
  const band2 = matmul(P[2], V, s, s, cols);
  quiet.forEach((_, e) => { quiet[e] -= (1 - 1e-3) * band2[e]; });
  const Zq = new Float64Array(V.length);
  pen.prox(quiet, step, Zq);
  let active = 0;
  for (let b = 0; b < 3; b++) active += svdValues(matmul(P[b], quiet, s, s, cols), s, cols).filter((x) => x > step).length;
  assert.ok(svdValues(matmul(P[2], quiet, s, s, cols), s, cols)[0] < step, 'band 2 was meant to be thresholded away');
  const q = pen.optimality(Zq, quiet.map((v, i) => v - Zq[i]), step);
  assert.ok(q.stationarity < 1e-10 && q.nonzeroGroups === active && (q.zeroGroupSlack ?? 0) >= -1e-10, `${JSON.stringify(q)}, ${active} active`);
});

const NN = 20, XS = randn(NN * s * d, 11);
function built(program: typeof fno, loss: 'squared' | 'ce', frac: number) {
  const targets: Targets = loss === 'squared' ? { Y: randn(NN * s * c, 12), c, tokens: s } : { y: randLabels(NN * s, c, 13), c, tokens: s };
  const base = program.build({ train: { X: XS, N: NN, n: s, d }, trainTargets: targets }, { loss, bands: program === bfno ? 3 : undefined });
  return withBeta(base, frac * base.betaMax);
}

for (const program of [fno, bfno]) {
  test(`${program.name}: FISTA certifies below 1e-9; the recovered heads (filters in their bands) give the FNO layer's objective equal to the optimum`, () => {
    const bandsUsed = new Set<number>();
    for (const loss of ['squared', 'ce'] as const) for (const frac of [0.05, 0.4]) {
      const b = built(program, loss, frac), what = `${loss} at ${frac} beta_max`;
      const r = fista(b.problem, { tol: 1e-10, maxIter: 200000 });
      assert.ok(r.converged && r.certificate.relGap <= 1e-10, `${what}: gap ${r.certificate.relGap}`);
      const v = verifyDualPoint(b.problem, r.dualPoint);
      assert.ok(v.feasibility <= 1 + 1e-12 && relDiff(v.value, r.certificate.dual) < 1e-12, `${what}: the dual point verifies`);
      const rec = b.recover(r.w);
      assert.ok(rec.H >= 1 && rec.H <= b.totalGroups, `${what}: ${rec.H} heads, at most ${b.totalGroups}`);
      if (program === bfno) {
        const P = bandProjections(s, 3);
        for (let j = 0; j < rec.H; j++) {
          const wj = rec.w.slice(j * s, (j + 1) * s);
          assertClose(matmul(P[rec.band[j]], wj, s, s, 1), wj, 1e-12, `${what}: head ${j}'s filter in its band`);
          bandsUsed.add(rec.band[j]);
        }
      }
      const nc = b.nonconvexObjective(XS, NN, rec, b.problem.beta);
      assert.ok(relDiff(nc.objective, r.certificate.primal) < 1e-9, `${what}: layer ${nc.objective} vs program ${r.certificate.primal}`);
      assertClose(nc.pred, r.pred, 1e-9, `${what}: predictions`);
    }
    if (program === bfno) assert.ok(bandsUsed.size >= 2, 'heads in one band only: the test would not see a band mixed up');
  });

  test(`${program.name}: at beta_max Z = 0 is optimal and certified; just below it, not`, () => {
    const b = built(program, 'squared', 1);
    const at = fista(b.problem, { tol: 1e-10 });
    assert.ok(at.converged && b.problem.penalty.value(at.w) === 0);
    const below = fista({ ...b.problem, beta: 0.9 * b.problem.beta }, { tol: 1e-10, maxIter: 100000 });
    assert.ok(below.converged && b.problem.penalty.value(below.w) > 0);
  });

  test(`${program.name}: Adam on the FNO layer (as many heads per band as the optimum's busiest band, plus one) never ends below the certified bound`, () => {
    const b = built(program, 'squared', 0.1);
    const r = fista(b.problem, { tol: 1e-10, maxIter: 200000 });
    assert.ok(r.converged);
    const rec = b.recover(r.w), spec = b.nonconvexModel!, batch: Batch = { input: XS, B: NN, datafit: b.problem.datafit };
    const heads = spec.headsFor(rec) + (program === bfno ? 3 : 1);
    for (const seed of [1, 2]) {
      const end = trainModel(spec.make(heads, b.problem.beta, seed), { N: NN, all: batch, gather: () => batch }, { lr: 0.01, timeBudget: 60, maxSteps: 3000 });
      assert.ok(end.objective >= r.certificate.dual * (1 - 1e-12), `seed ${seed}: Adam's ${end.objective} below the certified bound ${r.certificate.dual}`);
      assert.ok(end.objective <= r.certificate.primal * 1.2, `seed ${seed}: Adam's ${end.objective} far above the optimum ${r.certificate.primal}`);
    }
  });
}
