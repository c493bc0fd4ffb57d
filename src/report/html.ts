// One self-contained HTML page from run directories: a section per run, rendered by its kind's
// module (sections/; a demo directory contributes itself, then its fit and compare parts), uPlot inlined from the package, so it
// opens offline. Run data reaches the page only as escaped text or as JSON inside a data block;
// the same inputs give the same bytes (nothing here reads the clock).
import * as fs from 'node:fs';
import type { Run } from './runs';
import { ChartList, decadeRange, figurePrefixes, OTHER_COLOURS, SERIES_COLOURS, tickLabel, type Chart, type HeatmapFigure } from './charts';
import { sectionOf } from './sections';
import { jsonForScript } from './text';

// Draws the charts from the data block. Names come from run directories: they are used as text
// (uPlot sets labels with textContent) and looked up in a Map, never as object keys.
const PAGE_SCRIPT = `
const charts = JSON.parse(document.getElementById('data').textContent);
const colours = new Map(${JSON.stringify(Object.entries(SERIES_COLOURS))});
const others = ${JSON.stringify(OTHER_COLOURS)};
const colour = (s, k) => s.colour ?? colours.get(s.name) ?? others[k % others.length];
const tick = ${tickLabel.toString()};
const ticks = (u, splits) => splits.map(tick);
const decadeRange = ${decadeRange.toString()};
const decades = (u, min, max) => decadeRange(min, max);
// the drawn plots, for the page's tests: their chart ids and uPlot instances
window.plots = [];
for (const c of charts) {
  const el = document.getElementById(c.id);
  if (c.series.length === 0) { el.textContent = c.title + ': no data'; el.classList.add('empty'); continue; }
  const scale = (log) => log ? { distr: 3, range: decades } : { distr: 1 };
  // a static legend: the series' names and colours, no live value boxes
  window.plots.push({ id: c.id, plot: new uPlot({
    title: c.title, width: 590, height: 300,
    legend: { live: false },
    scales: { x: { time: false, ...scale(c.xLog) }, y: scale(c.yLog) },
    // a stepped chart shows counts: whole-number ticks only
    axes: [{ label: c.xLabel, values: ticks, labelSize: 24 }, { label: c.yLabel, values: ticks, size: 64, labelSize: 24, incrs: c.step ? [1, 2, 5, 10, 20, 50, 100, 200, 500, 1000] : undefined }],
    series: [{}].concat(c.series.map((s, k) => ({
      label: s.name, stroke: colour(s, k), width: 2, spanGaps: true,
      dash: s.name === 'tol' ? [6, 4] : undefined, points: { show: s.x.length <= 60, size: 4 },
      paths: c.step ? uPlot.paths.stepped({ align: 1 }) : undefined,
    }))),
  }, uPlot.join(c.series.map((s) => [s.x, s.y])), el) });
}
document.body.dataset.rendered = 'yes';
`;

export function renderReport(runs: Run[], uplotJs: string, uplotCss: string): string {
  return buildReport(runs, uplotJs, uplotCss).html;
}

/** The page and the charts and heatmaps it draws (for figures). */
export function buildReport(runs: Run[], uplotJs: string, uplotCss: string): { html: string; charts: Chart[]; heatmaps: HeatmapFigure[] } {
  const charts = new ChartList();
  const prefixes = figurePrefixes(runs);
  const sections = runs.map((r) => {
    charts.begin(prefixes.get(r)!);
    return `<section class="run" data-kind="${r.kind}">\n${sectionOf(r.kind).render(r, charts)}\n</section>`;
  }).join('\n');
  const html = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>convexformer report</title>
<style>${uplotCss}
body { font: 14px/1.4 system-ui, sans-serif; margin: 24px; color: #222; }
.charts { display: flex; flex-wrap: wrap; gap: 8px 24px; }
.head-images { display: flex; flex-wrap: wrap; gap: 8px 16px; } figure.head-image { margin: 0; } figure.head-image svg { display: block; margin-bottom: 2px; }
figure.plot { margin: 0; width: 590px; } figcaption, .caption { color: #444; font-size: 13px; max-width: 590px; margin: 2px 0 8px; }
.caption { max-width: 1200px; }
.chart.empty { color: #777; padding: 24px 0; }
section.run { border-top: 2px solid #ddd; margin-top: 24px; }
dl.context { display: grid; grid-template-columns: max-content 1fr; gap: 2px 16px; background: #f6f8fa; border: 1px solid #ddd; padding: 8px 12px; margin: 8px 0 12px; max-width: 1200px; }
dl.context dt { font-weight: bold; } dl.context dd { margin: 0; overflow-wrap: anywhere; }
.missing { color: #888; font-style: italic; }
table { border-collapse: collapse; margin: 8px 0; } th, td { border: 1px solid #ccc; padding: 3px 8px; text-align: right; }
.heatwrap { overflow-x: auto; max-width: 100%; }
table.heatmap { table-layout: fixed; } table.heatmap td, table.heatmap th.tok { width: var(--cell); min-width: var(--cell); max-width: var(--cell); padding: 0; height: 24px; text-align: center; font-size: 12px; }
table.heatmap th.tok { border: none; font-weight: normal; color: #555; white-space: nowrap; overflow: visible; text-align: left; font-size: 11px; }
table.heatmap td { border: 1px solid #fff; } table.heatmap th.name { padding: 0 8px; } table.heatmap.values th.tok { text-align: center; } table.heatmap th.top { text-align: left; border: none; padding: 0 8px; }
table.heatmap td.top { width: auto; max-width: none; min-width: 200px; text-align: left; padding: 0 8px; border: none; white-space: nowrap; }
.scale { display: flex; align-items: center; gap: 6px; font-size: 12px; margin: 4px 0; } .scale .bar { width: 200px; height: 12px; border: 1px solid #ccc; }
.scale .note { color: #555; margin-left: 12px; }
.config { font-family: monospace; color: #555; overflow-wrap: anywhere; }
.cert-certified { color: #1a7f37; }
.cert-not { color: #fff; background: #b3261e; font-weight: bold; padding: 0 4px; }
.cert-unknown { background: #f6c344; font-weight: bold; padding: 0 4px; }
.warn { color: #9a4d00; }
</style></head><body>
<h1>convexformer report</h1>
<p>Each convex solve carries a certificate: objective &ge; optimum &ge; a dual lower bound L. Compare runs
plot how far every model's objective stays above L (log scale), against seconds and iterations; fit runs
plot the primal objective and the dual bound closing on each other; path runs plot the heads along
beta / beta_max. A convex solve is called certified only where its relative duality gap reached its
tolerance; every other one is marked NOT certified (or unknown) in its context block and table.</p>
${sections}
<script>${uplotJs}</script>
<script id="data" type="application/json">${jsonForScript(charts.charts)}</script>
<script>${PAGE_SCRIPT}</script></body></html>
`;
  return { html, charts: charts.charts, heatmaps: charts.heatmaps };
}

export function uplotAssets(): { js: string; css: string } {
  return {
    js: fs.readFileSync(require.resolve('uplot/dist/uPlot.iife.min.js'), 'utf8'),
    css: fs.readFileSync(require.resolve('uplot/dist/uPlot.min.css'), 'utf8'),
  };
}
