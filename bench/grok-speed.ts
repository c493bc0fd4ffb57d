// Step time of the grokking experiment's two models against their PyTorch twins (bench/torch_grok.py)
// on the same machine (issue 9, item 6), at the suite's sizes: division mod 97 (batch 512) with
// L = 1, 2 and mod 15 (batch 60, the whole training half) with L = 1, 4, for the standard model (the
// Power setting, float32) and the deep convex model (CONVEX_SETTING, float64; its twin is timed in
// float64 and, for information, float32). A step is what the trainer does per step on a gathered
// batch: objective (forward, loss, backward, decay) then the optimizer's update and apply, with
// the setting's AdamW. Ours and the twin alternate per size, RUNS times each, each run in a fresh
// process; a run's number is the median over its steps after WARMUP steps, and the table gives
// the median of the runs.
// Ratio = our ms/step over PyTorch's (lower is faster). Targets: standard ratio <= 0.8; convex
// step no slower than the standard step at the same (p, L).
// Our transformer computes its last layer at the readout token only (transformer.ts); the twin as
// a PyTorch user writes it runs every token through every block. For the standard sizes both
// sides are also timed the other way (ours with `allTokens`, the twin with `readout`), so the
// table gives the ratio against the model as written and the like-for-like ratio.
//   npm run bench:grok-speed
import { spawnSync } from 'node:child_process';
import * as os from 'node:os';
import * as path from 'node:path';
import { performance } from 'node:perf_hooks';
import { blas, type FloatArray } from '../src/core/blas';
import { modular } from '../src/data/tasks/modular';
import type { TaskData } from '../src/data/tasks/task';
import { idSource, Minibatches } from '../src/experiments/batches';
import { CONVEX_SETTING, grokConvexModel } from '../src/experiments/grok-convex';
import { POWER_SETTING } from '../src/experiments/grok-standard';
import type { GrokTraining } from '../src/experiments/grok-train';
import { gradBuffers, objective, paramData, type Model } from '../src/nn/models/model';
import { Transformer } from '../src/nn/models/transformer';
import { adamw } from '../src/optim/transform';
import { optimizerStep } from '../src/optim/adamw-fused';
import { median } from '../src/core/median';

const RUNS = 3, WARMUP = 3;
const root = path.resolve(__dirname, '..', '..');

type Kind = 'standard' | 'convex';
interface Size { kind: Kind; p: number; layers: number; batch: number; steps: number; allTokens?: boolean }

const SIZES: Size[] = [
  { kind: 'standard', p: 97, layers: 1, batch: 512, steps: 15 },
  { kind: 'standard', p: 97, layers: 2, batch: 512, steps: 15 },
  { kind: 'convex', p: 97, layers: 1, batch: 512, steps: 30 },
  { kind: 'convex', p: 97, layers: 2, batch: 512, steps: 30 },
  { kind: 'standard', p: 15, layers: 1, batch: 60, steps: 40 },
  { kind: 'standard', p: 15, layers: 4, batch: 60, steps: 40 },
  { kind: 'convex', p: 15, layers: 1, batch: 60, steps: 40 },
  { kind: 'convex', p: 15, layers: 4, batch: 60, steps: 40 },
];

interface Ours { ms: number; forwardMs: number; backwardMs: number; optimizerMs: number; params: number }

function modelOf(s: Size, data: TaskData): { model: Model<Int32Array, FloatArray>; setting: GrokTraining } {
  if (s.kind === 'convex') return { model: grokConvexModel(data, { ...CONVEX_SETTING, layers: s.layers }), setting: CONVEX_SETTING };
  const o = POWER_SETTING;
  const model = new Transformer({
    layers: s.layers, dModel: o.dModel, heads: o.heads, seq: data.seq, vocab: data.vocab, classes: data.classes,
    norm: 'pre', float32: o.float32, seed: o.seed, allTokens: s.allTokens,
  });
  return { model, setting: o };
}


