// Every layer's backward against central finite differences of a random linear functional of
// its output, L = <R, forward(...)>, so that dout = R.
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { linearForward, linearBackward } from '../../src/nn/linear';
import { layerNormForward, layerNormBackward, layerNormForwardTs, layerNormBackwardTs, nativeLayerNorm, nativeLayerNormReason } from '../../src/nn/layernorm';
import { readoutAttentionForward, readoutAttentionBackward, readoutAttentionForwardTs, readoutAttentionBackwardTs, nativeReadout, nativeReadoutReason } from '../../src/attention/readout-attention';
import { reluForward, reluBackward, reluForwardTs, reluBackwardTs, nativeRelu, nativeReluReason, gatedReluForward, gatedReluBackward, residualForward } from '../../src/nn/activations';
import { attentionForward, attentionBackward, attentionForwardTs, attentionBackwardTs, nativeAttention, nativeAttentionReason } from '../../src/attention/multi-head';
import { simplexForward, simplexBackward, type SimplexParams } from '../../src/nn/simplex-attention';
import { embeddingForward, embeddingBackward, embeddingForwardTs, embeddingBackwardTs, nativeEmbedding, nativeEmbeddingReason } from '../../src/nn/embedding';
import { dot } from '../../src/core/vec';
import { assertClose, randn } from '../helpers';
import { checkGradient } from './gradcheck';
import { nativeAddon } from '../../src/core/native-addon';
import { groupPenalty, nativeGroupPenaltyReason } from '../../src/losses/group-norms';

test('linear: gradients of input, weight and bias', () => {
  const B = 4, C = 3, OC = 5;
  const inp = randn(B * C, 1), W = randn(C * OC, 2), b = randn(OC, 3), R = randn(B * OC, 4);
  const out = new Float64Array(B * OC);
  const f = () => (linearForward(out, inp, W, b, B, C, OC), dot(out, R));
  const dinp = new Float64Array(B * C), dW = new Float64Array(C * OC), db = new Float64Array(OC);
  linearBackward(dinp, dW, db, R, inp, W, B, C, OC);
  checkGradient('inp', f, inp, dinp);
  checkGradient('W', f, W, dW);
  checkGradient('b', f, b, db);
});

test('linear: backward accumulates into every gradient, the input gradient included', () => {
  // Layers add their gradients into the buffers they are given, so an input that feeds two layers
  // gets both contributions; a second identical call must therefore double each gradient.
  const B = 4, C = 3, OC = 5;
  const inp = randn(B * C, 1), W = randn(C * OC, 2), R = randn(B * OC, 4);
  const once = { dinp: randn(B * C, 5), dW: randn(C * OC, 6), db: randn(OC, 7) };
  const twice = { dinp: once.dinp.slice(), dW: once.dW.slice(), db: once.db.slice() };
  const start = { dinp: once.dinp.slice(), dW: once.dW.slice(), db: once.db.slice() };
  linearBackward(once.dinp, once.dW, once.db, R, inp, W, B, C, OC);
  linearBackward(twice.dinp, twice.dW, twice.db, R, inp, W, B, C, OC);
  linearBackward(twice.dinp, twice.dW, twice.db, R, inp, W, B, C, OC);
  for (const k of ['dinp', 'dW', 'db'] as const) {
    const step = once[k].map((v, i) => v - start[k][i]);
    assert.ok(step.some((v) => Math.abs(v) > 1e-3), `${k}: the backward added nothing`);
    assertClose(twice[k].map((v, i) => v - start[k][i]), step.map((v) => 2 * v), 1e-12, `${k} after two calls`);
  }
});

test('layer norm: gradients of input, scale and shift', () => {
  const B = 3, C = 6;
  const inp = randn(B * C, 5, 2), w = randn(C, 6), bias = randn(C, 7), R = randn(B * C, 8);
  const out = new Float64Array(B * C), mean = new Float64Array(B), rstd = new Float64Array(B);
  const f = () => (layerNormForward(out, mean, rstd, inp, w, bias, B, C), dot(out, R));
  f();
  const dinp = new Float64Array(B * C), dw = new Float64Array(C), db = new Float64Array(C);
  layerNormBackward(dinp, dw, db, R, inp, w, mean, rstd, B, C);
  checkGradient('inp', f, inp, dinp, 1e-5);
  checkGradient('weight', f, w, dw);
  checkGradient('bias', f, bias, db);
});

