// The FNO programs (docs/sahiner-fno.md): token mixing by circular convolution along the tokens
// (an FNO layer's spectral filter) then channel mixing, one output row per token. `fno`: heads
// with any filter, the nuclear norm of Z (s x dc); `bfno` (block FNO): each head's filter in one of
// B frequency bands, the sum of the bands' nuclear norms. Both solved in the Fourier domain
// (operators/fno.ts); weights.npz holds each head's filter w, its spectrum (w_hat_re, w_hat_im:
// the real DFT's bins 0..floor(s/2), the spectral weights), its circulant token mixing W1 and W2.
import { tokenAttentionMap, type Program, type ProgramOption } from './program';
import { makeDatafit } from './assemble';
import { FnoOperator } from '../operators/fno';
import { NuclearNorm } from '../penalties/nuclear';
import { BandNuclearNorm } from '../penalties/band-nuclear';
import { betaMax } from '../duality';
import { checkScale } from '../scale-check';
import { circulants, fnoHeadsToZ, fnoNonconvexObjective, recoverFnoHeads, type FnoWeights } from '../recovery/fno-heads';
import { factorNorms } from '../recovery/svd-heads';
import { groupIndices, headArray, headsInTurn } from '../recovery/head-arrays';
import { fnoModel } from '../../nn/models/fno-model';
import { bandOfBins, bandProjections } from '../../core/frequency-bands';
import { blas } from '../../core/blas';
import { float64Tokens } from '../../data/tokens';
import { InputError } from '../../data/errors';
import type { NdArray } from '../../data/ndarray';

/** Z (s x dc) as the linear mixer's: every iteration takes its SVD (one per band). */
export const FNO_MAX_ENTRIES = 2 ** 21;
export const DEFAULT_BANDS = 4;

const BANDS_OPTION: ProgramOption = {
  field: 'bands', flag: '--bands <B>', min: 1,
  description: `frequency bands of the filters, contiguous runs of the real DFT's bins 0..floor(s/2) (default: ${DEFAULT_BANDS}, or floor(s/2) + 1 when fewer)`,
};

function identity(s: number): Float64Array {
  const I = new Float64Array(s * s);
  for (let a = 0; a < s; a++) I[a * s + a] = 1;
  return I;
}

