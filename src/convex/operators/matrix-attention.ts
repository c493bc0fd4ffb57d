// The operator of Ergen et al. Theorem A.1 (matrix targets, docs/ergen-matrix-targets.md):
// predictions per token, pred[i, r, l] = sum_j ((Z1_jl - Z2_jl) x_ij)[r] with x_ij column j of X_i
// (n tokens) and Z1_jl, Z2_jl n x n blocks, the positive and the negative part of eq. (37).
// w holds the blocks in the order (part, j, l), each n x n row-major [r, k]. Summed over j and k,
// pred[i, (r, l)] = sum_{k, j} X_i[k, j] W[(r, l), k, j] with W[(r, l), k, j] = (Z1_jl - Z2_jl)[r, k]:
// the token-feature operator of eq. (10) with n c outputs after a rearrangement (rearranged.ts).
import type { FloatArray } from '../../core/blas';
import { AttentionOperator } from './attention';
import { RearrangedOperator } from './rearranged';
import type { OperatorOptions } from './row-blocks';

export class MatrixAttentionOperator extends RearrangedOperator {
  /** X (N, n, d) row-major; c outputs per token. */
  constructor(X: FloatArray, readonly N: number, readonly n: number, readonly d: number, readonly c: number, opts: OperatorOptions = {}) {
    const half = d * c * n * n, z = new Int32Array(2 * half), w = new Int32Array(2 * half), coef = new Float64Array(2 * half);
    let t = 0;
    for (let j = 0; j < d; j++) for (let l = 0; l < c; l++) for (let r = 0; r < n; r++) for (let k = 0; k < n; k++) {
      const zi = ((j * c + l) * n + r) * n + k, wi = ((r * c + l) * n + k) * d + j;
      z[t] = zi; w[t] = wi; coef[t++] = 1;
      z[t] = half + zi; w[t] = wi; coef[t++] = -1;
    }
    super(new AttentionOperator(X, N, n, d, n * c, opts), 2 * half, { z, w, coef });
  }
}
