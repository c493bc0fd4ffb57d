// The token maps of single samples for heads whose scores depend on the input (linear-mhsa,
// gated-mhsa; src/convex/programs/sample-attention.ts): the contributions the map is made of sum,
// over the tokens read, to the convex optimum's per-token predictions (so the map reads the heads
// the program certified, in their layout, with the gate each head has on that sample; averaged
// over the tokens, to the prediction of token-mean outputs); rows sum to 1 (0 where every
// contribution to a token is 0); and tokens of two latent kinds read only their own kind.
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { fista } from '../../src/convex/solvers/fista';
import { withBeta } from '../../src/convex/programs/assemble';
import { linearMhsa } from '../../src/convex/programs/linear-mhsa';
import { gatedMhsa, type GatedSahinerWeights } from '../../src/convex/programs/gated-sahiner';
import { sampleAttentionMap, sampleContributions } from '../../src/convex/programs/sample-attention';
import { scoreGates } from '../../src/attention/gate-patterns';
import type { MhsaWeights } from '../../src/convex/recovery/mhsa-heads';
import { tokenAttentionMap, type BuiltProgram } from '../../src/convex/programs/program';
import { tokenClusters } from '../../src/report/sections/fit';
import { assertClose, randn } from '../helpers';

const N = 30, s = 5, d = 3, c = 2;
const X = randn(N * s * d, 41, 1 / Math.sqrt(d));
const data = { train: { X, N, n: s, d }, trainTargets: { Y: randn(N * s * c, 42), c, tokens: s } };

for (const name of ['linear-mhsa', 'gated-mhsa']) {
  test(`${name}: the contributions of the sample maps sum over the tokens read to the certified optimum's per-token predictions`, () => {
    const base = name === 'linear-mhsa' ? linearMhsa.build(data, { loss: 'squared' }) : gatedMhsa.build(data, { loss: 'squared', gates: 2, seed: 3 });
    const b = withBeta(base as BuiltProgram<MhsaWeights | GatedSahinerWeights>, 0.05 * base.betaMax);
    const sol = fista(b.problem, { tol: 1e-10, maxIter: 100000 });
    assert.ok(sol.converged);
    const rec = b.recover(sol.w);
    assert.ok(rec.H >= 2, `${rec.H} heads`);
    // heads on both gates, so that a map reading every head's scores through one gate would differ
    if ('gate' in rec) assert.equal(new Set(rec.gate).size, 2, `gates of the heads: ${rec.gate}`);
    for (const i of [0, 1, N - 1]) {
      const Xi = X.subarray(i * s * d, (i + 1) * s * d);
      // the gates recomputed for this sample alone, not read from the program's (N, P, s, s) patterns
      const gated = 'U' in rec ? rec : null;
      const D = gated ? scoreGates(Xi, 1, s, d, gated.U, gated.P) : null;
      const mask = gated && D ? (j: number) => D.subarray(gated.gate[j] * s * s, (gated.gate[j] + 1) * s * s) : undefined;
      const C = sampleContributions(Xi, s, d, c, rec, mask), out = new Float64Array(s * c);
      for (let a = 0; a < s; a++) for (let t = 0; t < s; t++) for (let e = 0; e < c; e++) out[a * c + e] += C[(a * s + t) * c + e];
      assertClose(out, sol.pred.subarray(i * s * c, (i + 1) * s * c), 1e-9, `sample ${i}'s predictions`);
      // the program's own map (its gates from the build) is the map of these contributions
      const map = b.sampleAttention!(rec, i);
      assertClose(map, sampleAttentionMap(Xi, s, d, c, rec, mask), 1e-12, `sample ${i}'s map`);
      for (let a = 0; a < s; a++) {
        const row = map.subarray(a * s, (a + 1) * s), sum = row.reduce((u, v) => u + v, 0);
        const reads = C.subarray(a * s * c, (a + 1) * s * c).some((x) => x !== 0);
        assert.ok(row.every((x) => x >= 0) && Math.abs(sum - (reads ? 1 : 0)) < 1e-12, `row ${a} of sample ${i} sums to ${sum}`);
      }
    }
  });
}

