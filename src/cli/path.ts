// convexformer path: a warm-started regularization path over beta fractions.
import { Command } from 'commander';
import { loadDataset } from '../data/dataset';
import { geometricGrid, pathToDir, type PathRow } from '../experiments/path';
import { checkTarget } from '../experiments/out-path';
import { doing, reading, wroteLine, fmt, guarded, positive, positiveInt, positiveList, progressPrinter, sizeOf } from './common';
import { addSolveOptions, refuseUnused, toFitConfig, type SolveOpts } from './fit-options';

function rowLine(r: PathRow): string {
  return [
    fmt(r.betaFrac, 4).padStart(9), fmt(r.beta).padStart(12), r.objective.toPrecision(8).padStart(15),
    r.relGap.toExponential(1).padStart(8), String(r.heads).padStart(6), String(r.iterations).padStart(6),
    fmt(r.training.accuracy, 4).padStart(8), fmt(r.training.loss).padStart(11),
    (r.test ? fmt(r.test.accuracy, 4) : '-').padStart(8),
  ].join(' ');
}

export function pathCommand(): Command {
  const cmd = new Command('path').description('solve over a grid of beta fractions, warm-started, largest beta first');
  addSolveOptions(cmd)
    .option('--fracs <list>', 'comma-separated beta fractions, e.g. 1,0.5,0.1 (overrides --points/--min-frac)')
    .option('--points <k>', 'number of fractions, log-spaced from 1 down to --min-frac', positiveInt('--points'), 10)
    .option('--min-frac <f>', 'smallest fraction of beta_max', positive('--min-frac'), 0.01)
    .requiredOption('--out <dir>', 'run directory to create: path.json, path.jsonl, config.json')
    .action((o: SolveOpts & { fracs?: string; points: number; minFrac: number }) => guarded(() => {
      const fracs = o.fracs ? positiveList('--fracs', o.fracs) : geometricGrid(o.points, o.minFrac);
      refuseUnused(cmd, o);
      const cfg = toFitConfig(o);
      checkTarget(o.out, [o.data]); // before reading anything: a dangerous --out is refused first
      doing(reading(o.data));
      const data = loadDataset(o.data, { loss: o.loss, classes: o.classes, float32Data: o.float32Data });
      doing(`solving the convex programs for ${sizeOf(data.train)}`);
      let rows = 0;
      // the header waits for the first row: the path checks every fraction and its beta first,
      // and an error then leaves stdout empty
      const all = pathToDir(data, cfg, fracs, o.out, {
        force: o.force, dataFile: o.data, onProgress: progressPrinter(o.quiet, '  '),
        onRow: (r) => {
          if (rows++ === 0) console.log('beta/bmax         beta       objective  rel.gap  heads  iters train.acc train.loss test.acc');
          console.log(rowLine(r));
        },
      });
      console.log(wroteLine(o.out, 'path'));
      if (all.some((r) => !r.converged)) process.exitCode = 3;
    }));
  return cmd;
}
