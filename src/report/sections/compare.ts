// The section of a compare run: every model's suboptimality above the convex solve's certified
// lower bound (objective - L, log axis) against seconds and against iterations, test loss, where
// each model attends (heatmap), the final numbers, and the settings of the non-convex models.
import type { TimedRun } from '../runs';
import { ChartList, series, type ChartSeries } from '../charts';
import { certMark, certStatus, type CertStatus } from '../certificate';
import { cell, escapeHtml, fields, finite, gapText, precision } from '../text';
import { accuracyName, betaText, contextBlock, dataFact, lossFact, NOT_RECORDED, pick, shapeFact, sources, type Fact } from '../context';
import { loadTimed, timedLayout, type Section } from './section';

type CompareRun = TimedRun & { kind: 'compare' };

const MODEL_ORDER = ['convex', 'simplex', 'softmax'];

/** The metrics lines of each model, in the order convex, simplex, softmax, then others as found. */
function modelLines(run: TimedRun): [string, TimedRun['metrics']][] {
  const groups = new Map<string, TimedRun['metrics']>();
  for (const l of run.metrics) {
    const name = typeof l.model === 'string' ? l.model : '?';
    if (!groups.has(name)) groups.set(name, []);
    groups.get(name)!.push(l);
  }
  const rank = (name: string) => (MODEL_ORDER.includes(name) ? MODEL_ORDER.indexOf(name) : MODEL_ORDER.length);
  return [...groups].sort((a, b) => rank(a[0]) - rank(b[0]));
}

function byModel(run: TimedRun, x: string, y: (l: TimedRun['metrics'][number]) => unknown, xLog: boolean, yLog: boolean): (ChartSeries | null)[] {
  return modelLines(run).map(([name, lines]) => series(name, lines.map((l): [unknown, unknown] => [l[x], y(l)]), xLog, yLog));
}

/** The convex solve's lower bound L, when the run records a finite one. */
const lowerBound = (run: TimedRun): number | null => finite(fields(run.result.certificate).lowerBound);

/** 3 significant digits; small ones as 1.70e-4. */
const num = (x: number): string => (x !== 0 && Math.abs(x) < 0.01 ? x.toExponential(2) : x.toPrecision(3));

function compareCharts(run: TimedRun): (charts: ChartList) => string {
  const L = lowerBound(run);
  const sub = (l: TimedRun['metrics'][number]): unknown => {
    const o = finite(l.objective);
    return o === null || L === null ? null : o - L;
  };
  // what the final point of each model says, relative to L; and the points a log axis cannot show
  const ends = modelLines(run).map(([name, lines]) => {
    const last = [...lines].reverse().find((l) => finite(l.objective) !== null);
    const below = lines.filter((l) => { const s = sub(l); return typeof s === 'number' && s <= 0; }).length;
    // the final numbers of result.json (as in the table), else the last logged point
    const o = finite(fields(fields(run.result.final)[name]).objective) ?? (last ? finite(last.objective) : null);
    const end = o === null || L === null ? '-' : `${num(o - L)}${L !== 0 ? ` (${num(100 * (o - L) / Math.abs(L))}% of L)` : ''}`;
    return { name, end, below };
  });
  const belowText = ends.filter((e) => e.below > 0).map((e) => `${escapeHtml(e.name)}: ${e.below}`).join(', ');
  const caption = L === null
    ? 'The run records no finite lower bound, so no suboptimality can be drawn.'
    : `Objective minus L = ${L.toPrecision(10)}, the certified lower bound of the convex solve (objective &ge; optimum &ge; L), log scale. `
      + `The convex curve ends at its own duality gap; each other curve shows how far above the bound that model stays. `
      + `Final values: ${ends.map((e) => `${escapeHtml(e.name)} ${e.end}`).join('; ')}.`
      + (belowText ? ` Points at or below L cannot be drawn on a log axis and are left out (${belowText}).` : '');
  return (charts) => charts.add({ title: 'suboptimality vs. time', xLabel: 'seconds', yLabel: 'objective − L', xLog: true, yLog: true, caption },
    byModel(run, 'seconds', sub, true, true))
    + charts.add({ title: 'suboptimality vs. iterations', xLabel: `iterations (Adam steps; ${fields(run.result.certificate).solver === 'bm' ? 'L-BFGS (bm)' : 'FISTA'} for convex)`, yLabel: 'objective − L', xLog: false, yLog: true,
      caption: 'The same, against iterations. The time chart leaves out the points at 0 s (the starting point), which a log axis cannot show.' },
    byModel(run, 'iteration', sub, false, true))
    + charts.add({ title: 'test loss vs. time', xLabel: 'seconds', yLabel: 'test loss', xLog: true, yLog: true,
      caption: 'Mean loss per sample on the test split (log scales).' },
    byModel(run, 'seconds', (l) => l.testLoss, true, true));
}

