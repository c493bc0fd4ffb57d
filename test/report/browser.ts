// Opens a report in headless Chromium (Debian's chromium, installed by .ci/run) and collects what
// went wrong: console errors, uncaught exceptions, dialogs, any request that leaves the file.
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import { chromium, type Page } from 'playwright-core';

const CHROMIUM = '/usr/bin/chromium';

export interface Opened { page: Page; problems: string[] }

export async function withPage(html: string, body: (o: Opened) => Promise<void>): Promise<void> {
  assert.ok(fs.existsSync(CHROMIUM), `${CHROMIUM} missing: apt-get install chromium (scripts/system-deps.sh does)`);
  const browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
  try {
    const page = await browser.newPage({ viewport: { width: 1200, height: 1400 } });
    const problems: string[] = [];
    page.on('console', (m) => { if (m.type() === 'error') problems.push(m.text()); });
    page.on('pageerror', (e) => problems.push(String(e)));
    page.on('dialog', (d) => { problems.push(`dialog: ${d.message()}`); void d.dismiss(); });
    page.on('request', (r) => { if (!r.url().startsWith('file:')) problems.push(`network request: ${r.url()}`); });
    await page.goto(`file://${html}`);
    await page.waitForSelector('body[data-rendered="yes"]', { timeout: 10000 });
    await body({ page, problems });
  } finally {
    await browser.close();
  }
}

/** Pixels drawn in each canvas under `selector` (counted in the page: no DOM types here). */
export async function inkPerCanvas(page: Page, selector: string): Promise<number[]> {
  return (await page.evaluate(`Array.from(document.querySelectorAll(${JSON.stringify(`${selector} canvas`)})).map((c) => {
    const px = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
    let ink = 0;
    for (let i = 3; i < px.length; i += 4) if (px[i] > 0) ink++;
    return ink;
  })`)) as number[];
}

export function assertInked(ink: number[], atLeast: number, what: string): void {
  assert.ok(ink.length >= atLeast, `${what}: ${ink.length} charts, expected at least ${atLeast}`);
  for (const n of ink) assert.ok(n > 1000, `${what}: a chart drew only ${n} pixels`);
}

/** A chart of the page as drawn: its data (from the page's data block) and its axes' tick labels. */
export interface DrawnChart {
  id: string;
  title: string;
  xLog: boolean;
  yLog: boolean;
  /** name and number of points of each series */
  series: { name: string; points: number }[];
  /** tick labels as drawn, x then y; null when the chart was not drawn (no data) */
  ticks: [string[], string[]] | null;
}

/** The charts under `selector`, in page order. */
export async function chartsIn(page: Page, selector: string): Promise<DrawnChart[]> {
  return (await page.evaluate(`(() => {
    const data = new Map(JSON.parse(document.getElementById('data').textContent).map((c) => [c.id, c]));
    const plots = new Map(window.plots.map((p) => [p.id, p.plot]));
    return Array.from(document.querySelectorAll(${JSON.stringify(`${selector} .chart`)})).map((el) => {
      const c = data.get(el.id);
      const u = plots.get(el.id);
      return {
        id: el.id, title: c.title, xLog: c.xLog, yLog: c.yLog,
        series: c.series.map((s) => ({ name: s.name, points: s.x.length })),
        ticks: u ? [u.axes[0]._values.map(String), u.axes[1]._values.map(String)] : null,
      };
    });
  })()`)) as DrawnChart[];
}

/** The chart titled `title` has a series for each of `names`, each with at least `points` points. */
export function assertSeries(charts: DrawnChart[], title: string, names: string[], points = 2): void {
  const c = charts.find((x) => x.title === title);
  assert.ok(c, `no chart '${title}' among ${charts.map((x) => x.title).join(', ')}`);
  for (const n of names) {
    const s = c.series.find((x) => x.name === n);
    assert.ok(s, `chart '${title}' has no series '${n}' (has ${c.series.map((x) => x.name).join(', ')})`);
    assert.ok(s.points >= points, `chart '${title}', series '${n}': ${s.points} points`);
  }
  assert.ok(c.ticks, `chart '${title}' was not drawn`);
}

/** Legibility: no 0 and no empty label on a log axis, no live legend value boxes, no charts overlapping. */
export async function assertLegible(page: Page): Promise<void> {
  const charts = await chartsIn(page, 'body');
  for (const c of charts) {
    if (!c.ticks) continue;
    c.ticks.forEach((labels, k) => {
      if (!(k === 0 ? c.xLog : c.yLog)) return;
      assert.ok(!labels.some((l) => /^-?0(\.0*)?$/.test(l)), `chart '${c.title}': a log axis is labelled 0: ${labels.join(' ')}`);
    });
  }
  assert.equal(await page.evaluate('document.querySelectorAll(".u-legend .u-value").length'), 0, 'legend value boxes ("--") are shown');
  const boxes = (await page.evaluate(`Array.from(document.querySelectorAll('figure.plot')).map((f) => { const r = f.getBoundingClientRect(); return [r.left, r.top, r.right, r.bottom]; })`)) as number[][];
  for (let i = 0; i < boxes.length; i++) for (let j = i + 1; j < boxes.length; j++) {
    const [a, b] = [boxes[i], boxes[j]];
    const overlap = a[0] < b[2] - 1 && b[0] < a[2] - 1 && a[1] < b[3] - 1 && b[1] < a[3] - 1;
    assert.ok(!overlap, `charts ${i} and ${j} overlap`);
  }
}

/** The heatmap rows under `selector`: name and the number of cells holding a value. */
export async function heatmapRows(page: Page, selector: string): Promise<{ name: string; values: number }[]> {
  return (await page.evaluate(`Array.from(document.querySelectorAll(${JSON.stringify(`${selector} table.heatmap tr`)})).slice(1).map((tr) => ({
    name: tr.querySelector('th').textContent, values: tr.querySelectorAll('td[data-v]').length,
  }))`)) as { name: string; values: number }[];
}
