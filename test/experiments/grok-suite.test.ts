// grok --suite through the library: the grid constant is the paper's; a tiny grid writes one grok
// run directory per (setting, seed) and the aggregate, with OpenBLAS read back at one thread per
// run under 2 jobs; a suite killed (SIGKILL) midway resumes to the rows of an uninterrupted one;
// a run that fails is named after the others finish, and nothing the suite did not write goes.
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { spawn } from 'node:child_process';
import { GROK_SUITE, GROK_SUITE_DEFAULTS, GROK_SUITE_NOTE, runGrokSuite, type GrokSuiteSetting } from '../../src/experiments/grok-suite';
import { grokConfig } from '../../src/experiments/grok';
import { blas } from '../../src/core/blas';
import { InputError } from '../../src/data/errors';
import { killAtCheckpoint, repoRoot } from '../helpers';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'cf-suite-'));
const readJson = (file: string) => JSON.parse(fs.readFileSync(file, 'utf8'));

test('GROK_SUITE is Ergen et al.\'s grid: div mod 97 with L = 1, 2 and mod 15 with L = 1, 4; standard with weight decay 1 and 0, and convex; the stated caps', () => {
  const expected: [number, number, string, number, number][] = [];
  for (const [p, layers] of [[97, 1], [97, 2], [15, 1], [15, 4]]) {
    expected.push([p, layers, 'standard', 1, 5000], [p, layers, 'standard', 0, p === 97 ? 3000 : 5000], [p, layers, 'convex', 1e-6, 5000]);
  }
  const got = GROK_SUITE.map((s) => {
    assert.equal(s.op, 'div', s.name);
    const cfg = grokConfig({ ...s.options, op: s.op, p: s.p, model: s.model, layers: s.layers, steps: s.steps }) as { weightDecay: number; layers: number; targetAccuracy: number };
    assert.equal(cfg.layers, s.layers, s.name);
    assert.equal(cfg.targetAccuracy, 0.99, `${s.name}: early stop at 99% test accuracy`);
    return [s.p, s.layers, s.model, cfg.weightDecay, s.steps];
  });
  assert.deepEqual(got.sort(), expected.sort());
  assert.equal(new Set(GROK_SUITE.map((s) => s.name)).size, GROK_SUITE.length);
  assert.deepEqual(GROK_SUITE_DEFAULTS, { seeds: 2, jobs: 2 });
  assert.match(GROK_SUITE_NOTE, /> cap/);
});

/** p = 7, a few steps: runs that stop at their cap. */
const TINY: GrokSuiteSetting[] = [
  { name: 'p7-L1-standard', op: 'div', p: 7, layers: 1, model: 'standard', options: { evalEvery: 10 }, steps: 40 },
  { name: 'p7-L1-convex', op: 'div', p: 7, layers: 1, model: 'convex', options: { evalEvery: 10, weightDecay: 0 }, steps: 30 },
];

test('a tiny suite (p = 7, 2 seeds, 2 jobs) writes a grok run directory per setting and seed, its log, and the aggregate', async () => {
  const out = path.join(tmp, 'tiny');
  const lines: string[] = [];
  const result = await runGrokSuite(TINY, out, { seeds: 2, jobs: 2, onProgress: (l) => lines.push(l) });
  assert.ok(!fs.existsSync(`${out}.partial`));
  const names = TINY.flatMap((s) => [0, 1].map((seed) => `${s.name}-seed${seed}`));
  assert.deepEqual(fs.readdirSync(out).filter((f) => !f.startsWith('.')).sort(), ['config.json', 'result.json', ...names, ...names.map((n) => `${n}.log`)].sort());
  const cfg = readJson(path.join(out, 'config.json'));
  assert.equal(cfg.kind, 'grok-suite');
  assert.deepEqual(cfg.config.grid, TINY);
  assert.equal(cfg.config.seeds, 2);
  assert.equal(cfg.config.jobs, 2);
  // read back from a process started as the runs are: one OpenBLAS thread each (the default here is the core count)
  assert.equal(cfg.config.blasBackend, blas.info().backend);
  if (blas.info().backend === 'openblas') assert.equal(cfg.config.blasThreadsPerRun, 1);
  assert.deepEqual(readJson(path.join(out, 'result.json')), JSON.parse(JSON.stringify(result)));
  assert.deepEqual(result.rows.map((r) => [r.setting, r.seed, r.cap]), [['p7-L1-standard', 0, 40], ['p7-L1-standard', 1, 40], ['p7-L1-convex', 0, 30], ['p7-L1-convex', 1, 30]]);
  for (const r of result.rows) {
    const run = path.join(out, r.dir);
    assert.equal(readJson(path.join(run, 'config.json')).kind, 'grok');
    assert.equal(readJson(path.join(run, 'config.json')).config.seed, r.seed);
    const own = readJson(path.join(run, 'result.json'));
    assert.equal(r.steps, own.steps);
    assert.deepEqual(r.final, own.final);
    assert.match(fs.readFileSync(path.join(out, `${r.dir}.log`), 'utf8'), /^\$ convexformer grok --op div --p 7 .*--seed \d[\s\S]*after \d+ steps/);
  }
  assert.equal(readJson(path.join(out, 'p7-L1-convex-seed1', 'config.json')).config.weightDecay, 0);
  const [std, cvx] = result.settings;
  assert.deepEqual([std.setting, std.seeds, std.weightDecay, std.cap, cvx.weightDecay], ['p7-L1-standard', 2, 1, 40, 0]);
  assert.equal(std.reachedTrain, result.rows.filter((r) => r.setting === 'p7-L1-standard' && r.stepsToTrain99 !== null).length);
  const trainSteps = result.rows.filter((r) => r.setting === 'p7-L1-standard').map((r) => r.stepsToTrain99).filter((s): s is number => s !== null);
  if (trainSteps.length) assert.equal(std.stepsToTrain99!.mean, trainSteps.reduce((a, b) => a + b) / trainSteps.length);
  assert.equal(lines.filter((l) => / start /.test(l)).length, 4);
  assert.match(lines.at(-1)!, /end p7-L1-\w+ seed \d: 99% test not reached in \d+ steps; 0 runs left$/);
});

