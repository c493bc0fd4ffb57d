// The verdict branches of the paper's convex-speed claim that the rendered report tests do not
// reach: caps too short to decide either way say "cannot tell", never agree or disagree.
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { claimRows, type Setting } from '../../src/report/grok-suite-claims';

const setting = (name: string, model: string, cap: number, steps: number[] | null): Setting => ({
  name, p: 97, layers: 1, model, weightDecay: model === 'standard' ? 1 : 1e-6, cap, seeds: 2,
  reached: steps ? steps.length : 0,
  mean: steps ? steps.reduce((a, b) => a + b, 0) / steps.length : null,
  min: steps ? Math.min(...steps) : null, max: steps ? Math.max(...steps) : null,
});

const verdict = (std: Setting, cvx: Setting) => claimRows([std, cvx]).find((r) => r.settings === `${cvx.name} vs ${std.name}`)!.verdict;

test('convex faster: a convex cap too short to rule out 3x, or a standard cap too short to show it, cannot tell', () => {
  // standard at 2100, convex not within 500: convex could still be up to 4.2x sooner
  assert.match(verdict(setting('std', 'standard', 5000, [2000, 2200]), setting('cvx', 'convex', 500, null)),
    /^cannot tell: convex did not reach it within 500 steps, standard did at 2100; a cap of 500 allows up to 4\.2x sooner$/);
  // the same with a cap of 1000: at most 2.1x sooner, below the claimed 3x: a disagreement
  assert.match(verdict(setting('std', 'standard', 5000, [2000, 2200]), setting('cvx', 'convex', 1000, null)), /^disagrees: .* at most 2\.1x sooner/);
  // standard not within 1000, convex at 500: more than 2x, which neither shows nor rules out 3x
  assert.match(verdict(setting('std', 'standard', 1000, null), setting('cvx', 'convex', 5000, [400, 600])),
    /^cannot tell: standard > 1000, convex 500 steps: more than 2\.0x sooner$/);
  // one seed of two: no mean to compare
  assert.match(verdict(setting('std', 'standard', 5000, [2000]), setting('cvx', 'convex', 5000, [300, 400])), /^cannot tell: standard reached it in 1 of 2 seeds/);
});
