// Adam and AdamW in one pass over each parameter buffer. The optax-style chain (transform.ts)
// makes four passes: the moments, the decoupled decay, the learning rate, then applyUpdates; at
// the grokking suite's small sizes those passes were a third of the training step. fusedStep
// recognises the chains the trainers build and runs, per element, the same floating-point
// operations in the same order, writing each intermediate through the update buffer as the chain
// does (so a float32 buffer rounds where the chain's rounds): the results are bit-identical, and
// the state keeps the chain's layout, so checkpoints written by either resume in the other.
import {
  applyUpdates, valueAt, type AdamState, type Buffers, type CountState, type Link, type Schedule, type Transform,
} from './transform';

/** One optimizer step: turns the gradients into updates and applies them to params (grads are consumed). */
export type Step<S = unknown> = (grads: Buffers, state: S, params: Buffers) => S;

type AdamLink = Extract<Link, { kind: 'adam' }>;

/** The fusable chains: Adam's direction, weight decay before it (coupled) or after it (decoupled, AdamW), or none, then the learning rate. */
interface Plan { adam: AdamLink; lr: Schedule; wd: number; decay: 'none' | 'coupled' | 'decoupled' }

const DECAY_BY_CHAIN: Record<string, Plan['decay']> = { 'adam,lr': 'none', 'adam,decay,lr': 'decoupled', 'decay,adam,lr': 'coupled' };

function planOf(opt: Transform<unknown>): Plan | null {
  if (opt.link?.kind !== 'chain') return null;
  const links = opt.link.transforms.map((t) => t.link);
  const decay = DECAY_BY_CHAIN[links.map((l) => l?.kind ?? '?').join(',')];
  if (!decay) return null;
  let adam: AdamLink | undefined, lr: Schedule = 0, wd = 0;
  for (const l of links) {
    if (l?.kind === 'adam') adam = l;
    else if (l?.kind === 'lr') lr = l.lr;
    else if (l?.kind === 'decay') {
      if (l.masked) return null; // a per-buffer mask is the chain's alone
      wd = l.wd;
    }
  }
  return adam ? { adam, lr, wd, decay } : null;
}

/** The chain's per-element operations, in its order; u is the gradient on entry. */
function adamPass(
  u: Buffers[number], p: Buffers[number], mu: Float64Array, nu: Float64Array,
  plan: Plan, c1: number, c2: number, scale: number,
): void {
  const { b1, b2, eps } = plan.adam, wd = plan.wd, coupled = plan.decay === 'coupled', decoupled = plan.decay === 'decoupled';
  for (let i = 0; i < u.length; i++) {
    if (coupled) u[i] += wd * p[i];
    mu[i] = b1 * mu[i] + (1 - b1) * u[i];
    nu[i] = b2 * nu[i] + (1 - b2) * u[i] * u[i];
    const mhat = mu[i] / c1, den = Math.sqrt(nu[i] / c2) + eps;
    u[i] = mhat / den;
    if (decoupled) u[i] += wd * p[i];
    u[i] *= scale;
    p[i] += u[i];
  }
}

function fused(plan: Plan): Step<unknown[]> {
  const at = plan.decay === 'coupled' ? 1 : 0; // where the Adam state sits in the chain's state
  return (grads, states, params) => {
    const adam = states[at] as AdamState, lrState = states[states.length - 1] as CountState;
    const count = adam.count + 1;
    const c1 = 1 - plan.adam.b1 ** count, c2 = 1 - plan.adam.b2 ** count;
    const scale = -valueAt(plan.lr, lrState.count);
    grads.forEach((u, k) => adamPass(u, params[k], adam.mu[k], adam.nu[k], plan, c1, c2, scale));
    const next = states.slice();
    next[at] = { ...adam, count };
    next[states.length - 1] = { count: lrState.count + 1 };
    return next;
  };
}

/** The step of `opt`: fused when it is a chain fusedStep knows, else the chain's update followed by applyUpdates. */
export function optimizerStep(opt: Transform<unknown>): Step {
  const plan = planOf(opt);
  if (plan) return fused(plan) as Step;
  return (grads, state, params) => {
    const next = opt.update(grads, state, params);
    applyUpdates(params, grads);
    return next;
  };
}
