// sum_g ||Z_g||_*: the nuclear norms of P stacked blocks, each rows x cols row-major (block g at
// offset g rows cols): the penalty of the gated-ReLU Sahiner programs, one block per gate pattern
// (docs/sahiner-gated.md). It is separable over the blocks, so the prox thresholds each block's
// singular values, the dual norm is the largest block's spectral norm (the dual constraint
// ||A_g^T theta||_2 <= beta for every gate), and the KKT residuals are the blocks' combined.
import type { Penalty, PenaltyOptimality } from '../types';
import { NuclearNorm, combineOptimality } from './nuclear';

export class BlockNuclearNorm implements Penalty {
  readonly name = 'block-nuclear';
  readonly block: NuclearNorm;
  private readonly size: number;

  constructor(readonly blocks: number, readonly rows: number, readonly cols: number) {
    if (!(blocks >= 1)) throw new Error(`BlockNuclearNorm: ${blocks} blocks`);
    this.block = new NuclearNorm(rows, cols);
    this.size = rows * cols;
  }

  /** Block g of w (a view). */
  part(w: Float64Array, g: number): Float64Array {
    if (w.length !== this.blocks * this.size) throw new Error(`BlockNuclearNorm: ${w.length} entries, expected ${this.blocks} x ${this.rows} x ${this.cols}`);
    return w.subarray(g * this.size, (g + 1) * this.size);
  }

  value(w: Float64Array): number {
    let v = 0;
    for (let g = 0; g < this.blocks; g++) v += this.block.value(this.part(w, g));
    return v;
  }

  prox(v: Float64Array, step: number, out: Float64Array): void {
    for (let g = 0; g < this.blocks; g++) this.block.prox(this.part(v, g), step, this.part(out, g));
  }

  dualNorm(u: Float64Array): number {
    let m = 0;
    for (let g = 0; g < this.blocks; g++) m = Math.max(m, this.block.dualNorm(this.part(u, g)));
    return m;
  }

  subgradient(w: Float64Array, scale: number, out: Float64Array): void {
    for (let g = 0; g < this.blocks; g++) this.block.subgradient(this.part(w, g), scale, this.part(out, g));
  }

  /** Each block's conditions (nuclear.ts); the groups are all blocks' singular directions. */
  optimality(w: Float64Array, v: Float64Array, beta: number): PenaltyOptimality {
    return combineOptimality(Array.from({ length: this.blocks }, (_, g) => this.block.optimality(this.part(w, g), this.part(v, g), beta)));
  }
}
