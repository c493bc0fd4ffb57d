// Singular-value spectra of a model's weight matrices (Fisher et al. section 7, Figures 3-4): for
// every parameter of rank >= 2, its singular values (LAPACK dgesdd through core/linalg.ts), the
// effective rank exp(H(sigma / ||sigma||_1)) (Roy & Vetterli 2007), the stable rank
// ||W||_F^2 / ||W||_2^2 and the spectral norm. Which matrix a parameter is:
//   - rank 2 (rows, cols) as stored: embeddings (vocab, d), Wo, W1, W2, the head;
//   - the transformer's fused Wqkv (d, 3d) as its three d x d blocks Q, K and V;
//   - a convex layer's Z (h, outputs..., n, d) as (everything but the last axis, d): one row per
//     penalty group (gate, output, token), so a group the penalty zeroes is a zero row.
import type { Param } from './models/model';
import { svd } from '../core/linalg';

export interface MatrixSpectrum {
  name: string;
  shape: [number, number];
  /** descending */
  singularValues: number[];
  effectiveRank: number;
  stableRank: number;
  spectralNorm: number;
}

/** A weight matrix to take the spectrum of: a name, its shape, and its entries row-major. */
export interface WeightMatrix {
  name: string;
  rows: number;
  cols: number;
  data: Float64Array;
}

/** The matrices `params` hold, in order (rank-1 parameters, biases and norms, have none). */
export function weightMatrices(params: readonly Param[]): WeightMatrix[] {
  const out: WeightMatrix[] = [];
  for (const p of params) {
    if (p.shape.length < 2) continue;
    const cols = p.shape[p.shape.length - 1];
    const rows = p.data.length / cols;
    if (p.name.endsWith('Wqkv') && cols === 3 * rows) {
      const d = rows;
      const prefix = p.name.slice(0, -'Wqkv'.length);
      ['Q', 'K', 'V'].forEach((part, k) => {
        const data = new Float64Array(d * d);
        for (let i = 0; i < d; i++) for (let j = 0; j < d; j++) data[i * d + j] = p.data[i * cols + k * d + j];
        out.push({ name: `${prefix}W${part}`, rows: d, cols: d, data });
      });
    } else {
      out.push({ name: p.name, rows, cols, data: Float64Array.from(p.data) });
    }
  }
  return out;
}

/** The numbers of a spectrum; a zero matrix has effective and stable rank 0. */
export function spectrumOf(values: ArrayLike<number>): Omit<MatrixSpectrum, 'name' | 'shape'> {
  const sv = Array.from(values).sort((a, b) => b - a);
  const l1 = sv.reduce((s, v) => s + v, 0);
  const top = sv[0] ?? 0;
  if (!(l1 > 0)) return { singularValues: sv, effectiveRank: 0, stableRank: 0, spectralNorm: 0 };
  let entropy = 0;
  for (const v of sv) if (v > 0) entropy -= (v / l1) * Math.log(v / l1);
  const fro2 = sv.reduce((s, v) => s + v * v, 0);
  return { singularValues: sv, effectiveRank: Math.exp(entropy), stableRank: fro2 / (top * top), spectralNorm: top };
}

export function matrixSpectrum(m: WeightMatrix): MatrixSpectrum {
  return { name: m.name, shape: [m.rows, m.cols], ...spectrumOf(svd(m.data, m.rows, m.cols).s) };
}

/** The spectra of every weight matrix of `params`. */
export function spectra(params: readonly Param[]): MatrixSpectrum[] {
  return weightMatrices(params).map(matrixSpectrum);
}
