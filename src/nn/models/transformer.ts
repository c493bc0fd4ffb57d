// Model (c): the transformer block of eq. (1), stacked L times, with a classification head on
// one token. Per layer, on x (B*T, D):
//   qkv = x W_qkv + b;  a = multi-head softmax attention (eq. 1);  ao = a W_o + b_o
//   xa = LayerNorm(ao) + x                          (eq. 1: X_A = LayerNorm(A_o) + X)
//   x' = xa + relu(xa W_1 + b_1) W_2 + b_2          (eq. 1's FCN, with a residual so layers stack)
// Head: logits = x_L[token] W_h + b_h. Tokens are integer ids with learned token and position
// embeddings. Buffers are preallocated for one batch size (llm.c style) and may be Float32Array.
// Its loss is the cross-entropy summed over the batch; its weight decay beta/2 sum ||W||_F^2
// over the weight matrices (not biases, norms or embeddings).
import type { FloatArray } from '../../core/blas';
import type { Model, Param } from './model';
import { sumSquares } from './model';
import { attentionMap } from '../../attention/attention-map';
import { Rng } from '../../core/rng';
import { linearBackward, linearForward } from '../linear';
import { attentionBackward, attentionForward, type AttentionShape } from '../../attention/multi-head';
import { layerNormBackward, layerNormForward } from '../layernorm';
import { reluBackward, reluForward, residualForward } from '../activations';
import { embeddingBackward, embeddingForward } from '../embedding';

export interface TransformerConfig {
  layers: number; dModel: number; heads: number; seq: number; vocab: number; classes: number;
  /** FCN width; default 4 dModel */
  hidden?: number;
  /** token whose final state feeds the head; default the last */
  token?: number;
  beta?: number;
  float32?: boolean;
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
  /** the token ids of the last forward, for the embedding's backward */
  private ids: Int32Array = new Int32Array(0);
  readonly F: number;
  readonly token: number;

  constructor(readonly cfg: TransformerConfig) {
    const { layers, dModel: D, vocab: V, seq: T, classes: C } = cfg;
    if (D % cfg.heads !== 0) throw new Error(`d-model ${D} is not divisible by ${cfg.heads} heads`);
    this.F = cfg.hidden ?? 4 * D;
    this.token = cfg.token ?? T - 1;
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
    for (let l = 0; l < layers; l++) {
      add(`${l}.Wqkv`, [D, 3 * D], 'normal', 1 / Math.sqrt(D), true);
      add(`${l}.bqkv`, [3 * D], 'zero');
      add(`${l}.Wo`, [D, D], 'normal', 1 / Math.sqrt(D), true);
      add(`${l}.bo`, [D], 'zero');
      add(`${l}.lnw`, [D], 'one');
      add(`${l}.lnb`, [D], 'zero');
      add(`${l}.W1`, [D, this.F], 'normal', 1 / Math.sqrt(D), true);
      add(`${l}.b1`, [this.F], 'zero');
      add(`${l}.W2`, [this.F, D], 'normal', 1 / Math.sqrt(this.F) / Math.sqrt(2 * layers), true);
      add(`${l}.b2`, [D], 'zero');
    }
    add('Wh', [D, C], 'normal', 1 / Math.sqrt(D), true);
    add('bh', [C], 'zero');
  }

  alloc(len: number): FloatArray {
    return this.cfg.float32 ? new Float32Array(len) : new Float64Array(len);
  }

  private ensure(B: number): void {
    if (this.batch === B) return;
    const { layers, dModel: D, heads, seq: T, classes: C } = this.cfg;
    const BT = B * T, F = this.F;
    const a: Record<string, FloatArray> = {};
    const mk = (name: string, len: number) => (a[name] = this.alloc(len));
    mk('x0', BT * D);
    for (let l = 0; l < layers; l++) {
      mk(`${l}.qkv`, BT * 3 * D); mk(`${l}.att`, B * heads * T * T); mk(`${l}.a`, BT * D); mk(`${l}.ao`, BT * D);
      mk(`${l}.ln`, BT * D); mk(`${l}.mean`, BT); mk(`${l}.rstd`, BT); mk(`${l}.xa`, BT * D);
      mk(`${l}.h`, BT * F); mk(`${l}.hr`, BT * F); mk(`${l}.x`, BT * D);
    }
    mk('z', B * D); mk('logits', B * C);
    // backward scratch
    mk('dx', BT * D); mk('dxa', BT * D); mk('dln', BT * D); mk('dao', BT * D); mk('da', BT * D);
    mk('dqkv', BT * 3 * D); mk('dh', BT * F); mk('dhr', BT * F); mk('dz', B * D); mk('dlogits', B * C);
    this.acts = a;
    this.batch = B;
  }

  private shape(B: number): AttentionShape {
    return { B, T: this.cfg.seq, C: this.cfg.dModel, NH: this.cfg.heads, scale: 1 / Math.sqrt(this.cfg.dModel / this.cfg.heads) };
  }

