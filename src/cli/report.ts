// convexformer report: run directories -> one self-contained HTML page.
import { Command } from 'commander';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { loadRun } from '../report/load';
import { renderReport, uplotAssets } from '../report/html';
import { InputError } from '../data/errors';
import { guarded } from './common';

export function writeReport(dirs: string[], out: string): void {
  const runs = dirs.map(loadRun);
  const { js, css } = uplotAssets();
  const tmp = `${path.resolve(out)}.tmp-${process.pid}`;
  try {
    fs.writeFileSync(tmp, renderReport(runs, js, css));
  } catch (e) {
    throw new InputError('--out', `cannot write ${out}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
  fs.renameSync(tmp, out);
}

export function reportCommand(): Command {
  return new Command('report')
    .description('write one self-contained HTML page (plots, attention maps, certificate) from run directories')
    .argument('<dirs...>', 'run directories written by compare, fit or demo')
    .option('--out <file>', 'the HTML file to write', 'report.html')
    .action((dirs: string[], o: { out: string }) => guarded(() => {
      writeReport(dirs, o.out);
      console.log(`wrote ${o.out}`);
    }));
}
