// eigh and svd, LAPACK and Jacobi: each against the defining identities, and the two against each
// other whenever the addon is built (the comparison is skipped, with the reason, only when not).
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { nativeBlas, nativeMaths, nativeMathsReason } from '../../src/core/blas';
import { eigh, svd, svdTop, type Eigh, type Svd } from '../../src/core/linalg';
import { fixture, randn } from '../helpers';
import { readNpz } from '../../src/data/npz';

const eps = 2.220446049250313e-16;
const noAddon = nativeMaths ? false : `addon not in use, LAPACK not tested: ${nativeMathsReason}`;
const backends: ['auto' | 'typescript', string][] = [['typescript', 'jacobi']];
if (nativeMaths) backends.push(['auto', 'lapack']);

/** C = A (m x k) B (k x n), both row-major; optional transposes of the stored operands. */
function mul(A: Float64Array, B: Float64Array, m: number, k: number, n: number, ta = false, tb = false): Float64Array {
  const C = new Float64Array(m * n);
  for (let i = 0; i < m; i++) for (let j = 0; j < n; j++) {
    let s = 0;
    for (let p = 0; p < k; p++) s += (ta ? A[p * m + i] : A[i * k + p]) * (tb ? B[j * k + p] : B[p * n + j]);
    C[i * n + j] = s;
  }
  return C;
}
const frob = (A: ArrayLike<number>) => Math.sqrt(Array.from(A).reduce((s, x) => s + x * x, 0));
const maxDiff = (a: ArrayLike<number>, b: ArrayLike<number>) => Array.from(a).reduce((m, x, i) => Math.max(m, Math.abs(x - b[i])), 0);
function eye(n: number): Float64Array { const I = new Float64Array(n * n); for (let i = 0; i < n; i++) I[i * n + i] = 1; return I; }

/** Random orthonormal n x n (modified Gram-Schmidt, twice, on Gaussian columns). */
function orthogonal(n: number, seed: number): Float64Array {
  const Q = randn(n * n, seed); // rows as the vectors, transposed at the end doesn't matter: Q^T is orthogonal too
  for (let j = 0; j < n; j++) for (let pass = 0; pass < 2; pass++) {
    for (let r = 0; r < j; r++) {
      let d = 0;
      for (let i = 0; i < n; i++) d += Q[r * n + i] * Q[j * n + i];
      for (let i = 0; i < n; i++) Q[j * n + i] -= d * Q[r * n + i];
    }
    const nrm = frob(Q.subarray(j * n, j * n + n));
    for (let i = 0; i < n; i++) Q[j * n + i] /= nrm;
  }
  return Q;
}
/** Q diag(d) Q^T. */
function withSpectrum(d: number[], seed: number): Float64Array {
  const n = d.length, Q = orthogonal(n, seed), QD = new Float64Array(n * n);
  for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) QD[i * n + j] = Q[i * n + j] * d[j];
  return mul(QD, Q, n, n, n, false, true);
}
function randomSymmetric(n: number, seed: number): Float64Array {
  const B = randn(n * n, seed), A = new Float64Array(n * n);
  for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) A[i * n + j] = (B[i * n + j] + B[j * n + i]) / 2;
  return A;
}

const symmetricCases: [string, Float64Array, number][] = [
  ['1x1', new Float64Array([-2.5]), 1],
  ['random 2x2', randomSymmetric(2, 1), 2],
  ['random 7x7', randomSymmetric(7, 2), 7],
  ['random 40x40', randomSymmetric(40, 3), 40],
  ['rank 3 of 12 (B B^T)', mul(randn(36, 4), randn(36, 4), 12, 3, 12, false, true), 12],
  ['repeated eigenvalues 1,1,1,2,2,5,-3', withSpectrum([1, 1, 1, 2, 2, 5, -3], 5), 7],
  ['zero 4x4', new Float64Array(16), 4],
  ['scaled by 1e150', randomSymmetric(6, 6).map((x) => x * 1e150), 6],
];

/**
 * Both algorithms are backward stable: the result is exact for A + E with ||E|| <= p(n) eps ||A||_F
 * for a modest polynomial p. So residuals are held to 20 n eps ||A||_F (the constant covers the
 * accumulated rotations), never to an absolute number: the scaled case would break it.
 */
const tolerance = (n: number, norm: number) => 20 * n * eps * norm;