test('linear-mhsa with outputs averaged over the tokens: the contributions, summed over both tokens and averaged, give the prediction', () => {
  const labels = { train: data.train, trainTargets: { Y: randn(N * c, 43), c } };
  const base = linearMhsa.build(labels, { loss: 'squared' });
  const b = withBeta(base, 0.05 * base.betaMax);
  const sol = fista(b.problem, { tol: 1e-10, maxIter: 100000 });
  const rec = b.recover(sol.w);
  assert.ok(sol.converged && rec.H >= 2);
  for (const i of [0, N - 1]) {
    const C = sampleContributions(X.subarray(i * s * d, (i + 1) * s * d), s, d, c, rec), mean = new Float64Array(c);
    for (let e = 0; e < s * s * c; e++) mean[e % c] += C[e] / s;
    assertClose(mean, sol.pred.subarray(i * c, (i + 1) * c), 1e-9, `sample ${i}'s prediction`);
  }
});

test('tokens of two latent kinds read only their own kind when the head scores by that latent feature', () => {
  // tokens 0-2 lie along e1, tokens 3-5 along e2; the head W1 = I scores x_a . x_b, zero across kinds; W2 = I (c = 2)
  const n = 6, dim = 2;
  const Xi = Float64Array.from([1, 0, 2, 0, -1.5, 0, 0, 1, 0, -3, 0, 0.5]);
  const heads = { H: 1, W1: Float64Array.from([1, 0, 0, 1]), W2: Float64Array.from([1, 0, 0, 1]) };
  const map = sampleAttentionMap(Xi, n, dim, dim, heads);
  const rows = Array.from({ length: n }, (_, a) => Array.from(map.subarray(a * n, (a + 1) * n)));
  for (let a = 0; a < n; a++) for (let b = 0; b < n; b++) if ((a < 3) !== (b < 3)) assert.equal(rows[a][b], 0, `token ${a} reads token ${b}`);
  // token a's share from b is |x_a x_b| |x_b| / sum: proportional to x_b^2, so each kind reads its largest token: 1 (|x| = 2) and 4 (|x| = 3)
  assertClose(rows[0].slice(0, 3), [1 / 7.25, 4 / 7.25, 2.25 / 7.25], 1e-14, 'token 0\'s row');
  assert.equal(tokenClusters(rows), '0, 1, 2 read 1; 3, 4, 5 read 4');
  // a head that scores by e1 alone: the e2 tokens' outputs are 0 (rows of zeros, read nothing), the e1 tokens as before
  const e1 = sampleAttentionMap(Xi, n, dim, dim, { ...heads, W1: Float64Array.from([1, 0, 0, 0]) });
  for (let a = 3; a < n; a++) assert.ok(e1.subarray(a * n, (a + 1) * n).every((x) => x === 0));
  assertClose(e1.subarray(0, 3 * n), map.subarray(0, 3 * n), 1e-15, 'the e1 rows');
  const e1rows = Array.from({ length: n }, (_, a) => Array.from(e1.subarray(a * n, (a + 1) * n)));
  assert.equal(tokenClusters(e1rows), '0, 1, 2 read 1; 3, 4, 5 read nothing');
  // values that vanish for the e2 tokens (W2 reads e1 only): tokens read only e1 tokens, and e2 tokens' outputs are 0
  const v1 = sampleAttentionMap(Xi, n, dim, dim, { ...heads, W2: Float64Array.from([1, 0, 0, 0]) });
  for (let a = 0; a < n; a++) for (let b = 3; b < n; b++) assert.equal(v1[a * n + b], 0);
});

test('a fixed map (tokenAttentionMap) averages each row over the heads that read anything there; a row no head reads is 0', () => {
  // head 0 reads for token 0 only; head 1 for token 1 only; token 2 is read for by nobody
  const W1 = Float64Array.from([2, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 3, 1, 0, 0, 0]);
  const A = tokenAttentionMap(W1, [1, 5], 3);
  assertClose(A, [1, 0, 0, 0, 0.75, 0.25, 0, 0, 0], 1e-15, 'the map');
  assert.equal(tokenClusters([[1, 0, 0], [0, 0.75, 0.25], [0, 0, 0]]), '0 reads 0; 1 reads 1; 2 reads nothing');
});
