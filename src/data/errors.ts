// Bad input is refused with one line that names the field and what was expected.
export class InputError extends Error {
  constructor(readonly field: string, detail: string) {
    super(`${field}: ${detail}`);
    this.name = 'InputError';
  }
}