test('bad suite input is refused naming the field, before anything is written', async () => {
  const out = path.join(tmp, 'bad');
  for (const [grid, opts, field] of [
    [TINY, { seeds: 0 }, 'seeds'], [TINY, { jobs: 0 }, 'jobs'], [TINY, { seeds: 101 }, 'seeds'], [TINY, { seeds: 1, jobs: TINY.length + 1 }, 'jobs'], [[], {}, 'grid'], [[TINY[0], TINY[0]], {}, 'grid'],
    [[{ ...TINY[0], options: { heads: 2 } }], {}, 'grid'], [[{ ...TINY[0], p: 1 }], {}, 'p'],
  ] as [GrokSuiteSetting[], object, string][]) {
    await assert.rejects(runGrokSuite(grid, out, opts), (e: Error) => e instanceof InputError && e.field === field);
    assert.ok(!fs.existsSync(out) && !fs.existsSync(`${out}.partial`));
  }
});

/** Rows without what the clock measured. */
const untimed = (file: string) => readJson(file).rows.map(({ secondsToTrain99: _a, secondsToTest99: _b, medianStepSeconds: _c, ...r }: Record<string, unknown>) => r);

test('a suite killed midway (SIGKILL) stops its runs, and --resume ends with the rows of an uninterrupted suite', async () => {
  // one-hot tokens and one layer: models that do not generalize, so no run stops before its cap.
  // 'long' must outlast the kill by far more than the child guard's 200 ms poll: 1,500 steps of it
  // once took 0.1 s and finished before its suite's death was noticed
  const grid: GrokSuiteSetting[] = [
    { name: 'long', op: 'div', p: 11, layers: 1, model: 'convex', options: { embedding: 'onehot', batchSize: 8, evalEvery: 100 }, steps: 30000 },
    { name: 'short', op: 'div', p: 7, layers: 1, model: 'standard', options: { evalEvery: 10 }, steps: 30 },
  ];
  const opts = { seeds: 2, jobs: 2, checkpointEvery: 500 };
  const whole = path.join(tmp, 'whole');
  await runGrokSuite(grid, whole, opts);

  const cut = path.join(tmp, 'cut');
  const script = `require(${JSON.stringify(path.join(repoRoot, 'dist', 'src', 'experiments', 'grok-suite.js'))})` +
    `.runGrokSuite(${JSON.stringify(grid)}, ${JSON.stringify(cut)}, { ...${JSON.stringify(opts)}, onProgress: (l) => console.error(l) })`;
  const suite = spawn(process.execPath, ['-e', script], { stdio: ['ignore', 'ignore', 'pipe'] });
  let progress = '';
  suite.stderr!.on('data', (d) => { progress += d; });
  const ck = path.join(`${cut}.partial`, 'long-seed0.partial', 'checkpoint.json');
  await killAtCheckpoint(suite, ck, (c) => (c.train.step >= 1000 ? c.train.step : null));
  // the runs it started end themselves once the suite is gone (suite-child-guard.ts)
  const pids = [...progress.matchAll(/\(pid (\d+)\)/g)].map((m) => Number(m[1]));
  assert.ok(pids.length >= 2, progress);
  const alive = (pid: number) => { try { process.kill(pid, 0); return true; } catch { return false; } };
  while (pids.some(alive)) await new Promise((r) => setTimeout(r, 50));
  assert.ok(!fs.existsSync(cut) && fs.existsSync(path.join(`${cut}.partial`, 'long-seed0.partial')), 'the killed run is left to resume');
  assert.ok(!fs.existsSync(path.join(`${cut}.partial`, 'long-seed0', 'result.json')), 'the run was stopped before its end');

  await assert.rejects(runGrokSuite(grid, cut, opts), (e: Error) => e instanceof InputError && e.field === 'out' && /pass `resume`/.test(e.message));
  await assert.rejects(runGrokSuite(grid, cut, { ...opts, seeds: 3, resume: true }), (e: Error) => e instanceof InputError && /seeds 2 there, 3 now/.test(e.message));
  // --jobs changes no result beyond rounding, so a resume may run at another one; the seconds note names both loads
  await runGrokSuite(grid, cut, { ...opts, jobs: 1, resume: true });
  assert.ok(!fs.existsSync(`${cut}.partial`));
  assert.match(readJson(path.join(cut, 'result.json')).secondsNote, /up to 2 runs shared .* \(OpenBLAS 1( or \S+)? threads? per run\)/);
  // the resumed run finished with 2 OpenBLAS threads instead of 1: on some kernels (Zen, Haswell)
  // that reorders float32 GEMM sums, so its losses agree to float32 rounding, everything else exactly
  const [got, want] = [untimed(path.join(cut, 'result.json')), untimed(path.join(whole, 'result.json'))];
  const losses = (rows: Record<string, unknown>[]) => rows.map((r) => r.final as Record<string, number>);
  for (const [g, w] of losses(got).map((g, k) => [g, losses(want)[k]])) {
    for (const k of ['trainLoss', 'testLoss']) assert.ok(Math.abs(g[k] - w[k]) <= 1e-5 * Math.abs(w[k]), `${k}: ${g[k]} resumed, ${w[k]} whole`);
  }
  const exact = (rows: Record<string, unknown>[]) => rows.map((r) => ({ ...r, final: { ...(r.final as object), trainLoss: 0, testLoss: 0 } }));
  assert.deepEqual(exact(got), exact(want));
  assert.match(fs.readFileSync(path.join(cut, 'long-seed0.log'), 'utf8'), /--resume/);
  // and the runs trained: identical rows of models that never moved would prove nothing
  const row = readJson(path.join(whole, 'result.json')).rows[0];
  assert.equal(row.steps, grid[0].steps); // ran to its cap
  assert.ok(row.final.trainAccuracy > 0.5, JSON.stringify(row.final));
});

