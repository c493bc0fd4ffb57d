// convexformer info: the convex programs (from the registry) with the equations they implement,
// which GEMM and LAPACK paths are active, and OpenBLAS's core and threads.
import { Command } from 'commander';
import { blas } from '../core/blas';
import { linalgInfo } from '../core/linalg';
import { PROGRAMS } from '../convex/registry';
import type { Program } from '../convex/programs/program';

/** One line per program; the widest name sets the column, so a longer name cannot break the alignment. */
export function programLines(programs: readonly Pick<Program, 'name' | 'equation' | 'summary'>[]): string[] {
  const width = Math.max(...programs.map((p) => p.name.length));
  return programs.map((p) => `  ${p.name.padEnd(width)}  ${p.equation}: ${p.summary}`);
}

export function infoCommand(): Command {
  return new Command('info').description('list the convex programs and show the numeric backend (OpenBLAS addon or TypeScript fallback)').action(() => {
    console.log('programs (fit/path --model):');
    for (const line of programLines(PROGRAMS)) console.log(line);
    const i = blas.info();
    console.log(`gemm backend: ${i.backend}`);
    if (i.backend === 'openblas') {
      console.log(`openblas core: ${i.core}`);
      console.log(`openblas threads: ${i.threads}`);
      console.log(`openblas config: ${i.config}`);
    } else {
      console.log(`reason: ${i.reason ?? 'unknown'}`);
    }
    const l = linalgInfo();
    console.log(`eigh/svd backend: ${l.backend === 'lapack' ? 'LAPACK (OpenBLAS, native addon)' : `TypeScript Jacobi (${l.reason})`}`);
    console.log(`node: ${process.version}, cpus: ${require('node:os').cpus().length}`);
  });
}
