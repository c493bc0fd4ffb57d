// Group l2 ("group lasso") over contiguous groups of equal size: sum_g ||w_g||_2.
// In the attention programs a group is one token row Z[l, k, :] (or Z[j, l, k, :]), so the
// penalty is the sparsity across tokens of eq. (8), (10) and (12).
import type { Penalty, PenaltyOptimality } from '../types';
import { groupNorm, groupNorms } from '../../losses/group-norms';

export class GroupL2 implements Penalty {
  readonly name = 'group-l2';

  constructor(readonly groupSize: number) {
    if (!(groupSize >= 1)) throw new Error(`GroupL2: groupSize must be >= 1, got ${groupSize}`);
  }

  groupNorms(w: Float64Array): Float64Array {
    return groupNorms(w, this.groupSize);
  }

  value(w: Float64Array): number {
    let s = 0;
    for (const v of this.groupNorms(w)) s += v;
    return s;
  }

  /** Block soft-thresholding: w_g = max(0, 1 - step / ||v_g||) v_g. */
  prox(v: Float64Array, step: number, out: Float64Array): void {
    const g = this.groupSize;
    for (let start = 0; start < v.length; start += g) {
      const nrm = groupNorm(v, start, g);
      const scale = nrm > step ? 1 - step / nrm : 0;
      for (let t = start; t < start + g; t++) out[t] = scale * v[t];
    }
  }

  /**
   * scale * w_g / ||w_g|| for each group, and 0 (a valid choice in the unit ball) where w_g = 0.
   * Computed as (scale * w) / ||w_g||, the rounding Adam's step had before penalties declared a
   * subgradient, so that its runs reproduce to the bit.
   */
  subgradient(w: Float64Array, scale: number, out: Float64Array): void {
    const g = this.groupSize;
    for (let start = 0; start < w.length; start += g) {
      const nrm = groupNorm(w, start, g);
      for (let t = start; t < start + g; t++) out[t] = nrm > 0 ? (scale * w[t]) / nrm : 0;
    }
  }

  dualNorm(u: Float64Array): number {
    let m = 0;
    for (const v of this.groupNorms(u)) m = Math.max(m, v);
    return m;
  }

  /**
   * 0 in -v + beta d||.||(w) group by group: v_g = beta w_g / ||w_g|| where w_g != 0, and
   * ||v_g|| <= beta where w_g = 0 (Fisher et al. 3.4 write g(0) = 0 there, which is one point of
   * the subdifferential; the condition is the whole ball, hence a slack rather than an equation).
   */
  optimality(w: Float64Array, v: Float64Array, beta: number): PenaltyOptimality {
    const g = this.groupSize;
    let stationarity = 0;
    let slack = Infinity;
    let nonzero = 0;
    for (let start = 0; start < w.length; start += g) {
      const nw = groupNorm(w, start, g);
      if (nw > 0) {
        nonzero++;
        let s = 0;
        for (let t = start; t < start + g; t++) {
          const r = v[t] - (beta * w[t]) / nw;
          s += r * r;
        }
        stationarity = Math.max(stationarity, Math.sqrt(s) / beta);
      } else {
        slack = Math.min(slack, 1 - groupNorm(v, start, g) / beta);
      }
    }
    const total = w.length / g;
    return { stationarity, zeroGroupSlack: nonzero === total ? null : slack, nonzeroGroups: nonzero, totalGroups: total };
  }
}