/** Groups of indices whose values are within `gap` of each other (values sorted). */
function clusters(values: Float64Array, gap: number): number[][] {
  const out: number[][] = [];
  values.forEach((v, i) => { if (i > 0 && Math.abs(v - values[i - 1]) <= gap) out[out.length - 1].push(i); else out.push([i]); });
  return out;
}
/** Projector onto the span of the given columns of the row-major rows x cols matrix V: sign- and rotation-free. */
function projector(V: Float64Array, rows: number, cols: number, idx: number[]): Float64Array {
  const P = new Float64Array(rows * rows);
  for (const j of idx) for (let a = 0; a < rows; a++) for (let b = 0; b < rows; b++) P[a * rows + b] += V[a * cols + j] * V[b * cols + j];
  return P;
}

function checkEigh(A: Float64Array, n: number, r: Eigh, what: string): void {
  const tol = tolerance(n, frob(A));
  const AV = mul(A, r.vectors, n, n, n);
  const VL = r.vectors.map((x, i) => x * r.values[i % n]);
  assert.ok(maxDiff(AV, VL) <= tol, `${what}: |A V - V diag(w)| = ${maxDiff(AV, VL)} > ${tol}`);
  const VtV = mul(r.vectors, r.vectors, n, n, n, true);
  assert.ok(maxDiff(VtV, eye(n)) <= 20 * n * eps, `${what}: |V^T V - I| = ${maxDiff(VtV, eye(n))}`);
  for (let i = 1; i < n; i++) assert.ok(r.values[i - 1] <= r.values[i], `${what}: values not ascending`);
}

for (const [backend, name] of backends) {
  for (const [label, A, n] of symmetricCases) {
    test(`${name} eigh: A V = V diag(w), V^T V = I, ascending (${label})`, () => {
      const copy = Float64Array.from(A);
      checkEigh(A, n, eigh(A, n, backend), `${name} ${label}`);
      assert.deepEqual(A, copy, 'A was modified');
    });
  }
}

test('eigh of a known spectrum returns it, repeated values included', () => {
  const d = [1, 1, 1, 2, 2, 5, -3];
  for (const [backend, name] of backends) {
    const { values } = eigh(withSpectrum(d, 5), 7, backend);
    assert.ok(maxDiff(values, [...d].sort((a, b) => a - b)) <= 1e-13 * 5 * 7, `${name}: ${values}`);
  }
});

test('LAPACK and Jacobi eigh agree: values, and eigenvector projectors per cluster of equal values', { skip: noAddon }, () => {
  for (const [label, A, n] of symmetricCases) {
    const a = eigh(A, n), b = eigh(A, n, 'typescript'), norm = frob(A);
    assert.ok(maxDiff(a.values, b.values) <= tolerance(n, norm), `${label}: values differ by ${maxDiff(a.values, b.values)}`);
    // An eigenvector is fixed only up to sign, and within a repeated eigenvalue up to rotation,
    // so compare the projector onto each cluster's span. Its perturbation is ~ eps ||A|| / gap,
    // and the gaps between clusters here are >= 1e-2 ||A||: 1e-10 leaves room.
    for (const c of clusters(a.values, 1e-8 * norm)) {
      const d = maxDiff(projector(a.vectors, n, n, c), projector(b.vectors, n, n, c));
      assert.ok(d <= 1e-10, `${label}: eigenvector projector for ${c} differs by ${d}`);
    }
  }
});

const repeatedBlock = randn(60, 19);
const svdCases: [string, Float64Array, number, number][] = [
  ['1x1', new Float64Array([-3]), 1, 1],
  ['1x5 (m < n)', randn(5, 10), 1, 5],
  ['5x1 (m > n)', randn(5, 11), 5, 1],
  ['30x12 (m > n)', randn(360, 12), 30, 12],
  ['12x30 (m < n)', randn(360, 13), 12, 30],
  ['20x15 of rank 4', mul(randn(80, 14), randn(60, 15), 20, 4, 15), 20, 15],
  ['15x20 of rank 4', mul(randn(60, 16), randn(80, 17), 15, 4, 20), 15, 20],
  ['7x7 with singular values 3,3,3,1,1,0.5,0.5', withSpectrum([3, 3, 3, 1, 1, 0.5, 0.5], 18), 7, 7],
  ['zero 6x4', new Float64Array(24), 6, 4],
  // a token-mean mixer's Z: every row block repeated, rank 5 with 7 columns of rounding noise
  ['25x12, one 5x12 block repeated 5 times', Float64Array.from({ length: 300 }, (_, i) => repeatedBlock[i % 60]), 25, 12],
  ['9x4, one 3x4 block repeated 3 times', Float64Array.from({ length: 36 }, (_, i) => repeatedBlock[i % 12]), 9, 4],
];

