// convexformer report: run directories -> one self-contained HTML page.
import { Command } from 'commander';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { loadRuns, statOrNull, type Warn } from '../report/load';
import { renderReport, uplotAssets } from '../report/html';
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
  const pst = statOrNull(parent, '--out');
  if (!pst) throw new InputError('--out', `${printable(out)}: directory ${printable(parent)} does not exist`);
  if (!pst.isDirectory()) throw new InputError('--out', `${printable(out)}: ${printable(parent)} is not a directory`);
  try {
    fs.accessSync(parent, fs.constants.W_OK | fs.constants.X_OK);
  } catch (e) {
    throw new InputError('--out', `${printable(out)}: directory ${printable(parent)} is not writable (${(e as NodeJS.ErrnoException).code})`);
  }
  return target;
}

/** Writes beside the target and renames, so a failed report never leaves half a page. */
function writeAtomic(target: string, text: string): void {
  const tmp = `${path.resolve(target)}.tmp-${process.pid}`;
  try {
    fs.writeFileSync(tmp, text);
    fs.renameSync(tmp, target);
  } catch (e) {
    fs.rmSync(tmp, { force: true });
    throw new InputError('--out', `cannot write ${printable(target)}: ${(e as NodeJS.ErrnoException).code ?? printable((e as Error).message)}`);
  }
}

/** Returns the file written. */
export function writeReport(dirs: string[], out: string, warn: Warn = stderrWarn): string {
  const target = reportTarget(out);
  const runs = dirs.flatMap((d) => loadRuns(d, warn));
  const { js, css } = uplotAssets();
  writeAtomic(target, renderReport(runs, js, css));
  return target;
}

export function reportCommand(): Command {
  return new Command('report')
    .description('write one self-contained HTML page (plots, attention maps, certificate) from run directories')
    .argument('<dirs...>', 'run directories written by fit, path, compare or demo')
    .option('--out <file>', 'the HTML file to write (a directory: report.html in it)', 'report.html')
    .action((dirs: string[], o: { out: string }) => guarded(() => {
      console.log(`wrote ${escapeControl(writeReport(dirs, o.out))}`);
    }));
}
