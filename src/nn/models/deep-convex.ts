// The deep (stacked) convex transformer of Ergen et al. section 4: L gated-ReLU convex blocks of
// eq. (12) on token embeddings (docs/deep-convex.md has the derivation). Layer k maps the tokens
// X_i (n, d_k) of sample i to
//   hidden:  X'_i[t, m] = sum_j g_ij <Z_j[t, m], X_i>     Z (h, n, d', n, d_k)
//   last:    pred_i[l]  = sum_j g_ij <Z_j[l], X_i>        Z (h, c, n, d_k), eq. (12) with c outputs
// with g_ij = 1{u1_j^T X_i u2_j >= 0}, u1_j (n), u2_j (d_k) fixed random per layer (drawn from
// the layer's input, or every layer's from the first layer's input). The objective is the
// cross-entropy summed over samples + beta * the group norms of eq. (12) (a token row of each
// Z_j[out] is one group) over every layer; the optimizer's decoupled weight decay is apart.
// With fixed one-hot embeddings and L = 1 it is exactly the convex program `gated`.
import type { Model, Param } from './model';
import type { Gating } from '../../data/tokens';
import { groupNorm, groupPenalty } from '../../losses/group-norms';
import { headScores } from '../../attention/head-scores';
import { Rng } from '../../core/rng';
import { embeddingBackward, embeddingForward } from '../embedding';
import { gatedBlockBackward, gatedBlockForward, type GatedBlockShape } from '../gated-block';
import { applyChiFeatures, applyChiFeaturesT, drawChiFeatures, nextPow2, type ChiFeatureMap } from '../../core/chi-features';

export interface DeepConvexConfig {
  /** L convex blocks; the last one has the c outputs */
  layers: number;
  /** tokens per sample n, vocabulary V, classes c */
  seq: number;
  vocab: number;
  classes: number;
  /** gates per layer h */
  gates: number;
  /** 'onehot': X_i[t] = e_{id} (d = V, fixed); 'learned': a (V, dModel) table, trained */
  embedding: 'onehot' | 'learned';
  /** learned: the embedding width (default 32) */
  dModel?: number;
  /** learned: also a learned (n, dModel) position table added to each token (default false) */
  positions?: boolean;
  /** width d' of every hidden layer's tokens (default the embedding width) */
  width?: number;
  /** 'input' (default): each layer's gates read that layer's input; 'first': every layer's read the embeddings */
  gateFrom?: 'input' | 'first';
  /** a skip connection around every hidden layer, X^k = X^{k-1} + block(X^{k-1}), as transformers have (default false; needs width = the embedding width) */
  skip?: boolean;
  /**
   * Fisher et al.'s kernel preconditioning (section 4): every layer's block reads phi(X) instead of
   * X, phi the chi-feature map of core/chi-features.ts with `blocks` blocks of the
   * input width rounded up to a power of two and chi(`dof`) entries, drawn per layer from the
   * seed; the gates still read X. Absent: no map.
   */
  kernel?: { blocks: number; dof: number };
  /** the weight of the group penalty of eq. (12) */
  beta: number;
  seed?: number;
}

interface Layer {
  /** the width the block reads (d_k, or D_k with a kernel map) and outputs per sample (n*d' or c) */
  d: number;
  o: number;
  Z: Float64Array;
  gating: Gating;
  /** the kernel map from the layer's input width to d, or null */
  map: ChiFeatureMap | null;
}

/** What one forward keeps for backward, per batch size. */
interface Acts {
  /** X[k]: the input of layer k (B, n*d_k); X[L] the predictions (B, c) */
  X: Float64Array[];
  /** G[k]: the preactivations (B, h) of layer k's gates */
  G: Float64Array[];
  /** GEMM scratch, B*h*max(o) */
  T: Float64Array;
  dX: Float64Array[];
  /** with kernel maps: F[k] = phi_k(X[k]) (B, n*D_k), what layer k's block reads, and its gradient */
  F: (Float64Array | null)[];
  dF: (Float64Array | null)[];
}

export class DeepConvex implements Model<Int32Array, Float64Array> {
  readonly name = 'deep-convex';
  readonly params: Param[] = [];
  readonly layers: readonly Layer[];
  /** the embedding width d_0 */
  readonly d0: number;
  private readonly wte: Float64Array | null = null;
  private readonly wpe: Float64Array;
  /** without learned positions, where embeddingBackward's position gradient goes (discarded) */
  private readonly dwpeScratch: Float64Array;
  /** index in params of layer 0's Z */
  private readonly zAt: number;
  private readonly acts = new Map<number, Acts>();
  private last: { ids: Int32Array; B: number } = { ids: new Int32Array(0), B: 0 };

