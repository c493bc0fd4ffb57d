// The transformer keeps activation buffers for its last BUFFERED_BATCH_SIZES batch sizes (issue 9,
// item 6): switching between kept sizes reuses the buffers, and no call order changes a number.
// Each step of an alternating sequence of batch sizes (more sizes than are kept, so buffers are
// also dropped and reallocated) must give bit for bit the logits, objective and gradients of a
// fresh model on the same batch, for both norm placements and both precisions.
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import type { FloatArray } from '../../src/core/blas';
import { gradBuffers, objective, type Batch } from '../../src/nn/models/model';
import { BUFFERED_BATCH_SIZES, Transformer, type TransformerConfig } from '../../src/nn/models/transformer';
import { CrossEntropyLoss } from '../../src/losses/cross-entropy';

const base: TransformerConfig = { layers: 2, dModel: 4, heads: 2, seq: 3, vocab: 5, classes: 3, hidden: 6, beta: 0.1, seed: 7 };

/** A model whose biases, norms and embeddings are off their initial values, so that every path carries gradient. */
function perturbed(c: TransformerConfig): Transformer {
  const model = new Transformer(c);
  model.params.forEach((p, k) => { if (!model.isMatrix[k]) p.data.forEach((_, i) => (p.data[i] += 0.3 * Math.sin(3 * i + k))); });
  return model;
}

/** The call-th batch of size B: ids and labels differ between calls, so stale activations would show. */
function batchOf(B: number, call: number, c: TransformerConfig): Batch<Int32Array> {
  const input = Int32Array.from({ length: B * c.seq }, (_, i) => (7 * i + 3 * call + 1) % c.vocab);
  const labels = Int32Array.from({ length: B }, (_, b) => (b + call) % c.classes);
  return { input, B, datafit: new CrossEntropyLoss(labels, c.classes) };
}

const bytes = (a: FloatArray): Buffer => Buffer.from(a.buffer, a.byteOffset, a.byteLength);
const assertBitIdentical = (got: FloatArray, want: FloatArray, what: string): void => {
  assert.equal(got.constructor, want.constructor, `${what}: precision`);
  assert.ok(bytes(got).equals(bytes(want)), `${what}: not bit-identical`);
};

// 4 sizes > BUFFERED_BATCH_SIZES = 3: size 4 is dropped and reallocated along the way
const SIZES = [4, 1, 6, 4, 1, 2, 6, 4, 4, 1];

for (const norm of ['post', 'pre'] as const) {
  for (const float32 of [false, true]) {
    test(`transformer (${norm}-LN, ${float32 ? 'float32' : 'float64'}): alternating batch sizes give bit for bit a fresh model's logits, objective and gradients`, () => {
      const c: TransformerConfig = { ...base, norm, float32 };
      const shared = perturbed(c);
      SIZES.forEach((B, call) => {
        const batch = batchOf(B, call, c);
        const fresh = perturbed(c);
        const what = `call ${call} (B = ${B})`;
        assertBitIdentical(shared.forward(batch.input, B), fresh.forward(batch.input, B), `${what} logits`);
        const gs = gradBuffers(shared), gf = gradBuffers(fresh);
        assert.ok(Object.is(objective(shared, batch, gs), objective(fresh, batch, gf)), `${what} objective`);
        shared.params.forEach((p, k) => assertBitIdentical(gs[k], gf[k], `${what} gradient of ${p.name}`));
        // an attention map at another size in between must not disturb the next call either
        shared.attentionMap(batchOf(5, call, c).input, 5);
      });
    });
  }
}

test('transformer: a kept batch size reuses its buffers; the least recently used size is dropped; releaseBuffers drops all', () => {
  assert.equal(BUFFERED_BATCH_SIZES, 3);
  const model = new Transformer({ ...base, float32: true });
  const logits = (B: number) => model.forward(batchOf(B, 0, base).input, B);
  const at512 = logits(4), at48 = logits(1), atEval = logits(6);
  assert.equal(logits(4), at512, 'size 4 kept');
  assert.equal(logits(1), at48, 'size 1 kept');
  assert.equal(logits(6), atEval, 'size 6 kept');
  logits(2); // a 4th size: drops size 4, the least recently used
  assert.equal(logits(1), at48, 'size 1 still kept');
  assert.notEqual(logits(4), at512, 'size 4 was dropped and reallocated');
  const now = logits(4);
  model.releaseBuffers();
  assert.notEqual(logits(4), now, 'releaseBuffers dropped size 4');
});
