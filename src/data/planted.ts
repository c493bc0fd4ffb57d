// A data set with a planted token structure: only a few tokens carry the signal, so the convex
// program's group sparsity should find exactly those tokens. Used by `convexformer demo` and tests.
import { Rng } from '../core/rng';
import type { Dataset } from './dataset';

export interface PlantedOptions {
  N: number;
  n: number;
  d: number;
  c: number;
  /** the tokens that carry signal */
  tokens: number[];
  noise: number;
  seed: number;
  /** 'squared' gives targets Y; 'ce' gives labels y = argmax of the planted scores */
  loss: 'squared' | 'ce';
  testN?: number;
}

export interface Planted {
  data: Dataset;
  /** the teacher's Z (c, n, d): nonzero only on the planted tokens */
  Z: Float64Array;
}

function split(rng: Rng, N: number, o: PlantedOptions, Z: Float64Array) {
  const { n, d, c } = o;
  const X = rng.normals(N * n * d);
  const S = new Float64Array(N * c);
  for (let i = 0; i < N; i++) {
    for (let l = 0; l < c; l++) {
      let s = 0;
      for (const k of o.tokens) for (let m = 0; m < d; m++) s += Z[(l * n + k) * d + m] * X[(i * n + k) * d + m];
      S[i * c + l] = s;
    }
  }
  if (o.loss === 'squared') {
    for (let i = 0; i < S.length; i++) S[i] += o.noise * rng.normal();
    return { tokens: { X, N, n, d }, targets: { Y: S, c } };
  }
  const y = new Int32Array(N);
  for (let i = 0; i < N; i++) {
    let best = 0;
    for (let l = 1; l < c; l++) if (S[i * c + l] > S[i * c + best]) best = l;
    y[i] = rng.uniform() < o.noise ? rng.int(c) : best;
  }
  return { tokens: { X, N, n, d }, targets: { y, c } };
}

export function plantedDataset(o: PlantedOptions): Planted {
  const rng = new Rng(o.seed);
  const { n, d, c } = o;
  const Z = new Float64Array(c * n * d);
  for (let l = 0; l < c; l++) for (const k of o.tokens) for (let m = 0; m < d; m++) Z[(l * n + k) * d + m] = rng.normal() / Math.sqrt(d);
  const train = split(rng, o.N, o, Z);
  const test = o.testN ? split(rng, o.testN, o, Z) : undefined;
  return {
    Z,
    data: { train: train.tokens, trainTargets: train.targets, test: test?.tokens, testTargets: test?.targets },
  };
}
