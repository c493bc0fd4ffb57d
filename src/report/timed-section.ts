// The section of a fit or compare run: curves against seconds (compare: objective and test loss of
// each model; fit: objective, lower bound and gap), where each model attends, the final numbers,
// and what the convex certificate does (and does not) establish.
import type { TimedRun } from './load';
import { ChartList, series, type ChartSeries } from './charts';
import { certMark, certStatus } from './certificate';
import { cell, escapeHtml, fields, finite, gapText, precision } from './text';
import { configLine } from './config-line';

const MAP_ORDER = ['teacher', 'convex', 'simplex', 'softmax'];

/** Seconds on a log axis: the first log line can be at t = 0. */
const seconds = (v: unknown): unknown => (typeof v === 'number' ? Math.max(v, 1e-4) : v);

function byModel(run: TimedRun, key: string): (ChartSeries | null)[] {
  const groups = new Map<string, [unknown, unknown][]>();
  for (const l of run.metrics) {
    const name = typeof l.model === 'string' ? l.model : '?';
    if (!groups.has(name)) groups.set(name, []);
    groups.get(name)!.push([seconds(l.seconds), l[key]]);
  }
  return [...groups].map(([name, pts]) => series(name, pts, true, true));
}

/** fit logs no test loss; its gap closing on tol is what the certificate rests on. */
function timeCharts(run: TimedRun, charts: ChartList): string {
  const axes = { xLabel: 'seconds', xLog: true, yLog: true };
  if (run.kind === 'compare') {
    return charts.add({ ...axes, title: 'objective' }, byModel(run, 'objective'))
      + charts.add({ ...axes, title: 'test loss' }, byModel(run, 'testLoss'));
  }
  const pts = (k: string) => run.metrics.map((l): [unknown, unknown] => [seconds(l.seconds), l[k]]);
  const tol = run.result.tol ?? run.config.tol;
  const tolLine = typeof tol === 'number' && tol > 0 ? series('tol', run.metrics.map((l): [unknown, unknown] => [seconds(l.seconds), tol]), true, true) : null;
  return charts.add({ ...axes, title: 'objective' }, [series('convex', pts('primal'), true, true), series('lower bound', pts('dual'), true, true)])
    + charts.add({ ...axes, title: 'relative gap' }, [series('rel. gap', pts('relGap'), true, true), tolLine]);
}

/** fit: the convex map is the heads' norms summed per token (what recovery attends to). */
function attentionMaps(run: TimedRun): [string, unknown[]][] {
  if (run.kind === 'compare') {
    return Object.entries(fields(run.result.maps)).filter((e): e is [string, unknown[]] => Array.isArray(e[1]));
  }
  const n = run.result.n;
  const heads = run.result.headList;
  if (typeof n !== 'number' || !Number.isInteger(n) || n < 1 || n > 100000 || !Array.isArray(heads)) return [];
  const m = new Array<number>(n).fill(0);
  let total = 0;
  for (const h of heads.map(fields)) {
    const k = h.token;
    const w = finite(h.norm);
    if (typeof k !== 'number' || !Number.isInteger(k) || k < 0 || k >= n || w === null) continue;
    m[k] += w;
    total += w;
  }
  return [['convex', total > 0 ? m.map((v) => v / total) : m]];
}

function mapTable(run: TimedRun): string {
  const maps = attentionMaps(run);
  if (maps.length === 0) return '';
  const rank = (name: string) => (MAP_ORDER.includes(name) ? MAP_ORDER.indexOf(name) : MAP_ORDER.length);
  maps.sort((a, b) => rank(a[0]) - rank(b[0])); // stable: other names keep their order
  const n = Math.max(...maps.map(([, v]) => v.length));
  const head = `<tr><th>map</th>${Array.from({ length: n }, (_, k) => `<th>${k}</th>`).join('')}</tr>`;
  const rows = maps.map(([name, values]) => `<tr><th>${escapeHtml(name)}</th>${Array.from({ length: n }, (_, k) => {
    const v = finite(values[k]);
    if (v === null) return `<td>${cell(values[k])}</td>`;
    const a = Math.max(0, Math.min(1, v));
    return `<td style="background: rgba(33, 102, 172, ${a.toFixed(3)}); color: ${a > 0.5 ? '#fff' : '#000'}">${v.toFixed(2)}</td>`;
  }).join('')}</tr>`).join('');
  return `<h3>Attention: where each model looks (distribution over tokens)</h3><table class="map">${head}${rows}</table>`;
}

