// The section of a vision run: what was classified, the table (accuracy, seconds, certificate of
// every model), the convex heads' regularisation path (test accuracy against heads), and the
// heads as images: per class, the weight each pixel carries in the class's score, assembled from
// the heads (one per patch), and how strongly each patch is read.
import { CONVEX_MODELS } from '../../experiments/vision';
import type { TimedRun } from '../runs';
import { ChartList, series } from '../charts';
import { certMark, certStatus } from '../certificate';
import { cell, escapeHtml, fields, finite, gapText, items, precision } from '../text';
import { betaText, contextBlock, NOT_RECORDED, type Fact } from '../context';
import { configLine } from '../config-line';
import { loadTimed, sectionTitle, type Section } from './section';

type VisionRun = TimedRun & { kind: 'vision' };

const pct = (v: unknown): string => cell(v, (x) => `${(100 * x).toFixed(1)}%`);

function table(run: VisionRun): string {
  const r = run.result;
  const rows = items(r.rows).map(fields);
  const head = '<tr><th>model</th><th>train acc.</th><th>test acc.</th><th>seconds</th><th>certificate</th><th>beta</th><th>heads</th><th>Adam steps, lr</th><th>what it is</th></tr>';
  const body = rows.map((row) => {
    const convex = (CONVEX_MODELS as readonly unknown[]).includes(row.model);
    const cert = convex ? certMark(certStatus({ converged: row.converged, relGap: row.relGap, tol: row.tol }, 'not')) : '- (non-convex: no bound)';
    const heads = convex ? `${cell(row.heads)} of ${cell(row.totalGroups)}` : '-';
    const beta = convex ? betaText(row.beta, row.betaMax) : r.baselineBeta === 0 ? 'no penalty' : cell(r.baselineBeta, precision(6));
    const adam = convex ? `- (${cell(row.solver)}, ${cell(row.iterations)} iterations)` : `${cell(row.steps)}, ${cell(row.lr)}`;
    return `<tr><td>${cell(row.model)}</td><td>${pct(row.trainAccuracy)}</td><td>${pct(row.testAccuracy)}</td><td>${cell(row.seconds, precision(3))}</td><td>${cert}</td><td>${beta}</td><td>${heads}</td><td>${adam}</td><td>${cell(row.description)}</td></tr>`;
  }).join('');
  return `<table>${head}${body}</table>`;
}

function pathPart(run: VisionRun, charts: ChartList): string {
  const rows = items(run.result.path).map(fields);
  if (rows.length === 0) return '';
  const by = (x: string, y: string) => rows.map((p): [unknown, unknown] => [p[x], p[y]]);
  const plots = charts.add({ title: 'accuracy against heads', xLabel: 'heads (nonzero token groups)', yLabel: 'accuracy', xLog: false, yLog: false,
    caption: 'The convex heads along the regularisation path: each point is one beta (its certificate is in the table below), each solve started from the solution at the larger beta before it.' },
  [series('test', by('heads', 'testAccuracy'), false, false), series('train', by('heads', 'trainAccuracy'), false, false)])
    + charts.add({ title: 'heads along the path', xLabel: 'beta / beta_max', yLabel: 'heads', xLog: true, yLog: false, step: true }, [series('heads', by('betaFrac', 'heads'), true, false)]);
  const statuses = rows.map((p) => certStatus({ converged: p.converged, relGap: p.relGap, tol: fields(run.config.config).tol }, 'not'));
  const body = rows.map((p, i) => `<tr><td>${cell(p.betaFrac, precision(3))}</td><td>${cell(p.heads)}</td><td>${pct(p.trainAccuracy)}</td><td>${pct(p.testAccuracy)}</td><td>${gapText(p.relGap)}</td><td>${certMark(statuses[i])}</td><td>${cell(p.seconds, precision(3))}</td><td>${cell(p.solver)}</td></tr>`).join('');
  return `<h3>Regularisation path of the convex heads</h3><div class="charts">${plots}</div>
<table><tr><th>beta / beta_max</th><th>heads</th><th>train acc.</th><th>test acc.</th><th>rel. gap</th><th>certificate</th><th>seconds</th><th>solver</th></tr>${body}</table>`;
}

/** A diverging colour for v in [-1, 1]: blue (negative), white (0), red (positive). */
function diverging(v: number): string {
  const t = Math.max(-1, Math.min(1, v));
  const mix = (a: number) => Math.round(255 - (255 - a) * Math.abs(t));
  return t >= 0 ? `rgb(${mix(178)},${mix(24)},${mix(43)})` : `rgb(${mix(33)},${mix(102)},${mix(172)})`;
}

/** One image (rows x cols values) as an SVG of `px` pixels a cell, coloured against ±scale. */
function imageSvg(values: unknown[], rows: number, cols: number, px: number, scale: number, title: string): string {
  const cells: string[] = [];
  for (let i = 0; i < rows; i++) {
    for (let j = 0; j < cols; j++) {
      const v = finite(values[i * cols + j]);
      if (v === null || v === 0) continue;
      cells.push(`<rect x="${j * px}" y="${i * px}" width="${px}" height="${px}" fill="${diverging(scale > 0 ? v / scale : 0)}"/>`);
    }
  }
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${cols * px}" height="${rows * px}" viewBox="0 0 ${cols * px} ${rows * px}" role="img"><title>${escapeHtml(title)}</title><rect width="100%" height="100%" fill="#fff" stroke="#ccc"/>${cells.join('')}</svg>`;
}

