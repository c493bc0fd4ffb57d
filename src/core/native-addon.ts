// The native addon (build/Release/convexformer_blas.node), loaded once. Each module that wraps a
// part of it (core/blas.ts: GEMM and LAPACK/FWHT/FFT; attention/multi-head.ts: the fused
// attention kernels) declares the functions it needs and asks for them here, so this loader
// knows nothing of what the functions compute.
import * as path from 'node:path';
import * as fs from 'node:fs';

const addonPath = path.resolve(__dirname, '..', '..', '..', 'build', 'Release', 'convexformer_blas.node');
let loadError = '';

function loadAddon(): Record<string, unknown> | null {
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
    return require(addonPath) as Record<string, unknown>;
  } catch (e) {
    loadError = `addon failed to load: ${(e as Error).message}`;
    return null;
  }
}

const addon = loadAddon();

/**
 * The addon's functions `names` as one object of type T, or null when the addon did not load or
 * is a build that lacks one of them (built before that kernel was added).
 */
export function nativeAddon<T>(names: readonly (keyof T & string)[]): T | null {
  if (!addon || names.some((n) => typeof addon[n] !== 'function')) return null;
  return addon as T;
}

/** Why nativeAddon(names) is null ('' when it is not). */
export function nativeAddonMissing(names: readonly string[]): string {
  if (!addon) return loadError;
  const missing = names.filter((n) => typeof addon[n] !== 'function');
  return missing.length ? `addon built without ${missing.join(', ')}: rerun node scripts/build-native.js` : '';
}
