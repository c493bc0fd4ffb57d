// The peak resident memory of a child process, as a user runs it: a preloaded hook writes the
// process's VmHWM (its address space's peak resident set, KiB) to a file when it exits. Not
// ru_maxrss: Linux carries that across fork and exec, so a child spawned by a bench (which may
// hold generated data) would report the parent's size as its own.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { spawnSync } from 'node:child_process';

export interface PeakRun { mb: number; status: number | null; stdout: string; stderr: string }

/** A runner of `node -r hook args...` that reports each run's peak RSS in MiB; `work` is a scratch directory. */
export function peakRssRunner(work: string): (args: string[]) => PeakRun {
  const hook = path.join(work, 'maxrss.js');
  fs.writeFileSync(hook, "process.on('exit', () => { const s = require('fs').readFileSync('/proc/self/status', 'utf8'); " +
    "require('fs').writeFileSync(process.env.CF_MAXRSS_FILE, /VmHWM:\\s*(\\d+)/.exec(s)[1]); });\n");
  return (args) => {
    const file = path.join(work, 'maxrss.txt');
    const r = spawnSync(process.execPath, ['-r', hook, ...args], { env: { ...process.env, CF_MAXRSS_FILE: file }, encoding: 'utf8', maxBuffer: 1 << 26 });
    return { mb: Number(fs.readFileSync(file, 'utf8')) / 1024, status: r.status, stdout: r.stdout, stderr: r.stderr };
  };
}
