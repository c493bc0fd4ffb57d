// Every code block of README.md and docs/*.md is executed, so the documentation cannot drift from
// the tool. Per file, the blocks run in order in one temporary directory (a later block may use
// what an earlier one wrote): sh/bash lines and console `$ ` lines as shell commands, with
// `convexformer` (and `npx convexformer`) the built CLI; python with python3; ts and js against
// the built package, imported by its name 'convexformer' (ts type-checked first). A block that must
// not run here says why in `<!-- not-run: reason -->` right before it; those are reported as
// skipped. Plain and `text` blocks are output or diagrams, not code; any other language fails.
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import { repoRoot } from '../helpers';
import { codeBlocks, documentationFiles } from './markdown';
import { NOT_CODE, SCRIPT, run, sandbox } from './run-block';

/** What some blocks print is checked too, where a run that exits 0 could still be wrong. */
const OUTPUT_CHECKS: Record<string, (stdout: string) => void> = {
  'README.md#library': (stdout) => {
    const [objective, lowerBound] = stdout.trim().split(/\s+/).map(Number);
    assert.ok(lowerBound <= objective && (objective - lowerBound) / objective <= 1e-8, `certificate ${objective} vs ${lowerBound}: ${stdout}`);
  },
  'README.md#arrays-in-npz-files': (stdout) => assert.equal(stdout, '<f4 [ 1, 2, 3 ] BigInt64Array(1) [ 1n ]\ntrue\n'),
};

for (const file of documentationFiles(repoRoot)) {
  const blocks = codeBlocks(repoRoot, file).filter((b) => !NOT_CODE.has(b.lang));
  if (blocks.length === 0) continue;
  test(`the code blocks of ${file} run as written`, async (t) => {
    const dir = sandbox();
    for (const block of blocks) {
      const name = `${file}:${block.line} (${block.lang})`;
      await t.test(name, { skip: block.notRun && `not-run: ${block.notRun}` }, () => {
        const stdout = run(block, dir);
        OUTPUT_CHECKS[`${file}#${block.section}`]?.(stdout);
      });
    }
    fs.rmSync(dir, { recursive: true, force: true });
  });
}

test('every documented check names a block that exists, and the not-run blocks are few and say why', () => {
  const all = documentationFiles(repoRoot).flatMap((f) => codeBlocks(repoRoot, f));
  for (const key of Object.keys(OUTPUT_CHECKS)) {
    assert.ok(all.some((b) => `${b.file}#${b.section}` === key && SCRIPT.has(b.lang) && !b.notRun), `${key}: no runnable block there`);
  }
  const notRun = all.filter((b) => b.notRun !== undefined);
  for (const b of notRun) assert.ok(b.notRun!.length >= 10, `${b.file}:${b.line}: a not-run mark needs a reason`);
  assert.ok(notRun.length <= 6, `${notRun.length} blocks are not run: ${notRun.map((b) => `${b.file}:${b.line}`).join(', ')}`);
});
