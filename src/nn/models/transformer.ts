// Model (c): the transformer block of eq. (1), stacked L times, with a classification head on
// one token. Per layer, on x (B*T, D), with Attn(u) = MultiHead(u W_qkv + b) W_o + b_o (eq. 1) and
// FCN(u) = relu(u W_1 + b_1) W_2 + b_2:
//   norm 'post' (eq. 1 as written):  xa = LayerNorm(Attn(x)) + x;  x' = xa + FCN(xa)
//     (eq. 1: X_A = LayerNorm(A_o) + X; the FCN gets a residual so layers stack)
//   norm 'pre' (Power et al.'s grokking model):  xa = x + Attn(LN1(x));  x' = xa + FCN(LN2(xa)),
//     and a final LayerNorm before the head (pre-LN leaves the residual stream unnormalised).
// Head: logits = x_L[token] W_h + b_h. Tokens are integer ids with learned token and position
// embeddings. Only the readout token's row of the last layer reaches the head, so that layer is
// computed for it alone (readoutLayerForward): its query, its attention row, W_o, the norms and the
// FCN on B rows instead of B*T, with keys and values still from every token. The same function
// and gradient as the whole layer (the tests hold one against the other through `allTokens`); at
// the grokking sizes (T = 4) it removes most of a one-layer model's arithmetic. Activation buffers are preallocated per batch size (llm.c style), may be Float32Array,
// and are kept for the last BUFFERED_BATCH_SIZES sizes used: a training run alternates the full
// batch, the epoch's short last batch and the full-set evaluation, and reallocating ~0.5 GB at
// every switch costs more than keeping it.
// Its loss is the cross-entropy summed over the batch; its weight decay beta/2 sum ||W||_F^2
// over the weight matrices (not biases, norms or embeddings).
import type { FloatArray } from '../../core/blas';
import type { Model, Param } from './model';
import { sumSquares } from './model';
import { attentionMap } from '../../attention/attention-map';
import { Rng } from '../../core/rng';
import { linearBackward, linearForward } from '../linear';
import { attentionBackward, attentionForward, type AttentionShape } from '../../attention/multi-head';
import { readoutAttentionBackward, readoutAttentionForward } from '../../attention/readout-attention';
import { layerNormBackward, layerNormForward } from '../layernorm';
import { reluBackward, reluForward, residualForward } from '../activations';
import { embeddingBackward, embeddingForward } from '../embedding';

/** How many batch sizes keep their activation buffers (least recently used dropped first). */
export const BUFFERED_BATCH_SIZES = 3;

export interface TransformerConfig {
  layers: number; dModel: number; heads: number; seq: number; vocab: number; classes: number;
  /** FCN width; default 4 dModel */
  hidden?: number;
  /** token whose final state feeds the head; default the last */
  token?: number;
  /** where the layer norms sit; default 'post' (eq. 1) */
  norm?: 'post' | 'pre';
  beta?: number;
  float32?: boolean;
  /** compute the last layer at every token, as eq. (1) writes it (the plain reference for the readout-only layer) */
  allTokens?: boolean;
  seed?: number;
}

export class Transformer implements Model<Int32Array, FloatArray> {
  readonly name = 'transformer';
  readonly params: Param[] = [];
  /** which buffers are weight matrices (decayed), not biases, norms or embeddings */
  readonly isMatrix: boolean[] = [];
  private readonly p: Record<string, FloatArray> = {};
  private acts: Record<string, FloatArray> = {};
  private batch = 0;
  /** activation buffers by batch size, least recently used first (Map keeps insertion order) */
  private readonly buffers = new Map<number, Record<string, FloatArray>>();
  /** the token ids of the last forward, for the embedding's backward */
  private ids: Int32Array = new Int32Array(0);
  readonly F: number;
  readonly token: number;
  /** pre-LN (Power et al.) rather than eq. (1)'s post-LN */
  readonly pre: boolean;

