// The HTML report of every run kind the tool writes (compare, fit, path, demo) opened in headless
// Chromium: no console error, every section's charts drawn with the series that matter, the
// heatmaps filled, a context block in every section, legible axes and legends. Screenshots are kept in test-output/report.png and test-output/report-path.png.
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { repoRoot } from '../helpers';
import { cliOk, teacherNpz, tmpDir } from './cli-runs';
import { assertInked, assertLegible, assertSeries, chartsIn, heatmapRows, inkPerCanvas, withPage } from './browser';

test('report: compare, fit, path and demo runs render in headless Chromium without errors', async () => {
  const tmp = tmpDir();
  const data = teacherNpz(tmp);
  const dir = (name: string) => path.join(tmp, name);
  // step budgets, not seconds: the outcome must not depend on the machine's speed (the convex side
  // has to certify for exit 0, which a time budget does not guarantee on a slow machine)
  cliOk(['compare', '--data', data, '--steps', '40', '--lrs', '0.01,0.03', '--out', dir('cmp'), '--quiet']);
  cliOk(['fit', '--data', data, '--beta-frac', '0.2', '--out', dir('fit'), '--quiet']);
  cliOk(['path', '--data', data, '--points', '4', '--min-frac', '0.05', '--out', dir('path'), '--quiet']);
  cliOk(['demo', '--out', dir('demo'), '--steps', '20', '--quiet']);
  const html = dir('report.html');
  cliOk(['report', dir('cmp'), dir('fit'), dir('path'), dir('demo'), '--out', html]);
  const page0 = fs.readFileSync(html, 'utf8');
  assert.ok(!/<script[^>]+src=|<link[^>]+href=/.test(page0), 'the page must not load anything from outside');

  const out = path.join(repoRoot, 'test-output');
  fs.mkdirSync(out, { recursive: true });
  await withPage(html, async ({ page, problems }) => {
    await page.screenshot({ path: path.join(out, 'report.png'), fullPage: true });
    await page.locator('section[data-kind="path"]').screenshot({ path: path.join(out, 'report-path.png') });
    assert.deepEqual(problems, []);
    const kinds = (await page.evaluate(`Array.from(document.querySelectorAll('section.run')).map((s) => s.dataset.kind)`)) as string[];
    // the demo directory is read by its kind: its own section, then its compare and fit parts
    assert.deepEqual(kinds, ['compare', 'fit', 'path', 'demo', 'compare', 'fit']);
    // each section: its charts are drawn, and hold the series that matter, with data
    const ink = async (i: number) => inkPerCanvas(page, `section.run:nth-of-type(${i + 1})`);
    const charts = async (i: number) => chartsIn(page, `section.run:nth-of-type(${i + 1})`);
    const models = ['convex', 'simplex', 'softmax'];
    for (const [i, what] of [[0, 'compare'], [4, 'demo compare']] as const) {
      assertInked(await ink(i), 3, what);
      const c = await charts(i);
      // suboptimality above the certified lower bound, every model, against seconds and iterations
      assertSeries(c, 'suboptimality vs. time', models);
      assertSeries(c, 'suboptimality vs. iterations', models);
      assertSeries(c, 'test loss vs. time', models);
      const rows = await heatmapRows(page, `section.run:nth-of-type(${i + 1})`);
      assert.deepEqual(rows.map((r) => r.name), ['teacher', 'convex', 'simplex', 'softmax'], what);
      for (const r of rows) assert.ok(r.values >= 6, `${what}: heatmap row ${r.name} has ${r.values} values`);
    }
    for (const [i, what] of [[1, 'fit'], [5, 'demo fit']] as const) {
      assertInked(await ink(i), 2, what);
      const c = await charts(i);
      assertSeries(c, 'primal objective and dual lower bound', ['primal', 'dual bound']);
      assertSeries(c, 'relative duality gap', ['rel. gap', 'tol']);
      assert.equal((await heatmapRows(page, `section.run:nth-of-type(${i + 1})`))[0].name, 'convex');
    }
    assertInked(await ink(2), 3, 'path');
    assertSeries(await charts(2), 'heads along the path', ['heads'], 4);
    assertSeries(await charts(2), 'objective', ['convex'], 4);
    assertSeries(await charts(2), 'relative duality gap', ['rel. gap', 'tol']); // a gap of exactly 0 is left out
    // the demo's own section has no charts (its parts carry them), only its context
    assert.deepEqual(await charts(3), []);
    await assertLegible(page);
    // every section opens with its context: data, shape, loss, beta, heads, certificate
    const contexts = (await page.evaluate(`Array.from(document.querySelectorAll('section.run dl.context')).map((d) => d.textContent)`)) as string[];
    assert.equal(contexts.length, 6);
    for (const t of contexts) for (const label of ['data', 'shape', 'loss', 'beta', 'heads', 'certificate']) assert.ok(t.includes(label), `context lacks ${label}: ${t}`);
    assert.ok(contexts[0].includes(data) && contexts[0].includes('sha256'), contexts[0]);
    assert.match(contexts[0], /N = 300, n = 6, d = 8, c = 2/); // compare records its shape too
    assert.match(contexts[1], /N = 300, n = 6, d = 8, c = 2/);
    assert.match(contexts[1], /= 0\.200 × beta_max/);
    assert.match(contexts[0], /convex \d+, softmax \d+, simplex \d+/);
    // the demo: generated data named by its generator, the planted tokens, both certificates
    for (const t of [contexts[3], contexts[4], contexts[5]]) assert.match(t, /generated in memory \(no file\): teacherDataset\(N = 2000, testN = 500, n = 8, d = 16, c = 3, tokens = \[1,5\]/);
    assert.match(contexts[3], /N = 2000, n = 8, d = 16, c = 3/);
    assert.match(contexts[3], /planted tokens1, 5/);
    assert.match(contexts[3], /= 0\.200 × beta_max/);
    assert.match(contexts[3], /fit: certified at rel\. gap .*; compare's convex solve: certified at rel\. gap/);
    assert.match(contexts[3], /convex \d+ \(fit\), softmax \d+, simplex \d+/);
    const text = (await page.textContent('body'))!;
    for (const s of ['teacher', 'convex', 'simplex', 'softmax', 'certified lower bound of the convex solve', 'beta / beta_max', path.join(dir('demo'), 'fit')]) {
      assert.ok(text.includes(s), `page lacks ${s}`);
    }
    // the compare section says how many heads each non-convex model had (and how it reads out)
    const cmp = JSON.parse(fs.readFileSync(path.join(dir('cmp'), 'result.json'), 'utf8'));
    const settings = (await page.locator('section.run:nth-of-type(1) table:below(h3:has-text("Settings of the non-convex models"))').first().textContent())!;
    for (const m of ['softmax', 'simplex']) {
      assert.ok(settings.includes(`${m}${cmp.models[m].heads}`), `settings table lacks ${m} with ${cmp.models[m].heads} heads: ${settings}`);
    }
    assert.ok(settings.includes('read-out token'));
  });
});