test('relu and gated relu', () => {
  const x = randn(20, 9).map((v) => (Math.abs(v) < 1e-3 ? 0.5 : v)); // keep away from the kink
  const g = randn(20, 10);
  const R = randn(20, 11);
  const out = new Float64Array(20);
  const dx = new Float64Array(20);
  reluBackward(dx, R, x);
  checkGradient('relu', () => (reluForward(out, x), dot(out, R)), x, dx);
  const dg = new Float64Array(20);
  gatedReluBackward(dg, R, g);
  checkGradient('gated relu', () => (gatedReluForward(out, x, g), dot(out, R)), x, dg);
  gatedReluForward(out, x, g);
  assert.ok(out.some((v) => v === 0) && out.some((v) => v !== 0));
});

test('softmax self-attention core: gradient of packed q, k, v', () => {
  const s = { B: 2, T: 3, C: 4, NH: 2, scale: 0.7 };
  const inp = randn(s.B * s.T * 3 * s.C, 12), R = randn(s.B * s.T * s.C, 13);
  const out = new Float64Array(s.B * s.T * s.C), att = new Float64Array(s.B * s.NH * s.T * s.T);
  const f = () => (attentionForward(out, att, inp, s), dot(out, R));
  f();
  const dinp = new Float64Array(inp.length);
  attentionBackward(dinp, R, inp, att, s);
  checkGradient('qkv', f, inp, dinp);
  // rows of att are distributions
  for (let r = 0; r < att.length / s.T; r++) {
    const row = att.subarray(r * s.T, (r + 1) * s.T);
    assert.ok(Math.abs(row.reduce((a, b) => a + b, 0) - 1) < 1e-12);
  }
});

for (const gated of [false, true]) {
  test(`simplex attention (eq. ${gated ? '29' : '9'}): gradients of logits, W2 and W3`, () => {
    const sh = { N: 5, n: 4, d: 3, c: 2, H: 3 };
    const X = randn(sh.N * sh.n * sh.d, 14);
    const p: SimplexParams<Float64Array> = { theta: randn(sh.H * sh.n, 15), W2: randn(sh.H * sh.d, 16), W3: randn(sh.H * sh.c, 17) };
    const gates = gated ? Uint8Array.from({ length: sh.N * sh.H }, (_, i) => (i * 7) % 3 === 0 ? 0 : 1) : null;
    const R = randn(sh.N * sh.c, 18);
    const pred = new Float64Array(sh.N * sh.c), a = new Float64Array(sh.H * sh.n), s = new Float64Array(sh.N * sh.H);
    const f = () => (simplexForward(pred, a, s, X, p, gates, sh), dot(pred, R));
    f();
    const g: SimplexParams<Float64Array> = { theta: new Float64Array(sh.H * sh.n), W2: new Float64Array(sh.H * sh.d), W3: new Float64Array(sh.H * sh.c) };
    simplexBackward(g, R, a, s, X, p, gates, sh);
    checkGradient('theta', f, p.theta, g.theta);
    checkGradient('W2', f, p.W2, g.W2);
    checkGradient('W3', f, p.W3, g.W3);
  });
}

test('embedding: gradients of token and position tables', () => {
  const B = 2, T = 3, C = 4, V = 5;
  const ids = new Int32Array([0, 4, 4, 2, 1, 0]);
  const wte = randn(V * C, 19), wpe = randn(T * C, 20), R = randn(B * T * C, 21);
  const out = new Float64Array(B * T * C);
  const f = () => (embeddingForward(out, ids, wte, wpe, B, T, C), dot(out, R));
  const dwte = new Float64Array(V * C), dwpe = new Float64Array(T * C);
  embeddingBackward(dwte, dwpe, R, ids, B, T, C);
  checkGradient('wte', f, wte, dwte);
  checkGradient('wpe', f, wpe, dwpe);
});

