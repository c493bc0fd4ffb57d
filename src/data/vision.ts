// Images of the MNIST family (IDX files) as token sequences for the attention programs: each
// image cut into p x p patches read row by row (28 x 28 with p = 7: 16 tokens of 49 pixels), the
// pixels scaled to [0, 1], each of the p^2 features standardised with the mean and standard
// deviation of the training tokens (all positions pooled; never the test set's), then optionally
// projected to d dimensions: PCA of the standardised training tokens (the top-d eigenvectors of
// their covariance, each signed so that its largest entry is positive, so the export is the same
// on every machine), or a seeded Gaussian matrix with N(0, 1/d) entries. docs/vision.md.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { blas } from '../core/blas';
import { eigh } from '../core/linalg';
import { Rng } from '../core/rng';
import { InputError } from './errors';
import { readIdx, type IdxArray } from './idx';
import type { NamedArray } from './ndarray';
import { oneHot, scalar } from './tasks/arrays';

/** Where Debian's dataset-fashion-mnist package puts the files. */
export const DEFAULT_FASHION_DIR = '/usr/share/datasets/fashion-mnist';
export const PROJECTIONS = ['none', 'pca', 'random'] as const;
export type Projection = typeof PROJECTIONS[number];

export interface VisionOptions {
  idxDir: string;
  patch: number;
  project: Projection;
  /** the projected width d (pca, random); must be absent for none */
  dim?: number;
  /** a seeded subset of each split (all when absent) */
  nTrain?: number;
  nTest?: number;
  seed: number;
}

export interface VisionData {
  /** (N, n, d) tokens, float32 */
  X: Float32Array; y: Int32Array; N: number;
  Xtest: Float32Array; ytest: Int32Array; Ntest: number;
  n: number; d: number; classes: number;
  /** the images' rows and columns, and the patch side p (token k is the patch at row floor(k / (C/p)), column k mod (C/p)) */
  rows: number; cols: number; patch: number;
  /** the per-feature standardisation (p^2) and the projection (p^2 x d, row-major; null for none) */
  mean: Float64Array; std: Float64Array; projection: Float64Array | null;
  /** fraction of the standardised training variance the PCA keeps (pca only) */
  varianceKept: number | null;
  /** which files were read */
  files: string[];
}

/** The four files of an MNIST-family directory, gzipped or not, under the usual names. */
function findIdx(dir: string, base: string, kind: 'idx3' | 'idx1'): string {
  const names = [`${base}-${kind}-ubyte`, `${base}.${kind}-ubyte`].flatMap((n) => [n, `${n}.gz`]);
  for (const n of names) if (fs.existsSync(path.join(dir, n))) return path.join(dir, n);
  const hint = dir === DEFAULT_FASHION_DIR ? ' (apt-get install dataset-fashion-mnist, or give --idx-dir)' : '';
  throw new InputError('idxDir', `${dir} has none of ${names.join(', ')}${hint}`);
}

function loadSplit(dir: string, base: 'train' | 't10k'): { images: IdxArray; labels: IdxArray; files: string[] } {
  const fi = findIdx(dir, `${base}-images`, 'idx3'), fl = findIdx(dir, `${base}-labels`, 'idx1');
  const images = readIdx(fi), labels = readIdx(fl);
  if (images.dims.length !== 3 || !(images.data instanceof Uint8Array)) throw new InputError(fi, `holds ${images.dims.join(' x ')} values; expected uint8 images (N x rows x cols)`);
  if (labels.dims.length !== 1 || !(labels.data instanceof Uint8Array)) throw new InputError(fl, `holds ${labels.dims.join(' x ')} values; expected uint8 labels (N)`);
  if (labels.dims[0] !== images.dims[0]) throw new InputError(fl, `holds ${labels.dims[0]} labels for the ${images.dims[0]} images of ${fi}`);
  return { images, labels, files: [fi, fl] };
}