  constructor(readonly cfg: TransformerConfig) {
    const { layers, dModel: D, vocab: V, seq: T, classes: C } = cfg;
    if (D % cfg.heads !== 0) throw new Error(`d-model ${D} is not divisible by ${cfg.heads} heads`);
    if (cfg.norm !== undefined && cfg.norm !== 'post' && cfg.norm !== 'pre') throw new Error(`norm must be 'post' or 'pre', got ${String(cfg.norm)}`);
    this.F = cfg.hidden ?? 4 * D;
    this.token = cfg.token ?? T - 1;
    this.pre = cfg.norm === 'pre';
    const rng = new Rng(cfg.seed ?? 0);
    const add = (name: string, shape: number[], init: 'normal' | 'zero' | 'one', scale = 0.02, matrix = false) => {
      const len = shape.reduce((a, b) => a * b, 1);
      const a = this.alloc(len);
      for (let i = 0; i < len; i++) a[i] = init === 'normal' ? scale * rng.normal() : init === 'one' ? 1 : 0;
      this.p[name] = a;
      this.params.push({ name, data: a, shape });
      this.isMatrix.push(matrix);
    };
    add('wte', [V, D], 'normal');
    add('wpe', [T, D], 'normal');
    // the norms draw nothing from rng: both placements get the same matrices from one seed
    const norm = (name: string) => { add(`${name}w`, [D], 'one'); add(`${name}b`, [D], 'zero'); };
    for (let l = 0; l < layers; l++) {
      if (this.pre) norm(`${l}.ln1`);
      add(`${l}.Wqkv`, [D, 3 * D], 'normal', 1 / Math.sqrt(D), true);
      add(`${l}.bqkv`, [3 * D], 'zero');
      add(`${l}.Wo`, [D, D], 'normal', 1 / Math.sqrt(D), true);
      add(`${l}.bo`, [D], 'zero');
      norm(this.pre ? `${l}.ln2` : `${l}.ln`);
      add(`${l}.W1`, [D, this.F], 'normal', 1 / Math.sqrt(D), true);
      add(`${l}.b1`, [this.F], 'zero');
      add(`${l}.W2`, [this.F, D], 'normal', 1 / Math.sqrt(this.F) / Math.sqrt(2 * layers), true);
      add(`${l}.b2`, [D], 'zero');
    }
    if (this.pre) norm('lnf');
    add('Wh', [D, C], 'normal', 1 / Math.sqrt(D), true);
    add('bh', [C], 'zero');
  }

  alloc(len: number): FloatArray {
    return this.cfg.float32 ? new Float32Array(len) : new Float64Array(len);
  }

  /** Drops every batch size's activation buffers (their memory goes back to the collector). */
  releaseBuffers(): void {
    this.buffers.clear();
    this.acts = {};
    this.batch = 0;
  }

  /** Makes `acts` the buffers for batch size B, allocating them only if B is not among the sizes kept. */
  private ensure(B: number): void {
    if (this.batch === B) return;
    let a = this.buffers.get(B);
    if (a) {
      this.buffers.delete(B); // re-inserted below as the most recently used
    } else {
      if (this.buffers.size >= BUFFERED_BATCH_SIZES) this.buffers.delete(this.buffers.keys().next().value!);
      a = this.allocActivations(B);
    }
    this.buffers.set(B, a);
    this.acts = a;
    this.batch = B;
  }

