// Every layer's backward against central finite differences of a random linear functional of
// its output, L = <R, forward(...)>, so that dout = R.
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { linearForward, linearBackward } from '../../src/nn/linear';
import { layerNormForward, layerNormBackward } from '../../src/nn/layernorm';
import { reluForward, reluBackward, gatedReluForward, gatedReluBackward, residualForward } from '../../src/nn/activations';
import { attentionForward, attentionBackward, attentionForwardTs, attentionBackwardTs, nativeAttention, nativeAttentionReason } from '../../src/attention/multi-head';
import { simplexForward, simplexBackward, type SimplexParams } from '../../src/nn/simplex-attention';
import { embeddingForward, embeddingBackward } from '../../src/nn/embedding';
import { dot } from '../../src/core/vec';
import { assertClose, randn } from '../helpers';
import { checkGradient } from './gradcheck';

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

test('residual: out = a + b passes its gradient unchanged to both inputs', () => {
  const a = randn(10, 40), b = randn(10, 41), R = randn(10, 42), out = new Float64Array(10);
  const f = () => (residualForward(out, a, b), dot(out, R));
  checkGradient('a', f, a, R);
  checkGradient('b', f, b, R);
});
