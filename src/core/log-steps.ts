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