function headsPart(run: VisionRun): string {
  const h = fields(run.result.heads);
  const rows = finite(h.rows), cols = finite(h.cols), p = finite(h.patch);
  const templates = items(h.templates).map(items), norms = items(h.patchNorms).map(items);
  if (rows === null || cols === null || p === null || templates.length === 0) return '';
  // a few pixels carry most of the weight: the scale is the 99th percentile of the nonzero |weights|
  // (larger ones at full colour), so the rest of a template stays visible
  const magnitudes = (vs: unknown[][]) => vs.flat().map((v) => Math.abs(finite(v) ?? 0)).filter((v) => v > 0).sort((a, b) => a - b);
  const quantile = (v: number[], q: number) => (v.length ? v[Math.min(v.length - 1, Math.floor(q * v.length))] : 0);
  const tScale = quantile(magnitudes(templates), 0.99), nScale = quantile(magnitudes(norms), 1);
  const names = items(fields(run.result.data).classNames);
  const figures = templates.map((t, l) => {
    const heads = items(norms[l]).filter((v) => (finite(v) ?? 0) > 0).length;
    const name = typeof names[l] === 'string' ? `class ${l} (${names[l] as string})` : `class ${l}`;
    return `<figure class="head-image">${imageSvg(t, rows, cols, 5, tScale, `${name}: pixel weights`)}${imageSvg(items(norms[l]), rows / p, cols / p, 5 * p, nScale, `${name}: head norm per patch`)}<figcaption>${escapeHtml(name)}: ${heads} head${heads === 1 ? '' : 's'}</figcaption></figure>`;
  }).join('');
  const convex = items(run.result.rows).map(fields).find((row) => row.model === 'convex') ?? {};
  const status = certStatus({ converged: convex.converged, relGap: convex.relGap, tol: convex.tol }, 'not');
  const warning = status.state === 'certified' ? '' : `<p>${certMark({ ...status, text: `These heads come from a solve that is ${status.text}: they are not the proven optimum.` })}</p>`;
  return `<h3>The convex heads as images</h3>${warning}
<p>Each head reads one patch and adds its value vector's product with the patch to one class's score. Top of each pair: the weight of every pixel (intensity in [0, 1]) in the class's score, the heads' value vectors mapped back through the standardisation${run.result.data && fields(run.result.data).project !== 'none' ? ' and the projection' : ''} and placed at their patches; red raises the score, blue lowers it, white: no head reads there. Bottom: the norm of the head on each patch (red, darker = stronger). One colour scale across classes: full colour at a pixel weight of ${cell(tScale, precision(3))} (the 99th percentile of the nonzero weights; larger ones saturate) and at the largest head norm, ${cell(nScale, precision(3))}.</p>
<div class="head-images">${figures}</div>`;
}

/** The IDX files and their sha256 (config.json records them as the data's generator). */
function dataFact(run: VisionRun): Fact {
  const o = fields(fields(run.config.generator).options);
  const files = items(o.files), hashes = items(o.sha256);
  if (files.length === 0) return { label: 'data', html: NOT_RECORDED };
  return {
    label: 'data',
    html: files.map((f, i) => `<code>${cell(f)}</code>${typeof hashes[i] === 'string' ? ` (sha256 <code title="${cell(hashes[i])}">${cell((hashes[i] as string).slice(0, 12))}&hellip;</code>)` : ''}`).join(', '),
  };
}

function context(run: VisionRun): string {
  const r = run.result;
  const d = fields(r.data);
  const shape = d.N === undefined ? NOT_RECORDED
    : `${cell(d.N)} training and ${cell(d.Ntest)} test images of ${cell(d.rows)} x ${cell(d.cols)} pixels, as ${cell(d.n)} tokens (${cell(d.patch)} x ${cell(d.patch)} patches) of ${cell(d.d)} features${d.project === 'none' ? '' : ` (${cell(d.project)} projection${typeof d.varianceKept === 'number' ? `, ${pct(d.varianceKept)} of the variance kept` : ''})`}, ${cell(d.classes)} classes`;
  const baselines = r.baselineSeconds === null || r.baselineSeconds === undefined ? 'none ran'
    : `Adam on minibatches for ${cell(r.baselineSeconds, precision(3))} s each (half on a learning-rate search scored on a validation split, half training on all the training data), ${r.baselineBeta === 0 ? 'no penalty (the budget and the learning rate chosen on validation data are their regularisers)' : `penalty beta/2 ||W||^2 with beta = ${cell(r.baselineBeta, precision(6))}`}`;
  return contextBlock([
    dataFact(run),
    { label: 'images', html: shape },
    { label: 'loss', html: 'cross-entropy, summed over the training images' },
    { label: 'beta', html: `each convex row at ${cell(fields(run.config.config).betaFrac)} &times; its own beta_max (the table's beta column)` },
    { label: 'baselines', html: baselines },
  ]);
}

function renderVision(run: VisionRun, charts: ChartList): string {
  const warnings = items(run.result.warnings).map((w) => `<li>${cell(w)}</li>`).join('');
  return `${sectionTitle(run)}
${context(run)}
<h3>Models</h3>${table(run)}
${warnings ? `<ul class="warnings">${warnings}</ul>` : ''}
${pathPart(run, charts)}
${headsPart(run)}
${configLine(run.config)}`;
}

export const visionSection: Section<VisionRun> = {
  load: (i) => loadTimed('vision', i),
  render: renderVision,
};
