// compare's learning-rate search for one non-convex model: each rate trains a fresh model on the
// fit part of the training data and is scored on the validation part. With --steps every rate
// gets the same steps. With a time budget, the first step (of the grid's middle rate) measures
// what a step costs; when the search's seconds cannot give every rate FEW_STEPS steps, the grid
// shrinks to its middle rates, down to the middle one alone (no search), and a warning says so.
import type { Model } from '../nn/models/model';
import type { DataSource } from './batches';
import { trainModel } from './train';

/** Adam steps a rate needs before its validation loss says anything (and a model, to be called trained). */
export const FEW_STEPS = 3;

/** The samples a search holds out of N to score the rates on: a share, at least one (the last ones). */
export const validationSize = (N: number, share: number): number => Math.max(1, Math.floor(N * share));

export interface LrTrial {
  lr: number;
  /** Adam steps it was trained for */
  steps: number;
  valLoss: number;
}

export interface SearchPlan {
  grid: number[];
  /** --steps: steps per rate; otherwise `seconds` for the whole search */
  steps?: number;
  seconds?: number;
  /** the clock `seconds` is counted on */
  now: () => number;
  /** minibatches of this many samples, in an order seeded by `seed`; default: the full batch, as compare trains */
  batchSize?: number;
  seed?: number;
}

export interface SearchOutcome {
  /** the rates tried, in grid order */
  trials: LrTrial[];
  chosen: number;
  /** seconds of the first step (time budget only; undefined if no step fit) */
  stepSeconds?: number;
  warning?: string;
}

/** The k middle rates of a grid (of an even grid and k = 1, the upper middle one); each k's set holds the one before. */
export function middleRates(grid: number[], k: number): number[] {
  const from = Math.ceil((grid.length - k) / 2);
  return grid.slice(from, from + k);
}

/** Trains fresh() models on `data` (full batch, or plan.batchSize), one per rate, and scores each with validate(). */
export function searchLr(name: string, plan: SearchPlan, fresh: () => Model, data: DataSource, validate: (m: Model) => number): SearchOutcome {
  const { grid } = plan;
  // a search reads validation losses only: no full-data objective along the way
  const batching = { batchSize: plan.batchSize, seed: plan.seed, evaluateAll: false };
  const score = (m: Model) => { const v = validate(m); return Number.isFinite(v) ? v : Infinity; };
  const trials: LrTrial[] = [];
  let stepSeconds: number | undefined;
  let warning: string | undefined;
  if (plan.steps !== undefined) {
    for (const lr of grid) {
      const m = fresh();
      const last = trainModel(m, data, { ...batching, lr, timeBudget: Infinity, maxSteps: plan.steps, evaluateEnd: false });
      trials.push({ lr, steps: last.iteration, valLoss: score(m) });
    }
  } else if (grid.length === 1) {
    return { trials: [], chosen: grid[0] }; // nothing to choose: its time goes to training
  } else {
    const seconds = plan.seconds ?? 0;
    const end = plan.now() + seconds;
    const fmt = (x: number) => x.toPrecision(2);
    let kept = grid;
    const untried = () => kept.find((r) => !trials.some((t) => t.lr === r));
    for (let lr: number | undefined = middleRates(grid, 1)[0]; lr !== undefined; lr = untried()) {
      const m = fresh();
      const start = plan.now();
      const measuring = trials.length === 0;
      const last = trainModel(m, data, {
        ...batching, lr, timeBudget: (end - start) / (kept.length - trials.length), stepSeconds, evaluateEnd: false,
        afterFirstStep: measuring ? (s) => {
          stepSeconds = s;
          const fits = Math.floor((end - start) / (FEW_STEPS * s));
          if (fits < grid.length) {
            kept = middleRates(grid, Math.max(1, fits));
            warning = `${name}: one Adam step took ${fmt(s)} s; the learning-rate search's ${fmt(seconds)} s cannot give ${grid.length} rates ${FEW_STEPS} steps each: ` +
              (kept.length === 1 ? `no search, trained at the grid's middle rate ${kept[0]}` : `searched only the middle rates ${kept.join(', ')}`);
          }
          return kept.length === 1 ? 0 : (end - start) / kept.length; // one rate left: nothing to compare it with
        } : undefined,
      });
      if (measuring && stepSeconds === undefined) {
        // not even one step fit: no time to measure, none to search
        kept = [lr];
        warning = `${name}: no time was left for the learning-rate search (${fmt(seconds)} s): trained at the grid's middle rate ${lr}`;
      }
      trials.push({ lr, steps: last.iteration, valLoss: kept.length === 1 ? NaN : score(m) });
    }
    trials.sort((a, b) => grid.indexOf(a.lr) - grid.indexOf(b.lr));
  }
  const chosen = trials.length === 1 ? trials[0].lr : trials.reduce((a, b) => (b.valLoss < a.valLoss ? b : a)).lr;
  return { trials, chosen, stepSeconds, warning };
}