/** Our step on the first batch the trainer would draw (the whole training half when it is smaller than the batch size). */
function ours(s: Size, data: TaskData): Ours {
  const { model, setting } = modelOf(s, data);
  const train = idSource(data.ids, data.seq, data.labels, data.classes);
  const N = data.train.length;
  const rows = s.batch < N ? new Minibatches(N, s.batch, setting.seed).next().map((i) => data.train[i]) : data.train;
  const batch = train.gather(rows);
  const lossScale = N / batch.B;
  const params = paramData(model), grads = gradBuffers(model);
  const opt = adamw(setting.lr, setting.weightDecay, setting.beta1, setting.beta2);
  let state: unknown = opt.init(params);
  const step = optimizerStep(opt);
  const total: number[] = [], fwd: number[] = [], obj: number[] = [], optim: number[] = [];
  for (let k = 0; k < s.steps + WARMUP; k++) {
    const t0 = performance.now();
    model.forward(batch.input, batch.B); // forward alone, for the breakdown only
    const t1 = performance.now();
    objective(model, batch, grads, lossScale);
    const t2 = performance.now();
    state = step(grads, state, params); // as the trainer steps: one fused pass
    const t3 = performance.now();
    if (k < WARMUP) continue;
    fwd.push(t1 - t0); obj.push(t2 - t1); optim.push(t3 - t2); total.push(t3 - t1);
  }
  return {
    ms: median(total), forwardMs: median(fwd), backwardMs: median(obj) - median(fwd), optimizerMs: median(optim),
    params: params.reduce((n, q) => n + q.length, 0),
  };
}

interface Twin { medianMs: number; params: number; torch: string; threads: number }

/**
 * OpenMP's default wait policy spins: on a machine shared with other jobs (load above the 2
 * cores) torch's step then runs 3-5x slower than with OMP_WAIT_POLICY=PASSIVE. Both are timed, and
 * the ratio is taken against the faster, so that the load cannot flatter us.
 */
const POLICIES = ['default', 'PASSIVE'] as const;

function twin(s: Size, dtype: 'float32' | 'float64', policy: typeof POLICIES[number], readout = false): Twin {
  const env = policy === 'default' ? process.env : { ...process.env, OMP_WAIT_POLICY: policy };
  const args = [path.join(root, 'bench/torch_grok.py'), s.kind, `${s.layers}`, `${s.p}`, `${s.batch}`, dtype, `${s.steps}`, ...(readout ? ['readout'] : [])];
  const r = spawnSync('/usr/bin/python3', args, { encoding: 'utf8', env });
  if (r.status !== 0) throw new Error(r.stderr);
  return JSON.parse(r.stdout) as Twin;
}

