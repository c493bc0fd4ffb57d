// Issue 9, item 3: what does the deep convex model need to generalise? Variants of the model
// (docs/deep-convex.md, "What generalisation needs: the variant search") trained on division
// through the same trainer as `grok --model convex` (trainGrokModel), for a fixed step budget,
// on 80% of the training half; the other 20% (a seeded split of the training half, never the test
// half) is the validation split that ranks variants and picks beta and weight decay. The test half
// is only measured. Three phases, sized for 2 shared cores:
//   screen  every structure on div mod SCREEN_P for SCREEN_STEPS steps;
//   grid    beta x weight decay on mod SCREEN_P for the structure best on validation (among those
//           at most 2x the default's time: the grid runs 8 of them);
//   full    div mod P for STEPS steps: every structure (the quickest on the screen first) and the
//           grid's pick.
//   npm run build && OPENBLAS_NUM_THREADS=1 node dist/bench/grok-variants.js --out DIR [--p 97] [--steps 1500] [--screen-p 23] [--screen-steps 1000]
// writes DIR/variants.json and DIR/variants.md after every run, so a cut search keeps what it ran;
// run again with the same DIR and settings, it skips the runs recorded there and does the rest.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { modular } from '../src/data/tasks/modular';
import { seededSplit } from '../src/data/tasks/split';
import type { TaskData } from '../src/data/tasks/task';
import { splitMetrics } from '../src/convex/metrics';
import { idSource } from '../src/experiments/batches';
import { CONVEX_SETTING, grokConvexModel, type GrokConvexOptions } from '../src/experiments/grok-convex';
import { trainGrokModel } from '../src/experiments/grok-train';

const arg = (name: string, fallback: string) => {
  const at = process.argv.indexOf(`--${name}`);
  return at > 0 ? process.argv[at + 1] : fallback;
};
const OUT = arg('out', '');
if (!OUT) throw new Error('--out DIR is required');
const P = Number(arg('p', '97')), STEPS = Number(arg('steps', '1500'));
const SCREEN_P = Number(arg('screen-p', '23')), SCREEN_STEPS = Number(arg('screen-steps', '1000'));
/** the validation share of the training half, and the seed of that split (the task's split is seed 0) */
const VALIDATION = 0.2, VALIDATION_SEED = 1;

/** The structural variants: CONVEX_SETTING (today's default) under these changes. */
const STRUCTURE: [string, Partial<GrokConvexOptions>][] = [
  ['default (L 2, h 8, learned tokens + positions, gates from each input)', {}],
  ['h 32', { gates: 32 }],
  ['h 128', { gates: 128 }],
  ['gates from the first layer', { gateFrom: 'first' }],
  ['skip X + block(X)', { skip: true }],
  ['one-hot tokens', { embedding: 'onehot' }],
  ['learned tokens, no positions', { positions: false }],
  ['L 1', { layers: 1 }],
  ['L 4, skip', { layers: 4, skip: true }],
  ['Fisher 5.2: d 128, batch 32', { dModel: 128, batchSize: 32 }],
];
const BETAS = [1e-4, 1e-3, 1e-2], DECAYS = [1e-6, 1e-2, 1];

interface Row {
  phase: 'screen' | 'grid' | 'full';
  p: number;
  name: string;
  changes: Partial<GrokConvexOptions>;
  steps: number;
  seconds: number;
  train: { loss: number; accuracy: number };
  validation: { loss: number; accuracy: number };
  test: { loss: number; accuracy: number };
  bestTestAccuracy: number;
  bestTestStep: number;
  /** the first evaluated step with test accuracy >= 99%, or null */
  stepsToTest99: number | null;
  error?: string;
}

/** The task with its training half cut into the part fitted and the validation part. */
function splitTask(p: number): { fit: TaskData; test: Int32Array } {
  const data = modular.generate({ op: 'div', p, trainFrac: 0.5, seed: 0 });
  const cut = seededSplit(data.train.length, 1 - VALIDATION, VALIDATION_SEED, 'training equations');
  const pick = (at: Int32Array) => Int32Array.from(at, (k) => data.train[k]);
  return { fit: { ...data, train: pick(cut.train), test: pick(cut.test) }, test: data.test };
}

function runOne(phase: Row['phase'], p: number, steps: number, name: string, changes: Partial<GrokConvexOptions>): Row {
  const { fit, test } = splitTask(p);
  const evalEvery = Math.max(1, Math.round(steps / 12));
  const options: GrokConvexOptions = { ...CONVEX_SETTING, ...changes, steps, evalEvery, targetAccuracy: null };
  const model = grokConvexModel(fit, options);
  const source = idSource(fit.ids, fit.seq, fit.labels, fit.classes);
  const measureTest = () => {
    const m = splitMetrics('ce', model.forward(source.gather(test).input, test.length), { c: fit.classes, y: Int32Array.from(test, (e) => fit.labels[e]) }, test.length);
    return { loss: m.loss, accuracy: m.accuracy! };
  };
  const tests: { step: number; loss: number; accuracy: number }[] = [];
  // the trainer's "test" split is the validation split; the test half is measured beside it
  const r = trainGrokModel(model, fit, options, { onEval: (e) => tests.push({ step: e.step, ...measureTest() }) });
  const last = r.evals.at(-1)!, lastTest = tests.at(-1)!;
  const best = tests.reduce((a, b) => (b.accuracy > a.accuracy ? b : a));
  return {
    phase, p, name, changes, steps: r.steps, seconds: r.seconds,
    train: { loss: last.trainLoss, accuracy: last.trainAccuracy },
    validation: { loss: last.testLoss, accuracy: last.testAccuracy },
    test: { loss: lastTest.loss, accuracy: lastTest.accuracy },
    bestTestAccuracy: best.accuracy, bestTestStep: best.step,
    stepsToTest99: tests.find((t) => t.accuracy >= 0.99)?.step ?? null,
  };
}

