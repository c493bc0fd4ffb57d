// The convexformer command: one subcommand per file in this folder. Runs in the worker thread
// main.ts starts.
import { Command } from 'commander';
import { fitCommand } from './fit';
import { pathCommand } from './path';
import { demoCommand } from './demo';
import { infoCommand } from './info';
import { compareCommand } from './compare';
import { reportCommand } from './report';
import { benchCommand } from './bench';
import { dataCommand } from './data';
import { grokCommand } from './grok';
import { checkCommand } from './check';
import { escapeControl, learnFlags } from './common';

const program = new Command('convexformer')
  .description('Convex attention: solve the convex programs of (simplex) attention to a certified global optimum, ' +
    'recover ordinary attention weights, and compare with non-convex training.')
  .version(require('../../../package.json').version);
for (const cmd of [fitCommand(), checkCommand(), pathCommand(), compareCommand(), reportCommand(), benchCommand(), dataCommand(), grokCommand(), demoCommand(), infoCommand()]) {
  program.addCommand(cmd);
}

/** Usage errors are one line on stderr and exit code 2, for every command and subcommand. */
function configure(cmd: Command): void {
  cmd.configureOutput({ outputError: (s, write) => write(`convexformer: ${escapeControl(s.trimEnd())}\n`) });
  cmd.exitOverride((err) => process.exit(err.exitCode === 0 ? 0 : 2));
  // a command that only groups subcommands (bench) would print its whole help and exit 1
  if (cmd.commands.length > 0 && cmd !== program) {
    cmd.action(() => cmd.error(`error: ${cmd.name()}: missing subcommand; expected one of: ${cmd.commands.map((c) => c.name()).join(', ')}`));
  }
  cmd.commands.forEach(configure);
}
configure(program);
learnFlags(program);
program.parseAsync(process.argv);
