// README's list of convex programs is generated from the registry (src/cli/programs-markdown.ts):
// adding a program changes it only through `npm run docs:programs`, and this test fails until then.
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { PROGRAMS } from '../../src/convex/registry';
import { PROGRAMS_BEGIN, PROGRAMS_END, programsMarkdown, replaceProgramsBlock } from '../../src/cli/programs-markdown';

const readmePath = path.join(__dirname, '..', '..', '..', 'README.md');

test('README.md lists every registered program as the registry describes it (else run npm run docs:programs)', () => {
  const readme = fs.readFileSync(readmePath, 'utf8');
  const block = programsMarkdown(PROGRAMS);
  assert.ok(readme.includes(block), 'README.md\'s list of programs is out of date: run `npm run docs:programs`');
  for (const p of PROGRAMS) {
    assert.ok(block.includes(`\`--model ${p.name}\``) && block.includes(p.equation) && block.includes(p.nonconvex), p.name);
    for (const o of p.options) assert.ok(block.includes(`\`${o.flag}\``), `${p.name}: ${o.flag}`);
  }
});

test('the generated block replaces exactly the text between its markers', () => {
  const text = `before\n${PROGRAMS_BEGIN}\nold list\n${PROGRAMS_END}\nafter\n`;
  const out = replaceProgramsBlock(text, programsMarkdown(PROGRAMS));
  assert.ok(out.startsWith('before\n') && out.endsWith('\nafter\n') && !out.includes('old list'));
  assert.equal(replaceProgramsBlock(out, programsMarkdown(PROGRAMS)), out);
  assert.throws(() => replaceProgramsBlock('no markers', 'x'), /markers/);
});
