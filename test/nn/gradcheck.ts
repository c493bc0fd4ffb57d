// Central finite differences of a scalar function of a flat buffer, for gradient checks.
import * as assert from 'node:assert/strict';
import { gradBuffers, objective, type Batch, type Model } from '../../src/nn/models/model';

/**
 * Checks analytic gradient `grad` of `f` at `x` (perturbed in place, restored) on every coordinate.
 * Each error is relative to the gradient's largest entry: a central difference errs by
 * truncation (eps^2 f''') and rounding (ulp(f) / eps), both on the scale of the whole gradient,
 * not of one (possibly tiny) coordinate, and the data's units must not change the verdict.
 */
export function checkGradient(name: string, f: () => number, x: Float64Array, grad: ArrayLike<number>, tol = 1e-6, eps = 1e-6): void {
  assert.equal(grad.length, x.length, `${name}: gradient length`);
  let scale = 0;
  for (let i = 0; i < grad.length; i++) scale = Math.max(scale, Math.abs(grad[i]));
  for (let i = 0; i < x.length; i++) {
    const old = x[i];
    x[i] = old + eps;
    const up = f();
    x[i] = old - eps;
    const down = f();
    x[i] = old;
    const fd = (up - down) / (2 * eps);
    const err = Math.abs(fd - grad[i]) / Math.max(scale, Math.abs(fd), Number.MIN_VALUE);
    assert.ok(err <= tol, `${name}[${i}]: analytic ${grad[i]} vs finite difference ${fd} (gradient scale ${scale})`);
  }
}

/**
 * Every parameter of `model` on `batch`: its gradient (loss + weight decay) is not all zeros and
 * matches central finite differences (checkGradient), each error named `label` and the parameter.
 */
export function checkModelGradients(label: string, model: Model, batch: Batch, tol = 1e-6): void {
  const grads = gradBuffers(model);
  objective(model, batch, grads);
  model.params.forEach((p, k) => {
    assert.ok(grads[k].some((g) => g !== 0), `${p.name}: gradient is all zeros`);
    checkGradient(`${label} ${p.name}`, () => objective(model, batch, null), p.data as Float64Array, grads[k], tol);
  });
}