/** compare runs predating a `converged` flag for the convex side are judged by relGap <= tol. */
export function compareStatus(run: TimedRun): CertStatus {
  const r = run.result;
  const c = fields(r.certificate);
  const convex = fields(r.convex);
  const converged = [c.converged, convex.converged, fields(fields(r.final).convex).converged].find((v) => typeof v === 'boolean');
  const tol = [c.tol, convex.tol, r.tol, run.config.tol, fields(run.config.config).tol].find((v) => v !== undefined);
  return certStatus({ converged, relGap: c.relGap, tol }, 'compare-gap');
}

function compareContext(run: TimedRun, status: CertStatus): string {
  const r = run.result;
  const src = sources(r, run.config);
  const c = fields(r.certificate);
  const models = fields(r.models);
  const final = fields(r.final);
  const loss = pick(src, 'loss');
  const heads = [`convex ${cell(c.heads)}`, ...Object.entries(models).map(([name, m]) => `${escapeHtml(name)} ${cell(fields(m).heads)}`)].join(', ');
  const perModel = (key: string, digits: number): string =>
    Object.entries(final).map(([name, f]) => `${escapeHtml(name)} ${cell(fields(f)[key], precision(digits))}`).join(', ');
  const accKey = ['testAccuracy', 'accuracy'].find((k) => Object.values(final).some((f) => fields(f)[k] !== undefined));
  const program = typeof r.program === 'string' ? r.program : 'attention'; // runs before compare --model: attention
  const own = Object.keys(models).filter((m) => m !== 'softmax');
  const facts: Fact[] = [
    dataFact(run.config), shapeFact(src), lossFact(src),
    { label: 'convex program', html: `${escapeHtml(program)}: its certified lower bound L bounds the objective of its own non-convex model (${own.map(escapeHtml).join(', ') || 'none'}) at any number of heads; softmax attention is another model with another penalty, and its objective − L is a distance, not a suboptimality` },
    { label: 'beta', html: betaText(r.beta, r.betaMax, r.betaFrac) },
    { label: 'heads', html: heads },
    { label: 'test loss', html: perModel('testLoss', 4) || NOT_RECORDED },
  ];
  if (accKey) facts.push({ label: `test ${accuracyName(loss)}`, html: perModel(accKey, 4) });
  if (Object.values(final).some((f) => fields(f).trainAccuracy !== undefined)) facts.push({ label: `training ${accuracyName(loss)}`, html: perModel('trainAccuracy', 4) });
  else if (loss === 'ce') facts.push({ label: 'test accuracy', html: NOT_RECORDED });
  facts.push({ label: 'certificate', html: `convex objective ${cell(c.objective, precision(10))} &ge; optimum &ge; lower bound ${cell(c.lowerBound, precision(10))} (relative gap ${gapText(c.relGap)}): ${certMark(status)}. The non-convex models are trained with Adam and have no certificate.` });
  return contextBlock(facts);
}

function compareNumbers(run: TimedRun, status: CertStatus): string {
  const r = run.result;
  const lr = fields(r.chosenLr);
  const L = lowerBound(run);
  const final = Object.entries(fields(r.final)).map(([name, v]) => [name, fields(v)] as const);
  // accuracy columns only where the run records them (labels y)
  const accKeys = (['trainAccuracy', 'testAccuracy'] as const).filter((k) => final.some(([, f]) => f[k] !== undefined));
  const accHead = { trainAccuracy: 'training acc.', testAccuracy: 'test acc.' };
  const rows = final.map(([name, f]) => {
    const o = finite(f.objective);
    const above = o === null || L === null ? '-' : (o - L).toPrecision(4);
    const mark = name === 'convex' ? certMark(status) : 'trained with Adam, no certificate';
    const acc = accKeys.map((k) => `<td>${cell(f[k], precision(4))}</td>`).join('');
    return `<tr><td>${escapeHtml(name)}</td><td>${cell(f.objective, precision(8))}</td><td>${above}</td><td>${cell(f.testLoss, precision(6))}</td>${acc}<td>${cell(f.seconds, precision(3))}</td><td>${cell(f.iterations)}</td><td>${cell(lr[name])}</td><td>${mark}</td></tr>`;
  }).join('');
  return `<table><tr><th>model</th><th>objective</th><th>objective − L</th><th>test loss</th>${accKeys.map((k) => `<th>${accHead[k]}</th>`).join('')}<th>seconds</th><th>iterations</th><th>Adam lr</th><th>certificate</th></tr>${rows}</table>`;
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

const MAP_CAPTION = 'teacher: the map the data was generated with (when the file holds one); convex: the recovered heads\' norms summed per token, normalised to 1; '
    + 'simplex: its per-position weights, heads weighted by ||w2|| ||w3||_1; softmax: the read-out token\'s attention averaged over the training sequences and heads.';

export const compareSection: Section<CompareRun> = {
  load: (i) => loadTimed('compare', i),
  render(run, charts) {
    const status = compareStatus(run);
    const maps = Object.entries(fields(run.result.maps)).filter((e): e is [string, unknown[]] => Array.isArray(e[1]));
    return timedLayout(run, {
      context: compareContext(run, status),
      plots: compareCharts(run)(charts),
      maps: charts.heatmap(maps, MAP_CAPTION),
      numbers: compareNumbers(run, status),
      settings: modelSettings(run),
    });
  },
};
