// The registry is the one list of programs: each program has the whole shape (equation, objective,
// options, build, predict, recover, non-convex objective, weights), its recovered weights reproduce
// its certified optimum, and every program appears in `fit --help`, `path --help` and `info` (the
// README's list is generated: test/docs/programs-list.test.ts). A program added to the registry is held to all of this without a new test.
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { spawnSync } from 'node:child_process';
import { PROGRAMS, programNamed, programNames, programOptions } from '../../src/convex/registry';
import { kktReport } from '../../src/convex/kkt';
import { withBeta } from '../../src/convex/programs/assemble';
import { solveCertified } from '../../src/convex/solve';
import { InputError } from '../../src/data/errors';
import type { Targets } from '../../src/convex/types';
import { assertClose, cli, randLabels, randn, relDiff, repoRoot } from '../helpers';

const N = 40, n = 4, d = 3, c = 2; // n a power of 2: the FNO programs convolve by FFT
const X = randn(N * n * d, 61);
const squish = (s: string) => s.replace(/\s+/g, ' ');

test('program names are unique, and an unknown name is refused naming the field and the choices', () => {
  assert.equal(new Set(programNames()).size, PROGRAMS.length);
  for (const p of PROGRAMS) assert.equal(programNamed(p.name), p);
  assert.throws(() => programNamed('mlp'), (e: Error) => e instanceof InputError && e.field === 'model' &&
    e.message === `model: unknown program 'mlp'; expected one of: ${programNames().join(', ')}`);
});

test('every program describes itself: equation, the non-convex objective it certifies, the convex program, options whose flag is their field', () => {
  const kebab = (f: string) => f.replace(/[A-Z]/g, (ch) => `-${ch.toLowerCase()}`);
  for (const p of PROGRAMS) {
    assert.match(p.equation, /eq\. \(\d+\)/, p.name);
    assert.ok(p.summary.length > 0 && !p.summary.includes('\n'), p.name);
    assert.match(p.nonconvex, /beta\/2/, `${p.name}: the weight decay is written out`);
    assert.match(p.convex, /min_Z .*beta/, p.name);
    // the CLI shows an error naming the field under the flag of the same name
    for (const o of p.options) assert.match(o.flag, new RegExp(`^--${kebab(o.field)} <\\w+>$`), `${p.name}: option ${o.field}`);
  }
  assert.equal(new Set(programOptions().map((o) => o.flag)).size, programOptions().length);
});

for (const p of PROGRAMS) {
  const forms = p.perTokenTargets === 'required' ? ['token'] : p.perTokenTargets === 'optional' ? ['sample', 'token'] : ['sample'];
  for (const form of forms) for (const loss of ['squared', 'ce'] as const) {
    test(`${p.name}/${loss}${form === 'token' ? ', per-token targets' : ''}: the recovered weights reproduce the certified optimum and the predictions`, () => {
      const rows = form === 'token' ? N * n : N, tokens = form === 'token' ? { tokens: n } : {};
      const targets: Targets = loss === 'squared' ? { Y: randn(rows * c, 62), c, ...tokens } : { y: randLabels(rows, c, 63), c, ...tokens };
      const base = p.build({ train: { X, N, n, d }, trainTargets: targets }, { loss, gates: 3, seed: 4 });
      assert.equal(base.program, p);
      assert.equal(base.zShape.reduce((a, b) => a * b, 1), base.problem.operator.cols);
      const built = withBeta(base, 0.4 * base.betaMax);
      const sol = solveCertified(built, 'fista', { tol: 1e-10 });
      assert.ok(sol.converged);
      const rec = built.recover(sol.w);
      assert.ok(rec.H > 0, 'no heads: the test would hold nothing');
      const nc = built.nonconvexObjective(X, N, rec, built.problem.beta);
      assert.ok(relDiff(nc.objective, sol.certificate.primal) < 1e-12, `${nc.objective} vs ${sol.certificate.primal}`);
      assertClose(nc.pred, sol.pred, 1e-10, 'non-convex predictions');
      // on the training tokens, predict is the operator the solve used
      assertClose(built.predict(sol.w, { X, N, n, d }), sol.pred, 1e-12, 'predict');
      const w = built.weights(sol.w, rec);
      assert.deepEqual(w.Z.shape, base.zShape);
      assert.equal(w.W1.shape[0], rec.H, 'one W1 per head');
      // what `check` reads back from weights.npz stands for Z itself, and passes the KKT check
      const read = built.readRecovered(Object.fromEntries(Object.entries(w).map(([k, a]) =>
        [k, { ...a, dtype: '<f8', kind: 'f' as const, values: Float64Array.from(a.data as ArrayLike<number>) }])));
      assertClose(built.embed(read), sol.w, 1e-14, 'embed(readRecovered(weights)) against Z');
      const kkt = kktReport(built.problem, sol.w);
      assert.ok(kkt.stationarity < 1e-4 && kkt.dualFeasibility <= 1 + 1e-4 && (kkt.zeroGroupSlack ?? 0) >= -1e-4, JSON.stringify(kkt));
    });
  }
}

