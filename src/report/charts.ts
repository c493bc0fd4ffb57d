// The plots of a page, as plain data for the page script (and the SVG figures): each chart is a
// list of (x, y) series with only finite numbers in them (and only positive ones on a log axis),
// sorted by x for uPlot. Colours and tick labels are defined here once, for the page and the SVG.
import * as path from 'node:path';
import { finite } from './text';
import { heatmap, heatmapData, type HeatmapData, type HeatmapLabels } from './heatmap';
import type { Run } from './runs';

/** Series colours by name; other names take OTHER_COLOURS in turn. */
export const SERIES_COLOURS: Record<string, string> = { convex: '#d7301f', primal: '#d7301f', 'dual bound': '#fc8d59', simplex: '#2166ac', softmax: '#1a9850', tol: '#999' };
// the first four as they always were; six more so that a chart of up to ten unnamed series repeats none
export const OTHER_COLOURS = ['#555', '#8c510a', '#762a83', '#01665e', '#e08214', '#4393c3', '#c51b7d', '#1b7837', '#b2182b', '#999933'];

/** A series' own colour (a ramp over time), else its name's, else the next of OTHER_COLOURS. */
export const seriesColour = (s: { name: string; colour?: string }, k: number): string =>
  s.colour ?? (Object.hasOwn(SERIES_COLOURS, s.name) ? SERIES_COLOURS[s.name] : OTHER_COLOURS[k % OTHER_COLOURS.length]);

/** Light to dark, for series ordered in time (colour-blind safe, ColorBrewer YlGnBu). */
export const TIME_RAMP = ['#7fcdbb', '#41b6c4', '#1d91c0', '#225ea8', '#253494', '#081d58'];

/**
 * A tick label. uPlot's default rounds a relative gap of 1e-7 to 0, and a log axis never shows 0.
 * Self-contained: the page script embeds its source.
 */
export const tickLabel = (v: number | null): string =>
  v == null ? '' : v !== 0 && (Math.abs(v) < 1e-2 || Math.abs(v) >= 1e5) ? v.toExponential(0) : String(+v.toPrecision(6));

/** A log axis spans whole decades around the data, so it has ticks however narrow the data is. Self-contained, as tickLabel. */
export const decadeRange = (min: number, max: number): [number, number] =>
  [10 ** Math.floor(Math.log10(min)), 10 ** Math.ceil(Math.log10(max) + (min === max ? 1 : 0))];

/** A figure's file name: what it shows, in lower case with dashes ("suboptimality vs. time" -> "suboptimality-vs-time"). */
export const slug = (s: string): string => s.toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-+|-+$/g, '') || 'chart';

export interface ChartSeries {
  name: string;
  x: number[];
  y: number[];
  /** a colour of its own (TIME_RAMP for series ordered in time); absent: by name, or in turn */
  colour?: string;
}

export interface Chart {
  id: string;
  title: string;
  xLabel: string;
  /** the y axis's label: short, so it does not run into the tick labels */
  yLabel: string;
  xLog: boolean;
  yLog: boolean;
  /** a value that holds until the next x (a count such as heads): drawn as steps, never sloped lines */
  step?: boolean;
  series: ChartSeries[];
  /** the file name of its figure, without extension: see figurePrefixes */
  file: string;
}

/** An attention heatmap of the page, for its figure. */
export interface HeatmapFigure extends HeatmapData {
  /** the file name of its figure, without extension */
  file: string;
}

/**
 * Each run's figure names begin with its kind; when two runs share a kind, also with the name of
 * its directory (a demo's part: the demo directory's name, since the kind already names the part),
 * so `report demo1 x1 fit1` names compare-demo1-..., compare-x1-..., fit-demo1-..., fit-fit1-...
 */
export function figurePrefixes(runs: Run[]): Map<Run, string> {
  const demoOf = new Map<Run, Run>();
  for (const r of runs) if (r.kind === 'demo') for (const p of r.parts) demoOf.set(p, r);
  const perKind = new Map<string, number>();
  for (const r of runs) perKind.set(r.kind, (perKind.get(r.kind) ?? 0) + 1);
  const name = (r: Run) => slug(path.basename(path.resolve((demoOf.get(r) ?? r).dir)));
  return new Map(runs.map((r) => [r, perKind.get(r.kind)! > 1 ? `${slug(r.kind)}-${name(r)}` : slug(r.kind)]));
}

export type ChartSpec = Omit<Chart, 'id' | 'series' | 'file'> & {
  /** HTML under the chart (escaped by the caller) */
  caption?: string;
};

/** Collects the charts of one page; ids are numbered in page order, so the page is reproducible. */
export class ChartList {
  readonly charts: Chart[] = [];
  readonly heatmaps: HeatmapFigure[] = [];
  private prefix = 'chart';
  private readonly files = new Set<string>();

  /** The run whose charts follow: their figures' names begin with `prefix` (figurePrefixes). */
  begin(prefix: string): void {
    this.prefix = prefix;
  }

  /** prefix-title; -2, -3, ... after it in page order when that is taken (two runs in directories of one name). */
  private fileFor(title: string): string {
    const base = `${this.prefix}-${slug(title)}`;
    let file = base;
    for (let k = 2; this.files.has(file); k++) file = `${base}-${k}`;
    this.files.add(file);
    return file;
  }

  /** The attention heatmap of a run: its HTML for the page, registered as a figure too. */
  heatmap(maps: [string, unknown[]][], caption: string, labels?: HeatmapLabels): string {
    const data = heatmapData(maps, labels);
    if (data) this.heatmaps.push({ ...data, file: this.fileFor(labels ? labels.title : 'attention maps') });
    return heatmap(maps, caption, labels);
  }

  /** Registers a chart and returns the element it is drawn into. */
  add(spec: ChartSpec, series: (ChartSeries | null)[]): string {
    const { caption, ...c } = spec;
    const id = `chart-${this.charts.length}`;
    this.charts.push({ ...c, id, series: series.filter((s): s is ChartSeries => s !== null), file: this.fileFor(c.title) });
    return `<figure class="plot"><div id="${id}" class="chart"></div>${caption ? `<figcaption>${caption}</figcaption>` : ''}</figure>`;
  }
}

/** A series from raw (x, y) pairs, or null when no pair is plottable. */
export function series(name: string, pairs: [unknown, unknown][], xLog: boolean, yLog: boolean): ChartSeries | null {
  const ok = (v: number | null, log: boolean): v is number => v !== null && (!log || v > 0);
  const pts = pairs
    .map(([x, y]) => [finite(x), finite(y)] as const)
    .filter((p): p is readonly [number, number] => ok(p[0], xLog) && ok(p[1], yLog))
    .sort((a, b) => a[0] - b[0]);
  return pts.length === 0 ? null : { name, x: pts.map((p) => p[0]), y: pts.map((p) => p[1]) };
}
