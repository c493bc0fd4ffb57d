// The plots of a page, as plain data for the page script: each chart is a list of (x, y) series
// with only finite numbers in them (and only positive ones on a log axis), sorted by x for uPlot.
import { finite } from './text';

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
}

export type ChartSpec = Omit<Chart, 'id' | 'series'> & {
  /** HTML under the chart (escaped by the caller) */
  caption?: string;
};

/** Collects the charts of one page; ids are numbered in page order, so the page is reproducible. */
export class ChartList {
  readonly charts: Chart[] = [];

  /** Registers a chart and returns the element it is drawn into. */
  add(spec: ChartSpec, series: (ChartSeries | null)[]): string {
    const { caption, ...c } = spec;
    const id = `chart-${this.charts.length}`;
    this.charts.push({ ...c, id, series: series.filter((s): s is ChartSeries => s !== null) });
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