function fnoProgram(name: 'fno' | 'bfno'): Program<'bands', FnoWeights> {
  const blocks = name === 'bfno';
  const program: Program<'bands', FnoWeights> = {
    name,
    summary: blocks
      ? 'block FNO: FNO with each head\'s filter in one frequency band: the same functions, a nuclear norm per band (>= FNO\'s)'
      : 'FNO layer: per-token outputs of heads convolving the tokens circularly (a spectral filter) then mixing the channels (nuclear norm)',
    equation: `Sahiner et al., ${blocks ? 'block FNO' : 'FNO'} (eq. (6) with ${blocks ? 'band-limited circulant' : 'circulant'} token mixing)`,
    nonconvex: `sum_i L( sum_j C(w_j) X_i W2j, Y_i ) + beta/2 sum_j (||w_j||^2 + ||W2j||_F^2), C(w)[a, b] = w[(a - b) mod s]${blocks ? ', w_j in band(j)' : ''}, W2j (d, c)`,
    convex: `min_Z sum_i L( pred_i, Y_i ) + beta ${blocks ? 'sum_b ||Pi_b Z||_*' : '||Z||_*'}, pred_i[a, m] = sum_{b,t} X_i[b, t] Z[(a - b) mod s, t c + m], Z (s, dc)`,
    options: blocks ? [BANDS_OPTION] : [],
    perTokenTargets: 'required',
    nonconvexName: name,
    optionsFromWeights: (arrays): Record<string, number> => (blocks && arrays.bands?.values.length === 1 ? { bands: arrays.bands.values[0] } : {}),
    build(data, options) {
      const { trainTargets } = data, train = float64Tokens(data.train), { N, n: s, d } = train, c = trainTargets.c;
      if (s * d * c > FNO_MAX_ENTRIES) throw new InputError('X', `has s = ${s}, d = ${d}, c = ${c}: ${name}'s Z is s x dc = ${s} x ${d * c}, above ${FNO_MAX_ENTRIES} entries`);
      if (options.float32) throw new InputError('float32', `${name} runs in float64 only (its cost is FFTs and the SVD of Z)`);
      const K = Math.floor(s / 2) + 1, B = blocks ? options.bands ?? Math.min(DEFAULT_BANDS, K) : 1;
      if (B > K) throw new InputError('bands', `is ${B}; s = ${s} tokens have ${K} frequencies (real DFT bins 0..floor(s/2))`);
      const projections = blocks ? bandProjections(s, B) : [identity(s)];
      const operator = new FnoOperator(train.X, N, s, d, c);
      const datafit = makeDatafit(options.loss, trainTargets, N);
      const penalty = blocks ? new BandNuclearNorm(projections, s, d * c) : new NuclearNorm(s, d * c);
      const bmax = betaMax(operator, datafit, penalty);
      checkScale(train.X, operator, datafit, bmax, trainTargets.Y);
      // a band of bins has rank 2 per bin (1 for bin 0 and, s even, bin s/2): its singular directions
      const bandOf = bandOfBins(s, B), rank = Array.from({ length: B }, (_, b) => bandOf.reduce((acc, x, k) => acc + (x === b ? (k === 0 || 2 * k === s ? 1 : 2) : 0), 0));
      return {
        program,
        problem: { operator, datafit, penalty, beta: bmax },
        betaMax: bmax,
        zShape: [s, d * c],
        totalGroups: rank.reduce((acc, r) => acc + Math.min(r, d * c), 0),
        h: null,
        predict(Z, t) {
          const pred = new Float64Array(t.N * s * c);
          new FnoOperator(float64Tokens(t).X, t.N, s, d, c).apply(Z, pred);
          return pred;
        },
        recover: (Z) => recoverFnoHeads(Z, s, d, c, blocks ? projections : null),
        readRecovered: (arrays) => readFnoHeads(arrays, s, d, c, projections, blocks),
        embed: (rec) => fnoHeadsToZ(rec),
        tokenAttention: (rec) => tokenAttentionMap(circulants(rec), Array.from(rec.sigma), s),
        nonconvexObjective: (X, NX, rec, beta) => fnoNonconvexObjective(float64Tokens({ X, N: NX, n: s, d }).X, NX, rec, projections, datafit, beta),
        weights: (Z, rec) => {
          // the spectral weights: each filter's real DFT, bins 0..floor(s/2) (numpy.fft.rfft's)
          const wr = new Float64Array(rec.H * K), wi = new Float64Array(rec.H * K);
          for (let j = 0; j < rec.H; j++) for (let k = 0; k < K; k++) for (let a = 0; a < s; a++) {
            const angle = (2 * Math.PI * ((k * a) % s)) / s, v = rec.w[j * s + a];
            wr[j * K + k] += v * Math.cos(angle);
            wi[j * K + k] -= v * Math.sin(angle);
          }
          return {
            Z: { data: Z, shape: [s, d * c] },
            w: { data: rec.w, shape: [rec.H, s] },
            // each head's token mixing C(w_j) (the linear mixer's W1 layout; `check` reads w)
            W1: { data: circulants(rec), shape: [rec.H, s, s] },
            W2: { data: rec.W2, shape: [rec.H, d, c] },
            w_hat_re: { data: wr, shape: [rec.H, K] },
            w_hat_im: { data: wi, shape: [rec.H, K] },
            sigma: { data: rec.sigma, shape: [rec.H] },
            ...(blocks ? { band: { data: Float64Array.from(rec.band), shape: [rec.H] }, bands: { data: new Float64Array([B]), shape: [] } } : {}),
          };
        },
        nonconvexModel: {
          positional: true,
          attention: `a circular filter along the tokens then channel mixing W2j per head${blocks ? `, head j's filter in band j mod ${B}` : ''}`,
          penalty: 'sum_j ||w_j||^2 + ||W2j||_F^2',
          headsFor: (rec) => headsInTurn(rec.band, B),
          make: (heads, beta, seed) => fnoModel({ s, d, c }, { projections, bandOf: Int32Array.from({ length: heads }, (_, j) => j % B) }, beta, seed),
        },
      };
    },
  };
  return program;
}

/** w (H, s), W2 (H, d, c) and (block FNO) band (H,) as `weights` writes them; each filter is taken in its band (projected, as the model does). */
function readFnoHeads(arrays: Record<string, NdArray>, s: number, d: number, c: number, projections: readonly Float64Array[], blocks: boolean): FnoWeights {
  const w = headArray(arrays, 'w', [s]), W2 = headArray(arrays, 'W2', [d, c]), H = w.H;
  if (W2.H !== H) throw new InputError('W2', `holds ${W2.H} heads; w holds ${H}`);
  const band = new Int32Array(H);
  if (blocks) {
    const b = headArray(arrays, 'band', []);
    if (b.H !== H) throw new InputError('band', `holds ${b.H} band indices; w holds ${H} heads`);
    band.set(groupIndices(b.values, projections.length, 'band', 'band'));
  }
  const inBand = new Float64Array(H * s);
  for (let j = 0; j < H; j++) blas.gemm(false, false, s, 1, s, 1, projections[band[j]], s, w.values.subarray(j * s, (j + 1) * s), 1, 0, inBand.subarray(j * s, (j + 1) * s), 1);
  const sigma = factorNorms(inBand, W2.values, H);
  return { H, s, d, c, w: inBand, W2: W2.values, band, sigma, heads: Array.from(sigma, (norm, j) => (blocks ? { norm, band: band[j] } : { norm })) };
}

export const fno = fnoProgram('fno');
export const bfno = fnoProgram('bfno');
