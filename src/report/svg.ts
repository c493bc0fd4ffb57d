// A chart of the page as an SVG figure for slides: the same data, colours, log axes (whole decades)
// and tick labels as the page's uPlot charts, drawn as vector paths with a static legend.
import { decadeRange, seriesColour, tickLabel, type Chart } from './charts';
import { escapeHtml } from './text';

const W = 720;
const PLOT_H = 320;
const M = { left: 84, right: 28, top: 44, bottom: 60 };
const LEGEND_ROW = 22;

interface Axis {
  /** value -> position in [0, 1] */
  at(v: number): number;
  ticks: number[];
}

/** A step of 1, 2 or 5 times a power of ten, giving about five ticks over `span`. */
function niceStep(span: number): number {
  const raw = span / 5;
  const mag = 10 ** Math.floor(Math.log10(raw));
  return mag * ([1, 2, 5, 10].find((m) => m * mag >= raw) ?? 10);
}

/** `whole`: ticks at whole numbers only (a count) */
function axis(values: number[], log: boolean, whole = false): Axis {
  const min = Math.min(...values);
  const max = Math.max(...values);
  if (log) {
    const [lo, hi] = decadeRange(min, max);
    const [a, b] = [Math.log10(lo), Math.log10(hi)];
    const every = Math.max(1, Math.ceil((b - a) / 8));
    const ticks: number[] = [];
    for (let e = a; e <= b + 1e-9; e += every) ticks.push(10 ** e);
    return { at: (v) => (Math.log10(v) - a) / (b - a), ticks };
  }
  const pad = min === max ? Math.max(1, Math.abs(min) * 0.1) : 0;
  const step = whole ? Math.max(1, niceStep(max - min + 2 * pad)) : niceStep(max - min + 2 * pad);
  const lo = Math.floor((min - pad) / step) * step;
  const hi = Math.ceil((max + pad) / step) * step;
  const ticks: number[] = [];
  for (let j = 0; lo + j * step <= hi + step * 1e-9; j++) ticks.push(Number((lo + j * step).toPrecision(12)));
  return { at: (v) => (v - lo) / (hi - lo), ticks };
}

const f2 = (v: number): string => v.toFixed(2);

/** The legend's rows: each item as [x, row], wrapped at the figure's width (text width estimated at 7.5 px a character). */
function legendLayout(names: string[]): { items: [number, number][]; rows: number } {
  const items: [number, number][] = [];
  let x = M.left;
  let row = 0;
  for (const name of names) {
    const w = 34 + 7.5 * name.length + 18;
    if (x + w > W - M.right && x > M.left) { x = M.left; row++; }
    items.push([x, row]);
    x += w;
  }
  return { items, rows: row + 1 };
}

/** The chart as an SVG document, or null when it has no data (the page says "no data" there). */
export function chartSvg(c: Chart): string | null {
  if (c.series.length === 0) return null;
  const xa = axis(c.series.flatMap((s) => s.x), c.xLog);
  const ya = axis(c.series.flatMap((s) => s.y), c.yLog, c.step);
  const pw = W - M.left - M.right;
  const X = (v: number) => M.left + xa.at(v) * pw;
  const Y = (v: number) => M.top + (1 - ya.at(v)) * PLOT_H;
  const legend = legendLayout(c.series.map((s) => s.name));
  const legendTop = M.top + PLOT_H + M.bottom;
  const H = legendTop + legend.rows * LEGEND_ROW + 8;
  const text = (x: number, y: number, s: string, attrs = '') => `<text x="${f2(x)}" y="${f2(y)}"${attrs}>${escapeHtml(s)}</text>`;
  const out: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" font-family="system-ui, sans-serif" font-size="12" fill="#222">`,
    `<rect width="${W}" height="${H}" fill="#fff"/>`,
    text(W / 2, 26, c.title, ' text-anchor="middle" font-size="16" font-weight="bold"'),
  ];
  for (const t of xa.ticks) {
    out.push(`<line x1="${f2(X(t))}" x2="${f2(X(t))}" y1="${M.top}" y2="${M.top + PLOT_H}" stroke="#eee"/>`, text(X(t), M.top + PLOT_H + 18, tickLabel(t), ' text-anchor="middle"'));
  }
  for (const t of ya.ticks) {
    out.push(`<line x1="${M.left}" x2="${W - M.right}" y1="${f2(Y(t))}" y2="${f2(Y(t))}" stroke="#eee"/>`, text(M.left - 8, Y(t) + 4, tickLabel(t), ' text-anchor="end"'));
  }
  out.push(`<rect x="${M.left}" y="${M.top}" width="${pw}" height="${PLOT_H}" fill="none" stroke="#888"/>`,
    text(M.left + pw / 2, M.top + PLOT_H + 44, c.xLabel, ' text-anchor="middle" font-size="13"'),
    text(0, 0, c.yLabel, ` text-anchor="middle" font-size="13" transform="translate(20 ${f2(M.top + PLOT_H / 2)}) rotate(-90)"`));
  c.series.forEach((s, k) => {
    const colour = seriesColour(s, k);
    const dash = s.name === 'tol' ? ' stroke-dasharray="6 4"' : '';
    // steps as the page draws them (uPlot's stepped, align 1): across at the old value, then up or down
    const d = s.x.map((x, i) => (i === 0 ? `M${f2(X(x))} ${f2(Y(s.y[i]))}` : c.step ? `H${f2(X(x))} V${f2(Y(s.y[i]))}` : `L${f2(X(x))} ${f2(Y(s.y[i]))}`)).join(' ');
    out.push(`<path d="${d}" fill="none" stroke="${colour}" stroke-width="2"${dash}/>`);
    if (s.x.length <= 60) for (let i = 0; i < s.x.length; i++) out.push(`<circle cx="${f2(X(s.x[i]))}" cy="${f2(Y(s.y[i]))}" r="2.5" fill="${colour}"/>`);
    const [lx, row] = legend.items[k];
    const ly = legendTop + row * LEGEND_ROW + 12;
    out.push(`<line x1="${f2(lx)}" x2="${f2(lx + 26)}" y1="${f2(ly - 4)}" y2="${f2(ly - 4)}" stroke="${colour}" stroke-width="2"${dash}/>`, text(lx + 34, ly, s.name));
  });
  out.push('</svg>');
  return out.join('\n') + '\n';
}
