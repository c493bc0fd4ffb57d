// sum_b ||Pi_b Z||_*: the nuclear norms of Z's parts in B frequency bands along its rows (Z is
// s x cols, its rows the token axis; Pi_b the band projections of core/frequency-bands.ts): block
// FNO's penalty, one band per block of heads (docs/sahiner-fno.md). The Pi_b are orthogonal
// projections summing to I, so ||Z - V||^2 = sum_b ||Pi_b (Z - V)||^2 and <U, Z> = sum_b <Pi_b U, Pi_b Z>:
// the prox thresholds each band's part on its own, the dual norm is the largest band's spectral
// norm, and the KKT conditions are each band's (a subgradient of ||Pi_b .||_* projected by Pi_b is
// still one, so checking Pi_b v against Pi_b w loses nothing). Pi_b w carries w's rounding outside
// the band (~eps ||w||): ranks are counted above that floor (partRankFloor), else an inactive
// band's noise would count as active directions that fail stationarity.
import type { Penalty, PenaltyOptimality } from '../types';
import { NuclearNorm, combineOptimality, partRankFloor } from './nuclear';
import { blas } from '../../core/blas';

export class BandNuclearNorm implements Penalty {
  readonly name = 'band-nuclear';
  private readonly nuclear: NuclearNorm;
  private readonly scratch: Float64Array;
  private readonly scratch2: Float64Array;

  /** projections: Pi_b (s x s) per band; Z is rows = s by cols. */
  constructor(readonly projections: readonly Float64Array[], readonly rows: number, readonly cols: number) {
    if (projections.length < 1 || projections.some((p) => p.length !== rows * rows)) throw new Error(`BandNuclearNorm: projections must be ${rows} x ${rows}`);
    this.nuclear = new NuclearNorm(rows, cols);
    this.scratch = new Float64Array(rows * cols);
    this.scratch2 = new Float64Array(rows * cols);
  }

  /** Pi_b w, into out. */
  part(w: Float64Array, b: number, out: Float64Array = new Float64Array(this.rows * this.cols)): Float64Array {
    if (w.length !== this.rows * this.cols) throw new Error(`BandNuclearNorm: ${w.length} entries, expected ${this.rows} x ${this.cols}`);
    blas.gemm(false, false, this.rows, this.cols, this.rows, 1, this.projections[b], this.rows, w, this.cols, 0, out, this.cols);
    return out;
  }

  value(w: Float64Array): number {
    let v = 0;
    for (let b = 0; b < this.projections.length; b++) v += this.nuclear.value(this.part(w, b, this.scratch));
    return v;
  }

  prox(v: Float64Array, step: number, out: Float64Array): void {
    const sum = new Float64Array(out.length); // v may be out
    for (let b = 0; b < this.projections.length; b++) {
      this.nuclear.prox(this.part(v, b, this.scratch), step, this.scratch2);
      for (let e = 0; e < sum.length; e++) sum[e] += this.scratch2[e];
    }
    out.set(sum);
  }

  dualNorm(u: Float64Array): number {
    let m = 0;
    for (let b = 0; b < this.projections.length; b++) m = Math.max(m, this.nuclear.dualNorm(this.part(u, b, this.scratch)));
    return m;
  }

  subgradient(w: Float64Array, scale: number, out: Float64Array): void {
    const floor = partRankFloor(w, this.rows, this.cols);
    out.fill(0);
    for (let b = 0; b < this.projections.length; b++) {
      this.nuclear.subgradient(this.part(w, b, this.scratch), scale, this.scratch2, floor);
      for (let e = 0; e < out.length; e++) out[e] += this.scratch2[e];
    }
  }

  optimality(w: Float64Array, v: Float64Array, beta: number): PenaltyOptimality {
    const floor = partRankFloor(w, this.rows, this.cols);
    return combineOptimality(this.projections.map((_, b) => this.nuclear.optimality(this.part(w, b), this.part(v, b), beta, floor)));
  }
}
