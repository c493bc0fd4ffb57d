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
