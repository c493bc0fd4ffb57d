// Fisher et al. eq. (9): the attention program of Ergen et al. eq. (10) on kernel-preconditioned
// tokens phi(X_i), phi the chi-feature map of core/chi-features.ts applied to every token.
// Z is (c, n, D): each nonzero token row is a head whose value vector lives in feature space;
// through the map it reads the input as w_input = phi^T z (weights.npz: W2_input). phi is linear,
// so the function class is that of eq. (10) and only the penalty changes (docs/kernel-features.md).
import { float64Tokens, type Tokens } from '../../data/tokens';
import { float64Only, type Program } from './program';
import { assemble } from './assemble';
import { SEED_OPTION } from './shared-options';
import { AttentionOperator } from '../operators/attention';
import { headsToZ, recoverHeads, type RecoveredWeights } from '../recovery/heads';
import { readHeads } from '../recovery/read-heads';
import { nonconvexObjective } from '../recovery/nonconvex-objective';
import { checkSolveFits } from '../memory-estimate';
import { headWeights } from './head-weights';
import { applyChiFeatures, applyChiFeaturesT, drawChiFeatures, nextPow2, type ChiFeatureMap } from '../../core/chi-features';

export const DEFAULT_CHI_DOF = 1;
/** One block with chi(1) entries is badly conditioned (cond(M^T M) 1e3-3e5 measured); four give 8-24 (docs/kernel-features.md). */
export const DEFAULT_BLOCKS = 4;

/** The tokens (N, n, d) mapped to (N, n, D). */
export function featureTokens(map: ChiFeatureMap, t: Tokens): Tokens {
  return { X: applyChiFeatures(map, float64Tokens(t).X, t.N * t.n), N: t.N, n: t.n, d: map.D };
}

export const kernel: Program<'features' | 'chiDof' | 'seed', RecoveredWeights> = {
  name: 'kernel',
  summary: 'simplex attention on chi-kernel features of the tokens (convex kernel preconditioning)',
  equation: 'Fisher et al. eq. (9)',
  nonconvex: 'sum_i L( sum_j (w1j^T phi(X_i) w2j) w3j, y_i ) + beta/2 sum_j (||w2j||_2^2 + ||w3j||_1^2), ' +
    'w1j on the simplex, w2j in R^D, phi(x) = S H G_chi Pi H B x / sqrt(d\') per token (d\' = d padded to a power of two)',
  convex: 'min_Z sum_i L( sum_k Z[:, k, :] . phi(X_i)[k, :], y_i ) + beta sum_{l,k} ||Z[l, k, :]||_2, Z (c, n, D)',
  options: [
    { field: 'features', flag: '--features <D>', description: `kernel features D per token (default: ${DEFAULT_BLOCKS} blocks of d rounded up to a power of two)`, min: 1 },
    { field: 'chiDof', flag: '--chi-dof <k>', description: `degrees of freedom of G_chi's entries (default: ${DEFAULT_CHI_DOF}, |N(0, 1)|)`, min: 1 },
    SEED_OPTION,
  ],
  optionsFromWeights(arrays) {
    const scalar = (key: string) => (key in arrays && arrays[key].values.length === 1 ? arrays[key].values[0] : undefined);
    const found = { features: scalar('phi_features'), chiDof: scalar('phi_chi_dof'), seed: scalar('phi_seed') };
    return Object.fromEntries(Object.entries(found).filter(([, v]) => v !== undefined)) as Record<string, number>;
  },
  build(data, options) {
    const { trainTargets } = data;
    const train = float64Only('kernel', data.train, 'its chi features of X');
    const { N, n, d } = train;
    const c = trainTargets.c;
    const D = options.features ?? DEFAULT_BLOCKS * nextPow2(d);
    checkSolveFits(N, n, D, c, 1);
    const map = drawChiFeatures(d, D, options.chiDof ?? DEFAULT_CHI_DOF, options.seed ?? 0);
    const features = featureTokens(map, train);
    const assembled = assemble(features, trainTargets, options.loss, options.float32 ?? false, (X, o) => new AttentionOperator(X, N, n, D, c, o));
    const zShape = [c, n, D];
    return {
      program: kernel,
      ...assembled,
      zShape,
      totalGroups: c * n, // one per token row of Z
      h: null,
      predict(Z, t) {
        const f = featureTokens(map, t);
        const pred = new Float64Array(t.N * c);
        new AttentionOperator(f.X, f.N, n, D, c).apply(Z, pred);
        return pred;
      },
      recover: (Z) => recoverHeads(Z, [1, c, n, D]),
      readRecovered: (arrays) => readHeads(arrays, [1, c, n, D]),
      embed: (rec) => headsToZ(rec, 1),
      // the heads read features: the input tokens go through the map first
      nonconvexObjective: (X, NX, rec, beta) => nonconvexObjective(X === train.X ? features.X : applyChiFeatures(map, float64Tokens({ X, N: NX, n, d }).X, NX * n), NX, rec, assembled.problem.datafit, beta),
      weights: (Z, rec) => ({
        ...headWeights(Z, rec, zShape),
        W2_input: { data: applyChiFeaturesT(map, rec.W2, rec.H), shape: [rec.H, d] },
        phi_B: { data: map.B, shape: [map.blocks, map.dPad] },
        phi_perm: { data: map.perm, shape: [map.blocks, map.dPad] },
        phi_G: { data: map.G, shape: [map.blocks, map.dPad] },
        phi_S: { data: map.S, shape: [map.blocks, map.dPad] },
        // what draws the map again (check reads them back)
        phi_features: { data: new Float64Array([map.D]), shape: [] },
        phi_chi_dof: { data: new Float64Array([map.dof]), shape: [] },
        phi_seed: { data: new Float64Array([map.seed]), shape: [] },
      }),
    };
  },
};
