// The README's list of convex programs, generated from the registry so that adding a program never
// means editing the README by hand: `npm run docs:programs` (scripts/docs-programs.js) writes this
// text between the two markers, and test/docs/programs-list.test.ts fails while it is out of date.
import type { Program } from '../convex/programs/program';

export const PROGRAMS_BEGIN = '<!-- programs: generated from src/convex/registry.ts by `npm run docs:programs`; do not edit by hand -->';
export const PROGRAMS_END = '<!-- programs: end -->';

function optionsText(p: Program): string {
  if (p.options.length === 0) return 'no options of its own';
  return 'options: ' + p.options.map((o) => `\`${o.flag}\` ${o.description}${o.default !== undefined ? ` (default: ${o.default})` : ''}`).join('; ');
}

/** One entry per registered program: name, what it is, equation, options, the objective it certifies, the convex program. */
export function programsMarkdown(programs: readonly Program[]): string {
  const entries = programs.map((p) => [
    `- **\`--model ${p.name}\`**: ${p.summary} (${p.equation}); ${optionsText(p)}.`,
    `  - certifies the non-convex objective \`${p.nonconvex}\``,
    `  - by solving \`${p.convex}\``,
  ].join('\n'));
  return [PROGRAMS_BEGIN, ...entries, PROGRAMS_END].join('\n');
}

/** `text` with its generated block replaced by `block`; throws when the markers are missing. */
export function replaceProgramsBlock(text: string, block: string): string {
  const a = text.indexOf(PROGRAMS_BEGIN);
  const b = text.indexOf(PROGRAMS_END);
  if (a < 0 || b < a) throw new Error(`the markers ${PROGRAMS_BEGIN} ... ${PROGRAMS_END} are missing`);
  return text.slice(0, a) + block + text.slice(b + PROGRAMS_END.length);
}
