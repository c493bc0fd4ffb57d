// Sahiner et al. eq. (6): linear multi-head self-attention as a nuclear-norm program over Z
// (d^2 x dc), each rank-one term one head of eq. (5). Derivation: docs/sahiner-linear-mhsa.md.
// The outputs are the token mean (labels y (N,) with cross-entropy, or targets Y (N, c) with the
// squared loss), or per token when the targets are (Y (N, s, c) or y (N, s)).
import { float64Only, type Program } from './program';
import { makeDatafit } from './assemble';
import { LinearMhsaOperator } from '../operators/linear-mhsa';
import { NuclearNorm } from '../penalties/nuclear';
import { betaMax } from '../duality';
import { checkScale } from '../scale-check';
import { checkLinearMhsaFits } from '../memory-estimate';
import { mhsaHeadsToZ, mhsaNonconvexObjective, recoverMhsaHeads, type MhsaWeights } from '../recovery/mhsa-heads';
import { float64Tokens } from '../../data/tokens';
import { InputError } from '../../data/errors';
import type { NdArray } from '../../data/ndarray';
import { factorNorms } from '../recovery/svd-heads';
import { readFactorHeads } from '../recovery/head-arrays';
import { linearMhsaModel } from '../../nn/models/linear-mhsa-model';
import { transposeSquare } from '../recovery/gated-factor-heads';
import { factoredForm } from './factored';
import { sampleAttentionMap } from './sample-attention';

/**
 * Z is d^2 x dc and every FISTA iteration takes full SVDs of it (prox, value, dual norm). Measured
 * with c = 10: 0.1 s per SVD at d = 32 (1,024 x 320), 0.6-2.3 s at d = 64, so the solvers that
 * iterate on Z (fista, gram, adam) stop at d = 32. The low-rank path (`--solver bm`, which `auto`
 * picks above it) takes no SVD of a d^2 x dc matrix per certificate either (Z's from the heads'
 * factors, the gradient matrix's spectral norm from its Gram matrix: docs/burer-monteiro.md).
 */
export const LINEAR_MHSA_MAX_D = 32;
/**
 * bm's limit: its certificate applies the operator (2 N d^3 c flops), forms the Gram matrix of the
 * gradient matrix (d^2 (dc)^2) and solves its eigenproblem ((dc)^3), and after the solve recovery
 * and the KKT report take a few full SVDs of Z (0.6-2.3 s each at d = 64; some 20 s at d = 128,
 * where Z and the gradient matrix are 168 MB each). The SVD timings: bench/RESULTS.md ("Past FISTA's
 * limits by bm"); a whole solve at d = 64 is not yet timed there.
 */
export const LINEAR_MHSA_BM_MAX_D = 64;

