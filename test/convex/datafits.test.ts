// Losses: gradient against central finite differences; Fenchel-Young equality at the gradient,
// f(p) + f*(grad f(p)) = <grad f(p), p>, and the inequality elsewhere in the conjugate's domain.
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { SquaredLoss } from '../../src/losses/squared';
import { CrossEntropyLoss } from '../../src/losses/cross-entropy';
import type { Datafit } from '../../src/convex/types';
import { GroupL2 } from '../../src/convex/penalties/group-l2';
import { dot, norm2 } from '../../src/core/vec';
import { logSumExp, softmaxRow } from '../../src/losses/softmax';
import { groupNorms } from '../../src/losses/group-norms';
import { randLabels, randn, relDiff } from '../helpers';

const N = 9, c = 4;
const fits: [string, Datafit][] = [
  ['squared', new SquaredLoss(randn(N * c, 1), N, c)],
  ['cross-entropy', new CrossEntropyLoss(randLabels(N, c, 2), c)],
];

for (const [name, f] of fits) {
  test(`${name}: gradient matches central finite differences`, () => {
    const p = randn(N * c, 3, 2);
    const g = new Float64Array(N * c);
    f.gradient(p, g);
    const eps = 1e-6;
    const scale = Math.max(...g.map(Math.abs)); // central-difference errors scale with the gradient, not one entry
    for (let t = 0; t < p.length; t++) {
      const q = p.slice();
      q[t] += eps;
      const up = f.value(q);
      q[t] -= 2 * eps;
      const fd = (up - f.value(q)) / (2 * eps);
      assert.ok(Math.abs(fd - g[t]) < 1e-7 * scale, `coordinate ${t}: fd ${fd} vs ${g[t]}`);
    }
  });

  test(`${name}: Fenchel-Young equality at the gradient`, () => {
    for (const seed of [4, 5, 6]) {
      const p = randn(N * c, seed, 3);
      const g = new Float64Array(N * c);
      f.gradient(p, g);
      const lhs = f.value(p) + f.conjugate(g);
      assert.ok(relDiff(lhs, dot(g, p)) < 1e-12, `${lhs} vs ${dot(g, p)}`);
    }
  });

  test(`${name}: Fenchel-Young inequality at other points of the domain`, () => {
    const p = randn(N * c, 7);
    const g = new Float64Array(N * c);
    f.gradient(randn(N * c, 8), g); // a point of the conjugate's domain, not the gradient at p
    // rounding is relative to the terms summed
    const lhs = f.value(p) + f.conjugate(g);
    assert.ok(lhs >= dot(g, p) - 1e-12 * (Math.abs(lhs) + Math.abs(dot(g, p))), `${lhs} < ${dot(g, p)}`);
  });
}

test('cross-entropy conjugate is +Infinity off the simplex and sum q log q on it', () => {
  const f = new CrossEntropyLoss(new Int32Array([0, 1]), 2);
  assert.equal(f.conjugate(new Float64Array([0.5, 0.5, 0, 0])), Infinity); // row 0 sums to 2
  assert.equal(f.conjugate(new Float64Array([-2, 2, 0, 0])), Infinity); // negative entry
  // on the simplex: q = u + e_y is (0.5, 0.5) and (0, 1), so sum q log q = -ln 2
  const inside = f.conjugate(new Float64Array([-0.5, 0.5, 0, 0]));
  assert.ok(Math.abs(inside + Math.LN2) <= 1e-15 * Math.LN2, `${inside}`);
});

test('cross-entropy refuses labels outside [0, c)', () => {
  assert.throws(() => new CrossEntropyLoss(new Int32Array([0, 3]), 3), /outside \[0, 2\]/);
});

test('group-l2 prox is block soft-thresholding and minimises its objective', () => {
  const pen = new GroupL2(3);
  const v = new Float64Array([3, 4, 0, 0.1, 0.1, 0.1, -1, 0, 0]);
  const out = new Float64Array(9);
  pen.prox(v, 1, out);
  // ||(3,4,0)|| = 5 -> scaled by 4/5; ||(0.1,0.1,0.1)|| < 1 -> 0; ||(-1,0,0)|| = 1 -> 0
  assert.deepEqual(Array.from(out).map((x) => +x.toFixed(12)), [2.4, 3.2, 0, 0, 0, 0, 0, 0, 0]);
  const obj = (w: Float64Array) => 0.5 * w.reduce((s, x, i) => s + (x - v[i]) ** 2, 0) + pen.value(w);
  const best = obj(out);
  for (let s = 0; s < 50; s++) {
    const w = out.map((x, i) => x + 0.01 * Math.sin(7 * s + i));
    assert.ok(obj(w) >= best * (1 - 1e-12)); // best > 0: rounding relative to the objective
  }
  assert.equal(pen.dualNorm(v), 5);
});

