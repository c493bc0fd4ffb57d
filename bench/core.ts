// Native (LAPACK / C) against TypeScript for the core maths, timed in the same run:
// eigh, svd, fwht, fft. Same inputs for both; ms per call, median.
//   npm run bench:core
import * as os from 'node:os';
import { blas, nativeMaths, setBlasThreads } from '../src/core/blas';
import { eigh, svd } from '../src/core/linalg';
import { fwht } from '../src/core/fwht';
import { fft, ifft } from '../src/core/fft';
import { Rng } from '../src/core/rng';
import { timePair } from './time-pair';

function symmetric(n: number, rng: Rng): Float64Array {
  const B = rng.normals(n * n), A = new Float64Array(n * n);
  for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) A[i * n + j] = (B[i * n + j] + B[j * n + i]) / 2;
  return A;
}

// One OpenBLAS thread: the TypeScript side has one, and the two cores are shared with other work.
setBlasThreads(1);
if (!nativeMaths) throw new Error('bench:core compares the addon with TypeScript: build the addon first (node scripts/build-native.js)');
const rng = new Rng(1);
const rows: [string, string, () => void, () => void][] = [];
for (const n of [64, 256, 512]) {
  const A = symmetric(n, rng);
  rows.push(['eigh', `${n} x ${n}`, () => eigh(A, n), () => eigh(A, n, 'typescript')]);
}
for (const [m, n] of [[256, 512], [1000, 100]]) {
  const A = rng.normals(m * n);
  rows.push(['svd', `${m} x ${n}`, () => svd(A, m, n), () => svd(A, m, n, 'typescript')]);
}
for (const [r, n] of [[256, 2 ** 12], [1, 2 ** 16]]) {
  // In place and unnormalised, each call grows the data by sqrt(n): a separate copy per side,
  // at most 51 calls each, stays below 2^410 (no overflow, no subnormals).
  const X = rng.normals(r * n), Y = Float64Array.from(X);
  rows.push(['fwht', `${r} rows x 2^${Math.log2(n)}`, () => fwht(X, n, r), () => fwht(Y, n, r, 'typescript')]);
}
for (const n of [2 ** 10, 2 ** 16]) {
  // A forward-inverse pair per call, so that repeated calls do not grow the data by sqrt(n) each.
  const re = rng.normals(n), im = rng.normals(n);
  rows.push(['fft + ifft (complex)', `2^${Math.log2(n)}`, () => { fft(re, im); ifft(re, im); }, () => { fft(re, im, 'typescript'); ifft(re, im, 'typescript'); }]);
}

console.log(`machine: ${os.cpus()[0].model}, ${os.cpus().length} cores, node ${process.version}, load average ${os.loadavg().map((x) => x.toFixed(1)).join(' ')}, ${JSON.stringify(blas.info())}`);
console.log('| operation | size | native (ms) | TypeScript (ms) | TypeScript / native | calls each |');
console.log('|---|---|---|---|---|---|');
for (const [op, size, native, ts] of rows) {
  const t = timePair(native, ts);
  console.log(`| ${op} | ${size} | ${t.a.toFixed(3)} | ${t.b.toFixed(3)} | ${(t.b / t.a).toFixed(1)} | ${t.calls} |`);
}
