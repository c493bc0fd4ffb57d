// grok --model convex-certified with its defaults on the smallest task (issue 9): a run once sat
// silent in its first round. The first round's last-layer solve must certify within the default
// iteration cap (measured: 8,653 FISTA iterations at p = 7, docs/deep-convex.md), or the round
// must say it did not; and a long solve writes progress lines (iteration and gap) while it runs.
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { modular } from '../../src/data/tasks/modular';
import { CERTIFIED_SETTING, trainCertifiedGrok, type GrokCertifiedEval } from '../../src/experiments/grok-convex';
import { grokConfig, grokSummary } from '../../src/experiments/grok';

const data = modular.generate({ op: 'div', p: 7, trainFrac: 0.5, seed: 0 });

test('convex-certified defaults on div mod 7: the first round certifies within the iteration cap, and the solve reports its progress', () => {
  const lines: string[] = [];
  // progressSeconds 0: every callback writes its line, so the count is work, not time
  const r = trainCertifiedGrok(data, { ...CERTIFIED_SETTING, rounds: 1 }, { onProgressLine: (l) => lines.push(l), progressSeconds: 0 });
  const [e] = r.evals as GrokCertifiedEval[];
  const c = e.certificate;
  assert.equal(c.converged, c.relGap <= CERTIFIED_SETTING.tol, 'converged means the gap reached tol');
  assert.ok(c.converged, `the first solve did not certify: rel. gap ${c.relGap} after ${c.iterations} iterations`);
  assert.ok(c.iterations < CERTIFIED_SETTING.maxIter, `${c.iterations} iterations: at the cap`);
  assert.ok(c.dual <= c.primal && c.relGap >= 0);
  // the gradient phase's line, then one per 10 FISTA iterations (SOLVE_PROGRESS_EVERY), each naming the round, the iteration and the gap
  assert.match(lines[0], /^round 1: 100 Adam steps (kept at lr|rejected)/);
  const solveLines = lines.slice(1);
  assert.ok(solveLines.length >= Math.floor(c.iterations / 10) - 1, `${solveLines.length} lines for ${c.iterations} iterations`);
  for (const l of solveLines) assert.match(l, /^round 1: last-layer solve, iteration \d+ of at most 20000, rel\. gap \d\.\d\de[-+]\d+/);
  const its = solveLines.map((l) => Number(/iteration (\d+)/.exec(l)![1]));
  assert.ok(its.every((it, i) => i === 0 || it > its[i - 1]), 'iterations increase');
});

test('convex-certified: a solve stopped by the iteration cap is reported uncertified, never as certified', () => {
  const r = trainCertifiedGrok(data, { ...CERTIFIED_SETTING, rounds: 1, maxIter: 50 });
  const [e] = r.evals as GrokCertifiedEval[];
  assert.ok(e.certificate.iterations <= 50);
  assert.ok(e.certificate.relGap > CERTIFIED_SETTING.tol, 'p = 7 does not certify in 50 iterations (the test needs an uncertified solve)');
  assert.equal(e.certificate.converged, false);
});

test('convex-certified defaults on div mod 11: the run stops at the round that changed no parameter (every later round would repeat it), not at --rounds', () => {
  const p11 = modular.generate({ op: 'div', p: 11, trainFrac: 0.5, seed: 0 });
  const lines: string[] = [];
  const r = trainCertifiedGrok(p11, CERTIFIED_SETTING, { onProgressLine: (l) => lines.push(l), progressSeconds: Infinity });
  const evals = r.evals as GrokCertifiedEval[];
  // measured: round 2's Adam steps are rejected at every lr and its solve starts certified
  assert.ok(r.steps < CERTIFIED_SETTING.rounds, `ran all ${r.steps} rounds`);
  assert.deepEqual(evals.map((e) => e.fixedPoint), evals.map((_, i) => i === evals.length - 1));
  const [before, fixed] = evals.slice(-2);
  assert.equal(fixed.objective, before.objective, 'a round that changed nothing leaves J exactly');
  assert.ok(evals.every((e) => e.certificate.converged));
  // progressSeconds Infinity: no throttled line, only the stop is said
  assert.deepEqual(lines, [`round ${r.steps} changed no parameter: every later round would repeat it; stopping`]);
  // and result.json says why the run stopped before --rounds
  const cfg = grokConfig({ model: 'convex-certified', p: 11 });
  assert.equal(grokSummary(r, cfg).stoppedAtFixedPoint, true);
});