  private allocActivations(B: number): Record<string, FloatArray> {
    const { layers, dModel: D, heads, seq: T, classes: C } = this.cfg;
    const BT = B * T, F = this.F;
    const a: Record<string, FloatArray> = {};
    const mk = (name: string, len: number) => (a[name] = this.alloc(len));
    mk('x0', BT * D);
    const full = this.cfg.allTokens ? layers : layers - 1;
    for (let l = 0; l < full; l++) {
      mk(`${l}.qkv`, BT * 3 * D); mk(`${l}.att`, B * heads * T * T); mk(`${l}.a`, BT * D); mk(`${l}.ao`, BT * D);
      mk(`${l}.ln`, BT * D); mk(`${l}.mean`, BT); mk(`${l}.rstd`, BT); mk(`${l}.xa`, BT * D);
      mk(`${l}.h`, BT * F); mk(`${l}.hr`, BT * F); mk(`${l}.x`, BT * D);
      if (this.pre) { mk(`${l}.ln2`, BT * D); mk(`${l}.mean2`, BT); mk(`${l}.rstd2`, BT); }
    }
    if (full < layers) {
      // the readout layer: every token's LN1 (pre) and k|v, the rest on the readout token's B rows
      const l = full;
      mk(`${l}.kv`, BT * 2 * D); mk(`${l}.ut`, B * D); mk(`${l}.xt`, B * D); mk(`${l}.q`, B * D);
      mk(`${l}.att`, B * heads * T); mk(`${l}.a`, B * D); mk(`${l}.ao`, B * D); mk(`${l}.xa`, B * D);
      mk(`${l}.h`, B * F); mk(`${l}.hr`, B * F);
      if (this.pre) { mk(`${l}.ln`, BT * D); mk(`${l}.mean`, BT); mk(`${l}.rstd`, BT); }
      mk(`${l}.ln2`, B * D); mk(`${l}.mean2`, B); mk(`${l}.rstd2`, B);
      mk('dkv', BT * 2 * D); mk('dq', B * D); mk('dut', B * D); mk('dxt', B * D);
    }
    mk('z', B * D); mk('logits', B * C);
    if (this.pre) { mk('zn', B * D); mk('zmean', B); mk('zrstd', B); mk('dzn', B * D); }
    // backward scratch
    mk('dx', BT * D); mk('dxa', BT * D); mk('dln', BT * D); mk('dao', BT * D); mk('da', BT * D);
    mk('dqkv', BT * 3 * D); mk('dh', BT * F); mk('dhr', BT * F); mk('dz', B * D); mk('dlogits', B * C);
    return a;
  }

  private shape(B: number): AttentionShape {
    return { B, T: this.cfg.seq, C: this.cfg.dModel, NH: this.cfg.heads, scale: 1 / Math.sqrt(this.cfg.dModel / this.cfg.heads) };
  }

  /** Logits (B, C) for token ids (B, T); the returned buffer is reused by the next call. */
  forward(ids: Int32Array, B: number): FloatArray {
    this.ensure(B);
    this.ids = ids;
    const { layers, dModel: D, seq: T, classes: C } = this.cfg;
    const p = this.p, a = this.acts;
    embeddingForward(a.x0, ids, p.wte, p.wpe, B, T, D);
    let x = a.x0;
    if (this.cfg.allTokens) {
      for (let l = 0; l < layers; l++) x = this.layerForward(l, x, B);
      for (let b = 0; b < B; b++) a.z.set(x.subarray((b * T + this.token) * D, (b * T + this.token + 1) * D), b * D);
    } else {
      for (let l = 0; l < layers - 1; l++) x = this.layerForward(l, x, B);
      this.readoutLayerForward(layers - 1, x, B);
    }
    if (this.pre) layerNormForward(a.zn, a.zmean, a.zrstd, a.z, p.lnfw, p.lnfb, B, D);
    linearForward(a.logits, this.pre ? a.zn : a.z, p.Wh, p.bh, B, D, C);
    return a.logits;
  }

  /** Layer l on its input x (B*T, D); returns its output buffer. */
  private layerForward(l: number, x: FloatArray, B: number): FloatArray {
    const D = this.cfg.dModel, BT = B * this.cfg.seq, F = this.F;
    const P = (n: string) => this.p[`${l}.${n}`], A = (n: string) => this.acts[`${l}.${n}`];
    const xa = A('xa');
    if (this.pre) {
      layerNormForward(A('ln'), A('mean'), A('rstd'), x, P('ln1w'), P('ln1b'), BT, D);
      linearForward(A('qkv'), A('ln'), P('Wqkv'), P('bqkv'), BT, D, 3 * D);
    } else {
      linearForward(A('qkv'), x, P('Wqkv'), P('bqkv'), BT, D, 3 * D);
    }
    attentionForward(A('a'), A('att'), A('qkv'), this.shape(B));
    linearForward(A('ao'), A('a'), P('Wo'), P('bo'), BT, D, D);
    if (this.pre) {
      residualForward(xa, x, A('ao'));
      layerNormForward(A('ln2'), A('mean2'), A('rstd2'), xa, P('ln2w'), P('ln2b'), BT, D);
    } else {
      layerNormForward(A('ln'), A('mean'), A('rstd'), A('ao'), P('lnw'), P('lnb'), BT, D);
      residualForward(xa, A('ln'), x);
    }
    linearForward(A('h'), this.pre ? A('ln2') : xa, P('W1'), P('b1'), BT, D, F);
    reluForward(A('hr'), A('h'));
    const xo = A('x');
    linearForward(xo, A('hr'), P('W2'), P('b2'), BT, F, D);
    residualForward(xo, xo, xa);
    return xo;
  }

