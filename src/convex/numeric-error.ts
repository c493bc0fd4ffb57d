// A solve that cannot continue because a value left the range of float64 (an objective that
// became Infinity or NaN, a line search that finds no step). One line, naming what overflowed.
export class NumericError extends Error {
  constructor(detail: string) {
    super(detail);
    this.name = 'NumericError';
  }
}
