// Adam and AdamW in one pass over each parameter buffer. The optax-style chain (transform.ts)
// makes four passes: the moments, the decoupled decay, the learning rate, then applyUpdates; at
// the grokking suite's small sizes those passes were a third of the training step. optimizerStep
// recognises the chains the trainers build and runs, per element, the same floating-point
// operations in the same order, rounding each intermediate to float32 where the chain's store into
// a float32 update buffer rounds it: the results are bit-identical (test/optim/adamw-fused.test.ts),
// and the state keeps the chain's layout, so checkpoints written by either resume in the other.
import type { FloatArray } from '../core/blas';
import { nativeAddon } from '../core/native-addon';
import {
  applyUpdates, valueAt, type AdamState, type Buffers, type CountState, type Link, type Schedule, type Transform,
} from './transform';

/** One optimizer step: turns the gradients into updates and applies them to params (grads are consumed). */
export type Step<S = unknown> = (grads: Buffers, state: S, params: Buffers) => S;

type AdamLink = Extract<Link, { kind: 'adam' }>;

/**
 * A fusable chain: any transforms before Adam (coupled decay, clipping: run by their own update;
 * an unmasked coupled decay right before Adam, `coupled`, joins the C pass when the addon runs),
 * Adam's direction, decoupled decay (AdamW) or none, then the learning rate.
 */
interface Plan { before: Transform<unknown>[]; coupled: number | null; adam: AdamLink; wd: number | null; lr: Schedule }

function planOf(opt: Transform<unknown>): Plan | null {
  if (opt.link?.kind !== 'chain') return null;
  const ts = opt.link.transforms, at = ts.findIndex((t) => t.link?.kind === 'adam');
  const adam = ts[at]?.link, tail = ts.slice(at + 1).map((t) => t.link), lr = tail[tail.length - 1];
  if (adam?.kind !== 'adam' || lr?.kind !== 'lr') return null;
  // between Adam and the learning rate: nothing, or one unmasked decay; anything else (a clip, an
  // unlabelled transform, a per-buffer mask) is the chain's alone
  const decay = tail.length === 2 ? tail[0] : null;
  if (tail.length > 2 || (tail.length === 2 && (decay?.kind !== 'decay' || decay.masked))) return null;
  const last = ts[at - 1]?.link;
  const coupled = last?.kind === 'decay' && !last.masked ? last.wd : null;
  return { before: ts.slice(0, at), coupled, adam, wd: decay?.kind === 'decay' ? decay.wd : null, lr: lr.lr };
}

/** Adam's constants at one step: betas, eps, the bias corrections c1 = 1 - b1^t, c2 = 1 - b2^t, and -lr. */
interface StepConstants { b1: number; b2: number; eps: number; c1: number; c2: number; scale: number }

/** Updates element i's moments from gradient g and returns the bias-corrected direction: adamMoments term for term. */
function direction(mu: Float64Array, nu: Float64Array, i: number, g: number, k: StepConstants): number {
  const m = k.b1 * mu[i] + (1 - k.b1) * g, v = k.b2 * nu[i] + (1 - k.b2) * g * g;
  mu[i] = m;
  nu[i] = v;
  return m / k.c1 / (Math.sqrt(v / k.c2) + k.eps);
}

// One kernel per buffer precision and decay, each without branches in its loop (a loop-invariant
// branch per element made the fused pass no faster than the chain's four). A float32 kernel
// rounds with Math.fround wherever the chain's store into the float32 update buffer rounds.
const fr = Math.fround;

