// The seeded train/test split of a generated task: the same seed gives the same split on every
// machine (core/rng.ts is integer arithmetic), and a fraction that empties either side is refused.
import { Rng } from '../../core/rng';
import { InputError } from '../errors';

export interface Split {
  /** increasing indices; disjoint, together 0..N-1 */
  train: Int32Array;
  test: Int32Array;
}

/** Refuses a seed the generator cannot take as it is (Rng keeps 32 bits). */
export function checkSeed(seed: number, field = 'seed'): void {
  if (!(Number.isInteger(seed) && seed >= 0 && seed <= 0xffffffff)) {
    throw new InputError(field, `must be an integer in [0, ${0xffffffff}], got ${seed}`);
  }
}

/**
 * round(trainFrac x N) examples for training, drawn by a Fisher-Yates shuffle seeded by `seed`,
 * the rest for testing. `what` names the examples in messages ("equations").
 */
export function seededSplit(N: number, trainFrac: number, seed: number, what: string): Split {
  if (!(Number.isFinite(trainFrac) && trainFrac > 0 && trainFrac < 1)) {
    throw new InputError('trainFrac', `must be a fraction in (0, 1), got ${trainFrac}`);
  }
  checkSeed(seed);
  const nTrain = Math.round(trainFrac * N);
  if (nTrain === 0 || nTrain === N) {
    const empty = nTrain === 0 ? 'training' : 'test';
    throw new InputError('trainFrac', `${trainFrac} leaves the ${empty} split empty (round(${trainFrac} x ${N}) = ${nTrain} of ${N} ${what}); ` +
      'expected a fraction that leaves both splits non-empty');
  }
  const order = new Rng(seed).permutation(N);
  return { train: order.slice(0, nTrain).sort(), test: order.slice(nTrain).sort() };
}
