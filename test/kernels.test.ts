// The numeric tests again under every BLAS kernel a CI machine may pick. Debian's OpenBLAS chooses
// its kernels at run time from the processor (Haswell on many AMD and Intel chips, SkylakeX with
// AVX-512, Zen on AMD EPYC), and each sums in its own order; OPENBLAS_CORETYPE forces one. The
// pure-TypeScript GEMM is the fourth path. A certificate, a recovery check or a tolerance that
// holds only under the kernel of the machine that wrote it fails here.
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { spawnSync } from 'node:child_process';
import { repoRoot } from './helpers';
import { nativeBlas } from '../src/core/blas';

const numericDirs = ['convex', 'core', 'nn', 'optim'];
const files = numericDirs.flatMap((dir) => {
  const abs = path.join(repoRoot, 'dist', 'test', dir);
  return fs.readdirSync(abs).filter((f) => f.endsWith('.test.js')).sort().map((f) => path.join(abs, f));
});

// The instruction-set extensions each forced kernel executes; forcing one the processor lacks
// would die of SIGILL rather than test anything.
const cores: Record<string, string[]> = { Haswell: ['avx2', 'fma'], SkylakeX: ['avx512f', 'avx512bw'], Zen: ['avx2', 'fma'] };
const cpuFlags = new Set((fs.existsSync('/proc/cpuinfo') ? fs.readFileSync('/proc/cpuinfo', 'utf8') : '')
  .split('\n').filter((l) => l.startsWith('flags')).flatMap((l) => l.split(':')[1].trim().split(/\s+/)));

function runNumericTests(env: Record<string, string>): { status: number | null; output: string } {
  const childEnv: NodeJS.ProcessEnv = { ...process.env, ...env };
  delete childEnv.NODE_TEST_CONTEXT; // a nested runner must report for itself, not to ours
  const r = spawnSync(process.execPath, ['--test', ...files], { env: childEnv, encoding: 'utf8', timeout: 300_000 });
  return { status: r.status, output: `${r.stdout}\n${r.stderr}` };
}

function failures(output: string): string {
  return output.split('\n').filter((l) => /^\s*not ok|^\s*error:|actual|expected/.test(l)).slice(0, 30).join('\n');
}

for (const [core, needs] of Object.entries(cores)) {
  const preset = process.env.OPENBLAS_CORETYPE;
  const skip = !nativeBlas ? 'the OpenBLAS addon is not built'
    // The machine's environment pins a kernel (some processors crash or compute wrong results on
    // the one OpenBLAS would pick): respect it, as the environment asks.
    : preset ? `OPENBLAS_CORETYPE=${preset} is set by this machine's environment`
      : needs.some((f) => !cpuFlags.has(f)) ? `this processor lacks ${needs.filter((f) => !cpuFlags.has(f)).join(', ')}`
        : false;
  test(`numeric tests pass under the OpenBLAS ${core} kernels`, { skip }, () => {
    const probe = spawnSync(process.execPath, ['-e', `process.stdout.write(require(${JSON.stringify(path.join(repoRoot, 'dist', 'src', 'core', 'blas.js'))}).blas.info().core)`],
      { env: { ...process.env, OPENBLAS_CORETYPE: core }, encoding: 'utf8' });
    assert.equal(probe.stdout, core, `OpenBLAS did not switch to ${core}: ${probe.stderr}`);
    const r = runNumericTests({ OPENBLAS_CORETYPE: core });
    assert.equal(r.status, 0, `under ${core}:\n${failures(r.output)}`);
  });
}

test('numeric tests pass on the pure-TypeScript GEMM', () => {
  const r = runNumericTests({ CONVEXFORMER_BLAS: 'typescript' });
  assert.equal(r.status, 0, `under CONVEXFORMER_BLAS=typescript:\n${failures(r.output)}`);
});
