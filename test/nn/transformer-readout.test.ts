// The transformer computes its last layer at the readout token only (readoutLayerForward). Held
// against the plain reference, the same model with `allTokens` (every token through the last
// layer, the readout row taken after): logits, every parameter's gradient and the attention map
// agree for both norm placements and for a readout token that is not the last; and the readout
// attention kernel against the readout row of the full attention.
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { gradBuffers, objective, type Batch } from '../../src/nn/models/model';
import { Transformer, type TransformerConfig } from '../../src/nn/models/transformer';
import { CrossEntropyLoss } from '../../src/losses/cross-entropy';
import { attentionBackwardTs, attentionForwardTs } from '../../src/attention/multi-head';
import { readoutAttentionBackwardTs, readoutAttentionForwardTs } from '../../src/attention/readout-attention';
import { assertClose, maxAbsDiff, randn } from '../helpers';

const B = 3, T = 4;
const ids = Int32Array.from({ length: B * T }, (_, i) => (i * 5 + 1) % 7);
const batch: Batch<Int32Array> = { input: ids, B, datafit: new CrossEntropyLoss(new Int32Array([2, 0, 4]), 5) };

function perturbed(c: TransformerConfig): Transformer {
  const model = new Transformer(c);
  model.params.forEach((p, k) => { if (!model.isMatrix[k]) p.data.forEach((_, i) => (p.data[i] += 0.3 * Math.sin(3 * i + k))); });
  return model;
}

for (const norm of ['pre', 'post'] as const) {
  for (const [layers, token] of [[1, 3], [2, 3], [2, 1]]) {
    test(`transformer (${norm}-LN, ${layers} layers, readout token ${token}): readout-only last layer = every token's, logits and gradients`, () => {
      const cfg: TransformerConfig = { layers, dModel: 8, heads: 2, seq: T, vocab: 7, classes: 5, hidden: 12, token, beta: 0.1, seed: 11, norm };
      const fast = perturbed(cfg), ref = perturbed({ ...cfg, allTokens: true });
      const gf = gradBuffers(fast), gr = gradBuffers(ref);
      const of = objective(fast, batch, gf), or = objective(ref, batch, gr);
      assert.ok(Math.abs(of - or) <= 1e-13 * Math.abs(or), `objective ${of} vs ${or}`);
      assertClose(fast.forward(ids, B), ref.forward(ids, B), 1e-12, 'logits');
      fast.params.forEach((p, k) => {
        const scale = Math.max(1e-300, ...Array.from(gr[k], Math.abs));
        assert.ok(maxAbsDiff(gf[k], gr[k]) <= 1e-11 * scale, `${p.name}: gradient differs by ${maxAbsDiff(gf[k], gr[k])} (scale ${scale})`);
        assert.ok(scale > 1e-8, `${p.name}: no gradient reaches it, so the comparison could not fail`);
      });
      assertClose(fast.attentionMap(ids, B), ref.attentionMap(ids, B), 1e-13, 'attention map');
    });
  }
}

test('readout attention (TypeScript reference) = the readout row of the full attention, forward and backward', () => {
  const C = 8, NH = 2, tok = 2, s = { B, T, C, NH, scale: 0.5 };
  const qkv = randn(B * T * 3 * C, 1);
  const out = new Float64Array(B * T * C), att = new Float64Array(B * NH * T * T);
  attentionForwardTs(out, att, qkv, s);
  const q = new Float64Array(B * C), kv = new Float64Array(B * T * 2 * C);
  for (let b = 0; b < B; b++) {
    q.set(qkv.subarray((b * T + tok) * 3 * C, (b * T + tok) * 3 * C + C), b * C);
    for (let t = 0; t < T; t++) kv.set(qkv.subarray((b * T + t) * 3 * C + C, (b * T + t + 1) * 3 * C), (b * T + t) * 2 * C);
  }
  const rout = new Float64Array(B * C), ratt = new Float64Array(B * NH * T);
  readoutAttentionForwardTs(rout, ratt, q, kv, s);
  for (let b = 0; b < B; b++) {
    assertClose(rout.subarray(b * C, (b + 1) * C), out.subarray((b * T + tok) * C, (b * T + tok + 1) * C), 1e-14, `out row ${b}`);
    for (let h = 0; h < NH; h++) assertClose(ratt.subarray((b * NH + h) * T, (b * NH + h + 1) * T), att.subarray(((b * NH + h) * T + tok) * T, ((b * NH + h) * T + tok + 1) * T), 1e-14, 'att');
  }
  // backward: an upstream gradient on the readout rows only
  const dout = new Float64Array(B * T * C), drow = randn(B * C, 2);
  for (let b = 0; b < B; b++) dout.set(drow.subarray(b * C, (b + 1) * C), (b * T + tok) * C);
  const dqkv = new Float64Array(B * T * 3 * C);
  attentionBackwardTs(dqkv, dout, qkv, att, s);
  const dq = new Float64Array(B * C), dkv = new Float64Array(B * T * 2 * C);
  readoutAttentionBackwardTs(dq, dkv, drow, q, kv, ratt, s);
  for (let b = 0; b < B; b++) {
    for (let t = 0; t < T; t++) {
      const o = (b * T + t) * 3 * C;
      const dqRef = dqkv.subarray(o, o + C);
      assertClose(t === tok ? dq.subarray(b * C, (b + 1) * C) : new Float64Array(C), dqRef, 1e-14, `dq ${b},${t}`);
      assertClose(dkv.subarray((b * T + t) * 2 * C, (b * T + t + 1) * 2 * C), dqkv.subarray(o + C, o + 3 * C), 1e-14, `dkv ${b},${t}`);
    }
  }
});
