// convexformer demo: student-teacher data whose teacher attends to two planted tokens. Solves
// the convex program to a certificate and shows the recovered heads; trains softmax and simplex
// attention beside it (compare); writes the HTML report.
import { Command } from 'commander';
import * as path from 'node:path';
import { RunDir } from '../experiments/run-dir';
import { generatedRecord } from '../experiments/run-record';
import { teacherDataset } from '../data/teacher';
import { escapeControl, guarded, nonNegativeInt, positive, positiveInt, progressPrinter } from './common';
import { fitToDir } from '../experiments/fit';
import { printFit } from './fit';
import { compareToDir, printCompare } from './compare';
import { writeReport } from './report';

export function demoCommand(): Command {
  return new Command('demo')
    .description('student-teacher demo: certified convex solve, recovered heads, comparison with non-convex training, HTML report')
    .option('--out <dir>', 'directory for the runs and report.html', 'runs/demo')
    .option('--seed <s>', 'seed for the data and the initialisations', nonNegativeInt('--seed'), 1)
    .option('--beta-frac <F>', 'beta as a fraction of beta_max', positive('--beta-frac'), 0.2)
    .option('--time-budget <s>', 'total seconds of the comparison (split as in compare --time-budget)', positive('--time-budget'), 15)
    .option('--steps <K>', 'instead of a time budget: Adam steps per non-convex model (reproducible, as compare --steps)', positiveInt('--steps'))
    .option('--quiet', 'no progress on stderr', false)
    .option('--force', 'replace --out if it is an earlier demo (never anything else)', false)
    .action((o: { out: string; seed: number; betaFrac: number; timeBudget: number; steps?: number; quiet: boolean; force: boolean }) => guarded(() => {
      const planted = [1, 5];
      const teacher = { N: 2000, testN: 500, n: 8, d: 16, c: 3, tokens: planted, focus: 4, gamma: 0.5, noise: 0.05, seed: o.seed };
      const t = teacherDataset(teacher);
      console.log(`demo: 2000 sequences of n=8 tokens, d=16, c=3 outputs; the teacher attends to tokens ${planted.join(' and ')}`);
      console.log(`teacher's attention: ${Array.from(t.map).map((v) => v.toFixed(2)).join(' ')}`);
      // One run directory holding both runs, written whole under a temporary name like any other:
      // an existing --out is replaced only with --force, and only if it is an earlier demo.
      const dir = new RunDir(o.out, { kind: 'demo', force: o.force });
      // the data is generated, so its record is the generator and its options (no file, no hash)
      const { out: _out, quiet: _quiet, force: _force, ...cfg } = o;
      dir.writeConfig(generatedRecord('demo', cfg, { name: 'teacherDataset', options: teacher }));
      const fitDir = path.join(dir.tmp, 'fit');
      const { result } = fitToDir(t.data, {
        model: 'attention', loss: 'squared', betaFrac: o.betaFrac, seed: o.seed, tol: 1e-8, maxIter: 20000,
        solver: 'fista', float32: false,
      }, fitDir, { force: false, onProgress: progressPrinter(o.quiet) });
      console.log('\n1. convex program (eq. 10), certified:');
      printFit(result);
      console.log('recovered heads (W1 = e_token, W2 = z/sqrt|z|, W3 = e_output sqrt|z|):');
      console.log('  head  token  output   ||z||');
      result.headList.forEach((h, i) => console.log(`  ${String(i).padStart(4)}  ${String(h.token).padStart(5)}  ${String(h.output).padStart(6)}   ${h.norm.toFixed(4)}`));
      const weight = new Map<number, number>();
      for (const h of result.headList) weight.set(h.token, (weight.get(h.token) ?? 0) + h.norm);
      const top = [...weight.entries()].sort((a, b) => b[1] - a[1]).slice(0, planted.length).map(([k]) => k).sort((a, b) => a - b);
      console.log(`strongest tokens: ${top.join(', ')}; the teacher's: ${planted.join(', ')}`);

      console.log(`\n2. the same data, non-convex models trained with Adam, ${o.steps ? `${o.steps} steps each` : `${o.timeBudget} s in all`}:`);
      const cmp = compareToDir(t.data, {
        betaFrac: o.betaFrac, timeBudget: o.timeBudget, steps: o.steps, maxIter: 100000, seed: o.seed, lrGrid: [0.003, 0.01, 0.03], valFraction: 0.2, tol: 1e-8,
      }, t.map, path.join(dir.tmp, 'compare'), { force: false, quiet: true });
      printCompare(cmp);
      dir.commit();
      // after the rename, so that the page names the runs where they are
      const report = path.join(o.out, 'report.html');
      writeReport([path.join(o.out, 'compare'), path.join(o.out, 'fit')], report);
      console.log(`\nreport: ${escapeControl(report)}`);
      if (!result.converged || !cmp.certificate.converged) process.exitCode = 3;
    }));
}