  /** The last layer at the readout token only, on its input x (B*T, D): writes its (B, D) output to z. */
  private readoutLayerForward(l: number, x: FloatArray, B: number): void {
    const D = this.cfg.dModel, T = this.cfg.seq, BT = B * T, F = this.F, tok = this.token;
    const P = (n: string) => this.p[`${l}.${n}`], A = (n: string) => this.acts[`${l}.${n}`];
    const Wqkv = P('Wqkv'), bqkv = P('bqkv'), xt = A('xt'), ut = A('ut'), xa = A('xa');
    const u = this.pre ? A('ln') : x;
    if (this.pre) layerNormForward(u, A('mean'), A('rstd'), x, P('ln1w'), P('ln1b'), BT, D);
    gatherRows(xt, x, B, T, tok, D);
    gatherRows(ut, u, B, T, tok, D);
    // k|v for every token, q for the readout token: two column windows of W_qkv
    linearForward(A('kv'), u, Wqkv.subarray(D), bqkv.subarray(D), BT, D, 2 * D, 3 * D);
    linearForward(A('q'), ut, Wqkv, bqkv, B, D, D, 3 * D);
    readoutAttentionForward(A('a'), A('att'), A('q'), A('kv'), this.shape(B));
    linearForward(A('ao'), A('a'), P('Wo'), P('bo'), B, D, D);
    if (this.pre) {
      residualForward(xa, xt, A('ao'));
      layerNormForward(A('ln2'), A('mean2'), A('rstd2'), xa, P('ln2w'), P('ln2b'), B, D);
    } else {
      layerNormForward(A('ln2'), A('mean2'), A('rstd2'), A('ao'), P('lnw'), P('lnb'), B, D);
      residualForward(xa, A('ln2'), xt);
    }
    linearForward(A('h'), this.pre ? A('ln2') : xa, P('W1'), P('b1'), B, D, F);
    reluForward(A('hr'), A('h'));
    const z = this.acts.z;
    linearForward(z, A('hr'), P('W2'), P('b2'), B, F, D);
    residualForward(z, z, xa);
  }

  weightDecay(grads: FloatArray[] | null): number {
    const beta = this.cfg.beta ?? 0;
    if (beta === 0) return 0; // AdamW's decoupled decay (the grokking setting): no pass over the weights
    const matrices = this.params.filter((_, k) => this.isMatrix[k]).map((q) => q.data);
    if (grads && beta) this.params.forEach((q, k) => { if (this.isMatrix[k]) for (let i = 0; i < q.data.length; i++) grads[k][i] += beta * q.data[i]; });
    return (beta / 2) * sumSquares(matrices);
  }

  /** The readout token's attention in the last layer, averaged over samples and heads. */
  attentionMap(ids: Int32Array, B: number): Float64Array {
    this.forward(ids, B);
    const { layers, heads, seq: T } = this.cfg;
    const att = this.acts[`${layers - 1}.att`];
    if (!this.cfg.allTokens) return attentionMap(att, B * heads, T); // the readout layer kept only this row
    return attentionMap(att, B * heads, T, undefined, (r) => (r * T + this.token) * T);
  }

