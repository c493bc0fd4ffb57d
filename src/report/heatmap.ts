// Attention maps as a heatmap: one row per model (teacher first), one column per token, one colour
// scale shared by all rows with its legend. Readable from a handful of tokens to 64 and more:
// values are printed in the cells only while they fit (n <= 16), token numbers every k-th column,
// every cell's exact value in its title (hover), and each row names its strongest tokens.
import { cell, escapeHtml, finite } from './text';

const MAP_ORDER = ['teacher', 'convex', 'simplex', 'softmax'];
/** Blues, light to dark (ColorBrewer). */
const RAMP: [number, number, number][] = [[247, 251, 255], [198, 219, 239], [107, 174, 214], [33, 113, 181], [8, 48, 107]];

function colour(t: number): string {
  const x = Math.max(0, Math.min(1, t)) * (RAMP.length - 1);
  const i = Math.min(RAMP.length - 2, Math.floor(x));
  const f = x - i;
  const c = RAMP[i].map((v, k) => Math.round(v + f * (RAMP[i + 1][k] - v)));
  return `rgb(${c[0]}, ${c[1]}, ${c[2]})`;
}

/** The heatmap's columns: cell width and which token numbers are labelled. */
function layout(n: number): { width: number; every: number; values: boolean } {
  if (n <= 16) return { width: 44, every: 1, values: true };
  return { width: Math.max(8, Math.min(28, Math.floor(800 / n))), every: n <= 32 ? 2 : n <= 64 ? 4 : Math.ceil(n / 16), values: false };
}

/** The strongest tokens of a row, as "1 (0.49), 4 (0.47)": those holding the top of the mass. */
function strongest(values: unknown[]): string {
  const v = values.map((x, k) => [k, finite(x)] as const).filter((p): p is readonly [number, number] => p[1] !== null && p[1] > 0);
  v.sort((a, b) => b[1] - a[1]);
  const total = v.reduce((s, p) => s + p[1], 0);
  // no token stands out: listing some would suggest one does
  if (v.length === values.length && v.length > 2 && v[0][1] < (1.5 * total) / values.length) return `near-uniform (largest ${v[0][1].toFixed(2)})`;
  const top: string[] = [];
  let mass = 0;
  for (const [k, x] of v) {
    if (top.length >= 4 || (top.length > 0 && mass >= 0.8 * total)) break;
    top.push(`${k} (${x.toFixed(2)})`);
    mass += x;
  }
  return top.length ? top.join(', ') : '-';
}

/** What a heatmap is of: its title and the header of its row names (default: models' attention). */
export interface HeatmapLabels {
  title: string;
  rowHeader: string;
}

/** What the page's table and the SVG figure draw: rows in the fixed order, one shared scale. */
export interface HeatmapData extends HeatmapLabels {
  rows: [string, unknown[]][];
  /** tokens: the longest row */
  n: number;
  /** the largest weight (0 when none is positive); colours run from 0 to it */
  max: number;
  /** the colour of a finite weight */
  fill(x: number): { background: string; text: string };
  /** the cell width, which token numbers are labelled, and whether values fit in the cells */
  layout: { width: number; every: number; values: boolean };
  /** the colour ramp's stops, light to dark */
  stops: string[];
  /** the strongest tokens of a row, as text */
  strongest(values: unknown[]): string;
}

export function heatmapData(maps: [string, unknown[]][], labels?: HeatmapLabels): HeatmapData | null {
  if (maps.length === 0) return null;
  const rank = (name: string) => (MAP_ORDER.includes(name) ? MAP_ORDER.indexOf(name) : MAP_ORDER.length);
  const rows = [...maps].sort((a, b) => rank(a[0]) - rank(b[0])); // stable: other names keep their order
  const n = Math.max(...rows.map(([, v]) => v.length));
  const max = Math.max(0, ...rows.flatMap(([, v]) => v.map((x) => finite(x) ?? 0)));
  const scale = max > 0 ? max : 1;
  const fill = (x: number) => {
    const t = Math.max(0, x) / scale;
    return { background: colour(t), text: t > 0.55 ? '#fff' : '#000' };
  };
  return {
    rows, n, max, fill, layout: layout(n), stops: RAMP.map((_, i) => colour(i / (RAMP.length - 1))), strongest,
    title: labels?.title ?? heatmapTitle(n), rowHeader: labels?.rowHeader ?? 'model',
  };
}

/** The title of the heatmap, on the page and on its figure. */
export const heatmapTitle = (n: number): string => `Attention: where each model looks (distribution over ${n} tokens)`;

/** The legend's note: how to read the scale and the columns. */
export const scaleNote = (h: HeatmapData, hover: boolean): string =>
  `one colour scale for all rows (0 to the largest weight); ${hover && !h.layout.values ? 'exact values on hover; ' : ''}token numbers ${h.layout.every > 1 ? `every ${h.layout.every}th column` : 'above each column'}`;

export function heatmap(maps: [string, unknown[]][], caption: string, labels?: HeatmapLabels): string {
  const h = heatmapData(maps, labels);
  if (!h) return '';
  const { rows, n, max } = h;
  const { width, every, values } = h.layout;
  const cols = Array.from({ length: n }, (_, k) => k);
  const head = `<tr><th class="name">${escapeHtml(h.rowHeader)}</th>${cols.map((k) => `<th class="tok">${k % every === 0 ? k : ''}</th>`).join('')}<th class="top">strongest tokens (weight)</th></tr>`;
  const body = rows.map(([name, v]) => {
    const cells = cols.map((k) => {
      const x = finite(v[k]);
      const tip = `${escapeHtml(name)}, token ${k}: ${x === null ? cell(v[k]) : x.toPrecision(4)}`;
      if (x === null) return `<td class="na" title="${tip}">${values ? cell(v[k]) : ''}</td>`;
      const f = h.fill(x);
      return `<td data-v="${x}" title="${tip}" style="background: ${f.background}; color: ${f.text}">${values ? x.toFixed(2) : ''}</td>`;
    }).join('');
    return `<tr><th class="name">${escapeHtml(name)}</th>${cells}<td class="top">${strongest(v)}</td></tr>`;
  }).join('');
  const legend = `<div class="scale"><span>0</span><span class="bar" style="background: linear-gradient(to right, ${h.stops.join(', ')})"></span><span>${max.toPrecision(2)}</span>
<span class="note">${scaleNote(h, true)}</span></div>`;
  return `<h3>${escapeHtml(h.title)}</h3>
<div class="heatwrap"><table class="heatmap${values ? ' values' : ''}" style="--cell: ${width}px">${head}${body}</table></div>
${legend}<p class="caption">${caption}</p>`;
}
