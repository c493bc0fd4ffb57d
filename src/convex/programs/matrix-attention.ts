// Ergen et al. Theorem A.1: simplex attention with matrix targets (one output row per token) as a
// convex program over n x n blocks Z1_jl, Z2_jl, each a scaled row-stochastic matrix, penalised by
// its scale (eq. 37 with the constraint eq. 36 implies; the printed eq. 37 drops it and is the
// program of rows that may sum below 1). Derivation: docs/ergen-matrix-targets.md.
import { tokenAttentionMap, type Program } from './program';
import { assemble } from './assemble';
import { MatrixAttentionOperator } from '../operators/matrix-attention';
import { SimplexGauge } from '../penalties/simplex-gauge';
import { matrixHeadsToZ, matrixNonconvexObjective, recoverMatrixHeads, type MatrixWeights } from '../recovery/matrix-heads';
import { float64Tokens } from '../../data/tokens';
import { InputError } from '../../data/errors';
import type { NdArray } from '../../data/ndarray';
import { headArray } from '../recovery/head-arrays';
import { SIMPLEX_TOL } from '../recovery/read-heads';
import { matrixAttentionModel } from '../../nn/models/matrix-attention-model';

/** w has 2 d c n^2 entries; past this many (2^25 = 33.6 M, n = d = c = 64 exactly) the program is refused before allocating. */
export const MATRIX_ATTENTION_MAX_ENTRIES = 2 ** 25;

export const matrixAttention: Program<never, MatrixWeights> = {
  name: 'matrix-attention',
  summary: 'simplex attention with one output row per token: targets Y (N, n, c) or labels y (N, n)',
  equation: 'Ergen et al. eq. (37) with equal row sums, Theorem A.1',
  nonconvex: 'sum_i L( sum_h w3h W1h X_i W2h, Y_i ) + beta/2 sum_h (||W2h||_1^2 + w3h^2), W1h (n, n) rows in the simplex, W2h (d, c), w3h scalar (eq. 34)',
  convex: 'min_Z sum_i L( sum_j (Z1_jl - Z2_jl) x_ij, Y_i[:, l] ) + beta sum_{j,l} (a(Z1_jl) + a(Z2_jl)), Z = (Z1, Z2), each block a(Z) P with P (n, n) row-stochastic',
  options: [],
  nonconvexName: 'matrix-attention',
  perTokenTargets: 'required',
  build(data, options) {
    const { train, trainTargets } = data;
    const { N, n, d } = train, c = trainTargets.c;
    const entries = 2 * d * c * n * n;
    if (entries > MATRIX_ATTENTION_MAX_ENTRIES) {
      throw new InputError('X', `has n = ${n} tokens and d = ${d} features with c = ${c} outputs: Z would hold 2 d c n^2 = ${entries} entries, above ${MATRIX_ATTENTION_MAX_ENTRIES}`);
    }
    const penalty = new SimplexGauge(n, 2 * d * c);
    const { problem, exact, betaMax: bmax } = assemble(train, trainTargets, options.loss, options.float32 ?? false,
      (X, o) => new MatrixAttentionOperator(X, N, n, d, c, o), penalty);
    const shape = { n, d, c };
    return {
      program: matrixAttention,
      problem,
      exact,
      betaMax: bmax,
      zShape: [2, d, c, n, n],
      totalGroups: 2 * d * c,
      h: null,
      predict(Z, t) {
        const pred = new Float64Array(t.N * n * c);
        new MatrixAttentionOperator(t.X, t.N, n, d, c).apply(Z, pred);
        return pred;
      },
      recover: (Z) => recoverMatrixHeads(Z, shape, penalty),
      readRecovered: (arrays) => readMatrixHeads(arrays, n, d, c),
      embed: (rec) => matrixHeadsToZ(rec),
      nonconvexObjective: (X, NX, rec, beta) => matrixNonconvexObjective(float64Tokens({ X, N: NX, n, d }).X, NX, rec, problem.datafit, beta),
      tokenAttention: (rec) => tokenAttentionMap(rec.W1, rec.heads.map((h) => h.norm), n),
      weights: (Z, rec) => ({
        Z: { data: Z, shape: [2, d, c, n, n] },
        W1: { data: rec.W1, shape: [rec.H, n, n] },
        W2: { data: rec.W2, shape: [rec.H, d, c] },
        w3: { data: rec.w3, shape: [rec.H] },
      }),
      nonconvexModel: {
        positional: true,
        attention: 'one fixed attention matrix per head, rows softmax(U_h) (eq. 34), outputs per token',
        penalty: 'sum_h ||W2h||_1^2 + w3h^2',
        headsFor: (rec) => rec.H,
        make: (heads, beta, seed) => matrixAttentionModel(shape, heads, beta, seed),
      },
    };
  },
};

/**
 * W1 (H, n, n) with rows in the simplex, W2 (H, d, c), w3 (H,), as `weights` writes them, checked.
 * Rows summing to 1 within SIMPLEX_TOL (float32 files) are divided by their sums, so that the heads
 * stand for a Z on the penalty's cone (equal row sums to rounding).
 */
function readMatrixHeads(arrays: Record<string, NdArray>, n: number, d: number, c: number): MatrixWeights {
  const W1 = headArray(arrays, 'W1', [n, n]), W2 = headArray(arrays, 'W2', [d, c]), w3 = headArray(arrays, 'w3', []);
  if (W2.H !== W1.H || w3.H !== W1.H) throw new InputError(W2.H !== W1.H ? 'W2' : 'w3', `holds ${W2.H !== W1.H ? W2.H : w3.H} heads; W1 holds ${W1.H}`);
  const P = Float64Array.from(W1.values);
  for (let r = 0; r < W1.H * n; r++) {
    let s = 0;
    for (let k = 0; k < n; k++) {
      const v = P[r * n + k];
      if (v < 0) throw new InputError('W1', `entry ${v} at flat index ${r * n + k}; attention rows must be in the simplex (nonnegative, summing to 1)`);
      s += v;
    }
    if (Math.abs(s - 1) > SIMPLEX_TOL) throw new InputError('W1', `row ${r % n} of head ${Math.floor(r / n)} sums to ${s}; attention rows must sum to 1 (within ${SIMPLEX_TOL})`);
    for (let k = 0; k < n; k++) P[r * n + k] /= s;
  }
  const heads = Array.from({ length: W1.H }, (_, h) => {
    let l1 = 0;
    for (let e = 0; e < d * c; e++) l1 += Math.abs(W2.values[h * d * c + e]);
    return { norm: Math.abs(w3.values[h]) * l1 };
  });
  return { H: W1.H, n, d, c, W1: P, W2: W2.values, w3: w3.values, heads };
}
