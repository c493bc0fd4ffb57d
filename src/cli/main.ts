#!/usr/bin/env node
// The convexformer command: one subcommand per file in this folder.
import { Command } from 'commander';
import { fitCommand } from './fit';
import { pathCommand } from './path';
import { demoCommand } from './demo';
import { infoCommand } from './info';
import { compareCommand } from './compare';
import { reportCommand } from './report';
import { benchCommand } from './bench';

const program = new Command('convexformer')
  .description('Convex attention: solve the convex programs of (simplex) attention to a certified global optimum,\n' +
    'recover ordinary attention weights, and compare with non-convex training.')
  .version(require('../../../package.json').version);

// Usage errors are one line on stderr and exit code 2, for every subcommand.
for (const cmd of [program, fitCommand(), pathCommand(), compareCommand(), reportCommand(), benchCommand(), demoCommand(), infoCommand()]) {
  cmd.configureOutput({ outputError: (s, write) => write(`convexformer: ${s}`) });
  cmd.exitOverride((err) => process.exit(err.exitCode === 0 ? 0 : 2));
  if (cmd !== program) program.addCommand(cmd);
}
program.parseAsync(process.argv);
