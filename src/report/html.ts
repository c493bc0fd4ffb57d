// One self-contained HTML page from run directories: objective and test loss against time
// (log scales, uPlot inlined from the package), attention maps beside the teacher's, and a table
// of final numbers with the convex certificate. Opens offline.
import * as fs from 'node:fs';
import type { Run } from './load';

const escape = (s: string): string => s.replace(/[&<>"]/g, (ch) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' }[ch]!));
const num = (v: unknown, digits = 6): string => (typeof v === 'number' && Number.isFinite(v) ? v.toPrecision(digits) : '-');

function mapTable(maps: Record<string, number[]>): string {
  const order = ['teacher', 'convex', 'simplex', 'softmax'].filter((k) => maps[k]).concat(Object.keys(maps).filter((k) => !['teacher', 'convex', 'simplex', 'softmax'].includes(k)));
  if (order.length === 0) return '';
  const n = maps[order[0]].length;
  const head = `<tr><th>map</th>${Array.from({ length: n }, (_, k) => `<th>${k}</th>`).join('')}</tr>`;
  const rows = order.map((name) => `<tr><th>${escape(name)}</th>${maps[name].map((v) => {
    const a = Math.max(0, Math.min(1, v));
    return `<td style="background: rgba(33, 102, 172, ${a.toFixed(3)}); color: ${a > 0.5 ? '#fff' : '#000'}">${v.toFixed(2)}</td>`;
  }).join('')}</tr>`).join('');
  return `<table class="map">${head}${rows}</table>`;
}

function finalTable(run: Run): string {
  const r = run.result;
  if (run.kind === 'fit') {
    return `<table><tr><th>model</th><th>objective</th><th>lower bound</th><th>rel. gap</th><th>heads</th><th>seconds</th><th>training loss</th><th>test loss</th></tr>
<tr><td>${escape(`${r.model}/${r.loss}`)}</td><td>${num(r.objective, 10)}</td><td>${num(r.lowerBound, 10)}</td><td>${num(r.relGap, 2)}</td><td>${r.heads}</td><td>${num(r.seconds, 3)}</td><td>${num(r.training?.loss)}</td><td>${num(r.test?.loss)}</td></tr></table>`;
  }
  const rows = Object.entries(r.final as Record<string, any>).map(([name, f]) =>
    `<tr><td>${escape(name)}</td><td>${num(f.objective, 8)}</td><td>${num(f.testLoss)}</td><td>${num(f.seconds, 3)}</td><td>${f.iterations}</td><td>${r.chosenLr?.[name] ?? '-'}</td></tr>`).join('');
  const c = r.certificate;
  return `<table><tr><th>model</th><th>objective</th><th>test loss</th><th>seconds</th><th>iterations</th><th>Adam lr</th></tr>${rows}</table>
<p class="cert">Convex certificate: objective ${num(c.objective, 10)} &ge; optimum &ge; lower bound ${num(c.lowerBound, 10)} (relative gap ${num(c.relGap, 2)}), ${c.heads} heads; beta = ${num(r.beta)}.</p>`;
}

export function renderReport(runs: Run[], uplotJs: string, uplotCss: string): string {
  const payload = runs.map((r) => ({ dir: r.dir, series: r.series }));
  const sections = runs.map((r, i) => `<section>
<h2>${escape(r.dir)} <small>(${r.kind})</small></h2>
<div class="charts"><div id="obj-${i}" class="chart"></div><div id="test-${i}" class="chart"></div></div>
<h3>Attention: where each model looks (distribution over tokens)</h3>${mapTable(r.maps)}
<h3>Final numbers</h3>${finalTable(r)}
</section>`).join('\n');
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>convexformer report</title>
<style>${uplotCss}
body { font: 14px/1.4 system-ui, sans-serif; margin: 24px; color: #222; }
.charts { display: flex; flex-wrap: wrap; gap: 16px; }
table { border-collapse: collapse; margin: 8px 0; } th, td { border: 1px solid #ccc; padding: 3px 8px; text-align: right; }
table.map td { width: 40px; text-align: center; } .cert { font-family: monospace; }
</style></head><body>
<h1>convexformer report</h1>
<p>Objective and test loss against wall-clock seconds (log scales). The convex curve ends at a certified optimum;
its lower bound is in the table.</p>
${sections}
<script>${uplotJs}</script>
<script id="data" type="application/json">${JSON.stringify(payload).replace(/</g, '\\u003c')}</script>
<script>
const runs = JSON.parse(document.getElementById('data').textContent);
const colors = { convex: '#d7301f', simplex: '#2166ac', softmax: '#1a9850' };
function chart(el, run, key, title) {
  const series = run.series.filter(s => s[key].some(v => v !== null && v > 0));
  if (series.length === 0) { el.textContent = title + ': no data'; return; }
  const tables = series.map(s => {
    const xs = [], ys = [];
    s.seconds.forEach((t, j) => { const y = s[key][j]; if (y !== null && y > 0) { xs.push(Math.max(t, 1e-4)); ys.push(y); } });
    return [xs, ys];
  });
  const data = uPlot.join(tables);
  new uPlot({
    title, width: 520, height: 320,
    scales: { x: { time: false, distr: 3 }, y: { distr: 3 } },
    axes: [{ label: 'seconds' }, { label: title }],
    series: [{}].concat(series.map(s => ({ label: s.name, stroke: colors[s.name] || '#555', width: 2, spanGaps: true, points: { show: true, size: 4 } }))),
  }, data, el);
}
runs.forEach((run, i) => {
  chart(document.getElementById('obj-' + i), run, 'objective', 'objective');
  chart(document.getElementById('test-' + i), run, 'testLoss', 'test loss');
});
document.body.dataset.rendered = 'yes';
</script></body></html>
`;
}

export function uplotAssets(): { js: string; css: string } {
  return {
    js: fs.readFileSync(require.resolve('uplot/dist/uPlot.iife.min.js'), 'utf8'),
    css: fs.readFileSync(require.resolve('uplot/dist/uPlot.min.css'), 'utf8'),
  };
}
