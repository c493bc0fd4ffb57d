// Counts operator applications and the time spent in them, so a solve can report the
// effective GFLOP/s of its GEMMs next to the machine's peak.
import type { LinearOperator } from '../types';

export class TimedOperator {
  applications = 0;
  seconds = 0;

  constructor(readonly op: LinearOperator) {}

  apply(w: Float64Array, out: Float64Array): void {
    const t = process.hrtime.bigint();
    this.op.apply(w, out);
    this.seconds += Number(process.hrtime.bigint() - t) / 1e9;
    this.applications++;
  }

  applyT(r: Float64Array, out: Float64Array): void {
    const t = process.hrtime.bigint();
    this.op.applyT(r, out);
    this.seconds += Number(process.hrtime.bigint() - t) / 1e9;
    this.applications++;
  }
}
