// The deep convex transformer (docs/deep-convex.md): every parameter's gradient, the embeddings'
// included, against finite differences; with fixed one-hot embeddings and L = 1 its objective is
// the certified program `gated`'s primal at the same Z and gates; deeper, its last layer is that
// program on the last layer's input; a short run through the trainer lowers the objective.
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { DeepConvex, type DeepConvexConfig } from '../../src/nn/models/deep-convex';
import { gradBuffers, objective, type Batch } from '../../src/nn/models/model';
import { CrossEntropyLoss } from '../../src/losses/cross-entropy';
import { programNamed } from '../../src/convex/registry';
import { withBeta } from '../../src/convex/programs/assemble';
import { primalValue } from '../../src/convex/duality';
import { solveCertified } from '../../src/convex/solve';
import { GroupL2 } from '../../src/convex/penalties/group-l2';
import { trainModel } from '../../src/experiments/train';
import { idSource } from '../../src/experiments/batches';
import { adam } from '../../src/optim/transform';
import { modular, type TaskData } from '../../src/data/tasks';
import { assertClose, randLabels, relDiff } from '../helpers';
import { checkGradient } from './gradcheck';

const n = 4, V = 7, c = 5, B = 6;
const ids = Int32Array.from({ length: B * n }, (_, i) => (i * 3 + (i >> 2)) % V);
const labels = randLabels(B, c, 4);
const batch: Batch<Int32Array> = { input: ids, B, datafit: new CrossEntropyLoss(labels, c) };
const base = { seq: n, vocab: V, classes: c, beta: 0.05, seed: 3 };

/** One-hot rows of token ids: (B, n) -> (B, n, V). */
function oneHot(t: Int32Array, vocab: number): Float64Array {
  const X = new Float64Array(t.length * vocab);
  t.forEach((id, r) => (X[r * vocab + id] = 1));
  return X;
}

/** The training equations of a task, as the trainer's data source, with their labels. */
function trainSource(task: TaskData) {
  const rows = Array.from(task.train);
  const ids = Int32Array.from(rows.flatMap((r) => Array.from(task.ids.subarray(r * task.seq, (r + 1) * task.seq))));
  const labels = Int32Array.from(rows.map((r) => task.labels[r]));
  return { ...idSource(ids, task.seq, labels, task.classes), labels };
}

const variants: [string, DeepConvexConfig][] = [
  ['one-hot, L = 1', { ...base, layers: 1, gates: 3, embedding: 'onehot' }],
  ['one-hot, L = 2, hidden width 3', { ...base, layers: 2, gates: 3, embedding: 'onehot', width: 3 }],
  ['learned tokens and positions, L = 2', { ...base, layers: 2, gates: 2, embedding: 'learned', dModel: 4, positions: true }],
  ['learned tokens, L = 3, gates from the embeddings', { ...base, layers: 3, gates: 2, embedding: 'learned', dModel: 3, width: 2, gateFrom: 'first' }],
  ['learned tokens and positions, L = 3, skips', { ...base, layers: 3, gates: 2, embedding: 'learned', dModel: 3, positions: true, skip: true }],
  ['one-hot, L = 2, skip', { ...base, layers: 2, gates: 3, embedding: 'onehot', skip: true }],
  // widths 3 and 5 padded to 4 and 8: the map's padding and truncation are in the chain rule too
  ['learned tokens and positions, L = 2, kernel features (2 blocks, chi(2))', { ...base, layers: 2, gates: 2, embedding: 'learned', dModel: 3, width: 5, positions: true, kernel: { blocks: 2, dof: 2 } }],
  ['one-hot, L = 2, kernel features, skip', { ...base, layers: 2, gates: 2, embedding: 'onehot', skip: true, kernel: { blocks: 1, dof: 1 } }],
];

