// The documentation checks can fail: on a made-up repository, blocks and links are found where
// they are, a failing block is named by file and line, and each kind of bad link is caught.
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { repoRoot } from '../helpers';
import { codeBlocks, documentationFiles, linkProblem, links } from './markdown';
import { run, sandbox } from './run-block';

const root = fs.mkdtempSync(path.join(os.tmpdir(), 'cf-md-'));
fs.mkdirSync(path.join(root, 'docs'));
fs.writeFileSync(path.join(root, 'README.md'), [
  '# Title', '', 'See [usage](docs/u.md#first-steps), [web](https://example.com/x), `[not](a-link.md)`.', '',
  '<!-- not-run: needs the network, for a reason -->', '', '```sh', 'curl https://example.com', '```', '',
  '## Two', '', '- item', '', '  ```console', '  $ echo one \\', '    two', '  one two', '  $ false', '  ```', '',
  '```python', 'raise SystemExit(3)', '```', '', '```ts', "import { runFit } from 'convexformer';", 'const n: number = runFit;', '```', '',
  '[ref]: ../outside.md', '',
].join('\n'));
fs.writeFileSync(path.join(root, 'docs', 'u.md'), '# Usage\n\n## First steps\n\n[back](../README.md#two) [gone](missing.md) [bad](../README.md#three)\n');

test('code blocks: language, line, dedent, section and not-run mark', () => {
  assert.deepEqual(documentationFiles(root), ['README.md', 'docs/u.md']);
  const blocks = codeBlocks(root, 'README.md');
  assert.deepEqual(blocks.map((b) => [b.lang, b.line, b.section, b.notRun]), [
    ['sh', 7, 'title', 'needs the network, for a reason'], ['console', 15, 'two', undefined],
    ['python', 22, 'two', undefined], ['ts', 26, 'two', undefined],
  ]);
  assert.equal(blocks[1].code, '$ echo one \\\n  two\none two\n$ false');
  assert.deepEqual(blocks[1].lines, [16, 17, 18, 19]);
});

test('a failing block is named by its file and the line of the command, or of the type error', () => {
  const [, consoleBlock, python, ts] = codeBlocks(root, 'README.md');
  const dir = sandbox();
  assert.throws(() => run(consoleBlock, dir), /^AssertionError.*README\.md:19: "false" failed \(exit 1\)/);
  assert.throws(() => run(python, dir), /README\.md:22: the python block failed \(exit 3\)/);
  assert.throws(() => run(ts, dir), /README\.md:28: Type '.*' is not assignable to type 'number'/);
  assert.throws(() => run({ ...python, lang: 'ruby' }, dir), /README\.md:22: a ```ruby block, which this test cannot run/);
});

test('links: web, outside the repository, missing files and missing anchors are each refused', () => {
  const found = [...links(root, 'README.md'), ...links(root, 'docs/u.md')];
  assert.deepEqual(found.map((l) => [l.file, l.line, l.target, linkProblem(root, l)]), [
    ['README.md', 3, 'docs/u.md#first-steps', null],
    ['README.md', 3, 'https://example.com/x', 'a link outside the repository (a URL)'],
    ['README.md', 31, '../outside.md', '../outside.md is outside the repository'],
    ['docs/u.md', 5, '../README.md#two', null],
    ['docs/u.md', 5, 'missing.md', 'docs/missing.md does not exist'],
    ['docs/u.md', 5, '../README.md#three', 'README.md has no heading #three'],
  ]);
});

test('in a block, convexformer and npx convexformer are the built CLI, and commands share one directory', () => {
  const dir = sandbox();
  const block = { file: 'x.md', line: 1, lang: 'sh', code: 'npx convexformer --version > v.txt\nconvexformer --version | cmp - v.txt && cat v.txt', lines: [2, 3], section: '' };
  const pkg = JSON.parse(fs.readFileSync(path.join(repoRoot, 'package.json'), 'utf8'));
  assert.equal(run(block, dir).trim(), pkg.version);
});
