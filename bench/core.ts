// Native (LAPACK / C) against TypeScript for the core maths, timed in the same run:
// eigh, svd, fwht, fft. Same inputs for both; ms per call, median.
//   npm run bench:core
import * as os from 'node:os';
import { blas, nativeMaths } from '../src/core/blas';
import { eigh, svd } from '../src/core/linalg';
import { fwht } from '../src/core/fwht';
import { fft, ifft } from '../src/core/fft';
import { Rng } from '../src/core/rng';

/** ms per call: one call (also the warm-up); below 1 s, repeated until 1 s has passed (3..50 calls), median. */
function ms(fn: () => void): { ms: number; calls: number } {
  const once = () => { const t = process.hrtime.bigint(); fn(); return Number(process.hrtime.bigint() - t) / 1e6; };
  const first = once();
  if (first > 1000) return { ms: first, calls: 1 };
  const times: number[] = [];
  let total = 0;
  while ((times.length < 3 || total < 1000) && times.length < 50) { const t = once(); times.push(t); total += t; }
  times.sort((a, b) => a - b);
  return { ms: times[Math.floor(times.length / 2)], calls: times.length };
}

function symmetric(n: number, rng: Rng): Float64Array {
  const B = rng.normals(n * n), A = new Float64Array(n * n);
  for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) A[i * n + j] = (B[i * n + j] + B[j * n + i]) / 2;
  return A;
}

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
  const X = rng.normals(r * n);
  rows.push(['fwht', `${r} rows x 2^${Math.log2(n)}`, () => fwht(X, n, r), () => fwht(X, n, r, 'typescript')]);
}
for (const n of [2 ** 10, 2 ** 16]) {
  // A forward-inverse pair per call, so that repeated calls do not grow the data by sqrt(n) each.
  const re = rng.normals(n), im = rng.normals(n);
  rows.push(['fft + ifft (complex)', `2^${Math.log2(n)}`, () => { fft(re, im); ifft(re, im); }, () => { fft(re, im, 'typescript'); ifft(re, im, 'typescript'); }]);
}

console.log(`machine: ${os.cpus()[0].model}, ${os.cpus().length} cores, node ${process.version}, ${JSON.stringify(blas.info())}`);
console.log('| operation | size | native (ms) | TypeScript (ms) | TypeScript / native |');
console.log('|---|---|---|---|---|');
for (const [op, size, native, ts] of rows) {
  // Native then TypeScript, row by row, so that load on the shared machine falls on both alike.
  const a = ms(native), b = ms(ts);
  const calls = (x: { calls: number }) => (x.calls === 1 ? ' (1 call)' : '');
  console.log(`| ${op} | ${size} | ${a.ms.toFixed(3)}${calls(a)} | ${b.ms.toFixed(3)}${calls(b)} | ${(b.ms / a.ms).toFixed(1)} |`);
}
