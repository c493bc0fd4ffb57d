// Every link in README.md and docs/*.md points to a file inside the repository (and an anchor, if
// any, to a heading of that file): no web links, nothing outside the clone, nothing missing.
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { repoRoot } from '../helpers';
import { documentationFiles, linkProblem, links } from './markdown';

test('every link in the documentation points to a file inside the repository', () => {
  const all = documentationFiles(repoRoot).flatMap((f) => links(repoRoot, f));
  assert.ok(all.length >= 5, `only ${all.length} links found: the extractor is broken`);
  const bad = all.map((l) => [l, linkProblem(repoRoot, l)] as const).filter(([, p]) => p !== null);
  assert.deepEqual(bad.map(([l, p]) => `${l.file}:${l.line}: ${l.target}: ${p}`), []);
});