  /** grads += d loss / d params given dlogits of the last forward. */
  backward(dlogits: Float64Array, grads: FloatArray[]): void {
    const { layers, dModel: D, seq: T, classes: C } = this.cfg;
    const B = this.batch, p = this.p, a = this.acts;
    a.dlogits.set(dlogits);
    const G: Record<string, FloatArray> = {};
    this.params.forEach((q, k) => (G[q.name] = grads[k]));
    a.dz.fill(0); // linearBackward adds into its input gradient
    if (this.pre) {
      a.dzn.fill(0);
      linearBackward(a.dzn, G.Wh, G.bh, a.dlogits, a.zn, p.Wh, B, D, C);
      layerNormBackward(a.dz, G.lnfw, G.lnfb, a.dzn, a.z, p.lnfw, a.zmean, a.zrstd, B, D);
    } else {
      linearBackward(a.dz, G.Wh, G.bh, a.dlogits, a.z, p.Wh, B, D, C);
    }
    const dx = a.dx;
    if (this.cfg.allTokens) {
      dx.fill(0);
      for (let b = 0; b < B; b++) dx.set(a.dz.subarray(b * D, (b + 1) * D), (b * T + this.token) * D);
      for (let l = layers - 1; l >= 0; l--) this.layerBackward(l, dx, B, G);
    } else {
      this.readoutLayerBackward(layers - 1, a.dz, dx, B, G);
      for (let l = layers - 2; l >= 0; l--) this.layerBackward(l, dx, B, G);
    }
    embeddingBackward(G.wte, G.wpe, dx, this.ids, B, T, D);
  }

  /** Given dx = d loss / d (layer l's output), accumulates its parameters' gradients and leaves d loss / d (its input) in dx. */
  private layerBackward(l: number, dx: FloatArray, B: number, G: Record<string, FloatArray>): void {
    const D = this.cfg.dModel, BT = B * this.cfg.seq, F = this.F, a = this.acts;
    const P = (n: string) => this.p[`${l}.${n}`], A = (n: string) => a[`${l}.${n}`], GG = (n: string) => G[`${l}.${n}`];
    const xin = l > 0 ? a[`${l - 1}.x`] : a.x0;
    // x' = xa + FCN(u), u = xa (post) or LN2(xa) (pre): dxa = dx + du's way back to xa
    a.dhr.fill(0);
    linearBackward(a.dhr, GG('W2'), GG('b2'), dx, A('hr'), P('W2'), BT, F, D);
    a.dh.fill(0);
    reluBackward(a.dh, a.dhr, A('h'));
    if (this.pre) {
      a.dln.fill(0);
      linearBackward(a.dln, GG('W1'), GG('b1'), a.dh, A('ln2'), P('W1'), BT, D, F);
      a.dxa.set(dx);
      layerNormBackward(a.dxa, GG('ln2w'), GG('ln2b'), a.dln, A('xa'), P('ln2w'), A('mean2'), A('rstd2'), BT, D);
    } else {
      a.dxa.fill(0);
      linearBackward(a.dxa, GG('W1'), GG('b1'), a.dh, A('xa'), P('W1'), BT, D, F);
      for (let i = 0; i < dx.length; i++) a.dxa[i] += dx[i];
    }
    // post: xa = LN(ao) + x; pre: xa = x + ao. dx_in = dxa (residual) + the way back through attention
    let dao = a.dxa;
    if (!this.pre) {
      a.dao.fill(0);
      layerNormBackward(a.dao, GG('lnw'), GG('lnb'), a.dxa, A('ao'), P('lnw'), A('mean'), A('rstd'), BT, D);
      dao = a.dao;
    }
    a.da.fill(0);
    linearBackward(a.da, GG('Wo'), GG('bo'), dao, A('a'), P('Wo'), BT, D, D);
    a.dqkv.fill(0);
    attentionBackward(a.dqkv, a.da, A('qkv'), A('att'), this.shape(B));
    if (this.pre) {
      a.dln.fill(0);
      linearBackward(a.dln, GG('Wqkv'), GG('bqkv'), a.dqkv, A('ln'), P('Wqkv'), BT, D, 3 * D);
      dx.set(a.dxa);
      layerNormBackward(dx, GG('ln1w'), GG('ln1b'), a.dln, xin, P('ln1w'), A('mean'), A('rstd'), BT, D);
    } else {
      dx.fill(0);
      linearBackward(dx, GG('Wqkv'), GG('bqkv'), a.dqkv, xin, P('Wqkv'), BT, D, 3 * D);
      for (let i = 0; i < dx.length; i++) dx[i] += a.dxa[i];
    }
  }