function checkSvd(A: Float64Array, m: number, n: number, r: Svd, what: string): void {
  const k = Math.min(m, n), tol = tolerance(Math.max(m, n), frob(A));
  assert.equal(r.U.length, m * k); assert.equal(r.s.length, k); assert.equal(r.Vt.length, k * n);
  const US = r.U.map((x, i) => x * r.s[i % k]);
  const back = mul(US, r.Vt, m, k, n);
  assert.ok(maxDiff(back, A) <= tol, `${what}: |U diag(s) Vt - A| = ${maxDiff(back, A)} > ${tol}`);
  const orth = 20 * Math.max(m, n) * eps;
  assert.ok(maxDiff(mul(r.U, r.U, k, m, k, true), eye(k)) <= orth, `${what}: U^T U != I`);
  assert.ok(maxDiff(mul(r.Vt, r.Vt, k, n, k, false, true), eye(k)) <= orth, `${what}: Vt Vt^T != I`);
  for (let i = 0; i < k; i++) assert.ok(r.s[i] >= 0 && (i === 0 || r.s[i] <= r.s[i - 1]), `${what}: s not descending and >= 0`);
}

for (const [backend, name] of backends) {
  for (const [label, A, m, n] of svdCases) {
    test(`${name} svd: U diag(s) Vt = A, U^T U = I, Vt Vt^T = I, s descending (${label})`, () => {
      const copy = Float64Array.from(A);
      checkSvd(A, m, n, svd(A, m, n, backend), `${name} ${label}`);
      assert.deepEqual(A, copy, 'A was modified');
    });
  }
}

test('LAPACK and Jacobi svd agree: singular values, and singular-vector projectors per nonzero cluster', { skip: noAddon }, () => {
  for (const [label, A, m, n] of svdCases) {
    const a = svd(A, m, n), b = svd(A, m, n, 'typescript'), norm = frob(A), k = Math.min(m, n);
    assert.ok(maxDiff(a.s, b.s) <= tolerance(Math.max(m, n), norm), `${label}: s differ by ${maxDiff(a.s, b.s)}`);
    // Vectors of zero singular values are any basis of a null space: only the others are unique
    // (up to sign / rotation within a repeated value, hence projectors; gaps >= 0.5 here).
    for (const c of clusters(a.s, 1e-8 * norm)) {
      if (a.s[c[0]] <= 1e-8 * norm) continue;
      const Vb = (r: Svd) => { const V = new Float64Array(n * k); for (let i = 0; i < k; i++) for (let j = 0; j < n; j++) V[j * k + i] = r.Vt[i * n + j]; return V; };
      const dU = maxDiff(projector(a.U, m, k, c), projector(b.U, m, k, c));
      const dV = maxDiff(projector(Vb(a), n, k, c), projector(Vb(b), n, k, c));
      assert.ok(dU <= 1e-10 && dV <= 1e-10, `${label}: projectors for ${c} differ by ${dU} (U), ${dV} (V)`);
    }
  }
});

test('a matrix on which dgesdd does not converge (a thresholded Z of a linear-mhsa solve) is still factored', () => {
  // dgesdd returned info = 1 on this 256 x 160 matrix under OpenBLAS 0.3.21 SkylakeX (found in review);
  // the addon then factors it with dgesvd. Whatever the kernel does, the result must be an SVD.
  const a = readNpz(fixture('svd_dgesdd_fails.npy')).X;
  const A = a.values as Float64Array, [m, n] = a.shape, k = Math.min(m, n);
  const r = svd(A, m, n);
  let err = 0;
  for (let i = 0; i < m; i++) for (let j = 0; j < n; j++) {
    let v = 0;
    for (let t = 0; t < k; t++) v += r.U[i * k + t] * r.s[t] * r.Vt[t * n + j];
    err = Math.max(err, Math.abs(v - A[i * n + j]));
  }
  assert.ok(err <= 1e-13 * r.s[0], `reconstruction off by ${err}`);
  for (let t = 1; t < k; t++) assert.ok(r.s[t] <= r.s[t - 1] && r.s[t] >= 0, 'singular values descending');
  assert.ok(Math.abs(r.s[0] - svd(A, m, n, 'typescript').s[0]) <= 1e-12 * r.s[0], 'the largest singular value agrees with Jacobi');
});

