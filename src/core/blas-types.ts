// The types the GEMM backends share. blas.ts (which picks a backend) and gemm-ts.ts (the
// TypeScript backend) both import them from here, so neither imports the other's types.

export type FloatArray = Float64Array | Float32Array;

/** C = alpha * op(A) * op(B) + beta * C, row-major, C of shape (m, n), op(A) (m, k), op(B) (k, n). */
export type Gemm = <T extends FloatArray>(
  transA: boolean, transB: boolean, m: number, n: number, k: number, alpha: number,
  A: T, lda: number, B: T, ldb: number, beta: number, C: T, ldc: number,
) => void;

export interface BlasInfo {
  backend: 'openblas' | 'typescript';
  core?: string;
  config?: string;
  threads: number;
  reason?: string;
}

export interface Blas {
  gemm: Gemm;
  info(): BlasInfo;
}
