// Where a model attends: one distribution over the n tokens, the weighted mean of distributions
// over tokens (rows of `dists`). The three models fill it the same way:
//   convex program:   rows W1 = e_k of the recovered heads (Proposition 1), weights ||z_j||;
//   simplex model:    rows softmax(theta_j), weights ||w2_j|| ||w3_j||_1 (how much head j contributes);
//   softmax model:    the rows of softmax(scale q_t0 K^T) at the query token, weight 1 per sample and head.

/**
 * sum_r weights[r] dists[rowStart(r) + k] / sum_r weights[r] for k < n (all zeros when the
 * weights sum to 0). Without weights every row counts once; rows are consecutive by default.
 */
export function attentionMap(
  dists: ArrayLike<number>, rows: number, n: number,
  weights?: ArrayLike<number>, rowStart: (r: number) => number = (r) => r * n,
): Float64Array {
  const map = new Float64Array(n);
  let total = 0;
  for (let r = 0; r < rows; r++) {
    const w = weights ? weights[r] : 1;
    const o = rowStart(r);
    total += w;
    for (let k = 0; k < n; k++) map[k] += w * dists[o + k];
  }
  if (total > 0) for (let k = 0; k < n; k++) map[k] /= total;
  return map;
}
