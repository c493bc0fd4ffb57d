// "X: missing" alone leaves the user guessing; say which keys the file holds and, for the usual
// near misses (positional np.savez, lower case, X_train), how to save it so that it loads.
import { InputError, quote, quoteList } from './errors';

function hint(key: string, keys: readonly string[]): string {
  if (keys.some((k) => /^arr_\d+$/.test(k))) {
    return '; np.savez(f, X, y) names arrays arr_0, arr_1, ...: pass them by name, np.savez(f, X=X, y=y)';
  }
  if (key === 'y' && keys.includes('Y')) return '; the file has targets Y (N, c) for squared loss: use `loss` squared, or add labels y';
  const sameLetters = keys.find((k) => k.toLowerCase() === key.toLowerCase());
  if (sameLetters) return `; keys are case-sensitive: rename ${quote(sameLetters)} to ${quote(key)}`;
  const split = keys.find((k) => k.toLowerCase() === `${key.toLowerCase()}_train`);
  if (split) return `; rename ${quote(split)} to ${quote(key)} (the test split goes in ${quote(`${key}_test`)})`;
  return '';
}

/** The error for a key the command needs that the file does not hold. */
export function missingKey(key: string, expected: string, keys: readonly string[]): InputError {
  const holds = keys.length === 0 ? 'the file holds no arrays' : `the file holds ${quoteList(keys)}`;
  return new InputError(key, `missing; expected ${expected}; ${holds}${hint(key, keys)}`);
}
