// Adam on a non-convex model against a certified optimum: full batch, learning rates 0.01 then
// 0.001 (or those given), each for at most `limit` seconds, until the objective is within 1e-3 of pStar (the
// steps and seconds reported are those at that point; training stops soon after). The
// benches of the Sahiner and matrix-target programs (mhsa.ts, mixer.ts, matrix-attention.ts) share it.
import type { Batch, Model } from '../src/nn/models/model';
import { trainModel } from '../src/experiments/train';

/**
 * The race's flags: --adam-limit K (Adam's time per learning rate, in multiples of the faster
 * certified solve; default 5) and --adam-rates a,b (default 0.01,0.001).
 */
export function adamFlags(argv: readonly string[]): { limit: number; rates: number[] } {
  const value = (flag: string) => (argv.includes(flag) ? argv[argv.indexOf(flag) + 1] ?? '' : undefined);
  const limit = Number(value('--adam-limit') ?? 5), rates = (value('--adam-rates') ?? '0.01,0.001').split(',').map(Number);
  if (!(limit > 0) || rates.some((r) => !(r > 0))) throw new Error('--adam-limit: a positive number (Adam\'s time per learning rate, in multiples of the faster certified solve); --adam-rates: positive numbers separated by commas');
  return { limit, rates };
}

/** The table's two cells: Adam's time to 1e-3 (or how far each rate got) and its ratio to `solverSeconds`. */
export function raceAdam(makeModel: () => Model, batch: Batch, pStar: number, limit: number, solverSeconds: number, limitFactor: number, rates: readonly number[] = [0.01, 0.001]): { adam: string; ratio: string } {
  const bests: string[] = [];
  for (const lr of rates) {
    const model = makeModel();
    let reachedAt = -1, steps = 0, best = Infinity;
    trainModel(model, { N: batch.B, all: batch, gather: () => batch }, {
      lr, timeBudget: limit, evalEvery: 10,
      onLog: (p) => {
        best = Math.min(best, p.objective);
        if (reachedAt >= 0) return;
        steps = p.iteration;
        if (p.objective <= pStar * (1 + 1e-3)) reachedAt = p.seconds;
      },
      // once within 1e-3 the race is over: stop at the next evaluated point (its time is already taken)
      earlyStop: { accuracy: () => (reachedAt >= 0 ? 1 : 0), target: 1 },
    });
    if (reachedAt >= 0) return { adam: `${reachedAt.toFixed(2)} (lr ${lr}, ${steps})`, ratio: `${(reachedAt / solverSeconds).toFixed(1)}x` };
    bests.push(`${((best - pStar) / pStar).toExponential(1)} at lr ${lr}`);
  }
  return { adam: `not reached in ${limit.toFixed(0)} s (best relative suboptimality ${bests.join(', ')})`, ratio: `> ${limitFactor}x` };
}