/** `count` of 0..N-1 drawn without replacement (increasing), or all of them. */
function subset(N: number, count: number | undefined, rng: Rng, field: string): Int32Array {
  if (count === undefined) return Int32Array.from({ length: N }, (_, i) => i);
  if (!Number.isInteger(count) || count < 1 || count > N) throw new InputError(field, `must be an integer in 1..${N}, got ${count}`);
  return rng.permutation(N).subarray(0, count).sort();
}

/** The pixels of image `img` as its n tokens of p^2 values in [0, 1], into out (n * p^2) at 0. */
function patches(images: Uint8Array, img: number, R: number, C: number, p: number, out: Float64Array): void {
  const base = img * R * C, per = C / p;
  for (let t = 0; t < (R / p) * per; t++) {
    const r0 = Math.floor(t / per) * p, c0 = (t % per) * p;
    for (let i = 0; i < p; i++) for (let j = 0; j < p; j++) out[t * p * p + i * p + j] = images[base + (r0 + i) * C + c0 + j] / 255;
  }
}

export function loadVision(o: VisionOptions): VisionData {
  const train = loadSplit(o.idxDir, 'train'), test = loadSplit(o.idxDir, 't10k');
  const [, R, C] = train.images.dims;
  if (test.images.dims[1] !== R || test.images.dims[2] !== C) throw new InputError(test.files[0], `holds ${test.images.dims[1]} x ${test.images.dims[2]} images; the training images are ${R} x ${C}`);
  const p = o.patch;
  if (!Number.isInteger(p) || p < 1 || R % p !== 0 || C % p !== 0) {
    const divides = Array.from({ length: Math.min(R, C) }, (_, i) => i + 1).filter((q) => R % q === 0 && C % q === 0);
    throw new InputError('patch', `must divide the ${R} x ${C} images (one of ${divides.join(', ')}), got ${p}`);
  }
  const k = p * p, n = (R / p) * (C / p);
  if (o.project === 'none' && o.dim !== undefined) throw new InputError('dim', 'applies to `project` pca or random, not none');
  if (o.project !== 'none' && o.dim === undefined) throw new InputError('dim', `is required with \`project\` ${o.project} (an integer in 1..${k})`);
  if (o.project !== 'none' && (!Number.isInteger(o.dim) || o.dim! < 1 || o.dim! > k)) {
    throw new InputError('dim', `must be an integer in 1..${k} (the ${p} x ${p} patch's pixels) with \`project\` ${o.project}, got ${o.dim}`);
  }
  const d = o.project === 'none' ? k : o.dim!;
  const rng = new Rng(o.seed);
  const rowsTrain = subset(train.images.dims[0], o.nTrain, rng, 'nTrain');
  const rowsTest = subset(test.images.dims[0], o.nTest, rng, 'nTest');
  const labelsOf = (l: IdxArray, rows: Int32Array) => Int32Array.from(rows, (i) => l.data[i]);
  const y = labelsOf(train.labels, rowsTrain), ytest = labelsOf(test.labels, rowsTest);
  // from the whole label files, so that a subset missing a class still has the data set's classes
  const largest = (l: IdxArray) => (l.data as Uint8Array).reduce((a, b) => Math.max(a, b), 0);
  const classes = Math.max(largest(train.labels), largest(test.labels)) + 1;

  // the standardisation: mean, then standard deviation (two passes), over every training token
  const tok = new Float64Array(n * k), mean = new Float64Array(k), std = new Float64Array(k);
  const trainImages = train.images.data as Uint8Array;
  for (const i of rowsTrain) { patches(trainImages, i, R, C, p, tok); for (let e = 0; e < n * k; e++) mean[e % k] += tok[e]; }
  const count = rowsTrain.length * n;
  for (let f = 0; f < k; f++) mean[f] /= count;
  for (const i of rowsTrain) { patches(trainImages, i, R, C, p, tok); for (let e = 0; e < n * k; e++) std[e % k] += (tok[e] - mean[e % k]) ** 2; }
  // a pixel that is constant over the training set (a border) stays 0 rather than dividing by 0
  for (let f = 0; f < k; f++) std[f] = Math.sqrt(std[f] / count) || 1;
  const standardised = (images: Uint8Array, i: number) => {
    patches(images, i, R, C, p, tok);
    for (let e = 0; e < n * k; e++) tok[e] = (tok[e] - mean[e % k]) / std[e % k];
    return tok;
  };

  let projection: Float64Array | null = null, varianceKept: number | null = null;
  if (o.project === 'pca') {
    const cov = new Float64Array(k * k);
    for (const i of rowsTrain) blas.gemm(true, false, k, k, n, 1 / count, standardised(trainImages, i), k, tok, k, 1, cov, k);
    for (let a = 0; a < k; a++) for (let b = 0; b < a; b++) cov[a * k + b] = cov[b * k + a] = (cov[a * k + b] + cov[b * k + a]) / 2;
    const { values, vectors } = eigh(cov, k);
    projection = new Float64Array(k * d);
    for (let j = 0; j < d; j++) {
      const col = k - 1 - j; // eigh is ascending: the largest first
      let big = 0;
      for (let a = 0; a < k; a++) if (Math.abs(vectors[a * k + col]) > Math.abs(big)) big = vectors[a * k + col];
      for (let a = 0; a < k; a++) projection[a * d + j] = Math.sign(big) * vectors[a * k + col];
    }
    const total = values.reduce((s, v) => s + Math.max(v, 0), 0);
    varianceKept = values.slice(k - d).reduce((s, v) => s + Math.max(v, 0), 0) / total;
  } else if (o.project === 'random') {
    projection = new Rng(o.seed + 1).normals(k * d, 1 / Math.sqrt(d));
  }

  const emit = (images: Uint8Array, rows: Int32Array): Float32Array => {
    const X = new Float32Array(rows.length * n * d), proj = new Float64Array(n * d);
    rows.forEach((i, r) => {
      const t = standardised(images, i);
      if (projection) {
        blas.gemm(false, false, n, d, k, 1, t, k, projection, d, 0, proj, d);
        X.set(proj, r * n * d);
      } else {
        X.set(t, r * n * d);
      }
    });
    return X;
  };
  return {
    X: emit(trainImages, rowsTrain), y, N: rowsTrain.length,
    Xtest: emit(test.images.data as Uint8Array, rowsTest), ytest, Ntest: rowsTest.length,
    n, d, classes, rows: R, cols: C, patch: p, mean, std, projection, varianceKept, files: [...train.files, ...test.files],
  };
}

/** The arrays of `convexformer data fashion-mnist`: what `fit` reads (X, y or Y, X_test, y_test or Y_test) and how they were made. */
export function visionArrays(v: VisionData, o: VisionOptions): Record<string, NamedArray> {
  const k = o.patch * o.patch;
  const out: Record<string, NamedArray> = {
    X: { data: v.X, shape: [v.N, v.n, v.d] }, y: { data: v.y, shape: [v.N] },
    X_test: { data: v.Xtest, shape: [v.Ntest, v.n, v.d] }, y_test: { data: v.ytest, shape: [v.Ntest] },
    Y: { data: oneHot(v.y, v.classes), shape: [v.N, v.classes] }, Y_test: { data: oneHot(v.ytest, v.classes), shape: [v.Ntest, v.classes] },
    feature_mean: { data: v.mean, shape: [k] }, feature_std: { data: v.std, shape: [k] },
    patch: scalar(o.patch), seed: scalar(o.seed), classes: scalar(v.classes),
  };
  if (v.projection) out.projection = { data: v.projection, shape: [k, v.d] };
  if (v.varianceKept !== null) out.pca_variance_kept = { data: Float64Array.of(v.varianceKept), shape: [] };
  return out;
}
