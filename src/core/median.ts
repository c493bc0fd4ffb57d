// The median of a list of numbers (the mean of the two middle values for an even count), NaN for
// none: one definition for result.json's step times and every benchmark's medians.
export function median(values: readonly number[]): number {
  if (values.length === 0) return NaN;
  const s = [...values].sort((a, b) => a - b), m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}
