// Ergen et al. eq. (12) (Theorem 3): simplex attention followed by a gated-ReLU FCN. The gates
// D[i, j] = 1{U1_j^T X_i U2_j >= 0} are fixed by U1 (h, n), U2 (h, d), from the data file or
// drawn from N(0, 1) with the seed; Z is (h, c, n, d), one (c, n, d) block per gate, and each
// nonzero token row is one head that fires where its gate does.
import type { Gating } from '../types';
import type { Program } from './program';
import { assemble } from './assemble';
import { GatedOperator } from '../operators/gated';
import { computeGates } from '../operators/gates';
import { headsToZ, recoverHeads, type RecoveredWeights } from '../recovery/heads';
import { readHeads } from '../recovery/read-heads';
import { nonconvexObjective } from '../recovery/nonconvex-objective';
import { checkSolveFits } from '../memory-estimate';
import { headWeights } from './head-weights';
import { Rng } from '../../core/rng';
import { DEFAULT_GATES, GATES_OPTION, SEED_OPTION } from './shared-options';
import { InputError } from '../../data/errors';

export { DEFAULT_GATES };

export function drawGating(h: number, n: number, d: number, seed: number): Gating {
  const rng = new Rng(seed);
  return { h, U1: rng.normals(h * n), U2: rng.normals(h * d) };
}

export const gated: Program<'gates' | 'seed', RecoveredWeights> = {
  name: 'gated',
  summary: 'simplex attention followed by a gated-ReLU FCN',
  equation: 'Ergen et al. eq. (12), Theorem 3',
  nonconvex: 'sum_i L( sum_j 1{U1_g(j)^T X_i U2_g(j) >= 0} (w1j^T X_i w2j) w3j, y_i ) + ' +
    'beta/2 sum_j (||w2j||_2^2 + ||w3j||_1^2), w1j on the simplex, fixed gates U1, U2 (eq. 29)',
  convex: 'min_Z sum_i L( sum_g D[i, g] sum_k Z[g, :, k, :] . X_i[k, :], y_i ) + beta sum_{g,l,k} ||Z[g, l, k, :]||_2, Z (h, c, n, d)',
  options: [GATES_OPTION, SEED_OPTION],
  build(data, options) {
    const { train, trainTargets } = data;
    const { N, n, d } = train;
    const c = trainTargets.c;
    if (data.gating && options.gates !== undefined && options.gates !== data.gating.h) {
      throw new InputError('gates', `is ${options.gates} but the U1/U2 given (in the data file, or with check's weights) hold ${data.gating.h} gates`);
    }
    checkSolveFits(N, n, d, c, data.gating?.h ?? options.gates ?? DEFAULT_GATES);
    const g = data.gating ?? drawGating(options.gates ?? DEFAULT_GATES, n, d, options.seed ?? 0);
    const D = computeGates(train.X, N, n, d, g.U1, g.U2, g.h);
    const assembled = assemble(train, trainTargets, options.loss, options.float32 ?? false, (X, o) => new GatedOperator(X, N, n, d, c, D, g.h, o));
    const zShape = [g.h, c, n, d];
    return {
      program: gated,
      ...assembled,
      zShape,
      totalGroups: g.h * c * n, // one per token row of Z
      h: g.h,
      predict(Z, t) {
        const pred = new Float64Array(t.N * c);
        const Dt = computeGates(t.X, t.N, t.n, t.d, g.U1, g.U2, g.h);
        new GatedOperator(t.X, t.N, t.n, t.d, c, Dt, g.h).apply(Z, pred);
        return pred;
      },
      recover: (Z) => recoverHeads(Z, [g.h, c, n, d]),
      readRecovered: (arrays) => readHeads(arrays, [g.h, c, n, d]),
      embed: (rec) => headsToZ(rec, g.h),
      nonconvexObjective: (X, NX, rec, beta) => nonconvexObjective(X, NX, rec, assembled.problem.datafit, beta, g),
      weights: (Z, rec) => ({
        ...headWeights(Z, rec, zShape),
        gate: { data: rec.gate, shape: [rec.H] },
        U1: { data: g.U1, shape: [g.h, n] },
        U2: { data: g.U2, shape: [g.h, d] },
      }),
    };
  },
};
