// One self-contained HTML page from run directories: a section per run (fit, compare, path; a
// demo directory contributes its fit and compare parts), uPlot inlined from the package, so it
// opens offline. Run data reaches the page only as escaped text or as JSON inside a data block;
// the same inputs give the same bytes (nothing here reads the clock).
import * as fs from 'node:fs';
import type { Run } from './load';
import { ChartList } from './charts';
import { timedSection } from './timed-section';
import { pathSection } from './path-section';
import { jsonForScript } from './text';

// Draws the charts from the data block. Names come from run directories: they are used as text
// (uPlot sets labels with textContent) and looked up in a Map, never as object keys.
const PAGE_SCRIPT = `
const charts = JSON.parse(document.getElementById('data').textContent);
const colors = new Map([['convex', '#d7301f'], ['lower bound', '#fc8d59'], ['simplex', '#2166ac'], ['softmax', '#1a9850'], ['tol', '#999']]);
const others = ['#555', '#8c510a', '#762a83', '#01665e'];
// uPlot's default tick labels round a relative gap of 1e-7 to 0
const tick = (v) => v == null ? '' : v !== 0 && (Math.abs(v) < 1e-2 || Math.abs(v) >= 1e5) ? v.toExponential(0) : String(+v.toPrecision(6));
const ticks = (u, splits) => splits.map(tick);
for (const c of charts) {
  const el = document.getElementById(c.id);
  if (c.series.length === 0) { el.textContent = c.title + ': no data'; continue; }
  new uPlot({
    title: c.title, width: 520, height: 320,
    scales: { x: { time: false, distr: c.xLog ? 3 : 1 }, y: { distr: c.yLog ? 3 : 1 } },
    axes: [{ label: c.xLabel, values: ticks }, { label: c.title, values: ticks, size: 60 }],
    series: [{}].concat(c.series.map((s, k) => ({
      label: s.name, stroke: colors.get(s.name) || others[k % others.length], width: 2, spanGaps: true, points: { show: true, size: 4 },
    }))),
  }, uPlot.join(c.series.map((s) => [s.x, s.y])), el);
}
document.body.dataset.rendered = 'yes';
`;

export function renderReport(runs: Run[], uplotJs: string, uplotCss: string): string {
  const charts = new ChartList();
  const sections = runs.map((r) =>
    `<section class="run" data-kind="${r.kind}">\n${r.kind === 'path' ? pathSection(r, charts) : timedSection(r, charts)}\n</section>`).join('\n');
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>convexformer report</title>
<style>${uplotCss}
body { font: 14px/1.4 system-ui, sans-serif; margin: 24px; color: #222; }
.charts { display: flex; flex-wrap: wrap; gap: 16px; }
table { border-collapse: collapse; margin: 8px 0; } th, td { border: 1px solid #ccc; padding: 3px 8px; text-align: right; }
table.map td { width: 40px; text-align: center; } .config { font-family: monospace; color: #555; overflow-wrap: anywhere; }
.cert-certified { color: #1a7f37; }
.cert-not { color: #fff; background: #b3261e; font-weight: bold; padding: 0 4px; }
.cert-unknown { background: #f6c344; font-weight: bold; padding: 0 4px; }
.warn { color: #9a4d00; }
</style></head><body>
<h1>convexformer report</h1>
<p>Fit and compare runs against wall-clock seconds, path runs against beta / beta_max (log scales).
A convex solve is called certified only where its relative duality gap reached its tolerance; every
other one is marked NOT certified (or unknown) in its table and text.</p>
${sections}
<script>${uplotJs}</script>
<script id="data" type="application/json">${jsonForScript(charts.charts)}</script>
<script>${PAGE_SCRIPT}</script></body></html>
`;
}

export function uplotAssets(): { js: string; css: string } {
  return {
    js: fs.readFileSync(require.resolve('uplot/dist/uPlot.iife.min.js'), 'utf8'),
    css: fs.readFileSync(require.resolve('uplot/dist/uPlot.min.css'), 'utf8'),
  };
}
