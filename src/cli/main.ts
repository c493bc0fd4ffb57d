#!/usr/bin/env node
// Entry point. The command runs in a worker thread (program.ts) so that this thread stays idle
// and can answer SIGINT and SIGTERM at once: a handler in the computing thread would run only
// after the (synchronous) solve. On a signal it stops the worker, removes the temporary run
// directories the worker announced (src/experiments/run-dir.ts) and exits with 128 + signal.
import { Worker } from 'node:worker_threads';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { errorLine } from './common';

const temps = new Set<string>();
const worker = new Worker(path.join(__dirname, 'program.js'), { argv: process.argv.slice(2) });
worker.on('message', (m: { convexformerTempDir?: { removeOnSignal?: string; release?: string } }) => {
  const r = m?.convexformerTempDir;
  if (r?.removeOnSignal) temps.add(r.removeOnSignal);
  if (r?.release) temps.delete(r.release);
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
    process.exit(code);
  });
}
