// Keeps the best primal point and the best lower bound seen so far; their difference is the
// certificate. Any dual-feasible point gives a valid bound, so the best one is kept.
import type { Certificate, Progress, SolveOptions, SolveResult } from '../types';
import type { TimedOperator } from './timed-operator';
import { geometricSteps } from '../../core/log-steps';
import { relativeGap } from '../duality';
import { NumericError } from '../numeric-error';

export class GapTracker {
  bestPrimal = Infinity;
  bestDual = -Infinity;
  bestW: Float64Array;
  bestPred: Float64Array;
  bestTheta: Float64Array;
  /** the share of groups screened so far, for progress (solvers that screen set it) */
  screened?: number;
  private readonly t0 = process.hrtime.bigint();
  private lastReport = -1;
  private readonly geometric = geometricSteps();
  private stallRef = Infinity;
  private stalled = 0;

  constructor(cols: number, rows: number, private readonly opts: SolveOptions) {
    this.bestW = new Float64Array(cols);
    this.bestPred = new Float64Array(rows);
    this.bestTheta = new Float64Array(rows);
  }

  /** Time spent in onProgress callbacks (evaluating test loss, printing) is not solver time. */
  private callbackSeconds = 0;

  seconds(): number {
    return Number(process.hrtime.bigint() - this.t0) / 1e9 - this.callbackSeconds;
  }

  offerPrimal(value: number, w: Float64Array, pred: Float64Array): void {
    if (!Number.isFinite(value)) {
      throw new NumericError(`solver: the objective became ${value} (the predictions A w overflow float64); rescale X or Y, or lower \`lr\` for adam`);
    }
    if (value < this.bestPrimal) {
      this.bestPrimal = value;
      this.bestW.set(w);
      this.bestPred.set(pred);
    }
  }

  /** `negTheta` is -theta, the dual point of that value (as dualValue leaves it). */
  offerDual(value: number, negTheta: Float64Array): void {
    if (Number.isNaN(value) || value === Infinity) throw new NumericError(`solver: the dual bound became ${value} (the loss gradient overflows float64); rescale X or Y`);
    if (value > this.bestDual) {
      this.bestDual = value;
      for (let i = 0; i < negTheta.length; i++) this.bestTheta[i] = -negTheta[i];
    }
  }

  relGap(): number {
    return relativeGap(this.bestPrimal, this.bestDual);
  }

  timeUp(): boolean {
    return this.opts.timeLimit !== undefined && this.seconds() >= this.opts.timeLimit;
  }

  /** True when the solve should stop: gap reached, target reached, or out of time. */
  done(tol: number): boolean {
    const gap = this.relGap();
    if (gap <= tol) return true;
    if (this.opts.stallIterations !== undefined) {
      if (gap < 0.99 * this.stallRef) {
        this.stallRef = gap;
        this.stalled = 0;
      } else if (++this.stalled >= this.opts.stallIterations) return true;
    }
    if (this.opts.targetPrimal !== undefined && this.bestPrimal <= this.opts.targetPrimal) return true;
    if (this.timeUp()) return true;
    return false;
  }

  /** Reports every progressEvery iterations, or at geometric steps (log-x plots) by default. */
  report(iteration: number, force = false): void {
    if (!this.opts.onProgress || iteration === this.lastReport) return;
    const every = this.opts.progressEvery;
    const due = every === undefined ? this.geometric(iteration) : iteration - this.lastReport >= every;
    if (!force && !due) return;
    this.lastReport = iteration;
    const p: Progress = {
      iteration, seconds: this.seconds(), primal: this.bestPrimal, dual: this.bestDual, relGap: this.relGap(), w: this.bestW,
      ...(this.screened === undefined ? {} : { screened: this.screened }),
    };
    const t = process.hrtime.bigint();
    this.opts.onProgress(p);
    this.callbackSeconds += Number(process.hrtime.bigint() - t) / 1e9;
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

  /** The final report and the result: the best point, its prediction and the certificate. */
  finish(iterations: number, tol: number, op: TimedOperator): SolveResult {
    this.report(iterations, true);
    return {
      w: this.bestW,
      pred: this.bestPred,
      certificate: this.certificate(iterations),
      dualPoint: this.bestTheta,
      converged: this.relGap() <= tol,
      operatorApplications: op.applications,
      operatorSeconds: op.seconds,
    };
  }
}

/**
 * FISTA's momentum with function-value restart (O'Donoghue & Candes 2015), shared by fista.ts and
 * fista-gram.ts: after each step, `next(primal)` gives the extrapolation weight for the next one,
 * 0 (a restart: drop the momentum, keep the point) when the objective rose.
 */
export class Momentum {
  private t = 1;
  private prev: number;
  constructor(primal: number) {
    this.prev = primal;
  }

  next(primal: number): number {
    let mom = 0;
    if (primal > this.prev) {
      this.t = 1;
    } else {
      const tNext = (1 + Math.sqrt(1 + 4 * this.t * this.t)) / 2;
      mom = (this.t - 1) / tNext;
      this.t = tNext;
    }
    this.prev = primal;
    return mom;
  }
}
