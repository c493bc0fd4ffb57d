// The penalty of matrix-target simplex attention (Ergen et al. Theorem A.1, derived in
// docs/ergen-matrix-targets.md): w is a list of n x n blocks, and each block Z must be a scaled
// row-stochastic matrix, Z = a P with P in Delta (every row in the unit simplex), a >= 0; the
// penalty of the block is a, its common row sum (+infinity off that cone). A block is the
// attention matrix of one head times the head's output weight, so the penalty is the heads' l1
// norm. Its support function is the closed form of eq. (36):
//   sigma(G) = max_{P in Delta} <P, G> = sum_r max_k G[r, k],
// and the prox is exact: per block a one-dimensional convex problem in a (each row projected onto
// the simplex of sum a), solved by Newton's method on its piecewise-linear optimality condition.
import type { Penalty, PenaltyOptimality } from '../types';

/** Rows may disagree in their sums by this much relative to the largest row sum before the block counts as off the cone. */
const ROW_SUM_TOLERANCE = 1e-9;

export class SimplexGauge implements Penalty {
  readonly name = 'simplex-gauge';
  readonly domain = `every n x n block a nonnegative matrix with equal row sums (to ${ROW_SUM_TOLERANCE} relative), a scaled row-stochastic matrix`;
  readonly blockSize: number;

  constructor(readonly n: number, readonly blocks: number) {
    if (!(n >= 1 && blocks >= 1)) throw new Error(`SimplexGauge: n ${n}, blocks ${blocks}`);
    this.blockSize = n * n;
  }

  private check(w: Float64Array): void {
    if (w.length !== this.blocks * this.blockSize) throw new Error(`SimplexGauge: ${w.length} entries, expected ${this.blocks} blocks of ${this.n} x ${this.n}`);
  }

  /** The common row sum of block b, or NaN when the block is not a nonnegative matrix with equal row sums. */
  blockScale(w: Float64Array, b: number): number {
    const n = this.n, off = b * this.blockSize;
    let lo = Infinity, hi = -Infinity;
    for (let r = 0; r < n; r++) {
      let s = 0;
      for (let k = 0; k < n; k++) {
        const v = w[off + r * n + k];
        if (v < 0) return NaN;
        s += v;
      }
      lo = Math.min(lo, s);
      hi = Math.max(hi, s);
    }
    return hi - lo <= ROW_SUM_TOLERANCE * hi ? hi : NaN;
  }

  /** sum of the blocks' row sums; +infinity when a block is off the cone (negative, or unequal rows). */
  value(w: Float64Array): number {
    this.check(w);
    let total = 0;
    for (let b = 0; b < this.blocks; b++) {
      const a = this.blockScale(w, b);
      if (Number.isNaN(a)) return Infinity;
      total += a;
    }
    return total;
  }

  /** argmin_Z 1/2 ||Z - V||^2 + step a(Z), block by block. */
  prox(v: Float64Array, step: number, out: Float64Array): void {
    this.check(v);
    const n = this.n, sorted = new Float64Array(n), prefix = new Float64Array(n * (n + 1)), k = new Int32Array(n);
    for (let b = 0; b < this.blocks; b++) {
      const off = b * this.blockSize;
      const a = blockProxScale(v, off, n, step, sorted, prefix, k);
      for (let r = 0; r < n; r++) {
        const row = off + r * n;
        if (a === 0) {
          out.fill(0, row, row + n);
          continue;
        }
        const tau = (prefix[r * (n + 1) + k[r]] - a) / k[r];
        let sum = 0, top = row;
        for (let j = 0; j < n; j++) {
          sum += (out[row + j] = Math.max(v[row + j] - tau, 0));
          if (v[row + j] > v[top]) top = row + j;
        }
        // Exactly, the row sums to a; in floating point to a + O(eps |v|), which for a scale near
        // rounding (beta just below sigma(V)) leaves rows of unequal sums, off the cone. Rescaled,
        // every row sums to a to rounding of a itself (all mass on the row's maximum when none is left).
        if (sum > 0) for (let j = 0; j < n; j++) out[row + j] *= a / sum;
        else out[top] = a;
      }
    }
  }

  /** sigma(u_b) = sum_r max_k u_b[r, k] of one block. */
  support(u: Float64Array, b: number): number {
    const n = this.n, off = b * this.blockSize;
    let s = 0;
    for (let r = 0; r < n; r++) {
      let m = -Infinity;
      for (let j = 0; j < n; j++) m = Math.max(m, u[off + r * n + j]);
      s += m;
    }
    return s;
  }

