/**
 * Gradient clipping, on the GPU and without readback. Each replaces p.grad by a clipped copy
 * (clipGradValue: one dispatch per four gradients; clipGradNorm: one per gradient for the scaling).
 */
import { noGrad } from '../engine/autograd.js';
import { checkNumber, checkTensorList } from '../engine/check.js';
import { add, div, minimum, mul, sqrt, square } from '../engine/ops/elementwise.js';
import { zeros } from '../engine/ops/creation.js';
import { clampMany } from '../engine/ops/clamp-many.js';
import { sum } from '../engine/ops/reduce.js';
import { keep, tidy } from '../engine/scope.js';
import type { Tensor } from '../engine/tensor.js';

function withGrads(op: string, params: Iterable<Tensor>): (Tensor & { grad: Tensor })[] {
  return checkTensorList(op, 'params', params).filter((p): p is Tensor & { grad: Tensor } => p.grad !== null);
}

function replaceGrad(p: Tensor & { grad: Tensor }, g: Tensor): void {
  p.grad.dispose();
  p.grad = keep(g);
}

/**
 * Clamps every gradient elementwise to [−clipValue, clipValue] (PyTorch's clip_grad_value_). A NaN
 * gradient stays NaN, as in PyTorch: clipping must not turn a diverged step into a plausible one.
 */
export function clipGradValue(params: Iterable<Tensor>, clipValue: number): void {
  checkNumber('clipGradValue', 'clipValue', clipValue, { min: 0, infinite: true });
  const list = withGrads('clipGradValue', params);
  const clipped = clampMany(list.map((p) => p.grad), -clipValue, clipValue);
  list.forEach((p, j) => replaceGrad(p, clipped[j]!));
}

/**
 * Rescales all gradients together so that their joint L2 norm is at most maxNorm (PyTorch's
 * clip_grad_norm_, norm_type 2):  ‖g‖ = √(Σ_p Σ g²),  g ← g · min(1, maxNorm / (‖g‖ + 1e-6)).
 * The norm and the factor stay on the GPU. Returns ‖g‖ (before clipping) as a 0-d tensor.
 * A NaN anywhere makes ‖g‖ NaN, hence the factor, hence every gradient NaN (PyTorch's behaviour
 * with its default error_if_nonfinite = false; raising would need a readback of ‖g‖ each step).
 */
export function clipGradNorm(params: Iterable<Tensor>, maxNorm: number): Tensor {
  checkNumber('clipGradNorm', 'maxNorm', maxNorm, { min: 0, infinite: true });
  const list = withGrads('clipGradNorm', params);
  return noGrad(() => tidy(() => {
    if (list.length === 0) return zeros([]);
    const total = sqrt(list.map((p) => sum(square(p.grad))).reduce((a, b) => add(a, b)));
    const coef = minimum(div(maxNorm, add(total, 1e-6)), 1);
    for (const p of list) replaceGrad(p, mul(p.grad, coef));
    return total;
  }));
}