test('fused C attention kernels equal the TypeScript reference (float64 and float32)', { skip: !nativeAttention && nativeAttentionReason }, () => {
  const s = { B: 3, T: 5, C: 8, NH: 2, scale: 0.5 };
  for (const f32 of [false, true]) {
    const make = (len: number, seed: number) => (f32 ? Float32Array.from(randn(len, seed)) : randn(len, seed));
    const inp = make(s.B * s.T * 3 * s.C, 30), dout = make(s.B * s.T * s.C, 31);
    const outA = make(s.B * s.T * s.C, 0), attA = make(s.B * s.NH * s.T * s.T, 0);
    const outB = make(s.B * s.T * s.C, 0), attB = make(s.B * s.NH * s.T * s.T, 0);
    attentionForward(outA, attA, inp, s);
    attentionForwardTs(outB, attB, inp, s);
    assertClose(outA, outB, f32 ? 1e-6 : 1e-14, 'out');
    assertClose(attA, attB, f32 ? 1e-6 : 1e-14, 'att');
    const dA = make(inp.length, 32), ref = make(inp.length, 32); // the backward adds into these
    attentionBackward(dA, dout, inp, attA, s);
    attentionBackwardTs(ref, dout, inp, attA, s);
    assertClose(dA, ref, f32 ? 1e-5 : 1e-13, 'dinp');
  }
});

test('fused C readout-attention and layer-norm kernels equal the TypeScript references (float64 and float32)', { skip: (!nativeReadout && nativeReadoutReason) || (!nativeLayerNorm && nativeLayerNormReason) }, () => {
  const s = { B: 3, T: 5, C: 8, NH: 2, scale: 0.5 }, { B, T, C, NH } = s;
  for (const f32 of [false, true]) {
    const make = (len: number, seed: number) => (f32 ? Float32Array.from(randn(len, seed)) : randn(len, seed));
    const tol = (f64: number) => (f32 ? 1e-5 : f64);
    const q = make(B * C, 50), kv = make(B * T * 2 * C, 51), dout = make(B * C, 52);
    const outA = make(B * C, 0), attA = make(B * NH * T, 0), outB = make(B * C, 0), attB = make(B * NH * T, 0);
    readoutAttentionForward(outA, attA, q, kv, s);
    readoutAttentionForwardTs(outB, attB, q, kv, s);
    assertClose(outA, outB, tol(1e-14), 'readout out');
    assertClose(attA, attB, tol(1e-14), 'readout att');
    const dqA = make(B * C, 53), dqB = make(B * C, 53), dkvA = make(kv.length, 54), dkvB = make(kv.length, 54);
    readoutAttentionBackward(dqA, dkvA, dout, q, kv, attA, s);
    readoutAttentionBackwardTs(dqB, dkvB, dout, q, kv, attA, s);
    assertClose(dqA, dqB, tol(1e-13), 'readout dq');
    assertClose(dkvA, dkvB, tol(1e-13), 'readout dkv');
    // layer norm of rows with a large common offset (the case where a one-pass variance loses digits)
    const R = 7, D = 12, x = make(R * D, 55).map((v) => 100 + v), w = make(D, 56), b = make(D, 57);
    const lnA = make(R * D, 0), lnB = make(R * D, 0), mA = make(R, 0), mB = make(R, 0), sA = make(R, 0), sB = make(R, 0);
    layerNormForward(lnA, mA, sA, x, w, b, R, D);
    layerNormForwardTs(lnB, mB, sB, x, w, b, R, D);
    // the C sums run in four partial sums: their rounding differs from the reference's by about
    // eps C max|x| / std (1e-16 x 12 x 100 here), relative to outputs of order 1
    assertClose(lnA, lnB, tol(1e-12), 'layer norm out');
    assertClose(sA, sB, tol(1e-12), 'layer norm 1/std');
    const g = make(R * D, 58);
    const dA = [make(R * D, 59), make(D, 60), make(D, 61)], dB = [make(R * D, 59), make(D, 60), make(D, 61)]; // accumulated into
    layerNormBackward(dA[0], dA[1], dA[2], g, x, w, mA, sA, R, D);
    layerNormBackwardTs(dB[0], dB[1], dB[2], g, x, w, mA, sA, R, D);
    ['dinp', 'dweight', 'dbias'].forEach((name, i) => assertClose(dA[i], dB[i], tol(1e-12), `layer norm ${name}`));
  }
});

