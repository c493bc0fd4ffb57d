// Each section module on its own, in headless Chromium: the compare section's suboptimality
// charts (every model, points at or below the bound left out and counted), the attention heatmap
// readable at 16 and 64 tokens, and context blocks that say what a run did not record.
// Screenshot: test-output/report-heatmap64.png.
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { repoRoot } from '../helpers';
import { cliOk, compareRun, fitRun, pathRun, tmpDir, writeJson } from './cli-runs';
import { assertInked, assertLegible, assertSeries, chartsIn, heatmapRows, inkPerCanvas, withPage } from './browser';

test('report sections: compare suboptimality, the heatmap at 16 and 64 tokens, and honest context', async () => {
  const tmp = tmpDir();
  const c16 = compareRun(path.join(tmp, 'c16'), 16);
  const c64 = compareRun(path.join(tmp, 'c64'), 64);
  const fit = fitRun(path.join(tmp, 'fit'));
  // a classification fit: its context says accuracy (a squared-loss fit says argmax agreement)
  const ce = fitRun(path.join(tmp, 'ce'));
  const result = JSON.parse(fs.readFileSync(path.join(ce, 'result.json'), 'utf8'));
  writeJson(path.join(ce, 'result.json'), { ...result, loss: 'ce', N: 50, n: 3, d: 4, c: 5, beta: 1, betaMax: 4, betaFrac: 0.25, training: { loss: 0.5, accuracy: 0.9 }, test: { loss: 0.6, accuracy: 0.8 } });
  const html = path.join(tmp, 'r.html');
  cliOk(['report', c16, c64, fit, ce, '--out', html]);
  await withPage(html, async ({ page, problems }) => {
    await page.setViewportSize({ width: 1300, height: 1400 });
    fs.mkdirSync(path.join(repoRoot, 'test-output'), { recursive: true });
    await page.locator('section.run:nth-of-type(2)').screenshot({ path: path.join(repoRoot, 'test-output', 'report-heatmap64.png') });
    assert.deepEqual(problems, []);
    await assertLegible(page);
    for (const [i, n] of [[1, 16], [2, 64]] as const) {
      const sel = `section.run:nth-of-type(${i})`;
      const charts = await chartsIn(page, sel);
      // 50 of softmax's 51 points: the one below the bound cannot be drawn on a log axis
      assertSeries(charts, 'suboptimality vs. iterations', ['convex', 'simplex', 'softmax']);
      assert.equal(charts[1].series.find((s) => s.name === 'softmax')!.points, 50);
      // the time chart leaves out t = 0
      assert.equal(charts[0].series.find((s) => s.name === 'convex')!.points, 30);
      const caption = (await page.locator(`${sel} figcaption`).first().textContent())!;
      assert.match(caption, /L = 10\.00000000, the certified lower bound/);
      assert.match(caption, /left out \(softmax: 1\)/);
      assert.match(caption, /Final values: convex 1\.00e-3 \(1\.00e-2% of L\); simplex 1\.00 \(10\.0% of L\); softmax 2\.00 \(20\.0% of L\)/);
      // the heatmap: teacher first, every token has its cell, a legend, and it fits the page
      const rows = await heatmapRows(page, sel);
      assert.deepEqual(rows, ['teacher', 'convex', 'simplex', 'softmax'].map((name) => ({ name, values: n })));
      const width = (await page.evaluate(`document.querySelector(${JSON.stringify(`${sel} table.heatmap`)}).getBoundingClientRect().width`)) as number;
      assert.ok(width < 1250, `the ${n}-token heatmap is ${width} px wide`);
      const labels = (await page.evaluate(`Array.from(document.querySelectorAll(${JSON.stringify(`${sel} table.heatmap th.tok`)})).map((t) => t.textContent).filter((t) => t)`)) as string[];
      assert.deepEqual(labels, Array.from({ length: n }, (_, k) => String(k)).filter((_, k) => n <= 16 || k % 4 === 0));
      assert.equal(await page.getAttribute(`${sel} table.heatmap tr:nth-child(2) td:nth-of-type(4)`, 'title'), 'teacher, token 3: 0.4500');
      const strongest = (await page.locator(`${sel} table.heatmap tr:nth-child(2) td.top`).textContent())!;
      assert.equal(strongest, `3 (0.45), ${n - 2} (0.45)`);
      assert.match((await page.locator(`${sel} table.heatmap tr:nth-child(5) td.top`).textContent())!, /^near-uniform \(largest 0\.0\d\)$/);
      assert.ok(await page.locator(`${sel} .scale .bar`).isVisible());
      // context: recorded values shown, the rest said to be missing
      const ctx = (await page.locator(`${sel} dl.context`).textContent())!;
      assert.ok(ctx.includes('/data/t.npz, sha256 abababababab…'), ctx);
      assert.ok(ctx.includes('2.00000 = 0.100 × beta_max (beta_max 20.0000)'), ctx);
      assert.ok(ctx.includes('convex 2, softmax 4, simplex 2'), ctx);
      assert.ok(ctx.includes('N not recorded, n not recorded'), ctx);
    }
    // fit: primal and dual close; its context names what the run did not record
    const fc = await chartsIn(page, 'section.run:nth-of-type(3)');
    assertSeries(fc, 'primal objective and dual lower bound', ['primal', 'dual bound'], 3);
    const ctx = (await page.locator('section.run:nth-of-type(3) dl.context').textContent())!;
    assert.ok(ctx.includes('datanot recorded'), ctx);
    assert.ok(ctx.includes('losssquared'), ctx);
    const ceCtx = (await page.locator('section.run:nth-of-type(4) dl.context').textContent())!;
    for (const s of ['N = 50, n = 3, d = 4, c = 5', 'lossce', '1.00000 = 0.250 × beta_max (beta_max 4.00000)', 'trainingloss 0.500000, accuracy 0.9000', 'testloss 0.600000, accuracy 0.8000', 'certified at rel. gap 1.00e-7']) {
      assert.ok(ceCtx.includes(s), `ce fit context lacks ${s}: ${ceCtx}`);
    }
  });
});

test('report sections: path plots heads, objective and gap (with tol) along beta, with its context', async () => {
  const tmp = tmpDir();
  const run = pathRun(path.join(tmp, 'path'));
  const html = path.join(tmp, 'r.html');
  cliOk(['report', run, '--out', html]);
  await withPage(html, async ({ page, problems }) => {
    assert.deepEqual(problems, []);
    await assertLegible(page);
    const charts = await chartsIn(page, 'section.run[data-kind="path"]');
    assertSeries(charts, 'heads along the path', ['heads'], 3);
    assertSeries(charts, 'objective', ['convex'], 3);
    assertSeries(charts, 'relative duality gap', ['rel. gap', 'tol'], 3);
    assertInked(await inkPerCanvas(page, 'section.run[data-kind="path"]'), 3, 'path');
    const ctx = (await page.locator('section.run dl.context').textContent())!;
    for (const s of ['/data/p.npz, sha256 cdcdcdcdcdcd…', 'losssquared', '3 values, from 10.0000 = 1.00 × beta_max', 'heads', 'All 3 solves certified']) {
      assert.ok(ctx.includes(s), `path context lacks ${s}: ${ctx}`);
    }
  });
});
