// The convexformer command: one subcommand per file in this folder. Runs in the worker thread
// main.ts starts.
import * as fs from 'node:fs';
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
import { visionCommand } from './vision';
import { escapeControl, learnFlags } from './common';

/**
 * A worker's process.stdout and process.stderr are streams into the main thread that flush only
 * when the worker's event loop turns, which a synchronous solve never lets it do: every progress
 * line arrived at once, when the run was over. Writing to the file descriptors themselves is
 * synchronous, so each line appears when it is written, in order across the two streams.
 */
const pause = new Int32Array(new SharedArrayBuffer(4));
function writeNow(fd: number, chunk: string | Uint8Array): void {
  const buf = typeof chunk === 'string' ? Buffer.from(chunk) : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
  for (let off = 0; off < buf.length;) {
    try {
      off += fs.writeSync(fd, buf, off);
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if (code === 'EPIPE') return; // the reader is gone (| head): the run goes on, its files are what counts
      if (code !== 'EAGAIN') throw e;
      Atomics.wait(pause, 0, 0, 1); // a full non-blocking pipe: wait 1 ms
    }
  }
}
for (const [stream, fd] of [[process.stdout, 1], [process.stderr, 2]] as const) {
  stream.write = ((chunk: string | Uint8Array, ...rest: unknown[]) => {
    writeNow(fd, chunk);
    const done = rest.find((r) => typeof r === 'function') as (() => void) | undefined;
    done?.();
    return true;
  }) as typeof stream.write;
}

const program = new Command('convexformer')
  .description('Convex attention: solve the convex programs of (simplex) attention to a certified global optimum, ' +
    'recover ordinary attention weights, and compare with non-convex training.')
  .version(require('../../../package.json').version);
for (const cmd of [fitCommand(), checkCommand(), pathCommand(), compareCommand(), reportCommand(), benchCommand(), dataCommand(), grokCommand(), visionCommand(), demoCommand(), infoCommand()]) {
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
