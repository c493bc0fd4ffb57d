// Everything read from a run directory is data, never markup: these turn it into HTML text, into
// JSON that is safe inside <script>, and into one-line messages. Fields that should be numbers
// are formatted only when they are numbers; a string is shown as (escaped) text, anything else as '-'.

// (the line separators too: harmless in HTML text, but then the page holds none anywhere)
const HTML_ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;', '\u2028': '&#8232;', '\u2029': '&#8233;' };

export const escapeHtml = (s: string): string => s.replace(/[&<>"'\u2028\u2029]/g, (ch) => HTML_ESCAPES[ch]);

/**
 * JSON for a <script type="application/json"> block: no '<' (so no `</script>` or `<!--`), and
 * no raw line separators U+2028/U+2029 (which end a line in older JavaScript parsers).
 */
export const jsonForScript = (v: unknown): string =>
  JSON.stringify(v).replace(/[<>&\u2028\u2029]/g, (ch) => `\\u${ch.charCodeAt(0).toString(16).padStart(4, '0')}`);

/**
 * A file name (or a parser's message quoting the input) for a one-line message: control
 * characters and line separators escaped as in JSON (\n, \u001b), so a name cannot break the
 * line or drive the terminal. Left unquoted, like every path in the tool's messages.
 */
export { oneLine as printable } from '../data/errors';

/** The finite number, or null: for plots. */
export const finite = (v: unknown): number | null => (typeof v === 'number' && Number.isFinite(v) ? v : null);

/** A table cell or inline value: numbers formatted, strings escaped, anything else '-'. */
export function cell(v: unknown, format: (x: number) => string = String): string {
  if (typeof v === 'number') return Number.isFinite(v) ? format(v) : String(v);
  if (typeof v === 'string') return escapeHtml(v);
  return '-';
}

export const precision = (digits: number) => (x: number): string => x.toPrecision(digits);

/** Relative gaps and tolerances: 1.70e-1, 1e-8. */
export const gapText = (v: unknown): string => cell(v, (x) => x.toExponential(2));
export const tolText = (v: unknown): string => cell(v, (x) => x.toExponential());

/** Object fields, or an empty object for anything that is not a plain JSON object. */
export function fields(v: unknown): Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Record<string, unknown>) : {};
}

/** Array elements, or none for anything that is not an array. */
export const items = (v: unknown): unknown[] => (Array.isArray(v) ? v : []);

/** What a JSON value is, for "found X; expected Y" messages. */
export function jsonKind(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'an array';
  return typeof v === 'object' ? 'an object' : `a ${typeof v}`;
}
