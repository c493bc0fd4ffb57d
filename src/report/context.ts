// The block at the top of each section: what a colleague needs to read its plots. The data file
// and its hash, the problem's shape, loss, beta and its fraction of beta_max, the heads of every
// model, loss and accuracy, and the certificate. A value the run did not record is said to be
// missing, never guessed.
import type { Json } from './runs';
import { cell, escapeHtml, fields, precision } from './text';

export interface Fact {
  label: string;
  /** HTML */
  html: string;
}

export const NOT_RECORDED = '<span class="missing">not recorded</span>';

export function contextBlock(facts: Fact[]): string {
  return `<dl class="context">${facts.map((f) => `<dt>${escapeHtml(f.label)}</dt><dd>${f.html}</dd>`).join('')}</dl>`;
}

/** Where settings may be: result.json, then config.json's `config`, then config.json itself (older runs). */
export function sources(result: Json, config: Json): Json[] {
  return [result, fields(config.config), config];
}

/** The first recorded value of `key`. */
export function pick(src: Json[], key: string): unknown {
  for (const s of src) if (s[key] !== undefined && s[key] !== null) return s[key];
  return undefined;
}

/** ": teacherDataset(N = 2000, tokens = [1,5], ...)", or nothing when no generator is recorded. */
function generatorText(g: unknown): string {
  const { name, options } = fields(g);
  if (typeof name !== 'string') return '';
  const args = Object.entries(fields(options)).map(([k, v]) => `${escapeHtml(k)} = ${escapeHtml(JSON.stringify(v) ?? String(v))}`);
  return `: <code>${escapeHtml(name)}(${args.join(', ')})</code>`;
}

export function dataFact(config: Json): Fact {
  const file = config.dataFile;
  const hash = config.dataHash;
  const fileText = typeof file === 'string' ? `<code>${escapeHtml(file)}</code>`
    : file === null ? `generated in memory (no file)${generatorText(config.generator)}` : NOT_RECORDED;
  const hashText = typeof hash === 'string'
    ? `, sha256 <code title="${escapeHtml(hash)}">${escapeHtml(hash.slice(0, 12))}${hash.length > 12 ? '&hellip;' : ''}</code>`
    : '';
  return { label: 'data', html: fileText + hashText };
}

export function shapeFact(src: Json[]): Fact {
  const parts = ['N', 'n', 'd', 'c'].map((k) => {
    const v = pick(src, k);
    return v === undefined ? `${k} ${NOT_RECORDED}` : `${k} = ${cell(v)}`;
  });
  // gates: only the gated program has them (other runs record h as null)
  const h = pick(src, 'h');
  if (h !== undefined) parts.push(`h = ${cell(h)}`);
  return { label: 'shape', html: parts.join(', ') };
}

export function lossFact(src: Json[]): Fact {
  const v = pick(src, 'loss');
  return { label: 'loss', html: v === undefined ? NOT_RECORDED : cell(v) };
}

/** beta, beta_max and their ratio (computed when the run records only the two). */
export function betaText(beta: unknown, betaMax: unknown, frac?: unknown): string {
  const f = typeof frac === 'number' ? frac
    : typeof beta === 'number' && typeof betaMax === 'number' && betaMax > 0 ? beta / betaMax : undefined;
  if (beta === undefined) return NOT_RECORDED;
  const share = f !== undefined ? ` = ${cell(f, precision(3))} &times; beta_max` : '';
  const max = betaMax !== undefined ? ` (beta_max ${cell(betaMax, precision(6))})` : '';
  return `${cell(beta, precision(6))}${share}${max}`;
}

/** What "accuracy" means for a loss: for squared loss the tool reports argmax agreement with Y. */
export const accuracyName = (loss: unknown): string =>
  loss === 'ce' ? 'accuracy' : loss === 'squared' ? 'argmax agreement with Y' : 'accuracy (argmax agreement)';
