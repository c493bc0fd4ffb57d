// The section of a grok suite, as Ergen et al.'s Figure 7: per (p, L), the standard model with and
// without weight decay and the convex model side by side, as bars of the steps to 99% test
// accuracy and of the amount of grokking (mean over seeds, min-max whiskers, log y axis; a setting
// whose seeds did not all reach 99% within the cap drawn as a lower bound). Then the numbers per
// setting, the paper's claims beside them (grok-suite-claims.ts), and the test accuracy curves of
// every run, one chart per (p, L). Each run is also an ordinary grok run directory for `report`.
import * as path from 'node:path';
import type { GrokSuiteRun } from '../runs';
import { ChartList, OTHER_COLOURS, series } from '../charts';
import { barChartSvg, type Bar, type BarGroup } from '../bar-chart';
import { claimRows, settingOf } from '../grok-suite-claims';
import { readMetrics, readObject } from '../read';
import { cell, escapeHtml, fields, finite, items, precision } from '../text';
import { contextBlock, dataFact } from '../context';
import { configLine } from '../config-line';
import { lostFit, stepsText, type SeedStats } from '../../experiments/grok-suite-result';
import { sectionTitle, type Section } from './section';

/** The paper's colours where it has them: the non-convex curve (no weight decay) purple, the convex one green. */
const colourOf = (a: Record<string, unknown>, k: number): string =>
  (a.model === 'convex' ? '#1a9850' : a.model === 'standard' ? (a.weightDecay === 0 ? '#762a83' : '#2166ac') : OTHER_COLOURS[k % OTHER_COLOURS.length]);
/** A run directory's name as the suite writes it (anything else in result.json is not read). */
const RUN_NAME = /^[A-Za-z0-9._-]+$/;

const list = (v: unknown): Record<string, unknown>[] => items(v).map(fields);
/** A value as plain text (the charts escape it), '-' for anything but a string or a number. */
const plain = (v: unknown): string => (typeof v === 'string' || typeof v === 'number' ? String(v) : '-');
const seriesName = (a: Record<string, unknown>) => `${plain(a.model)} (wd ${plain(a.weightDecay)})`;
const groupName = (a: Record<string, unknown>) => `p ${plain(a.p)}, L ${plain(a.layers)}`;

/** Seed statistics as recorded, or null unless mean, min and max are numbers. */
function stats(v: unknown): SeedStats | null {
  const f = fields(v);
  const [mean, min, max] = [finite(f.mean), finite(f.min), finite(f.max)];
  return mean === null || min === null || max === null ? null : { mean, min, max, sd: finite(f.sd) ?? 0, n: finite(f.n) ?? 0 };
}

/** Groups (p, L) and series (model and weight decay) in the order the grid has them. */
function layout(settings: Record<string, unknown>[]): { groups: string[]; series: string[] } {
  return { groups: [...new Set(settings.map(groupName))], series: [...new Set(settings.map(seriesName))] };
}

/** A suite row's lostFit, computed from its numbers (a result.json written before the field has none). */
const rowLostFit = (r: Record<string, unknown>) => lostFit(r.stepsToTrain99, fields(r.final).trainAccuracy);

/**
 * Steps to 99% test: the cap is a lower bound for the seeds that did not reach it. Grokking: cap
 * minus their 99%-train step, only for seeds that still held 99% train at the end (a fit lost
 * later bounds nothing); the seeds that lost it are counted under the bar.
 */
