// Geometric logging: keep steps 1, 2, 3, ... and then about every 25% more, so a log-x plot has
// evenly spaced points and a long run writes a short log.
export function geometricSteps(): (step: number) => boolean {
  let next = 0;
  return (step) => {
    if (step < next) return false;
    next = Math.max(step + 1, Math.floor(step * 1.25));
    return true;
  };
}

/**
 * The same spacing as a function of an index k alone (0, 1, 2, ..., 8, 10, 12, 15, ...), for
 * choices that must come out the same when a run resumes midway (grok's weight spectra per
 * evaluation).
 */
export function geometricIndices(): (k: number) => boolean {
  const keep = new Set<number>();
  for (let k = 0; k < 1e9; k = Math.max(k + 1, Math.floor(k * 1.25))) keep.add(k);
  return (k) => keep.has(k);
}
