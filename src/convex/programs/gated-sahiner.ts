// The gated-ReLU Sahiner programs (docs/sahiner-gated.md): linear attention (eq. 5-6) and the
// linear mixer with a ReLU whose 0/1 pattern is fixed by P random gates, so each gate g owns a
// block Z_g of the linear program's Z and the penalty is sum_g ||Z_g||_*. The gates are drawn from
// the seed (U (P, q, q) ~ N(0, 1): q = d score matrices for attention, q = s token mixings for the
// mixer); weights.npz records the seed and U, and `check` redraws and compares them.
import { factoredForm } from './factored';
import type { KnownGates } from '../../attention/gate-patterns';
import { tokenAttentionMap, type Program } from './program';
import { sampleAttentionMap } from './sample-attention';
import { makeDatafit } from './assemble';
import { DEFAULT_SAHINER_GATES, GATES_OPTION, SEED_OPTION } from './shared-options';
import { BlockNuclearNorm } from '../penalties/block-nuclear';
import { GatedMhsaOperator } from '../operators/gated-mhsa';
import { GatedMixerOperator } from '../operators/gated-mixer';
import { betaMax } from '../duality';
import { checkScale } from '../scale-check';
import { gatedFactorsToZ, recoverGatedFactors, transposeSquare, type GatedFactorHeads } from '../recovery/gated-factor-heads';
import { factorNorms } from '../recovery/svd-heads';
import { groupIndices, headArray, headsInTurn, readFactorHeads } from '../recovery/head-arrays';
import { mixerGates, scoreGates } from '../../attention/gate-patterns';
import { gatedMhsaModel } from '../../nn/models/gated-mhsa-model';
import { gatedMixerModel } from '../../nn/models/gated-mixer-model';
import type { MhsaOutput } from '../../nn/models/linear-mhsa-model';
import type { Model } from '../../nn/models/model';
import type { LinearOperator } from '../types';
import { float64Tokens } from '../../data/tokens';
import { InputError } from '../../data/errors';
import { Rng } from '../../core/rng';

/**
 * P blocks of Z together. Each FISTA iteration takes three full SVDs of every block: the issue's
 * medium size with 4 gates (gated-mixer: 4 blocks of 4,096 x 320, 5.2 M entries) costs 0.26 s per
 * block SVD here, some 3 s of SVDs per iteration beside two operator applications of 105 GFlop.
 */
export const GATED_MAX_ENTRIES = 2 ** 23;
/**
 * Gated attention's operator costs about N P s d^3 c flops per application (each query token has
 * its own gated Gram matrix; s times less for token-mean outputs whose features fit): 6 GFlop at
 * the small size with 4 gates (0.2 s here), and 1,040 GFlop at its medium one (half a
 * minute). FISTA and Adam apply it hundreds of times and refuse it above this; bm applies it once
 * per certificate and takes it (`auto` picks bm there).
 */
export const GATED_MHSA_MAX_GFLOP = 100;

export interface GatedSahinerWeights extends GatedFactorHeads {
  s: number;
  d: number;
  c: number;
  P: number;
  U: Float64Array;
}

interface Family {
  name: 'gated-mhsa' | 'gated-mixer';
  summary: string;
  equation: string;
  nonconvex: string;
  convex: string;
  /** q: the gates' U is (P, q, q); the block of Z is rows x cols; W1 is (q, q) */
  q(s: number, d: number): number;
  rows(s: number, d: number): number;
  gates(X: Float64Array, N: number, s: number, d: number, U: Float64Array, P: number): Uint8Array;
  operator(X: Float64Array, N: number, s: number, d: number, c: number, D: Uint8Array, P: number, output: MhsaOutput): LinearOperator;
  model(shape: { s: number; d: number; c: number }, gates: { U: Float64Array; P: number; gateOf: Int32Array; known?: KnownGates }, output: MhsaOutput, beta: number, seed: number): Model;
  /** a left singular vector of a block <-> W1 (its own inverse) */
  w1Layout?: (u: Float64Array, out: Float64Array) => void;
  /** a fixed token-to-token map (the mixer's token mixing) */
  tokenMap: boolean;
  /** the non-convex model's forward flops per head and sample */
  flopsPerHead(s: number, d: number, c: number): number;
  /** the most GFlop per application of the operator the solvers that apply it every iteration accept (else Problem.tooLargeToIterate) */
  maxGflop?: number;
  /** what one head of the non-convex model computes (compare's settings) */
  modelText: string;
}

export function drawSahinerGates(P: number, q: number, seed: number): Float64Array {
  return new Rng(seed).normals(P * q * q);
}

