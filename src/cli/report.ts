// convexformer report: run directories -> one self-contained HTML page.
import { Command } from 'commander';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { loadRuns, statOrNull, type Warn } from '../report/load';
import { buildReport, uplotAssets } from '../report/html';
import { chartPngs, checkChromium } from '../report/png';
import { chartSvg } from '../report/svg';
import { heatmapSvg } from '../report/heatmap-svg';
import { createdDir, makeDirs } from '../experiments/out-path';
import { RUN_KINDS, runKinds } from '../experiments/kinds';
import { printable } from '../report/text';
import { InputError } from '../data/errors';
import { escapeControl, guarded } from './common';

const stderrWarn: Warn = (m) => process.stderr.write(`convexformer: warning: ${m}\n`);

/**
 * The file --out names: itself, or report.html inside it when it is a directory. Checked before
 * any run is read, so a typo in --out fails at once.
 */
export function reportTarget(out: string): string {
  const st = statOrNull(out, '--out');
  if (!st && /[/\\]$/.test(out)) throw new InputError('--out', `${printable(out)}: no such directory`);
  const target = st?.isDirectory() ? path.join(out, 'report.html') : out;
  if (statOrNull(target, '--out')?.isDirectory()) throw new InputError('--out', `${printable(target)} is a directory; expected a file to write`);
  const parent = path.dirname(path.resolve(target));
  const pst = statOrNull(parent, '--out') ?? createdDir(parent, '--out');
  if (!pst.isDirectory()) throw new InputError('--out', `${printable(out)}: ${printable(parent)} is not a directory`);
  try {
    fs.accessSync(parent, fs.constants.W_OK | fs.constants.X_OK);
  } catch (e) {
    throw new InputError('--out', `${printable(out)}: directory ${printable(parent)} is not writable (${(e as NodeJS.ErrnoException).code})`);
  }
  return target;
}

/** Writes beside the target and renames, so a failed report never leaves half a page. */
function writeAtomic(target: string, text: string | Buffer): void {
  const tmp = `${path.resolve(target)}.tmp-${process.pid}`;
  try {
    fs.writeFileSync(tmp, text);
    fs.renameSync(tmp, target);
  } catch (e) {
    fs.rmSync(tmp, { force: true });
    throw new InputError('--out', `cannot write ${printable(target)}: ${(e as NodeJS.ErrnoException).code ?? printable((e as Error).message)}`);
  }
}

/** Where --png or --svg writes: a directory, created when missing. Checked before any run is read. */
function figureDir(dir: string | undefined, field: string): string | undefined {
  if (dir === undefined) return undefined;
  if (dir.trim() === '') throw new InputError(field, 'is empty; expected a directory for the figures');
  const st = statOrNull(dir, field);
  if (st && !st.isDirectory()) throw new InputError(field, `${printable(dir)} is a file; expected a directory for the figures`);
  return dir;
}

export interface FigureOptions {
  /** directory for one PNG per chart and heatmap */
  png?: string;
  /** directory for one SVG per chart and heatmap */
  svg?: string;
}

export interface Written {
  report: string;
  /** figure files written, and charts without data (no figure) */
  figures: string[];
  empty: number;
}

/** Writes the page and, when asked, the figures of its charts. */
export function writeReportFiles(dirs: string[], out: string, fig: FigureOptions = {}, warn: Warn = stderrWarn): Written {
  const target = reportTarget(out);
  const pngDir = figureDir(fig.png, '--png');
  const svgDir = figureDir(fig.svg, '--svg');
  const chromium = pngDir !== undefined ? checkChromium('--png') : undefined;
  const runs = dirs.flatMap((d) => loadRuns(d, warn));
  const { js, css } = uplotAssets();
  const { html, charts, heatmaps } = buildReport(runs, js, css);
  // every figure is made before anything is written, so a failure leaves nothing behind
  const files: [string, string | Buffer][] = [];
  // the heatmaps are drawn as SVG; their PNGs are those SVGs rendered by Chromium
  const mapSvgs = heatmaps.map((h): [string, string] => [h.file, heatmapSvg(h)]);
  const pngs = chromium ? chartPngs(html, chromium, mapSvgs) : undefined;
  // the charts, then the heatmaps (whose PNG is looked up by their file name)
  const figures = [
    ...charts.map((c) => ({ id: c.id, file: c.file, svg: () => chartSvg(c) })),
    ...mapSvgs.map(([file, svg]) => ({ id: file, file, svg: () => svg })),
  ];
  for (const f of figures) {
    const png = pngs?.get(f.id);
    if (pngDir !== undefined && png) files.push([path.join(pngDir, `${f.file}.png`), png]);
    const svg = svgDir !== undefined ? f.svg() : null;
    if (svgDir !== undefined && svg) files.push([path.join(svgDir, `${f.file}.svg`), svg]);
  }
  writeAtomic(target, html);
  for (const dir of [pngDir, svgDir]) {
    if (dir === undefined) continue;
    try {
      makeDirs(dir);
    } catch (e) {
      throw new InputError(dir === pngDir ? '--png' : '--svg', `cannot create ${printable(dir)}: ${(e as NodeJS.ErrnoException).code ?? printable((e as Error).message)}`);
    }
  }
  for (const [file, data] of files) writeAtomic(file, data);
  return { report: target, figures: files.map(([f]) => f), empty: charts.filter((c) => c.series.length === 0).length };
}

/** Returns the file written. */
export function writeReport(dirs: string[], out: string, warn: Warn = stderrWarn): string {
  return writeReportFiles(dirs, out, {}, warn).report;
}

export function reportCommand(): Command {
  return new Command('report')
    .description('write one self-contained HTML page (plots, attention maps, certificate) from run directories')
    .argument('<dirs...>', `run directories, read by the kind their config.json names: ${runKinds().map((k) => `${k} (${RUN_KINDS[k].what})`).join(', ')}`)
    .option('--out <file>', 'the HTML file to write (a directory: report.html in it)', 'report.html')
    .option('--png <dir>', 'also write each chart and attention heatmap as a PNG for slides (needs Chromium), named for what it shows')
    .option('--svg <dir>', 'also write each chart and attention heatmap as an SVG (vector) for slides, named for what it shows')
    .action((dirs: string[], o: { out: string; png?: string; svg?: string }) => guarded(() => {
      const w = writeReportFiles(dirs, o.out, { png: o.png, svg: o.svg });
      console.log(`wrote ${escapeControl(w.report)}`);
      if (o.png !== undefined || o.svg !== undefined) {
        console.log(`wrote ${w.figures.length} figures${w.empty ? ` (${w.empty} charts without data have none)` : ''}:`);
        for (const f of w.figures) console.log(`  ${escapeControl(f)}`);
      }
    }));
}