export const linearMhsa: Program<never, MhsaWeights> = {
  name: 'linear-mhsa',
  summary: 'linear multi-head self-attention, outputs averaged over the tokens or per token (nuclear norm)',
  equation: 'Sahiner et al. eq. (6)',
  nonconvex: 'sum_i L( [mean_tokens] sum_j X_i W1j X_i^T X_i W2j, y_i ) + beta/2 sum_j (||W1j||_F^2 + ||W2j||_F^2), W1j (d, d), W2j (d, c) (eq. 5)',
  convex: 'min_Z sum_i L( [mean_tokens] sum_{k,l} G_i[k, l] X_i Z^(k,l), y_i ) + beta ||Z||_*, Z (d^2, dc) a d x d grid of (d, c) blocks, G_i = X_i^T X_i',
  options: [],
  nonconvexName: 'linear-mhsa',
  perTokenTargets: 'optional',
  build(data, options) {
    const { trainTargets } = data;
    const output = trainTargets.tokens === undefined ? 'mean' : 'tokens';
    const train = float64Only('linear-mhsa', data.train, 'the Gram matrix X_i^T X_i of every sample');
    const { N, n: s, d } = train, c = trainTargets.c;
    if (d > LINEAR_MHSA_BM_MAX_D) throw new InputError('X', `has d = ${d} features per token; linear-mhsa's Z is d^2 x dc (${d * d} x ${d * c}), so d is limited to ${LINEAR_MHSA_BM_MAX_D} (to ${LINEAR_MHSA_MAX_D} but for --solver bm)`);
    const tooLargeToIterate = d > LINEAR_MHSA_MAX_D ? `has d = ${d} features per token: linear-mhsa's Z is ${d * d} x ${d * c}, and its full SVD, which those solvers take every iteration, grows as d^5 c (0.1 s at d = 32, c = 10; 0.6-2.3 s at d = 64) (the limit is d = ${LINEAR_MHSA_MAX_D})` : undefined;
    if (options.float32) throw new InputError('float32', 'linear-mhsa runs in float64 only (its cost is the SVD of Z, not GEMMs)');
    checkLinearMhsaFits(N, d, c);
    const operator = new LinearMhsaOperator(train.X, N, s, d, c, output);
    const datafit = makeDatafit(options.loss, trainTargets, N);
    const penalty = new NuclearNorm(d * d, d * c);
    const bmax = betaMax(operator, datafit, penalty);
    checkScale(train.X, operator, datafit, bmax, trainTargets.Y, { norm: tooLargeToIterate === undefined }); // bm never takes ||A||
    // the model's forward pass: each sample's Gram matrix and X_i M_i whatever the heads; per head G_i W2j, then W1j times that
    const flops = { shared: N * (s * d * d + 2 * s * d * c), perHead: 4 * N * d * d * c };
    const factored = factoredForm(1, d * d, d * c, transposeSquare, (gateOf, beta) => linearMhsaModel({ s, d, c }, gateOf.length, output, beta, 0), train.X, N, flops);
    const problem = { operator, datafit, penalty, beta: bmax, factored, tooLargeToIterate };
    return {
      program: linearMhsa,
      problem,
      betaMax: bmax,
      zShape: [d * d, d * c],
      totalGroups: Math.min(d * d, d * c), // singular values
      h: null,
      predict(Z, t) {
        const pred = new Float64Array(t.N * (output === 'tokens' ? t.n : 1) * c);
        new LinearMhsaOperator(float64Tokens(t).X, t.N, t.n, t.d, c, output).apply(Z, pred);
        return pred;
      },
      recover: (Z) => recoverMhsaHeads(Z, d, c),
      readRecovered: (arrays) => readMhsaHeads(arrays, d, c),
      embed: (rec) => mhsaHeadsToZ(rec),
      sampleAttention: (rec, i) => sampleAttentionMap(train.X.subarray(i * s * d, (i + 1) * s * d), s, d, c, rec),
      nonconvexObjective: (X, NX, rec, beta) => mhsaNonconvexObjective(float64Tokens({ X, N: NX, n: s, d }).X, NX, s, rec, output, datafit, beta),
      weights: (Z, rec) => ({
        Z: { data: Z, shape: [d * d, d * c] },
        W1: { data: rec.W1, shape: [rec.H, d, d] },
        W2: { data: rec.W2, shape: [rec.H, d, c] },
        sigma: { data: rec.sigma, shape: [rec.H] },
      }),
      nonconvexModel: {
        positional: false,
        attention: `linear self-attention per head, X W1j X^T X W2j (eq. 5), outputs ${output === 'tokens' ? 'per token' : 'averaged over the tokens'}`,
        penalty: 'sum_j ||W1j||_F^2 + ||W2j||_F^2',
        headsFor: (rec) => rec.H,
        make: (heads, beta, seed) => linearMhsaModel({ s, d, c }, heads, output, beta, seed),
      },
    };
  },
};

/** W1 (H, d, d) and W2 (H, d, c) as `weights` writes them, checked. */
function readMhsaHeads(arrays: Record<string, NdArray>, d: number, c: number): MhsaWeights {
  const { H, W1, W2 } = readFactorHeads(arrays, [d, d], [d, c]);
  return mhsaWeights(W1, W2, H, d, c);
}

/** Weights from W1, W2 as given (any scale per head): sigma_j = ||W1j|| ||W2j||. */
export function mhsaWeights(W1: Float64Array, W2: Float64Array, H: number, d: number, c: number): MhsaWeights {
  const sigma = factorNorms(W1, W2, H);
  return { H, d, c, W1, W2, sigma, heads: Array.from(sigma, (norm) => ({ norm })) };
}
