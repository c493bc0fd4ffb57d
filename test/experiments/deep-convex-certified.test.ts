// The certified alternative for the deep convex model (docs/deep-convex.md): block-coordinate
// descent never increases the objective, each last-layer solve closes its certificate and is the
// model's J at its point, and with one-hot embeddings and L = 1 one round is the whole model
// solved to a certificate.
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { DeepConvex, type DeepConvexConfig } from '../../src/nn/models/deep-convex';
import { blockCoordinate } from '../../src/experiments/deep-convex-certified';
import { programNamed } from '../../src/convex/registry';
import { withBeta } from '../../src/convex/programs/assemble';
import { solveCertified } from '../../src/convex/solve';
import { modular } from '../../src/data/tasks';
import { InputError } from '../../src/data/errors';
import { relDiff } from '../helpers';

const task = modular.generate({ op: 'div', p: 7, trainFrac: 0.5, seed: 0 });
const shape = { seq: task.seq, vocab: task.vocab, classes: task.classes };

const deep: [string, DeepConvexConfig][] = [
  ['one-hot, gates from each input', { ...shape, layers: 2, gates: 4, embedding: 'onehot', width: 4, beta: 1e-2, seed: 1 }],
  ['learned tokens, gates from the embeddings', { ...shape, layers: 2, gates: 4, embedding: 'learned', dModel: 4, gateFrom: 'first', beta: 1e-2, seed: 2 }],
];

for (const [name, cfg] of deep) {
  test(`block-coordinate (L = 2, ${name}) on division mod 7 never increases the objective, and each solve is certified`, () => {
    const model = new DeepConvex(cfg);
    const rounds = blockCoordinate(model, task, { rounds: 4, innerSteps: 20, lr: 1e-2, tol: 1e-8, maxIter: 20000 });
    assert.equal(rounds.length, 4);
    let previous = Infinity;
    for (const r of rounds) {
      assert.ok(r.objectiveStart <= previous, `round ${r.round}: starts at ${r.objectiveStart}, above the last round's end ${previous}`);
      assert.ok(r.objectiveAfterSteps <= r.objectiveStart, `round ${r.round}: gradient phase ${r.objectiveStart} -> ${r.objectiveAfterSteps}`);
      assert.ok(r.objective <= r.objectiveAfterSteps, `round ${r.round}: solve ${r.objectiveAfterSteps} -> ${r.objective}`);
      assert.ok(r.certificate.relGap <= 1e-8, `round ${r.round}: relative gap ${r.certificate.relGap}`);
      // the model's J at the solution is the program's primal plus the fixed layers' penalty
      assert.ok(relDiff(r.objective, r.certificate.primal + r.earlierPenalty) <= 1e-12, `round ${r.round}: J ${r.objective} vs ${r.certificate.primal} + ${r.earlierPenalty}`);
      assert.ok(r.earlierPenalty > 0);
      previous = r.objective;
    }
    // the rounds do something: the first solve lowers J, and J keeps falling
    assert.ok(rounds[0].objective < rounds[0].objectiveAfterSteps, 'the first solve did not lower J');
    assert.ok(rounds[3].objective < rounds[0].objective, `J ${rounds[0].objective} -> ${rounds[3].objective}`);
    assert.ok(rounds.some((r) => r.stepsLr !== null && r.objectiveAfterSteps < r.objectiveStart), 'no gradient phase lowered J');
  });
}

test('block-coordinate: the last-layer solve is the exact minimiser, so its objective is within the gap of the optimum from any warm start', () => {
  // two models with the same earlier layer and different last layers reach the same J after one solve
  const cfg = deep[0][1];
  const a = new DeepConvex(cfg), b = new DeepConvex(cfg);
  const lastB = b.params[b.params.length - 1].data as Float64Array;
  lastB.fill(0);
  const [ra] = blockCoordinate(a, task, { rounds: 1, innerSteps: 0, tol: 1e-10 });
  const [rb] = blockCoordinate(b, task, { rounds: 1, innerSteps: 0, tol: 1e-10 });
  assert.ok(relDiff(ra.objective, rb.objective) <= 1e-9, `${ra.objective} vs ${rb.objective}`);
  assert.ok(ra.objective >= rb.certificate.dual + rb.earlierPenalty);
});

test('block-coordinate, L = 1 with fixed one-hot embeddings: one round is the whole model solved to a certificate, J equal to the certified primal', () => {
  const beta = 0.05;
  const model = new DeepConvex({ ...shape, layers: 1, gates: 4, embedding: 'onehot', beta, seed: 3 });
  const [r] = blockCoordinate(model, task, { rounds: 1, tol: 1e-8 });
  assert.ok(r.certificate.relGap <= 1e-8, `relative gap ${r.certificate.relGap}`);
  assert.equal(r.earlierPenalty, 0);
  assert.ok(relDiff(r.objective, r.certificate.primal) <= 1e-12, `J ${r.objective} vs certified primal ${r.certificate.primal}`);
  assert.ok(r.trainAccuracy > 0 && r.trainAccuracy <= 1 && r.testAccuracy >= 0 && r.testAccuracy <= 1);
  // the same optimum as the registry's program `gated` on the one-hot tokens with the model's gates
  const rows = Array.from(task.train);
  const X = new Float64Array(rows.length * task.seq * task.vocab);
  rows.forEach((e, i) => { for (let t = 0; t < task.seq; t++) X[(i * task.seq + t) * task.vocab + task.ids[e * task.seq + t]] = 1; });
  const built = programNamed('gated').build(
    { train: { X, N: rows.length, n: task.seq, d: task.vocab }, trainTargets: { y: Int32Array.from(rows, (e) => task.labels[e]), c: task.classes }, gating: model.layers[0].gating },
    { loss: 'ce' },
  );
  const sol = solveCertified(withBeta(built, beta), 'fista', { tol: 1e-8, maxIter: 20000 });
  assert.ok(r.objective >= sol.certificate.dual && sol.certificate.primal >= r.certificate.dual, 'the two certificates bound each other');
  assert.ok(relDiff(r.objective, sol.certificate.primal) <= 2e-8, `J ${r.objective} vs the registry program's optimum ${sol.certificate.primal}`);
});

test('block-coordinate refuses bad options naming the field', () => {
  const model = new DeepConvex(deep[0][1]);
  assert.throws(() => blockCoordinate(model, task, { rounds: 1.5 }), (e: unknown) => e instanceof InputError && /rounds/.test(e.message));
  assert.throws(() => blockCoordinate(model, task, { tol: 0 }), (e: unknown) => e instanceof InputError && /tol/.test(e.message));
});
