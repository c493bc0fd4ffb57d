// The section of a `path` run: objective, relative gap and heads against beta / beta_max (log x),
// and one table row per beta with its certificate mark.
import type { PathRun } from './load';
import { ChartList, series } from './charts';
import { certMark, certStatus } from './certificate';
import { cell, escapeHtml, fields, gapText, precision, tolText } from './text';
import { configLine } from './config-line';

export function pathSection(run: PathRun, charts: ChartList): string {
  const rows = run.rows;
  const tol = run.config.tol;
  const pts = (key: string) => rows.map((r): [unknown, unknown] => [r.betaFrac, r[key]]);
  const axes = { xLabel: 'beta / beta_max', xLog: true };
  // the tolerance as a flat line across the gap plot: a solve below it is certified
  const tolLine = typeof tol === 'number' && tol > 0 ? series('tol', rows.map((r): [unknown, unknown] => [r.betaFrac, tol]), true, true) : null;
  const plots = charts.add({ ...axes, title: 'objective', yLog: true }, [series('convex', pts('objective'), true, true)])
    + charts.add({ ...axes, title: 'relative gap', yLog: true }, [series('rel. gap', pts('relGap'), true, true), tolLine])
    + charts.add({ ...axes, title: 'heads', yLog: false }, [series('heads', pts('heads'), true, false)]);

  const statuses = rows.map((r) => certStatus({ converged: r.converged, relGap: r.relGap, tol }, 'not'));
  const failed = statuses.filter((s) => s.state !== 'certified').length;
  const prose = failed === 0
    ? `<span class="cert-certified">All ${rows.length} solves certified (rel. gap within tol ${tolText(tol)}).</span>`
    : `<span class="cert-not">NOT certified: ${failed} of ${rows.length} solves stopped above tol ${tolText(tol)} or record no convergence; see the table.</span>`;

  const head = '<tr><th>beta / beta_max</th><th>beta</th><th>objective</th><th>lower bound</th><th>rel. gap</th><th>certificate</th><th>heads</th><th>iterations</th><th>seconds</th><th>training loss</th><th>training acc.</th><th>test loss</th><th>test acc.</th></tr>';
  const body = rows.map((r, i) => {
    const train = fields(r.training);
    const test = fields(r.test);
    return `<tr><td>${cell(r.betaFrac, precision(4))}</td><td>${cell(r.beta, precision(6))}</td><td>${cell(r.objective, precision(8))}</td><td>${cell(r.lowerBound, precision(8))}</td><td>${gapText(r.relGap)}</td><td>${certMark(statuses[i])}</td><td>${cell(r.heads)}</td><td>${cell(r.iterations)}</td><td>${cell(r.seconds, precision(3))}</td><td>${cell(train.loss, precision(6))}</td><td>${cell(train.accuracy, precision(4))}</td><td>${cell(test.loss, precision(6))}</td><td>${cell(test.accuracy, precision(4))}</td></tr>`;
  }).join('');
  return `<h2>${escapeHtml(run.dir)} <small>(path)</small></h2>
<p class="prose">Regularization path, warm-started from the largest beta: ${prose}</p>
<div class="charts">${plots}</div>
<h3>Solutions along the path</h3><table>${head}${body}</table>
${configLine(run.config)}`;
}
