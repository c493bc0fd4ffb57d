// The section of a `path` run: its context, heads, objective and relative gap against
// beta / beta_max (log x), and one table row per beta with its certificate mark.
import * as path from 'node:path';
import type { PathRun } from '../runs';
import { ChartList, series } from '../charts';
import { certMark, certStatus } from '../certificate';
import { cell, fields, finite, gapText, precision, tolText } from '../text';
import { configLine } from '../config-line';
import { accuracyName, betaText, contextBlock, dataFact, lossFact, NOT_RECORDED, pick, shapeFact, sources } from '../context';
import { readRows } from '../read';
import { sectionTitle, type Section } from './section';

function renderPath(run: PathRun, charts: ChartList): string {
  const rows = run.rows;
  const tol = run.config.tol ?? fields(run.config.config).tol;
  const pts = (key: string) => rows.map((r): [unknown, unknown] => [r.betaFrac, r[key]]);
  const axes = { xLabel: 'beta / beta_max', xLog: true };
  // the tolerance as a flat line across the gap plot: a solve below it is certified
  const tolLine = typeof tol === 'number' && tol > 0 ? series('tol', rows.map((r): [unknown, unknown] => [r.betaFrac, tol]), true, true) : null;
  const plots = charts.add({ ...axes, title: 'heads along the path', yLabel: 'heads', yLog: false, step: true,
    caption: 'Heads (nonzero penalty groups: token rows, singular values for a nuclear norm, attention blocks for matrix targets) of the solution at each beta: fewer as beta grows.' }, [series('heads', pts('heads'), true, false)])
    // a linear y: the objective varies by a small factor along a path, a decade axis would flatten it
    + charts.add({ ...axes, title: 'objective', yLabel: 'objective', yLog: false }, [series('convex', pts('objective'), true, false)])
    + charts.add({ ...axes, title: 'relative duality gap', yLabel: 'relative gap', yLog: true,
      caption: `Each solve is certified once its gap is below tol = ${tolText(tol)}; a gap of exactly 0 cannot be drawn on a log axis.` }, [series('rel. gap', pts('relGap'), true, true), tolLine]);

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
  return `${sectionTitle(run)}
${pathContext(run, prose)}
<div class="charts">${plots}</div>
<h3>Solutions along the path</h3><table>${head}${body}</table>
${configLine(run.config)}`;
}

/** "from a to b" over the rows (in path order), or not recorded. */
function span(rows: unknown[], format: (x: number) => string): string {
  const v = rows.map(finite).filter((x): x is number => x !== null);
  if (v.length === 0) return NOT_RECORDED;
  return v.length === 1 ? format(v[0]) : `${format(v[0])} to ${format(v[v.length - 1])}`;
}

function pathContext(run: PathRun, prose: string): string {
  const rows = run.rows;
  const src = sources(rows.length ? rows[0] : {}, run.config);
  const loss = pick(src, 'loss');
  const first = rows[0] ?? {};
  const last = rows[rows.length - 1] ?? {};
  const split = (key: 'training' | 'test'): string => {
    const get = (k: string) => rows.map((r) => fields(r[key])[k]);
    return `loss ${span(get('loss'), precision(4))}, ${accuracyName(loss)} ${span(get('accuracy'), precision(3))}`;
  };
  return contextBlock([
    dataFact(run.config), shapeFact(src), lossFact(src),
    { label: 'beta', html: `${rows.length} values, from ${betaText(first.beta, undefined, first.betaFrac)} to ${betaText(last.beta, undefined, last.betaFrac)}${typeof first.beta === 'number' && typeof first.betaFrac === 'number' && first.betaFrac > 0 ? ` (beta_max ${cell(first.beta / first.betaFrac, precision(6))})` : ''}` },
    { label: 'heads', html: `convex ${span(rows.map((r) => r.heads), String)} (no non-convex models on a path)` },
    { label: 'training', html: split('training') },
    { label: 'test', html: split('test') },
    { label: 'certificate', html: `Regularization path, warm-started from the largest beta: ${prose}` },
  ]);
}

export const pathSection: Section<PathRun> = {
  load: (i) => [{ kind: 'path', dir: i.dir, config: i.config, rows: readRows(path.join(i.dir, 'path.json')) }],
  render: renderPath,
};