for (const [name, f] of fits) {
  test(`${name}: Bregman divergence equals f(p) - f(q) - <grad f(q), p - q>, and stays accurate for tiny steps`, () => {
    const q = randn(N * c, 9, 2);
    const g = new Float64Array(N * c);
    f.gradient(q, g);
    const p = randn(N * c, 10, 2);
    const direct = f.value(p) - f.value(q) - dot(g, Float64Array.from(p, (v, i) => v - q[i]));
    assert.ok(relDiff(f.bregman(p, q), direct) < 1e-10);
    // a step of 1e-7: the divergence is ~1e-14, far below the rounding of f itself (~1e-14 x f)
    const dir = randn(N * c, 11);
    const t = 1e-7;
    const pt = Float64Array.from(q, (v, i) => v + t * dir[i]);
    // second-order model: 1/2 t^2 dir^T H dir, with H from finite differences of the gradient
    const gp = new Float64Array(N * c);
    f.gradient(Float64Array.from(q, (v, i) => v + 1e-5 * dir[i]), gp);
    const curv = dot(dir, Float64Array.from(gp, (v, i) => (v - g[i]) / 1e-5));
    assert.ok(relDiff(f.bregman(pt, q), 0.5 * t * t * curv) < 1e-4, `${f.bregman(pt, q)} vs ${0.5 * t * t * curv}`);
    assert.equal(f.bregman(q, q), 0);
  });
}

test('cross-entropy: the Bregman divergence stays right for far moves (it once cancelled from 30 and overflowed past 709)', () => {
  const ce = new CrossEntropyLoss(Int32Array.of(0), 2);
  for (const dl of [0.9, 1.1, 30, 40, 50, 800, -800]) {
    // two outputs, q = 0: log((e^dl + 1) / 2) - dl / 2, written without overflow
    const exact = Math.max(dl, 0) + Math.log1p(Math.exp(-Math.abs(dl))) - Math.LN2 - dl / 2;
    assert.ok(relDiff(ce.bregman(Float64Array.of(dl, 0), Float64Array.of(0, 0)), exact) < 1e-13, `delta ${dl}`);
  }
});

test('logsumexp and softmax rows: the plain formula at moderate logits, finite where exp overflows', () => {
  const row = Float64Array.from([0.3, -1.2, 2.5, 0.9]);
  const plain = Math.log(row.reduce((z, v) => z + Math.exp(v), 0));
  assert.ok(relDiff(logSumExp(row, 0, 4), plain) < 1e-15);
  const p = new Float64Array(6);
  softmaxRow(p, row, 0, 4); // a row at an offset of a longer buffer: the rest untouched
  for (let l = 0; l < 4; l++) assert.ok(relDiff(p[l], Math.exp(row[l] - plain)) < 1e-14, `softmax ${l}`);
  assert.deepEqual([p[4], p[5]], [0, 0]);
  const huge = Float64Array.from([0, 1000, 999, -1000]);
  assert.ok(relDiff(logSumExp(huge, 1, 2), 1000 + Math.log1p(Math.exp(-1))) < 1e-15, 'shifted by the maximum');
  softmaxRow(huge, huge, 0, 4); // in place
  assert.ok(huge.every(Number.isFinite) && relDiff(huge[1], 1 / (1 + Math.exp(-1))) < 1e-14);
});

test('group norms are the l2 norms of consecutive groups, and the group-l2 penalty is their sum', () => {
  const w = randn(5 * 3, 9);
  w.fill(0, 3, 6); // one zero group
  const norms = groupNorms(w, 3);
  assert.equal(norms.length, 5);
  for (let k = 0; k < 5; k++) assert.ok(relDiff(norms[k], norm2(w.subarray(3 * k, 3 * k + 3))) < 1e-15, `group ${k}`);
  assert.equal(norms[1], 0);
  assert.ok(relDiff(new GroupL2(3).value(w), norms.reduce((a, b) => a + b, 0)) < 1e-15);
});
