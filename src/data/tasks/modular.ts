// Modular arithmetic, the grokking task of Power et al. (2022) that Ergen et al. (section 4)
// train on: the sequence [x, op, y, =] with the answer c = x op y mod p read at the last
// position. Division is c = x * y^{-1} mod p, defined only where y is invertible mod p
// (gcd(y, p) = 1): every y in 1..p-1 for a prime p, fewer for a composite one (mod 15: 120
// equations), so the task stays a function of (x, y).
import { InputError } from '../errors';
import { seededSplit } from './split';
import { optionValues, type Task, type TaskData, type TaskValues } from './task';

/** The operations, in the order of their code in the exported metadata (`op`). */
export const MODULAR_OPS = ['div', 'mul', 'add', 'sub'] as const;
export type ModularOp = typeof MODULAR_OPS[number];

/** p^2 equations at most 4 million: larger p are no grokking experiment and would fill memory. */
const MAX_P = 2000;

/** y^{-1} mod p by the extended Euclidean algorithm, or null when gcd(y, p) != 1. */
export function inverseMod(y: number, p: number): number | null {
  let [r0, r1] = [p, ((y % p) + p) % p];
  let [t0, t1] = [0, 1];
  while (r1 !== 0) {
    const q = Math.floor(r0 / r1);
    [r0, r1] = [r1, r0 - q * r1];
    [t0, t1] = [t1, t0 - q * t1];
  }
  if (r0 !== 1) return null;
  return ((t0 % p) + p) % p;
}

/** x op y mod p; for div, y must be invertible (the caller keeps only such pairs). */
function apply(op: ModularOp, x: number, y: number, p: number): number {
  switch (op) {
    case 'add': return (x + y) % p;
    case 'sub': return (((x - y) % p) + p) % p;
    case 'mul': return (x * y) % p;
    case 'div': return (x * inverseMod(y, p)!) % p;
  }
}

const SYMBOL: Record<ModularOp, string> = { div: '/', mul: '*', add: '+', sub: '-' };

function generate(values: TaskValues): TaskData {
  const v = optionValues(modular, values);
  const op = v.op as ModularOp, p = v.p as number, trainFrac = v.trainFrac as number, seed = v.seed as number;
  if (!(Number.isInteger(p) && p >= 2)) throw new InputError('p', `must be an integer >= 2, got ${p}`);
  if (p > MAX_P) throw new InputError('p', `must be at most ${MAX_P} (p^2 = ${p * p} pairs), got ${p}`);
  // x in 0..p-1; y in 0..p-1, or for division the y invertible mod p (never 0)
  const ys: number[] = [];
  for (let y = 0; y < p; y++) if (op !== 'div' || inverseMod(y, p) !== null) ys.push(y);
  const N = p * ys.length, seq = 4;
  const opToken = p, eqToken = p + 1;
  const ids = new Int32Array(N * seq), labels = new Int32Array(N);
  let i = 0;
  for (let x = 0; x < p; x++) {
    for (const y of ys) {
      ids.set([x, opToken, y, eqToken], i * seq);
      labels[i++] = apply(op, x, y, p);
    }
  }
  const pairs = op === 'div' ? p * (p - 1) : p * p;
  const { train, test } = seededSplit(N, trainFrac, seed, 'equations');
  const restricted = N < pairs ? `; division defined for y invertible mod p: ${N} of the ${pairs} pairs` : '';
  return {
    ids, N, seq, labels, vocab: p + 2, classes: p, train, test,
    tokenNames: [...Array.from({ length: p }, (_, r) => String(r)), SYMBOL[op], '='],
    metadata: {
      p, op: MODULAR_OPS.indexOf(op), op_token: opToken, eq_token: eqToken, vocab: p + 2, classes: p,
      train_frac: trainFrac, seed, pairs, equations: N, invertible_y: ys.length,
    },
    summary: `modular ${op} mod ${p}: ${N} equations x ${SYMBOL[op]} y = c, ${train.length} train + ${test.length} test (seed ${seed})${restricted}`,
  };
}

export const modular: Task = {
  name: 'modular',
  description: 'modular arithmetic [x, op, y, =] -> x op y mod p (Power et al.; Ergen et al. section 4)',
  help: 'Tokens: the residues 0..p-1 (ids 0..p-1), then op (id p) and = (id p+1); the answer is the\n' +
    'class c in 0..p-1, read at the last position. add, sub, mul: all x, y in 0..p-1 (p^2 equations).\n' +
    'div: c = x * y^{-1} mod p for x in 0..p-1 and y in 1..p-1 invertible mod p (gcd(y, p) = 1):\n' +
    'all p(p-1) pairs for a prime p (mod 97: 9312); for a composite p only the invertible y, where\n' +
    'the quotient is unique (mod 15: 8 of 14 y, 120 of the 210 pairs). In the .npz, op is its index\n' +
    'in div, mul, add, sub; pairs, equations and invertible_y count what division keeps.',
  options: [
    { field: 'op', flag: '--op <op>', description: 'the operation', choices: MODULAR_OPS },
    { field: 'p', flag: '--p <P>', description: 'the modulus, an integer >= 2 (classes = p)' },
    { field: 'trainFrac', flag: '--train-frac <F>', description: 'fraction of the equations for training, the rest for testing', default: 0.5 },
    { field: 'seed', flag: '--seed <S>', description: 'seed of the train/test split', default: 0 },
  ],
  generate,
};
