// The pre-LN transformer (Power et al.'s grokking model): x' = x + Attn(LN1(x)),
// x'' = x' + FCN(LN2(x')), a final LayerNorm before the head, the answer read from the last token.
// Its objective's gradient against finite differences through the Model interface; its norms are
// named parameters outside the weight decay; with attention and FCN outputs zeroed it is the head
// on the final norm of the last token's embedding; float32 agrees with float64.
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { gradBuffers, objective, sumSquares, type Batch } from '../../src/nn/models/model';
import { Transformer, type TransformerConfig } from '../../src/nn/models/transformer';
import { CrossEntropyLoss } from '../../src/losses/cross-entropy';
import { layerNormForward } from '../../src/nn/layernorm';
import { assertClose, relDiff } from '../helpers';
import { checkGradient } from './gradcheck';

const cfg: TransformerConfig = { layers: 2, dModel: 4, heads: 2, seq: 3, vocab: 5, classes: 3, hidden: 6, beta: 0.1, seed: 7, norm: 'pre' };
const batch: Batch<Int32Array> = { input: new Int32Array([0, 4, 2, 1, 1, 3, 2, 2, 0]), B: 3, datafit: new CrossEntropyLoss(new Int32Array([2, 0, 1]), 3) };

/** The model with its biases, norms and embeddings moved off their initial values, so that every path carries gradient. */
function perturbed(c: TransformerConfig): Transformer {
  const model = new Transformer(c);
  model.params.forEach((p, k) => { if (!model.isMatrix[k]) p.data.forEach((_, i) => (p.data[i] += 0.3 * Math.sin(3 * i + k))); });
  return model;
}

test('pre-LN transformer (2 layers): its objective\'s gradient matches finite differences, every parameter', () => {
  const model = perturbed(cfg);
  const grads = gradBuffers(model);
  objective(model, batch, grads);
  model.params.forEach((p, k) => checkGradient(p.name, () => objective(model, batch, null), p.data as Float64Array, grads[k], 1e-6));
});

test('pre-LN transformer: two norms per layer and a final one, named, outside the weight decay', () => {
  const model = new Transformer(cfg);
  const names = model.params.map((p) => p.name);
  for (const n of ['0.ln1w', '0.ln1b', '0.ln2w', '0.ln2b', '1.ln1w', '1.ln2b', 'lnfw', 'lnfb']) assert.ok(names.includes(n), `no parameter ${n}`);
  assert.ok(!names.includes('0.lnw'), 'the post-LN norm is not in the pre-LN model');
  const matrices = model.params.filter((_, k) => model.isMatrix[k]).map((p) => p.name);
  assert.deepEqual(matrices, ['0.Wqkv', '0.Wo', '0.W1', '0.W2', '1.Wqkv', '1.Wo', '1.W1', '1.W2', 'Wh']);
  const decay = model.weightDecay(null);
  assert.ok(relDiff(decay, 0.05 * sumSquares(model.params.filter((_, k) => model.isMatrix[k]).map((p) => p.data))) < 1e-15);
  // the same seed draws the same matrices as the post-LN model (the norms draw nothing)
  const post = new Transformer({ ...cfg, norm: 'post' });
  for (const name of matrices) assert.deepEqual(model.params.find((p) => p.name === name)!.data, post.params.find((p) => p.name === name)!.data, name);
});

test('pre-LN transformer with attention and FCN outputs zeroed: logits = LNf(embedding of the last token) W_h + b_h', () => {
  const model = perturbed(cfg);
  const P = (n: string) => model.params.find((p) => p.name === n)!.data;
  for (let l = 0; l < cfg.layers; l++) for (const n of ['Wo', 'bo', 'W2', 'b2']) P(`${l}.${n}`).fill(0);
  const { B, input } = batch, D = cfg.dModel, T = cfg.seq, C = cfg.classes;
  const logits = model.forward(input, B);
  const z = new Float64Array(B * D);
  for (let b = 0; b < B; b++) for (let k = 0; k < D; k++) z[b * D + k] = P('wte')[input[b * T + T - 1] * D + k] + P('wpe')[(T - 1) * D + k];
  const zn = new Float64Array(B * D);
  layerNormForward(zn, new Float64Array(B), new Float64Array(B), z, P('lnfw') as Float64Array, P('lnfb') as Float64Array, B, D);
  const expected = new Float64Array(B * C);
  for (let b = 0; b < B; b++) for (let c = 0; c < C; c++) {
    let s = P('bh')[c];
    for (let k = 0; k < D; k++) s += zn[b * D + k] * P('Wh')[k * C + c];
    expected[b * C + c] = s;
  }
  assertClose(logits, expected, 1e-12, 'logits');
  // and the post-LN model on the same parameters is not that (no final norm): the check can fail
  const post = perturbed({ ...cfg, norm: 'post' });
  for (const p of post.params) if (model.params.some((q) => q.name === p.name)) p.data.set(P(p.name));
  assert.ok(relDiff(post.forward(input, B)[0], expected[0]) > 1e-3);
});

test('pre-LN transformer in float32 agrees with float64', () => {
  const c = { layers: 2, dModel: 8, heads: 2, seq: 4, vocab: 7, classes: 5, seed: 3, norm: 'pre' as const };
  const m64 = new Transformer(c), m32 = new Transformer({ ...c, float32: true });
  const ids = Int32Array.from({ length: 12 }, (_, i) => (i * 5) % 7);
  // float32 rounding (6e-8 relative) grown through two layers and three norms, relative to the logits' scale
  assertClose(m32.forward(ids, 3), m64.forward(ids, 3), 1e-5, 'logits');
});