for (const [name, cfg] of variants) {
  test(`deep convex (${name}): every parameter's gradient matches finite differences`, () => {
    const model = new DeepConvex(cfg);
    const grads = gradBuffers(model);
    objective(model, batch, grads);
    model.params.forEach((p, k) => {
      // a gradient that is 0 everywhere would pass the check vacuously
      assert.ok(grads[k].some((g) => g !== 0), `${p.name}: gradient is all zeros`);
      checkGradient(`${name} ${p.name}`, () => objective(model, batch, null), p.data as Float64Array, grads[k], 1e-6);
    });
    const map = model.attentionMap(ids, B);
    assert.equal(map.length, n);
    assert.ok(Math.abs(map.reduce((a, b) => a + b, 0) - 1) < 1e-12);
  });
}

test('deep convex, skip: with Z^1 = 0 the hidden layer passes its input through, so L = 2 predicts as L = 1 with the same last layer; skip: false does not', () => {
  const cfg: DeepConvexConfig = { ...base, layers: 2, gates: 3, embedding: 'learned', dModel: 4, positions: true };
  const one = new DeepConvex({ ...cfg, layers: 1 });
  const predOne = Float64Array.from(one.forward(ids, B));
  for (const skip of [true, false]) {
    const two = new DeepConvex({ ...cfg, skip });
    two.layers[0].Z.fill(0);
    // the same embeddings, last layer and last-layer gates as the L = 1 model
    for (const name of ['wte', 'wpe']) two.params.find((q) => q.name === name)!.data.set(one.params.find((q) => q.name === name)!.data);
    two.layers[1].Z.set(one.layers[0].Z);
    two.layers[1].gating.U1.set(one.layers[0].gating.U1);
    two.layers[1].gating.U2.set(one.layers[0].gating.U2);
    const predTwo = two.forward(ids, B);
    if (skip) assert.deepEqual(predTwo, predOne);
    else assert.ok(predTwo.every((v) => v === 0), 'without the skip a zero hidden layer zeroes the predictions');
  }
});

test('deep convex: skip needs the hidden width to equal the embedding width', () => {
  assert.throws(() => new DeepConvex({ ...base, layers: 2, gates: 2, embedding: 'onehot', width: 3, skip: true }), /skip needs the hidden width to equal the embedding width 7, got 3/);
});

test('deep convex: the subgradient of a zero group of the penalty is 0, and the group adds nothing to it', () => {
  const model = new DeepConvex({ ...base, layers: 1, gates: 2, embedding: 'onehot' });
  const Z = model.params[0].data as Float64Array;
  const d = model.layers[0].d;
  const before = model.weightDecay(null);
  const zeroed = Z.slice(0, d);
  Z.fill(0, 0, d);
  const g = [new Float64Array(Z.length)];
  const after = model.weightDecay(g);
  let dropped = 0;
  for (const v of zeroed) dropped += v * v;
  assert.ok(relDiff(after, before - base.beta * Math.sqrt(dropped)) <= 1e-12, `penalty ${after} vs ${before} - beta ||z||`);
  assert.ok(g[0].subarray(0, d).every((v) => v === 0), 'zero group: subgradient 0');
  assert.ok(g[0].subarray(d).every((v) => v !== 0), 'nonzero groups: subgradient nonzero');
});

test('deep convex, fixed one-hot embeddings and L = 1: the objective is the certified gated program\'s primal at the same Z and gates', () => {
  const model = new DeepConvex({ ...base, layers: 1, gates: 4, embedding: 'onehot' });
  const built = programNamed('gated').build(
    { train: { X: oneHot(ids, V), N: B, n, d: V }, trainTargets: { y: labels, c }, gating: model.layers[0].gating },
    { loss: 'ce' },
  );
  const problem = withBeta(built, base.beta).problem;
  // Z (h, c, n, V) is the program's layout (zShape) as it stands
  assert.deepEqual(built.zShape, model.params[0].shape);
  const Z = model.params[0].data as Float64Array;
  const pred = new Float64Array(B * c);
  problem.operator.apply(Z, pred);
  assertClose(model.forward(ids, B), pred, 1e-12, 'predictions');
  const primal = primalValue(problem, Z, pred);
  const value = objective(model, batch, null);
  assert.ok(relDiff(value, primal) <= 1e-12, `model ${value} vs program ${primal}`);
});

