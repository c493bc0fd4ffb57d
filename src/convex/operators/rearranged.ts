// An operator that is the token-feature operator of eq. (10) (AttentionOperator, with its GEMMs,
// blocks and float32 storage) after a fixed linear rearrangement of w into that operator's weights:
// W[w_t] += coef_t w[z_t] over a list of entries (a signed copy for matrix targets' two parts, a
// reindexing for the mixer, an average over output tokens for its token mean). The adjoint is the
// transposed list. The list is built once, so apply and applyT are two plain loops beside the GEMMs.
import type { LinearOperator } from '../types';
import type { AttentionOperator } from './attention';
import { powerNorm } from './power';

/** The rearrangement: entry t adds coef[t] * w[z[t]] to the inner weights at w[t]. */
export interface Rearrangement {
  z: Int32Array;
  w: Int32Array;
  coef: Float64Array;
}

export class RearrangedOperator implements LinearOperator {
  readonly rows: number;
  readonly flopsPerApply: number;
  readonly precision: 'float64' | 'float32';
  private readonly W: Float64Array;
  private norm = -1;

  constructor(private readonly inner: AttentionOperator, readonly cols: number, private readonly map: Rearrangement) {
    this.rows = inner.rows;
    this.flopsPerApply = inner.flopsPerApply;
    this.precision = inner.precision;
    this.W = new Float64Array(inner.cols);
  }

  apply(w: Float64Array, out: Float64Array): void {
    const { W, map: { z, w: wi, coef } } = this;
    W.fill(0);
    for (let t = 0; t < z.length; t++) W[wi[t]] += coef[t] * w[z[t]];
    this.inner.apply(W, out);
  }

  applyT(r: Float64Array, out: Float64Array): void {
    const { W, map: { z, w: wi, coef } } = this;
    this.inner.applyT(r, W);
    out.fill(0);
    for (let t = 0; t < z.length; t++) out[z[t]] += coef[t] * W[wi[t]];
  }

  normEstimate(): number {
    if (this.norm < 0) this.norm = powerNorm(this);
    return this.norm;
  }
}