function gatedProgram(f: Family): Program<'gates' | 'seed', GatedSahinerWeights> {
  const program: Program<'gates' | 'seed', GatedSahinerWeights> = {
    name: f.name, summary: f.summary, equation: f.equation, nonconvex: f.nonconvex, convex: f.convex,
    options: [GATES_OPTION, SEED_OPTION],
    perTokenTargets: 'optional',
    nonconvexName: f.name,
    optionsFromWeights(arrays) {
      const seed = arrays.gate_seed?.values.length === 1 ? arrays.gate_seed.values[0] : undefined;
      return { ...(seed === undefined ? {} : { seed }), ...(arrays.U ? { gates: arrays.U.shape[0] } : {}) };
    },
    build(data, options) {
      const { trainTargets } = data, output: MhsaOutput = trainTargets.tokens === undefined ? 'mean' : 'tokens';
      const train = float64Tokens(data.train), { N, n: s, d } = train, c = trainTargets.c;
      if (options.float32) throw new InputError('float32', `${f.name} runs in float64 only (its cost is the SVDs of Z's blocks)`);
      const P = options.gates ?? DEFAULT_SAHINER_GATES, seed = options.seed ?? 0;
      const q = f.q(s, d), rows = f.rows(s, d), cols = d * c;
      if (P * rows * cols > GATED_MAX_ENTRIES) {
        throw new InputError('X', `has s = ${s} tokens, d = ${d} features, c = ${c} outputs: with ${P} gates ${f.name}'s Z is ${P} blocks of ${rows} x ${cols}, above ${GATED_MAX_ENTRIES} entries (each iteration takes their SVDs); use fewer --gates or smaller inputs`);
      }
      const U = drawSahinerGates(P, q, seed);
      const known = { X: train.X, N, D: f.gates(train.X, N, s, d, U, P) };
      const operator = f.operator(train.X, N, s, d, c, known.D, P, output);
      const datafit = makeDatafit(options.loss, trainTargets, N);
      const penalty = new BlockNuclearNorm(P, rows, cols);
      const bmax = betaMax(operator, datafit, penalty);
      // above the limit only bm runs, which never takes the operator's norm (FISTA's step size):
      // its power iteration (up to 16 applications) is skipped, the loss and beta_max still checked
      const gflop = operator.flopsPerApply / 1e9, tooLargeToIterate = gflop > (f.maxGflop ?? Infinity)
        ? `has N = ${N} samples of s = ${s} tokens, d = ${d} features: ${f.name}'s operator with ${P} gates takes ${gflop.toFixed(0)} GFlop per application (the limit is ${f.maxGflop}; fewer samples, tokens or --gates lower it)` : undefined;
      checkScale(train.X, operator, datafit, bmax, trainTargets.Y, { norm: tooLargeToIterate === undefined });
      const weightsOf = (h: GatedFactorHeads): GatedSahinerWeights => ({ ...h, s, d, c, P, U });
      const modelAt = (rec: GatedSahinerWeights, beta: number) => {
        const model = f.model({ s, d, c }, { U, P, gateOf: rec.gate }, output, beta, 0);
        model.params[0].data.set(rec.W1);
        model.params[1].data.set(rec.W2);
        return model;
      };
      return {
        program,
        problem: { operator, datafit, penalty, beta: bmax, tooLargeToIterate, factored: factoredForm(P, rows, cols, f.w1Layout ?? null, (gateOf, beta) => f.model({ s, d, c }, { U, P, gateOf, known }, output, beta, 0), train.X, N, { shared: 0, perHead: N * f.flopsPerHead(s, d, c) }) },
        betaMax: bmax,
        zShape: [P, rows, cols],
        totalGroups: P * Math.min(rows, cols), // singular values of every block
        h: P,
        predict(Z, t) {
          const X = float64Tokens(t).X, pred = new Float64Array(t.N * (output === 'tokens' ? s : 1) * c);
          f.operator(X, t.N, s, d, c, f.gates(X, t.N, s, d, U, P), P, output).apply(Z, pred);
          return pred;
        },
        recover: (Z) => weightsOf(recoverGatedFactors(Z, P, rows, cols, f.w1Layout)),
        readRecovered(arrays) {
          const { H, W1, W2 } = readFactorHeads(arrays, [q, q], [d, c]);
          const gate = groupIndices(headArray(arrays, 'gate', []).values, P, 'gate', 'gate index');
          if (gate.length !== H) throw new InputError('gate', `holds ${gate.length} gate indices; W1 holds ${H} heads`);
          if (arrays.U && !(arrays.U.values.length === U.length && U.every((u, e) => u === arrays.U.values[e]))) {
            throw new InputError('U', `differs from the ${P} gates drawn with seed ${seed}: give the gate_seed the weights were fit with (--seed)`);
          }
          const sigma = factorNorms(W1, W2, H);
          return weightsOf({ H, W1, W2, gate, sigma, heads: Array.from(sigma, (norm, j) => ({ norm, gate: gate[j] })) });
        },
        embed: (rec) => gatedFactorsToZ(rec, P, rows, cols, f.w1Layout),
        tokenAttention: f.tokenMap ? (rec) => tokenAttentionMap(rec.W1, Array.from(rec.sigma), s) : undefined,
        // gated attention's scores depend on the sample, masked by the gate of each head (D is (N, P, s, s))
        sampleAttention: f.tokenMap ? undefined : (rec, i) => sampleAttentionMap(train.X.subarray(i * s * d, (i + 1) * s * d), s, d, c, rec,
          (j) => known.D.subarray((i * P + rec.gate[j]) * s * s, (i * P + rec.gate[j] + 1) * s * s)),
        nonconvexObjective(X, NX, rec, beta) {
          if (rec.H === 0) {
            const pred = new Float64Array(NX * (output === 'tokens' ? s : 1) * c); // no heads: Z = 0 predicts 0
            return { objective: datafit.value(pred), pred };
          }
          const model = modelAt(rec, beta), pred = Float64Array.from(model.forward(float64Tokens({ X, N: NX, n: s, d }).X, NX));
          return { objective: datafit.value(pred) + model.weightDecay(null), pred };
        },
        weights: (Z, rec) => ({
          Z: { data: Z, shape: [P, rows, cols] },
          W1: { data: rec.W1, shape: [rec.H, q, q] },
          W2: { data: rec.W2, shape: [rec.H, d, c] },
          gate: { data: Float64Array.from(rec.gate), shape: [rec.H] },
          sigma: { data: rec.sigma, shape: [rec.H] },
          U: { data: U, shape: [P, q, q] },
          gate_seed: { data: new Float64Array([seed]), shape: [] },
        }),
        nonconvexModel: {
          positional: f.tokenMap,
          attention: `${f.modelText}, head j on gate j mod ${P}, outputs ${output === 'tokens' ? 'per token' : 'averaged over the tokens'}`,
          penalty: 'sum_j ||W1j||_F^2 + ||W2j||_F^2',
          headsFor: (rec) => headsInTurn(rec.gate, P),
          make: (heads, beta, modelSeed) => f.model({ s, d, c }, { U, P, gateOf: Int32Array.from({ length: heads }, (_, j) => j % P) }, output, beta, modelSeed),
        },
      };
    },
  };
  return program;
}

