// The addon's own GEMM peak on this machine, measured in the same run as the solver so the
// ratio survives a noisy shared machine: best of several square products.
import { blas, type FloatArray } from '../src/core/blas';
import { Rng } from '../src/core/rng';

export function gemmPeak(f32: boolean, size = 2048, reps = 5): number {
  const rng = new Rng(7);
  const make = (len: number): FloatArray => {
    const a = f32 ? new Float32Array(len) : new Float64Array(len);
    for (let i = 0; i < len; i++) a[i] = rng.normal();
    return a;
  };
  const A = make(size * size), B = make(size * size), C = make(size * size);
  let best = Infinity;
  for (let r = 0; r < reps; r++) {
    const t = process.hrtime.bigint();
    blas.gemm(false, false, size, size, size, 1, A, size, B, size, 0, C, size);
    best = Math.min(best, Number(process.hrtime.bigint() - t) / 1e9);
  }
  return (2 * size ** 3) / best / 1e9;
}