test('the LAPACK path is built whenever the GEMM addon is (a stale build/ fails here)', () => {
  if (nativeBlas) assert.ok(nativeMaths, nativeMathsReason);
});

test('eigh and svd refuse bad input with a clear message', () => {
  assert.throws(() => eigh(new Float64Array([1, 2, 3, 4]), 2), /not symmetric/);
  assert.throws(() => eigh(new Float64Array([1, NaN, NaN, 1]), 2), /not finite/);
  assert.throws(() => svd(new Float64Array(5), 2, 3), /length 2 x 3/);
  assert.throws(() => svd(new Float64Array([Infinity]), 1, 1, 'typescript'), /not finite/);
});

test('svdTop: the leading singular triplets of tall, wide and rank-deficient matrices as the full SVD gives them', () => {
  const cases: [string, Float64Array, number, number][] = [
    ['tall', randn(60 * 12, 41), 60, 12],
    ['wide', randn(9 * 50, 42), 9, 50],
    ['rank 2', rankTwo(30, 20), 30, 20],
  ];
  for (const [name, A, m, n] of cases) {
    const full = svd(A, m, n), k = Math.min(4, Math.min(m, n)), top = svdTop(A, m, n, k), q = full.s.length;
    assert.equal(top.U.length, m * k);
    assert.equal(top.Vt.length, k * n);
    // sigma_1 exact to rounding relative to itself; the rest to rounding relative to sigma_1
    assert.ok(Math.abs(top.s[0] - full.s[0]) <= 1e-13 * full.s[0], `${name}: sigma_1 ${top.s[0]} against ${full.s[0]}`);
    for (let j = 1; j < k; j++) assert.ok(Math.abs(top.s[j] - full.s[j]) <= 1e-7 * full.s[0], `${name}: sigma_${j + 1} ${top.s[j]} against ${full.s[j]}`);
    // every returned triplet above rounding: A v = sigma u and A^T u = sigma v (one of the two is
    // how the code built u or v, the other is not), orthonormal u's and v's, and sigma_1's bound
    const live = Array.from({ length: k }, (_, j) => j).filter((j) => top.s[j] > 1e-6 * top.s[0]); // rounding-level directions have sqrt(eps) sigma_1 noise for sigma
    for (const j of live) {
      let res = 0;
      for (let i = 0; i < m; i++) {
        let av = 0;
        for (let e = 0; e < n; e++) av += A[i * n + e] * top.Vt[j * n + e];
        res = Math.max(res, Math.abs(av - top.s[j] * top.U[i * k + j]));
      }
      for (let e = 0; e < n; e++) {
        let atu = 0;
        for (let i = 0; i < m; i++) atu += A[i * n + e] * top.U[i * k + j];
        res = Math.max(res, Math.abs(atu - top.s[j] * top.Vt[j * n + e]));
      }
      assert.ok(res <= 1e-9 * full.s[0], `${name}: triplet ${j}: residual ${res}`);
      for (const l of live) {
        let uu = 0, vv = 0;
        for (let i = 0; i < m; i++) uu += top.U[i * k + j] * top.U[i * k + l];
        for (let e = 0; e < n; e++) vv += top.Vt[j * n + e] * top.Vt[l * n + e];
        assert.ok(Math.abs(uu - (j === l ? 1 : 0)) < 1e-9 && Math.abs(vv - (j === l ? 1 : 0)) < 1e-9, `${name}: u_${j}.u_${l} = ${uu}, v_${j}.v_${l} = ${vv}`);
      }
    }
    assert.ok(top.upper >= full.s[0] && top.upper <= full.s[0] * (1 + 1e-10), `${name}: upper ${top.upper} against sigma_1 ${full.s[0]}`);
    assert.ok(q >= k);
  }
  assert.throws(() => svdTop(randn(12, 1), 3, 4, 4), /svdTop: k = 4, expected an integer in \[1, 3\]/);
});

/** A 30 x 20 matrix of rank 2. */
function rankTwo(m: number, n: number): Float64Array {
  const a = randn(m, 43), b = randn(n, 44), c = randn(m, 45), d = randn(n, 46), A = new Float64Array(m * n);
  for (let i = 0; i < m; i++) for (let j = 0; j < n; j++) A[i * n + j] = 3 * a[i] * b[j] + c[i] * d[j];
  return A;
}
