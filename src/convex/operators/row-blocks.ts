import type { FloatArray } from '../../core/blas';
// The operators multiply the samples in blocks of rows, each block one GEMM. OpenBLAS packs the
// operand it streams into a per-thread buffer of up to ~87 MB (128 MB regions, resident once
// touched), and the gated operator needs an (N x hc) intermediate: in blocks, both stay bounded
// by the block, not by N. A block of 4096 samples keeps every GEMM large enough to run at full
// rate (bench/operator-blocks.ts measures both).
export const DEFAULT_BLOCK_BYTES = 8 * 2 ** 20;

/** Rows per block so that one block of X (rows x rowLength floats) is about `bytes`. */
export function rowsPerBlock(rowLength: number, bytesPerFloat: number, bytes = DEFAULT_BLOCK_BYTES): number {
  return Math.max(1, Math.floor(bytes / (rowLength * bytesPerFloat)));
}

/** Calls fn(first, count) for consecutive blocks of at most `block` of the N samples. */
export function forBlocks(N: number, block: number, fn: (first: number, count: number) => void): void {
  for (let i0 = 0; i0 < N; i0 += block) fn(i0, Math.min(block, N - i0));
}

/** How an operator over X runs: the precision of its GEMMs, and samples per GEMM (default ~8 MB of X; Infinity: one GEMM). */
export interface OperatorOptions {
  /** 'float32' needs X in float32; 'float64' (the default) with float32 X widens it block by block */
  precision?: 'float64' | 'float32';
  blockRows?: number;
}

/**
 * Float32 storage under float64 GEMMs is widened in blocks this small, so the widened copy is still
 * in the core's cache when the GEMM reads it: on 60,000 x 784 the operator then runs at 0.95-1.2 of
 * float64 storage's time, against 1.5-1.8 with 8 MB blocks (bench/float32-data.ts).
 */
export const WIDEN_BLOCK_BYTES = 256 * 2 ** 10;

/** The precision and block size of an operator over X, checked against X's type. */
export function operatorLayout(X: FloatArray, N: number, rowLength: number, opts: OperatorOptions): { precision: 'float64' | 'float32'; block: number } {
  const precision = opts.precision ?? 'float64';
  if (precision === 'float32' && !(X instanceof Float32Array)) throw new Error('internal: float32 GEMMs need X in float32');
  const widen = precision === 'float64' && X instanceof Float32Array;
  const rows = opts.blockRows ?? rowsPerBlock(rowLength, precision === 'float32' ? 4 : 8, widen ? WIDEN_BLOCK_BYTES : DEFAULT_BLOCK_BYTES);
  return { precision, block: Math.min(N, rows) };
}

/**
 * Blocks of X as the GEMMs read them: views of X where its type is the GEMMs' precision, float32
 * storage widened (exactly) into one reused buffer for float64 GEMMs (`--float32-data`), so a full
 * float64 copy of X never exists.
 */
export class BlockReader {
  private readonly wide: Float64Array | null;

  constructor(readonly X: FloatArray, readonly rowLength: number, readonly block: number, precision: 'float64' | 'float32') {
    this.wide = precision === 'float64' && X instanceof Float32Array ? new Float64Array(block * rowLength) : null;
  }

  /** Rows first .. first + count - 1 of X (count <= block); a widened block is valid until the next call. */
  rows(first: number, count: number): FloatArray {
    const p = this.rowLength, view = this.X.subarray(first * p, (first + count) * p);
    if (!this.wide) return view;
    const out = this.wide.subarray(0, count * p);
    out.set(view);
    return out;
  }
}