export function bars(settings: Record<string, unknown>[], rows: Record<string, unknown>[], what: 'steps' | 'grokking'): BarGroup[] {
  const { groups, series: names } = layout(settings);
  return groups.map((g) => ({
    label: g,
    bars: names.map((name): Bar | null => {
      const a = settings.find((s) => groupName(s) === g && seriesName(s) === name);
      if (!a) return null;
      const s = stats(what === 'steps' ? a.stepsToTest99 : a.grokking);
      const cap = finite(a.cap);
      const missed = rows.filter((r) => r.setting === a.setting && r.stepsToTest99 === null);
      const lost = what === 'grokking' ? missed.filter(rowLostFit).length : 0;
      const trained = missed.filter((r) => !rowLostFit(r)).map((r) => finite(r.stepsToTrain99)).filter((t): t is number => t !== null);
      const bound = missed.length === 0 || cap === null ? null : what === 'steps' ? cap : trained.length ? cap - Math.max(...trained) : null;
      const lostNote = lost ? `, ${lost} lost fit` : '';
      if (s === null && bound === null) return { value: null, min: null, max: null, bound: null, note: `not reached${lostNote}` };
      return { value: s?.mean ?? null, min: s?.min ?? null, max: s?.max ?? null, bound, note: `${plain(a.reachedTest)} of ${plain(a.seeds)}${lostNote}` };
    }),
  }));
}

function figures(run: GrokSuiteRun, id: string): string {
  const settings = list(run.result.settings);
  const rows = list(run.result.rows);
  const lost = rows.filter(rowLostFit).length;
  const series = layout(settings).series.map((name, k) => ({ name, colour: colourOf(settings.find((a) => seriesName(a) === name)!, k) }));
  return `<div class="figure7">${barChartSvg({ id: `${id}-steps`, title: 'steps to 99% test accuracy', yLabel: 'steps (log)', series, groups: bars(settings, rows, 'steps') })}
${barChartSvg({ id: `${id}-grokking`, title: 'amount of grokking (steps from 99% train to 99% test)', yLabel: 'steps (log)', series, groups: bars(settings, rows, 'grokking') })}</div>
<p class="caption">Ergen et al.'s Figure 7: bars are the mean over the seeds that reached 99% test accuracy, whiskers their min and max, and under each bar how many seeds reached it.
Hatched bars and dashed marks are lower bounds: seeds that did not reach 99% test accuracy within the setting's step cap (the amount of grokking: the cap minus their step to 99% train, the first evaluation at 99%).
A seed whose final train accuracy is below 99% lost its fit after reaching it and gives no lower bound: ${lost} run${lost === 1 ? '' : 's'} lost ${lost === 1 ? 'its' : 'their'} fit.</p>`;
}

const whole = (x: number) => String(Math.round(x));

/** "mean [min-max]" of seed statistics, '-' when there are none. */
const statText = (v: unknown, format: (x: number) => string) => {
  const s = stats(v);
  return s === null ? '-' : `${cell(s.mean, format)}${s.n > 1 ? ` [${cell(s.min, format)}-${cell(s.max, format)}]` : ''}`;
};

/** Seeds of a setting that reached 99% train accuracy and ended below it. */
const lostOf = (a: Record<string, unknown>, rows: Record<string, unknown>[]) => String(rows.filter((r) => r.setting === a.setting && rowLostFit(r)).length);

function numbers(run: GrokSuiteRun): string {
  const rows = list(run.result.rows);
  const head = '<tr><th>setting</th><th>model</th><th>weight decay</th><th>p</th><th>L</th><th>cap</th><th>reached 99% train</th><th>reached 99% test</th><th>lost their fit</th><th>steps to 99% train</th><th>steps to 99% test</th><th>amount of grokking</th><th>seconds to 99% test</th><th>median step (s)</th></tr>';
  const body = list(run.result.settings).map((a) => {
    const steps = typeof a.cap === 'number' && typeof a.seeds === 'number' && typeof a.reachedTest === 'number'
      ? stepsText({ stepsToTest99: stats(a.stepsToTest99), reachedTest: a.reachedTest, seeds: a.seeds, cap: a.cap }) : '-';
    return `<tr><td>${cell(a.setting)}</td><td>${cell(a.model)}</td><td>${cell(a.weightDecay)}</td><td>${cell(a.p)}</td><td>${cell(a.layers)}</td><td>${cell(a.cap)}</td>` +
      `<td>${cell(a.reachedTrain)} of ${cell(a.seeds)}</td><td>${cell(a.reachedTest)} of ${cell(a.seeds)}</td><td>${lostOf(a, rows)}</td><td>${statText(a.stepsToTrain99, whole)}</td><td>${escapeHtml(steps)}</td>` +
      `<td>${statText(a.grokking, whole)}</td><td>${statText(a.secondsToTest99, precision(3))}</td><td>${statText(a.medianStepSeconds, precision(3))}</td></tr>`;
  }).join('');
  return `<h3>Per setting (mean [min-max] over the seeds that reached each accuracy; steps to 99% train: the first evaluation at 99%; lost their fit: seeds that ended below 99% train after reaching it)</h3><table class="suite">${head}${body}</table>
<p class="caption">${cell(run.result.secondsNote)}. "&gt; cap": not reached within the step cap, a lower bound; ${cell(fields(run.config.config).capsNote)}</p>`;
}

