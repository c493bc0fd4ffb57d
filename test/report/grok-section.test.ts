// The section of a grok run in headless Chromium: accuracy and loss against steps (log x; loss
// log y) with a train and a test series each, the context block, and the table of steps to 99%
// train and test accuracy with the amount of grokking; for convex-certified, the certificate.
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
    // the weight spectra: evaluations 0-8 and 10 recorded (geometric), step 0 off the log axis
    assertSeries(charts, 'effective rank vs. steps', ['wte', 'wpe', 'Z1', 'Z2'], 9);
    assertSeries(charts, 'spectral norm vs. steps', ['wte', 'wpe', 'Z1', 'Z2'], 9);
    // six of the ten recorded steps, each a line over Z2's 32 singular values (Z2: 8 gates x 7 classes x 4 tokens rows, 32 columns)
    assertSeries(charts, 'singular values of Z2', ['step 0', 'step 40', 'step 80', 'step 100', 'step 140', 'step 200'], 32);
    assert.equal(charts.find((c) => c.title === 'singular values of Z2')!.series.length, 6);
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

test('report: a convex-certified grok run shows its training by rounds and the last layer\'s certificate, and says when it is not certified', async () => {
  const tmp = tmpDir();
  const runs = ['certified', 'cut'].map((name) => path.join(tmp, name));
  const args = ['grok', '--p', '5', '--model', 'convex-certified', '--layers', '1', '--embedding', 'onehot', '--rounds', '2', '--quiet'];
  cliOk([...args, '--out', runs[0]]);
  // solves stopped by --max-iter: exit code 3
  cliOk([...args, '--max-iter', '3', '--out', runs[1]], 3);
  const result = JSON.parse(fs.readFileSync(path.join(runs[0], 'result.json'), 'utf8'));
  const html = path.join(tmp, 'r.html');
  cliOk(['report', ...runs, '--out', html]);
  await withPage(html, async ({ page, problems }) => {
    assert.deepEqual(problems, []);
    const [ok, bad] = await Promise.all([0, 1].map((k) => page.locator('section.run').nth(k).textContent())) as string[];
    assert.match(ok, /convex-certified, 1 layers, 8 gates per layer, onehot embeddings/);
    assert.match(ok, /block-coordinate: up to 2 rounds/);
    const table = (await page.locator('section.run').nth(0).locator('table', { hasText: 'dual bound' }).textContent())!;
    assert.match(table, /rel\. gap.*certified.*yes$/);
    assert.ok(table.includes(String(result.certificate.iterations)), table);
    assert.doesNotMatch(ok, /NOT certified/);
    assert.match(bad, /NOT certified: the last-layer solves of rounds 1, 2 stopped before their tol/);
    assert.match((await page.locator('section.run').nth(1).locator('table', { hasText: 'dual bound' }).textContent())!, /no$/);
  });
});
