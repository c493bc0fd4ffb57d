// The l2 norm of each group of `size` consecutive entries (a token row of Z in the attention
// programs). Summed plainly, in order, with no rescaling: the group-L2 penalty, its prox and the
// head recovery must agree to the bit on which groups are zero and how large the others are.
import { nativeAddon, nativeAddonMissing } from '../core/native-addon';

/** ||w[start .. start + size)||_2 */
export function groupNorm(w: ArrayLike<number>, start: number, size: number): number {
  let s = 0;
  for (let t = start; t < start + size; t++) s += w[t] * w[t];
  return Math.sqrt(s);
}

/** The norms of the w.length / size consecutive groups of w. */
export function groupNorms(w: ArrayLike<number>, size: number): Float64Array {
  const out = new Float64Array(w.length / size);
  for (let k = 0; k < out.length; k++) out[k] = groupNorm(w, k * size, size);
  return out;
}

interface NativeGroupPenalty {
  groupPenalty(Z: Float64Array, d: number, g: Float64Array | null, beta: number): number;
}
const nativeGroup = nativeAddon<NativeGroupPenalty>(['groupPenalty']);
export const nativeGroupPenaltyReason = nativeAddonMissing(['groupPenalty']);

/**
 * sum of the norms of Z's groups of d, and with g, g += beta z / ||z|| on every nonzero group (the
 * deep convex model's penalty and its subgradient). In C when the addon is built (bit-identical:
 * the same sums in the same order), the loop below otherwise.
 */
export function groupPenalty(Z: Float64Array, d: number, g: Float64Array | null, beta: number, backend: 'auto' | 'typescript' = 'auto'): number {
  if (nativeGroup && backend === 'auto') return nativeGroup.groupPenalty(Z, d, g, beta);
  let value = 0;
  for (let start = 0; start < Z.length; start += d) {
    const norm = groupNorm(Z, start, d);
    value += norm;
    if (g && norm > 0) for (let t = start; t < start + d; t++) g[t] += (beta * Z[t]) / norm;
  }
  return value;
}
