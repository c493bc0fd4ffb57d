// The one minibatch trainer: its sample order is seeded and a permutation each epoch; a minibatch
// objective estimates the full one without bias; early stop stops at the first evaluation that
// reaches the target; a run resumed from a mid-run checkpoint computes exactly the numbers of the
// uninterrupted run; the transformer trains through the same interface.
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { Minibatches, idSource, tokenSource } from '../../src/experiments/batches';
import { trainModel, type TrainCheckpoint, type TrainPoint } from '../../src/experiments/train';
import { objective, paramData } from '../../src/nn/models/model';
import { simplexModel } from '../../src/nn/models/simplex-model';
import { softmaxModel } from '../../src/nn/models/softmax-model';
import { Transformer } from '../../src/nn/models/transformer';
import { adamw, linearWarmup } from '../../src/optim/transform';
import { Rng } from '../../src/core/rng';
import { randn, relDiff } from '../helpers';

const N = 30, n = 4, d = 4, c = 2;
const X = randn(N * n * d, 11);
// labels from a rule the models can learn: which of tokens 1 and 2 has the larger first feature
const y = Int32Array.from({ length: N }, (_, i) => (X[(i * n + 1) * d] > X[(i * n + 2) * d] ? 1 : 0));
const tokens = { X, N, n, d };
const labelled = tokenSource(tokens, { y, c }, 'ce');

function accuracy(pred: ArrayLike<number>, labels: Int32Array): number {
  let right = 0;
  labels.forEach((l, i) => { if ((pred[i * c + 1] > pred[i * c] ? 1 : 0) === l) right++; });
  return right / labels.length;
}

test('minibatches: a seeded permutation each epoch, cut into batches; another seed, another order; restore resumes it', () => {
  const a = new Minibatches(10, 4, 3), b = new Minibatches(10, 4, 3), other = new Minibatches(10, 4, 4);
  const epochs: number[][] = [];
  for (let e = 0; e < 3; e++) {
    const batches = [a.next(), a.next(), a.next()];
    assert.deepEqual(batches.map((x) => x.length), [4, 4, 2]);
    const all = batches.flatMap((x) => Array.from(x));
    assert.deepEqual([...all].sort((p, q) => p - q), Array.from({ length: 10 }, (_, i) => i), `epoch ${e} is a permutation`);
    epochs.push(all);
    assert.deepEqual([b.next(), b.next(), b.next()].flatMap((x) => Array.from(x)), all, 'same seed, same order');
  }
  assert.notDeepEqual(epochs[1], epochs[0]);
  assert.notDeepEqual(epochs[2], epochs[1]);
  assert.notDeepEqual([other.next(), other.next(), other.next()].flatMap((x) => Array.from(x)), epochs[0]);
  // a sampler restored mid-epoch draws what the original drew next
  const c1 = new Minibatches(10, 4, 3);
  c1.next(); c1.next(); c1.next(); c1.next();
  const c2 = new Minibatches(10, 4, 3);
  c2.restore(c1.state());
  for (let k = 0; k < 5; k++) assert.deepEqual(c2.next(), c1.next());
});

test('minibatch objectives with loss scale N/B average to the full objective over an epoch', () => {
  const model = simplexModel({ n, d, c }, 2, 0.1, 1);
  const full = objective(model, labelled.all, null);
  const sampler = new Minibatches(N, 6, 2);
  let mean = 0;
  for (let k = 0; k < sampler.batchesPerEpoch; k++) {
    const b = labelled.gather(sampler.next());
    mean += objective(model, b, null, N / b.B) / sampler.batchesPerEpoch;
  }
  assert.ok(relDiff(mean, full) < 1e-13, `mean of minibatch objectives ${mean}, full ${full}`);
  // and a gathered batch of all rows in their order is the full batch
  const everything = labelled.gather(Int32Array.from({ length: N }, (_, i) => i));
  assert.equal(objective(model, everything, null), full);
});

