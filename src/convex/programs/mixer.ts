// The linear MLP-Mixer as a nuclear-norm program (Sahiner et al.'s mixer; derivation:
// docs/sahiner-mixer.md): Z (s^2 x dc), each rank-one term one branch W1j (token mixing, s x s),
// W2j (channel mixing, d x c). Outputs per token (targets Y (N, s, c) or y (N, s)) or their mean
// over the tokens (Y (N, c) or y (N,)).
import { tokenAttentionMap, type Program } from './program';
import { makeDatafit } from './assemble';
import { MixerOperator } from '../operators/mixer';
import { NuclearNorm } from '../penalties/nuclear';
import { betaMax } from '../duality';
import { checkScale } from '../scale-check';
import { mixerHeadsToZ, mixerNonconvexObjective, recoverMixerHeads, type MixerWeights } from '../recovery/mixer-heads';
import { factorNorms } from '../recovery/svd-heads';
import { readFactorHeads } from '../recovery/head-arrays';
import { mixerModel } from '../../nn/models/mixer-model';
import { factoredForm } from './factored';
import { float64Tokens } from '../../data/tokens';
import { InputError } from '../../data/errors';

/**
 * Every FISTA iteration takes full SVDs of Z (s^2 x dc): at the medium size (s 64, d 32,
 * c 10) that is 4,096 x 320, 1.3 M entries; Z stops at twice that (`--solver bm` certifies by the
 * same full SVDs: docs/burer-monteiro.md).
 */
export const MIXER_MAX_ENTRIES = 2 ** 21;

export const mixer: Program<never, MixerWeights> = {
  name: 'mixer',
  summary: 'linear MLP-Mixer (token mixing, then channel mixing), outputs per token or averaged (nuclear norm)',
  equation: 'Sahiner et al., MLP-Mixer (eq. (6) with token mixing in place of G_i)',
  nonconvex: 'sum_i L( [mean_tokens] sum_j W1j X_i W2j, y_i ) + beta/2 sum_j (||W1j||_F^2 + ||W2j||_F^2), W1j (s, s), W2j (d, c)',
  convex: 'min_Z sum_i L( [mean_tokens] pred_i, y_i ) + beta ||Z||_*, pred_i[a, m] = sum_{b,t} X_i[b, t] Z[a s + b, t c + m], Z (s^2, dc)',
  options: [],
  nonconvexName: 'mixer',
  perTokenTargets: 'optional',
  build(data, options) {
    const { train, trainTargets } = data;
    const { N, n: s, d } = train, c = trainTargets.c;
    const output = trainTargets.tokens === undefined ? 'mean' : 'tokens';
    if (s * s * d * c > MIXER_MAX_ENTRIES) {
      throw new InputError('X', `has s = ${s} tokens and d = ${d} features with c = ${c} outputs: the mixer's Z is s^2 x dc (${s * s} x ${d * c}), above ${MIXER_MAX_ENTRIES} entries (each iteration takes its SVD)`);
    }
    if (options.float32) throw new InputError('float32', 'mixer runs in float64 only (its cost is the SVD of Z, not GEMMs)');
    const operator = new MixerOperator(train.X, N, s, d, c, output);
    const datafit = makeDatafit(options.loss, trainTargets, N);
    const penalty = new NuclearNorm(s * s, d * c);
    const bmax = betaMax(operator, datafit, penalty);
    checkScale(train.X, operator, datafit, bmax, trainTargets.Y);
    return {
      program: mixer,
      problem: { operator, datafit, penalty, beta: bmax, factored: factoredForm(1, s * s, d * c, null, (gateOf, beta) => mixerModel({ s, d, c }, gateOf.length, output, beta, 0), float64Tokens(train).X, N, { shared: 0, perHead: 2 * N * s * (d * c + s * c) }) }, // X_i W2j, then W1j times that
      betaMax: bmax,
      zShape: [s * s, d * c],
      totalGroups: Math.min(s * s, d * c), // singular values
      h: null,
      predict(Z, t) {
        const pred = new Float64Array(t.N * (output === 'tokens' ? s : 1) * c);
        new MixerOperator(t.X, t.N, s, d, c, output).apply(Z, pred);
        return pred;
      },
      recover: (Z) => recoverMixerHeads(Z, s, d, c),
      readRecovered: (arrays) => {
        const { H, W1, W2 } = readFactorHeads(arrays, [s, s], [d, c]);
        const sigma = factorNorms(W1, W2, H);
        return { H, s, d, c, W1, W2, sigma, heads: Array.from(sigma, (norm) => ({ norm })) };
      },
      embed: (rec) => mixerHeadsToZ(rec),
      tokenAttention: (rec) => tokenAttentionMap(rec.W1, Array.from(rec.sigma), s),
      nonconvexObjective: (X, NX, rec, beta) => mixerNonconvexObjective(float64Tokens({ X, N: NX, n: s, d }).X, NX, rec, output, datafit, beta),
      weights: (Z, rec) => ({
        Z: { data: Z, shape: [s * s, d * c] },
        W1: { data: rec.W1, shape: [rec.H, s, s] },
        W2: { data: rec.W2, shape: [rec.H, d, c] },
        sigma: { data: rec.sigma, shape: [rec.H] },
      }),
      nonconvexModel: {
        positional: true,
        attention: `token mixing W1j X then channel mixing W2j per branch, outputs ${output === 'tokens' ? 'per token' : 'averaged over the tokens'}`,
        penalty: 'sum_j ||W1j||_F^2 + ||W2j||_F^2',
        headsFor: (rec) => rec.H,
        make: (heads, beta, seed) => mixerModel({ s, d, c }, heads, output, beta, seed),
      },
    };
  },
};
