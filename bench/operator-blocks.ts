// Operators in blocks of samples (the default, ~8 MB of X per GEMM) against one GEMM over all
// samples (blockRows = Infinity), timed in the same run, alternating, so that a noisy shared
// machine affects both alike. Prints ms per apply + applyT pair (median of rounds) and the ratio.
//   npm run bench:blocks
import * as os from 'node:os';
import { AttentionOperator } from '../src/convex/operators/attention';
import { GatedOperator } from '../src/convex/operators/gated';
import { computeGates } from '../src/convex/operators/gates';
import type { LinearOperator } from '../src/convex/types';
import { Rng } from '../src/core/rng';
import { blas } from '../src/core/blas';
import { median } from '../src/core/median';

const rounds = 15;
const pairsPerRound = 4;

function msPerPair(op: LinearOperator, w: Float64Array, r: Float64Array): number {
  const out = new Float64Array(op.rows), g = new Float64Array(op.cols);
  const t = process.hrtime.bigint();
  for (let k = 0; k < pairsPerRound; k++) {
    op.apply(w, out);
    op.applyT(r, g);
  }
  return Number(process.hrtime.bigint() - t) / 1e6 / pairsPerRound;
}


console.log(`machine: ${os.cpus()[0].model}, ${os.cpus().length} cores, node ${process.version}, ${JSON.stringify(blas.info())}`);
console.log('| operator | N, n, d, c (h) | blocked (ms / apply+applyT) | one GEMM (ms) | blocked / one GEMM |');
console.log('|---|---|---|---|---|');
for (const [kind, N, n, d, c, h] of [['attention', 100000, 8, 32, 10, 0], ['gated', 100000, 8, 32, 10, 8], ['attention', 20000, 8, 32, 10, 0], ['gated', 20000, 8, 32, 10, 8]] as const) {
  const rng = new Rng(1);
  const X = rng.normals(N * n * d);
  const make = (block?: number): LinearOperator => {
    if (kind === 'attention') return new AttentionOperator(X, N, n, d, c, { blockRows: block });
    const U1 = rng.normals(h * n), U2 = rng.normals(h * d);
    return new GatedOperator(X, N, n, d, c, computeGates(X, N, n, d, U1, U2, h), h, { blockRows: block });
  };
  const blocked = make(), whole = make(Infinity);
  const w = rng.normals(blocked.cols), r = rng.normals(blocked.rows);
  msPerPair(blocked, w, r); // warm-up: JIT, OpenBLAS buffers, page faults
  msPerPair(whole, w, r);
  const a: number[] = [], b: number[] = [];
  for (let k = 0; k < rounds; k++) {
    a.push(msPerPair(blocked, w, r));
    b.push(msPerPair(whole, w, r));
  }
  console.log(`| ${kind} | ${N}, ${n}, ${d}, ${c}${h ? ` (${h})` : ''} | ${median(a).toFixed(2)} | ${median(b).toFixed(2)} | ${(median(a) / median(b)).toFixed(2)} |`);
}
