// The convex kernel feature map of Fisher et al. section 4 (their phi_cvx, before eq. 9): Fastfood
// random features (Le, Sarlos & Smola, ICML 2013) with the Gaussian diagonal replaced by a
// chi-distributed one, and without the exponential:
//   phi(x) = 1 / (sigma sqrt(d')) S H G_chi Pi H B x,   per block of d' features, stacked to D,
// x zero-padded to d' = the next power of two, B diagonal +-1, H the (unnormalised) Walsh-Hadamard
// transform (core/fwht.ts), Pi a permutation, G_chi diagonal with chi(k) entries (k = `dof`;
// k = 1 is |N(0, 1)|), S diagonal s_i / ||G_chi||_F with s_i ~ chi(d'), so that each row of a block
// has norm s_i / sigma like a row of a Gaussian matrix. sigma only rescales phi, which beta
// absorbs (docs/kernel-features.md), so it is fixed at 1. Cost O(D log d) per token; the dense
// D x d matrix is never formed here (the tests form it as the reference). The map and its adjoint
// run in C, one row at a time (native/fwht.c, bit-identical), when the addon is built; the
// TypeScript loops below, which batch rows per FWHT call, are the reference and the fallback.
import { fwht } from './fwht';
import { nativeAddon, nativeAddonMissing } from './native-addon';
import { Rng } from './rng';

interface NativeChi {
  chiFeatures(X: Float64Array, rows: number, d: number, out: Float64Array, D: number, dPad: number,
    B: Float64Array, perm: Int32Array, G: Float64Array, S: Float64Array, adjoint: boolean): void;
}
const nativeChi = nativeAddon<NativeChi>(['chiFeatures']);
/** Why the C map is not in use ('' when it is). */
export const nativeChiReason = nativeAddonMissing(['chiFeatures']);
export type ChiBackend = 'auto' | 'typescript';

export interface ChiFeatureMap {
  /** input width, and the transform size: the next power of two >= d */
  d: number;
  dPad: number;
  /** output features, and the blocks of dPad they are cut from (the last one truncated) */
  D: number;
  blocks: number;
  /** degrees of freedom of G_chi's entries */
  dof: number;
  seed: number;
  /** per block (blocks, dPad): the signs of B, the permutation Pi, G_chi, and the scaling S / sqrt(dPad) */
  B: Float64Array;
  perm: Int32Array;
  G: Float64Array;
  S: Float64Array;
}

function chi(rng: Rng, k: number): number {
  let s = 0;
  for (let i = 0; i < k; i++) s += rng.normal() ** 2;
  return Math.sqrt(s);
}

export function nextPow2(d: number): number {
  let p = 1;
  while (p < d) p <<= 1;
  return p;
}

/** Draws the map's diagonals and permutations from `seed`, block by block, in a fixed order. */
export function drawChiFeatures(d: number, D: number, dof: number, seed: number): ChiFeatureMap {
  if (!(Number.isInteger(d) && d >= 1 && Number.isInteger(D) && D >= 1 && Number.isInteger(dof) && dof >= 1)) {
    throw new RangeError(`chi features: d, D and dof must be integers >= 1, got ${d}, ${D}, ${dof}`);
  }
  const dPad = nextPow2(d);
  const blocks = Math.ceil(D / dPad);
  const rng = new Rng(seed);
  const B = new Float64Array(blocks * dPad), G = new Float64Array(blocks * dPad), S = new Float64Array(blocks * dPad);
  const perm = new Int32Array(blocks * dPad);
  for (let b = 0; b < blocks; b++) {
    const o = b * dPad;
    for (let i = 0; i < dPad; i++) B[o + i] = rng.uniform() < 0.5 ? -1 : 1;
    perm.set(rng.permutation(dPad), o);
    let g2 = 0;
    for (let i = 0; i < dPad; i++) g2 += (G[o + i] = chi(rng, dof)) ** 2;
    // S / (sigma sqrt(d)) with sigma = 1, folded into one diagonal
    for (let i = 0; i < dPad; i++) S[o + i] = chi(rng, dPad) / Math.sqrt(g2) / Math.sqrt(dPad);
  }
  return { d, dPad, D, blocks, dof, seed, B, perm, G, S };
}

