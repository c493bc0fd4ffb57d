// A data set for the convex programs, read from an .npz and checked key by key:
//   X (N, n, d) tokens; Y (N, c) targets (squared loss) or y (N,) integer labels (cross-entropy);
//   optional U1 (h, n) and U2 (h, d) gates; optional X_test with Y_test or y_test.
import type { LossKind, Tokens, Targets, Gating } from '../convex/problems';
import type { NdArray } from './npy';
import { readNpz } from './npz';
import { InputError } from './errors';

export interface Dataset {
  train: Tokens;
  trainTargets: Targets;
  test?: Tokens;
  testTargets?: Targets;
  gating?: Gating;
}

function maxOf(a: Int32Array): number {
  let m = 0;
  for (const v of a) m = Math.max(m, v);
  return m;
}

function shapeText(s: number[]): string {
  return `(${s.join(', ')})`;
}

function finite(key: string, a: NdArray): Float64Array {
  for (let i = 0; i < a.values.length; i++) {
    if (!Number.isFinite(a.values[i])) throw new InputError(key, `contains ${a.values[i]} at flat index ${i}; expected finite numbers`);
  }
  return a.values;
}

function tokens(key: string, a: NdArray | undefined): Tokens {
  if (!a) throw new InputError(key, 'missing; expected tokens of shape (N, n, d)');
  if (a.shape.length !== 3) throw new InputError(key, `has shape ${shapeText(a.shape)}; expected rank 3 (N, n, d)`);
  const [N, n, d] = a.shape;
  if (N < 1 || n < 1 || d < 1) throw new InputError(key, `has shape ${shapeText(a.shape)}; every dimension must be >= 1`);
  return { X: finite(key, a), N, n, d };
}

function labels(key: string, a: NdArray, N: number): Int32Array {
  if (a.shape.length !== 1 || a.shape[0] !== N) throw new InputError(key, `has shape ${shapeText(a.shape)}; expected (${N},) integer labels`);
  const out = new Int32Array(N);
  for (let i = 0; i < N; i++) {
    const v = a.values[i];
    if (!Number.isInteger(v) || v < 0 || v > 2 ** 31 - 1) {
      throw new InputError(key, `label ${v} at index ${i}; expected integers >= 0`);
    }
    out[i] = v;
  }
  return out;
}

function targets(key: string, a: NdArray | undefined, N: number): Float64Array {
  if (!a) throw new InputError(key, `missing; squared loss needs targets of shape (${N}, c)`);
  if (a.shape.length !== 2 || a.shape[0] !== N || a.shape[1] < 1) {
    throw new InputError(key, `has shape ${shapeText(a.shape)}; expected (${N}, c) with c >= 1`);
  }
  return finite(key, a);
}

export interface LoadOptions {
  loss: LossKind;
  /** number of classes for cross-entropy; default: largest label + 1 */
  classes?: number;
}

export function datasetFromArrays(arrays: Record<string, NdArray>, opts: LoadOptions): Dataset {
  const train = tokens('X', arrays.X);
  const test = arrays.X_test ? tokens('X_test', arrays.X_test) : undefined;
  if (test && (test.n !== train.n || test.d !== train.d)) {
    throw new InputError('X_test', `has tokens (${test.n}, ${test.d}); expected (${train.n}, ${train.d}) as in X`);
  }
  let trainTargets: Targets;
  let testTargets: Targets | undefined;
  if (opts.loss === 'squared') {
    if (!arrays.Y && arrays.y) throw new InputError('Y', 'missing; the file has labels y: use --loss ce, or give targets Y (N, c)');
    const Y = targets('Y', arrays.Y, train.N);
    const c = arrays.Y.shape[1];
    trainTargets = { Y, c };
    if (test) {
      const Yt = targets('Y_test', arrays.Y_test, test.N);
      if (arrays.Y_test.shape[1] !== c) throw new InputError('Y_test', `has ${arrays.Y_test.shape[1]} outputs; expected ${c} as in Y`);
      testTargets = { Y: Yt, c };
    }
  } else {
    if (!arrays.y) throw new InputError('y', `missing; cross-entropy needs integer labels of shape (${train.N},)`);
    const y = labels('y', arrays.y, train.N);
    let yt: Int32Array | undefined;
    if (test) {
      if (!arrays.y_test) throw new InputError('y_test', `missing; X_test needs labels of shape (${test.N},)`);
      yt = labels('y_test', arrays.y_test, test.N);
    }
    const largest = Math.max(maxOf(y), yt ? maxOf(yt) : 0);
    const c = opts.classes ?? largest + 1;
    if (!Number.isInteger(c) || c < 2) throw new InputError('--classes', `must be an integer >= 2, got ${c}`);
    if (largest >= c) throw new InputError(yt && maxOf(yt) >= c ? 'y_test' : 'y', `label ${largest} is out of range [0, ${c - 1}]`);
    trainTargets = { y, c };
    if (yt) testTargets = { y: yt, c };
  }
  let gating: Gating | undefined;
  if (arrays.U1 || arrays.U2) {
    if (!arrays.U1 || !arrays.U2) throw new InputError(arrays.U1 ? 'U2' : 'U1', 'missing; U1 (h, n) and U2 (h, d) go together');
    const h = arrays.U1.shape[0];
    if (arrays.U1.shape.length !== 2 || arrays.U1.shape[1] !== train.n) throw new InputError('U1', `has shape ${shapeText(arrays.U1.shape)}; expected (h, ${train.n})`);
    if (arrays.U2.shape.length !== 2 || arrays.U2.shape[0] !== h || arrays.U2.shape[1] !== train.d) {
      throw new InputError('U2', `has shape ${shapeText(arrays.U2.shape)}; expected (${h}, ${train.d})`);
    }
    if (h < 1) throw new InputError('U1', 'needs at least one gate (h >= 1)');
    gating = { h, U1: finite('U1', arrays.U1), U2: finite('U2', arrays.U2) };
  }
  return { train, trainTargets, test, testTargets, gating };
}

export function loadDataset(file: string, opts: LoadOptions): Dataset {
  return datasetFromArrays(readNpz(file), opts);
}
