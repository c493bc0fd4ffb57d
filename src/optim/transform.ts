// Optimizers as small composable gradient transforms, after optax:
//   a transform is { init(params) -> state, update(updates, state, params) -> state },
//   adamw = chain(scaleByAdam(), addDecayedWeights(wd), scaleByLearningRate(lr)).
// Updates flow through the chain in place in the gradient buffers (flat arrays, no copies on the
// hot path); each transform's state is its own small record of buffers and a step count.
import type { FloatArray } from '../core/blas';

export type Buffers = FloatArray[];
export type Schedule = number | ((step: number) => number);

export interface Transform<S = unknown> {
  init(params: Buffers): S;
  /** Turns `updates` (the gradients on entry) into the next transform's input, in place. */
  update(updates: Buffers, state: S, params: Buffers): S;
  /** What the transform is, so that optimizerStep (adamw-fused.ts) can run a known chain in one pass. */
  readonly link?: Link;
}

/** The links optimizerStep recognises; chain's holds its transforms. */
export type Link =
  | { kind: 'adam'; b1: number; b2: number; eps: number }
  | { kind: 'decay'; wd: number; masked: boolean }
  | { kind: 'lr'; lr: Schedule }
  | { kind: 'chain'; transforms: Transform<any>[] };

export const valueAt = (s: Schedule, step: number): number => (typeof s === 'number' ? s : s(step));
const zerosLike = (params: Buffers): Float64Array[] => params.map((p) => new Float64Array(p.length));

export function chain(...ts: Transform<any>[]): Transform<unknown[]> {
  return {
    link: { kind: 'chain', transforms: ts },
    init: (params) => ts.map((t) => t.init(params)),
    update: (updates, states, params) => ts.map((t, i) => t.update(updates, states[i], params)),
  };
}

export interface AdamState { mu: Float64Array[]; nu: Float64Array[]; count: number }

/**
 * Adam's moment update, the one both the optimizer below and the convex Adam solver run: with
 * g the gradient on entry, mu = b1 mu + (1 - b1) g, nu = b2 nu + (1 - b2) g^2, and u becomes the
 * bias-corrected direction mhat / (sqrt(vhat) + eps) of step `count` (1-based). Given `lr`, u
 * becomes the step (lr mhat) / (sqrt(vhat) + eps): the convex solver multiplies by lr before
 * dividing, and keeping that order keeps its iterates bit for bit (the two roundings drift apart
 * by 1e-6 over a few thousand subgradient steps).
 */
export function adamMoments(
  u: FloatArray, mu: Float64Array, nu: Float64Array, count: number, b1: number, b2: number, eps: number, lr?: number,
): void {
  const c1 = 1 - b1 ** count, c2 = 1 - b2 ** count;
  for (let i = 0; i < u.length; i++) {
    mu[i] = b1 * mu[i] + (1 - b1) * u[i];
    nu[i] = b2 * nu[i] + (1 - b2) * u[i] * u[i];
    const mhat = mu[i] / c1, den = Math.sqrt(nu[i] / c2) + eps;
    u[i] = lr === undefined ? mhat / den : (lr * mhat) / den;
  }
}

/** Adam's direction: mhat / (sqrt(vhat) + eps) with bias correction. */
export function scaleByAdam(b1 = 0.9, b2 = 0.999, eps = 1e-8): Transform<AdamState> {
  return {
    link: { kind: 'adam', b1, b2, eps },
    init: (params) => ({ mu: zerosLike(params), nu: zerosLike(params), count: 0 }),
    update(updates, state) {
      const count = state.count + 1;
      updates.forEach((u, k) => adamMoments(u, state.mu[k], state.nu[k], count, b1, b2, eps));
      return { ...state, count };
    },
  };
}

export interface TraceState { trace: Float64Array[] }

/** Heavy-ball momentum: t = g + m t. */
export function trace(momentum: number): Transform<TraceState> {
  return {
    init: (params) => ({ trace: zerosLike(params) }),
    update(updates, state) {
      updates.forEach((u, k) => {
        const t = state.trace[k];
        for (let i = 0; i < u.length; i++) u[i] = t[i] = u[i] + momentum * t[i];
      });
      return state;
    },
  };
}

/** Decoupled weight decay (AdamW): u += wd * p, applied before the learning rate. */
export function addDecayedWeights(wd: number, mask?: boolean[]): Transform<null> {
  return {
    link: { kind: 'decay', wd, masked: mask !== undefined },
    init: () => null,
    update(updates, state, params) {
      updates.forEach((u, k) => {
        if (mask && !mask[k]) return;
        const p = params[k];
        for (let i = 0; i < u.length; i++) u[i] += wd * p[i];
      });
      return state;
    },
  };
}

export interface CountState { count: number }

/** u *= -lr(step): the last link of every optimizer. */
export function scaleByLearningRate(lr: Schedule): Transform<CountState> {
  return {
    link: { kind: 'lr', lr },
    init: () => ({ count: 0 }),
    update(updates, state) {
      const s = -valueAt(lr, state.count);
      for (const u of updates) for (let i = 0; i < u.length; i++) u[i] *= s;
      return { count: state.count + 1 };
    },
  };
}

export function globalNorm(bufs: Buffers): number {
  let s = 0;
  for (const b of bufs) for (let i = 0; i < b.length; i++) s += b[i] * b[i];
  return Math.sqrt(s);
}

/** Scales the whole update down to global l2 norm `maxNorm` when it is longer. */
export function clipByGlobalNorm(maxNorm: number): Transform<null> {
  return {
    init: () => null,
    update(updates, state) {
      const n = globalNorm(updates);
      if (n > maxNorm) for (const u of updates) for (let i = 0; i < u.length; i++) u[i] *= maxNorm / n;
      return state;
    },
  };
}

/** Linear warm-up from 0 to `peak` over `steps`, then constant. */
export function linearWarmup(peak: number, steps: number): (step: number) => number {
  return (step) => (steps <= 0 ? peak : (peak * Math.min(step + 1, steps)) / steps);
}

export function sgd(lr: Schedule, momentum = 0): Transform<unknown[]> {
  return momentum ? chain(trace(momentum), scaleByLearningRate(lr)) : chain(scaleByLearningRate(lr));
}

export function adam(lr: Schedule, b1 = 0.9, b2 = 0.999, eps = 1e-8): Transform<unknown[]> {
  return chain(scaleByAdam(b1, b2, eps), scaleByLearningRate(lr));
}

export function adamw(lr: Schedule, weightDecay = 1e-2, b1 = 0.9, b2 = 0.999, eps = 1e-8): Transform<unknown[]> {
  return chain(scaleByAdam(b1, b2, eps), addDecayedWeights(weightDecay), scaleByLearningRate(lr));
}

/** p += u */
export function applyUpdates(params: Buffers, updates: Buffers): void {
  params.forEach((p, k) => {
    const u = updates[k];
    for (let i = 0; i < p.length; i++) p[i] += u[i];
  });
}