/** Rows per pass: the two scratch buffers (rows x d', about 128 KB each) stay in the L2 cache instead of streaming the whole array once per operation. */
const chunkRows = (dPad: number) => Math.max(1, Math.floor(16384 / dPad));

/** The map's and the adjoint's shared entry: the lengths checked, then the C kernel when it runs (true: done). */
function ranInC(map: ChiFeatureMap, inp: Float64Array, rows: number, out: Float64Array, backend: ChiBackend, adjoint: boolean): boolean {
  const [inW, outW] = adjoint ? [map.D, map.d] : [map.d, map.D];
  if (inp.length !== rows * inW || out.length !== rows * outW) throw new RangeError(`chi features: ${inp.length} values in, ${out.length} out, expected ${rows} x ${inW} and ${rows} x ${outW}`);
  if (!nativeChi || backend !== 'auto') return false;
  nativeChi.chiFeatures(inp, rows, map.d, out, map.D, map.dPad, map.B, map.perm, map.G, map.S, adjoint);
  return true;
}

/** phi of each of the `rows` rows of X (rows, d): (rows, D), O(D log d) per row. */
export function applyChiFeatures(
  map: ChiFeatureMap, X: Float64Array, rows: number, out: Float64Array = new Float64Array(rows * map.D), backend: ChiBackend = 'auto',
): Float64Array {
  if (ranInC(map, X, rows, out, backend, false)) return out;
  const { d, dPad, D, blocks, B, G, S, perm } = map;
  const chunk = Math.min(rows, chunkRows(dPad));
  const u = new Float64Array(chunk * dPad), v = new Float64Array(chunk * dPad);
  for (let r0 = 0; r0 < rows; r0 += chunk) {
    const m = Math.min(chunk, rows - r0);
    // one block of every row of the chunk at a time, so each FWHT call transforms them all
    for (let b = 0; b < blocks; b++) {
      const o = b * dPad;
      u.fill(0);
      for (let r = 0; r < m; r++) {
        const x = (r0 + r) * d, ur = r * dPad;
        for (let i = 0; i < d; i++) u[ur + i] = B[o + i] * X[x + i];
      }
      fwht(u, dPad, m);
      for (let r = 0; r < m; r++) {
        const ur = r * dPad;
        for (let i = 0; i < dPad; i++) v[ur + i] = G[o + i] * u[ur + perm[o + i]];
      }
      fwht(v, dPad, m);
      const width = Math.min(dPad, D - o);
      for (let r = 0; r < m; r++) {
        const y = (r0 + r) * D + o, vr = r * dPad;
        for (let i = 0; i < width; i++) out[y + i] = S[o + i] * v[vr + i];
      }
    }
  }
  return out;
}

/** phi^T of each row of F (rows, D): (rows, d), the adjoint, for mapping feature-space weights back to inputs. */
export function applyChiFeaturesT(
  map: ChiFeatureMap, F: Float64Array, rows: number, out: Float64Array = new Float64Array(rows * map.d), backend: ChiBackend = 'auto',
): Float64Array {
  if (ranInC(map, F, rows, out, backend, true)) return out;
  const { d, dPad, D, blocks, B, G, S, perm } = map;
  out.fill(0);
  const chunk = Math.min(rows, chunkRows(dPad));
  const u = new Float64Array(chunk * dPad), v = new Float64Array(chunk * dPad);
  for (let r0 = 0; r0 < rows; r0 += chunk) {
    const m = Math.min(chunk, rows - r0);
    for (let b = 0; b < blocks; b++) {
      const o = b * dPad;
      const width = Math.min(dPad, D - o);
      u.fill(0);
      for (let r = 0; r < m; r++) {
        const f = (r0 + r) * D + o, ur = r * dPad;
        for (let i = 0; i < width; i++) u[ur + i] = S[o + i] * F[f + i];
      }
      fwht(u, dPad, m); // H is symmetric
      for (let r = 0; r < m; r++) {
        const ur = r * dPad;
        for (let i = 0; i < dPad; i++) v[ur + perm[o + i]] = G[o + i] * u[ur + i];
      }
      fwht(v, dPad, m);
      for (let r = 0; r < m; r++) {
        const y = (r0 + r) * d, vr = r * dPad;
        for (let i = 0; i < d; i++) out[y + i] += B[o + i] * v[vr + i];
      }
    }
  }
  return out;
}
