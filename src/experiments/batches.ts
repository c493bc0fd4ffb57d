// Where the trainer's batches come from: a data source (the whole data as one batch, or the
// samples at given rows gathered with their targets) and a seeded minibatch order, a fresh
// permutation of the samples each epoch, cut into consecutive batches (the last one of an epoch
// may be smaller). The order of epoch e depends only on (seed, e), so the sampler's state is
// two integers and a checkpoint resumes it exactly.
import type { Batch } from '../nn/models/model';
import type { LossKind, Targets } from '../convex/types';
import type { Float64Tokens } from '../data/tokens';
import { makeDatafit } from '../convex/programs/assemble';
import { Rng } from '../core/rng';

export interface DataSource<In = Float64Array> {
  readonly N: number;
  /** every sample, in its order: the full batch */
  readonly all: Batch<In>;
  /** the samples at these rows, with their targets */
  gather(rows: Int32Array): Batch<In>;
}

function gatherRows<T extends Float64Array | Int32Array>(src: T, width: number, rows: Int32Array): T {
  const out = new (src.constructor as { new (n: number): T })(rows.length * width);
  rows.forEach((r, i) => out.set(src.subarray(r * width, (r + 1) * width), i * width));
  return out;
}

/** Samples from..to-1 of tokens and their targets, as views (no copy): a validation split. */
export function sliceSamples(t: Float64Tokens, targets: Targets, from: number, to: number): { tokens: Float64Tokens; targets: Targets } {
  const { n, d } = t;
  const { c, tokens } = targets, k = tokens ?? 1; // per-token targets: k rows of targets per sample
  return {
    tokens: { X: t.X.subarray(from * n * d, to * n * d), N: to - from, n, d },
    targets: { c, Y: targets.Y?.subarray(from * k * c, to * k * c), y: targets.y?.subarray(from * k, to * k), ...(tokens === undefined ? {} : { tokens }) },
  };
}

/** Tokens (N, n, d) with squared-loss targets Y or labels y. */
export function tokenSource(t: Float64Tokens, targets: Targets, loss: LossKind): DataSource<Float64Array> {
  const { n, d } = t;
  const { c, tokens } = targets, k = tokens ?? 1; // per-token targets: k rows of targets per sample
  return {
    N: t.N,
    all: { input: t.X, B: t.N, datafit: makeDatafit(loss, targets, t.N) },
    gather(rows) {
      const sub: Targets = { c, Y: targets.Y && gatherRows(targets.Y, k * c, rows), y: targets.y && gatherRows(targets.y, k, rows), ...(tokens === undefined ? {} : { tokens }) };
      return { input: gatherRows(t.X, n * d, rows), B: rows.length, datafit: makeDatafit(loss, sub, rows.length) };
    },
  };
}

/** Token ids (N, T) with class labels (N,), for the transformer. */
export function idSource(ids: Int32Array, T: number, labels: Int32Array, classes: number): DataSource<Int32Array> {
  const N = labels.length;
  return {
    N,
    all: { input: ids, B: N, datafit: makeDatafit('ce', { c: classes, y: labels }, N) },
    gather: (rows) => ({ input: gatherRows(ids, T, rows), B: rows.length, datafit: makeDatafit('ce', { c: classes, y: gatherRows(labels, 1, rows) }, rows.length) }),
  };
}

/** Where the sampler is: the epoch, and the batches of it already drawn. */
export interface SamplerState {
  epoch: number;
  position: number;
}

export class Minibatches {
  private order: Int32Array;
  private at: SamplerState = { epoch: 0, position: 0 };

  constructor(readonly N: number, readonly size: number, readonly seed: number) {
    if (!(size >= 1 && Number.isInteger(size))) throw new Error(`batch size must be a positive integer, got ${size}`);
    this.order = this.permutation(0);
  }

  get batchesPerEpoch(): number {
    return Math.ceil(this.N / this.size);
  }

  /** The sample order of epoch e: a Fisher-Yates shuffle seeded by (seed, e). */
  permutation(epoch: number): Int32Array {
    return new Rng((this.seed + Math.imul(epoch + 1, 0x85ebca6b)) >>> 0).permutation(this.N);
  }

  next(): Int32Array {
    if (this.at.position === this.batchesPerEpoch) {
      this.at = { epoch: this.at.epoch + 1, position: 0 };
      this.order = this.permutation(this.at.epoch);
    }
    const from = this.at.position * this.size;
    this.at.position++;
    return this.order.slice(from, Math.min(from + this.size, this.N));
  }

  state(): SamplerState {
    return { ...this.at };
  }

  restore(s: SamplerState): void {
    this.at = { ...s };
    this.order = this.permutation(s.epoch);
  }
}
