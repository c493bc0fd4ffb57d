// The section of a fit run: the primal objective and the dual bound closing on each other, the
// relative gap closing on tol, the share of groups screened (prox-Newton), the recovered heads as an
// attention map (or, for heads that attend token to token, that map and the token clusters), and the final numbers.
import { groupsName } from '../../experiments/fit';
import { SAMPLE_MAPS } from '../../convex/programs/sample-attention';
import type { TimedRun } from '../runs';
import { ChartList, series } from '../charts';
import { certMark, certStatus, type CertStatus } from '../certificate';
import { cell, escapeHtml, fields, finite, gapText, precision } from '../text';
import { accuracyName, betaText, contextBlock, dataFact, lossFact, NOT_RECORDED, pick, shapeFact, sources, type Fact } from '../context';
import { loadTimed, timedLayout, type Section } from './section';

type FitRun = TimedRun & { kind: 'fit' };

function fitCharts(run: TimedRun, charts: ChartList): string {
  const pts = (k: string) => run.metrics.map((l): [unknown, unknown] => [l.iteration, l[k]]);
  const tol = run.result.tol ?? run.config.tol ?? fields(run.config.config).tol;
  const tolLine = typeof tol === 'number' && tol > 0 ? series('tol', run.metrics.map((l): [unknown, unknown] => [l.iteration, tol]), false, true) : null;
  const axes = { xLabel: 'iterations', xLog: false };
  return charts.add({ ...axes, title: 'primal objective and dual lower bound', yLabel: 'objective', yLog: false,
    caption: 'The optimum lies between the two curves at every iteration; where they meet, it is known.' },
  [series('primal', pts('primal'), false, false), series('dual bound', pts('dual'), false, false)])
    + charts.add({ ...axes, title: 'relative duality gap', yLabel: 'relative gap', yLog: true,
      caption: `(primal - dual) / |primal| (log scale); the solve is certified once it is below tol = ${cell(tol)}.` },
    [series('rel. gap', pts('relGap'), false, true), tolLine])
    // the prox-Newton solver records the share of groups Gap Safe screening has proven zero
    + (run.metrics.some((l) => typeof l.screened === 'number')
      ? charts.add({ ...axes, title: 'groups screened', yLabel: 'share of groups', yLog: false,
        caption: 'The share of penalty groups Gap Safe screening has proven zero at the optimum (never to return); it grows as the gap closes.' },
      [series('screened', pts('screened'), false, false)])
      : '');
}

/** The convex map: the heads' norms summed per token (what recovery attends to), normalised to 1. */
function convexMap(run: TimedRun): [string, unknown[]][] {
  const n = run.result.n;
  const heads = run.result.headList;
  if (typeof n !== 'number' || !Number.isInteger(n) || n < 1 || n > 100000 || !Array.isArray(heads)) return [];
  // heads that read no single token (linear-mhsa's singular vectors) give no map
  if (heads.length > 0 && !heads.some((h) => typeof fields(h).token === 'number')) return [];
  const m = new Array<number>(n).fill(0);
  let total = 0;
  for (const h of heads.map(fields)) {
    const k = h.token;
    const w = finite(h.norm);
    if (typeof k !== 'number' || !Number.isInteger(k) || k < 0 || k >= n || w === null) continue;
    m[k] += w;
    total += w;
  }
  return [['convex', total > 0 ? m.map((v) => v / total) : m]];
}

/** An n x n map of result.json (rows of finite numbers, n = result.n), or null. */
function tokenMap(A: unknown, n: unknown): number[][] | null {
  if (!Array.isArray(A) || typeof n !== 'number' || A.length !== n || n > 512) return null;
  const rows = A.map((r) => (Array.isArray(r) && r.length === n ? r.map(finite) : null));
  return rows.every((r): r is number[] => r !== null && r.every((x) => x !== null)) ? rows as number[][] : null;
}

/** result.json's tokenAttention, or null. */
const tokenAttention = (run: TimedRun): number[][] | null => tokenMap(run.result.tokenAttention, run.result.n);

/** result.json's sampleAttention: the maps of single training samples (linear-mhsa, gated-mhsa) that are well formed, at most as many as fit writes. */
function sampleAttention(run: TimedRun): { sample: number; A: number[][] }[] {
  const maps = run.result.sampleAttention;
  if (!Array.isArray(maps)) return [];
  // a file written by hand with thousands of maps would make a page too long to hold
  return maps.slice(0, SAMPLE_MAPS).map(fields).flatMap((m) => {
    const A = tokenMap(m.map, run.result.n);
    return A && typeof m.sample === 'number' && Number.isInteger(m.sample) && m.sample >= 0 ? [{ sample: m.sample, A }] : [];
  });
}

