#!/usr/bin/env node
// Entry point. The command runs in a worker thread (program.ts) so that this thread stays idle
// and can answer SIGINT and SIGTERM at once: a handler in the computing thread would run only
// after the (synchronous) solve. On a signal it stops the worker, removes the temporary run
// directories the worker announced (src/experiments/run-dir.ts), says which partial directories
// it keeps for --resume, and exits with 128 + signal.
import { Worker } from 'node:worker_threads';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { errorLine, escapeControl } from './common';

const temps = new Set<string>(), resumable = new Set<string>();
const worker = new Worker(path.join(__dirname, 'program.js'), { argv: process.argv.slice(2) });
worker.on('message', (m: { convexformerTempDir?: { removeOnSignal?: string; resumable?: string; release?: string } }) => {
  const r = m?.convexformerTempDir;
  if (r?.removeOnSignal) temps.add(r.removeOnSignal);
  if (r?.resumable) resumable.add(r.resumable);
  if (r?.release) { temps.delete(r.release); resumable.delete(r.release); }
});
worker.on('error', (e) => {
  process.stderr.write(`${errorLine(e)}\n`);
  process.exitCode = 2;
});
worker.on('exit', (code) => {
  if (process.exitCode === undefined) process.exitCode = code;
});

let stopping = false;
for (const [signal, code] of [['SIGINT', 130], ['SIGTERM', 143]] as const) {
  process.on(signal, async () => {
    if (stopping) return;
    stopping = true;
    await worker.terminate();
    for (const dir of temps) fs.rmSync(dir, { recursive: true, force: true });
    for (const dir of resumable) {
      if (fs.existsSync(dir)) process.stderr.write(`convexformer: stopped by ${signal}; ${escapeControl(dir)} is kept: the same command with --resume continues it\n`);
    }
    process.exit(code);
  });
}