function fitNumbers(run: TimedRun): string {
  const r = run.result;
  const status = certStatus({ converged: r.converged, relGap: r.relGap, tol: r.tol ?? run.config.tol }, 'not');
  const b = fields(r.blas);
  return `<table><tr><th>model</th><th>objective</th><th>lower bound</th><th>rel. gap</th><th>certificate</th><th>heads</th><th>iterations</th><th>seconds</th><th>training loss</th><th>test loss</th></tr>
<tr><td>${cell(r.model)} / ${cell(r.loss)}</td><td>${cell(r.objective, precision(10))}</td><td>${cell(r.lowerBound, precision(10))}</td><td>${gapText(r.relGap)}</td><td>${certMark(status)}</td><td>${cell(r.heads)}</td><td>${cell(r.iterations)}</td><td>${cell(r.seconds, precision(3))}</td><td>${cell(fields(r.training).loss, precision(6))}</td><td>${cell(fields(r.test).loss, precision(6))}</td></tr></table>
<p class="prose">Convex objective ${cell(r.objective, precision(10))} &ge; optimum &ge; lower bound ${cell(r.lowerBound, precision(10))}: ${certMark(status)}.
Solver ${cell(r.solver)} (${cell(r.precision)}), BLAS ${cell(b.backend)}${b.core !== undefined ? ` ${cell(b.core)}` : ''}, ${cell(b.threads)} threads${b.reason !== undefined ? ` (${cell(b.reason)})` : ''}.</p>`;
}

/** compare runs predating a `converged` flag for the convex side are judged by relGap <= tol. */
function compareStatus(run: TimedRun) {
  const r = run.result;
  const c = fields(r.certificate);
  const convex = fields(r.convex);
  const converged = [c.converged, convex.converged, fields(fields(r.final).convex).converged].find((v) => typeof v === 'boolean');
  const tol = [c.tol, convex.tol, r.tol, run.config.tol].find((v) => v !== undefined);
  return certStatus({ converged, relGap: c.relGap, tol }, 'compare-gap');
}

function compareNumbers(run: TimedRun): string {
  const r = run.result;
  const lr = fields(r.chosenLr);
  const status = compareStatus(run);
  const rows = Object.entries(fields(r.final)).map(([name, v]) => {
    const f = fields(v);
    const mark = name === 'convex' ? certMark(status) : 'trained with Adam, no certificate';
    return `<tr><td>${escapeHtml(name)}</td><td>${cell(f.objective, precision(8))}</td><td>${cell(f.testLoss, precision(6))}</td><td>${cell(f.seconds, precision(3))}</td><td>${cell(f.iterations)}</td><td>${cell(lr[name])}</td><td>${mark}</td></tr>`;
  }).join('');
  const c = fields(r.certificate);
  return `<table><tr><th>model</th><th>objective</th><th>test loss</th><th>seconds</th><th>iterations</th><th>Adam lr</th><th>certificate</th></tr>${rows}</table>
<p class="prose">Convex certificate: objective ${cell(c.objective, precision(10))} &ge; optimum &ge; lower bound ${cell(c.lowerBound, precision(10))} (relative gap ${gapText(c.relGap)}), ${cell(c.heads)} heads; beta = ${cell(r.beta, precision(6))}: ${certMark(status)}.</p>`;
}

/** Every setting that shapes a non-convex model (heads, read-out, positions, penalty, lr), as recorded. */
function modelSettings(run: TimedRun): string {
  const models = Object.entries(fields(run.result.models));
  const warnings = Array.isArray(run.result.warnings) ? run.result.warnings : [];
  if (models.length === 0 && warnings.length === 0) return '';
  const rows = models.map(([name, v]) => {
    const m = fields(v);
    const readout = m.readoutToken === null ? 'none (no query token)' : cell(m.readoutToken);
    return `<tr><td>${escapeHtml(name)}</td><td>${cell(m.heads)}</td><td>${cell(m.attention)}</td><td>${readout}</td><td>${typeof m.positional === 'boolean' ? (m.positional ? 'yes' : 'no') : '-'}</td>` +
      `<td>${cell(m.penalty)}</td><td>${cell(m.lr)}</td><td>${m.steps !== undefined ? cell(m.steps) : cell(m.trainSeconds, (x) => `${x.toFixed(2)} s`)}</td></tr>`;
  }).join('');
  const warn = warnings.map((w) => `<p class="prose warn">warning: ${cell(w)}</p>`).join('');
  return `<h3>Settings of the non-convex models</h3><table><tr><th>model</th><th>heads</th><th>attention</th><th>read-out token</th><th>positional information</th><th>penalty</th><th>Adam lr</th><th>steps (or seconds)</th></tr>${rows}</table>${warn}`;
}

export function timedSection(run: TimedRun, charts: ChartList): string {
  return `<h2>${escapeHtml(run.dir)} <small>(${run.kind})</small></h2>
<div class="charts">${timeCharts(run, charts)}</div>
${mapTable(run)}
<h3>Final numbers</h3>${run.kind === 'fit' ? fitNumbers(run) : compareNumbers(run)}
${run.kind === 'compare' ? modelSettings(run) : ''}
${configLine(run.config)}`;
}

