// GEMM behind one interface: OpenBLAS through the native addon, or a pure-TypeScript
// fallback with identical semantics (row-major, transpose flags, leading dimensions).
// Also the addon's LAPACK, FWHT and FFT entry points, which core/linalg.ts, fwht.ts, fft.ts wrap.
import { gemmTs } from './gemm-ts';
import { nativeAddon, nativeAddonMissing } from './native-addon';
import type { Blas, Gemm } from './blas-types';

export type { Blas, BlasInfo, FloatArray, Gemm } from './blas-types';

/** LAPACK, FWHT and FFT in C (native/lapack.c, fwht.c, fft.c); src/core/linalg.ts, fwht.ts, fft.ts wrap them. */
export interface NativeMaths {
  eigh(n: number, A: Float64Array, values: Float64Array, vectors: Float64Array): void;
  svd(m: number, n: number, A: Float64Array, U: Float64Array, s: Float64Array, Vt: Float64Array): void;
  fwht(X: Float64Array, rows: number, n: number): void;
  fft(re: Float64Array, im: Float64Array, cos: Float64Array, sin: Float64Array, bitrev: Uint32Array, sign: 1 | -1): void;
}

interface NativeGemm {
  gemm: Gemm;
  info(): { core: string; config: string; threads: number };
  setThreads(n: number): void;
}

const gemmNames = ['gemm', 'info', 'setThreads'] as const;
const mathsNames = ['eigh', 'svd', 'fwht', 'fft'] as const;
const native = nativeAddon<NativeGemm>(gemmNames);

export const typescriptBlas: Blas = {
  gemm: gemmTs,
  info: () => ({ backend: 'typescript', threads: 1, reason: nativeAddonMissing(gemmNames) || undefined }),
};

export const nativeBlas: Blas | null = native && {
  gemm: native.gemm,
  info: () => ({ backend: 'openblas', ...native.info() }),
};

/** The GEMM the library uses: OpenBLAS when the addon loaded, the TypeScript loop otherwise. */
export const blas: Blas = nativeBlas ?? typescriptBlas;

/** Null when the addon did not load, or is a build from before LAPACK was added (rebuild it). */
export const nativeMaths: NativeMaths | null = nativeAddon<NativeMaths>(mathsNames);

/** Why nativeMaths is null ('' when it is not). */
export const nativeMathsReason = nativeAddonMissing(mathsNames);

export function setBlasThreads(n: number): void {
  native?.setThreads(n);
}

const nativeSyrk = nativeAddon<{ syrk(n: number, k: number, alpha: number, A: Float64Array, lda: number, beta: number, C: Float64Array, ldc: number): void }>(['syrk']);

/**
 * The upper triangle of C (n x n) = alpha A^T A + beta C, A (k x n) row-major: OpenBLAS's dsyrk
 * (half a GEMM's work) when the addon has it, else the GEMM (which fills both triangles). Callers
 * read the upper triangle only, and mirror it when they need the whole matrix.
 */
export function syrkUpper(n: number, k: number, alpha: number, A: Float64Array, lda: number, beta: number, C: Float64Array, ldc: number): void {
  if (nativeSyrk && blas === nativeBlas) nativeSyrk.syrk(n, k, alpha, A, lda, beta, C, ldc);
  else blas.gemm(true, false, n, n, k, alpha, A, lda, A, lda, beta, C, ldc);
}

/** Copies the upper triangle of the row-major n x n C into its lower one (after syrkUpper): exactly symmetric whatever order the kernel summed in. */
export function mirrorUpper(C: Float64Array, n: number): void {
  for (let a = 0; a < n; a++) for (let b = 0; b < a; b++) C[a * n + b] = C[b * n + a];
}