  /**
   * max over blocks of max(sigma(u_b), sigma(-u_b)). The dual constraint of a gauge is
   * sigma(-(A^T theta)_b) <= beta; the matrix-attention operator pairs each block with its
   * negative, so the symmetric form is exactly that constraint there, and never below it anywhere.
   */
  dualNorm(u: Float64Array): number {
    this.check(u);
    let m = 0;
    const neg = Float64Array.from(u, (x) => -x);
    for (let b = 0; b < this.blocks; b++) m = Math.max(m, this.support(u, b), this.support(neg, b));
    return m;
  }

  /**
   * 0 in -v + beta d a(w), block by block. A block Z = a P with a > 0: v_b must be in beta times the
   * gauge's subdifferential, sigma(v_b) = beta and <v_b, P> = beta (P's rows on the maxima of v_b's
   * rows); the residual is the larger of |<v_b, P> - beta| and sigma(v_b) - <v_b, P>, over beta. A
   * zero block: its slack 1 - sigma(v_b) / beta >= 0.
   */
  optimality(w: Float64Array, v: Float64Array, beta: number): PenaltyOptimality {
    this.check(w);
    let stat = 0, slack: number | null = null, nonzero = 0;
    for (let b = 0; b < this.blocks; b++) {
      const a = this.blockScale(w, b), sig = this.support(v, b);
      if (a === 0) {
        slack = Math.min(slack ?? Infinity, 1 - sig / beta);
        continue;
      }
      if (Number.isNaN(a)) return { stationarity: Infinity, zeroGroupSlack: slack, nonzeroGroups: nonzero, totalGroups: this.blocks };
      nonzero++;
      let inner = 0;
      const off = b * this.blockSize;
      for (let e = 0; e < this.blockSize; e++) inner += v[off + e] * w[off + e];
      inner /= a;
      stat = Math.max(stat, Math.abs(inner - beta) / beta, (sig - inner) / beta);
    }
    return { stationarity: stat, zeroGroupSlack: slack, nonzeroGroups: nonzero, totalGroups: this.blocks };
  }
}

/**
 * The scale a of the prox of one block: the root of T(a) = step, T(a) = sum_r tau_r(a), where
 * tau_r(a) is the threshold that projects row r onto {z >= 0, sum z = a} (z = max(v_r - tau_r, 0)).
 * d/da [1/2 dist(v_r, a simplex)^2] = -tau_r(a), so the prox minimises sum_r 1/2 dist^2 + step a,
 * whose derivative step - T(a) is increasing: a = 0 when T(0) = sum_r max v_r <= step. T is convex,
 * decreasing and piecewise linear (tau_r = (S_r[k_r] - a) / k_r on a piece with k_r entries in the
 * support, S_r the prefix sums of the sorted row), so Newton's method from a = 0 rises monotonically
 * to the root and lands on it exactly once the supports stop changing. Leaves the supports in k.
 */
function blockProxScale(
  v: Float64Array, off: number, n: number, step: number, sorted: Float64Array, prefix: Float64Array, k: Int32Array,
): number {
  let T0 = 0;
  for (let r = 0; r < n; r++) {
    for (let j = 0; j < n; j++) sorted[j] = v[off + r * n + j];
    sorted.sort().reverse();
    const p = r * (n + 1);
    prefix[p] = 0;
    for (let j = 0; j < n; j++) prefix[p + j + 1] = prefix[p + j] + sorted[j];
    T0 += sorted[0];
    k[r] = 1; // at a = 0+ the support is the row's maxima; one entry gives a steeper line, still below T
  }
  if (T0 <= step) return 0;
  let a = 0;
  for (let it = 0; it <= n * n + 2; it++) {
    let num = -step, den = 0;
    for (let r = 0; r < n; r++) {
      num += prefix[r * (n + 1) + k[r]] / k[r];
      den += 1 / k[r];
    }
    const next = num / den;
    if (!(next > a)) break; // the line of the current pieces meets step here: exact
    a = next;
    let changed = false;
    for (let r = 0; r < n; r++) {
      const kr = supportSize(prefix, r * (n + 1), n, a);
      if (kr !== k[r]) changed = true;
      k[r] = kr;
    }
    if (!changed) break;
  }
  return a;
}

/**
 * The support size of the projection of a row onto {z >= 0, sum z = a > 0}: the largest k with
 * sorted[k-1] > (S[k] - a) / k, read from prefix sums (sorted[k-1] = S[k] - S[k-1]).
 */
function supportSize(prefix: Float64Array, p: number, n: number, a: number): number {
  let best = 1;
  for (let kk = 1; kk <= n; kk++) {
    const x = prefix[p + kk] - prefix[p + kk - 1];
    if (x * kk > prefix[p + kk] - a) best = kk;
  }
  return best;
}