/** Our step in a fresh process, as torch's is (and as `convexformer grok` runs one model per process). */
function oursInChild(s: Size): Ours {
  const r = spawnSync(process.execPath, [__filename, '--one', JSON.stringify(s)], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(r.stderr);
  return JSON.parse(r.stdout) as Ours;
}

if (process.argv[2] === '--one') {
  const s = JSON.parse(process.argv[3]) as Size;
  console.log(JSON.stringify(ours(s, modular.generate({ op: 'div', p: s.p }))));
  process.exit(0);
}

const load = os.loadavg();
console.log(`machine: ${os.cpus()[0].model}, ${os.cpus().length} cores, node ${process.version}, ${JSON.stringify(blas.info())}, load average at start ${load.map((x) => x.toFixed(2)).join(' ')}`);

const runs = SIZES.map(() => ({ ours: [] as Ours[], spin: [] as Twin[], passive: [] as Twin[], f32: [] as Twin[], oursAll: [] as Ours[], readout: [] as Twin[] }));
const faster = (a: Twin, b: Twin) => (a.medianMs <= b.medianMs ? a : b);
for (let r = 0; r < RUNS; r++) {
  SIZES.forEach((s, i) => {
    const dtype = s.kind === 'convex' ? 'float64' : 'float32';
    runs[i].ours.push(oursInChild(s));
    runs[i].spin.push(twin(s, dtype, 'default'));
    runs[i].passive.push(twin(s, dtype, 'PASSIVE'));
    if (s.kind === 'convex') runs[i].f32.push(faster(twin(s, 'float32', 'default'), twin(s, 'float32', 'PASSIVE')));
    if (s.kind === 'standard') {
      runs[i].oursAll.push(oursInChild({ ...s, allTokens: true }));
      runs[i].readout.push(faster(twin(s, dtype, 'default', true), twin(s, dtype, 'PASSIVE', true)));
    }
    console.error(`run ${r + 1}/${RUNS}: ${s.kind} p ${s.p} L ${s.layers} done`);
  });
}
console.log(`load average at end ${os.loadavg().map((x) => x.toFixed(2)).join(' ')}; PyTorch ${runs[0].spin[0].torch}, ${runs[0].spin[0].threads} threads`);
console.log(`ms/step: median of ${RUNS} runs (each the median of its steps after ${WARMUP} warm-up steps), the runs in parentheses.`);
console.log('PyTorch best: per run, the faster of its two OpenMP wait policies; ratio = ours / PyTorch best.');
console.log('Standard rows: "as written" = the twin runs every token through every block; "like for like" = both compute the last block at the readout token only.');
console.log('| model | p | L | batch | precision | params (ours = torch) | ours ms/step | PyTorch best | ratio (as written) | PyTorch readout-only best | ratio (like for like) | ours, every token | PyTorch OMP default | PyTorch OMP PASSIVE | PyTorch float32 (best) | ours: forward / backward / AdamW ms |');
console.log('|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|');
const ms = (a: number[]) => `${median(a).toFixed(1)} (${a.map((x) => x.toFixed(1)).join(', ')})`;
const oursMs = new Map<string, number>();
SIZES.forEach((s, i) => {
  const { ours: o, spin, passive, f32, oursAll, readout } = runs[i];
  const best = spin.map((t, r) => faster(t, passive[r]).medianMs);
  const same = o[0].params === spin[0].params ? `${o[0].params} = ${spin[0].params}` : `${o[0].params} != ${spin[0].params} (MISMATCH)`;
  const ratio = median(o.map((x) => x.ms)) / median(best);
  oursMs.set(`${s.kind} ${s.p} ${s.layers}`, median(o.map((x) => x.ms)));
  const t32 = s.kind === 'convex' ? ms(f32.map((x) => x.medianMs)) : '(same)';
  const parts = `${median(o.map((x) => x.forwardMs)).toFixed(1)} / ${median(o.map((x) => x.backwardMs)).toFixed(1)} / ${median(o.map((x) => x.optimizerMs)).toFixed(1)}`;
  const std = s.kind === 'standard';
  const ro = std ? `${ms(readout.map((x) => x.medianMs))} | ${(median(o.map((x) => x.ms)) / median(readout.map((x) => x.medianMs))).toFixed(2)} | ${ms(oursAll.map((x) => x.ms))}` : '- | - | -';
  console.log(`| ${s.kind} | ${s.p} | ${s.layers} | ${s.batch} | ${std ? 'float32' : 'float64'} | ${same} | ${ms(o.map((x) => x.ms))} | ${ms(best)} | ${ratio.toFixed(2)} | ${ro} | ${ms(spin.map((x) => x.medianMs))} | ${ms(passive.map((x) => x.medianMs))} | ${t32} | ${parts} |`);
});
console.log('\n| p | L | convex ms/step / standard ms/step (ours) |');
console.log('|---|---|---|');
for (const s of SIZES.filter((x) => x.kind === 'convex')) {
  const st = oursMs.get(`standard ${s.p} ${s.layers}`);
  if (st !== undefined) console.log(`| ${s.p} | ${s.layers} | ${(oursMs.get(`convex ${s.p} ${s.layers}`)! / st).toFixed(2)} |`);
}
