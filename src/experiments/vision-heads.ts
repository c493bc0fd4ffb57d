// The convex heads of a vision run as images. Each nonzero row Z[l, k, :] of eq. (10) is a head
// that reads patch k (its attention row is the simplex vertex e_k) and adds z . x_k to the score
// of class l. A token is x_k = P^T s_k, s_k the patch's standardised pixels, s_f = (pix_f -
// mean_f) / std_f, and P the projection (the identity without one), so
//   z . x_k = sum_f (P z)_f / std_f * pix_f + a constant:
// (P z)_f / std_f is the weight of pixel f (intensity in [0, 1]) in the class's score. Placing
// every head's weights at its patch gives one R x C template per class: what the heads look for.
import type { VisionData } from '../data/vision';

export interface HeadImages {
  rows: number;
  cols: number;
  patch: number;
  /** per class, the weight of each pixel (row-major R x C) in the class's score; 0 where no head reads */
  templates: number[][];
  /** per class, the norm ||Z[l, k, :]|| of the head on each patch (row-major, R/p x C/p); 0: no head */
  patchNorms: number[][];
}

type Geometry = Pick<VisionData, 'rows' | 'cols' | 'patch' | 'n' | 'd' | 'std' | 'projection'>;

/** Z is (c, n, d), the attention program's solution on the vision tokens. */
export function headImages(Z: Float64Array, c: number, g: Geometry): HeadImages {
  const { rows: R, cols: C, patch: p, n, d, std, projection: P } = g;
  const k2 = p * p, perRow = C / p;
  if (Z.length !== c * n * d) throw new Error(`headImages: Z has ${Z.length} entries, expected c n d = ${c * n * d}`);
  const templates: number[][] = [], patchNorms: number[][] = [];
  const w = new Float64Array(k2);
  for (let l = 0; l < c; l++) {
    const img = new Array<number>(R * C).fill(0), norms = new Array<number>(n).fill(0);
    for (let k = 0; k < n; k++) {
      const z = Z.subarray((l * n + k) * d, (l * n + k + 1) * d);
      let sq = 0;
      for (let m = 0; m < d; m++) sq += z[m] * z[m];
      if (sq === 0) continue;
      norms[k] = Math.sqrt(sq);
      for (let f = 0; f < k2; f++) {
        let s = 0;
        if (P) for (let m = 0; m < d; m++) s += P[f * d + m] * z[m];
        else s = z[f];
        w[f] = s / std[f];
      }
      const r0 = Math.floor(k / perRow) * p, c0 = (k % perRow) * p;
      for (let i = 0; i < p; i++) for (let j = 0; j < p; j++) img[(r0 + i) * C + c0 + j] = w[i * p + j];
    }
    templates.push(img);
    patchNorms.push(norms);
  }
  return { rows: R, cols: C, patch: p, templates, patchNorms };
}
