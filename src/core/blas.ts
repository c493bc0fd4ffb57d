// GEMM behind one interface: OpenBLAS through the native addon, or a pure-TypeScript
// fallback with identical semantics (row-major, transpose flags, leading dimensions).
import * as path from 'node:path';
import * as fs from 'node:fs';
import { gemmTs } from './gemm-ts';

export type FloatArray = Float64Array | Float32Array;

export interface BlasInfo {
  backend: 'openblas' | 'typescript';
  core?: string;
  config?: string;
  threads: number;
  reason?: string;
}

/** C = alpha * op(A) * op(B) + beta * C, row-major, C of shape (m, n), op(A) (m, k), op(B) (k, n). */
export type Gemm = <T extends FloatArray>(
  transA: boolean, transB: boolean, m: number, n: number, k: number, alpha: number,
  A: T, lda: number, B: T, ldb: number, beta: number, C: T, ldc: number,
) => void;

export interface Blas {
  gemm: Gemm;
  info(): BlasInfo;
}

/** Fused loops in C (native/attention.c), same contracts as their TypeScript references. */
export interface NativeKernels {
  attentionForward(B: number, T: number, C: number, NH: number, scale: number, out: FloatArray, att: FloatArray, inp: FloatArray): void;
  attentionBackward(B: number, T: number, C: number, NH: number, scale: number, dinp: FloatArray, dout: FloatArray, inp: FloatArray, att: FloatArray): void;
}

/** LAPACK, FWHT and FFT in C (native/lapack.c, fwht.c, fft.c); src/core/linalg.ts, fwht.ts, fft.ts wrap them. */
export interface NativeMaths {
  eigh(n: number, A: Float64Array, values: Float64Array, vectors: Float64Array): void;
  svd(m: number, n: number, A: Float64Array, U: Float64Array, s: Float64Array, Vt: Float64Array): void;
  fwht(X: Float64Array, rows: number, n: number): void;
  fft(re: Float64Array, im: Float64Array, cos: Float64Array, sin: Float64Array, bitrev: Uint32Array, sign: 1 | -1): void;
}

interface Addon extends NativeKernels, Partial<NativeMaths> {
  gemm: Gemm;
  info(): { core: string; config: string; threads: number };
  setThreads(n: number): void;
}

const addonPath = path.resolve(__dirname, '..', '..', '..', 'build', 'Release', 'convexformer_blas.node');
let loadError = '';

function loadAddon(): Addon | null {
  if (process.env.CONVEXFORMER_BLAS === 'typescript') {
    loadError = 'CONVEXFORMER_BLAS=typescript';
    return null;
  }
  if (!fs.existsSync(addonPath)) {
    loadError = `addon not built (${addonPath} missing)`;
    return null;
  }
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    return require(addonPath) as Addon;
  } catch (e) {
    loadError = `addon failed to load: ${(e as Error).message}`;
    return null;
  }
}

const addon = loadAddon();

export const typescriptBlas: Blas = {
  gemm: gemmTs,
  info: () => ({ backend: 'typescript', threads: 1, reason: loadError || undefined }),
};

export const nativeBlas: Blas | null = addon && {
  gemm: addon.gemm,
  info: () => ({ backend: 'openblas', ...addon.info() }),
};

/** The GEMM the library uses: OpenBLAS when the addon loaded, the TypeScript loop otherwise. */
export const blas: Blas = nativeBlas ?? typescriptBlas;

export const nativeKernels: NativeKernels | null = addon;

/** Null when the addon did not load, or is a build from before LAPACK was added (rebuild it). */
export const nativeMaths: NativeMaths | null =
  addon?.eigh && addon.svd && addon.fwht && addon.fft ? (addon as NativeMaths) : null;

/** Why nativeMaths is null ('' when it is not). */
export const nativeMathsReason = nativeMaths ? '' : addon ? 'addon built before eigh/svd/fwht/fft: rerun node scripts/build-native.js' : loadError;

export function setBlasThreads(n: number): void {
  addon?.setThreads(n);
}
