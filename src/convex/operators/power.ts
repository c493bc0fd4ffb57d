// Power iteration on A^T A for ||A||_2, the step size FISTA starts from. It stops once
// successive estimates agree to `tol`: FISTA's backtracking covers what is left.
import type { LinearOperator } from '../types';
import { Rng } from '../../core/rng';
import { norm2 } from '../../core/vec';

export function powerNorm(op: Pick<LinearOperator, 'rows' | 'cols' | 'apply' | 'applyT'>, iters = 8, tol = 1e-2): number {
  const rng = new Rng(12345);
  let v = rng.normals(op.cols);
  const r = new Float64Array(op.rows);
  const g = new Float64Array(op.cols);
  let sigma2 = 0;
  for (let it = 0; it < iters; it++) {
    const nv = norm2(v);
    if (nv === 0) return 0;
    for (let i = 0; i < v.length; i++) v[i] /= nv;
    op.apply(v, r);
    op.applyT(r, g);
    const next = norm2(g);
    if (Math.abs(next - sigma2) <= tol * next) {
      sigma2 = next;
      break;
    }
    sigma2 = next;
    v = g.slice();
  }
  return Math.sqrt(sigma2);
}
