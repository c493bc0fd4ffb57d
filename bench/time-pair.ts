// Two ways of doing one thing, timed in the same run: calls alternate (a, b, a, ...) so that load
// from other processes on this shared machine falls on both alike. The first pair is the warm-up;
// when a pair takes over 1 s, that one pair is the measurement. ms per call, median.
import { median } from '../src/core/median';

const once = (fn: () => void) => { const t = process.hrtime.bigint(); fn(); return Number(process.hrtime.bigint() - t) / 1e6; };

export function timePair(a: () => void, b: () => void, totalMs = 2000, maxCalls = 50): { a: number; b: number; calls: number } {
  const x0 = once(a), y0 = once(b);
  if (x0 + y0 > 1000) return { a: x0, b: y0, calls: 1 };
  const ta: number[] = [], tb: number[] = [];
  for (let total = 0; (ta.length < 3 || total < totalMs) && ta.length < maxCalls;) {
    const x = once(a), y = once(b);
    ta.push(x); tb.push(y); total += x + y;
  }
  return { a: median(ta), b: median(tb), calls: ta.length };
}
