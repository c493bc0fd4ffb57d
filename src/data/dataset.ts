// A data set for the convex programs, read from an .npz and checked key by key:
//   X (N, n, d) tokens; Y (N, c) targets (squared loss) or y (N,) integer labels (cross-entropy),
//   or per token Y (N, n, c) / y (N, n) (matrix-attention, linear-mhsa, mixer);
//   optional U1 (h, n) and U2 (h, d) gates; optional X_test with Y_test or y_test.
import type { LossKind, Tokens, Targets, Gating } from './tokens';
import type { NdArray } from './npy';
import { float64Values } from './ndarray';
import { readNpz } from './npz';
import { InputError } from './errors';
import { missingKey } from './missing-key';

export interface Dataset {
  train: Tokens;
  trainTargets: Targets;
  test?: Tokens;
  testTargets?: Targets;
  gating?: Gating;
}

function shapeText(s: number[]): string {
  return `(${s.join(', ')}${s.length === 1 ? ',' : ''})`;
}

/** The values, checked finite: float32 for tokens read with `--float32-data`, float64 otherwise. */
function finiteValues(key: string, a: NdArray): Float64Array | Float32Array {
  const v = a.values;
  for (let i = 0; i < v.length; i++) {
    if (Number.isFinite(v[i])) continue;
    // a finite float64 beyond 3.4e38 reads as Infinity in float32
    const narrowed = v instanceof Float32Array ? ' (read in float32 for --float32-data, whose range ends at 3.4e38)' : '';
    throw new InputError(key, `contains ${v[i]} at flat index ${i}${narrowed}; expected finite numbers`);
  }
  return v;
}

function finite(key: string, a: NdArray): Float64Array {
  finiteValues(key, a);
  return float64Values(a, key);
}

function tokens(key: string, a: NdArray): Tokens {
  if (a.shape.length !== 3) throw new InputError(key, `has shape ${shapeText(a.shape)}; expected rank 3 (N, n, d)`);
  const [N, n, d] = a.shape;
  if (N < 1 || n < 1 || d < 1) throw new InputError(key, `has shape ${shapeText(a.shape)}; every dimension must be >= 1`);
  return { X: finiteValues(key, a), N, n, d };
}

/** Integer labels in [0, below), (N,) or per token (N, n); `why` says where the bound comes from. */
function labels(key: string, a: NdArray, N: number, tokens: number | undefined, below: number, why: string): Int32Array {
  const shape = tokens === undefined ? [N] : [N, tokens];
  if (a.shape.length !== shape.length || a.shape.some((v, i) => v !== shape[i])) {
    throw new InputError(key, `has shape ${shapeText(a.shape)}; expected ${shapeText(shape)} integer labels${tokens === undefined ? '' : ' (one per token)'}`);
  }
  const out = new Int32Array(a.values.length);
  for (let i = 0; i < out.length; i++) {
    const v = a.values[i];
    if (!Number.isInteger(v) || v < 0) throw new InputError(key, `label ${v} at ${tokens === undefined ? 'index' : 'flat index'} ${i}; expected integers >= 0`);
    if (v >= below) throw new InputError(key, `label ${v} is out of range [0, ${below - 1}] (at ${tokens === undefined ? 'index' : 'flat index'} ${i}): ${why}`);
    out[i] = v;
  }
  return out;
}

/** The class count from the training labels, once they are known to be below N: every class must occur. */
function inferredClasses(y: Int32Array): number {
  let largest = 0;
  for (const v of y) largest = Math.max(largest, v);
  const c = largest + 1;
  if (c < 2) throw new InputError('y', 'every label is 0; cross-entropy needs 2 or more classes');
  const count = new Int32Array(c);
  for (const v of y) count[v]++;
  const empty: number[] = [];
  count.forEach((k, cls) => { if (k === 0) empty.push(cls); });
  if (empty.length > 0) {
    const shown = empty.length > 5 ? `${empty.slice(0, 5).join(', ')} and ${empty.length - 5} more` : empty.join(', ');
    throw new InputError('y', `class${empty.length > 1 ? 'es' : ''} ${shown} of 0..${largest} ha${empty.length > 1 ? 've' : 's'} no training sample; ` +
      'labels must be 0..c-1 with every class present, or give the class count with `classes` C to allow empty classes');
  }
  return c;
}

/** Targets (N, c), or per token (N, n, c) when `tokens` is n. */
function targets(key: string, a: NdArray, N: number, tokens: number | undefined): Float64Array {
  const ok = tokens === undefined
    ? a.shape.length === 2 && a.shape[0] === N && a.shape[1] >= 1
    : a.shape.length === 3 && a.shape[0] === N && a.shape[1] === tokens && a.shape[2] >= 1;
  if (!ok) throw new InputError(key, `has shape ${shapeText(a.shape)}; expected ${tokens === undefined ? `(${N}, c)${key === 'Y' ? ' (or per token (N, n, c))' : ''}` : `(${N}, ${tokens}, c)`} with c >= 1`);
  return finite(key, a);
}

/** The tokens field of Targets: present only for per-token targets. */
const perTokenField = (tokens: number | undefined) => (tokens === undefined ? {} : { tokens });

/**
 * Per-token targets: Y (N, n, c) or y (N, n) of the same n as X's tokens give n, else undefined.
 * A rank that is neither form is left to the shape check.
 */
function perToken(a: NdArray, key: 'Y' | 'y', n: number): number | undefined {
  const rank = a.shape.length;
  if (rank === (key === 'Y' ? 3 : 2)) {
    if (a.shape[1] !== n) throw new InputError(key, `has shape ${shapeText(a.shape)}; per-token targets need n = ${n} tokens as in X`);
    return n;
  }
  return undefined;
}

