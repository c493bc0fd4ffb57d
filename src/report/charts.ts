// The plots of a page, as plain data for the page script (and the SVG figures): each chart is a
// list of (x, y) series with only finite numbers in them (and only positive ones on a log axis),
// sorted by x for uPlot. Colours and tick labels are defined here once, for the page and the SVG.
import * as path from 'node:path';
import { finite } from './text';

/** Series colours by name; other names take OTHER_COLOURS in turn. */
export const SERIES_COLOURS: Record<string, string> = { convex: '#d7301f', primal: '#d7301f', 'dual bound': '#fc8d59', simplex: '#2166ac', softmax: '#1a9850', tol: '#999' };
export const OTHER_COLOURS = ['#555', '#8c510a', '#762a83', '#01665e'];

export const seriesColour = (name: string, k: number): string =>
  Object.hasOwn(SERIES_COLOURS, name) ? SERIES_COLOURS[name] : OTHER_COLOURS[k % OTHER_COLOURS.length];

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
}

export interface Chart {
  id: string;
  title: string;
  xLabel: string;
  /** the y axis's label: short, so it does not run into the tick labels */
  yLabel: string;
  xLog: boolean;
  yLog: boolean;
  series: ChartSeries[];
  /** the file name of its figure, without extension: the run's kind and the chart's title */
  file: string;
}

export type ChartSpec = Omit<Chart, 'id' | 'series' | 'file'> & {
  /** HTML under the chart (escaped by the caller) */
  caption?: string;
};

/** Collects the charts of one page; ids are numbered in page order, so the page is reproducible. */
export class ChartList {
  readonly charts: Chart[] = [];
  private run = { kind: 'chart', dir: '' };
  private readonly files = new Set<string>();

  /** The run whose charts follow: their figures are named for its kind (and its directory when two runs share a kind). */
  begin(run: { kind: string; dir: string }): void {
    this.run = run;
  }

  private fileFor(title: string): string {
    const base = `${slug(this.run.kind)}-${slug(title)}`;
    const candidates = [base, `${base}-${slug(path.basename(this.run.dir))}`];
    let file = candidates.find((f) => !this.files.has(f));
    for (let k = 2; !file; k++) if (!this.files.has(`${base}-${k}`)) file = `${base}-${k}`;
    this.files.add(file);
    return file;
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
