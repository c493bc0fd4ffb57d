// Steps per second of the grokking experiment's standard model (issue 9, item 6) with activation
// buffers kept per batch size (the Transformer today) against the behaviour before, emulated here
// only: every change of batch size drops the buffers and allocates new ones. Training as in
// trainStandardGrok (the Power setting: pre-LN, L=2, D=128, H=4, AdamW, batch 512, float32) on
// division mod 97, whose 4,656 training pairs make each epoch 9 batches of 512 and one of 48;
// both splits are evaluated (forward on all 4,656) every EVAL_EVERY steps. The two variants
// alternate in one process, RUNS times each, after one warm-up run of each, so the noise of the
// shared machine falls on both alike.
//   npm run bench:grok
import * as os from 'node:os';
import { performance } from 'node:perf_hooks';
import { blas } from '../src/core/blas';
import { modular } from '../src/data/tasks/modular';
import type { TaskData } from '../src/data/tasks/task';
import { POWER_SETTING } from '../src/experiments/grok-standard';
import { trainGrokModel } from '../src/experiments/grok-train';
import { Transformer, type TransformerConfig } from '../src/nn/models/transformer';
import { median } from '../src/core/median';

const STEPS = 60, EVAL_EVERY = 20, WARMUP_STEPS = 12, RUNS = 3;

/** The behaviour before: one set of buffers, reallocated whenever the batch size changes. */
class FreshBuffersTransformer extends Transformer {
  private lastBatch = 0;
  reallocations = 0;
  override forward(ids: Int32Array, B: number) {
    if (B !== this.lastBatch) { this.releaseBuffers(); this.lastBatch = B; this.reallocations++; }
    return super.forward(ids, B);
  }
}

interface Run { stepsPerSecond: number; wallSeconds: number; reallocations: number }

function run(data: TaskData, fresh: boolean, steps: number): Run {
  const o = { ...POWER_SETTING, steps, evalEvery: EVAL_EVERY, targetAccuracy: null };
  const cfg: TransformerConfig = {
    layers: o.layers, dModel: o.dModel, heads: o.heads, seq: data.seq, vocab: data.vocab, classes: data.classes,
    norm: 'pre', float32: o.float32, seed: o.seed,
  };
  const model = fresh ? new FreshBuffersTransformer(cfg) : new Transformer(cfg);
  const t0 = performance.now();
  const r = trainGrokModel(model, data, o);
  const wallSeconds = (performance.now() - t0) / 1000;
  // result.seconds is training time only (evaluations excluded; a reallocation after one is not)
  return { stepsPerSecond: r.steps / r.seconds, wallSeconds, reallocations: model instanceof FreshBuffersTransformer ? model.reallocations : 0 };
}

const data = modular.generate({ op: 'div', p: 97 });
run(data, true, WARMUP_STEPS);
run(data, false, WARMUP_STEPS);
const old: Run[] = [], kept: Run[] = [];
for (let r = 0; r < RUNS; r++) { old.push(run(data, true, STEPS)); kept.push(run(data, false, STEPS)); }

const row = (name: string, runs: Run[]) => {
  const sps = runs.map((x) => x.stepsPerSecond), wall = runs.map((x) => x.wallSeconds);
  return `| ${name} | ${median(sps).toFixed(2)} (${sps.map((x) => x.toFixed(2)).join(', ')}) | ${median(wall).toFixed(2)} (${wall.map((x) => x.toFixed(2)).join(', ')}) |`;
};
console.log(`machine: ${os.cpus()[0].model}, ${os.cpus().length} cores, node ${process.version}, load average ${os.loadavg().map((x) => x.toFixed(1)).join(' ')}, ${JSON.stringify(blas.info())}`);
console.log(`task: ${data.summary}`);
console.log(`Power setting (L=${POWER_SETTING.layers} D=${POWER_SETTING.dModel} H=${POWER_SETTING.heads}, batch ${POWER_SETTING.batchSize}, float32), ${STEPS} steps per run, both splits evaluated every ${EVAL_EVERY} steps, ${RUNS} runs each, alternating, after a ${WARMUP_STEPS}-step warm-up of each`);
console.log(`buffer reallocations per run before: ${old.map((x) => x.reallocations).join(', ')}; now: allocations of 3 sizes once`);
console.log('| buffers | training steps/s, median (runs) | wall seconds incl. evaluation, median (runs) |');
console.log('|---|---|---|');
console.log(row('reallocated at every batch-size change (before)', old));
console.log(row('kept per batch size (now)', kept));
const ratio = (f: (x: Run) => number) => median(kept.map(f)) / median(old.map(f));
console.log(`ratio now / before: training steps/s ${ratio((x) => x.stepsPerSecond).toFixed(2)}, wall time ${ratio((x) => x.wallSeconds).toFixed(2)}`);
