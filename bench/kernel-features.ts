// The chi-feature map of Fisher et al. section 4 (src/core/chi-features.ts): the fast
// structured map (two FWHTs per block, O(D log d) per token) against the same map as a dense
// D x d matrix applied with one OpenBLAS GEMM (O(D d) per token), timed in the same run, calls
// alternating so that load from other processes falls on both alike; and the structured map's C
// kernel (native/fwht.c, one row at a time) against its TypeScript loops. ms per call, median.
//   npm run bench:kernel
import * as os from 'node:os';
import { blas, nativeMaths, setBlasThreads } from '../src/core/blas';
import { applyChiFeatures, drawChiFeatures, nativeChiReason } from '../src/core/chi-features';
import { Rng } from '../src/core/rng';
import { timePair } from './time-pair';

// One OpenBLAS thread: the FWHT path runs on one.
setBlasThreads(1);
const rng = new Rng(1);
const tokens = 16384;
console.log(`machine: ${os.cpus()[0].model}, ${os.cpus().length} cores, node ${process.version}, load average ${os.loadavg().map((x) => x.toFixed(1)).join(' ')}, ${JSON.stringify(blas.info())}, fwht ${nativeMaths ? 'native' : 'TypeScript'}, feature map ${nativeChiReason ? `TypeScript (${nativeChiReason})` : 'C'}`);
console.log(`${tokens} tokens per call`);
console.log('| d | D | structured (ms) | dense GEMM (ms) | dense / structured | flops dense / structured | calls each | structured, TypeScript loops (ms) | TypeScript / C | calls each |');
console.log('|---|---|---|---|---|---|---|---|---|---|');
for (const [d, D] of [[16, 64], [64, 256], [128, 512], [512, 2048], [1024, 4096]]) {
  const map = drawChiFeatures(d, D, 1, 0);
  // the dense M^T (d x D): row j is phi(e_j)
  const I = new Float64Array(d * d);
  for (let j = 0; j < d; j++) I[j * d + j] = 1;
  const Mt = applyChiFeatures(map, I, d);
  const X = rng.normals(tokens * d);
  const out = new Float64Array(tokens * D);
  const t = timePair(() => applyChiFeatures(map, X, tokens), () => blas.gemm(false, false, tokens, D, d, 1, X, d, Mt, D, 0, out, D), 3000, 30);
  // structured: 2 FWHTs of dPad log2 dPad adds per block, and 3 diagonal products; dense: 2 d D
  const dPad = map.dPad, flopsFast = map.blocks * (2 * dPad * Math.log2(dPad) + 3 * dPad), flopsDense = 2 * d * D;
  const ts = timePair(() => applyChiFeatures(map, X, tokens, out), () => applyChiFeatures(map, X, tokens, out, 'typescript'), 3000, 30);
  console.log(`| ${d} | ${D} | ${t.a.toFixed(2)} | ${t.b.toFixed(2)} | ${(t.b / t.a).toFixed(2)} | ${(flopsDense / flopsFast).toFixed(1)} | ${t.calls} | ${ts.b.toFixed(2)} | ${(ts.b / ts.a).toFixed(2)} | ${ts.calls} |`);
}
