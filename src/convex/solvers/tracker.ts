// Keeps the best primal point and the best lower bound seen so far; their difference is the
// certificate. Any dual-feasible point gives a valid bound, so the best one is kept.
import type { Certificate, Progress, SolveOptions } from '../types';
import { relativeGap } from '../problem';

export class GapTracker {
  bestPrimal = Infinity;
  bestDual = -Infinity;
  bestW: Float64Array;
  bestPred: Float64Array;
  private readonly t0 = process.hrtime.bigint();
  private lastReport = -1;

  constructor(cols: number, rows: number, private readonly opts: SolveOptions) {
    this.bestW = new Float64Array(cols);
    this.bestPred = new Float64Array(rows);
  }

  seconds(): number {
    return Number(process.hrtime.bigint() - this.t0) / 1e9;
  }

  offerPrimal(value: number, w: Float64Array, pred: Float64Array): void {
    if (value < this.bestPrimal) {
      this.bestPrimal = value;
      this.bestW.set(w);
      this.bestPred.set(pred);
    }
  }

  offerDual(value: number): void {
    if (value > this.bestDual) this.bestDual = value;
  }

  relGap(): number {
    return relativeGap(this.bestPrimal, this.bestDual);
  }

  /** True when the solve should stop: gap reached, target reached, or out of time. */
  done(tol: number): boolean {
    if (this.relGap() <= tol) return true;
    if (this.opts.targetPrimal !== undefined && this.bestPrimal <= this.opts.targetPrimal) return true;
    if (this.opts.timeLimit !== undefined && this.seconds() >= this.opts.timeLimit) return true;
    return false;
  }

  report(iteration: number, force = false): void {
    const every = this.opts.progressEvery ?? 50;
    if (!this.opts.onProgress || (!force && iteration - this.lastReport < every)) return;
    this.lastReport = iteration;
    const p: Progress = {
      iteration, seconds: this.seconds(), primal: this.bestPrimal, dual: this.bestDual, relGap: this.relGap(),
    };
    this.opts.onProgress(p);
  }

  certificate(iterations: number): Certificate {
    return {
      primal: this.bestPrimal,
      dual: this.bestDual,
      gap: this.bestPrimal - this.bestDual,
      relGap: this.relGap(),
      iterations,
      seconds: this.seconds(),
    };
  }
}