/**
 * The clustering of tokens the heads induce (Sahiner et al.'s reading of convex attention): tokens
 * grouped by the token their output reads most, e.g. "0, 1, 2 read 0; 3 reads 3".
 */
export function tokenClusters(A: number[][]): string {
  const groups = new Map<number, number[]>();
  A.forEach((row, r) => {
    const k = row.reduce((best, x, j) => (x > row[best] ? j : best), 0);
    // a row of zeros: no head reads anything for this token (gated heads masked there)
    const key = row[k] > 0 ? k : -1;
    groups.set(key, [...(groups.get(key) ?? []), r]);
  });
  return [...groups.entries()].sort((a, b) => (a[0] < 0 ? Infinity : a[0]) - (b[0] < 0 ? Infinity : b[0]))
    .map(([k, rs]) => `${rs.join(', ')} read${rs.length === 1 ? 's' : ''} ${k < 0 ? 'nothing' : k}`).join('; ');
}

/** The heads' norms (for a nuclear norm: Z's singular values) largest first, one series per gate or band where heads have one. */
function headCharts(run: TimedRun, charts: ChartList): string {
  const heads = Array.isArray(run.result.headList) ? run.result.headList.map(fields) : [];
  if (groupsName(run.result.penalty) !== 'singular values') return '';
  const byGate = new Map<string, number[]>();
  let drawn = 0;
  for (const h of heads) {
    const w = finite(h.norm), key = typeof h.gate === 'number' ? `gate ${h.gate}` : typeof h.band === 'number' ? `band ${h.band}` : 'heads';
    if (w === null || !(w > 0)) continue;
    if (!byGate.has(key)) byGate.set(key, []);
    byGate.get(key)!.push(w);
    drawn++;
  }
  if (drawn < 2) return '';
  const lines = [...byGate.entries()].sort((a, b) => a[0].localeCompare(b[0], 'en', { numeric: true }))
    .map(([name, ws]) => series(name, ws.sort((a, b) => b - a).map((w, k): [unknown, unknown] => [k + 1, w]), false, true));
  return charts.add({ title: 'recovered heads by norm', xLabel: 'head (largest first)', yLabel: 'norm', xLog: false, yLog: true,
    caption: 'Each recovered head\'s norm, largest first (log scale): a singular value of Z (gated programs: of its gate\'s block; ' +
      'block FNO: of its band\'s part). A fast fall is the low rank the nuclear norm promotes.' }, lines);
}

/** Where each token of a few training samples reads, for heads whose scores depend on the sample (linear-mhsa, gated-mhsa). */
function sampleMaps(run: TimedRun, charts: ChartList): string {
  const gated = run.result.model === 'gated-mhsa';
  return sampleAttention(run).map(({ sample, A }) => charts.heatmap(A.map((r, k): [string, unknown[]] => [`token ${k}`, r]),
    `Row r: the share of token r's output in training sample ${sample} that each token b contributes: ||sum_j S_j[r, b] x_b W2j|| over b, ` +
    `normalised to sum 1, with S_j = X_i W1j X_i^T head j's scores${gated ? ' (masked by its gate\'s pattern on this sample)' : ''}; summed ` +
    'over b they are token r\'s output (with outputs averaged over the tokens, the prediction is the mean of these; a row of zeros: nothing ' +
    'contributes to token r). Tokens whose latent features score high against each other ' +
    `read each other. ${clustersSentence(A)}`,
  { title: `Token attention in training sample ${sample} (${A.length} x ${A.length})`, rowHeader: 'token' })).join('');
}

/** The caption's last sentence under every token map: its groups. */
const clustersSentence = (A: number[][]): string => `Tokens grouped by the token they read most (the first on ties): ${escapeHtml(tokenClusters(A))}.`;

/** The token-to-token attention of the recovered heads, as a heatmap with its clusters, or the per-token map. */
function fitMaps(run: TimedRun, charts: ChartList): string {
  return headCharts(run, charts) + (run.result.sampleAttention !== undefined ? sampleMaps(run, charts) : fixedMaps(run, charts));
}

