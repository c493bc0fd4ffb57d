// The README's library example runs as written (against the built package), so it cannot drift
// from the API. (The import line becomes a require of dist/src/index.js; the rest is plain JS.)
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { repoRoot } from '../helpers';

test('the README library example runs and prints a certified objective above its bound', () => {
  const readme = fs.readFileSync(path.join(repoRoot, 'README.md'), 'utf8');
  const section = readme.slice(readme.indexOf('## Library'));
  const code = /```ts\n([\s\S]*?)```/.exec(section)![1];
  const index = JSON.stringify(path.join(repoRoot, 'dist', 'src', 'index.js'));
  const js = code.replace(/import \{([^}]+)\} from 'convexformer';/, `const {$1} = require(${index});`);
  assert.notEqual(js, code, 'the example no longer imports from convexformer');
  const printed: unknown[][] = [];
  new Function('require', 'console', js)(require, { log: (...a: unknown[]) => printed.push(a) });
  assert.equal(printed.length, 1);
  const [objective, lowerBound, heads] = printed[0] as [number, number, unknown[]];
  assert.ok(lowerBound <= objective && (objective - lowerBound) / objective <= 1e-8, `${objective} vs ${lowerBound}`);
  assert.ok(Array.isArray(heads) && heads.length > 0);
});