test('deep convex, L = 2: with the first layer fixed, the objective is the gated program on the last layer\'s input plus the first layer\'s penalty', () => {
  const model = new DeepConvex({ ...base, layers: 2, gates: 3, embedding: 'learned', dModel: 3, width: 2 });
  const top = model.lastLayerInput(ids, B);
  const built = programNamed('gated').build(
    { train: { X: top.X, N: B, n: top.n, d: top.d }, trainTargets: { y: labels, c }, gating: top.gating },
    { loss: 'ce' },
  );
  const problem = withBeta(built, base.beta).problem;
  const [first, last] = model.layers;
  const pred = new Float64Array(B * c);
  problem.operator.apply(last.Z, pred);
  const expected = primalValue(problem, last.Z, pred) + base.beta * new GroupL2(first.d).value(first.Z);
  const value = objective(model, batch, null);
  assert.ok(relDiff(value, expected) <= 1e-12, `model ${value} vs program + first layer's penalty ${expected}`);
});

test('deep convex: a short run through the trainer on division mod 5 lowers the objective', () => {
  const task = modular.generate({ op: 'div', p: 5, trainFrac: 0.5, seed: 0 });
  const data = trainSource(task);
  const model = new DeepConvex({ layers: 2, seq: task.seq, vocab: task.vocab, classes: task.classes, gates: 4, embedding: 'onehot', beta: 1e-3, seed: 1 });
  const start = objective(model, data.all, null);
  const end = trainModel(model, data, { lr: 1e-2, optimizer: adam, timeBudget: Infinity, maxSteps: 60 });
  assert.equal(end.iteration, 60);
  assert.ok(end.objective < 0.5 * start, `objective ${start} -> ${end.objective}`);
});

test('deep convex, L = 1 one-hot on division mod 5: the program solves to a certificate; at its Z the model\'s objective is the certified primal, and Adam stays above the dual bound', () => {
  const task = modular.generate({ op: 'div', p: 5, trainFrac: 0.5, seed: 0 });
  const data = trainSource(task);
  const model = new DeepConvex({ layers: 1, seq: task.seq, vocab: task.vocab, classes: task.classes, gates: 4, embedding: 'onehot', beta: 0.2, seed: 2 });
  const built = programNamed('gated').build(
    { train: { X: oneHot(data.all.input, task.vocab), N: data.N, n: task.seq, d: task.vocab }, trainTargets: { y: data.labels, c: task.classes }, gating: model.layers[0].gating },
    { loss: 'ce' },
  );
  const sol = solveCertified(withBeta(built, 0.2), 'fista', { tol: 1e-9, maxIter: 50000 });
  assert.ok(sol.certificate.relGap <= 1e-9, `relative gap ${sol.certificate.relGap}`);
  const Z = model.params[0].data as Float64Array;
  const start = objective(model, data.all, null);
  trainModel(model, data, { lr: 1e-2, optimizer: adam, timeBudget: Infinity, maxSteps: 200 });
  const trained = objective(model, data.all, null);
  assert.ok(trained < start, `Adam: objective ${start} -> ${trained}`);
  assert.ok(trained >= sol.certificate.dual, `Adam's objective ${trained} is below the dual bound ${sol.certificate.dual}`);
  Z.set(sol.w);
  const atOptimum = objective(model, data.all, null);
  assert.ok(relDiff(atOptimum, sol.certificate.primal) <= 1e-12, `model ${atOptimum} vs certified primal ${sol.certificate.primal}`);
});

test('deep convex with kernel features: each layer reads phi(X), so its Z has D = blocks x the padded width, and the gates read X (width 3, then 5)', () => {
  const model = new DeepConvex({ ...base, layers: 2, gates: 2, embedding: 'learned', dModel: 3, width: 5, kernel: { blocks: 3, dof: 1 } });
  assert.deepEqual(model.params.filter((p) => p.name.startsWith('Z')).map((p) => p.shape), [[2, n, 5, n, 12], [2, c, n, 24]]);
  assert.deepEqual(model.layers.map((l) => l.gating.U2.length / 2), [3, 5]);
  assert.deepEqual(model.layers.map((l) => l.map && [l.map.d, l.map.dPad, l.map.D]), [[3, 4, 12], [5, 8, 24]]);
});
