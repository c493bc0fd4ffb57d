// The HTML report opened in headless Chromium (Debian's chromium, installed by .ci/run): no
// console error, every chart drawn, the maps and the certificate on the page. The screenshot is
// kept in test-output/report.png.
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { spawnSync } from 'node:child_process';
import { chromium } from 'playwright-core';
import { teacherDataset } from '../../src/data/teacher';
import { encodeNpz } from '../../src/data/npz';
import { cli, repoRoot } from '../helpers';

const CHROMIUM = '/usr/bin/chromium';

test('report: compare and fit runs render in headless Chromium without errors', async () => {
  assert.ok(fs.existsSync(CHROMIUM), `${CHROMIUM} missing: apt-get install chromium (scripts/system-deps.sh does)`);
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'cf-report-'));
  const t = teacherDataset({ N: 300, testN: 100, n: 6, d: 8, c: 2, tokens: [1, 4], focus: 4, gamma: 0.5, noise: 0.05, seed: 3 });
  const D = t.data;
  const data = path.join(tmp, 'teacher.npz');
  fs.writeFileSync(data, encodeNpz({
    X: { data: D.train.X, shape: [300, 6, 8] }, Y: { data: D.trainTargets.Y!, shape: [300, 2] },
    X_test: { data: D.test!.X, shape: [100, 6, 8] }, Y_test: { data: D.testTargets!.Y!, shape: [100, 2] },
    attention_map: { data: t.map, shape: [6] },
  }));
  const run = (args: string[]) => {
    const r = spawnSync(process.execPath, [cli, ...args], { encoding: 'utf8' });
    assert.equal(r.status, 0, r.stderr);
    return r.stdout;
  };
  run(['compare', '--data', data, '--time-budget', '0.6', '--lrs', '0.01,0.03', '--out', path.join(tmp, 'cmp'), '--quiet']);
  run(['fit', '--data', data, '--beta-frac', '0.2', '--out', path.join(tmp, 'fit'), '--quiet']);
  const html = path.join(tmp, 'report.html');
  run(['report', path.join(tmp, 'cmp'), path.join(tmp, 'fit'), '--out', html]);
  const page0 = fs.readFileSync(html, 'utf8');
  assert.ok(!/<script[^>]+src=|<link[^>]+href=/.test(page0), 'the page must not load anything from outside');

  const browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
  try {
    const page = await browser.newPage({ viewport: { width: 1200, height: 1400 } });
    const errors: string[] = [];
    page.on('console', (m) => { if (m.type() === 'error') errors.push(m.text()); });
    page.on('pageerror', (e) => errors.push(String(e)));
    page.on('request', (r) => { if (!r.url().startsWith('file:')) errors.push(`network request: ${r.url()}`); });
    await page.goto(`file://${html}`);
    await page.waitForSelector('body[data-rendered="yes"]', { timeout: 10000 });
    const out = path.join(repoRoot, 'test-output');
    fs.mkdirSync(out, { recursive: true });
    await page.screenshot({ path: path.join(out, 'report.png'), fullPage: true });
    assert.deepEqual(errors, []);
    // compare: objective + test loss charts; fit: objective chart (it has no test split here: "no data")
    // counted in the page (a string: this package compiles without the DOM types)
    const inked = (await page.evaluate(`Array.from(document.querySelectorAll('canvas')).map((c) => {
      const px = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
      let ink = 0;
      for (let i = 3; i < px.length; i += 4) if (px[i] > 0) ink++;
      return ink;
    })`)) as number[];
    assert.ok(inked.length >= 3, `only ${inked.length} charts`);
    for (const ink of inked) assert.ok(ink > 1000, `a chart drew ${ink} pixels`);
    const text = await page.textContent('body');
    for (const s of ['teacher', 'convex', 'simplex', 'softmax', 'Convex certificate']) assert.ok(text!.includes(s), `page lacks ${s}`);
  } finally {
    await browser.close();
  }
});
