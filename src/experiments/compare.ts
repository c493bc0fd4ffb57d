// `compare`: the same data, three models. (a) standard softmax attention, eq. (2)-(3), and
// (b) non-convex simplex attention, eq. (9), trained with Adam at a learning rate chosen on a
// validation split; (c) the convex program, eq. (10), solved to its certificate. Records
// objective and test loss against wall-clock time and iterations, and where each model attends.
import type { Dataset } from '../data/dataset';
import type { Tokens, Targets } from '../convex/problems';
import { buildProblem, makeDatafit, predictConvex, withBeta } from '../convex/problems';
import { fista } from '../convex/solvers/fista';
import { recoverHeads } from '../convex/recovery/heads';
import { softmaxModel } from '../nn/models/softmax-model';
import { simplexModel } from '../nn/models/simplex-model';
import type { Model, ModelData } from '../nn/models/model';
import { trainModel } from './train';
import { chooseBeta } from './fit';
import { InputError } from '../data/errors';

export interface CompareConfig {
  heads: number;
  beta?: number;
  betaFrac?: number;
  timeBudget: number;
  seed: number;
  lrGrid: number[];
  valFraction: number;
  tol: number;
}

export interface MetricPoint {
  model: 'softmax' | 'simplex' | 'convex';
  iteration: number;
  seconds: number;
  objective: number;
  testLoss: number;
  relGap?: number;
}

export interface CompareResult {
  beta: number;
  betaMax: number;
  chosenLr: Record<string, number>;
  lrSearch: Record<string, { lr: number; valLoss: number }[]>;
  final: Record<string, { objective: number; testLoss: number; seconds: number; iterations: number }>;
  certificate: { objective: number; lowerBound: number; relGap: number; heads: number };
  maps: Record<string, number[]>;
}

function rows(t: Tokens, targets: Targets, from: number, to: number): { tokens: Tokens; targets: Targets } {
  const { n, d } = t;
  const c = targets.c;
  return {
    tokens: { X: t.X.subarray(from * n * d, to * n * d), N: to - from, n, d },
    targets: { c, Y: targets.Y?.subarray(from * c, to * c), y: targets.y?.subarray(from, to) },
  };
}

/** Mean loss per sample of predictions on a split. */
function meanLoss(pred: Float64Array, tokens: Tokens, targets: Targets): number {
  return makeDatafit(targets.Y ? 'squared' : 'ce', targets, tokens.N).value(pred) / tokens.N;
}

export function runCompare(data: Dataset, cfg: CompareConfig, teacherMap: Float64Array | null, log: (p: MetricPoint) => void): CompareResult {
  if (!data.test || !data.testTargets) throw new InputError('X_test', 'compare needs a test split (X_test with Y_test or y_test)');
  const loss = data.trainTargets.Y ? 'squared' : 'ce';
  const { train, trainTargets, test, testTargets } = data;
  const c = trainTargets.c;
  const mdata = (t: Tokens, g: Targets): ModelData => ({ ...t, c, datafit: makeDatafit(loss, g, t.N) });

  // (c) convex, first: it also fixes beta for everyone
  const base = buildProblem(train, trainTargets, { model: 'attention', loss });
  const beta = chooseBeta(base, cfg);
  const ap = withBeta(base, beta);
  const sol = fista(ap.problem, {
    tol: cfg.tol, maxIter: 100000, timeLimit: cfg.timeBudget,
    onProgress: (p) => {
      const testLoss = meanLoss(predictConvex(ap, p.w!, test, c), test, testTargets);
      log({ model: 'convex', iteration: p.iteration, seconds: p.seconds, objective: p.primal, relGap: p.relGap, testLoss });
    },
  });
  const convexTest = meanLoss(predictConvex(ap, sol.w, test, c), test, testTargets);
  const rec = recoverHeads('attention', sol.w, ap.zShape);
  const convexMap = new Float64Array(train.n);
  let total = 0;
  for (const h of rec.heads) { convexMap[h.token] += h.norm; total += h.norm; }
  if (total > 0) for (let k = 0; k < convexMap.length; k++) convexMap[k] /= total;

  // (a), (b): learning rate on a validation split, then the full budget on all training data
  const nVal = Math.max(1, Math.floor(train.N * cfg.valFraction));
  const fitPart = rows(train, trainTargets, 0, train.N - nVal);
  const valPart = rows(train, trainTargets, train.N - nVal, train.N);
  const makers: Record<'softmax' | 'simplex', (m: ModelData) => Model> = {
    softmax: (m) => softmaxModel(m, cfg.heads, beta, cfg.seed),
    simplex: (m) => simplexModel(m, cfg.heads, beta, cfg.seed),
  };
  const result: CompareResult = {
    beta, betaMax: base.betaMax, chosenLr: {}, lrSearch: {}, final: {},
    certificate: { objective: sol.certificate.primal, lowerBound: sol.certificate.dual, relGap: sol.certificate.relGap, heads: rec.H },
    maps: { convex: Array.from(convexMap) },
  };
  result.final.convex = { objective: sol.certificate.primal, testLoss: convexTest, seconds: sol.certificate.seconds, iterations: sol.certificate.iterations };
  for (const name of ['softmax', 'simplex'] as const) {
    const search = cfg.lrGrid.map((lr) => {
      const m = makers[name](mdata(fitPart.tokens, fitPart.targets));
      trainModel(m, { lr, timeBudget: cfg.timeBudget / (2 * cfg.lrGrid.length) });
      const v = meanLoss(m.predict(valPart.tokens.X, valPart.tokens.N), valPart.tokens, valPart.targets);
      return { lr, valLoss: Number.isFinite(v) ? v : Infinity };
    });
    const best = search.reduce((a, b) => (b.valLoss < a.valLoss ? b : a));
    result.lrSearch[name] = search;
    result.chosenLr[name] = best.lr;
    const model = makers[name](mdata(train, trainTargets));
    const last = trainModel(model, {
      lr: best.lr, timeBudget: cfg.timeBudget,
      onLog: (p) => log({ model: name, ...p, testLoss: meanLoss(model.predict(test.X, test.N), test, testTargets) }),
    });
    const objective = model.objective(null);
    result.final[name] = { objective, testLoss: meanLoss(model.predict(test.X, test.N), test, testTargets), seconds: last.seconds, iterations: last.iteration };
    result.maps[name] = Array.from(model.attentionMap());
  }
  if (teacherMap) result.maps.teacher = Array.from(teacherMap);
  return result;
}