test('early stop: training stops at the first evaluation whose accuracy reaches the target', () => {
  const model = softmaxModel({ n, d, c }, 2, 0.01, 5);
  const acc = () => accuracy(model.forward(X, N), y);
  const start = acc();
  const target = 0.9;
  assert.ok(start < target, `already at ${start} before training`);
  const seen: TrainPoint[] = [];
  const last = trainModel(model, labelled, {
    lr: 0.05, timeBudget: Infinity, maxSteps: 2000, evalEvery: 5, batchSize: 10, seed: 1,
    earlyStop: { accuracy: acc, target }, onLog: (p) => seen.push(p),
  });
  assert.ok(last.iteration < 2000, 'it trained to the step limit instead of stopping');
  assert.equal(last.iteration % 5, 0, 'it stops only where it evaluates');
  assert.ok(last.accuracy! >= target);
  assert.deepEqual(seen.at(-1), last);
  for (const p of seen.slice(0, -1)) assert.ok(p.accuracy! < target, `step ${p.iteration} had reached ${p.accuracy} and went on`);
});

test('a run resumed from a mid-run checkpoint (JSON round trip) computes exactly the numbers of the uninterrupted run', () => {
  const opts = { lr: linearWarmup(0.03, 8), optimizer: (lr: number | ((s: number) => number)) => adamw(lr, 0.01), batchSize: 7, seed: 9, timeBudget: Infinity, maxSteps: 40, evalEvery: 3 };
  const make = () => simplexModel({ n, d, c }, 2, 0.1, 3);
  const whole: TrainPoint[] = [];
  const checkpoints: TrainCheckpoint[] = [];
  const wholeModel = make();
  const wholeLast = trainModel(wholeModel, labelled, {
    ...opts, onLog: (p) => whole.push(p), checkpointEvery: 10, onCheckpoint: (ck) => checkpoints.push(JSON.parse(JSON.stringify(ck))),
  });
  assert.deepEqual(checkpoints.map((ck) => ck.step), [10, 20, 30]);
  const ck = checkpoints[1];
  // 20 batches of 7 from 30 samples, 5 per epoch (7, 7, 7, 7, 2): epochs 0-3 drawn, the next begins at the next draw
  assert.deepEqual(ck.sampler, { epoch: 3, position: 5 });
  const resumedModel = make();
  const resumed: TrainPoint[] = [];
  const resumedLast = trainModel(resumedModel, labelled, { ...opts, resume: ck, onLog: (p) => resumed.push(p) });
  const strip = (ps: TrainPoint[]) => ps.map(({ seconds: _s, ...rest }) => rest);
  assert.deepEqual(strip(resumed), strip(whole.filter((p) => p.iteration >= 20)));
  assert.equal(resumedLast.objective, wholeLast.objective);
  paramData(resumedModel).forEach((p, k) => assert.deepEqual(p, paramData(wholeModel)[k], resumedModel.params[k].name));
});

test('the full batch needs no sampler: batch size N or more trains exactly as no batch size', () => {
  const run = (batchSize?: number) => {
    const m = softmaxModel({ n, d, c }, 2, 0.01, 5);
    return trainModel(m, labelled, { lr: 0.01, timeBudget: Infinity, maxSteps: 15, batchSize }).objective;
  };
  const a = run(), b = run(N), minibatched = run(10);
  assert.equal(b, a);
  assert.notEqual(minibatched, a);
});

test('the transformer trains through the same trainer on token ids, in minibatches', () => {
  const cfg = { layers: 1, dModel: 8, heads: 2, seq: 3, vocab: 5, classes: 5, beta: 1e-3, seed: 2 };
  const rng = new Rng(4);
  const M = 40;
  const ids = Int32Array.from({ length: M * cfg.seq }, () => rng.int(cfg.vocab));
  // the label is the first token: learnable from the embeddings
  const labels = Int32Array.from({ length: M }, (_, i) => ids[i * cfg.seq]);
  const model = new Transformer(cfg);
  const data = idSource(ids, cfg.seq, labels, cfg.classes);
  const before = objective(model, data.all, null);
  const last = trainModel(model, data, { lr: 0.01, timeBudget: Infinity, maxSteps: 150, batchSize: 8, seed: 1 });
  assert.ok(last.objective < 0.5 * before, `objective ${before} -> ${last.objective}`);
});
