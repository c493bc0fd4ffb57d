#!/usr/bin/env node
// Rewrites the list of convex programs in README.md from the registry (see src/cli/programs-markdown.ts).
// Run through `npm run docs:programs`, which builds first.
const fs = require('node:fs');
const path = require('node:path');
const { programsMarkdown, replaceProgramsBlock } = require('../dist/src/cli/programs-markdown.js');
const { PROGRAMS } = require('../dist/src/convex/registry.js');

const readme = path.join(__dirname, '..', 'README.md');
const before = fs.readFileSync(readme, 'utf8');
const after = replaceProgramsBlock(before, programsMarkdown(PROGRAMS));
if (after === before) {
  console.log('README.md: the list of programs is up to date');
} else {
  fs.writeFileSync(readme, after);
  console.log(`README.md: the list of programs rewritten (${PROGRAMS.length} programs)`);
}
