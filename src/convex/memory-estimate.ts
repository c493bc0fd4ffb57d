// What a solve will allocate, known before it allocates: the solver's vectors are N c floats
// (predictions, gradients, the dual point; about 10 of them) and c n d (h) floats (the iterates;
// about 8). A problem that cannot fit in this machine's memory is refused before any work,
// naming the class count that sizes it, instead of running the machine out of memory.
import * as os from 'node:os';
import { InputError } from '../data/errors';

export function solveBytes(N: number, n: number, d: number, c: number, h = 1): number {
  return 8 * (10 * N * c + 8 * h * c * n * d);
}

export function checkSolveFits(N: number, n: number, d: number, c: number, h = 1, available = os.totalmem()): void {
  const bytes = solveBytes(N, n, d, c, h);
  if (bytes > available) {
    const gb = (b: number) => `${(b / 1e9).toFixed(1)} GB`;
    throw new InputError('c', `${c} classes (outputs) x ${N} samples${h > 1 ? ` x ${h} gates` : ''} need ${gb(bytes)} for the solver's vectors ` +
      `(10 of N c floats, 8 of ${h > 1 ? 'h ' : ''}c n d), more than this machine's ${gb(available)} of memory; use fewer classes (\`classes\`) or fewer samples`);
  }
}

/** Linear attention (Sahiner eq. 6): vec(G_i) and M_i per sample (N (d^2 + d c)), the solver's N c vectors, ~8 Z's of d^3 c. */
export function checkLinearMhsaFits(N: number, d: number, c: number, available = os.totalmem()): void {
  const bytes = 8 * (N * (d * d + d * c) + 10 * N * c + 8 * d * d * d * c);
  if (bytes > available) {
    throw new InputError('X', `${N} samples of d = ${d} need ${(bytes / 1e9).toFixed(1)} GB for linear-mhsa (each sample's d x d Gram matrix, the solver's vectors, Z), ` +
      `more than this machine's ${(available / 1e9).toFixed(1)} GB of memory; use fewer samples or a smaller d`);
  }
}
