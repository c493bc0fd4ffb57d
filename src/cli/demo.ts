// convexformer demo: student-teacher data whose teacher attends to two planted tokens. Solves
// the convex program to a certificate and shows the recovered heads; trains softmax and simplex
// attention beside it (compare); writes the HTML report.
import { Command } from 'commander';
import { PLANTED_TOKENS, runDemo, type DemoConfig } from '../experiments/demo';
import { FORCE_HELP, escapeControl, guarded, nonNegativeInt, positive, positiveInt, progressPrinter } from './common';
import { printFit } from './fit';
import { printCompare } from './compare';
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
    .option('--force', FORCE_HELP, false)
    .action((o: { out: string; seed: number; betaFrac: number; timeBudget: number; steps?: number; quiet: boolean; force: boolean }) => guarded(() => {
      const cfg: DemoConfig = { seed: o.seed, betaFrac: o.betaFrac, timeBudget: o.timeBudget, steps: o.steps };
      const { fit, compare, report } = runDemo(cfg, o.out, {
        force: o.force,
        onData: (t) => {
          console.log(`demo: 2000 sequences of n=8 tokens, d=16, c=3 outputs; the teacher attends to tokens ${PLANTED_TOKENS.join(' and ')}`);
          console.log(`teacher's attention: ${Array.from(t.map).map((v) => v.toFixed(2)).join(' ')}`);
        },
        onFitProgress: progressPrinter(o.quiet),
        onFit: (result) => {
          console.log('\n1. convex program (eq. 10), certified:');
          printFit(result);
          console.log('recovered heads (W1 = e_token, W2 = z/sqrt|z|, W3 = e_output sqrt|z|):');
          console.log('  head  token  output   ||z||');
          result.headList.forEach((h, i) => console.log(`  ${String(i).padStart(4)}  ${String(h.token).padStart(5)}  ${String(h.output).padStart(6)}   ${h.norm.toFixed(4)}`));
          const weight = new Map<number, number>();
          for (const h of result.headList) if (h.token !== undefined) weight.set(h.token, (weight.get(h.token) ?? 0) + h.norm); // attention's heads: each reads a token
          const top = [...weight.entries()].sort((a, b) => b[1] - a[1]).slice(0, PLANTED_TOKENS.length).map(([k]) => k).sort((a, b) => a - b);
          console.log(`strongest tokens: ${top.join(', ')}; the teacher's: ${PLANTED_TOKENS.join(', ')}`);
          console.log(`\n2. the same data, non-convex models trained with Adam, ${o.steps ? `${o.steps} steps each` : `${o.timeBudget} s in all`}:`);
        },
        onCompare: printCompare,
        writeReport: (runs, file) => { writeReport(runs, file); },
      });
      console.log(`\nreport: ${escapeControl(report)}`);
      if (!fit.converged || !compare.certificate.converged) process.exitCode = 3;
    }));
}