test('C embedding and ReLU loops equal the TypeScript references bit for bit (float64 and float32); a bad token id is refused', { skip: (!nativeEmbedding && nativeEmbeddingReason) || (!nativeRelu && nativeReluReason) }, () => {
  const B = 3, T = 4, C = 6, V = 5;
  const ids = Int32Array.from({ length: B * T }, (_, i) => (i * 3) % V);
  for (const f32 of [false, true]) {
    const make = (len: number, seed: number) => (f32 ? Float32Array.from(randn(len, seed)) : randn(len, seed));
    const wte = make(V * C, 70), wpe = make(T * C, 71), g = make(B * T * C, 72);
    const outA = make(B * T * C, 0), outB = make(B * T * C, 0);
    embeddingForward(outA, ids, wte, wpe, B, T, C);
    embeddingForwardTs(outB, ids, wte, wpe, B, T, C);
    assert.deepStrictEqual(outA, outB);
    const dA = [make(V * C, 73), make(T * C, 74)], dB = [make(V * C, 73), make(T * C, 74)];
    embeddingBackward(dA[0], dA[1], g, ids, B, T, C);
    embeddingBackwardTs(dB[0], dB[1], g, ids, B, T, C);
    assert.deepStrictEqual(dA, dB);
    const x = make(50, 75), rA = make(50, 0), rB = make(50, 0);
    x[3] = 0; x[4] = -0;
    reluForward(rA, x);
    reluForwardTs(rB, x);
    assert.deepStrictEqual(rA, rB);
    const drA = make(50, 76), drB = make(50, 76), up = make(50, 77);
    reluBackward(drA, up, x);
    reluBackwardTs(drB, up, x);
    assert.deepStrictEqual(drA, drB);
    const bad = ids.slice();
    bad[5] = V;
    assert.throws(() => embeddingForward(outA, bad, wte, wpe, B, T, C), /token ids/);
  }
});

test('C kernels refuse shapes whose sizes overflow (a length check on a wrapped product would pass)', { skip: (!nativeEmbedding && nativeEmbeddingReason) || (!nativeReadout && nativeReadoutReason) }, () => {
  type Fn = (...args: unknown[]) => void;
  const raw = nativeAddon<Record<'chiFeatures' | 'readoutAttentionForward' | 'embeddingForward' | 'attentionForward', Fn>>(['chiFeatures', 'readoutAttentionForward', 'embeddingForward', 'attentionForward'])!;
  const F = (n: number) => new Float64Array(n);
  assert.throws(() => raw.chiFeatures(F(0), 2 ** 62, 4, F(0), 8, 4, F(8), new Int32Array(8), F(8), F(8), false), /overflows/);
  assert.throws(() => raw.readoutAttentionForward('x', 1, 2, 1, 1, F(2), F(2), F(2), F(4)), /bad arguments/);
  assert.throws(() => raw.embeddingForward(2 ** 30, 2 ** 30, 2 ** 30, F(1), new Int32Array(1), F(1), F(1)), /bad arguments/);
  assert.throws(() => raw.attentionForward(65536, 65536, 65536, 1, 1, F(1), F(1), F(1)), /bad arguments/);
});

test('the C group penalty equals the TypeScript loop bit for bit: value and subgradient, zero groups untouched', { skip: nativeGroupPenaltyReason || false }, () => {
  const d = 7, Z = randn(12 * d, 80);
  Z.fill(0, 3 * d, 4 * d); // a zero group: no subgradient there
  const gA = randn(Z.length, 81), gB = gA.slice();
  const vA = groupPenalty(Z, d, gA, 0.3), vB = groupPenalty(Z, d, gB, 0.3, 'typescript');
  assert.equal(vA, vB);
  assert.deepStrictEqual(gA, gB);
  assert.equal(groupPenalty(Z, d, null, 0.3), vB);
  assert.throws(() => groupPenalty(Z, 5, null, 0.3), /groupPenalty/); // 5 does not divide 84
});

test('residual: out = a + b passes its gradient unchanged to both inputs', () => {
  const a = randn(10, 40), b = randn(10, 41), R = randn(10, 42), out = new Float64Array(10);
  const f = () => (residualForward(out, a, b), dot(out, R));
  checkGradient('a', f, a, R);
  checkGradient('b', f, b, R);
});