export const gatedMhsa = gatedProgram({
  name: 'gated-mhsa',
  summary: 'gated-ReLU multi-head self-attention, outputs averaged over the tokens or per token (a nuclear norm per gate)',
  equation: 'Sahiner et al. eq. (6) with fixed ReLU gates on the attention scores',
  nonconvex: 'sum_i L( [mean_tokens] sum_j (D_g(j)(X_i) o X_i W1j X_i^T) X_i W2j, y_i ) + beta/2 sum_j (||W1j||_F^2 + ||W2j||_F^2), D_g(X)[a, b] = 1{X[a, :] U_g X[b, :]^T >= 0}',
  convex: 'min_Z sum_i L( [mean_tokens] pred_i, y_i ) + beta sum_g ||Z_g||_*, pred_i[a, :] = sum_g sum_{k,l} G_ig^(a)[k, l] X_i[a, :] Z_g^(k,l), G_ig^(a) = sum_b D_g(X_i)[a, b] X_i[b, :]^T X_i[b, :], Z (P, d^2, dc)',
  q: (_s, d) => d,
  rows: (_s, d) => d * d,
  gates: scoreGates,
  operator: (X, N, s, d, c, D, P, output) => new GatedMhsaOperator(X, N, s, d, c, D, P, output),
  model: gatedMhsaModel,
  w1Layout: transposeSquare,
  tokenMap: false,
  maxGflop: GATED_MHSA_MAX_GFLOP,
  flopsPerHead: (s, d, c) => 2 * s * (d * d + s * d + s * c + d * c), // X W1j, its scores against X, the gated scores times X W2j (and X W2j)
  modelText: 'gated-ReLU self-attention per head, (D_g(X) o X W1j X^T) X W2j',
});

export const gatedMixer = gatedProgram({
  name: 'gated-mixer',
  summary: 'gated-ReLU MLP-Mixer (token mixing, ReLU gate, channel mixing), outputs per token or averaged (a nuclear norm per gate)',
  equation: 'Sahiner et al., MLP-Mixer (eq. (6) with token mixing in place of G_i) with fixed ReLU gates after the token mixing',
  nonconvex: 'sum_i L( [mean_tokens] sum_j (D_g(j)(X_i) o W1j X_i) W2j, y_i ) + beta/2 sum_j (||W1j||_F^2 + ||W2j||_F^2), D_g(X) = 1{U_g X >= 0}, W1j (s, s), W2j (d, c)',
  convex: 'min_Z sum_i L( [mean_tokens] pred_i, y_i ) + beta sum_g ||Z_g||_*, pred_i[a, m] = sum_g sum_{b,t} D_g(X_i)[a, t] X_i[b, t] Z_g[a s + b, t c + m], Z (P, s^2, dc)',
  q: (s) => s,
  rows: (s) => s * s,
  gates: mixerGates,
  flopsPerHead: (s, d, c) => 2 * s * (s * d + d * c), // W1j X, gated, times W2j
  operator: (X, N, s, d, c, D, P, output) => new GatedMixerOperator(X, N, s, d, c, D, P, output),
  model: gatedMixerModel,
  tokenMap: true,
  modelText: 'token mixing W1j X, gated by D_g(X), then channel mixing W2j per branch',
});
