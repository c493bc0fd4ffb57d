// grok --suite on the command line: the per-run flags the grid sets, and bad counts, are refused in
// one line naming the flag with nothing written; --help states the caps and why; the command starts
// the paper's grid (GROK_SUITE) as single grok runs, and stopping it (SIGTERM) stops them and keeps
// OUT.partial for --resume. The per-setting table's text.
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { spawn, spawnSync } from 'node:child_process';
import { cli } from '../helpers';
import { GROK_SUITE } from '../../src/experiments/grok-suite';
import { seedStats, type GrokSuiteAggregate } from '../../src/experiments/grok-suite-result';
import { suiteTable } from '../../src/cli/grok-suite';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'cf-grok-suite-'));
const run = (args: string[]) => spawnSync(process.execPath, [cli, 'grok', ...args], { encoding: 'utf8' });

test('grok --suite refuses per-run flags, bad counts, and suite flags without --suite, in one line naming the flag; nothing is written', () => {
  for (const [args, pattern] of [
    [['--suite', '--seeds', '0'], /--seeds must be an integer >= 1, got '0'/],
    [['--suite', '--jobs', '0'], /--jobs must be an integer >= 1, got '0'/],
    [['--suite', '--seeds', '101'], /^convexformer: error: --seeds: must be at most 100, got 101$/],
    [['--suite', '--seeds', '1', '--jobs', String(GROK_SUITE.length + 1)], new RegExp(`^convexformer: error: --jobs: must be at most the number of runs, ${GROK_SUITE.length} \\(settings x seeds\\), got ${GROK_SUITE.length + 1}$`)],
    [['--suite', '--p', '7'], /^convexformer: error: --p: is set by each setting of the suite; not allowed with --suite$/],
    [['--suite', '--model', 'convex'], /^convexformer: error: --model: is set by each setting of the suite/],
    [['--suite', '--op', 'div'], /^convexformer: error: --op: is set by each setting of the suite/],
    [['--suite', '--weight-decay', '0'], /^convexformer: error: --weight-decay: is set by each setting of the suite/],
    [['--p', '7', '--model', 'convex', '--seeds', '3'], /^convexformer: error: --seeds: is an option of --suite$/],
    [['--model', 'convex'], /^convexformer: error: --p: is required for task modular \(or --suite\)$/],
    // not a suite flag, but the same one-line refusal with nothing written: no position table to drop on one-hot tokens
    [['--p', '7', '--model', 'convex', '--embedding', 'onehot', '--no-positions'], /^convexformer: error: --no-positions: only with embedding learned/],
    [['--suite', '--seeds', '2', '--resume'], /^convexformer: error: --resume: no unfinished run/],
  ] as const) {
    const out = path.join(tmp, 'bad');
    const r = run([...args, '--out', out]);
    assert.equal(r.status, 2, `${args.join(' ')}: ${r.stderr}`);
    assert.equal(r.stderr.trim().split('\n').length, 1, r.stderr);
    assert.match(r.stderr.trim(), pattern);
    assert.ok(!fs.existsSync(out) && !fs.existsSync(`${out}.partial`), `${args.join(' ')} left files`);
  }
});

test('grok --help states the suite\'s step caps and why they are what they are', () => {
  const help = run(['--help']).stdout.replace(/\n {2,}/g, ' ').replace(/\s+/g, ' ');
  assert.match(help, /5000 steps for p97-L1-standard-wd1, p97-L1-convex, .*3000 steps for p97-L1-standard-wd0, p97-L2-standard-wd0/);
  assert.match(help, /near an hour on 2 cores; the paper ran more than 10\^5 steps/);
  assert.match(help, /"> cap", a lower bound/);
});

test('grok --suite starts the paper\'s grid as single grok runs; SIGTERM stops them and keeps OUT.partial for --resume', async () => {
  const out = path.join(tmp, 'suite');
  const child = spawn(process.execPath, [cli, 'grok', '--suite', '--out', out], { stdio: ['ignore', 'ignore', 'pipe'] });
  let progress = '';
  await new Promise<void>((resolve) => child.stderr!.on('data', (d) => {
    progress += d;
    if ((progress.match(/ start /g) ?? []).length >= 2) resolve();
  }));
  child.kill('SIGTERM');
  // 'close': the exit code once stderr is read to its end (the kept directory's line is its last)
  const code = await new Promise((r) => child.on('close', r));
  assert.equal(code, 143);
  assert.match(progress, /convexformer: stopped by SIGTERM; .*suite\.partial is kept: the same command with --resume continues it\n/);
  const pids = [...progress.matchAll(/\(pid (\d+)\)/g)].map((m) => Number(m[1]));
  const alive = (pid: number) => { try { process.kill(pid, 0); return true; } catch { return false; } };
  while (pids.some(alive)) await new Promise((r) => setTimeout(r, 50));
  assert.match(progress, /start p97-L1-standard-wd1 seed 0 \(pid \d+\)\n.*start p97-L1-standard-wd1 seed 1 \(pid \d+\)/);
  const partial = `${out}.partial`;
  const cfg = JSON.parse(fs.readFileSync(path.join(partial, 'config.json'), 'utf8'));
  assert.equal(cfg.kind, 'grok-suite');
  assert.deepEqual(cfg.config.grid, JSON.parse(JSON.stringify(GROK_SUITE)));
  assert.deepEqual([cfg.config.seeds, cfg.config.jobs], [2, 2]);
  const log = fs.readFileSync(path.join(partial, 'p97-L1-standard-wd1-seed1.log'), 'utf8');
  assert.match(log, /^\$ convexformer grok --op div --p 97 --model standard --layers 1 --steps 5000 --seed 1 --out .*p97-L1-standard-wd1-seed1\n/);
  assert.ok(!fs.existsSync(out));
  fs.rmSync(partial, { recursive: true, force: true });
});

test('the per-setting table: mean [min-max] over the seeds that reached 99% test, "> cap" when none did', () => {
  const base = { op: 'div', p: 97, layers: 1, model: 'standard', weightDecay: 1, cap: 5000, seeds: 2, reachedTrain: 2, lostFit: 0, stepsToTrain99: seedStats([400, 500]), medianStepSeconds: seedStats([0.2, 0.3]) };
  const settings: GrokSuiteAggregate[] = [
    { ...base, setting: 'all', reachedTest: 2, stepsToTest99: seedStats([1900, 2300]), secondsToTest99: seedStats([400, 500]), grokking: seedStats([1500, 1800]) },
    { ...base, setting: 'none', reachedTest: 0, lostFit: 1, stepsToTest99: null, secondsToTest99: null, grokking: null },
    { ...base, setting: 'one', reachedTest: 1, stepsToTest99: seedStats([4100, null]), secondsToTest99: seedStats([900]), grokking: seedStats([3700]) },
  ];
  const [head, all, none, one] = suiteTable(settings);
  assert.match(head, /^setting +reached 99% test +steps to 99% test +amount of grokking.* lost their fit$/);
  assert.match(all, /^all +2 of 2 +2100 \[1900-2300\] +1650 \[1500-1800\] +450\.0 \[400\.0-500\.0\] +0\.250 \[0\.200-0\.300\] +0$/);
  assert.match(none, /^none +0 of 2 +> 5000 +- +- .* 1$/);
  assert.match(one, /^one +1 of 2 +4100 \(1 of 2 seeds; the other > 5000\) +3700 +900\.0/);
});
