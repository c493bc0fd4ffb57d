// The weight spectra of a grok run (spectra.jsonl; Fisher et al. section 7, Figures 3-4): the
// effective rank and the spectral norm of every weight matrix against steps (log x), to be read
// beside the accuracy curves, and for each matrix of a layer its singular values (largest first,
// log y) at up to six of the recorded steps, so a reader sees whether the spectrum collapses when
// test accuracy rises. Embedding tables are left out of the per-matrix charts (they are in the
// rank charts). Runs written before spectra were recorded have none, and the section says so.
import type { Json } from '../runs';
import { ChartList, series, TIME_RAMP } from '../charts';
import { escapeHtml, fields, finite } from '../text';

interface Spectrum { name: string; rows: number | null; cols: number | null; sv: number[]; effectiveRank: number | null; spectralNorm: number | null }
interface Record_ { step: number; matrices: Spectrum[] }

function records(lines: Json[]): Record_[] {
  return lines.map((l) => {
    const f = fields(l);
    const matrices = Array.isArray(f.matrices) ? f.matrices.map((m) => {
      const g = fields(m);
      const shape = Array.isArray(g.shape) ? g.shape : [];
      return {
        name: typeof g.name === 'string' ? g.name : '?', rows: finite(shape[0]), cols: finite(shape[1]),
        sv: Array.isArray(g.singularValues) ? g.singularValues.map((v) => finite(v)).filter((v): v is number => v !== null) : [],
        effectiveRank: finite(g.effectiveRank), spectralNorm: finite(g.spectralNorm),
      };
    }) : [];
    return { step: finite(f.step) ?? NaN, matrices };
  }).filter((r) => Number.isFinite(r.step));
}

/** Up to k of the records, evenly spread over their order (always the first and the last). */
function spread<T>(xs: T[], k: number): T[] {
  if (xs.length <= k) return xs;
  return Array.from({ length: k }, (_, i) => xs[Math.round((i * (xs.length - 1)) / (k - 1))]);
}

const EMBEDDINGS = new Set(['wte', 'wpe']);

export function spectraCharts(lines: Json[], charts: ChartList): string {
  const recs = records(lines);
  if (recs.length === 0) return '<p class="prose">No weight spectra recorded (spectra.jsonl is missing or empty: a run written before convexformer recorded them).</p>';
  const names = [...new Set(recs.flatMap((r) => r.matrices.map((m) => m.name)))];
  const over = (key: 'effectiveRank' | 'spectralNorm', yLog: boolean) => names.map((name) =>
    series(name, recs.map((r): [unknown, unknown] => [r.step, r.matrices.find((m) => m.name === name)?.[key] ?? null]), true, yLog));
  let html = charts.add({ title: 'effective rank vs. steps', xLabel: 'steps', yLabel: 'effective rank', xLog: true, yLog: false,
    caption: 'exp of the entropy of sigma / ||sigma||_1 for each weight matrix (Q, K, V are the blocks of Wqkv; a convex layer Z is one row per penalty group). ' +
      'Steps on a log axis: step 0 is left out.' }, over('effectiveRank', false))
    + charts.add({ title: 'spectral norm vs. steps', xLabel: 'steps', yLabel: 'largest singular value', xLog: true, yLog: true,
      caption: 'The largest singular value of each weight matrix (log scales).' }, over('spectralNorm', true));
  const shown = spread(recs, 6);
  for (const name of names.filter((n) => !EMBEDDINGS.has(n))) {
    const first = recs.find((r) => r.matrices.some((m) => m.name === name))!.matrices.find((m) => m.name === name)!;
    html += charts.add({
      title: `singular values of ${name}`, xLabel: 'index (largest first)', yLabel: 'singular value', xLog: false, yLog: true,
      caption: `${escapeHtml(name)} (${first.rows ?? '?'} x ${first.cols ?? '?'}): its singular values at steps ${shown.map((r) => r.step).join(', ')}, one line each, light to dark with time.`,
    }, shown.map((r, k) => {
      const m = r.matrices.find((q) => q.name === name);
      const line = m ? series(`step ${r.step}`, m.sv.map((v, i): [unknown, unknown] => [i + 1, v]), false, true) : null;
      // light to dark with time, whatever the number of lines
      return line && { ...line, colour: TIME_RAMP[Math.round((k * (TIME_RAMP.length - 1)) / Math.max(1, shown.length - 1))] };
    }));
  }
  return html;
}
