// The HTML report of every run kind the tool writes (compare, fit, path, demo) opened in headless
// Chromium: no console error, every section's charts drawn, the maps and the certificates on the
// page. Screenshots are kept in test-output/report.png and test-output/report-path.png.
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { repoRoot } from '../helpers';
import { cliOk, teacherNpz, tmpDir } from './cli-runs';
import { assertInked, inkPerCanvas, withPage } from './browser';

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
    // the demo directory contributes its compare and fit parts
    assert.deepEqual(kinds, ['compare', 'fit', 'path', 'compare', 'fit']);
    // each section: its charts have data (compare: objective and test loss; fit: objective and gap;
    // path: objective, gap, heads)
    const ink = async (i: number) => inkPerCanvas(page, `section.run:nth-of-type(${i + 1})`);
    assertInked(await ink(0), 2, 'compare');
    assertInked(await ink(1), 2, 'fit');
    assertInked(await ink(2), 3, 'path');
    assertInked(await ink(3), 2, 'demo compare');
    assertInked(await ink(4), 2, 'demo fit');
    const text = (await page.textContent('body'))!;
    for (const s of ['teacher', 'convex', 'simplex', 'softmax', 'Convex certificate', 'beta / beta_max', path.join(dir('demo'), 'fit')]) {
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