test('a run that fails makes the suite fail after the others, naming it; what the suite did not write stays', async () => {
  const out = path.join(tmp, 'failing');
  const stray = path.join(`${out}.partial`, 'p7-L1-convex-seed0');
  // one job: the convex run starts after the standard one, when a user's directory is in its way
  const failed = runGrokSuite(TINY, out, {
    seeds: 1, jobs: 1, onProgress: (l) => {
      if (/start p7-L1-standard/.test(l)) { fs.mkdirSync(stray); fs.writeFileSync(path.join(stray, 'notes.txt'), 'mine'); }
    },
  });
  await assert.rejects(failed, /1 run failed: p7-L1-convex-seed0 \(exit code 2: convexformer: error: --out: .*already exists/);
  assert.equal(fs.readFileSync(path.join(stray, 'notes.txt'), 'utf8'), 'mine');
  assert.ok(fs.existsSync(path.join(`${out}.partial`, 'p7-L1-standard-seed0', 'result.json')), 'the other run finished');
  assert.ok(!fs.existsSync(out) && !fs.existsSync(path.join(`${out}.partial`, 'result.json')));

  // a finished run whose config.json is half written or gone: --resume names the run directory, before anything runs
  const done = path.join(`${out}.partial`, 'p7-L1-standard-seed0');
  for (const damage of [() => fs.writeFileSync(path.join(done, 'config.json'), '{"kind": "gr'), () => fs.rmSync(path.join(done, 'config.json'))]) {
    damage();
    await assert.rejects(runGrokSuite(TINY, out, { seeds: 1, jobs: 1, resume: true }), (e: Error) => {
      assert.ok(e instanceof InputError && e.field === 'resume', String(e));
      assert.ok(e.message.includes(done) && !e.message.includes('\n'), e.message);
      return true;
    });
  }
  assert.ok(!fs.existsSync(path.join(`${out}.partial`, 'p7-L1-convex-seed0.partial')), 'no run was started');
});