test('every registered program appears in fit --help and path --help with its equation, and in info', () => {
  for (const cmd of ['fit', 'path']) {
    const r = spawnSync(process.execPath, [cli, cmd, '--help'], { encoding: 'utf8' });
    assert.equal(r.status, 0, r.stderr);
    const help = squish(r.stdout);
    assert.match(help, new RegExp(`choices: ${programNames().map((s) => `"${s}"`).join(', ')}`));
    for (const p of PROGRAMS) assert.ok(help.includes(squish(`${p.name}: ${p.summary} (${p.equation})`)), `${cmd} --help lacks ${p.name}`);
    // each program's options, with the programs that take them and their descriptions
    for (const p of PROGRAMS) {
      for (const o of p.options) {
        // an option several programs take lists them all: "--seed <s>  gated, kernel: ..."
        const line = new RegExp(`${o.flag.replace(/[<>]/g, '\\$&')} +[^:]*\\b${p.name}\\b[^:]*: ${o.description.slice(0, 20).replace(/[().]/g, '\\$&')}`);
        assert.match(help, line, `${cmd} --help lacks ${p.name}'s ${o.flag}`);
      }
    }
  }
  const info = spawnSync(process.execPath, [cli, 'info'], { encoding: 'utf8' });
  assert.equal(info.status, 0, info.stderr);
  for (const p of PROGRAMS) assert.match(info.stdout, new RegExp(`^  ${p.name} +${p.equation.replace(/[().]/g, '\\$&')}: `, 'm'));
});

test('the ts snippets of docs/adding-a-program.md run against the package exports as written', () => {
  const doc = fs.readFileSync(path.join(repoRoot, 'docs', 'adding-a-program.md'), 'utf8');
  const blocks = [...doc.matchAll(/```ts\n([\s\S]*?)```/g)].map((m) => m[1]);
  assert.equal(blocks.length, 1);
  const index = JSON.stringify(path.join(repoRoot, 'dist', 'src', 'index.js'));
  const js = blocks[0].replace(/import \{([^}]+)\} from 'convexformer';/, `const {$1} = require(${index});`);
  assert.notEqual(js, blocks[0], 'the snippet no longer imports from convexformer');
  const printed: unknown[][] = [];
  new Function('require', 'console', js)(require, { log: (...a: unknown[]) => printed.push(a) });
  const [equation, certified, recovered, heads] = printed[0] as [string, number, number, number];
  assert.equal(equation, programNamed('gated').equation);
  assert.ok(relDiff(recovered, certified) < 1e-12, `${recovered} vs ${certified}`);
  assert.ok(heads > 0);
  // every quoted excerpt is still in the file it names
  const excerpts = [...doc.matchAll(/```text\nexcerpt from (\S+)\n([\s\S]*?)```/g)];
  assert.ok(excerpts.length >= 4, `only ${excerpts.length} excerpts found`);
  for (const m of excerpts) {
    const source = fs.readFileSync(path.join(repoRoot, m[1]), 'utf8');
    assert.ok(source.includes(m[2]), `docs/adding-a-program.md quotes ${m[1]} as it no longer is:\n${m[2]}`);
  }
});
