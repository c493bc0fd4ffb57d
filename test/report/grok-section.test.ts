// The section of a grok run in headless Chromium: accuracy and loss against steps (log x; loss
// log y) with a train and a test series each, the context block, and the table of steps to 99%
// train and test accuracy with the amount of grokking.
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { cliOk, tmpDir } from './cli-runs';
import { assertInked, assertLegible, assertSeries, chartsIn, inkPerCanvas, withPage } from './browser';

test('report: a grok run draws train and test accuracy and loss against steps, and its table', async () => {
  const tmp = tmpDir();
  const run = path.join(tmp, 'grok');
  cliOk(['grok', '--p', '7', '--model', 'convex', '--steps', '200', '--eval-every', '20', '--out', run, '--quiet']);
  const result = JSON.parse(fs.readFileSync(path.join(run, 'result.json'), 'utf8'));
  assert.equal(typeof result.stepsToTrain99, 'number', 'the tiny run fits its training half');
  const html = path.join(tmp, 'r.html');
  cliOk(['report', run, '--out', html]);
  await withPage(html, async ({ page, problems }) => {
    assert.deepEqual(problems, []);
    await assertLegible(page);
    const charts = await chartsIn(page, 'section.run');
    // 10 of the 11 evaluations: step 0 cannot be drawn on a log axis
    assertSeries(charts, 'accuracy vs. steps', ['train', 'test'], 10);
    assertSeries(charts, 'loss vs. steps', ['train', 'test'], 10);
    const acc = charts.find((c) => c.title === 'accuracy vs. steps')!;
    const loss = charts.find((c) => c.title === 'loss vs. steps')!;
    assert.ok(acc.xLog && !acc.yLog && loss.xLog && loss.yLog);
    assertInked(await inkPerCanvas(page, 'section.run'), 2, 'grok');
    const text = (await page.locator('section.run').textContent())!;
    assert.match(text, /modular div mod 7: 42 equations/);
    assert.match(text, /convex, 2 layers, 8 gates per layer, learned embeddings/);
    assert.match(text, /adamw, lr 0\.001, weight decay 0\.000001/);
    const table = (await page.locator('section.run table', { hasText: 'amount of grokking' }).textContent())!;
    assert.match(table, /steps to 99% train.*amount of grokking/);
    assert.ok(table.includes(String(result.stepsToTrain99)), table);
    assert.match(table, /not reached/);
  });
});
