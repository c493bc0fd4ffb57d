// The section of a grok suite: in headless Chromium, a tiny real suite (p = 7, 2 seeds) draws the
// two bar charts of Figure 7 (a bar per model, hatched lower bounds at the cap where no seed reached
// 99% test accuracy) and the test accuracy curves of every run; on a suite shaped like the paper's
// grid, the claims table's verdicts follow from the numbers (change them and the verdicts change).
// Screenshot: test-output/report-grok-suite.png.
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { repoRoot } from '../helpers';
import { runGrokSuite, type GrokSuiteSetting } from '../../src/experiments/grok-suite';
import { seedStats } from '../../src/experiments/grok-suite-result';
import { bars } from '../../src/report/sections/grok-suite';
import { cliOk, sectionsText, tmpDir, writeJson } from './cli-runs';
import { assertLegible, assertSeries, chartsIn, withPage } from './browser';

test('report: a grok suite draws Figure 7\'s bars with lower bounds at the cap, its table, and every run\'s test accuracy', async () => {
  const tmp = tmpDir();
  const out = path.join(tmp, 'suite');
  const grid: GrokSuiteSetting[] = [
    { name: 'p7-L1-standard-wd1', op: 'div', p: 7, layers: 1, model: 'standard', options: { evalEvery: 10 }, steps: 40 },
    { name: 'p7-L1-convex', op: 'div', p: 7, layers: 1, model: 'convex', options: { evalEvery: 10 }, steps: 30 },
  ];
  const result = await runGrokSuite(grid, out, { seeds: 2, jobs: 2 });
  assert.ok(result.rows.every((r) => r.stepsToTest99 === null), 'the tiny runs stop at their cap');
  const html = path.join(tmp, 'r.html');
  cliOk(['report', out, '--out', html]);
  await withPage(html, async ({ page, problems }) => {
    assert.deepEqual(problems, []);
    await assertLegible(page);
    const sel = 'section.run[data-kind="grok-suite"]';
    fs.mkdirSync(path.join(repoRoot, 'test-output'), { recursive: true });
    await page.locator(sel).screenshot({ path: path.join(repoRoot, 'test-output', 'report-grok-suite.png') });
    assert.equal(await page.locator(`${sel} svg.bars`).count(), 2);
    const steps = page.locator(`${sel} svg.bars`).first();
    // one bar per model, each a lower bound at its cap: "> 40", "> 30"
    assert.equal(await steps.locator('rect[data-bar="lower-bound"]').count(), 2);
    const drawn = (await steps.textContent())!;
    assert.match(drawn, /> 40/);
    assert.match(drawn, /> 30/);
    assert.match(drawn, /0 of 2/);
    assert.match(drawn, /standard \(wd 1\).*convex \(wd 0\.000001\)/s);
    const box = await steps.locator('rect[data-bar]').first().boundingBox();
    assert.ok(box && box.height > 20, 'the bar is drawn with a height');
    const charts = await chartsIn(page, sel);
    assertSeries(charts, 'test accuracy, p 7, L 1', ['p7-L1-standard-wd1 seed 0', 'p7-L1-standard-wd1 seed 1', 'p7-L1-convex seed 0', 'p7-L1-convex seed 1'], 3);
    const text = (await page.locator(sel).textContent())!;
    assert.match(text, /2 settings x 2 seeds, 2 runs at a time/);
    assert.match(text, /p7-L1-convex.*0 of 2.*> 30/);
    assert.match(text, /No setting of this suite is one the paper's claims are about/);
  });
});

/** A suite directory shaped like the paper's grid, with the numbers given per setting. */
function paperShapedSuite(dir: string, reached: Record<string, number[] | null>): string {
  fs.mkdirSync(dir, { recursive: true });
  const settings = Object.entries(reached).map(([name, steps]) => {
    const [, p, layers, model, wd] = /^p(\d+)-L(\d+)-(standard|convex)(?:-wd(\d))?$/.exec(name)!;
    const cap = name === 'p97-L1-standard-wd0' ? 3000 : 5000;
    return {
      setting: name, op: 'div', p: Number(p), layers: Number(layers), model, weightDecay: wd === undefined ? 1e-6 : Number(wd), cap, seeds: 2,
      reachedTrain: 2, reachedTest: steps ? steps.length : 0, stepsToTrain99: seedStats([400, 500]), stepsToTest99: steps ? seedStats(steps) : null,
      secondsToTest99: null, grokking: steps ? seedStats(steps.map((s) => s - 450)) : null, medianStepSeconds: seedStats([0.2, 0.25]),
    };
  });
  writeJson(path.join(dir, 'config.json'), { kind: 'grok-suite', schemaVersion: 1, dataFile: null, dataHash: null, config: { grid: settings, seeds: 2, jobs: 2, blasThreadsPerRun: 1, capsNote: 'caps.' } });
  writeJson(path.join(dir, 'result.json'), { rows: [], settings, secondsNote: 'seconds under load', cores: 2 });
  return dir;
}

test('report: the paper\'s claims beside a suite, each verdict computed from its numbers', () => {
  const tmp = tmpDir();
  const numbers = (convex97: number[] | null, l4: number[] | null) => ({
    'p97-L1-standard-wd1': [2000, 2200], 'p97-L1-standard-wd0': null, 'p97-L1-convex': convex97,
    'p15-L1-standard-wd1': null, 'p15-L1-convex': [900, 1100], 'p15-L4-standard-wd1': [1500, 1700], 'p15-L4-convex': l4,
  });
  const render = (name: string, convex97: number[] | null, l4: number[] | null) => {
    const dir = paperShapedSuite(path.join(tmp, name), numbers(convex97, l4));
    const html = path.join(tmp, `${name}.html`);
    cliOk(['report', dir, '--out', html]);
    return sectionsText(fs.readFileSync(html, 'utf8'));
  };
  const a = render('a', null, null);
  assert.match(a, /p97-L1-standard-wd1disagrees: all 2 seeds reached it by step 2200, 45x fewer than 10\^5/);
  assert.match(a, /p97-L1-standard-wd0cannot tell: not reached within the cap of 3000 steps \(< 10\^5\)/);
  assert.match(a, /p97-L1-convex vs p97-L1-standard-wd1disagrees: convex did not reach it within 5000 steps; standard did at 2100/);
  assert.match(a, /p15-L1-standard-wd1consistent: no seed within the cap of 5000 steps/);
  assert.match(a, /p15-L1-convexdisagrees: 2 of 2 seeds reached it \(mean 1000 steps\)/);
  assert.match(a, /p15-L4-standard-wd1agrees: all 2 seeds, mean 1600 steps/);
  assert.match(a, /p15-L4-convexcannot tell: no seed reached it within the cap of 5000 steps/);
  // other numbers, other verdicts: convex 10x sooner on mod 97, four convex layers reach it
  const b = render('b', [200, 220], [300, 500]);
  assert.match(b, /p97-L1-convex vs p97-L1-standard-wd1agrees: convex 210 against standard 2100 steps, 10x sooner/);
  assert.match(b, /p97-L1-convex vs p97-L1-standard-wd0consistent: standard > 3000, convex 210 steps: more than 14x sooner/);
  assert.match(b, /p15-L4-convexagrees: all 2 seeds, mean 400 steps/);
  const c = render('c', [1500, 1700], null);
  assert.match(c, /p97-L1-convex vs p97-L1-standard-wd1disagrees: convex 1600 against standard 2100 steps, 1\.3x sooner/);
});

test('report: a seed that reached 99% train and ended below it bounds no amount of grokking, and is counted under its bar and in the caption', () => {
  // p15-L4-standard-wd1 of the real suite: 99% train at some step, 27% train at the end
  const setting = { setting: 's', op: 'div', p: 15, layers: 4, model: 'standard', weightDecay: 1, cap: 5000, seeds: 2, reachedTrain: 2, reachedTest: 0, stepsToTest99: null, grokking: null };
  const row = (seed: number, stepsToTrain99: number, trainAccuracy: number) => ({ setting: 's', seed, dir: `s-seed${seed}`, stepsToTrain99, stepsToTest99: null, final: { trainAccuracy } });
  const kept = row(0, 1000, 1);
  const lost = row(1, 4000, 0.27);
  const [grokking] = bars([setting], [kept, lost], 'grokking')[0].bars;
  // the lost seed's later 99%-train step would have made the bound 5000 - 4000
  assert.equal(grokking!.bound, 5000 - 1000);
  assert.match(grokking!.note, /0 of 2, 1 lost fit/);
  const [onlyLost] = bars([setting], [lost], 'grokking')[0].bars;
  assert.equal(onlyLost!.bound, null);
  assert.match(onlyLost!.note, /not reached, 1 lost fit/);
  // steps to 99% test are unaffected: the cap is still the bound
  assert.equal(bars([setting], [kept, lost], 'steps')[0].bars[0]!.bound, 5000);

  const dir = path.join(tmpDir(), 'lost');
  fs.mkdirSync(dir, { recursive: true });
  writeJson(path.join(dir, 'config.json'), { kind: 'grok-suite', schemaVersion: 1, dataFile: null, dataHash: null, config: { grid: [setting], seeds: 2, jobs: 2, blasThreadsPerRun: 1, capsNote: 'caps.' } });
  writeJson(path.join(dir, 'result.json'), { rows: [kept, lost], settings: [setting], secondsNote: 'seconds under load', cores: 2 });
  const html = path.join(dir, 'r.html');
  cliOk(['report', dir, '--out', html]);
  const text = sectionsText(fs.readFileSync(html, 'utf8'));
  assert.match(text, /1 run lost its fit/);
  assert.match(text, /lost their fit/);
});
