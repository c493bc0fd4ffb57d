// A benchmark's child process (a solve, a NumPy or PyTorch twin) run to the end: its last stdout
// line parsed as JSON; a failure throws with the child's stderr.
import { spawnSync } from 'node:child_process';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export function runJson(cmd: string, args: string[]): Record<string, any> {
  const r = spawnSync(cmd, args, { encoding: 'utf8', maxBuffer: 1 << 26 });
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} failed:\n${r.stderr}`);
  return JSON.parse(r.stdout.trim().split('\n').pop()!);
}
