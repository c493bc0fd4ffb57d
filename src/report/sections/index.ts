// Which module renders which kind of run. A kind of src/experiments/kinds.ts without a section
// does not compile; adding one is its file and one line here.
import type { RunKind } from '../../experiments/kinds';
import type { Run } from '../runs';
import { fitSection } from './fit';
import { pathSection } from './path';
import { compareSection } from './compare';
import { demoSection } from './demo';
import { grokSection } from './grok';
import { grokSuiteSection } from './grok-suite';
import { visionSection } from './vision';
import type { Section } from './section';

export const SECTIONS: { [K in RunKind]: Section<Run & { kind: K }> } = {
  fit: fitSection,
  path: pathSection,
  compare: compareSection,
  demo: demoSection,
  grok: grokSection,
  'grok-suite': grokSuiteSection,
  vision: visionSection,
};

/** The section module of a run's kind. */
export const sectionOf = (kind: RunKind): Section<Run> => SECTIONS[kind] as unknown as Section<Run>;
