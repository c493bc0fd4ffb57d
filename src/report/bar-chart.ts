// A grouped bar chart as inline SVG on a log y axis (Ergen et al.'s Figure 7): per group (a task
// and depth) one bar per series (a model), the mean over seeds with min-max whiskers. A bar whose
// seeds did not all reach the value within a cap is a lower bound: drawn hatched and outlined up to
// the cap with "> cap" above it when none reached, and with a dashed mark at the cap when some did;
// under every bar, how many seeds it is over. Numbers are drawn, never read from the data as markup.
import { decadeRange, tickLabel } from './charts';
import { escapeHtml } from './text';

export interface Bar {
  /** mean over the seeds that reached it; null when none did */
  value: number | null;
  min: number | null;
  max: number | null;
  /** a lower bound for the seeds that did not reach it within their cap (the cap itself, for steps), or null when all did */
  bound: number | null;
  /** "2 of 2", under the bar */
  note: string;
}

export interface BarSeries {
  name: string;
  colour: string;
}

export interface BarGroup {
  label: string;
  /** one per series, in the series' order; null: no bar (nothing to draw) */
  bars: (Bar | null)[];
}

export interface BarChartSpec {
  /** unique on the page: it names the hatch patterns */
  id: string;
  title: string;
  yLabel: string;
  series: BarSeries[];
  groups: BarGroup[];
}

const W = 720;
const H = 300;
const M = { left: 76, right: 20, top: 40, bottom: 64 };
const f1 = (v: number): string => v.toFixed(1);

/** Whole decades around every positive value drawn (at least one decade). */
function yRange(groups: BarGroup[]): [number, number] {
  const v = groups.flatMap((g) => g.bars.flatMap((b) => (b ? [b.value, b.min, b.max, b.bound] : []))).filter((x): x is number => x !== null && x > 0);
  return v.length ? decadeRange(Math.min(...v), Math.max(...v)) : [1, 10];
}

export function barChartSvg(c: BarChartSpec): string {
  const [lo, hi] = yRange(c.groups);
  const legendH = 24;
  const height = M.top + H + M.bottom + legendH;
  const pw = W - M.left - M.right;
  const Y = (v: number) => M.top + H * (1 - (Math.log10(Math.max(v, lo)) - Math.log10(lo)) / (Math.log10(hi) - Math.log10(lo)));
  const gw = pw / Math.max(1, c.groups.length);
  const bw = (gw * 0.8) / Math.max(1, c.series.length);
  const text = (x: number, y: number, s: string, attrs = '') => `<text x="${f1(x)}" y="${f1(y)}"${attrs}>${escapeHtml(s)}</text>`;
  const out = [`<svg class="bars" xmlns="http://www.w3.org/2000/svg" width="${W}" height="${height}" viewBox="0 0 ${W} ${height}" font-family="system-ui, sans-serif" font-size="11" fill="#222" role="img" aria-label="${escapeHtml(c.title)}">`,
    '<defs>', ...c.series.map((s, k) => `<pattern id="${c.id}-hatch-${k}" patternUnits="userSpaceOnUse" width="6" height="6" patternTransform="rotate(45)"><line x1="0" y1="0" x2="0" y2="6" stroke="${s.colour}" stroke-width="2"/></pattern>`), '</defs>',
    `<rect width="${W}" height="${height}" fill="#fff"/>`, text(W / 2, 22, c.title, ' text-anchor="middle" font-size="15" font-weight="bold"')];
  for (let e = Math.log10(lo); e <= Math.log10(hi) + 1e-9; e++) {
    out.push(`<line x1="${M.left}" x2="${W - M.right}" y1="${f1(Y(10 ** e))}" y2="${f1(Y(10 ** e))}" stroke="#eee"/>`, text(M.left - 6, Y(10 ** e) + 4, tickLabel(10 ** e), ' text-anchor="end"'));
  }
  out.push(`<rect x="${M.left}" y="${M.top}" width="${pw}" height="${H}" fill="none" stroke="#888"/>`,
    text(0, 0, c.yLabel, ` text-anchor="middle" font-size="12" transform="translate(18 ${f1(M.top + H / 2)}) rotate(-90)"`));
  c.groups.forEach((g, gi) => {
    const x0 = M.left + gi * gw + gw * 0.1;
    out.push(text(M.left + (gi + 0.5) * gw, M.top + H + 34, g.label, ' text-anchor="middle" font-size="12" font-weight="bold"'));
    g.bars.forEach((b, k) => {
      if (!b) return;
      const x = x0 + k * bw + 1;
      const w = bw - 2;
      const colour = c.series[k].colour;
      const mid = x + w / 2;
      const bar = (top: number, fill: string, kind: string, extra = '') => `<rect data-bar="${kind}" data-series="${escapeHtml(c.series[k].name)}" x="${f1(x)}" y="${f1(top)}" width="${f1(w)}" height="${f1(Math.max(1, M.top + H - top))}" fill="${fill}" stroke="${colour}" stroke-width="1.5"${extra}/>`;
      if (b.value === null && b.bound !== null) {
        out.push(bar(Y(b.bound), `url(#${c.id}-hatch-${k})`, 'lower-bound', ' fill-opacity="0.6"'), text(mid, Y(b.bound) - 4, `> ${tickLabel(b.bound)}`, ' text-anchor="middle"'));
      } else if (b.value !== null) {
        out.push(bar(Y(b.value), colour, 'mean', ' fill-opacity="0.85"'));
        if (b.min !== null && b.max !== null && b.max > b.min) {
          out.push(`<path d="M${f1(mid)} ${f1(Y(b.min))} V${f1(Y(b.max))} M${f1(mid - 5)} ${f1(Y(b.min))} H${f1(mid + 5)} M${f1(mid - 5)} ${f1(Y(b.max))} H${f1(mid + 5)}" stroke="#222" stroke-width="1.2" fill="none"/>`);
        }
        if (b.bound !== null) out.push(`<line x1="${f1(x)}" x2="${f1(x + w)}" y1="${f1(Y(b.bound))}" y2="${f1(Y(b.bound))}" stroke="${colour}" stroke-width="2" stroke-dasharray="4 3"/>`, text(mid, Y(b.bound) - 4, `> ${tickLabel(b.bound)}`, ' text-anchor="middle"'));
        else out.push(text(mid, Y(b.max ?? b.value) - 4, b.value === 0 ? '0' : tickLabel(Math.round(b.value)), ' text-anchor="middle"'));
      }
      out.push(text(mid, M.top + H + 14, b.note, ' text-anchor="middle" font-size="10"'));
    });
  });
  let lx = M.left;
  for (const [k, s] of c.series.entries()) {
    out.push(`<rect x="${lx}" y="${height - 18}" width="14" height="10" fill="${s.colour}"/>`, text(lx + 18, height - 9, s.name));
    lx += 30 + 7 * s.name.length;
    if (k === c.series.length - 1) out.push(`<rect x="${lx}" y="${height - 18}" width="14" height="10" fill="url(#${c.id}-hatch-0)" stroke="#222"/>`, text(lx + 18, height - 9, '> cap: a lower bound'));
  }
  out.push('</svg>');
  return out.join('\n');
}
