// Shared test helpers: fixtures, random problems, plain reference implementations.
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { ChildProcess } from 'node:child_process';
import * as assert from 'node:assert/strict';
import { Rng } from '../src/core/rng';

export const repoRoot = path.resolve(__dirname, '..', '..');
export const fixture = (name: string): string => path.join(repoRoot, 'test', 'fixtures', name);
export const cli = path.join(repoRoot, 'dist', 'src', 'cli', 'main.js');

export function randn(len: number, seed: number, scale = 1): Float64Array {
  return new Rng(seed).normals(len, scale);
}

export function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  assert.equal(a.length, b.length, 'length mismatch');
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}

/**
 * max |a - b| <= tol x (the largest magnitude in a or b): rounding in a sum or a GEMM is relative
 * to the size of the terms, so a tolerance is too (no absolute floor: data may be tiny or huge).
 */
export function assertClose(a: ArrayLike<number>, b: ArrayLike<number>, tol: number, what = 'arrays'): void {
  let scale = 0;
  for (let i = 0; i < b.length; i++) scale = Math.max(scale, Math.abs(a[i]), Math.abs(b[i]));
  const diff = maxAbsDiff(a, b);
  assert.ok(diff <= tol * scale, `${what}: max abs diff ${diff} > ${tol} x ${scale}`);
}

export function relDiff(a: number, b: number): number {
  return Math.abs(a - b) / Math.max(Math.abs(a), Math.abs(b), 1e-300);
}

/** H rows of n uniform draws, each normalised to sum 1: simplex attention weights W1 (H, n). */
export function randSimplexRows(H: number, n: number, seed: number): Float64Array {
  const rng = new Rng(seed);
  const W1 = new Float64Array(H * n);
  for (let j = 0; j < H; j++) {
    let s = 0;
    for (let k = 0; k < n; k++) s += (W1[j * n + k] = rng.uniform());
    for (let k = 0; k < n; k++) W1[j * n + k] /= s;
  }
  return W1;
}

/** Labels 0..c-1, each class present. */
export function randLabels(N: number, c: number, seed: number): Int32Array {
  const rng = new Rng(seed);
  const y = new Int32Array(N);
  for (let i = 0; i < N; i++) y[i] = i < c ? i : rng.int(c);
  return y;
}

/**
 * Kills `child` (SIGKILL) once its checkpoint file holds a step that `stepOf` accepts (a number,
 * or null to keep waiting), and resolves with that step once the process is gone; rejects if the
 * run ends on its own first. Polled every 2 ms: the checkpoint is renamed into place whole.
 */
export async function killAtCheckpoint(
  child: ChildProcess, ckFile: string, stepOf: (ck: any) => number | null, // eslint-disable-line @typescript-eslint/no-explicit-any
): Promise<number> {
  const step = await new Promise<number>((resolve, reject) => {
    const timer = setInterval(() => {
      try {
        const s = stepOf(JSON.parse(fs.readFileSync(ckFile, 'utf8')));
        if (s !== null) {
          clearInterval(timer);
          child.kill('SIGKILL');
          resolve(s);
        }
      } catch { /* not written yet, or mid-rename */ }
    }, 2);
    child.on('exit', () => { clearInterval(timer); reject(new Error('the run finished before it could be killed')); });
  });
  await new Promise((res) => child.on('exit', res));
  return step;
}
