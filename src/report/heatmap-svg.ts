// The attention heatmap as an SVG figure for slides: the page's table drawn as one rect per cell,
// with the same colour scale, row names, token numbers, the strongest tokens of each row and the
// scale's legend. Values are printed in the cells while they fit (n <= 16), as on the page.
import { finite, escapeHtml } from './text';
import { scaleNote, type HeatmapData } from './heatmap';

const NAME_W = 90;
const CELL_H = 24;
const TOP = 64;
/** text width estimated at 7 px a character (12 px sans-serif) */
const charW = 7;

const f2 = (v: number): string => v.toFixed(2);

export function heatmapSvg(h: HeatmapData): string {
  const { rows, n, max } = h;
  const { width: cw, every, values } = h.layout;
  const gridRight = NAME_W + n * cw;
  const tops = rows.map(([, v]) => h.strongest(v));
  const note = scaleNote(h, false);
  const title = h.title;
  const W = Math.ceil(Math.max(gridRight + 16 + charW * Math.max(24, ...tops.map((t) => t.length)), NAME_W + 290 + charW * note.length, charW * 1.2 * title.length) + 16);
  const legendY = TOP + rows.length * CELL_H + 20;
  const H = legendY + 36;
  const text = (x: number, y: number, s: string, attrs = '') => `<text x="${f2(x)}" y="${f2(y)}"${attrs}>${escapeHtml(s)}</text>`;
  const out: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" font-family="system-ui, sans-serif" font-size="12" fill="#222">`,
    `<defs><linearGradient id="scale">${h.stops.map((c, i) => `<stop offset="${f2(i / (h.stops.length - 1))}" stop-color="${c}"/>`).join('')}</linearGradient></defs>`,
    `<rect width="${W}" height="${H}" fill="#fff"/>`,
    text(8, 24, title, ' font-size="15" font-weight="bold"'),
    text(8, TOP - 8, h.rowHeader, ' font-weight="bold"'),
    text(gridRight + 16, TOP - 8, 'strongest tokens (weight)', ' font-weight="bold"'),
  ];
  for (let k = 0; k < n; k += every) out.push(text(NAME_W + (k + 0.5) * cw, TOP - 8, String(k), ' text-anchor="middle" font-size="11" fill="#555"'));
  rows.forEach(([name, v], r) => {
    const y = TOP + r * CELL_H;
    out.push(text(8, y + 16, name, ' font-weight="bold"'));
    for (let k = 0; k < n; k++) {
      const x = finite(v[k]);
      const f = x === null ? { background: '#eee', text: '#777' } : h.fill(x);
      out.push(`<rect class="cell" x="${f2(NAME_W + k * cw)}" y="${y}" width="${cw}" height="${CELL_H}" fill="${f.background}" stroke="#fff"><title>${escapeHtml(`${name}, token ${k}: ${x === null ? '-' : x.toPrecision(4)}`)}</title></rect>`);
      if (values) out.push(text(NAME_W + (k + 0.5) * cw, y + 16, x === null ? '-' : x.toFixed(2), ` text-anchor="middle" fill="${f.text}"`));
    }
    out.push(text(gridRight + 16, y + 16, tops[r]));
  });
  out.push(text(NAME_W, legendY + 14, '0', ' text-anchor="end"'),
    `<rect x="${NAME_W + 8}" y="${legendY + 2}" width="200" height="14" fill="url(#scale)" stroke="#ccc"/>`,
    text(NAME_W + 216, legendY + 14, max.toPrecision(2)),
    text(NAME_W + 260, legendY + 14, note, ' fill="#555"'));
  out.push('</svg>');
  return out.join('\n') + '\n';
}