  constructor(readonly cfg: DeepConvexConfig) {
    const { layers: L, seq: n, vocab: V, classes: c, gates: h } = cfg;
    if (!(Number.isInteger(L) && L >= 1)) throw new Error(`layers must be an integer >= 1, got ${L}`);
    if (!(Number.isInteger(h) && h >= 1)) throw new Error(`gates must be an integer >= 1, got ${h}`);
    const seed = cfg.seed ?? 0;
    const rng = new Rng(seed);
    this.d0 = cfg.embedding === 'onehot' ? V : cfg.dModel ?? 32;
    const d0 = this.d0;
    // learned rows of norm about 1, as one-hot rows are: the layers' initial scale fits both
    this.wpe = new Float64Array(n * d0);
    if (cfg.embedding === 'learned') {
      this.wte = rng.normals(V * d0, 1 / Math.sqrt(d0));
      this.params.push({ name: 'wte', data: this.wte, shape: [V, d0] });
      if (cfg.positions) {
        this.wpe = rng.normals(n * d0, 1 / Math.sqrt(d0));
        this.params.push({ name: 'wpe', data: this.wpe, shape: [n, d0] });
      }
    }
    this.dwpeScratch = new Float64Array(cfg.positions ? 0 : n * d0);
    this.zAt = this.params.length;
    const width = cfg.width ?? d0;
    if (cfg.skip && width !== d0) throw new Error(`skip needs the hidden width to equal the embedding width ${d0}, got ${width}`);
    const built: Layer[] = [];
    for (let k = 0; k < L; k++) {
      const din = k === 0 ? d0 : width;
      // the kernel map has its own seed per layer, so adding it draws no number from rng
      const map = cfg.kernel ? drawChiFeatures(din, cfg.kernel.blocks * nextPow2(din), cfg.kernel.dof, ((seed + 1) * 1_000_003 + k) >>> 0) : null;
      const d = map ? map.D : din;
      const hidden = k < L - 1;
      const o = hidden ? n * width : c;
      // about h/2 gates are on; a hidden output of variance 1/d' keeps each token row's norm near 1.
      // A kernel map makes token rows about sqrt(D) times longer (M^T M is near D times the identity,
      // docs/kernel-features.md), so its Z starts that much smaller.
      const std = Math.sqrt(2 / (h * n * (hidden ? width : 1))) / (map ? Math.sqrt(map.D) : 1);
      const Z = rng.normals(h * o * n * d, std);
      const gd = cfg.gateFrom === 'first' ? d0 : din;
      // the gates are fixed, drawn from N(0, 1) as the program `gated` draws its own
      built.push({ d, o, Z, gating: { h, U1: rng.normals(h * n), U2: rng.normals(h * gd) }, map });
      this.params.push({ name: `Z${k + 1}`, data: Z, shape: hidden ? [h, n, width, n, d] : [h, c, n, d] });
    }
    this.layers = built;
  }

  /** The tokens X_0 (B, n, d_0) of token ids (B, n). */
  embed(ids: Int32Array, B: number, out: Float64Array = new Float64Array(B * this.cfg.seq * this.d0)): Float64Array {
    const { seq: n } = this.cfg;
    const d0 = this.d0;
    if (this.wte) embeddingForward(out, ids, this.wte, this.wpe, B, n, d0);
    else {
      out.fill(0);
      for (let r = 0; r < B * n; r++) out[r * d0 + ids[r]] = 1;
    }
    return out;
  }

  forward(ids: Int32Array, B: number): Float64Array {
    const a = this.buffers(B);
    const { seq: n, gates: h } = this.cfg;
    this.embed(ids, B, a.X[0]);
    this.layers.forEach((layer, k) => {
      const gateInput = this.cfg.gateFrom === 'first' ? 0 : k;
      const gd = layer.gating.U2.length / h;
      headScores(a.G[k], a.X[gateInput], B, n, gd, layer.gating.U1, layer.gating.U2, h);
      const read = layer.map ? applyChiFeatures(layer.map, a.X[k], B * n, a.F[k]!) : a.X[k];
      gatedBlockForward(a.X[k + 1], a.T, read, layer.Z, a.G[k], this.shape(layer, B));
      if (this.skips(k)) addInto(a.X[k + 1], a.X[k]);
    });
    this.last = { ids, B };
    return a.X[this.layers.length];
  }

