// The deep convex model's structural options in the grokking experiment (issue 9, item 3): the
// defaults build today's model bit for bit, each option reaches DeepConvex, and a bad value is
// refused in one line naming its field.
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { InputError } from '../../src/data/errors';
import { modular } from '../../src/data/tasks/modular';
import { CONVEX_SETTING, grokConvexModel, type GrokConvexOptions } from '../../src/experiments/grok-convex';
import { grokConfig } from '../../src/experiments/grok';
import { DeepConvex } from '../../src/nn/models/deep-convex';

const data = modular.generate({ op: 'div', p: 7, trainFrac: 0.5, seed: 0 });
const small: GrokConvexOptions = { ...CONVEX_SETTING, gates: 3, dModel: 5 };

for (const embedding of ['learned', 'onehot'] as const) {
  test(`grok convex (${embedding}): the default options build the model as before the structural options (learned positions on learned tokens, gates from each input, no skip), bit for bit`, () => {
    const model = grokConvexModel(data, { ...small, embedding });
    const before = new DeepConvex({
      layers: small.layers, seq: data.seq, vocab: data.vocab, classes: data.classes, gates: small.gates, embedding,
      dModel: small.dModel, positions: embedding === 'learned', beta: small.beta * data.train.length, seed: small.seed,
    });
    assert.deepEqual(model.params.map((p) => p.name), before.params.map((p) => p.name));
    model.params.forEach((p, k) => assert.deepEqual(p.data, before.params[k].data));
    const B = data.N;
    assert.deepEqual(model.forward(data.ids, B), before.forward(data.ids, B));
  });
}

test('grok convex: gateFrom, skip and positions reach the model', () => {
  const m = grokConvexModel(data, { ...small, gateFrom: 'first', skip: true, positions: false });
  assert.equal(m.cfg.gateFrom, 'first');
  assert.equal(m.cfg.skip, true);
  assert.deepEqual(m.params.map((p) => p.name), ['wte', 'Z1', 'Z2']);
  // one-hot tokens have no position table, whatever positions says
  assert.deepEqual(grokConvexModel(data, { ...small, embedding: 'onehot' }).params.map((p) => p.name), ['Z1', 'Z2']);
});

test('grok convex: the structural options are in the convex defaults (so config.json records them) and not offered to the certified model', () => {
  const cfg = grokConfig({ model: 'convex', p: 7, skip: true });
  assert.deepEqual([cfg.model === 'convex' && cfg.gateFrom, cfg.model === 'convex' && cfg.skip, cfg.model === 'convex' && cfg.positions], ['input', true, true]);
  assert.throws(() => grokConfig({ model: 'convex-certified', p: 7, gateFrom: 'first' }), (e: unknown) => e instanceof InputError && e.field === 'gateFrom');
});

const bad: [keyof GrokConvexOptions, unknown, RegExp][] = [
  ['gateFrom', 'last', /must be one of input, first, got last/],
  ['skip', 'yes', /must be true or false, got yes/],
  ['positions', 1, /must be true or false, got 1/],
];
for (const [field, value, message] of bad) {
  test(`grok convex: ${field} = ${String(value)} is refused in one line naming the field`, () => {
    assert.throws(() => grokConvexModel(data, { ...small, [field]: value }), (e: unknown) => {
      assert.ok(e instanceof InputError && e.field === field, `field ${String((e as InputError).field)}`);
      assert.match(e.message, message);
      assert.ok(!e.message.includes('\n'));
      return true;
    });
  });
}

test('grok convex: positions follows the embedding (config.json records the model built), and no positions on one-hot tokens is refused in one line', () => {
  const onehot = grokConfig({ model: 'convex', p: 7, embedding: 'onehot' });
  assert.equal(onehot.model === 'convex' && onehot.positions, false);
  const explicit = grokConfig({ model: 'convex', p: 7, embedding: 'onehot', positions: true });
  assert.equal(explicit.model === 'convex' && explicit.positions, false);
  const learned = grokConfig({ model: 'convex', p: 7, positions: false });
  assert.equal(learned.model === 'convex' && learned.positions, false);
  assert.throws(() => grokConfig({ model: 'convex', p: 7, embedding: 'onehot', positions: false }), (e: unknown) => {
    assert.ok(e instanceof InputError && e.field === 'positions');
    assert.match(e.message, /only with embedding learned/);
    assert.ok(!e.message.includes('\n'));
    return true;
  });
  // the recorded one-hot config builds the same model as the old default (positions true on one-hot tokens)
  const { task: _t, op: _o, p: _p, trainFrac: _f, model: _m, ...o } = onehot as unknown as Record<string, unknown>;
  const built = grokConvexModel(data, { ...(o as unknown as GrokConvexOptions), gates: 3 });
  const before = grokConvexModel(data, { ...CONVEX_SETTING, embedding: 'onehot', gates: 3 });
  assert.deepEqual(built.params.map((p) => p.name), before.params.map((p) => p.name));
  built.params.forEach((p, k) => assert.deepEqual(p.data, before.params[k].data));
});
