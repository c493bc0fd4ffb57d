// What the page may claim about a convex solve. "Certified" only when the run says it converged
// (or, for compare runs that predate the flag, when its relative gap is within its tolerance);
// everything else is marked NOT certified or unknown, so no wording outruns the data.
import { gapText, tolText } from './text';

export type CertState = 'certified' | 'not' | 'unknown';

export interface CertStatus {
  state: CertState;
  /** HTML (numbers formatted, strings escaped) */
  text: string;
}

export interface CertFacts {
  converged: unknown;
  relGap: unknown;
  tol: unknown;
}

/**
 * `missing`: what a run without a boolean `converged` means. fit and path always write the flag,
 * so its absence is 'not'; compare runs may lack it, and are then judged by relGap <= tol.
 */
export function certStatus(f: CertFacts, missing: 'not' | 'compare-gap'): CertStatus {
  const g = gapText(f.relGap);
  const t = tolText(f.tol);
  const above = typeof f.relGap === 'number' && typeof f.tol === 'number' && f.relGap > f.tol;
  if (f.converged === true) return { state: 'certified', text: `certified at rel. gap ${g} (tol ${t})` };
  if (f.converged === false) {
    return { state: 'not', text: above ? `NOT certified: rel. gap ${g} &gt; tol ${t}` : `NOT certified: the solve stopped unconverged (rel. gap ${g}, tol ${t})` };
  }
  if (missing === 'not') return { state: 'not', text: `NOT certified: the run records no converged flag (rel. gap ${g}, tol ${t})` };
  const comparable = typeof f.relGap === 'number' && Number.isFinite(f.relGap) && typeof f.tol === 'number' && Number.isFinite(f.tol);
  if (!comparable) return { state: 'unknown', text: `certificate status unknown (rel. gap ${g}, tol ${t})` };
  return above
    ? { state: 'not', text: `NOT certified: rel. gap ${g} &gt; tol ${t}` }
    : { state: 'certified', text: `certified at rel. gap ${g} (tol ${t})` };
}

/** The status as a marked span: a visible badge for anything but certified. */
export const certMark = (s: CertStatus): string => `<span class="cert-${s.state}">${s.text}</span>`;