const settings = { p: P, steps: STEPS, screenP: SCREEN_P, screenSteps: SCREEN_STEPS, validation: VALIDATION };
const recorded = path.join(OUT, 'variants.json');
/** the runs of an earlier search with these settings in OUT, kept and not run again */
const rows: Row[] = (() => {
  if (!fs.existsSync(recorded)) return [];
  const old = JSON.parse(fs.readFileSync(recorded, 'utf8'));
  const same = Object.entries(settings).every(([k, v]) => old[k] === v);
  if (!same) throw new Error(`${recorded} holds a search with other settings; give another --out`);
  return old.rows;
})();
const pct = (x: number) => `${(100 * x).toFixed(1)}%`;

function write(): void {
  fs.mkdirSync(OUT, { recursive: true });
  fs.writeFileSync(path.join(OUT, 'variants.json'), JSON.stringify({ ...settings, base: CONVEX_SETTING, rows }, null, 1));
  const lines = [
    '| phase | p | variant | steps | s | train acc. | val. acc. | test acc. | train loss | val. loss | test loss | best test acc. (step) | steps to 99% test |',
    '| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |',
    ...rows.map((r) => (r.error
      ? `| ${r.phase} | ${r.p} | ${r.name} | failed: ${r.error} | | | | | | | | | |`
      : `| ${r.phase} | ${r.p} | ${r.name} | ${r.steps} | ${r.seconds.toFixed(0)} | ${pct(r.train.accuracy)} | ${pct(r.validation.accuracy)} | ${pct(r.test.accuracy)} | ` +
        `${r.train.loss.toFixed(3)} | ${r.validation.loss.toFixed(3)} | ${r.test.loss.toFixed(3)} | ${pct(r.bestTestAccuracy)} (${r.bestTestStep}) | ${r.stepsToTest99 ?? 'not reached'} |`)),
  ];
  fs.writeFileSync(path.join(OUT, 'variants.md'), lines.join('\n') + '\n');
}

function record(phase: Row['phase'], name: string, changes: Partial<GrokConvexOptions>): Row {
  const [p, steps] = phase === 'full' ? [P, STEPS] : [SCREEN_P, SCREEN_STEPS];
  const done = rows.find((r) => r.phase === phase && r.p === p && r.name === name);
  if (done) return done;
  let row: Row;
  try {
    row = runOne(phase, p, steps, name, changes);
  } catch (e) {
    const nan = { loss: NaN, accuracy: NaN };
    row = { phase, p, name, changes, steps: 0, seconds: 0, train: nan, validation: nan, test: nan, bestTestAccuracy: NaN, bestTestStep: 0, stepsToTest99: null, error: (e as Error).message };
  }
  rows.push(row);
  write();
  console.log(`${new Date().toISOString()} ${phase} p ${p} ${name}: ${row.error ?? `train ${pct(row.train.accuracy)} val ${pct(row.validation.accuracy)} test ${pct(row.test.accuracy)} (${row.seconds.toFixed(0)} s)`}`);
  return row;
}

const byValidation = (a: Row, b: Row) => b.validation.accuracy - a.validation.accuracy || a.validation.loss - b.validation.loss;

const screened = STRUCTURE.map(([name, changes]) => record('screen', name, changes));
const base = screened[0];
const top = screened.filter((r) => !r.error && r.seconds <= 2 * base.seconds).sort(byValidation)[0];
console.log(`best structure on validation: ${top.name}`);
// its beta 1e-4 and weight decay 1e-6 (the default's) already ran in the screen
const grid = [top];
for (const beta of BETAS) {
  for (const weightDecay of DECAYS) {
    if (beta === CONVEX_SETTING.beta && weightDecay === CONVEX_SETTING.weightDecay) continue;
    grid.push(record('grid', `${top.name}; beta ${beta}, wd ${weightDecay}`, { ...top.changes, beta, weightDecay }));
  }
}
const pick = grid.filter((r) => !r.error).sort(byValidation)[0];
console.log(`picked on validation: ${pick.name}: val ${pct(pick.validation.accuracy)}, test ${pct(pick.test.accuracy)}`);
const full = [...[...screened].sort((a, b) => a.seconds - b.seconds), pick].filter((r, k, all) => all.findIndex((q) => q.name === r.name) === k);
const fullRows = full.map((r) => record('full', r.name, r.changes));
fs.writeFileSync(path.join(OUT, 'pick.json'), JSON.stringify({ screenPick: pick, full: fullRows }, null, 1));
