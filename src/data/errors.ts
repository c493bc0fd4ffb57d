// Bad input is refused with one line that names the field and what was expected.
export class InputError extends Error {
  constructor(readonly field: string, detail: string) {
    // Keys and file names come from the input; a newline in one must not split the message.
    super(oneLine(`${field}: ${detail}`));
    this.name = 'InputError';
  }
}

/** Escapes control and line-separator characters (\n as the two characters backslash n). */
export function oneLine(s: string): string {
  return s.replace(/[\u0000-\u001f\u007f-\u009f\u2028\u2029]/g, (ch) => {
    const named: Record<string, string> = { '\n': '\\n', '\r': '\\r', '\t': '\\t' };
    return named[ch] ?? `\\u${ch.charCodeAt(0).toString(16).padStart(4, '0')}`;
  });
}

/** A name from the input, quoted and escaped as JSON, cut to `max` characters. */
export function quote(name: string, max = 60): string {
  const cut = name.length > max ? `${name.slice(0, max)}...` : name;
  return oneLine(JSON.stringify(cut));
}

/** Up to `max` names, quoted, with how many more there are. */
export function quoteList(names: readonly string[], max = 8): string {
  const shown = names.slice(0, max).map((n) => quote(n, 40)).join(', ');
  return names.length > max ? `${shown} and ${names.length - max} more` : shown;
}
