// The exact minimiser of one group's quadratic model under the group-l2 penalty:
//   min_x 1/2 (x - x0)^T P (x - x0) + <gm, x - x0> + beta ||x||_2,   P = Q diag(lam) Q^T > 0,
// i.e. min_x 1/2 x^T P x - <bv, x> + beta ||x|| with bv = P x0 - gm. In P's eigenbasis (which keeps
// norms) the optimality condition reads lam_j u_j - b_j + beta u_j / ||u|| = 0: u = 0 when
// ||b|| <= beta, else u_j = b_j / (lam_j + mu) with mu = beta / ||u|| > 0, the root of
//   h(mu) = ||y(mu)|| - beta,   y_j = mu b_j / (lam_j + mu),
// which rises from -beta (mu = 0) to ||b|| - beta > 0 (mu -> inf). The root is bracketed by
// beta lam_min / (||b|| - beta) and beta lam_max / (||b|| - beta) and found by Newton's method,
// falling back to bisection whenever a step leaves the bracket.

const ROOT_TOL = 1e-15, MAX_ROOT_STEPS = 200;

/**
 * x = argmin of the model above. Q (d x d row-major, column j the eigenvector of lam[j]); the model
 * gradient at x0 comes from gm(t); b is scratch of length d.
 */
export function minimiseGroupBlock(
  Q: Float64Array, lam: Float64Array, d: number, x0: Float64Array, gm: (t: number) => number, beta: number, b: Float64Array, x: Float64Array,
): void {
  // b = Q^T (P x0 - gm) = lam o (Q^T x0) - Q^T gm, in the eigenbasis
  b.fill(0);
  for (let a = 0; a < d; a++) {
    const xa = x0[a], ga = gm(a), row = a * d;
    for (let j = 0; j < d; j++) b[j] += Q[row + j] * (lam[j] * xa - ga);
  }
  let nb = 0;
  for (let j = 0; j < d; j++) nb += b[j] * b[j];
  nb = Math.sqrt(nb);
  if (!(nb > beta)) { x.fill(0); return; }
  let lo = Infinity, hi = 0;
  for (let j = 0; j < d; j++) { lo = Math.min(lo, lam[j]); hi = Math.max(hi, lam[j]); }
  lo = (beta * lo) / (nb - beta);
  hi = (beta * hi) / (nb - beta);
  let mu = Math.sqrt(lo * hi) || 0.5 * (lo + hi);
  for (let step = 0; step < MAX_ROOT_STEPS && hi - lo > ROOT_TOL * hi; step++) {
    let sq = 0, dsq = 0;
    for (let j = 0; j < d; j++) {
      const den = lam[j] + mu, y = (mu * b[j]) / den;
      sq += y * y;
      dsq += 2 * y * ((b[j] * lam[j]) / (den * den));
    }
    const norm = Math.sqrt(sq), h = norm - beta;
    if (h === 0) break;
    if (h > 0) hi = mu; else lo = mu;
    const next = mu - h / (dsq / (2 * norm));
    mu = next > lo && next < hi ? next : 0.5 * (lo + hi);
  }
  // u = b / (lam + mu), back to the standard basis: x = Q u
  for (let a = 0; a < d; a++) {
    let s = 0;
    const row = a * d;
    for (let j = 0; j < d; j++) s += (Q[row + j] * b[j]) / (lam[j] + mu);
    x[a] = s;
  }
}
