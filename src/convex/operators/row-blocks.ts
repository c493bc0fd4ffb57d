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
