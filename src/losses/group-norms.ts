// The l2 norm of each group of `size` consecutive entries (a token row of Z in the attention
// programs). Summed plainly, in order, with no rescaling: the group-L2 penalty, its prox and the
// head recovery must agree to the bit on which groups are zero and how large the others are.

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
