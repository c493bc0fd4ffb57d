// Fisher et al.'s Table 1 on this machine (issue 10, item 5): seconds per epoch, total seconds and
// epochs to convergence for the standard, convex and convex-kernel models on division mod 97 and
// on the periodicity task, in the setting of their section 5.2: two layers, width 128, one head,
// batch 32, Adam lr 1e-3; beta 1e-4 and weight decay 1e-6 for the convex models. A head of the
// convex models is a nonzero token group of Z (Proposition 1), not a gate: they keep the default
// 8 gates per layer (a first try with 1 gate did not fit the training half: 1.1% after 6,500
// steps). For the standard model "weight decay 1" is read as Power et al.'s decoupled AdamW
// decay (Fisher et al. cite that setting; Adam's coupled decay of 1 on the mean loss would hold
// every weight near 0), with Power's betas and warm-up.
// Convergence, as Fisher et al. stop: the first epoch whose validation (test-split) accuracy
// reaches 99%; otherwise the epoch budget ran out, and the row says "> budget". The default
// budget of 5 epochs measures the seconds per epoch; the paper's 1,475-1,662 epochs to
// convergence are about 230,000 steps, days at this machine's 13 s (convex) to 50 s (convex
// kernel) per epoch, so convergence is only a lower bound here.
// An epoch is ceil(train / 32) steps; evaluation (both splits, once per epoch) is not counted in
// the seconds. Each run is an ordinary grok run directory in OUT, so `convexformer report OUT/*`
// draws the accuracy curves (Figures 1-2) and the weight spectra (Figures 3-4).
//   npm run build && node dist/bench/table1.js --out DIR [--epochs 5]
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { blas } from '../src/core/blas';
import { grokConfig, grokTask, grokToDir, type GrokGiven } from '../src/experiments/grok';

const arg = (name: string, fallback: string) => {
  const at = process.argv.indexOf(`--${name}`);
  return at > 0 ? process.argv[at + 1] : fallback;
};
const OUT = arg('out', '');
if (!OUT) throw new Error('--out DIR is required');
const EPOCHS = Number(arg('epochs', '5'));
const BATCH = 32;

const TASKS: [string, Partial<GrokGiven>][] = [
  ['division mod 97', { task: 'modular', op: 'div', p: 97 }],
  ['periodicity (floor)', { task: 'periodicity' }],
];
const MODELS: [string, GrokGiven][] = [
  ['convex', { model: 'convex', layers: 2, dModel: 128, batchSize: BATCH, optimizer: 'adam', lr: 1e-3, beta: 1e-4, weightDecay: 1e-6 }],
  ['convex kernel', { model: 'convex-kernel', layers: 2, dModel: 128, batchSize: BATCH, optimizer: 'adam', lr: 1e-3, beta: 1e-4, weightDecay: 1e-6 }],
  ['non-convex', { model: 'standard', layers: 2, dModel: 128, heads: 1, batchSize: BATCH, optimizer: 'adamw', lr: 1e-3, weightDecay: 1 }],
];
const PAPER: Record<string, [number, number, number]> = { convex: [0.088, 136.26, 1556], 'convex kernel': [0.38, 567.7, 1475], 'non-convex': [0.23, 390.51, 1662] };

fs.mkdirSync(OUT, { recursive: true });
console.log(`machine: ${os.cpus()[0].model}, ${os.cpus().length} cores, node ${process.version}, load average ${os.loadavg().map((x) => x.toFixed(1)).join(' ')}, ${JSON.stringify(blas.info())}`);
console.log(`budget ${EPOCHS} epochs per run; convergence: the first epoch with 99% test accuracy`);
console.log('| task | model | s / epoch | total s | epochs to convergence | final test acc. | paper (T4 GPU, division): s / epoch, total s, epochs |');
console.log('|---|---|---|---|---|---|---|');
for (const [taskName, task] of TASKS) {
  for (const [modelName, model] of MODELS) {
    const perEpoch = Math.ceil(grokTask(grokConfig({ ...task, ...model } as GrokGiven)).train.length / BATCH);
    const dir = path.join(OUT, `${taskName.split(' ')[0]}-${model.model}`);
    const { summary } = grokToDir({ ...task, ...model, steps: EPOCHS * perEpoch, evalEvery: perEpoch, targetAccuracy: 0.99, seed: 0 } as GrokGiven, dir, { force: true });
    const epochs = summary.steps / perEpoch;
    const converged = summary.reachedTarget ? `${epochs}` : `> ${epochs} (budget)`;
    const paper = taskName.startsWith('division') ? PAPER[modelName].map(String).join(', ') : '-';
    console.log(`| ${taskName} | ${modelName} | ${(summary.seconds / epochs).toFixed(3)} | ${summary.seconds.toFixed(1)} | ${converged} | ${summary.final.testAccuracy.toFixed(4)} | ${paper} |`);
  }
}
