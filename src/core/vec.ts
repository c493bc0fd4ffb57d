// Small vector kernels over flat arrays. Everything here is O(length); the heavy work is GEMM.
import type { FloatArray } from './blas-types';

export function dot(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i] * b[i];
  return s;
}

/** ||a||_2; entries beyond ~1e154 would overflow the squares, so those are summed rescaled. */
export function norm2(a: ArrayLike<number>): number {
  const plain = Math.sqrt(dot(a, a));
  if (Number.isFinite(plain) && plain > 1e-150) return plain;
  const m = maxAbs(a);
  if (m === 0 || !Number.isFinite(m)) return m;
  let s = 0;
  for (let i = 0; i < a.length; i++) s += (a[i] / m) ** 2;
  return m * Math.sqrt(s);
}

/** out = a + s * b */
export function axpby(out: Float64Array, a: ArrayLike<number>, s: number, b: ArrayLike<number>): void {
  for (let i = 0; i < out.length; i++) out[i] = a[i] + s * b[i];
}

export function copyInto(dst: FloatArray, src: ArrayLike<number>): void {
  for (let i = 0; i < src.length; i++) dst[i] = src[i];
}

export function maxAbs(a: ArrayLike<number>): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]));
  return m;
}

export function allFinite(a: ArrayLike<number>): boolean {
  for (let i = 0; i < a.length; i++) if (!Number.isFinite(a[i])) return false;
  return true;
}
