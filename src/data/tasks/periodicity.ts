// The periodicity task of Fisher et al. section 5.1, a harder cousin of modular division:
//   z = [(x^{-1} + y^2) * (2x mod [log2 p])] mod p,  x in 1..p-1, y in 0..p-1, p = 97,
// as the sequence [x, o, y, =] with z read at the last position (the layout of `modular`, so the
// same models train on it). The paper leaves [log2 97] = [6.60] unrounded in print: floor (6,
// the default) or ceil (7) with `logRound`. The factor 2x mod m takes the values 0, 2, 4 (m = 6)
// or 0..6 (m = 7), and z = 0 whenever it is 0, so class 0 dominates: 3,166 of 9,312 equations
// (34%) with the floor, 1,349 (14.5%) with the ceiling (docs/periodicity.md).
import { InputError } from '../errors';
import { inverseMod } from './modular';
import { seededSplit } from './split';
import { optionValues, type Task, type TaskData, type TaskValues } from './task';

export const LOG_ROUNDS = ['floor', 'ceil'] as const;

/** A prime small enough for p^2 equations in memory: every x in 1..p-1 needs an inverse. */
const MAX_P = 2000;

function isPrime(p: number): boolean {
  for (let q = 2; q * q <= p; q++) if (p % q === 0) return false;
  return p >= 2;
}

/** [log2 p] read as floor or ceil; for a power of two both are log2 p. */
export function logModulus(p: number, round: typeof LOG_ROUNDS[number]): number {
  return round === 'floor' ? Math.floor(Math.log2(p)) : Math.ceil(Math.log2(p));
}

function generate(values: TaskValues): TaskData {
  const v = optionValues(periodicity, values);
  const p = v.p as number, logRound = v.logRound as typeof LOG_ROUNDS[number];
  const trainFrac = v.trainFrac as number, seed = v.seed as number;
  if (!(Number.isInteger(p) && p >= 5 && p <= MAX_P && isPrime(p))) {
    throw new InputError('p', `must be a prime in 5..${MAX_P} (x^{-1} mod p for every x in 1..p-1), got ${p}`);
  }
  const m = logModulus(p, logRound);
  const N = (p - 1) * p, seq = 4;
  const oToken = p, eqToken = p + 1;
  const ids = new Int32Array(N * seq), labels = new Int32Array(N);
  let i = 0;
  for (let x = 1; x < p; x++) {
    const inv = inverseMod(x, p)!;
    const factor = (2 * x) % m;
    for (let y = 0; y < p; y++) {
      ids.set([x, oToken, y, eqToken], i * seq);
      labels[i++] = ((inv + ((y * y) % p)) * factor) % p;
    }
  }
  let zeros = 0;
  for (const z of labels) if (z === 0) zeros++;
  const { train, test } = seededSplit(N, trainFrac, seed, 'equations');
  return {
    ids, N, seq, labels, vocab: p + 2, classes: p, train, test,
    tokenNames: [...Array.from({ length: p }, (_, r) => String(r)), 'o', '='],
    metadata: { p, log_modulus: m, op_token: oToken, eq_token: eqToken, vocab: p + 2, classes: p, train_frac: trainFrac, seed, equations: N, class0: zeros },
    summary: `periodicity mod ${p}: ${N} equations z = ((x^-1 + y^2) * (2x mod ${m})) mod ${p} ([log2 ${p}] read as ${logRound}), ` +
      `${train.length} train + ${test.length} test (seed ${seed}); class 0 holds ${zeros} (${(100 * zeros / N).toFixed(1)}%)`,
  };
}

export const periodicity: Task = {
  name: 'periodicity',
  description: 'the periodicity task of Fisher et al. 5.1: [x, o, y, =] -> ((x^-1 + y^2) * (2x mod [log2 p])) mod p',
  help: 'x in 1..p-1 and y in 0..p-1 (mod 97: 9,312 equations); x^-1 is the inverse mod p, so p must be\n' +
    'prime. Tokens: the residues 0..p-1 (ids 0..p-1), then o (id p) and = (id p+1); the answer is the\n' +
    'class z in 0..p-1, read at the last position. The paper prints [log2 97] without saying how it\n' +
    'rounds: --log-round floor (6, default) or ceil (7). z = 0 whenever 2x mod [log2 p] = 0, so class 0\n' +
    'dominates: mod 97, 34% of the equations with floor, 14.5% with ceil (a constant guess scores that).',
  options: [
    { field: 'p', flag: '--p <P>', description: 'the prime modulus (classes = p)', default: 97 },
    { field: 'logRound', flag: '--log-round <r>', description: 'how [log2 p] is rounded', choices: LOG_ROUNDS, default: 'floor' },
    { field: 'trainFrac', flag: '--train-frac <F>', description: 'fraction of the equations for training, the rest for testing', default: 0.5 },
    { field: 'seed', flag: '--seed <S>', description: 'seed of the train/test split', default: 0 },
  ],
  generate,
};
