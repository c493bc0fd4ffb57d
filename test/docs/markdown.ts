// The pieces of the documentation a test executes or follows: fenced code blocks (with the
// `<!-- not-run: reason -->` mark-up that exempts one) and links. Plain Markdown only: fences of
// three backticks, possibly indented (inside a list item), and inline links `[text](target)`.
import * as fs from 'node:fs';
import * as path from 'node:path';

export interface CodeBlock {
  /** path relative to the repository root, e.g. 'docs/usage.md' */
  file: string;
  /** 1-based line of the opening fence */
  line: number;
  /** the info string's first word, lower case ('' for a plain fence) */
  lang: string;
  /** the content, dedented by the fence's indentation */
  code: string;
  /** 1-based line of each content line */
  lines: number[];
  /** the anchor of the section it sits in ('' before the first heading) */
  section: string;
  /** the reason given by `<!-- not-run: reason -->` on the last non-blank line before the fence */
  notRun?: string;
}

export interface Link {
  file: string;
  line: number;
  target: string;
}

/** README.md and every docs/*.md, as paths relative to `root`. */
export function documentationFiles(root: string): string[] {
  const docs = fs.readdirSync(path.join(root, 'docs')).filter((f) => f.endsWith('.md')).sort();
  return ['README.md', ...docs.map((f) => `docs/${f}`)];
}

const FENCE = /^( *)```\s*([^\s`]*)/;
const NOT_RUN = /^\s*<!--\s*not-run:\s*(.*?)\s*-->\s*$/;

export function codeBlocks(root: string, file: string): CodeBlock[] {
  const text = fs.readFileSync(path.join(root, file), 'utf8').split('\n');
  const blocks: CodeBlock[] = [];
  let section = '';
  for (let i = 0; i < text.length; i++) {
    const heading = /^#{1,6}\s+(.*?)\s*$/.exec(text[i]);
    if (heading) section = slug(heading[1]);
    const open = FENCE.exec(text[i]);
    if (!open) continue;
    const indent = open[1].length;
    let prev = i - 1;
    while (prev >= 0 && text[prev].trim() === '') prev--;
    const notRun = prev >= 0 ? NOT_RUN.exec(text[prev])?.[1] : undefined;
    const body: string[] = [];
    const lines: number[] = [];
    let j = i + 1;
    for (; j < text.length && !/^\s*```\s*$/.test(text[j]); j++) {
      body.push(text[j].slice(Math.min(indent, text[j].length - text[j].trimStart().length)));
      lines.push(j + 1);
    }
    if (j === text.length) throw new Error(`${file}:${i + 1}: code block never closed`);
    blocks.push({ file, line: i + 1, lang: open[2].toLowerCase(), code: body.join('\n'), lines, section, notRun });
    i = j;
  }
  return blocks;
}

/** Inline links and images outside code blocks and code spans. */
export function links(root: string, file: string): Link[] {
  const text = fs.readFileSync(path.join(root, file), 'utf8').split('\n');
  const out: Link[] = [];
  let inFence = false;
  text.forEach((raw, i) => {
    if (FENCE.test(raw)) inFence = !inFence;
    if (inFence || FENCE.test(raw)) return;
    const line = raw.replace(/`[^`]*`/g, '');
    for (const m of line.matchAll(/\]\(\s*<?([^)\s>]+)>?(?:\s+"[^"]*")?\s*\)/g)) out.push({ file, line: i + 1, target: m[1] });
    for (const m of line.matchAll(/^\s*\[[^\]]+\]:\s*(\S+)/g)) out.push({ file, line: i + 1, target: m[1] });
    for (const m of line.matchAll(/<((?:https?|ftp|mailto):[^>]+)>/g)) out.push({ file, line: i + 1, target: m[1] });
  });
  return out;
}

/** GitHub's anchor for a heading: lower case, punctuation dropped, spaces to hyphens. */
function slug(heading: string): string {
  return heading.toLowerCase().replace(/[^\p{L}\p{N}\s_-]/gu, '').replace(/\s/g, '-');
}

/** Every heading's anchor; a repeated heading gets -1, -2, ... as on GitHub. */
export function anchorsOf(root: string, file: string): Set<string> {
  const anchors = new Set<string>();
  let inFence = false;
  for (const raw of fs.readFileSync(path.join(root, file), 'utf8').split('\n')) {
    if (FENCE.test(raw)) inFence = !inFence;
    const h = !inFence && /^#{1,6}\s+(.*?)\s*#*\s*$/.exec(raw);
    if (!h) continue;
    const base = slug(h[1]);
    let anchor = base;
    for (let k = 1; anchors.has(anchor); k++) anchor = `${base}-${k}`;
    anchors.add(anchor);
  }
  return anchors;
}

/** Why a link is wrong, or null. `root` is the repository. */
export function linkProblem(root: string, link: Link): string | null {
  if (/^[a-z][a-z0-9+.-]*:/i.test(link.target)) return 'a link outside the repository (a URL)';
  const [target, anchor] = link.target.split('#', 2);
  const file = target === '' ? path.join(root, link.file) : path.resolve(root, path.dirname(link.file), decodeURI(target));
  const rel = path.relative(root, file);
  if (rel.startsWith('..') || path.isAbsolute(rel) || target.startsWith('/')) return `${target} is outside the repository`;
  if (!fs.existsSync(file)) return `${rel} does not exist`;
  if (anchor !== undefined && file.endsWith('.md') && !anchorsOf(root, path.relative(root, file)).has(anchor)) return `${rel} has no heading #${anchor}`;
  return null;
}