function adamF64(u: Float64Array, p: FloatArray, mu: Float64Array, nu: Float64Array, k: StepConstants): void {
  for (let i = 0; i < u.length; i++) p[i] += (u[i] = direction(mu, nu, i, u[i], k) * k.scale);
}
function adamF32(u: Float32Array, p: FloatArray, mu: Float64Array, nu: Float64Array, k: StepConstants): void {
  for (let i = 0; i < u.length; i++) p[i] += (u[i] = fr(fr(direction(mu, nu, i, u[i], k)) * k.scale));
}
function adamwF64(u: Float64Array, p: FloatArray, mu: Float64Array, nu: Float64Array, k: StepConstants, wd: number): void {
  for (let i = 0; i < u.length; i++) p[i] += (u[i] = (direction(mu, nu, i, u[i], k) + wd * p[i]) * k.scale);
}
function adamwF32(u: Float32Array, p: FloatArray, mu: Float64Array, nu: Float64Array, k: StepConstants, wd: number): void {
  for (let i = 0; i < u.length; i++) p[i] += (u[i] = fr(fr(fr(direction(mu, nu, i, u[i], k)) + wd * p[i]) * k.scale));
}

/**
 * The same kernels in C (native/elementwise.c, bit-identical to these, and to the chain's coupled
 * decay pass): wd NaN for no decoupled decay, cwd NaN for no coupled decay.
 */
interface NativeAdam {
  adamStep(u: FloatArray, p: FloatArray, mu: Float64Array, nu: Float64Array, b1: number, b2: number, eps: number, c1: number, c2: number, scale: number, wd: number, cwd: number): void;
}
const nativeAdam = nativeAddon<NativeAdam>(['adamStep']);
/** Buffers the C step takes: the addon loaded, and the gradient and the parameter of one precision. */
const nativeFits = (u: FloatArray, p: FloatArray) => nativeAdam !== null && (u instanceof Float32Array) === (p instanceof Float32Array);

/** One buffer's step; `cwd` (coupled decay folded into the C pass) is given only when every buffer runs in C. */
function pass(u: FloatArray, p: FloatArray, mu: Float64Array, nu: Float64Array, k: StepConstants, wd: number | null, cwd = NaN): void {
  if (nativeFits(u, p)) {
    nativeAdam!.adamStep(u, p, mu, nu, k.b1, k.b2, k.eps, k.c1, k.c2, k.scale, wd ?? NaN, cwd);
  } else if (wd === null) {
    if (u instanceof Float32Array) adamF32(u, p, mu, nu, k);
    else adamF64(u, p, mu, nu, k);
  } else if (u instanceof Float32Array) adamwF32(u, p, mu, nu, k, wd);
  else adamwF64(u, p, mu, nu, k, wd);
}

function fused(plan: Plan): Step<unknown[]> {
  const at = plan.before.length; // where the Adam state sits in the chain's state
  return (grads, states, params) => {
    const next = states.slice();
    // the coupled decay joins the C pass when every buffer runs there; otherwise its own pass
    const fold = plan.coupled !== null && grads.every((u, j) => nativeFits(u, params[j]));
    plan.before.forEach((t, j) => { if (!(fold && j === at - 1)) next[j] = t.update(grads, states[j], params); });
    const adam = states[at] as AdamState, lrState = states[states.length - 1] as CountState;
    const count = adam.count + 1, { b1, b2, eps } = plan.adam;
    const k: StepConstants = { b1, b2, eps, c1: 1 - b1 ** count, c2: 1 - b2 ** count, scale: -valueAt(plan.lr, lrState.count) };
    grads.forEach((u, j) => pass(u, params[j], adam.mu[j], adam.nu[j], k, plan.wd, fold ? plan.coupled! : NaN));
    next[at] = { ...adam, count };
    next[states.length - 1] = { count: lrState.count + 1 };
    return next;
  };
}

/** The step of `opt`: fused when planOf knows its chain, else the chain's update followed by applyUpdates. */
export function optimizerStep(opt: Transform<unknown>): Step {
  const plan = planOf(opt);
  if (plan) return fused(plan) as Step;
  return (grads, state, params) => {
    const next = opt.update(grads, state, params);
    applyUpdates(params, grads);
    return next;
  };
}