  /** Given dz = d loss / d (the readout layer's (B, D) output), accumulates its parameters' gradients and sets dx = d loss / d (its input). */
  private readoutLayerBackward(l: number, dz: FloatArray, dx: FloatArray, B: number, G: Record<string, FloatArray>): void {
    const D = this.cfg.dModel, T = this.cfg.seq, BT = B * T, F = this.F, a = this.acts;
    const P = (n: string) => this.p[`${l}.${n}`], A = (n: string) => a[`${l}.${n}`], GG = (n: string) => G[`${l}.${n}`];
    const xin = l > 0 ? a[`${l - 1}.x`] : a.x0;
    const part = (buf: FloatArray, n: number) => buf.subarray(0, n);
    const dhr = part(a.dhr, B * F), dh = part(a.dh, B * F), dln2 = part(a.dln, B * D), dxa = part(a.dxa, B * D);
    dhr.fill(0);
    linearBackward(dhr, GG('W2'), GG('b2'), dz, A('hr'), P('W2'), B, F, D);
    dh.fill(0);
    reluBackward(dh, dhr, A('h'));
    dln2.fill(0);
    linearBackward(dln2, GG('W1'), GG('b1'), dh, this.pre ? A('ln2') : A('xa'), P('W1'), B, D, F);
    // z = xa + FCN(u): dxa = dz + du's way back (pre: through LN2; post: u = xa)
    dxa.set(dz);
    if (this.pre) layerNormBackward(dxa, GG('ln2w'), GG('ln2b'), dln2, A('xa'), P('ln2w'), A('mean2'), A('rstd2'), B, D);
    else for (let i = 0; i < dxa.length; i++) dxa[i] += dln2[i];
    // pre: xa = xt + ao; post: xa = LN(ao) + xt. The residual carries dxa to the readout rows of x.
    let dao = dxa;
    if (!this.pre) {
      dao = part(a.dao, B * D);
      dao.fill(0);
      layerNormBackward(dao, GG('lnw'), GG('lnb'), dxa, A('ao'), P('lnw'), A('mean2'), A('rstd2'), B, D);
    }
    const da = part(a.da, B * D);
    da.fill(0);
    linearBackward(da, GG('Wo'), GG('bo'), dao, A('a'), P('Wo'), B, D, D);
    a.dq.fill(0);
    a.dkv.fill(0);
    readoutAttentionBackward(a.dq, a.dkv, da, A('q'), A('kv'), A('att'), this.shape(B));
    // u = LN1(x) (pre) or x (post) feeds k|v at every token and q at the readout token
    const Wqkv = P('Wqkv'), gW = GG('Wqkv'), gb = GG('bqkv');
    const du = a.dln;
    du.fill(0);
    linearBackward(du, gW.subarray(D), gb.subarray(D), a.dkv, this.pre ? A('ln') : xin, Wqkv.subarray(D), BT, D, 2 * D, 3 * D);
    a.dut.fill(0);
    linearBackward(a.dut, gW, gb, a.dq, A('ut'), Wqkv, B, D, D, 3 * D);
    scatterAddRows(du, a.dut, B, T, this.token, D);
    if (this.pre) {
      dx.fill(0);
      layerNormBackward(dx, GG('ln1w'), GG('ln1b'), du, xin, P('ln1w'), A('mean'), A('rstd'), BT, D);
    } else {
      dx.set(du);
    }
    scatterAddRows(dx, dxa, B, T, this.token, D);
  }
}

/** out (B, D) = the rows of token `tok` of x (B*T, D). */
function gatherRows(out: FloatArray, x: FloatArray, B: number, T: number, tok: number, D: number): void {
  for (let b = 0; b < B; b++) out.set(x.subarray((b * T + tok) * D, (b * T + tok + 1) * D), b * D);
}

/** x (B*T, D) rows of token `tok` += rows (B, D). */
function scatterAddRows(x: FloatArray, rows: FloatArray, B: number, T: number, tok: number, D: number): void {
  for (let b = 0; b < B; b++) {
    const o = (b * T + tok) * D;
    for (let k = 0; k < D; k++) x[o + k] += rows[b * D + k];
  }
}