/** Heads with fixed token weights: their map with its clusters, or (the group lasso) the heads' norms per token. */
function fixedMaps(run: TimedRun, charts: ChartList): string {
  const A = tokenAttention(run);
  // heads that attend token to token but none recovered (beta >= beta_max): no per-token map either
  if (!A && run.result.penalty === 'simplex-gauge') return '';
  if (!A) return charts.heatmap(convexMap(run), 'convex: the recovered heads\' norms summed per token and normalised to 1.');
  const rows: [string, unknown[]][] = A.map((r, k) => [`token ${k}`, r]);
  return charts.heatmap(rows, 'Row r: where token r\'s output reads: each recovered head\'s token weights (attention rows, or token mixing in ' +
    'absolute value) normalised per row, averaged with their norms as weights over the heads that read anything for that token (each row sums to 1; ' +
    'a row of zeros: no head reads there). ' +
    clustersSentence(A),
  { title: `Token attention of the recovered heads (${A.length} x ${A.length})`, rowHeader: 'token' });
}

export function fitStatus(run: TimedRun): CertStatus {
  const r = run.result;
  return certStatus({ converged: r.converged, relGap: r.relGap, tol: r.tol ?? run.config.tol ?? fields(run.config.config).tol }, 'not');
}

function fitContext(run: TimedRun, status: CertStatus): string {
  const r = run.result;
  const src = sources(r, run.config);
  const loss = pick(src, 'loss');
  const split = (s: unknown): string => {
    const f = fields(s);
    return `loss ${cell(f.loss, precision(6))}, ${accuracyName(loss)} ${cell(f.accuracy, precision(4))}`;
  };
  const facts: Fact[] = [
    dataFact(run.config), shapeFact(src), lossFact(src),
    { label: 'beta', html: betaText(r.beta, r.betaMax, r.betaFrac) },
    { label: 'heads', html: `convex ${cell(r.heads)}${r.totalGroups !== undefined ? ` of ${cell(r.totalGroups)} ${groupsName(r.penalty)}` : ''}` },
    { label: 'training', html: split(r.training) },
    { label: 'test', html: r.test === undefined || r.test === null ? NOT_RECORDED : split(r.test) },
    { label: 'certificate', html: `objective ${cell(r.objective, precision(10))} &ge; optimum &ge; lower bound ${cell(r.lowerBound, precision(10))}: ${certMark(status)}.` },
    { label: 'KKT', html: kktText(r.kkt) },
  ];
  return contextBlock(facts);
}

function fitNumbers(run: TimedRun, status: CertStatus): string {
  const r = run.result;
  const b = fields(r.blas);
  return `<table><tr><th>model</th><th>objective</th><th>lower bound</th><th>rel. gap</th><th>certificate</th><th>heads</th><th>iterations</th><th>seconds</th><th>training loss</th><th>test loss</th></tr>
<tr><td>${cell(r.model)} / ${cell(r.loss)}</td><td>${cell(r.objective, precision(10))}</td><td>${cell(r.lowerBound, precision(10))}</td><td>${gapText(r.relGap)}</td><td>${certMark(status)}</td><td>${cell(r.heads)}</td><td>${cell(r.iterations)}</td><td>${cell(r.seconds, precision(3))}</td><td>${cell(fields(r.training).loss, precision(6))}</td><td>${cell(fields(r.test).loss, precision(6))}</td></tr></table>
<p class="prose">Solver ${cell(r.solver)} (${cell(r.precision)}), BLAS ${cell(b.backend)}${b.core !== undefined ? ` ${cell(b.core)}` : ''}, ${cell(b.threads)} threads${b.reason !== undefined ? ` (${cell(b.reason)})` : ''}.</p>`;
}

export const fitSection: Section<FitRun> = {
  load: (i) => loadTimed('fit', i),
  render(run, charts) {
    const status = fitStatus(run);
    return timedLayout(run, {
      context: fitContext(run, status),
      plots: fitCharts(run, charts),
      maps: fitMaps(run, charts),
      numbers: fitNumbers(run, status),
    });
  },
};

/** The KKT residuals relative to beta (docs/kkt.md); runs written before they existed have none. */
function kktText(kkt: unknown): string {
  if (kkt === undefined || kkt === null) return NOT_RECORDED;
  const k = fields(kkt);
  return `dual feasibility ${cell(k.dualFeasibility, precision(8))} (&le; 1), stationarity ${cell(k.stationarity, precision(3))} (0), ` +
    `zero-group slack ${k.zeroGroupSlack === null ? 'none (no zero groups)' : cell(k.zeroGroupSlack, precision(4))} (&ge; 0), relative to beta`;
}
