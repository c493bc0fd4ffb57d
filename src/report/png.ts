// The charts of a page as PNG figures for slides, drawn by the page itself in headless Chromium:
// each uPlot canvas (plot, axes, tick labels) is copied onto a white canvas with the chart's title
// above and a static legend below, and read back with canvas.toDataURL. Figures that exist as SVG
// only (the attention heatmaps) are drawn as images onto a canvas at the same 2x. One browser run for all.
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { InputError } from '../data/errors';
import { jsonForScript } from './text';

/** Debian's chromium (scripts/system-deps.sh installs it); CONVEXFORMER_CHROMIUM names another. */
export const chromiumPath = (): string => process.env.CONVEXFORMER_CHROMIUM || '/usr/bin/chromium';

/** Refuses (one line, before anything is written) when there is no browser to draw with. */
export function checkChromium(field: string): string {
  const exe = chromiumPath();
  try {
    fs.accessSync(exe, fs.constants.X_OK);
  } catch {
    throw new InputError(field, `needs Chromium to draw the figures and ${exe} is not there (apt-get install chromium; scripts/system-deps.sh does); nothing written`);
  }
  return exe;
}

// Runs after the page script (its `charts`, `colour` and window.plots); 2x pixels for slides.
// `svgFigures` ([id, svg text]) is defined before it.
const EXPORT_SCRIPT = `
setTimeout(async () => {
  const out = [];
  for (const { id, plot } of window.plots) {
    const c = charts.find((x) => x.id === id);
    const src = plot.ctx.canvas;
    const s = src.width / plot.width;
    const font = (px, bold) => (bold ? 'bold ' : '') + (px * s) + 'px system-ui, sans-serif';
    const probe = document.createElement('canvas').getContext('2d');
    probe.font = font(13);
    const items = [];
    let x = 0, row = 0;
    const maxW = src.width - 16 * s;
    for (const [k, ser] of c.series.entries()) {
      const w = (34 + 18) * s + probe.measureText(ser.name).width;
      if (x + w > maxW && x > 0) { x = 0; row++; }
      items.push([ser, k, x, row]);
      x += w;
    }
    const titleH = 32 * s, rowH = 22 * s;
    const fig = document.createElement('canvas');
    fig.width = src.width;
    fig.height = titleH + src.height + (row + 1) * rowH + 8 * s;
    const g = fig.getContext('2d');
    g.fillStyle = '#fff'; g.fillRect(0, 0, fig.width, fig.height);
    g.fillStyle = '#222'; g.font = font(16, true); g.textAlign = 'center'; g.fillText(c.title, fig.width / 2, 22 * s);
    g.drawImage(src, 0, titleH);
    g.font = font(13); g.textAlign = 'left'; g.lineWidth = 2 * s;
    for (const [ser, k, lx, r] of items) {
      const y = titleH + src.height + r * rowH + 14 * s;
      g.strokeStyle = colour(ser, k); g.setLineDash(ser.name === 'tol' ? [6 * s, 4 * s] : []);
      g.beginPath(); g.moveTo(8 * s + lx, y - 4 * s); g.lineTo(8 * s + lx + 26 * s, y - 4 * s); g.stroke();
      g.fillStyle = '#222'; g.fillText(ser.name, 8 * s + lx + 34 * s, y);
    }
    out.push([id, fig.toDataURL('image/png')]);
  }
  for (const [id, svg] of svgFigures) {
    const img = new Image();
    const loaded = new Promise((ok) => { img.onload = () => ok(true); img.onerror = () => ok(false); });
    img.src = 'data:image/svg+xml;charset=utf-8,' + encodeURIComponent(svg);
    if (!(await loaded)) continue;
    const fig = document.createElement('canvas');
    fig.width = 2 * img.width; fig.height = 2 * img.height;
    fig.getContext('2d').drawImage(img, 0, 0, fig.width, fig.height);
    out.push([id, fig.toDataURL('image/png')]);
  }
  const el = document.createElement('script');
  el.type = 'application/json'; el.id = 'figures'; el.textContent = JSON.stringify(out);
  document.body.appendChild(el);
}, 50);
`;

/**
 * PNG bytes of every drawn chart, by chart id, and of every SVG figure in `svgFigures`, by its id.
 * `html` is the report page.
 */
export function chartPngs(html: string, exe: string, svgFigures: [string, string][] = []): Map<string, Buffer> {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'convexformer-png-'));
  try {
    const page = path.join(tmp, 'page.html');
    const figures = `<script id="svg-figures" type="application/json">${jsonForScript(svgFigures)}</script>`
      + `<script>const svgFigures = JSON.parse(document.getElementById('svg-figures').textContent);</script>`;
    fs.writeFileSync(page, html.replace('</body></html>', `${figures}<script>${EXPORT_SCRIPT}</script></body></html>`));
    const r = spawnSync(exe, [
      '--headless', '--no-sandbox', '--disable-gpu', '--hide-scrollbars', '--no-first-run', '--disable-background-networking',
      '--disable-component-update', '--disable-sync', `--user-data-dir=${path.join(tmp, 'profile')}`,
      '--force-device-scale-factor=2', '--window-size=1300,1400', '--virtual-time-budget=30000', '--dump-dom', `file://${page}`,
    ], { encoding: 'utf8', maxBuffer: 1 << 30, timeout: 120000 });
    const m = /<script type="application\/json" id="figures">(.*?)<\/script>/s.exec(r.stdout ?? '');
    if (!m) {
      const why = r.error ? r.error.message : `exit ${r.status}${r.signal ? `, ${r.signal}` : ''}: ${(r.stderr ?? '').trim().split('\n').pop() ?? ''}`;
      throw new InputError('png', `Chromium (${exe}) did not draw the figures (${why}); nothing written`);
    }
    const pairs = JSON.parse(m[1]) as [string, string][];
    return new Map(pairs.map(([id, url]) => [id, Buffer.from(url.slice(url.indexOf(',') + 1), 'base64')]));
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true });
  }
}
