// `grok --suite`: the grokking grid of Ergen et al. section 4 (Figures 4-7), a few seeds of each
// setting. It orchestrates only: each (setting, seed) is an ordinary single `grok` run, executed as
// a child process of the CLI (so runs go J at a time on J cores, and each is resumable on its own),
// in its own run directory inside the suite's. The suite's directory is a run directory of kind
// `grok-suite`: config.json (grid, seeds, jobs, BLAS threads per run), and once every run is done,
// result.json with a row per run and the aggregate per setting (grok-suite-result.ts).
import { spawn, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { InputError } from '../data/errors';
import type { ModularOp } from '../data/tasks/modular';
import { grokConfig, grokTask, type GrokConfig } from './grok';
import { aggregate, runName, suiteRow, type GrokSuiteResult } from './grok-suite-result';
import { RUN_FILES, RunDir } from './run-dir';
import { checkSameRun, generatedRecord } from './run-record';

/** The options a setting may change from GROK_DEFAULTS, each with the single-run flag that sets it. */
const SETTING_FLAGS = {
  weightDecay: '--weight-decay', evalEvery: '--eval-every', lr: '--lr', batchSize: '--batch', gates: '--gates', beta: '--beta',
  embedding: '--embedding', optimizer: '--optimizer', targetAccuracy: '--target-acc', trainFrac: '--train-frac',
} as const;

export interface GrokSuiteSetting {
  /** names its run directories, NAME-seedS */
  name: string;
  op: ModularOp;
  p: number;
  layers: number;
  model: 'standard' | 'convex';
  /** what differs from GROK_DEFAULTS[model] */
  options: Partial<Record<keyof typeof SETTING_FLAGS, number | string>>;
  /** the step cap */
  steps: number;
}

/** Why the caps are what they are; config.json, --help and docs/usage.md say it. */
export const GROK_SUITE_NOTE = 'step caps keep the suite near an hour on 2 cores; the paper ran more than 10^5 steps, which cannot be run here. ' +
  'A run that does not reach 99% test accuracy within its cap is reported as "> cap", a lower bound, never as a number of steps.';

/** Step caps of the three models at one (p, L): standard with weight decay 1 and 0, and convex. */
interface Caps {
  wd1: number;
  wd0: number;
  convex: number;
}

/** The three settings at one (p, L): the standard model with weight decay 1 (Power et al.) and 0, and the convex model. */
const atDepth = (p: number, layers: number, caps: Caps): GrokSuiteSetting[] => [
  { name: `p${p}-L${layers}-standard-wd1`, op: 'div', p, layers, model: 'standard', options: {}, steps: caps.wd1 },
  { name: `p${p}-L${layers}-standard-wd0`, op: 'div', p, layers, model: 'standard', options: { weightDecay: 0 }, steps: caps.wd0 },
  { name: `p${p}-L${layers}-convex`, op: 'div', p, layers, model: 'convex', options: {}, steps: caps.convex },
];

/**
 * Ergen et al.'s grid: division mod 97 with L = 1, 2 and mod 15 with L = 1, 4; for each, the
 * standard model in Power et al.'s setting (weight decay 1), the same without weight decay (the
 * paper's non-convex curve), and the deep convex model in Fisher et al. 5.2's setting. The caps
 * are here and nowhere else (GROK_SUITE_NOTE says why they are what they are).
 */
export const GROK_SUITE: readonly GrokSuiteSetting[] = [
  ...atDepth(97, 1, { wd1: 5000, wd0: 3000, convex: 5000 }),
  ...atDepth(97, 2, { wd1: 5000, wd0: 3000, convex: 5000 }),
  ...atDepth(15, 1, { wd1: 5000, wd0: 5000, convex: 5000 }),
  ...atDepth(15, 4, { wd1: 5000, wd0: 5000, convex: 5000 }),
];

export const GROK_SUITE_DEFAULTS = { seeds: 2, jobs: 2 };
/** More seeds than this is a typo, not a suite (each seed is a run per setting, an hour's work at 2). */
const MAX_SEEDS = 100;

export interface GrokSuiteOptions {
  /** seeds 0..seeds-1 of every setting */
  seeds?: number;
  /** runs at a time; with more than one, each run's OpenBLAS uses one thread */
  jobs?: number;
  resume?: boolean;
  force?: boolean;
  /** each run's checkpoint interval (default: grok's) */
  checkpointEvery?: number;
  /** a line when each run starts and ends */
  onProgress?: (line: string) => void;
}

/** One (setting, seed) of the suite and the single run's configuration it gives. */
interface SuiteRun {
  setting: GrokSuiteSetting;
  seed: number;
  name: string;
  config: GrokConfig;
}

const count = (field: string, v: number) => {
  if (!Number.isInteger(v) || v < 1) throw new InputError(field, `must be an integer >= 1, got ${v}`);
};

/** Every (setting, seed), each setting checked as its single run would check it, before anything is written. */
function suiteRuns(grid: readonly GrokSuiteSetting[], seeds: number): SuiteRun[] {
  if (grid.length === 0) throw new InputError('grid', 'is empty; expected at least one setting');
  const names = new Set<string>();
  return grid.flatMap((s) => {
    if (!/^[A-Za-z0-9._-]+$/.test(s.name) || names.has(s.name)) throw new InputError('grid', `setting name ${JSON.stringify(s.name)} must be unique and use only letters, digits, '.', '_' and '-'`);
    names.add(s.name);
    for (const k of Object.keys(s.options)) if (!Object.hasOwn(SETTING_FLAGS, k)) throw new InputError('grid', `${s.name}: option ${k} is not one a suite setting may change (${Object.keys(SETTING_FLAGS).join(', ')})`);
    return Array.from({ length: seeds }, (_, seed) => {
      const config = grokConfig({ ...s.options, op: s.op, p: s.p, model: s.model, layers: s.layers, steps: s.steps, seed });
      if (seed === 0) grokTask(config); // refuses a p for which the task is empty
      return { setting: s, seed, name: runName(s, seed), config };
    });
  });
}

/** The single-run `grok` arguments of a run. */
function grokArgs(r: SuiteRun, out: string, resume: boolean, checkpointEvery?: number): string[] {
  const s = r.setting;
  return ['grok', '--op', s.op, '--p', String(s.p), '--model', s.model, '--layers', String(s.layers), '--steps', String(s.steps), '--seed', String(r.seed),
    ...Object.entries(s.options).flatMap(([k, v]) => [SETTING_FLAGS[k as keyof typeof SETTING_FLAGS], String(v)]),
    ...(checkpointEvery === undefined ? [] : ['--checkpoint-every', String(checkpointEvery)]), ...(resume ? ['--resume'] : []), '--out', out];
}

/** The runs' environment: one OpenBLAS thread each when several share the cores. */
const childEnv = (jobs: number): NodeJS.ProcessEnv => ({ ...process.env, CONVEXFORMER_SUITE_PID: String(process.pid), ...(jobs > 1 ? { OPENBLAS_NUM_THREADS: '1' } : {}) });

/** The GEMM backend and OpenBLAS's thread count under `env`, read back from a process started with it (nulls without an answer). */
function blasUnder(env: NodeJS.ProcessEnv): { backend: string | null; threads: number | null } {
  const blas = path.join(__dirname, '..', 'core', 'blas.js');
  const r = spawnSync(process.execPath, ['-e', `process.stdout.write(JSON.stringify(require(${JSON.stringify(blas)}).blas.info()))`], { env, encoding: 'utf8' });
  try {
    const info = JSON.parse(r.stdout) as { backend?: unknown; threads?: unknown };
    return { backend: typeof info.backend === 'string' ? info.backend : null, threads: Number.isInteger(info.threads) ? info.threads as number : null };
  } catch {
    return { backend: null, threads: null };
  }
}

/** A finished run's recorded options; a run directory half written (no config.json, or not JSON) is refused naming it. */
function savedRunConfig(runDir: string): Record<string, unknown> {
  let text: string;
  try {
    text = fs.readFileSync(path.join(runDir, RUN_FILES.config), 'utf8');
  } catch {
    throw new InputError('resume', `${runDir} has ${RUN_FILES.result} but no readable ${RUN_FILES.config}: remove that run directory to run it again`);
  }
  try {
    const config = (JSON.parse(text) as { config?: unknown }).config;
    if (config !== null && typeof config === 'object') return config as Record<string, unknown>;
  } catch {
    // reported below, as a record without options is
  }
  throw new InputError('resume', `${runDir}: ${RUN_FILES.config} is not a run record (half written?): remove that run directory to run it again`);
}

/** A finished run of the same configuration is kept; one of other options is refused. */
function finished(dir: string, r: SuiteRun): boolean {
  const runDir = path.join(dir, r.name);
  if (!fs.existsSync(path.join(runDir, RUN_FILES.result))) return false;
  const saved = savedRunConfig(runDir);
  const differs = Object.entries(r.config).filter(([k, v]) => JSON.stringify(saved[k]) !== JSON.stringify(v)).map(([k, v]) => `${k} ${JSON.stringify(saved[k])} there, ${JSON.stringify(v)} now`);
  if (differs.length) throw new InputError('resume', `${runDir} holds a finished run of other options: ${differs.join('; ')}`);
  return true;
}

/** The suite's record without runs at a time and their BLAS threads (they change results only by float rounding): what --resume must match. */
function resultDefining<R extends { config: { jobs: number; blasBackend?: string | null; blasThreadsPerRun: number | null } }>(r: R): R {
  const { jobs: _j, blasBackend: _g, blasThreadsPerRun: _b, ...config } = r.config;
  return { ...r, config: config as R['config'] };
}

/** What the seconds are: wall seconds while up to `jobs` runs shared the cores, under each load the suite ran at (two when resumed at another --jobs). */
function secondsNote(loads: { jobs: number; blasBackend?: string | null; blasThreadsPerRun: number | null }[], cores: number): string {
  const jobs = Math.max(...loads.map((l) => l.jobs));
  const threads = [...new Set(loads.map((l) => l.blasThreadsPerRun ?? 'unknown'))].join(' or ');
  // a build without the OpenBLAS addon trains some 50x slower: its seconds must not pass for OpenBLAS's
  const fallback = loads.some((l) => l.blasBackend === 'typescript') ? '; GEMMs on the TypeScript fallback, not OpenBLAS (the addon was not built), about 50x slower' : '';
  return `seconds are each run's own training seconds, measured while up to ${jobs} run${jobs > 1 ? 's' : ''} shared ${cores} core${cores > 1 ? 's' : ''} ` +
    `(OpenBLAS ${threads} thread${threads === '1' ? '' : 's'} per run${fallback}): wall seconds under that load`;
}

/** The last line a failed run wrote to its log: its error. */
const lastLine = (file: string) => fs.readFileSync(file, 'utf8').trim().split('\n').at(-1) ?? '';

/**
 * Runs every (setting, seed) of `grid` in OUT (OUT.partial until all are done), `jobs` at a time
 * as child processes of `cli` (this package's CLI entry). A run that fails does not stop the others;
 * the suite then throws, naming each, and leaves OUT.partial for `resume`.
 */
export async function runGrokSuite(grid: readonly GrokSuiteSetting[], out: string, o: GrokSuiteOptions = {}, cli = path.join(__dirname, '..', 'cli', 'main.js')): Promise<GrokSuiteResult> {
  const seeds = o.seeds ?? GROK_SUITE_DEFAULTS.seeds;
  const jobs = o.jobs ?? GROK_SUITE_DEFAULTS.jobs;
  count('seeds', seeds);
  count('jobs', jobs);
  if (seeds > MAX_SEEDS) throw new InputError('seeds', `must be at most ${MAX_SEEDS}, got ${seeds}`);
  const runs = suiteRuns(grid, seeds);
  // more workers than runs would start none of their own: refused rather than silently capped
  if (jobs > runs.length) throw new InputError('jobs', `must be at most the number of runs, ${runs.length} (settings x seeds), got ${jobs}`);
  const env = childEnv(jobs);
  const blasInfo = blasUnder(env);
  const record = generatedRecord('grok-suite', { grid, seeds, jobs, blasBackend: blasInfo.backend, blasThreadsPerRun: blasInfo.threads, capsNote: GROK_SUITE_NOTE });
  const dir = new RunDir(out, { kind: 'grok-suite', force: o.force, resumable: true, resume: o.resume });
  let launched = false;
  try {
    const savedText = dir.read(RUN_FILES.config);
    const saved = o.resume && savedText !== null ? (JSON.parse(savedText) as typeof record) : null;
    if (saved !== null) checkSameRun(resultDefining(saved), resultDefining(record), path.join(dir.tmp, RUN_FILES.config));
    // a resumed suite may run at another --jobs: the seconds note names every load its runs saw
    const loads = [saved?.config, record.config].filter((c): c is typeof record.config => c !== undefined);
    dir.writeConfig(record);
    const queue = runs.filter((r) => !finished(dir.tmp, r));
    let left = queue.length;
    const t0 = Date.now();
    const say = (line: string) => o.onProgress?.(`[${((Date.now() - t0) / 1000).toFixed(0).padStart(5)} s] ${line}`);
    const failures: string[] = [];
    const runOne = (r: SuiteRun) => new Promise<void>((done) => {
      const log = path.join(dir.tmp, `${r.name}.log`);
      const args = grokArgs(r, path.join(dir.tmp, r.name), fs.existsSync(path.join(dir.tmp, `${r.name}.partial`)), o.checkpointEvery);
      fs.appendFileSync(log, `$ convexformer ${args.join(' ')}\n`);
      const fd = fs.openSync(log, 'a');
      const child = spawn(process.execPath, ['--require', path.join(__dirname, 'suite-child-guard.js'), cli, ...args], { stdio: ['ignore', fd, fd], env });
      fs.closeSync(fd);
      launched = true;
      say(`start ${r.setting.name} seed ${r.seed} (pid ${child.pid})`);
      const end = (code: number | null, signal: string | null = null) => {
        left--;
        const result = fs.existsSync(path.join(dir.tmp, r.name, RUN_FILES.result));
        const outcome = result ? suiteRow(r.setting, r.seed, dir.tmp).stepsToTest99 : null;
        if (!result) failures.push(`${r.name} (${signal ?? `exit code ${code}`}: ${lastLine(log)}; log ${log})`);
        say(`end ${r.setting.name} seed ${r.seed}: ${!result ? 'FAILED' : outcome === null ? `99% test not reached in ${r.setting.steps} steps` : `99% test at step ${outcome}`}; ${left} runs left`);
        done();
      };
      child.on('exit', end);
      child.on('error', (e) => end(null, e.message));
    });
    const worker = async () => {
      for (let r = queue.shift(); r !== undefined; r = queue.shift()) await runOne(r);
    };
    await Promise.all(Array.from({ length: jobs }, worker));
    if (failures.length) throw new Error(`grok suite: ${failures.length} run${failures.length > 1 ? 's' : ''} failed: ${failures.join('; ')}; the others are in ${dir.tmp}, --resume runs the failed ones again`);
    const rows = runs.map((r) => suiteRow(r.setting, r.seed, dir.tmp));
    const cores = os.cpus().length;
    const result: GrokSuiteResult = {
      rows, settings: grid.map((s) => aggregate(s, (runs.find((r) => r.setting === s)!.config as { weightDecay: number }).weightDecay, rows)),
      secondsNote: secondsNote(loads, cores),
      cores,
    };
    dir.writeResult(result);
    dir.commit();
    return result;
  } catch (e) {
    // refused before any run started: a new suite leaves nothing behind
    if (!launched && !o.resume) dir.abort();
    throw e;
  }
}
