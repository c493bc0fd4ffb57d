// Ergen et al. eq. (10) (Theorem 2; Theorem 1 is c = 1): simplex attention as a group lasso over
// token rows. Z is (c, n, d); each nonzero row Z[l, k, :] is one head of the non-convex model
// (Proposition 1).
import type { Program } from './program';
import { assemble } from './assemble';
import { AttentionOperator } from '../operators/attention';
import { headsToZ, recoverHeads, type RecoveredWeights } from '../recovery/heads';
import { readHeads } from '../recovery/read-heads';
import { nonconvexObjective } from '../recovery/nonconvex-objective';
import { checkSolveFits } from '../memory-estimate';
import { headWeights } from './head-weights';
import { simplexModel } from '../../nn/models/simplex-model';
import { attentionMap } from '../../attention/attention-map';

export const attention: Program<never, RecoveredWeights> = {
  name: 'attention',
  summary: 'simplex attention, one layer, any number of heads',
  equation: 'Ergen et al. eq. (10), Theorem 2',
  nonconvex: 'sum_i L( sum_j (w1j^T X_i w2j) w3j, y_i ) + beta/2 sum_j (||w2j||_2^2 + ||w3j||_1^2), ' +
    'w1j on the simplex (eq. 9)',
  convex: 'min_Z sum_i L( sum_k Z[:, k, :] . X_i[k, :], y_i ) + beta sum_{l,k} ||Z[l, k, :]||_2, Z (c, n, d)',
  options: [],
  nonconvexName: 'simplex',
  build(data, options) {
    const { train, trainTargets } = data;
    const { N, n, d } = train;
    const c = trainTargets.c;
    checkSolveFits(N, n, d, c, 1);
    const assembled = assemble(train, trainTargets, options.loss, options.float32 ?? false, (X, o) => new AttentionOperator(X, N, n, d, c, o));
    const zShape = [c, n, d];
    return {
      program: attention,
      ...assembled,
      zShape,
      totalGroups: c * n, // one per token row of Z
      h: null,
      predict(Z, t) {
        const pred = new Float64Array(t.N * c);
        new AttentionOperator(t.X, t.N, t.n, t.d, c).apply(Z, pred);
        return pred;
      },
      recover: (Z) => recoverHeads(Z, [1, c, n, d]),
      readRecovered: (arrays) => readHeads(arrays, [1, c, n, d]),
      embed: (rec) => headsToZ(rec, 1),
      nonconvexObjective: (X, NX, rec, beta) => nonconvexObjective(X, NX, rec, assembled.problem.datafit, beta),
      weights: (Z, rec) => headWeights(Z, rec, zShape),
      nonconvexModel: {
        positional: true,
        attention: 'one fixed weight per position and head, a_j = softmax(theta_j), eq. (9)',
        penalty: 'sum_j ||w2_j||^2 + ||w3_j||_1^2',
        headsFor: (rec) => rec.H,
        make: (heads, beta, seed) => simplexModel({ n, d, c }, heads, beta, seed),
        convexMap: (rec) => attentionMap(rec.W1, rec.H, n, rec.heads.map((h) => h.norm)),
      },
    };
  },
};
