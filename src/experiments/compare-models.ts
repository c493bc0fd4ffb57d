// The settings of compare's non-convex models (softmax attention and the program's own model),
// fixed before training and recorded in result.json: how many heads (by default enough for the
// convex optimum), where they read out, whether they see positions (and the one-hot positions
// --positional adds), the penalty, the learning rate and the work done.
import { InputError } from '../data/errors';
import type { Tokens } from '../convex/types';
import type { NonconvexModel } from '../convex/programs/program';
import type { Float64Tokens } from '../data/tokens';

export interface ModelSettings {
  heads: number;
  /** the token whose output is the prediction; null: the model has no query token */
  readoutToken: number | null;
  /** whether the model can tell positions apart */
  positional: boolean;
  attention: string;
  /** the objective's penalty, beta/2 times the squared norms below; Adam itself adds no decay */
  beta: number;
  penalty: string;
  lr?: number;
  /** --steps: Adam steps per learning rate tried */
  searchSteps?: number;
  /** Adam steps of the final training (done, also without --steps) */
  steps?: number;
  /** --time-budget: this model's share (planned), the wall seconds its search and its training took (measured) */
  shareSeconds?: number;
  searchSeconds?: number;
  trainSeconds?: number;
  /** --time-budget: measured seconds of one training step (estimated from the search's first step when none ran) */
  stepSeconds?: number;
}

/** The heads the softmax model can have: divisors of d (it splits the d features across heads). */
export function divisors(d: number): number[] {
  return Array.from({ length: d }, (_, k) => k + 1).filter((h) => d % h === 0);
}

/** Refuses an explicit --heads the softmax model cannot have, before any work. */
export function checkHeads(heads: number | undefined, cfg: { positional?: boolean }, t: Tokens): void {
  const d = softmaxWidth(cfg, t);
  if (heads !== undefined && d % heads !== 0) {
    const width = cfg.positional ? `d + n = ${d} (d = ${t.d} plus n = ${t.n} positions, positional)` : `d = ${d}`;
    throw new InputError('heads', `${heads} does not divide ${width} (softmax attention splits its ${d} features across heads); expected one of ${divisors(d).join(', ')}`);
  }
}

/**
 * Heads for each model: the explicit --heads, or what represents the convex optimum (the
 * program's own model: `ownNeed`, its NonconvexModel.headsFor; softmax: at least the optimum's
 * heads, rounded up to a divisor of its width d, at most d; null: no softmax model). Warnings
 * when a model has fewer.
 */
export function chooseHeads(
  explicit: number | undefined, ownName: string, ownNeed: number, convexHeads: number, d: number | null,
): { softmax?: number; own: number; warnings: string[] } {
  const need = Math.max(1, convexHeads);
  const own = explicit ?? Math.max(1, ownNeed);
  const warnings: string[] = [];
  if (own < ownNeed) warnings.push(`the convex optimum needs ${ownNeed} heads of the ${ownName} model, which has ${own} (heads as given): it cannot reach the optimum`);
  if (d === null) return { own, warnings };
  const softmax = explicit ?? divisors(d).find((h) => h >= need) ?? d;
  if (softmax < convexHeads) {
    warnings.push(`the convex optimum uses ${convexHeads} heads, the softmax model has ${softmax}${explicit === undefined ? ` (at most d = ${d})` : ' (heads as given)'}: it cannot reach the optimum`);
  }
  return { softmax, own, warnings };
}

export function softmaxSettings(heads: number, beta: number, positional: boolean): ModelSettings {
  return {
    heads, readoutToken: 0, positional,
    attention: 'softmax(q K^T / sqrt(d/h)) V per head, query = token 0; ' + (positional
      ? 'each token carries a one-hot of its position (positional)'
      : 'no positional encoding, so it sees token contents only'),
    beta, penalty: '||W_q||^2 + ||W_k||^2 + ||W_v||^2 + ||W_o||^2',
  };
}

/** The program's own non-convex model: no query token, its attention and penalty as the program states them. */
export function ownSettings(spec: NonconvexModel, heads: number, beta: number): ModelSettings {
  return { heads, readoutToken: null, positional: spec.positional, attention: spec.attention, beta, penalty: spec.penalty };
}

/** The settings with their keys in one fixed order (JSON drops the unset ones). */
export function ordered(s: ModelSettings): ModelSettings {
  return {
    heads: s.heads, readoutToken: s.readoutToken, positional: s.positional, attention: s.attention, beta: s.beta, penalty: s.penalty,
    lr: s.lr, searchSteps: s.searchSteps, steps: s.steps,
    shareSeconds: s.shareSeconds, searchSeconds: s.searchSeconds, trainSeconds: s.trainSeconds, stepSeconds: s.stepSeconds,
  };
}

/** Tokens with a one-hot of their position appended: (N, n, d) -> (N, n, d + n). */
export function withPositions(t: Tokens): Float64Tokens {
  const { X, N, n, d } = t;
  const D = d + n;
  const out = new Float64Array(N * n * D);
  for (let i = 0; i < N; i++) {
    for (let k = 0; k < n; k++) {
      const row = (i * n + k) * D;
      out.set(X.subarray((i * n + k) * d, (i * n + k + 1) * d), row);
      out[row + d + k] = 1;
    }
  }
  return { X: out, N, n, d: D };
}

/** The feature width the softmax model works with; its heads must divide it. */
export const softmaxWidth = (cfg: { positional?: boolean }, t: Tokens): number => t.d + (cfg.positional ? t.n : 0);
