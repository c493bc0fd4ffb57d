// beta from --beta or --beta-frac, refused when it overflows (--beta-frac 1e308 x beta_max is
// Infinity, which the convex problem would reject without naming the option).
import type { AttentionProblem } from '../convex/problems';
import { InputError } from '../data/errors';
import { chooseBeta, type FitConfig } from './fit';

export function finiteBeta(ap: AttentionProblem, cfg: Pick<FitConfig, 'beta' | 'betaFrac'>): number {
  const beta = chooseBeta(ap, cfg);
  if (!Number.isFinite(beta)) {
    const field = cfg.beta !== undefined ? '--beta' : '--beta-frac';
    throw new InputError(field, `gives beta = ${beta} (beta_max ${ap.betaMax}); expected a finite beta, use a smaller ${field}`);
  }
  return beta;
}