  /** Logits (B, C) for token ids (B, T); the returned buffer is reused by the next call. */
  forward(ids: Int32Array, B: number): FloatArray {
    this.ensure(B);
    this.ids = ids;
    const { layers, dModel: D, seq: T, classes: C } = this.cfg;
    const BT = B * T, F = this.F, p = this.p, a = this.acts;
    embeddingForward(a.x0, ids, p.wte, p.wpe, B, T, D);
    let x = a.x0;
    for (let l = 0; l < layers; l++) {
      const P = (n: string) => p[`${l}.${n}`], A = (n: string) => a[`${l}.${n}`];
      linearForward(A('qkv'), x, P('Wqkv'), P('bqkv'), BT, D, 3 * D);
      attentionForward(A('a'), A('att'), A('qkv'), this.shape(B));
      linearForward(A('ao'), A('a'), P('Wo'), P('bo'), BT, D, D);
      layerNormForward(A('ln'), A('mean'), A('rstd'), A('ao'), P('lnw'), P('lnb'), BT, D);
      const xa = A('xa');
      residualForward(xa, A('ln'), x);
      linearForward(A('h'), xa, P('W1'), P('b1'), BT, D, F);
      reluForward(A('hr'), A('h'));
      const xo = A('x');
      linearForward(xo, A('hr'), P('W2'), P('b2'), BT, F, D);
      residualForward(xo, xo, xa);
      x = xo;
    }
    for (let b = 0; b < B; b++) a.z.set(x.subarray((b * T + this.token) * D, (b * T + this.token + 1) * D), b * D);
    linearForward(a.logits, a.z, p.Wh, p.bh, B, D, C);
    return a.logits;
  }

  weightDecay(grads: FloatArray[] | null): number {
    const beta = this.cfg.beta ?? 0;
    const matrices = this.params.filter((_, k) => this.isMatrix[k]).map((q) => q.data);
    if (grads && beta) this.params.forEach((q, k) => { if (this.isMatrix[k]) for (let i = 0; i < q.data.length; i++) grads[k][i] += beta * q.data[i]; });
    return (beta / 2) * sumSquares(matrices);
  }

  /** The readout token's attention in the last layer, averaged over samples and heads. */
  attentionMap(ids: Int32Array, B: number): Float64Array {
    this.forward(ids, B);
    const { layers, heads, seq: T } = this.cfg;
    const att = this.acts[`${layers - 1}.att`];
    return attentionMap(att, B * heads, T, undefined, (r) => (r * T + this.token) * T);
  }

  /** grads += d loss / d params given dlogits of the last forward. */
  backward(dlogits: Float64Array, grads: FloatArray[]): void {
    const { layers, dModel: D, seq: T, classes: C } = this.cfg;
    const B = this.batch, ids = this.ids;
    const BT = B * T, F = this.F, p = this.p, a = this.acts;
    a.dlogits.set(dlogits);
    const G: Record<string, FloatArray> = {};
    this.params.forEach((q, k) => (G[q.name] = grads[k]));
    a.dz.fill(0); // linearBackward adds into its input gradient
    linearBackward(a.dz, G.Wh, G.bh, a.dlogits, a.z, p.Wh, B, D, C);
    const dx = a.dx;
    dx.fill(0);
    for (let b = 0; b < B; b++) dx.set(a.dz.subarray(b * D, (b + 1) * D), (b * T + this.token) * D);
    for (let l = layers - 1; l >= 0; l--) {
      const P = (n: string) => p[`${l}.${n}`], A = (n: string) => a[`${l}.${n}`], GG = (n: string) => G[`${l}.${n}`];
      const xin = l > 0 ? a[`${l - 1}.x`] : a.x0;
      // x' = xa + FCN(xa): dxa = dx + FCN^T(dx)
      a.dhr.fill(0);
      linearBackward(a.dhr, GG('W2'), GG('b2'), dx, A('hr'), P('W2'), BT, F, D);
      a.dh.fill(0);
      reluBackward(a.dh, a.dhr, A('h'));
      a.dxa.fill(0);
      linearBackward(a.dxa, GG('W1'), GG('b1'), a.dh, A('xa'), P('W1'), BT, D, F);
      for (let i = 0; i < dx.length; i++) a.dxa[i] += dx[i];
      // xa = LN(ao) + x: dx_in = dxa (residual) + through the layer norm and attention
      a.dao.fill(0);
      layerNormBackward(a.dao, GG('lnw'), GG('lnb'), a.dxa, A('ao'), P('lnw'), A('mean'), A('rstd'), BT, D);
      a.da.fill(0);
      linearBackward(a.da, GG('Wo'), GG('bo'), a.dao, A('a'), P('Wo'), BT, D, D);
      a.dqkv.fill(0);
      attentionBackward(a.dqkv, a.da, A('qkv'), A('att'), this.shape(B));
      dx.fill(0);
      linearBackward(dx, GG('Wqkv'), GG('bqkv'), a.dqkv, xin, P('Wqkv'), BT, D, 3 * D);
      for (let i = 0; i < dx.length; i++) dx[i] += a.dxa[i];
    }
    embeddingBackward(G.wte, G.wpe, dx, ids, B, T, D);
  }
}