export interface LoadOptions {
  loss: LossKind;
  /**
   * number of classes for cross-entropy. Default: largest training label + 1, where labels must
   * be below N and every class in 0..c-1 must occur. Given: labels must be below it, classes
   * may be empty.
   */
  classes?: number;
}

export function datasetFromArrays(arrays: Record<string, NdArray>, opts: LoadOptions): Dataset {
  // Not a read: readNpz's record decodes an array only when its getter runs. A plain record
  // may also hold a key with the value undefined, which counts as absent (as it always did).
  const has = (key: string) => {
    const p = Object.getOwnPropertyDescriptor(arrays, key);
    return p !== undefined && (p.get !== undefined || p.value !== undefined);
  };
  const need = (key: string, expected: string) => {
    if (!has(key)) throw missingKey(key, expected, Object.keys(arrays).filter(has));
    return arrays[key];
  };
  const train = tokens('X', need('X', 'tokens of shape (N, n, d)'));
  const test = has('X_test') ? tokens('X_test', arrays.X_test) : undefined;
  if (test && (test.n !== train.n || test.d !== train.d)) {
    throw new InputError('X_test', `has tokens (${test.n}, ${test.d}); expected (${train.n}, ${train.d}) as in X`);
  }
  let trainTargets: Targets;
  let testTargets: Targets | undefined;
  if (opts.loss === 'squared') {
    // a class count shapes nothing under squared loss: refused, not silently recorded
    if (opts.classes !== undefined) throw new InputError('classes', 'is for labels y (cross-entropy); `loss` is squared');
    if (!has('Y') && has('y')) throw new InputError('Y', 'missing; the file has labels y: use `loss` ce, or give targets Y (N, c) or per token (N, n, c)');
    const Yarr = need('Y', `targets of shape (${train.N}, c) or per token (${train.N}, ${train.n}, c) for squared loss`);
    const tokens = perToken(Yarr, 'Y', train.n);
    const Y = targets('Y', Yarr, train.N, tokens);
    const c = Yarr.shape[Yarr.shape.length - 1];
    trainTargets = { Y, c, ...perTokenField(tokens) };
    if (test) {
      const Ytarr = need('Y_test', `targets of shape (${test.N}, ${tokens === undefined ? '' : `${tokens}, `}${c}) for X_test`);
      const Yt = targets('Y_test', Ytarr, test.N, tokens);
      const ct = Ytarr.shape[Ytarr.shape.length - 1];
      if (ct !== c) throw new InputError('Y_test', `has ${ct} outputs; expected ${c} as in Y`);
      testTargets = { Y: Yt, c, ...perTokenField(tokens) };
    }
  } else {
    const given = opts.classes;
    if (given !== undefined && !(Number.isInteger(given) && given >= 2)) throw new InputError('classes', `must be an integer >= 2, got ${given}`);
    const yArr = need('y', `integer labels of shape (${train.N},) or per token (${train.N}, ${train.n}) for cross-entropy`);
    const tokens = perToken(yArr, 'y', train.n);
    const rows = train.N * (tokens ?? 1);
    // Without a class count, a label >= the number of labels cannot be right (they fill at most
    // that many classes) and would make the solver allocate for it: checked before the count is taken.
    const y = given === undefined
      ? labels('y', yArr, train.N, tokens, rows, tokens === undefined
        ? `without \`classes\`, labels must be below N = ${rows}, the number of samples`
        : `without \`classes\`, labels must be below N n = ${rows}, the number of labels`)
      : labels('y', yArr, train.N, tokens, given, `\`classes\` is ${given}`);
    const c = given ?? inferredClasses(y);
    trainTargets = { y, c, ...perTokenField(tokens) };
    if (test) {
      const from = given === undefined ? `c = ${c} classes, from the training labels y` : `\`classes\` is ${given}`;
      const shape = tokens === undefined ? `(${test.N},)` : `(${test.N}, ${tokens})`;
      const yt = labels('y_test', need('y_test', `labels of shape ${shape} for X_test`), test.N, tokens, c, from);
      testTargets = { y: yt, c, ...perTokenField(tokens) };
    }
  }
  const gating = has('U1') || has('U2') ? readGating(arrays, train.n, train.d, has) : undefined;
  return { train, trainTargets, test, testTargets, gating };
}

/**
 * The gates U1 (h, n) and U2 (h, d) of `arrays` (a data file, or the weights `check` reads),
 * checked: both present, shapes agreeing, finite. `has` says whether a key is present.
 */
export function readGating(arrays: Record<string, NdArray>, n: number, d: number, has: (key: string) => boolean = (k) => k in arrays): Gating {
  if (!has('U1') || !has('U2')) throw new InputError(has('U1') ? 'U2' : 'U1', 'missing; U1 (h, n) and U2 (h, d) go together');
  const h = arrays.U1.shape[0];
  if (arrays.U1.shape.length !== 2 || arrays.U1.shape[1] !== n) throw new InputError('U1', `has shape ${shapeText(arrays.U1.shape)}; expected (h, ${n})`);
  if (arrays.U2.shape.length !== 2 || arrays.U2.shape[0] !== h || arrays.U2.shape[1] !== d) {
    throw new InputError('U2', `has shape ${shapeText(arrays.U2.shape)}; expected (${h}, ${d})`);
  }
  if (h < 1) throw new InputError('U1', 'needs at least one gate (h >= 1)');
  return { h, U1: finite('U1', arrays.U1), U2: finite('U2', arrays.U2) };
}

/** `float32Data`: X and X_test are decoded straight into float32 (`--float32-data`), never held in float64. */
export function loadDataset(file: string, opts: LoadOptions & { float32Data?: boolean }): Dataset {
  return datasetFromArrays(readNpz(file, { float32: opts.float32Data ? ['X', 'X_test'] : [] }), opts);
}