function claims(run: GrokSuiteRun): string {
  const rows = claimRows(list(run.result.settings).map(settingOf));
  if (rows.length === 0) return '<p class="prose">No setting of this suite is one the paper\'s claims are about (division mod 97 and mod 15).</p>';
  return `<h3>The paper's claims beside these runs</h3><table class="claims"><tr><th>claim (Ergen et al. section 4)</th><th>settings</th><th>here</th></tr>` +
    rows.map((r) => `<tr><td>${escapeHtml(r.claim)}</td><td>${escapeHtml(r.settings)}</td><td>${escapeHtml(r.verdict)}</td></tr>`).join('') + '</table>';
}

/** Test accuracy against steps of every run, one chart per (p, L). */
function curves(run: GrokSuiteRun, charts: ChartList): string {
  const rows = list(run.result.rows);
  const settings = list(run.result.settings);
  return layout(settings).groups.map((g) => {
    const names = new Set(settings.filter((s) => groupName(s) === g).map((s) => s.setting));
    const lines = rows.filter((r) => names.has(r.setting) && typeof r.dir === 'string').map((r) =>
      series(`${plain(r.setting)} seed ${plain(r.seed)}`, (run.curves.get(r.dir as string) ?? []).map((l): [unknown, unknown] => [l.step, l.testAccuracy]), true, false));
    return charts.add({ title: `test accuracy, ${g}`, xLabel: 'steps', yLabel: 'test accuracy', xLog: true, yLog: false,
      caption: 'Test accuracy of every run of these settings against steps (log axis; the evaluation at step 0 is left out).' }, lines);
  }).join('');
}

export const grokSuiteSection: Section<GrokSuiteRun> = {
  load(i) {
    const result = readObject(path.join(i.dir, 'result.json'));
    const curves = new Map<string, Record<string, unknown>[]>();
    for (const r of list(result.rows)) {
      if (typeof r.dir === 'string' && RUN_NAME.test(r.dir) && r.dir !== '.' && r.dir !== '..') curves.set(r.dir, readMetrics(path.join(i.dir, r.dir, 'metrics.jsonl'), i.warn));
    }
    return [{ kind: 'grok-suite', dir: i.dir, config: i.config, result, curves }];
  },
  render(run, charts) {
    const c = fields(run.config.config);
    const grid = Array.isArray(c.grid) ? c.grid.length : '-';
    const context = contextBlock([dataFact(run.config),
      { label: 'suite', html: `${grid} settings x ${cell(c.seeds)} seeds, ${cell(c.jobs)} runs at a time, ${c.blasBackend === 'typescript' ? 'the TypeScript GEMM fallback (no OpenBLAS addon: about 50x slower)' : `OpenBLAS ${cell(c.blasThreadsPerRun)} thread(s)`} per run` },
      { label: 'runs', html: `each an ordinary grok run directory in <code>${escapeHtml(run.dir)}</code> (<code>convexformer report</code> shows one)` }]);
    return `${sectionTitle(run)}\n${context}\n${figures(run, `suite${charts.charts.length}`)}\n${numbers(run)}\n${claims(run)}\n<div class="charts">${curves(run, charts)}</div>\n${configLine(run.config)}`;
  },
};