  backward(dpred: Float64Array, grads: Float64Array[]): void {
    const { ids, B } = this.last;
    const a = this.buffers(B);
    const L = this.layers.length;
    let dy = dpred;
    for (let k = L - 1; k >= 0; k--) {
      const layer = this.layers[k];
      // the gradient of the embeddings is needed only when they are learned
      const dX = k > 0 || this.wte ? a.dX[k] : null;
      if (layer.map) {
        // through the block to phi(X), then phi's adjoint to X
        gatedBlockBackward(grads[this.zAt + k], dX && a.dF[k], a.T, dy, a.F[k]!, layer.Z, a.G[k], this.shape(layer, B));
        if (dX) applyChiFeaturesT(layer.map, a.dF[k]!, B * this.cfg.seq, dX);
      } else {
        gatedBlockBackward(grads[this.zAt + k], dX, a.T, dy, a.X[k], layer.Z, a.G[k], this.shape(layer, B));
      }
      // the skip passes the output's gradient straight to the input
      if (dX && this.skips(k)) addInto(dX, dy);
      if (dX) dy = dX;
    }
    if (this.wte) {
      const dwpe = this.cfg.positions ? grads[1] : this.dwpeScratch;
      embeddingBackward(grads[0], dwpe, a.dX[0], ids, B, this.cfg.seq, this.d0);
    }
  }

  /** beta * sum of the group norms of every layer; its subgradient (0 on a zero group) added to grads. */
  weightDecay(grads: Float64Array[] | null): number {
    const beta = this.cfg.beta;
    let value = 0;
    // each norm summed in the order of the program's GroupL2, so the two agree to the bit
    this.layers.forEach(({ Z, d }, k) => { value += groupPenalty(Z, d, grads?.[this.zAt + k] ?? null, beta); });
    return beta * value;
  }

  /**
   * Where the last layer reads its input's token rows: per sample, token k weighs
   * sum over the gates on and the classes of ||Z_j[l] row k|| (the recovered heads of eq. 12
   * attend to one token each, Proposition 1), averaged over the samples. For L = 1 these rows
   * are the tokens; deeper, they are hidden rows that already mix the tokens.
   */
  attentionMap(ids: Int32Array, B: number): Float64Array {
    const { seq: n, gates: h } = this.cfg;
    const a = this.buffers(B);
    this.forward(ids, B);
    const top = this.layers[this.layers.length - 1];
    const rowWeight = new Float64Array(h * n);
    for (let j = 0; j < h; j++) {
      for (let l = 0; l < top.o; l++) {
        for (let k = 0; k < n; k++) rowWeight[j * n + k] += groupNorm(top.Z, ((j * top.o + l) * n + k) * top.d, top.d);
      }
    }
    const map = new Float64Array(n);
    const G = a.G[this.layers.length - 1];
    for (let i = 0; i < B; i++) {
      for (let j = 0; j < h; j++) if (G[i * h + j] >= 0) for (let k = 0; k < n; k++) map[k] += rowWeight[j * n + k];
    }
    let total = 0;
    for (const v of map) total += v;
    if (total > 0) for (let k = 0; k < n; k++) map[k] /= total;
    return map;
  }

  /**
   * The input tokens (B, n, d_{L-1}) of the last layer on these ids, and its gates: with the
   * earlier layers fixed, the last layer is the program `gated` on these tokens with this gating
   * (when gates read each layer's input; with gateFrom 'first' the gates read the embeddings).
   */
  lastLayerInput(ids: Int32Array, B: number): { X: Float64Array; n: number; d: number; gating: Gating } {
    this.forward(ids, B);
    const L = this.layers.length;
    const top = this.layers[L - 1];
    if (top.map) throw new Error('lastLayerInput: a layer with a kernel map reads phi(X); the certified last layer takes no map');
    return { X: Float64Array.from(this.buffers(B).X[L - 1]), n: this.cfg.seq, d: top.d, gating: top.gating };
  }

  /** Whether layer k (0-based) has a skip connection: hidden layers only, the last maps to classes. */
  private skips(k: number): boolean {
    return !!this.cfg.skip && k < this.layers.length - 1;
  }

  private shape(layer: Layer, B: number): GatedBlockShape {
    return { B, p: this.cfg.seq * layer.d, h: this.cfg.gates, o: layer.o };
  }

  private buffers(B: number): Acts {
    let a = this.acts.get(B);
    if (!a) {
      const { seq: n, gates: h } = this.cfg;
      const widths = [this.d0 * n, ...this.layers.map((l) => l.o)];
      const X = widths.map((w) => new Float64Array(B * w));
      const maxO = Math.max(...this.layers.map((l) => l.o));
      const features = () => this.layers.map((l) => (l.map ? new Float64Array(B * n * l.d) : null));
      a = {
        X, G: this.layers.map(() => new Float64Array(B * h)), T: new Float64Array(B * h * maxO), dX: widths.slice(0, -1).map((w) => new Float64Array(B * w)),
        F: features(), dF: features(),
      };
      this.acts.set(B, a);
    }
    return a;
  }
}

/** y += x, elementwise over y's length. */
function addInto(y: Float64Array, x: Float64Array): void {
  for (let t = 0; t < y.length; t++) y[t] += x[t];
}
